"""An EPUB 2 or 3 file -> a clean `Book`: spine order, TOC titles, metadata and cover.

Three steps, one module each: `container` opens the archive and its package file
(spine, TOC, metadata, cover), `xhtml` turns each document's markup into blocks,
and `book` shapes the blocks into titled chapters, leaving out notes, contents,
cover and copyright pages.
"""

from __future__ import annotations

from pathlib import Path

from tts.model import Book
from tts.read.decode import file_error
from tts.read.epub.book import build_epub_book
from tts.read.epub.container import read_epub

__all__ = ["load_epub"]


def load_epub(path: str | Path) -> Book:
    """Read an EPUB 2/3 into a `Book` (all chapters).

    Chapters follow the spine, titled from the table of contents (else the first
    heading); notes, contents, cover and copyright pages are left out. `Book.info`
    carries title, author, year, language and cover for the audio file's tags.
    """
    path = Path(path)
    docs, toc, info = read_epub(path)
    book = build_epub_book(docs, toc, source=str(path), info=info)
    if not any(p for ch in book.chapters for p in ch.paragraphs if not p.scene_break):
        raise file_error(
            path,
            "holds no text to read (only pictures, or an empty book); give an EPUB with "
            "the book's text, or a plain-text file",
        )
    return book
