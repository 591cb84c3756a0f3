"""One laid-out timeline -> the files a listener gets: tagged MP3 or M4B, and subtitles.

Every file is written to a temporary name and renamed when complete, so an output path
holds either what the user had before or a finished, tagged book. An M4B is made from an
assembled MP3 staged out of the user's folder (in the cache's staging folder).

The length `publish` returns is read back from the finished file, as a player reads it, so
what the summary prints is what the listener gets. `progress` hears each stage as it goes
('assembling', then for an M4B 'encoding M4B'), in seconds of the file's audio.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mutagen import File as MutagenFile
from mutagen import MutagenError

from tts.atomic import staging
from tts.audio.assemble import assemble
from tts.audio.m4b import encode_m4b
from tts.audio.subtitles import cues, subtitle_path, write_subtitles
from tts.audio.tags import ChapterMark, write_id3
from tts.audio.timeline import Layout
from tts.model import AudioFormat, BookInfo, Segment


@dataclass(frozen=True)
class Publication:
    """How the book goes out: audio format, subtitles, cover and what the tags say."""

    info: BookInfo
    format: AudioFormat = "mp3"
    subtitles: str | None = None
    """'srt', 'lrc' or 'vtt' to write a transcript beside the audio."""
    cover: bytes | None = None
    """A cover picture the user gave (`--cover`); else the book's own, if any."""


ASSEMBLING = "assembling"
ENCODING_M4B = "encoding M4B"

Stage = Callable[[str, float], None]
"""Hears a stage of making one file (`ASSEMBLING`, `ENCODING_M4B`) and the seconds of its
audio that stage has done."""


def chapter_marks(layout: Layout) -> list[ChapterMark]:
    return [ChapterMark(c.title, c.start, c.end) for c in layout.chapters]


def audio_length(path: Path) -> float | None:
    """Seconds of audio in the MP3 or M4B at `path`, as its headers give them to a player
    (mutagen); None when they cannot be read."""
    try:
        found = MutagenFile(path)
    except (MutagenError, OSError):
        return None
    info = getattr(found, "info", None)
    length = getattr(info, "length", None)
    return float(length) if length else None


def publish(
    layout: Layout,
    target: Path,
    publication: Publication,
    *,
    segments: Sequence[Segment],
    speaker_of: Callable[[Segment], str | None],
    title: str | None = None,
    track: tuple[int, int] | None = None,
    staging_dir: Path | None = None,
    progress: Stage | None = None,
) -> float:
    """Write the audio (and subtitles) for `layout` at `target`; returns its length in
    seconds, read back from the file written (`audio_length`).

    `title` and `track` ((number, total)) tag one file of a book split by chapter.
    `staging_dir` holds the work files that are never renamed into place (M4B's assembled
    MP3); without it, or when it cannot be written, they go to the system's temp folder.
    """
    marks = chapter_marks(layout)
    info, cover = publication.info, publication.cover
    target.parent.mkdir(parents=True, exist_ok=True)

    def report(stage: str) -> Callable[[float], None] | None:
        if progress is None:
            return None
        hear = progress
        return lambda seconds: hear(stage, seconds)

    if publication.format == "m4b":
        with staging(target, staging_dir) as staged:
            seconds = assemble(layout.items, staged, progress=report(ASSEMBLING))
            encode_m4b(
                staged,
                target,
                info=info,
                chapters=marks,
                cover=cover,
                title=title,
                track=track,
                progress=report(ENCODING_M4B),
            )
    else:

        def tag(path: Path) -> None:
            write_id3(path, info=info, chapters=marks, title=title, track=track, cover=cover)

        seconds = assemble(layout.items, target, finish=tag, progress=report(ASSEMBLING))
    if publication.subtitles:
        timed = cues(segments, layout.placed, speaker_of)
        write_subtitles(
            subtitle_path(target, publication.subtitles),
            timed,
            publication.subtitles,
            title=title or info.title,
            artist=info.author,
            album=info.title,
        )
    written = audio_length(target)
    return seconds if written is None else written
