"""A plain-text book file -> a clean `Book`: decoding, cleaning, paragraphs, chapters.

`read_text` is the only function here that touches the disk; everything after
it is pure and works on strings. `load_text` does all of it for one file.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from tts.model import Book, CleanReport, Paragraph
from tts.read.chapters import HEADING_STARTS, split_chapters, split_heading
from tts.read.clean import (
    CJK_JOINING,
    SCENE_BREAK_STARTS,
    fix_text,
    is_scene_break,
    is_site_notice,
    strip_gutenberg,
)
from tts.read.decode import decode_text, file_error
from tts.read.language import detect_language
from tts.read.limits import TEXT_LIMIT, TooLarge, read_capped, size_text


def read_text(path: str | Path) -> tuple[str, str]:
    """Read a text file in whatever encoding users have; return (text, encoding name).

    Line endings become '\\n'; a leading byte-order mark is dropped. A file larger than
    `TEXT_LIMIT` (or a device that never ends) is refused after reading at most that much.
    """
    path = Path(path)
    if path.is_dir():
        raise file_error(path, "is a directory; give the path of the book's text file")
    try:
        data = read_capped(path, TEXT_LIMIT)
    except TooLarge:
        raise file_error(
            path,
            f"is larger than {size_text(TEXT_LIMIT)}, the most a book file may be; check that "
            "it is the book's text, and split a longer book into parts",
        ) from None
    except FileNotFoundError:
        raise file_error(path, "no such file; check the path and file name") from None
    except PermissionError:
        raise file_error(path, "permission denied; make the file readable and try again") from None
    except OSError as exc:
        raise file_error(path, f"cannot be read ({exc.strerror}); check the path") from None
    return decode_text(path, data)


# --- lines -> paragraphs -------------------------------------------------------------

_INDENT = ("\u3000", "  ", "\t")
_LINE_END = frozenset('。！？!?.…”」』"’)）:：;；—~～*')
_PARAGRAPH_END = frozenset('。！？!?.…”」』"’')


@lru_cache(maxsize=1)
def _cjk_edge_re() -> re.Pattern[str]:
    """A character that joins a wrapped line without a space (compiled on first use: it
    takes milliseconds, and only hard-wrapped books need it)."""
    return re.compile(f"[{CJK_JOINING}]")


_ALONE_STARTS = SCENE_BREAK_STARTS | HEADING_STARTS


def _stands_alone(line: str) -> bool:
    """A scene break or a heading: a paragraph of its own even in a hard-wrapped book."""
    first = line[:1]  # most lines start with neither: two calls saved
    if first not in _ALONE_STARTS and not first.isspace():
        return False
    return is_scene_break(line) or split_heading(line) is not None


def _is_indented(line: str) -> bool:
    return line.startswith(_INDENT) and len(line) - len(line.lstrip(" ")) <= 8


def _wrap_width(lines: list[str]) -> int | None:
    """The width the book hard-wraps paragraphs at, or None when it does not wrap.

    Looks at lines followed by a non-blank, non-indented line: in a wrapped
    book most of them stop mid-sentence and run to nearly the wrap width; in a
    one-paragraph-per-line book they end with sentence punctuation and their
    lengths vary freely.
    """
    ends = 0
    widths: list[int] = []
    for line, nxt in zip(lines, lines[1:], strict=False):
        if not line.strip() or not nxt.strip() or _is_indented(nxt):
            continue
        text = line.strip()
        if split_heading(text) is not None or split_heading(nxt) is not None:
            continue  # headings and contents lists say nothing about the prose layout
        widths.append(len(text))
        if text[-1] in _LINE_END:
            ends += 1
        if len(widths) >= 5000:
            break
    joins = len(widths)
    if joins < 3 or ends >= 0.5 * joins:
        return None
    wrap = sorted(widths)[min(joins - 1, joins * 9 // 10)]  # the wrap width, give or take
    return wrap if sum(1 for w in widths if w >= 0.75 * wrap) >= 0.6 * joins else None


_new = object.__new__
_set = object.__setattr__


def _paragraph(text: str, line: int, scene_break: bool = False) -> Paragraph:
    """`Paragraph(text, line, scene_break)`, built without the frozen dataclass's guarded
    attribute sets: the same record (equal, same hash), 0.3 µs instead of 0.4 µs, for the
    100,000 lines of a long book."""
    paragraph = _new(Paragraph)
    _set(paragraph, "__dict__", {"text": text, "line": line, "scene_break": scene_break})
    return paragraph


def _join(parts: list[str]) -> str:
    edge = _cjk_edge_re().match
    text = parts[0]
    for part in parts[1:]:
        if edge(text[-1]) and edge(part[0]):
            text += part
        else:
            text += " " + part
    return text


def split_paragraphs(text: str) -> list[Paragraph]:
    """Paragraphs with their 1-based source lines, in the book's own layout.

    Blank lines and indented lines start paragraphs; in a hard-wrapped book the
    other lines continue the paragraph before them unless that one ended short
    of the wrap width with a full stop; otherwise each line is a paragraph.
    Headings and scene breaks are always paragraphs of their own.
    """
    lines = text.split("\n")
    width = _wrap_width(lines)
    if width is None:  # each line is a paragraph
        return [
            _paragraph(line, number)
            for number, raw in enumerate(lines, start=1)
            if (line := raw.strip(" \t\u3000"))
        ]
    short = 0.75 * width
    paragraphs: list[Paragraph] = []
    parts: list[str] = []
    start = 0
    alone = False

    def flush() -> None:
        if parts:
            paragraphs.append(_paragraph(_join(parts), start))
            parts.clear()

    for number, raw in enumerate(lines, start=1):
        line = raw.strip(" \t\u3000")
        if not line:
            flush()
            continue
        single = _stands_alone(line)
        if (
            single
            or alone
            or not parts
            or _is_indented(raw)
            # a short line that ends a sentence ended its paragraph
            or (len(parts[-1]) < short and parts[-1][-1] in _PARAGRAPH_END)
        ):
            flush()
            start = number
        parts.append(line)
        alone = single
    flush()
    return paragraphs


# --- everything together ------------------------------------------------------------------


def build_book(text: str, *, source: str, title: str, encoding: str = "utf-8") -> Book:
    """Clean decoded text and shape it into a `Book` (all chapters)."""
    text, counts = fix_text(text)
    text, boilerplate = strip_gutenberg(text)
    kept: list[Paragraph] = []
    notices: list[str] = list(boilerplate)
    breaks = 0
    for paragraph in split_paragraphs(text):
        if is_scene_break(paragraph.text):
            kept.append(_paragraph(paragraph.text, paragraph.line, scene_break=True))
            breaks += 1
        elif is_site_notice(paragraph.text):
            notices.append(paragraph.text)
        else:
            kept.append(paragraph)
    chapters = split_chapters(kept)
    report = CleanReport(
        encoding=encoding,
        glyphs_repaired=counts.glyphs_repaired,
        invisible_removed=counts.invisible_removed,
        notices_dropped=tuple(notices),
        scene_breaks=breaks,
    )
    return Book(
        source=source,
        title=title,
        language=detect_language(text),
        chapters=tuple(chapters),
        report=report,
    )


def load_text(path: str | Path) -> Book:
    """Read, clean and split a plain-text book file into a `Book` (all chapters)."""
    text, encoding = read_text(path)
    book = build_book(text, source=str(path), title=Path(path).stem, encoding=encoding)
    if not any(ch.paragraphs or ch.title for ch in book.chapters):
        raise file_error(
            Path(path),
            "holds nothing to read once site notices are removed; check that it is the book's text",
        )
    return book
