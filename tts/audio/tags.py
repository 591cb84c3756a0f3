"""Tag an assembled MP3 so phone players treat it as an audiobook: title, author, cover, chapters.

The tag is ID3v2.3, not 2.4. Every player that reads 2.4 reads 2.3, but not the reverse:
Windows Explorer and Media Player ignore 2.4 tags, and older car and phone firmware misread
2.4's syncsafe frame sizes. The podcast apps that show chapters (Apple Podcasts, Overcast,
Pocket Casts, AntennaPod) all read CHAP/CTOC in 2.3, the version most chaptered files use.
The one cost: 2.3 has no UTF-8, so text is stored as UTF-16, which holds Chinese just as well.

The cover is checked before anything is embedded: a JPEG or PNG whose header gives its size
(a GIF, WebP or BMP is converted to JPEG first), of at most 10 MB and 4096 pixels a side
(`tts.read.limits`); a file that only starts like an image is no cover.

What players list: the title (TIT2) is the book's, or for one file of a book split by
chapter that chapter's title, with the book as album (TALB) and its place as 'n/total'
(TRCK); the genre (TCON) is 'Audiobook', as in an M4B; the language (TLAN) is the book's.

`write_id3` never edits the file in place. It writes the new tag, then copies the audio
frames after it into a temp file beside the MP3, and renames that over the original only
when complete: a crash or full disk leaves the old file whole. Called on the assembler's
temp file before it is renamed, the user's output path goes straight from its old content
to the finished, tagged book.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    CTOC,
    ID3,
    TALB,
    TCON,
    TIT2,
    TLAN,
    TLEN,
    TPE1,
    TRCK,
    TYER,
    CTOCFlags,
    Encoding,
    Frame,
    ID3NoHeaderError,
    PictureType,
)
from mutagen.mp3 import MP3

from tts.atomic import replacing
from tts.audio.mp3 import id3v2_size
from tts.errors import AudiobookError, InputError
from tts.ffmpeg import ffmpeg_exe
from tts.model import BookInfo
from tts.read.limits import COVER_LIMIT, COVER_PIXELS, TooLarge, read_capped, size_text

__all__ = [
    "BookInfo",
    "ChapterMark",
    "image_mime",
    "image_size",
    "iso639_2",
    "cover_to_embed",
    "load_cover",
    "player_cover",
    "marks_from_starts",
    "read_chapters",
    "write_id3",
    "year_text",
]

_COPY_CHUNK = 1 << 20
_PADDING = 1024
"""Spare bytes after the tag, so a tag editor can change a field without rewriting the book."""
_TOC_ID = "toc"
_TOC_MAX = 255
"""A CTOC lists at most 255 children (its count is one byte)."""
_TOC_GROUP = 100
"""Chapters per nested CTOC when a book has more than 255 ('Chapters 101-200')."""


@dataclass(frozen=True)
class ChapterMark:
    """Where a chapter sits in the assembled audio."""

    title: str
    start: float
    """Seconds from the start of the audio."""
    end: float
    """Seconds from the start of the audio; the next chapter's start, or the audio's length."""


def marks_from_starts(
    titles: Sequence[str], starts: Sequence[float], total: float
) -> list[ChapterMark]:
    """Chapter marks from each chapter's start: a chapter ends where the next one starts."""
    if len(titles) != len(starts):
        raise ValueError(f"{len(titles)} chapter titles for {len(starts)} start times")
    ends = [*starts[1:], total] if starts else []
    return [ChapterMark(t, s, e) for t, s, e in zip(titles, starts, ends, strict=True)]


_LANGUAGES = {"zh": "zho", "en": "eng", "ja": "jpn", "ko": "kor", "fr": "fra", "de": "deu"}


def iso639_2(language: str | None) -> str | None:
    """The ISO 639-2 code ID3 and MP4 want ('zh-Hans' -> 'zho'), or None when unknown."""
    if not language:
        return None
    primary = language.replace("_", "-").split("-")[0].lower()
    if primary in _LANGUAGES:
        return _LANGUAGES[primary]
    if len(primary) == 3 and primary.isascii() and primary.isalpha():
        return primary
    return None


def year_text(year: int | str | None) -> str | None:
    """The four-digit year of `year`, or None when it has none."""
    if year is None:
        return None
    text = str(year).strip()
    return text[:4] if len(text) >= 4 and text[:4].isdigit() else None


