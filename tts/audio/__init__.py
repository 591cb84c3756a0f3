"""Stage 5, assemble: clips and pauses -> one MP3 (or M4B, or a file per chapter) at one
loudness, with chapter marks, tags, cover and subtitles."""
