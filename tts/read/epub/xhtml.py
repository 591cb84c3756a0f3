"""XHTML -> blocks: the readable paragraphs, headings and scene breaks of one EPUB document.

`parse_document` reads a document's markup (in the encoding it declares) into
`Block`s, one paragraph each, leaving out what is never read aloud: footnotes
and their markers, page numbers, contents and cover pages, scripts and ruby
annotations. It also records where each element id falls, so that table-of-
contents entries pointing into the middle of a document can split it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import NamedTuple

from tts.read.clean import CJK_JOINING

_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup html li main nav ol p "
    "pre section summary table tbody td tfoot th thead tr ul".split()
)
_HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_JOIN_BR_IN = frozenset("p li dd dt h1 h2 h3 h4 h5 h6 blockquote figcaption td th".split())
"""Inside these a single <br/> is a line break within one paragraph."""
_SKIP_TAGS = frozenset("head script style svg math rt rp template noscript object".split())
_VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)
_UNREAD_TYPES = frozenset(
    "footnote footnotes endnote endnotes rearnote rearnotes note notes noteref annoref "
    "pagebreak doc-footnote doc-footnotes doc-endnote doc-endnotes doc-noteref "
    "doc-pagebreak doc-rearnote doc-rearnotes doc-backlink "
    "toc landmarks loi lot page-list index cover titlepage halftitlepage copyright-page "
    "colophon imprint doc-toc doc-index doc-cover doc-pagelist doc-colophon".split()
)
"""epub:type / role values whose element is never read: notes and their markers, page
numbers, contents, cover, title and copyright pages. A document made only of them is empty."""
_NOTE_CLASS_RE = re.compile(r"(?i)foot-?notes?\b|end-?notes?\b|rear-?notes?\b|footnote-")
"""Classes converters give notes and their markers ('footnote', 'duokan-footnote-content')."""
_BREAK_CLASS_RE = re.compile(
    r"scene|section-?break|space-?break|separator|ornament|asterism|dinkus|divider"
)
"""The class of an empty element that stands for a scene break ('<p class="scenebreak"/>')."""
_MARKER_RE = re.compile(
    r"[\s\[\(（【〔]*(?:\d{1,3}|[*†‡§¶#]{1,3}|[注註]\s*\d{1,3}|[\u2460-\u2473\u2776-\u277f])"
    r"[\s\]\)）】〕]*"
)
"""The text of a footnote reference: '1', '[12]', '*', '†', '注3', '①'."""


class Block(NamedTuple):
    """One paragraph, heading or scene break of a document, before cleaning.

    A named tuple rather than a frozen dataclass: a book makes one or two per paragraph,
    and a tuple is built in half the time.
    """

    kind: str
    """'p' (paragraph), 'h' (heading) or 'break' (scene break)."""
    text: str
    chars: int = 0
    """Characters of text (at least 1 in a text block), to tell a list of links from prose."""
    link_chars: int = 0
    """Of those, the characters inside links."""
    backlink: bool = False
    """Holds a link to a place in another document (how endnotes point back)."""


@dataclass
class _Open:
    tag: str
    skip: bool = False
    capture: bool = False
    href: str = ""
    buffer: list[str] = field(default_factory=list)
    classes: str = ""
    start_blocks: int = 0


def _tokens(attrs: dict[str, str]) -> set[str]:
    return set((attrs.get("epub:type", "") + " " + attrs.get("role", "")).lower().split())


class _Extractor(HTMLParser):
    """Collects the readable blocks of one XHTML document, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.anchors: dict[str, int] = {}
        """Element id -> index of the first block at or after it."""
        self._stack: list[_Open] = []
        self._skipping = 0
        self._buffer: list[str] = []
        self._chars = 0
        self._link_chars = 0
        self._backlink = False
        self._pending_br = False
        self._in_link = 0

    # -- helpers

    def _captures(self) -> list[_Open]:
        return [o for o in self._stack if o.capture]

    def _write(self, text: str) -> None:
        frames = self._captures()
        (frames[-1].buffer if frames else self._buffer).append(text)

    def _release_captures(self) -> None:
        """A block boundary inside <a>/<sup>: what they hold is ordinary text after all."""
        for frame in self._captures():
            self._buffer.extend(frame.buffer)
            frame.buffer.clear()
            frame.capture = False

    def _kind(self) -> str:
        return "h" if any(o.tag in _HEADING_TAGS for o in self._stack) else "p"

    def _flush(self) -> None:
        self._release_captures()
        text = "".join(self._buffer)
        self._buffer.clear()
        self._pending_br = False
        if text.strip():
            self.blocks.append(
                Block(
                    self._kind(),
                    text,
                    chars=max(self._chars, 1),
                    link_chars=self._link_chars,
                    backlink=self._backlink,
                )
            )
        self._chars = self._link_chars = 0
        self._backlink = False

    # -- parser callbacks

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        types = _tokens(attrs)
        if "id" in attrs and attrs["id"] not in self.anchors and not self._skipping:
            self.anchors[attrs["id"]] = len(self.blocks) + (
                1 if "".join(self._buffer).strip() else 0
            )
        if tag in _VOID_TAGS:
            self._void(tag)
            return
        skip = (
            tag in _SKIP_TAGS
            or bool(types & _UNREAD_TYPES)
            or "hidden" in attrs
            or (tag not in ("html", "body") and bool(_NOTE_CLASS_RE.search(attrs.get("class", ""))))
        )
        if skip:
            self._skipping += 1
        if tag in _BLOCK_TAGS and not self._skipping:
            self._flush()
        frame = _Open(tag, skip=skip, classes=attrs.get("class", ""), start_blocks=len(self.blocks))
        if not self._skipping and tag in ("a", "sup"):
            frame.capture = True
            frame.href = attrs.get("href", "")
            if tag == "a" and frame.href:
                self._in_link += 1
                target = frame.href.split("#", 1)[0]
                if "#" in frame.href and target and not self._chars:
                    self._backlink = True  # a note that starts by linking back to its chapter
        self._stack.append(frame)

    def _void(self, tag: str) -> None:
        if self._skipping:
            return
        if tag == "br":
            inside = next((o.tag for o in reversed(self._stack) if o.tag in _BLOCK_TAGS), "body")
            if inside in _JOIN_BR_IN and not self._pending_br:
                self._write(_BR)
                self._pending_br = True
            else:
                self._flush()
        elif tag == "hr":
            self._flush()
            self.blocks.append(Block("break", "* * *"))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_TAGS:
            return
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i].tag == tag:
                break
        else:
            return  # a stray end tag
        while len(self._stack) > i:
            self._close(self._stack[-1])

    def _close(self, frame: _Open) -> None:
        if frame.tag in _BLOCK_TAGS and not self._skipping:
            empty = len(self.blocks) == frame.start_blocks and not "".join(self._buffer).strip()
            self._flush()
            if empty and any(
                c in ("break", "hr", "transition")
                or ("page" not in c and _BREAK_CLASS_RE.search(c))
                for c in frame.classes.lower().split()
            ):
                self.blocks.append(Block("break", "* * *"))
        self._stack.pop()
        if frame.skip:
            self._skipping -= 1
        if frame.tag == "a" and frame.href and not frame.skip and self._in_link:
            self._in_link -= 1
        if frame.capture:
            text = "".join(frame.buffer)
            marker = _MARKER_RE.fullmatch(text) is not None and (
                frame.tag == "sup" or "#" in frame.href
            )
            if not marker:
                self._write(text)

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if data.strip():
            self._pending_br = False
            n = len(data.strip())
            self._chars += n
            if self._in_link:
                self._link_chars += n
        self._write(data)

    def close(self) -> None:
        super().close()
        while self._stack:
            self._close(self._stack[-1])
        self._flush()