def image_mime(data: bytes) -> str | None:
    """'image/jpeg' or 'image/png' from the image's first bytes, or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def _other_image(data: bytes) -> bool:
    """A GIF, WebP or BMP by its first bytes: the pictures ffmpeg turns into a JPEG."""
    return data.startswith((b"GIF87a", b"GIF89a", b"BM")) or (
        data.startswith(b"RIFF") and data[8:12] == b"WEBP"
    )


_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
"""The JPEG markers that start a frame header (SOF0-SOF15, less DHT, JPG and DAC)."""


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's or JPEG's header, or None when it has none that parses
    (a file that only starts like an image)."""
    if image_mime(data) == "image/png":
        if data[12:16] != b"IHDR" or len(data) < 24:
            return None
        width, height = struct.unpack(">II", data[16:24])
        return (width, height) if width and height else None
    if image_mime(data) != "image/jpeg":
        return None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            at += 2
            continue
        if marker in (0xD9, 0xDA):  # the end, or image data, before any frame header
            return None
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _JPEG_FRAMES:
            if length < 7 or at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return (width, height) if width and height else None
        at += 2 + length
    return None


_COVER_FIX = (
    f"give a JPEG or PNG of at most {size_text(COVER_LIMIT)} and "
    f"{COVER_PIXELS}x{COVER_PIXELS} pixels"
)


def player_cover(data: bytes) -> tuple[bytes, str]:
    """The cover as phone players take it: JPEG or PNG as it is, a GIF, WebP or BMP converted
    to JPEG. Raises InputError when it is no image, or one larger than `COVER_LIMIT` bytes
    or `COVER_PIXELS` across or down."""
    if len(data) > COVER_LIMIT:
        raise InputError(f"the cover is larger than {size_text(COVER_LIMIT)}")
    mime = image_mime(data)
    if mime is None:
        if not _other_image(data):
            raise InputError("the cover is not a JPEG, PNG, GIF, WebP or BMP image")
        cmd = [
            ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
            "-max_pixels", str(COVER_PIXELS * COVER_PIXELS), "-i", "pipe:0",
            "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "2", "-f", "image2pipe", "pipe:1",
        ]  # fmt: skip
        done = subprocess.run(cmd, input=data, capture_output=True, check=False)
        if done.returncode != 0 or image_mime(done.stdout) != "image/jpeg":
            raise InputError("the cover is not an image ffmpeg can read")
        data, mime = done.stdout, "image/jpeg"
    size = image_size(data)
    if size is None:
        raise InputError("the cover is not an image: it starts like one, but its header is broken")
    if max(size) > COVER_PIXELS:
        raise InputError(f"the cover is {size[0]}x{size[1]} pixels, more than {COVER_PIXELS}")
    return data, mime


def load_cover(path: str | Path) -> tuple[bytes, str]:
    """Read a user's `--cover FILE`: JPEG or PNG bytes and their mime type. One line of
    InputError, naming the file, when it cannot be read or is no image of a sane size."""
    try:
        data = read_capped(path, COVER_LIMIT)
    except TooLarge:
        raise InputError(
            f"cover {path} is larger than {size_text(COVER_LIMIT)}; {_COVER_FIX}"
        ) from None
    except OSError as e:
        raise InputError(
            f"cannot read cover {path}: {e.strerror or e}; give a JPEG or PNG file with --cover"
        ) from e
    try:
        return player_cover(data)
    except InputError as e:
        what = str(e).removeprefix("the cover ")
        raise InputError(f"cover {path} {what}; {_COVER_FIX}") from None


def cover_to_embed(info: BookInfo, cover: bytes | None) -> tuple[bytes, str] | None:
    """The picture to embed: `cover` if given (an error when it is no image), else the
    book's own cover, left out when it is no image (a broken EPUB cover spoils no book)."""
    if cover is not None:
        try:
            return player_cover(cover)
        except InputError as e:
            raise InputError(f"{e}; {_COVER_FIX} with --cover") from e
    if not info.cover:
        return None
    try:
        return player_cover(info.cover)
    except InputError:
        return None


