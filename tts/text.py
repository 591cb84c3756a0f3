"""Character tests and cutting that several stages share: what is speakable, what is wide.

Pure functions on strings, no I/O. One place for them, so the synthesis scheduler, the
engines and the subtitle and table layout all agree on what a character is.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence

_SPEAKABLE_RE = re.compile(r"[^\W_]")
"""A letter or digit in any script (Unicode categories L and N): \\w less the underscore."""


def is_speakable(text: str) -> bool:
    """True when the text holds a letter or digit (in any script): something to say.

    Punctuation and spaces alone get no audio, so no engine is ever asked to read them.
    """
    return text[:1].isalnum() or _SPEAKABLE_RE.search(text) is not None


def is_wide(ch: str) -> bool:
    """True for a character a terminal or a reader gives two columns (Chinese, full width)."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def display_width(text: str) -> int:
    """Columns a terminal gives `text`: wide characters take two."""
    return sum(2 if is_wide(ch) else 1 for ch in text)


def split_after(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Cut `text` after every (non-empty) match of `pattern`, keeping every character."""
    parts: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        if match.end() > start:
            parts.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        parts.append(text[start:])
    return parts


def suggest(
    word: str, choices: Sequence[str], synonyms: Mapping[str, str] | None = None
) -> str | None:
    """The choice a mistyped `word` most likely means: the same word in another case, the
    choice `synonyms` maps it to (lowercase word -> choice), or the closest spelling."""
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    meant = (synonyms or {}).get(word.lower())
    if meant in choices:
        return meant
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None
