"""The commands about what is on disk rather than one render: `chapters` (a book's chapters
with their lengths) and `cache` (where the clips are, their size, and pruning them)."""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tts import registry
from tts.errors import AudiobookError, InputError
from tts.model import Book
from tts.pipeline.engines import make_engine
from tts.pipeline.outputs import cast_path_for, default_output, fixes_file_for
from tts.pipeline.requests import plan
from tts.pipeline.script import (
    apply_fixes_file,
    attribute_book,
    cast_script,
    load_config,
    read_book,
)

READING_PACE: dict[str, tuple[float, str]] = {
    "zh-Hans": (250.0, "characters"),
    "zh-Hant": (250.0, "characters"),
    "en": (155.0, "words"),
}
"""A typical audiobook pace, per minute, for `chapters`' estimates: Chinese narrators read
about 250 characters a minute, English ones 150-160 words. Pauses are included."""


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True)
class ChapterLength:
    """A chapter as `audiobook chapters` lists it."""

    number: int
    """Its place in the file: what --chapters takes."""
    title: str | None
    """The heading as written, with the book's own numbering ('第122章 上頭來人')."""
    characters: int
    """Characters of text, heading included, spaces and scene breaks not."""
    minutes: float
    """About how long it takes to read aloud (`READING_PACE`)."""


def list_chapters(source: Path) -> tuple[Book, list[ChapterLength]]:
    """`chapters`: the book's chapters with their length and an estimate of their reading
    time; read and cleaned as `render` reads them, but not attributed (fast)."""
    book = read_book(source, None)
    pace, unit = READING_PACE.get(book.language, READING_PACE["en"])
    found: list[ChapterLength] = []
    for chapter in book.chapters:
        texts = [p.text for p in chapter.paragraphs if not p.scene_break]
        if chapter.title:
            texts.insert(0, chapter.title)
        text = "\n".join(texts)
        characters = sum(1 for ch in text if not ch.isspace())
        if unit == "words":
            spoken = len(_WORD.findall(text))
        else:
            spoken = sum(1 for ch in text if ch.isalnum())
        found.append(ChapterLength(chapter.number, chapter.title, characters, spoken / pace))
    return book, found


CLIPS_FOLDER = "clips"
"""Where the clip cache lives inside the cache folder."""


@dataclass(frozen=True)
class CacheUsage:
    """What `audiobook cache` shows: the clips in a cache folder, and what else is there."""

    place: Path
    clips: int
    bytes: int
    engines: dict[str, tuple[int, int]]
    """(clips, bytes) for each engine; '' for clips an earlier version cached without
    saying which engine spoke them, or which are not whole (a write cut short)."""
    raw: int
    """Clips still kept as raw PCM by an earlier version (made MP3 when next used)."""
    other_bytes: int
    """Everything else in the folder: the Edge voice list, renders' work files."""


def cache_usage(cache_dir: Path) -> CacheUsage:
    """`cache`: how many clips the cache holds, how big they are, by engine."""
    from tts.speech.cache import ClipCache

    engines: dict[str, tuple[int, int]] = {}
    clips = size = raw = 0
    for entry in ClipCache(cache_dir / CLIPS_FOLDER).entries():
        name = entry.engine if entry.engine is not None and entry.whole else ""
        count, total = engines.get(name, (0, 0))
        engines[name] = (count + 1, total + entry.size)
        clips, size = clips + 1, size + entry.size
        raw += entry.codec == "pcm_s16le"
    other = 0
    for folder, _, files in os.walk(cache_dir):
        if Path(folder).relative_to(cache_dir).parts[:1] == (CLIPS_FOLDER,):
            continue
        for name in files:
            with contextlib.suppress(OSError):
                other += (Path(folder) / name).stat().st_size
    return CacheUsage(cache_dir, clips, size, engines, raw, other)


_AGE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([dhw]?)\s*", re.IGNORECASE)


_AGE_UNITS = {"": 86400.0, "d": 86400.0, "h": 3600.0, "w": 7 * 86400.0}


def parse_age(text: str) -> float:
    """'30d', '12h', '2w' or '30' (days) -> seconds."""
    found = _AGE.fullmatch(text)
    if found is None:
        raise InputError(
            f"--older-than {text!r} is not an age; give days, hours or weeks such as 30d, 12h or 2w"
        )
    return float(found[1]) * _AGE_UNITS[found[2].lower()]


@dataclass(frozen=True)
class PruneResult:
    """What `cache --prune` removed (or, without `apply`, would remove)."""

    place: Path
    removed: int
    freed: int
    left: int
    left_bytes: int
    applied: bool


def book_clip_keys(source: Path, *, voices_file: Path | None, cache_dir: Path) -> set[str]:
    """The cache keys of every clip a default `render` of `source` uses now, with each
    engine that can be made: the book read, attributed and cast as `render` does it (with
    the voices file, the line fixes and the cast saved beside output/<stem>.mp3)."""
    from tts.speech.synth import request_key

    config = load_config(voices_file, cache_dir)
    book = read_book(source, None)
    segments, characters = attribute_book(book, config)
    segments, characters, _ = apply_fixes_file(
        fixes_file_for(source), book, segments, characters, False, None, None
    )
    cast_file = cast_path_for(default_output(source))
    keys: set[str] = set()
    for name in registry.names():
        try:
            engine = make_engine(name, cache_dir)
            script = cast_script(book, segments, characters, config, name, cache_dir, cast_file)
        except AudiobookError:
            continue  # an engine that cannot run here made none of this cache's clips
        keys.update(request_key(request, engine) for request in plan(script, engine))
    return keys


def prune_cache(
    cache_dir: Path,
    *,
    older_than: float | None = None,
    books: Sequence[Path] = (),
    keep: Sequence[Path] = (),
    everything: bool = False,
    voices_file: Path | None = None,
    apply: bool = False,
    now: float | None = None,
) -> PruneResult:
    """`cache --prune`: the clips that match every filter given, removed when `apply`.

    `older_than`: not used for that many seconds; `books`: used by a render of one of these
    books; `keep`: used by none of these books; `everything`: all. Without `apply` nothing
    is removed: the result says what would be.
    """
    from tts.speech.cache import ClipCache, Entry

    if not (everything or older_than is not None or books or keep):
        raise InputError(
            "say which clips to prune: --older-than 30d, --book BOOK, --keep BOOK or --all"
        )
    if everything and (older_than is not None or books or keep):
        raise InputError("--all prunes every clip: give it alone, or drop it to use the others")
    now = time.time() if now is None else now
    used = set().union(
        *(book_clip_keys(b, voices_file=voices_file, cache_dir=cache_dir) for b in books)
    )
    kept = set().union(
        *(book_clip_keys(b, voices_file=voices_file, cache_dir=cache_dir) for b in keep)
    )

    def chosen(entry: Entry) -> bool:
        if everything:
            return True
        if older_than is not None and entry.used >= now - older_than:
            return False
        if books and entry.key not in used:
            return False
        return not (keep and entry.key in kept)

    cache = ClipCache(cache_dir / CLIPS_FOLDER)
    removed = freed = left = left_bytes = 0
    for entry in cache.entries():
        if not chosen(entry):
            left, left_bytes = left + 1, left_bytes + entry.size
            continue
        removed += 1
        freed += cache.remove(entry) if apply else entry.size
    if apply:
        cache.remove_debris()
    return PruneResult(cache_dir, removed, freed, left, left_bytes, apply)
