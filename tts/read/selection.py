"""The chapters a reader asked for: '3-7', '2', '1,4,6-8' or '5-' -> those chapters of a book."""

from __future__ import annotations

import re
from dataclasses import replace

from tts.errors import InputError
from tts.model import Book, Chapter
from tts.read.limits import short

_SELECTION_RE = re.compile(r"\s*(\d+)\s*(?:(-)\s*(\d*)\s*)?")


def _number(digits: str) -> int:
    """A chapter number; one of more digits than any book has chapters is past every end
    (and Python will not read an int of more than 4,300 digits)."""
    return int(digits) if len(digits) <= 9 else 10**9


def _past_the_end(spec: str, count: int) -> InputError:
    """The error for a selection that names a chapter after the book's last one."""
    if count == 1:
        return InputError(
            f"chapter selection '{short(spec)}': the book has only one chapter; "
            "leave out --chapters to read it"
        )
    return InputError(
        f"chapter selection '{short(spec)}': the book has {count} chapters (1-{count}); "
        "choose within that range"
    )


def parse_chapter_selection(spec: str, count: int) -> list[int]:
    """'3-7', '2', '1,4,6-8' or '5-' -> sorted 1-based chapter numbers."""
    fix = "use chapter numbers and ranges such as '3', '3-7' or '1,4,6-8'"
    numbers: set[int] = set()
    if not spec.strip():
        raise InputError(f"chapter selection is empty; {fix}")
    for item in spec.split(","):
        m = _SELECTION_RE.fullmatch(item)
        if m is None:
            raise InputError(
                f"chapter selection '{short(spec)}': '{short(item.strip())}' is not a chapter "
                f"number or range; {fix}"
            )
        first = _number(m.group(1))
        last = first if m.group(2) is None else _number(m.group(3)) if m.group(3) else count
        if first < 1:
            raise InputError(
                f"chapter selection '{short(spec)}': chapters are numbered from 1; {fix}"
            )
        if first > count and not m.group(3):  # '2-' on a one-chapter book is no '2-1'
            raise _past_the_end(spec, count)
        if last < first:
            raise InputError(
                f"chapter selection '{short(spec)}': range {first}-{last} runs backwards; "
                f"write it as {last}-{first}"
            )
        if last > count:
            raise _past_the_end(spec, count)
        numbers.update(range(first, last + 1))
    return sorted(numbers)


def select_chapters(book: Book, spec: str | None) -> Book:
    """The book with only the chapters `spec` ('3-7', '1,4') names; all of them when None."""
    if spec is None:
        return book
    wanted = parse_chapter_selection(spec, len(book.chapters))
    selected: tuple[Chapter, ...] = tuple(book.chapters[n - 1] for n in wanted)
    return replace(book, chapters=selected)
