"""The stage's entry point: a book file (plain text or EPUB) -> a clean `Book`.

`load_book` tells the two kinds of file apart (`is_epub`), hands the file to its
reader and keeps the chapters the user asked for.
"""

from __future__ import annotations

from pathlib import Path

from tts.errors import InputError
from tts.model import Book
from tts.read.decode import file_error
from tts.read.plain import load_text
from tts.read.selection import select_chapters

EPUB_MIMETYPE = b"application/epub+zip"


def is_epub(path: str | Path) -> bool:
    """Whether the path is an EPUB: a ZIP archive that declares itself one (or is named
    .epub), or an unpacked EPUB folder (with META-INF/container.xml).

    Never raises: a missing or unreadable file is left to the caller's own error.
    """
    if Path(path).is_dir():
        return (Path(path) / "META-INF" / "container.xml").is_file()
    try:
        with open(path, "rb") as f:
            head = f.read(128)
    except OSError:
        return False
    if not head.startswith(b"PK\x03\x04"):
        return False
    return EPUB_MIMETYPE in head or Path(path).suffix.lower() == ".epub"


def load_book(path: str | Path, *, chapters: str | None = None) -> Book:
    """Read, clean and split a book file; keep only the `chapters` selection if given."""
    if is_epub(path):
        # Imported for EPUB books only: the XHTML parser and ZIP reading cost 15 ms that
        # plain-text books, and commands that read no book, would otherwise pay at startup.
        from tts.read.epub import load_epub

        book = load_epub(path)
    else:
        book = load_text(path)
    try:
        return select_chapters(book, chapters)
    except InputError as exc:
        raise file_error(Path(path), str(exc)) from None
