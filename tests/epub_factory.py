"""Builds small EPUB 2 and EPUB 3 files for tests, byte by byte with zipfile.

Written by hand (not with ebooklib's writer) so the tests read files shaped like
the ones publishers and converters make: an OPF in a sub-folder, documents in
`Text/`, a cover image, a nav page in the spine, footnote pages and asides.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import quote

OPF_DIR = "OEBPS"


def tiny_png(rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid 1x1 PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@dataclass
class Doc:
    """One XHTML document in the spine."""

    name: str
    """File name inside `OEBPS/Text/`, e.g. 'ch01.xhtml'."""
    body: str
    """Markup inside <body>."""
    toc: str | None = None
    """Title of its TOC entry; None when the TOC does not list it."""
    sub: Sequence[tuple[str, str]] = ()
    """More TOC entries pointing into this document: (title, fragment id); nested under
    `toc`, or top-level when `toc` is None."""
    linear: bool = True
    body_type: str | None = None
    """epub:type on <body>."""
    in_spine: bool = True


@dataclass
class Epub:
    docs: Sequence[Doc]
    version: int = 3
    title: str = "The Lighthouse Keeper"
    author: str | None = "Mara Quill"
    date: str | None = "2019-05-01"
    language: str = "en"
    cover: bytes | None = field(default_factory=tiny_png)
    cover_style: str = "auto"
    """'auto' (EPUB 3: cover-image property; EPUB 2: <meta name="cover">) or 'name' (only the
    file is called cover.png)."""
    cover_name: str = "cover.png"
    """File name of the cover image inside `OEBPS/Images/`."""
    nav_in_spine: bool = True
    extra_files: dict[str, bytes] = field(default_factory=dict)


def _xhtml(doc: Doc, version: int, language: str) -> str:
    body_type = f' epub:type="{doc.body_type}"' if doc.body_type else ""
    doctype = (
        "<!DOCTYPE html>"
        if version == 3
        else '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" '
        '"http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">'
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"{doctype}\n"
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
        f' xml:lang="{language}" lang="{language}">\n'
        f"<head><title>{escape(doc.toc or doc.name)}</title>"
        '<link rel="stylesheet" type="text/css" href="../Styles/style.css"/></head>\n'
        f"<body{body_type}>\n{doc.body}\n</body>\n</html>\n"
    )


def _toc_entries(book: Epub) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(title, href relative to OEBPS, children) for each listed document."""
    entries = []
    for doc in book.docs:
        children = [(title, f"Text/{quote(doc.name)}#{frag}") for title, frag in doc.sub]
        if doc.toc is not None:
            entries.append((doc.toc, f"Text/{quote(doc.name)}", children))
        else:  # entries into a document that has none of its own (a converter's split file)
            entries.extend((title, href, []) for title, href in children)
    return entries


def _nav(book: Epub) -> str:
    def li(title: str, href: str, children: list[tuple[str, str]]) -> str:
        inner = "".join(f'<li><a href="{h}">{escape(t)}</a></li>' for t, h in children)
        sub = f"<ol>{inner}</ol>" if children else ""
        return f'<li><a href="{href}">{escape(title)}</a>{sub}</li>'

    items = "\n".join(li(*entry) for entry in _toc_entries(book))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">\n'
        "<head><title>Contents</title></head>\n<body>\n"
        f'<nav epub:type="toc" id="toc"><h1>Contents</h1><ol>\n{items}\n</ol></nav>\n'
        '<nav epub:type="landmarks" hidden=""><ol>'
        '<li><a epub:type="bodymatter" href="Text/ch01.xhtml">Start</a></li></ol></nav>\n'
        "</body>\n</html>\n"
    )


def _ncx(book: Epub) -> str:
    order = 0

    def point(title: str, href: str, children: list[tuple[str, str]]) -> str:
        nonlocal order
        order += 1
        me = order
        inner = "".join(point(t, h, []) for t, h in children)
        return (
            f'<navPoint id="np{me}" playOrder="{me}"><navLabel><text>{escape(title)}</text>'
            f'</navLabel><content src="{href}"/>{inner}</navPoint>'
        )

    points = "\n".join(point(*entry) for entry in _toc_entries(book))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">\n'
        '<head><meta name="dtb:uid" content="urn:uuid:test"/></head>\n'
        f"<docTitle><text>{escape(book.title)}</text></docTitle>\n"
        f"<navMap>\n{points}\n</navMap>\n</ncx>\n"
    )


