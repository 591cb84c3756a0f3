"""Character tests and cutting that several stages share: what is speakable, what is wide,
where a text too long for one request may be cut, and which known name a typed one is
probably meant to be.

Pure functions on strings, no I/O. One place for them, so the synthesis scheduler, the
engines and the subtitle and table layout all agree on what a character is, and the
scheduler and the Edge engine cut long text at the same punctuation.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence

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


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest characters added, removed or changed."""
    if len(a) < len(b):
        a, b = b, a
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[len(b)]


def close_names(name: str, existing: Iterable[str]) -> list[str]:
    """The names of `existing` that `name` is probably meant to be: one a part of the
    other (林晓峰 / 晓峰), or a character or two apart (a slip: 祁同伟 / 祁同偉, Darcy /
    Darcey); the closest first. Empty when `name` is one of them (case aside) or none is
    near."""
    wanted = name.strip().casefold()
    found: list[tuple[int, str]] = []
    for other in existing:
        known = other.casefold()
        if known == wanted:
            return []
        allowed = 1 if min(len(known), len(wanted)) <= 4 else 2
        distance = edit_distance(wanted, known)
        if distance <= allowed or (
            min(len(known), len(wanted)) >= 2 and (wanted in known or known in wanted)
        ):
            found.append((distance, other))
    return [other for _, other in sorted(found)]


SENTENCE_ENDS = "。！？；…!?;"
"""Marks that end a sentence wherever they stand. A '.' ends one only when it is followed,
after any closing quotes, by a space or the end of the text (so 3.14 and U.S.'s stay
whole)."""
CLAUSE_ENDS = "，、,：:"
"""Marks where a sentence too long for one request may be cut before cutting it anywhere."""
CLOSERS = "”’」』）)】》\"'"
"""Closing quotes and brackets: they stay with the mark they follow."""

_SENTENCE_END_RE = re.compile(
    rf"[{re.escape(SENTENCE_ENDS)}]+[{re.escape(CLOSERS)}]*"
    rf"|\.+[{re.escape(CLOSERS)}]*(?=\s|$)"
)
_CLAUSE_END_RE = re.compile(rf"[{re.escape(CLAUSE_ENDS)}]+[{re.escape(CLOSERS)}]*")


def hard_cut(text: str, limit: int, *, size: Callable[[str], int] = len) -> list[str]:
    """Cut text with no usable punctuation into pieces of at most `limit` (by `size`).

    Each cut goes after the last space in the second half of what fits (a space just past
    it counts too: it is stripped), else right after the last character that fits, as in
    Chinese. `size` must never shrink as text grows; a single character larger than `limit`
    still makes a piece of its own. The pieces put together give `text` back.
    """
    pieces: list[str] = []
    while size(text) > limit:
        fit = _longest_fitting_prefix(text, limit, size)
        space = text.rfind(" ", fit // 2, fit + 1)
        cut = space + 1 if space > 0 else fit
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text] if text else pieces


def _longest_fitting_prefix(text: str, limit: int, size: Callable[[str], int]) -> int:
    """How many leading characters of `text` fit in `limit`; at least 1.

    Galloping, then halving: the prefixes measured are never much longer than the answer,
    so cutting a long text costs about its length, whatever it is measured in.
    """
    low, high = 1, 2  # text[:low] is taken; text[:high] is too big or past the end
    while high <= len(text) and size(text[:high]) <= limit:
        low, high = high, 2 * high
    high = min(high, len(text) + 1)
    while high - low > 1:
        middle = (low + high) // 2
        if size(text[:middle]) <= limit:
            low = middle
        else:
            high = middle
    return low


def split_text(text: str, limit: int, *, size: Callable[[str], int] = len) -> list[str]:
    """Cut text into pieces of at most `limit` (by `size`), in reading order.

    Cuts after sentence ends (`SENTENCE_ENDS`) first, then, in a sentence that is still too
    long, after clause marks (`CLAUSE_ENDS`), and only then inside a clause (`hard_cut`).
    Closing quotes stay with the mark before them. The pieces are packed greedily back
    together, so a long text becomes as few pieces as fit; they come back stripped, and a
    piece with nothing speakable is dropped (its neighbour takes it in when it fits).

    `size` is the measure: `len` for characters (the scheduler), the escaped UTF-8 bytes
    of a request for Edge; it must never shrink as text grows. A space between two pieces
    starts the later one.
    """
    if limit < 1:
        raise ValueError(f"limit must be positive, got {limit}")
    text = text.strip()
    if size(text) <= limit:
        return [text] if is_speakable(text) else []
    small: list[str] = []
    for sentence in split_after(text, _SENTENCE_END_RE):
        if size(sentence) <= limit:
            small.append(sentence)
            continue
        for clause in split_after(sentence, _CLAUSE_END_RE):
            small.extend([clause] if size(clause) <= limit else hard_cut(clause, limit, size=size))
    packed: list[str] = []
    current = ""
    for piece in small:
        if current and size((current + piece).strip()) > limit:
            packed.append(current)
            current = ""
        current += piece
    packed.append(current)
    return [p.strip() for p in packed if is_speakable(p)]
