"""The assembled audio -> an .m4b audiobook: AAC with chapters, book metadata and a cover.

One ffmpeg run (the binary from imageio-ffmpeg) transcodes the audio to AAC in an MP4
container written by the `ipod` muxer with the 'M4B ' brand and media type 2 (audiobook), so
Apple Books and Android audiobook players file it as a book and remember the listener's
place. Chapters come from an FFMETADATA file; ffmpeg writes them both as a QuickTime chapter
track (Apple) and a Nero `chpl` box (most other players). The cover is copied as an attached
picture (`covr`). Output goes to a temp file beside `out_path`, renamed over it only when
complete: a failed run leaves no partial file and keeps whatever was there before.

Each file of a book split by chapter carries its chapter's title, the book as album and its
place as 'n/total' (`trkn`). Encoding reports how far it has come (ffmpeg's `-progress`).

Reading back uses ffmpeg too (`ffmpeg -i FILE -f ffmetadata -`), never ffprobe.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tts.atomic import replacing
from tts.audio.tags import ChapterMark, cover_to_embed, iso639_2, year_text
from tts.errors import AudiobookError
from tts.ffmpeg import ffmpeg_exe, last_line
from tts.model import BookInfo

_BITRATE = re.compile(r"^[1-9]\d{0,2}k$")
_SPECIAL = re.compile(r"([=;#\\\n])")
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")


@dataclass(frozen=True)
class MediaInfo:
    """What ffmpeg reads from an audio file: metadata, chapters, cover, length."""

    metadata: dict[str, str] = field(default_factory=dict)
    """Global tags as ffmpeg names them: title, artist, album, date, genre, ..."""
    chapters: tuple[ChapterMark, ...] = ()
    has_cover: bool = False
    """True when the file carries a picture (an attached-pic video stream)."""
    duration: float | None = None
    """Seconds, as the container says (to 10 ms); None when ffmpeg prints none."""


def _escape(value: str) -> str:
    """A value as FFMETADATA writes it: '=', ';', '#', '\\' escaped; lines joined."""
    one_line = " ".join(value.splitlines())
    return _SPECIAL.sub(r"\\\1", one_line)


def ffmetadata(
    info: BookInfo,
    chapters: Sequence[ChapterMark],
    *,
    title: str | None = None,
    track: tuple[int, int] | None = None,
) -> str:
    """The FFMETADATA1 text for a book: global tags, then one [CHAPTER] per mark (ms).

    `title` is the file's own title (one chapter of a split book; default the book's) and
    `track` its (number, total) among the book's files."""
    tags: list[tuple[str, str]] = [("title", title or info.title), ("album", info.title)]
    if track is not None:
        tags.append(("track", f"{track[0]}/{track[1]}"))
    if info.author:
        tags += [("artist", info.author), ("album_artist", info.author)]
    if (year := year_text(info.year)) is not None:
        tags.append(("date", year))
    tags += [("genre", "Audiobook"), ("media_type", "2")]
    lines = [";FFMETADATA1", *(f"{key}={_escape(value)}" for key, value in tags)]
    previous = 0
    for n, mark in enumerate(chapters, 1):
        start, end = round(mark.start * 1000), round(mark.end * 1000)
        if start < previous or end <= start:
            raise AudiobookError(
                f"chapter {n} ({mark.title!r}) runs {mark.start:.3f}-{mark.end:.3f} s, out of "
                "order or empty; chapter marks must follow the assembled timeline"
            )
        previous = start
        lines += [
            "",
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={start}",
            f"END={end}",
            f"title={_escape(mark.title)}",
        ]
    return "\n".join(lines) + "\n"


def _logical_lines(text: str) -> list[str]:
    """Split FFMETADATA text into lines, keeping escaped newlines inside their value."""
    lines, current, escaped = [], [], False
    for ch in text:
        if escaped:
            current.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "\n":
            lines.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current:
        lines.append("".join(current))
    return lines


def _split_value(line: str) -> tuple[str, str] | None:
    """'key=value' with escapes undone, or None for a line that holds no pair."""
    key: list[str] = []
    value: list[str] = []
    target = key
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            target.append(line[i + 1])
            i += 2
            continue
        if ch == "=" and target is key:
            target = value
        else:
            target.append(ch)
        i += 1
    if target is key:
        return None
    return "".join(key), "".join(value)


def parse_ffmetadata(text: str) -> tuple[dict[str, str], list[ChapterMark]]:
    """Global tags and chapters (in seconds, in file order) from FFMETADATA1 text."""
    tags: dict[str, str] = {}
    chapters: list[ChapterMark] = []
    section: dict[str, str] | None = tags
    sections: list[dict[str, str]] = []
    for line in _logical_lines(text):
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = {} if line == "[CHAPTER]" else None  # [STREAM] tags are not the book's
            if section is not None:
                sections.append(section)
            continue
        pair = _split_value(line)
        if pair is not None and section is not None:
            section[pair[0]] = pair[1]
    for n, chapter in enumerate(sections, 1):
        num, _, den = chapter.get("TIMEBASE", "1/1000").partition("/")
        try:
            unit = int(num) / int(den or 1)
            start, end = int(chapter["START"]) * unit, int(chapter["END"]) * unit
        except (KeyError, ValueError, ZeroDivisionError) as e:
            raise AudiobookError(f"chapter {n} in ffmpeg's metadata is malformed ({e})") from e
        chapters.append(ChapterMark(chapter.get("title", f"Chapter {n}"), start, end))
    return tags, chapters