def chapter_ms(chapters: Sequence[ChapterMark], length_ms: int) -> list[tuple[str, int, int]]:
    """(title, start ms, end ms) per chapter, clamped to the audio's length and checked."""
    out: list[tuple[str, int, int]] = []
    previous = 0
    for n, mark in enumerate(chapters, 1):
        start = min(max(round(mark.start * 1000), 0), length_ms)
        end = min(round(mark.end * 1000), length_ms)
        if end <= start or start < previous:
            raise AudiobookError(
                f"chapter {n} ({mark.title!r}) runs {mark.start:.3f}-{mark.end:.3f} s, "
                f"out of order or outside the {length_ms / 1000:.3f} s of audio; "
                "chapter marks must follow the assembled timeline"
            )
        out.append((mark.title, start, end))
        previous = start
    return out


def _audio_ms(path: Path) -> int:
    try:
        info = MP3(path).info
        if info is None:
            raise MutagenError("no MPEG audio found")
        return round(info.length * 1000)
    except (MutagenError, OSError) as e:
        raise AudiobookError(
            f"cannot tag {path}: it is not a readable MP3 ({e}); assemble it again"
        ) from e


def id3_frames(
    *,
    info: BookInfo,
    chapters: Sequence[ChapterMark],
    length_ms: int,
    title: str | None = None,
    track: tuple[int, int] | None = None,
    cover: bytes | None = None,
) -> list[Frame]:
    """The tag's frames in the order they are written (pure: no file is touched).

    `title` is the file's own title (one chapter of a split book; default the book's) and
    `track` its (number, total) among the book's files.

    Chapters go in time order, CTOC first: players built on ffmpeg list CHAP frames in the
    order they sit in the file, whatever the CTOC says. The cover goes last, being largest.
    """
    utf8 = Encoding.UTF8  # saved as UTF-16, which ID3v2.3 allows
    frames: list[Frame] = [TIT2(encoding=utf8, text=[title or info.title])]
    if info.author:
        frames.append(TPE1(encoding=utf8, text=[info.author]))
    frames.append(TALB(encoding=utf8, text=[info.title]))
    if track is not None:
        frames.append(TRCK(encoding=utf8, text=[f"{track[0]}/{track[1]}"]))
    frames.append(TCON(encoding=utf8, text=["Audiobook"]))
    if (year := year_text(info.year)) is not None:
        frames.append(TYER(encoding=utf8, text=[year]))
    if (language := iso639_2(info.language)) is not None:
        frames.append(TLAN(encoding=utf8, text=[language]))
    frames.append(TLEN(encoding=utf8, text=[str(length_ms)]))
    marks = chapter_ms(chapters, length_ms)
    ids = [f"chp{i}" for i in range(len(marks))]
    frames += _tables_of_contents(info.title, ids, [title for title, _, _ in marks])
    for element_id, (title, start, end) in zip(ids, marks, strict=True):
        frames.append(
            CHAP(
                element_id=element_id,
                start_time=start,
                end_time=end,
                sub_frames=[TIT2(encoding=utf8, text=[title])],
            )
        )
    if (picture := cover_to_embed(info, cover)) is not None:
        data, mime = picture
        frames.append(
            APIC(encoding=utf8, mime=mime, type=PictureType.COVER_FRONT, desc="", data=data)
        )
    return frames


def _toc(element_id: str, children: list[str], title: str, *, top: bool = False) -> CTOC:
    flags = CTOCFlags.ORDERED | (CTOCFlags.TOP_LEVEL if top else 0)
    return CTOC(
        element_id=element_id,
        flags=flags,
        child_element_ids=children,
        sub_frames=[TIT2(encoding=Encoding.UTF8, text=[title])],
    )


def _tables_of_contents(book: str, ids: list[str], titles: list[str]) -> list[Frame]:
    """One top-level ordered CTOC listing the chapters; past 255 chapters, it lists nested
    CTOCs of 100 chapters each, titled by their first and last chapter."""
    if not ids:
        return []
    if len(ids) <= _TOC_MAX:
        return [_toc(_TOC_ID, ids, book, top=True)]
    starts = range(0, len(ids), _TOC_GROUP)
    if len(starts) > _TOC_MAX:
        raise AudiobookError(
            f"{len(ids)} chapters are more than an ID3 table of contents can list "
            f"({_TOC_MAX * _TOC_GROUP}); split the book into several files"
        )
    nested_ids = [f"{_TOC_ID}{n}" for n in range(1, len(starts) + 1)]
    nested = []
    for nested_id, at in zip(nested_ids, starts, strict=True):
        group = slice(at, at + _TOC_GROUP)
        first, last = titles[group][0], titles[group][-1]
        nested.append(_toc(nested_id, ids[group], f"{first} – {last}"))
    return [_toc(_TOC_ID, nested_ids, book, top=True), *nested]


