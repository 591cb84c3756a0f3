"""Stage 3, cast: voices.yaml and the characters found -> a `Cast` (a voice for the narrator,
for doubtful lines and for every character, kept the same from run to run); cast fixes
written into voices.yaml (`edits`: rename, merge, not a character, gender, voice)."""