_SPACE_RUN_RE = re.compile(r"\s+")


_CJK_BREAK_RE = re.compile(f"(?<=[{CJK_JOINING}])[ \t]*\n\\s*(?=[{CJK_JOINING}])")
"""A line break between two characters that join without a space."""


_BR = "\x1e"
"""Stands for a <br/> inside a paragraph until the paragraph's text is laid out."""
_BR_INDENT_RE = re.compile(f"{_BR}[ \t\r\n]*(?=[\u3000\xa0])")


def _collapse(text: str) -> list[str]:
    """A block's text as paragraphs, each on one line.

    A line break between CJK characters joins them without a space; a <br/>
    followed by an indent (full-width or no-break spaces) starts a paragraph,
    as converters write whole chapters into one <p>.
    """
    out = []
    for part in _BR_INDENT_RE.split(text):
        part = _CJK_BREAK_RE.sub("", part.replace(_BR, "\n").strip())
        part = _SPACE_RUN_RE.sub(" ", part).strip()
        if part:
            out.append(part)
    return out


def _decode_xhtml(data: bytes) -> tuple[str, str]:
    """An XHTML document's text and encoding (BOM, XML declaration, <meta charset>, UTF-8)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    names = []
    head = data[:1024]
    m = re.search(rb"""<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)""", head) or re.search(
        rb"""charset=["']?([A-Za-z0-9._-]+)""", head
    )
    if m:
        names.append(m.group(1).decode("ascii").lower())
    names.append("utf-8")
    for name in names:
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace"), "utf-8"


@dataclass(frozen=True)
class Document:
    """The readable blocks of one XHTML document of the book."""

    name: str
    """The document's path inside the EPUB ('OEBPS/Text/ch1.xhtml'), as the TOC names it."""
    blocks: tuple[Block, ...]
    anchors: dict[str, int]
    """Element id -> index in `blocks` of the first block at or after that element."""
    encoding: str
    """The encoding the document was read in."""


def parse_document(name: str, data: bytes) -> Document:
    """The readable blocks of one XHTML document (notes, markers and scripts left out)."""
    text, encoding = _decode_xhtml(data)
    parser = _Extractor()
    parser.feed(text)
    parser.close()
    blocks: list[Block] = []
    first: list[int] = []
    """Index in `blocks` of the first paragraph made from each of the parser's blocks."""
    for block in parser.blocks:
        first.append(len(blocks))
        if block.kind == "break":
            blocks.append(block)
        else:
            blocks.extend(block._replace(text=part) for part in _collapse(block.text))
    first.append(len(blocks))
    anchors = {key: first[min(at, len(first) - 1)] for key, at in parser.anchors.items()}
    return Document(name, tuple(blocks), anchors, encoding)
