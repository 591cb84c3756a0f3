"""The EPUB container: the ZIP archive, its package file (OPF), metadata, cover and TOC.

`read_epub` is the only function here that touches the disk (through ebooklib):
it checks the archive (damaged, DRM-protected, claiming a file larger than the
limit), then returns the spine's XHTML documents parsed into blocks, the table of
contents resolved to those documents, and the title, author, year, language and
cover for the audio file's tags. ebooklib takes every file out of the archive
through `_Unpacked`, which stops at the limits of `tts.read.limits` whatever the
archive's headers say. ebooklib is imported on first use: only EPUB books need it.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote

from tts.errors import InputError
from tts.model import BookInfo
from tts.read.decode import file_error
from tts.read.epub.xhtml import Document, parse_document
from tts.read.limits import (
    EPUB_MEMBER_LIMIT,
    EPUB_TOTAL_LIMIT,
    TooLarge,
    read_stream,
    short,
    size_text,
)

_FIX = "re-download or re-export the book as EPUB, or save it as plain text (.txt)"
"""The fix an error about an unreadable EPUB ends with."""

Toc = dict[str, list[tuple[str, str]]]
"""Document name -> its table-of-contents entries, as (title, fragment) in reading order."""


# --- table of contents ------------------------------------------------------------------


def _flatten_toc(nodes: Any) -> Iterator[tuple[str, str]]:
    """(title, href) for every entry of ebooklib's nested TOC, in reading order."""
    if not isinstance(nodes, (list, tuple)):
        nodes = [nodes]
    for node in nodes:
        if isinstance(node, tuple) and len(node) == 2 and isinstance(node[1], list):
            section, children = node
            yield getattr(section, "title", None) or "", getattr(section, "href", None) or ""
            yield from _flatten_toc(children)
        elif isinstance(node, list):
            yield from _flatten_toc(node)
        else:
            yield getattr(node, "title", None) or "", getattr(node, "href", None) or ""


def _resolve(href: str, names: set[str], bases: Sequence[str]) -> tuple[str, str] | None:
    """(document name, fragment) for a TOC href, trying each base folder it may be relative to."""
    if not href or "://" in href:
        return None
    path, _, fragment = href.partition("#")
    path = unquote(path)
    for base in bases:
        name = posixpath.normpath(posixpath.join(base, path)) if path else ""
        if name in names:
            return name, unquote(fragment)
    tails = [n for n in names if posixpath.basename(n) == posixpath.basename(path)]
    return (tails[0], unquote(fragment)) if len(tails) == 1 else None


# --- reading the file ----------------------------------------------------------------------

_OPF = "http://www.idpf.org/2007/opf"
_DC = "http://purl.org/dc/elements/1.1/"
_FONT_OBFUSCATION = (
    "http://www.idpf.org/2008/embedding",
    "http://ns.adobe.com/pdf/enc#RC",
)


def _too_large(path: Path, member: str, limit: int) -> InputError:
    return file_error(
        path,
        f"{short(member)} inside it unpacks to more than {size_text(limit)}, the most a file "
        f"in an EPUB may hold; {_FIX}",
    )