def _opf(book: Epub) -> str:
    v3 = book.version == 3
    meta = [
        '<dc:identifier id="uid">urn:uuid:0d7c1a52-test</dc:identifier>',
        f"<dc:title>{escape(book.title)}</dc:title>",
        f"<dc:language>{book.language}</dc:language>",
    ]
    if book.author:
        if v3:
            meta.append(f'<dc:creator id="creator">{escape(book.author)}</dc:creator>')
            meta.append(
                '<meta refines="#creator" property="role" scheme="marc:relators">aut</meta>'
            )
            meta.append('<dc:creator id="ill">Ivo Pen</dc:creator>')
            meta.append('<meta refines="#ill" property="role" scheme="marc:relators">ill</meta>')
        else:
            meta.append(f'<dc:creator opf:role="aut">{escape(book.author)}</dc:creator>')
            meta.append('<dc:contributor opf:role="edt">Ed Itor</dc:contributor>')
    if book.date:
        if v3:
            meta.append(f"<dc:date>{book.date}</dc:date>")
        else:
            meta.append('<dc:date opf:event="modification">2024-01-01</dc:date>')
            meta.append(f'<dc:date opf:event="publication">{book.date}</dc:date>')
    if v3:
        meta.append('<meta property="dcterms:modified">2024-01-01T00:00:00Z</meta>')
    manifest = []
    if v3:
        manifest.append(
            '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
        )
    manifest.append('<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>')
    manifest.append('<item id="css" href="Styles/style.css" media-type="text/css"/>')
    cover = f"Images/{book.cover_name}"
    if book.cover is not None:
        if book.cover_style == "name":
            manifest.append(f'<item id="img1" href="{cover}" media-type="image/png"/>')
        elif v3:
            manifest.append(
                f'<item id="img1" href="{cover}" media-type="image/png" properties="cover-image"/>'
            )
        else:
            manifest.append(f'<item id="img1" href="{cover}" media-type="image/png"/>')
            meta.append('<meta name="cover" content="img1"/>')
    for n, doc in enumerate(book.docs):
        manifest.append(
            f'<item id="d{n}" href="Text/{quote(doc.name)}" media-type="application/xhtml+xml"/>'
        )
    spine = []
    if v3 and book.nav_in_spine:
        spine.append('<itemref idref="nav"/>')
    for n, doc in enumerate(book.docs):
        if doc.in_spine:
            linear = "" if doc.linear else ' linear="no"'
            spine.append(f'<itemref idref="d{n}"{linear}/>')
    version = "3.0" if v3 else "2.0"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<package xmlns="http://www.idpf.org/2007/opf" version="{version}"'
        ' unique-identifier="uid">\n'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:opf="http://www.idpf.org/2007/opf">\n'
        + "\n".join(meta)
        + "\n</metadata>\n<manifest>\n"
        + "\n".join(manifest)
        + '\n</manifest>\n<spine toc="ncx">\n'
        + "\n".join(spine)
        + "\n</spine>\n</package>\n"
    )


CONTAINER = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">\n'
    f'<rootfiles><rootfile full-path="{OPF_DIR}/content.opf"'
    ' media-type="application/oebps-package+xml"/></rootfiles>\n</container>\n'
)


