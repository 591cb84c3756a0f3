"""One laid-out timeline -> the files a listener gets: tagged MP3 or M4B, and subtitles.

Every file is written to a temporary name and renamed when complete, so an output path
holds either what the user had before or a finished, tagged book. An M4B is made from an
assembled MP3 staged out of the user's folder (in the cache's staging folder).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

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


def chapter_marks(layout: Layout) -> list[ChapterMark]:
    return [ChapterMark(c.title, c.start, c.end) for c in layout.chapters]


def publish(
    layout: Layout,
    target: Path,
    publication: Publication,
    *,
    segments: Sequence[Segment],
    speaker_of: Callable[[Segment], str | None],
    track: int | None = None,
    staging_dir: Path | None = None,
) -> float:
    """Write the audio (and subtitles) for `layout` at `target`; returns seconds of audio.

    `staging_dir` holds the work files that are never renamed into place (M4B's assembled
    MP3); without it, or when it cannot be written, they go to the system's temp folder.
    """
    marks = chapter_marks(layout)
    info, cover = publication.info, publication.cover
    target.parent.mkdir(parents=True, exist_ok=True)
    if publication.format == "m4b":
        with staging(target, staging_dir) as staged:
            seconds = assemble(layout.items, staged)
            encode_m4b(staged, target, info=info, chapters=marks, cover=cover)
    else:

        def tag(path: Path) -> None:
            write_id3(path, info=info, chapters=marks, track=track, cover=cover)

        seconds = assemble(layout.items, target, finish=tag)
    if publication.subtitles:
        timed = cues(segments, layout.placed, speaker_of)
        write_subtitles(
            subtitle_path(target, publication.subtitles),
            timed,
            publication.subtitles,
            title=info.title,
            artist=info.author,
            album=info.title,
        )
    return seconds