class _Unpacked:
    """What reading one EPUB has taken out of its archive (or folder) so far, so no one
    file passes `EPUB_MEMBER_LIMIT` and all of them together `EPUB_TOTAL_LIMIT`, however
    often the package lists them and whatever the archive's headers claim."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.total = 0

    def read(self, opened: IO[bytes], member: str) -> bytes:
        try:
            data = read_stream(opened, EPUB_MEMBER_LIMIT)
        except TooLarge:
            raise _too_large(self.path, member, EPUB_MEMBER_LIMIT) from None
        self.total += len(data)
        if self.total > EPUB_TOTAL_LIMIT:
            raise file_error(
                self.path,
                f"its files unpack to more than {size_text(EPUB_TOTAL_LIMIT)}, the most an "
                f"EPUB may hold; {_FIX}",
            )
        return data

    def from_zip(self, zf: zipfile.ZipFile, member: str) -> bytes:
        with zf.open(member) as opened:
            return self.read(opened, member)

    def from_folder(self, member: str) -> bytes:
        file = self.path / member
        if file.exists() and not file.is_file():  # a device (/dev/zero) or a pipe
            raise file_error(self.path, f"{short(member)} inside it is not a file; {_FIX}")
        with open(file, "rb") as opened:
            return self.read(opened, member)


def _check_zip(path: Path) -> None:
    """Fail early, with the fix, on a damaged archive, one that says it unpacks to more
    than the limits, or DRM-protected content."""
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.file_size > EPUB_MEMBER_LIMIT:
                    raise _too_large(path, info.filename, EPUB_MEMBER_LIMIT)
            names = set(zf.namelist())
            if "META-INF/encryption.xml" in names:
                raw = _Unpacked(path).from_zip(zf, "META-INF/encryption.xml")
                xml = raw.decode("utf-8", errors="replace")
                methods = re.findall(r"EncryptionMethod[^>]*Algorithm=[\"']([^\"']+)", xml)
                if any(m not in _FONT_OBFUSCATION for m in methods):
                    raise file_error(
                        path,
                        "is DRM-protected (its text is encrypted); only DRM-free EPUBs can be "
                        "read, so use a DRM-free copy or export the text",
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise file_error(
            path, f"is not a readable EPUB (damaged or truncated ZIP archive: {exc}); {_FIX}"
        ) from None


def _meta(book: Any, namespace: str, name: str | None) -> list[tuple[str | None, dict[str, str]]]:
    try:
        return list(book.metadata.get(namespace, {}).get(name, []))
    except AttributeError:
        return []


def _opf_meta(book: Any) -> list[tuple[str | None, dict[str, str]]]:
    """Every <meta> of the package (ebooklib files them under 'meta', or by name)."""
    found = _meta(book, _OPF, "meta") + _meta(book, _OPF, None)
    return found + [(v, {**a, "name": "cover"}) for v, a in _meta(book, _OPF, "cover")]


def _clean_meta(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def _author(book: Any) -> str | None:
    creators = _meta(book, _DC, "creator")
    if not creators:
        return None
    refines = _opf_meta(book)
    roles: dict[str, str] = {}
    for value, attrs in refines:
        if attrs.get("property") == "role" and attrs.get("refines", "").startswith("#") and value:
            roles[attrs["refines"][1:]] = value.strip().lower()
    authors = []
    for value, attrs in creators:
        name = _clean_meta(value)
        if name is None:
            continue
        role = (
            attrs.get(f"{{{_OPF}}}role") or attrs.get("role") or roles.get(attrs.get("id", ""), "")
        ).lower()
        if role in ("", "aut"):
            authors.append(name)
    if not authors:
        authors = [n for n in (_clean_meta(v) for v, _ in creators) if n]
    return ", ".join(dict.fromkeys(authors)) or None


def _year(book: Any) -> str | None:
    dates = _meta(book, _DC, "date")
    dates.sort(key=lambda d: 0 if "publication" in str(d[1].get(f"{{{_OPF}}}event", "")) else 1)
    for value, _ in dates:
        m = re.search(r"\d{4}", value or "")
        if m:
            return m.group()
    return None


_IMAGE_SRC_RE = re.compile(rb"""(?:<img[^>]*\ssrc|<image[^>]*href)\s*=\s*["']([^"']+)["']""")


def _cover(book: Any, items: dict[str, Any], by_name: dict[str, Any]) -> tuple[bytes, str] | None:
    import ebooklib

    def image(item: Any) -> tuple[bytes, str] | None:
        if item is None or not str(item.media_type).startswith("image/"):
            return None
        data = item.content
        return (bytes(data), str(item.media_type)) if data else None

    for item in book.get_items_of_type(ebooklib.ITEM_COVER):
        found = image(item)
        if found:
            return found
    for _, attrs in _opf_meta(book):
        if attrs.get("name") != "cover":
            continue
        ref = attrs.get("content", "")
        found = image(items.get(ref)) or image(by_name.get(ref))
        if found:
            return found
    for item in items.values():
        stem = posixpath.basename(item.file_name or "").lower()
        if stem.startswith("cover") or str(item.id).lower().startswith("cover"):
            found = image(item)
            if found:
                return found
    for ref in getattr(book, "guide", []) or []:
        if str(ref.get("type", "")).lower() != "cover":
            continue
        page = by_name.get(posixpath.normpath(unquote(str(ref.get("href", "")).split("#")[0])))
        if page is None:
            continue
        found = image(page)
        if found:
            return found
        m = _IMAGE_SRC_RE.search(page.content or b"")
        if m:
            src = unquote(m.group(1).decode("utf-8", errors="replace"))
            name = posixpath.normpath(posixpath.join(posixpath.dirname(page.file_name), src))
            found = image(by_name.get(name))
            if found:
                return found
    return None


_EBOOKLIB_ERRORS: tuple[type[BaseException], ...] = (
    KeyError,
    IndexError,
    AttributeError,
    TypeError,
    ValueError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
)


def _open_book(path: Path) -> Any:
    """ebooklib's reading of the file; a broken EPUB 3 nav falls back to the EPUB 2 NCX."""
    import warnings

    from ebooklib import epub
    from lxml import etree

    class Reader(epub.EpubReader):
        """ebooklib's reader, taking each file out through `_Unpacked`'s limits."""

        def __init__(self, options: dict[str, Any]) -> None:
            super().__init__(str(path), options)
            self.unpacked = _Unpacked(path)

        def read_file(self, name: str) -> bytes:
            name = posixpath.normpath(name)
            if isinstance(self.zf, zipfile.ZipFile):
                return self.unpacked.from_zip(self.zf, name)
            return self.unpacked.from_folder(name)

    errors = (*_EBOOKLIB_ERRORS, epub.EpubException, etree.LxmlError)
    first: BaseException | None = None
    for options in ({"ignore_ncx": True}, {"ignore_ncx": False}):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reader = Reader(options)  # what epub.read_epub does, with the limits
                book = reader.load()
                reader.process()
                return book
        except errors as exc:
            first = first or exc
    if isinstance(first, KeyError):
        what = f"a file it lists is missing from the archive: {short(str(first))}"
    elif isinstance(first, (AttributeError, TypeError, IndexError, ValueError)):
        what = "its package file (.opf) or table of contents is malformed"
    else:
        what = " ".join(str(getattr(first, "msg", "") or first).split())
    raise file_error(path, f"is not a readable EPUB ({what}); {_FIX}")


