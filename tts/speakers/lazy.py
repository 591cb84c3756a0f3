"""Regexes compiled when first used, not when their module is imported.

The speaker modules hold the patterns of both languages, and Python's regex compiler takes
a few milliseconds for a long one: the English-only patterns cost a Chinese book about a
quarter of the compiling done at import (35 of 150 ms, 0.2 G instructions), for patterns
it never runs. `lazy_compile` gives them to a book that reads them, at no cost after.
"""

from __future__ import annotations

import re
from typing import cast


class _LazyPattern:
    """Stands for `re.compile(pattern, flags)` until an attribute is asked for: then compiles
    it, and keeps each attribute read (`search`, a bound method of the compiled pattern) on
    itself, so a later read is a plain attribute read, as fast as the compiled pattern's."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> object:  # (only for attributes not yet kept)
        if self._compiled is None:
            self._compiled = re.compile(*self._source)
        value = getattr(self._compiled, name)
        setattr(self, name, value)
        return value


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, done when the pattern is first used. It stands in for
    the pattern's methods and attributes (it is no `re.Pattern` to `isinstance`, nor an
    argument for `re.compile`)."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))
