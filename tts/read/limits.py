"""How much of any input the program takes in: every size limit in one place, and the
capped reads that keep to them.

A hostile or mistaken input (`/dev/zero`, a 1 MB EPUB that unpacks to a gigabyte, a 30 MB
file given as a cover) must end in one clear error, in bounded memory and time, not in a
`MemoryError` minutes later. So nothing is read whole: `read_capped` stops one byte past
the limit, whatever the file system or an archive's headers say the size is. The limits
sit far above any real book (the longest web novels are some 30 MB of text) and the
README states them. `TooLarge` is no `AudiobookError`: each reader words its own error,
naming the file and the limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

MB = 1 << 20

TEXT_LIMIT = 100 * MB
"""A plain-text book file (and a script file given to `render --script`)."""
EPUB_MEMBER_LIMIT = 64 * MB
"""Any one file inside an EPUB, unpacked."""
EPUB_TOTAL_LIMIT = 256 * MB
"""Everything reading an EPUB takes out of its archive, unpacked."""
VOICES_LIMIT = 5 * MB
"""A voices.yaml (a cast of 100,000 characters takes 3 MB) or a saved cast file."""
COVER_LIMIT = 10 * MB
"""A cover picture, given with --cover or found in an EPUB."""
COVER_PIXELS = 4096
"""The most pixels a cover may have across or down."""

SHORT_QUOTE = 40
"""The most characters of the user's own text an error message quotes."""


class TooLarge(Exception):
    """More bytes than `limit`: the reader that catches it names the file in its error."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {size_text(limit)}")
        self.limit = limit


def size_text(limit: int) -> str:
    """A limit as the messages and the README give it: '64 MB'."""
    return f"{limit // MB} MB" if limit >= MB and limit % MB == 0 else f"{limit:,} bytes"


def read_stream(stream: IO[bytes], limit: int) -> bytes:
    """All of an open stream (a file, a member of a ZIP archive), or `TooLarge` once it
    gives more than `limit` bytes: never more than `limit + 1` bytes are held."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(limit)
    return data


def read_capped(path: str | Path, limit: int) -> bytes:
    """A file's bytes, or `TooLarge`: at once when the file system says it is larger, else
    once reading passes `limit` (a device such as /dev/zero, a pipe, a growing file).
    Raises OSError as `open` does."""
    with open(path, "rb") as f:
        info = os.fstat(f.fileno())
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise TooLarge(limit)
        return read_stream(f, limit)


def short(text: str, limit: int = SHORT_QUOTE) -> str:
    """The user's text as an error message quotes it: at most `limit` characters, with '…'
    where it was cut (a 10 MB name is not printed whole)."""
    return text if len(text) <= limit else text[:limit] + "…"