def _last_line(stderr: bytes) -> str:
    """ffmpeg's last message, without its '[in#0 @ 0x...] ' prefix."""
    return re.sub(r"^\[[^\]]*\] ", "", last_line(stderr))


def encode_m4b(
    source: str | Path,
    out_path: str | Path,
    *,
    info: BookInfo,
    chapters: Sequence[ChapterMark],
    cover: bytes | None = None,
    bitrate: str = "64k",
    pcm_rate: int | None = None,
    title: str | None = None,
    track: tuple[int, int] | None = None,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Transcode the assembled audio at `source` to an AAC .m4b at `out_path`.

    `source` is anything ffmpeg reads (the assembled MP3, a WAV), or raw 16-bit mono PCM at
    `pcm_rate` Hz when that is given. The cover is `cover`, else `info.cover` (see
    `cover_to_embed`); JPEG and PNG are copied as they are. `title` and `track` tag one file
    of a split book (`ffmetadata`). `progress` hears the seconds of audio encoded so far,
    as ffmpeg reports them. Raises AudiobookError with ffmpeg's last message on failure.
    """
    source, out_path = Path(source), Path(out_path)
    if not _BITRATE.match(bitrate):
        raise AudiobookError(f"bitrate {bitrate!r} is not like '64k'; give kbit/s, e.g. 64k")
    embed = cover_to_embed(info, cover)
    if not source.is_file():
        raise AudiobookError(f"cannot make {out_path}: {source} does not exist; assemble it first")
    metadata = ffmetadata(info, chapters, title=title, track=track)
    with replacing(out_path) as tmp:
        with tempfile.TemporaryDirectory(prefix="audiobook-m4b-") as work:
            meta_path = Path(work) / "chapters.txt"
            meta_path.write_text(metadata, encoding="utf-8")
            raw = ["-f", "s16le", "-ar", str(pcm_rate), "-ac", "1"] if pcm_rate else []
            cmd = [
                ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                *raw, "-i", str(source),
                "-f", "ffmetadata", "-i", str(meta_path),
            ]  # fmt: skip
            maps = ["-map", "0:a:0", "-map_metadata", "1", "-map_chapters", "1"]
            if embed is not None:
                picture, mime = embed
                cover_path = Path(work) / ("cover.png" if mime == "image/png" else "cover.jpg")
                cover_path.write_bytes(picture)
                cmd += ["-i", str(cover_path)]
                maps += ["-map", "2:v:0", "-c:v", "copy", "-disposition:v:0", "attached_pic"]
            language = iso639_2(info.language)
            cmd += [
                *maps,
                "-c:a", "aac", "-b:a", bitrate,
                *(["-metadata:s:a:0", f"language={language}"] if language else []),
                "-brand", "M4B ", "-movflags", "+faststart",
                "-progress", "pipe:1", "-nostats",
                "-f", "ipod", str(tmp),
            ]  # fmt: skip
            returncode, stderr = _run_reporting(cmd, progress)
        if returncode != 0:
            why = _last_line(stderr)
            if b"matches no streams" in stderr:
                why = f"{source} holds no audio stream"
            raise AudiobookError(
                f"ffmpeg could not make {out_path}: {why}; check that the assembled audio plays"
            )


def _run_reporting(cmd: list[str], progress: Callable[[float], None] | None) -> tuple[int, bytes]:
    """Run ffmpeg with `-progress pipe:1`, telling `progress` each `out_time_us` it reports
    (in seconds); returns its exit status and what it wrote to stderr."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        try:
            with process.stdout:
                for raw in process.stdout:
                    key, _, value = raw.decode("ascii", "replace").strip().partition("=")
                    if key == "out_time_us" and progress is not None and value.isdigit():
                        progress(int(value) / 1e6)
        except BaseException:
            process.kill()
            process.wait()
            raise
        returncode = process.wait()
        errors.seek(0)
        return returncode, errors.read()


def read_media(path: str | Path) -> MediaInfo:
    """Metadata, chapters, cover and length of any file ffmpeg reads (.m4b, tagged .mp3)."""
    path = Path(path)
    if not path.is_file():
        raise AudiobookError(f"cannot read {path}: no such file")
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-f", "ffmetadata", "-"]
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode != 0:
        raise AudiobookError(f"ffmpeg cannot read {path}: {_last_line(done.stderr)}")
    tags, chapters = parse_ffmetadata(done.stdout.decode("utf-8", "replace"))
    listing = done.stderr.decode("utf-8", "replace")
    found = _DURATION.search(listing)
    duration = None
    if found:
        hours, minutes, seconds = found.groups()
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    has_cover = any("Video:" in line and "(attached pic)" in line for line in listing.splitlines())
    return MediaInfo(tags, tuple(chapters), has_cover, duration)


def read_m4b_chapters(path: str | Path) -> list[ChapterMark]:
    """The chapters ffmpeg reads from an .m4b (or any file it reads), in file order."""
    return list(read_media(path).chapters)