def read_epub(path: str | Path) -> tuple[list[Document], Toc, BookInfo]:
    """The spine's XHTML documents in reading order, the TOC that points into them, and the
    book's metadata. Documents the guide marks as cover, contents, copyright or notes, and
    those the spine marks non-linear, are left out; `build_epub_book` judges the rest."""
    import ebooklib
    from ebooklib import epub

    path = Path(path)
    if path.is_dir():
        if not (path / "META-INF" / "container.xml").is_file():
            raise file_error(
                path, "is a folder without META-INF/container.xml; give the .epub file itself"
            )
    elif not path.exists():
        raise file_error(path, "no such file; check the path and file name")
    else:
        _check_zip(path)
    book = _open_book(path)
    items = {str(item.id): item for item in book.get_items()}
    by_name = {posixpath.normpath(item.file_name): item for item in book.get_items()}
    names = set(by_name)

    # TOC hrefs from the nav are relative to the package; those from the NCX to the NCX file.
    bases = [""] + sorted(
        {posixpath.dirname(i.file_name) for i in book.get_items() if isinstance(i, epub.EpubNcx)}
    )
    toc: Toc = {}
    seen: set[tuple[str, str, str]] = set()
    for title, href in _flatten_toc(book.toc):
        title = " ".join((title or "").split())
        target = _resolve(href, names, bases)
        if not title or target is None or (target[0], target[1], title) in seen:
            continue
        seen.add((target[0], target[1], title))
        toc.setdefault(target[0], []).append((title, target[1]))

    guide_skip = {
        posixpath.normpath(unquote(str(g.get("href", "")).split("#")[0]))
        for g in getattr(book, "guide", []) or []
        if str(g.get("type", "")).lower()
        in ("cover", "title-page", "toc", "copyright-page", "notes")
    }
    docs: list[Document] = []
    for idref, linear in book.spine:
        item = items.get(str(idref))
        if item is None or str(linear).lower() == "no":
            continue
        if item.get_type() == ebooklib.ITEM_NAVIGATION or isinstance(
            item, (epub.EpubNav, epub.EpubCoverHtml)
        ):
            continue
        if "html" not in str(item.media_type) or item.file_name in guide_skip:
            continue
        name = posixpath.normpath(item.file_name)
        try:
            doc = parse_document(name, item.content or b"")
        except (AssertionError, ValueError) as exc:  # html.parser on badly broken markup
            raise file_error(path, f"{short(name)} cannot be parsed ({exc}); {_FIX}") from None
        docs.append(doc)

    book_title = _clean_meta(next((v for v, _ in _meta(book, _DC, "title") if v), None))
    cover = _cover(book, items, by_name)
    info = BookInfo(
        title=book_title or path.stem,
        author=_author(book),
        year=_year(book),
        language=_clean_meta(next((v for v, _ in _meta(book, _DC, "language") if v), None)),
        cover=cover[0] if cover else None,
        cover_mime=cover[1] if cover else None,
    )
    return docs, toc, info