def write_epub(path: Path, book: Epub) -> Path:
    """Write `book` as an EPUB file at `path` (mimetype first and stored, as the spec says)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), b"application/epub+zip")
        zf.writestr("META-INF/container.xml", CONTAINER, zipfile.ZIP_DEFLATED)
        zf.writestr(f"{OPF_DIR}/content.opf", _opf(book), zipfile.ZIP_DEFLATED)
        zf.writestr(f"{OPF_DIR}/toc.ncx", _ncx(book), zipfile.ZIP_DEFLATED)
        if book.version == 3:
            zf.writestr(f"{OPF_DIR}/nav.xhtml", _nav(book), zipfile.ZIP_DEFLATED)
        zf.writestr(f"{OPF_DIR}/Styles/style.css", "p { text-indent: 2em; }", zipfile.ZIP_DEFLATED)
        if book.cover is not None:
            zf.writestr(f"{OPF_DIR}/Images/{book.cover_name}", book.cover)
        for doc in book.docs:
            zf.writestr(
                f"{OPF_DIR}/Text/{doc.name}",
                _xhtml(doc, book.version, book.language),
                zipfile.ZIP_DEFLATED,
            )
        for name, data in book.extra_files.items():
            zf.writestr(name, data, zipfile.ZIP_DEFLATED)
    return path


# --- ready-made books ---------------------------------------------------------------------

COVER_PAGE = Doc(
    "cover.xhtml",
    '<div class="cover"><img src="../Images/cover.png" alt="Cover"/></div>',
    body_type="cover",
)
TITLE_PAGE = Doc(
    "title.xhtml",
    '<h1 class="title">The Lighthouse Keeper</h1><p class="author">Mara Quill</p>',
    body_type="titlepage",
)
COPYRIGHT_PAGE = Doc(
    "copyright.xhtml",
    "<p>Copyright © 2019 Mara Quill. All rights reserved.</p>"
    "<p>ISBN 978-0-00-000000-0</p><p>First edition.</p>",
)
CONTENTS_PAGE = Doc(
    "contents.xhtml",
    "<h2>Contents</h2>"
    '<p><a href="ch01.xhtml">Chapter 1: The Storm</a></p>'
    '<p><a href="ch02.xhtml">Chapter 2: Morning</a></p>'
    '<p><a href="ch03.xhtml">Chapter 3: The Letter</a></p>',
)


def english_docs() -> list[Doc]:
    """Cover, title and copyright pages, an HTML contents page, three chapters, endnotes."""
    return [
        COVER_PAGE,
        TITLE_PAGE,
        COPYRIGHT_PAGE,
        CONTENTS_PAGE,
        Doc(
            "ch01.xhtml",
            '<section epub:type="chapter"><h1>Chapter 1: The Storm</h1>\n'
            "<p>The wind rose at dusk and the lamp swung on its hook.</p>\n"
            '<p>"Bring the boat in," said Tom.<sup><a epub:type="noteref" href="#fn1">1</a>'
            "</sup></p>\n"
            "<p>Anna ran down to the\n   jetty.<br/>The rope was wet.</p>\n"
            "<hr/>\n"
            "<p>By midnight the sea was calm.</p>\n"
            '<aside epub:type="footnote" id="fn1"><p>A rowing boat of the old kind.</p></aside>'
            "</section>",
            toc="Chapter 1: The Storm",
        ),
        Doc(
            "ch02.xhtml",
            "<h1>Chapter 2</h1><h2>Morning</h2>\n"
            '<p>Gulls circled the tower.<a href="notes.xhtml#n2" id="r2">[2]</a> '
            "Tom counted them twice.</p>\n"
            "<p>* * *</p>\n"
            "<p>Anna brought bread and cold tea.</p>",
            toc="Chapter 2: Morning",
        ),
        Doc(
            "ch03.xhtml",
            "<h1>Chapter 3: The Letter</h1>\n"
            '<p>A letter came with the supply boat<span epub:type="pagebreak" title="41">41</span>'
            " on Tuesday.</p>\n"
            "<p>It was from the mainland.</p>",
            toc="Chapter 3: The Letter",
        ),
        Doc(
            "notes.xhtml",
            '<h2>Notes</h2><p><a href="ch01.xhtml#r1">1</a> A rowing boat of the old kind.</p>'
            '<p><a href="ch02.xhtml#r2">2</a> Herring gulls, mostly.</p>',
            toc="Notes",
        ),
    ]


def chinese_docs() -> list[Doc]:
    """Three chapters of a Chinese novel; chapter 2 has a Hangul-for-Han glyph swap."""
    return [
        COVER_PAGE,
        Doc("copyright.xhtml", "<p>版权所有，侵权必究。</p><p>ISBN 978-7-00-000000-0</p>"),
        Doc(
            "ch01.xhtml",
            "<h2>第一章 渡口</h2>\n"
            "<p>\u3000\u3000江面上起了雾，老周把船拴在柳树下。</p>\n"
            "<p>“今晚还过江吗？”阿秀问道。<sup>[1]</sup></p>\n"
            "<p>老周点起一盏马灯，\n说：“过。”</p>\n"
            '<aside epub:type="footnote"><p>[1] 阿秀：老周的邻居。</p></aside>',
            toc="第一章 渡口",
        ),
        Doc(
            "第二章.xhtml",  # hrefs to it are percent-encoded, as real books write them
            "<h2>第二章 对岸</h2>\n"
            # "놛" and "깊" are a reading site's Hangul stand-ins for "他" and "了" (the glyph map).
            "<p>船到对岸时，天边已经发白。</p>\n"
            "<p>놛们都没有说话，天亮깊。</p>\n"
            "<p>……</p>\n"
            "<p>阿秀上了岸，回头看了一眼。</p>",
            toc="第二章 对岸",
        ),
        Doc(
            "ch03.xhtml",
            "<h2>第三章 归途</h2>\n<p>老周一个人把船划了回去。</p>",
            toc="第三章 归途",
        ),
    ]