def _syncsafe(n: int) -> bytes:
    return bytes((n >> shift) & 0x7F for shift in (21, 14, 7, 0))


def tag_bytes(frames: Sequence[Frame], padding: int = _PADDING) -> bytes:
    """An ID3v2.3 tag holding `frames` in the given order, then `padding` zero bytes.

    mutagen serializes each frame (converting text to UTF-16); the frames are laid out
    here because mutagen orders them by size on its own.
    """
    body = bytearray()
    for frame in frames:
        one = ID3()
        one.add(frame)
        buffer = io.BytesIO()
        one.save(buffer, v1=0, v2_version=3, padding=lambda _info: 0)
        body += buffer.getvalue()[10:]
    body += bytes(padding)
    return b"ID3\x03\x00\x00" + _syncsafe(len(body)) + bytes(body)


def _audio_start(path: Path) -> int:
    """Bytes taken by the ID3v2 tags (one or more) at the start of the file."""
    end = 0
    with open(path, "rb") as f:
        while skip := id3v2_size(f.read(10)):
            end += skip
            f.seek(end)
    return end


def write_id3(
    path: str | Path,
    *,
    info: BookInfo,
    chapters: Sequence[ChapterMark],
    title: str | None = None,
    track: tuple[int, int] | None = None,
    cover: bytes | None = None,
) -> None:
    """Give the MP3 at `path` an ID3v2.3 tag, replacing any ID3v2 tag it had.

    Title (`title`, else the book's), album (the book's title), author, year, language,
    genre, length, track ('n/total', for one file of a split book), front cover (`cover`,
    else `info.cover`, as `cover_to_embed` says; its type is read from the bytes) and
    chapters: CHAP frames chp0, chp1, ... with a TIT2 title each, listed in order by one
    top-level CTOC. Chapter times are clamped to the audio's length.

    The audio frames are copied unchanged after the new tag into a temp file that replaces
    `path` when complete (keeping its permissions), so `path` is either untouched or fully
    tagged. Call it on the assembler's temp file before its rename to keep a half-made book
    away from the user's output path too.
    """
    path = Path(path)
    length_ms = _audio_ms(path)
    head = tag_bytes(
        id3_frames(
            info=info,
            chapters=chapters,
            length_ms=length_ms,
            title=title,
            track=track,
            cover=cover,
        )
    )
    start = _audio_start(path)
    with replacing(path, what="tag") as tmp, open(tmp, "wb") as out, open(path, "rb") as src:
        out.write(head)
        src.seek(start)
        shutil.copyfileobj(src, out, _COPY_CHUNK)


def read_chapters(path: str | Path) -> list[ChapterMark]:
    """The chapters of a tagged MP3, in the order its top-level CTOC lists them (nested
    tables of contents followed).

    Without a CTOC, CHAP frames are returned by start time; an untagged file has none.
    """
    try:
        tag = ID3(path)
    except ID3NoHeaderError:
        return []
    except (MutagenError, OSError) as e:
        raise AudiobookError(f"cannot read the tag of {path}: {e}") from e
    chaps = {frame.element_id: frame for frame in tag.getall("CHAP")}
    tocs = {frame.element_id: frame for frame in tag.getall("CTOC")}
    order: list[str] = []
    seen: set[str] = set()

    def walk(element_id: str) -> None:
        if element_id in seen:
            return
        seen.add(element_id)
        if element_id in chaps:
            order.append(element_id)
        elif element_id in tocs:
            for child in tocs[element_id].child_element_ids:
                walk(child)

    for toc in tocs.values():
        if toc.flags & CTOCFlags.TOP_LEVEL:
            walk(toc.element_id)
            break
    if not order:
        order = sorted(chaps, key=lambda i: (chaps[i].start_time, i))
    marks = []
    for element_id in order:
        frame = chaps[element_id]
        titles = frame.sub_frames.getall("TIT2")
        title = str(titles[0].text[0]) if titles and titles[0].text else element_id
        marks.append(ChapterMark(title, frame.start_time / 1000, frame.end_time / 1000))
    return marks
