"""An EPUB 2 or 3 file -> a clean `Book`: spine order, TOC titles, metadata and cover.

`read_epub` is the only function here that touches the disk (through ebooklib);
everything after it works on the bytes of the book's documents.

An EPUB has no lines, so `Paragraph.line` and `Chapter.heading_line` count
paragraphs instead: 1-based running numbers over the whole book, where each
chapter title and each paragraph is one.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tts.model import Book, BookInfo, Chapter, CleanReport, Paragraph
from tts.read.chapters import split_chapters
from tts.read.clean import CJK_JOINING, HAN, fix_text, is_scene_break, is_site_notice
from tts.read.decode import file_error
from tts.read.language import detect_language

_FIX = "re-download or re-export the book as EPUB, or save it as plain text (.txt)"


# --- XHTML -> blocks --------------------------------------------------------------------

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


@dataclass
class _Block:
    kind: str
    """'p' (paragraph), 'h' (heading) or 'break' (scene break)."""
    text: str
    chars: int = 0
    link_chars: int = 0
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
        self.blocks: list[_Block] = []
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
                _Block(
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
            self.blocks.append(_Block("break", "* * *"))

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
                self.blocks.append(_Block("break", "* * *"))
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


def _decode(data: bytes) -> tuple[str, str]:
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
class _Doc:
    name: str
    blocks: tuple[_Block, ...]
    anchors: dict[str, int]
    encoding: str


def parse_document(name: str, data: bytes) -> _Doc:
    """The readable blocks of one XHTML document (notes, markers and scripts left out)."""
    text, encoding = _decode(data)
    parser = _Extractor()
    parser.feed(text)
    parser.close()
    blocks: list[_Block] = []
    first: list[int] = []
    """Index in `blocks` of the first paragraph made from each of the parser's blocks."""
    for block in parser.blocks:
        first.append(len(blocks))
        if block.kind == "break":
            blocks.append(block)
        else:
            blocks.extend(replace(block, text=part) for part in _collapse(block.text))
    first.append(len(blocks))
    anchors = {key: first[min(at, len(first) - 1)] for key, at in parser.anchors.items()}
    return _Doc(name, tuple(blocks), anchors, encoding)


# --- which documents are read ------------------------------------------------------------

_SKIP_TITLE_RE = re.compile(
    r"(?i)(?:cover|front cover|title ?page|half ?title|(?:un)?copyright(?: page)?|imprint|colophon"
    r"|(?:table of )?contents|toc|index|(?:foot|end)?notes|also by.*"
    r"|封面|封底|扉页|扉頁|书名页|書名頁|版权(?:页|信息|声明|資訊)?|版權(?:頁|資訊|信息|聲明|页)?"
    r"|目录|目錄|注释|註釋|注釋|尾注|尾註|脚注|腳註|脚註)"
)
_COPYRIGHT_RE = re.compile(
    r"(?i)all rights reserved|\bISBN\b|©|\(c\) ?\d{4}"
    r"|版权所有|版權所有|著作权|著作權|侵权必究|侵權必究"
)
_COPYRIGHT_MAX = 1500
_HAN_RE = re.compile(f"[{HAN}]")


def _text_size(blocks: Sequence[_Block]) -> int:
    """Readable size: a Han character counts as a short word (three letters)."""
    text = "".join(b.text for b in blocks if b.kind != "break")
    return len(text) + 2 * len(_HAN_RE.findall(text))


def _is_link_list(doc: _Doc) -> bool:
    """A contents page: almost every paragraph is one link."""
    texts = [b for b in doc.blocks if b.kind == "p"]
    if len(texts) < 3:
        return False
    linked = sum(1 for b in texts if b.link_chars >= 0.8 * b.chars)
    return linked >= 0.8 * len(texts)


def _is_notes(doc: _Doc) -> bool:
    """An endnotes page: most paragraphs link back into the chapters."""
    texts = [b for b in doc.blocks if b.kind == "p"]
    return len(texts) >= 2 and sum(b.backlink for b in texts) >= 0.6 * len(texts)


def _is_copyright(doc: _Doc) -> bool:
    text = " ".join(b.text for b in doc.blocks)
    return len(text) <= _COPYRIGHT_MAX and _COPYRIGHT_RE.search(text) is not None


def _skip_reason(doc: _Doc, titles: Sequence[str]) -> str | None:
    if not any(b.kind != "break" for b in doc.blocks):
        return "no text"
    if titles and all(_SKIP_TITLE_RE.fullmatch(t.strip()) for t in titles):
        return "titled " + titles[0]
    if _is_link_list(doc):
        return "contents"
    if _is_notes(doc):
        return "notes"
    if _is_copyright(doc):
        return "copyright"
    return None


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


def _norm(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


_SENTENCE_END = frozenset("。！？!?.…")


def _same_heading(block: _Block, titles: Sequence[str]) -> bool:
    """A leading block that repeats a TOC title ('Chapter 1' under the TOC's 'Chapter 1: Storm').

    A paragraph counts only when it is short and does not end like a sentence, so the
    story's first line ('Fog!', '江上起雾。') is never taken for the title.
    """
    text = _norm(block.text)
    heading = block.kind == "h"
    if not text:
        return heading
    if not heading and (
        len(block.text) > 40 or block.text.rstrip("\"'”’」』)）")[-1:] in _SENTENCE_END
    ):
        return False
    for title in titles:
        norm = _norm(title)
        if not norm:
            continue
        if text == norm or (len(text) >= 2 and text in norm):
            return True
        if heading and (norm in text or norm.startswith(text)):
            return True  # 'Chapter 1: The Storm' under 'The Storm'; 'I' over 'I: The Storm'
    return False


# --- building the book --------------------------------------------------------------------


@dataclass
class _Draft:
    title: str | None
    blocks: list[_Block]
    from_toc: bool


def _drop_title_blocks(blocks: list[_Block], titles: Sequence[str]) -> list[_Block]:
    i = 0
    while i < len(blocks) and i < 3 and blocks[i].kind != "break":
        if not _same_heading(blocks[i], titles):
            break
        i += 1
    return blocks[i:]


def _first_heading(blocks: list[_Block]) -> tuple[str | None, list[_Block]]:
    for i, block in enumerate(blocks[:3]):
        if block.kind == "h":
            return block.text, blocks[:i] + blocks[i + 1 :]
    return None, blocks


def _substantial(blocks: Sequence[_Block]) -> bool:
    return _text_size(blocks) >= 300


def _drafts(docs: Sequence[_Doc], toc: dict[str, list[tuple[str, str]]]) -> list[_Draft]:
    """Chapters before cleaning: TOC entries split their documents at the entries' anchors."""
    drafts: list[_Draft] = []
    seen_toc = False
    for doc in docs:
        entries = toc.get(doc.name, [])
        blocks = list(doc.blocks)
        if entries:
            seen_toc = True
            titles = [t for t, _ in entries]
            starts = sorted(
                ((doc.anchors.get(frag, 0) if frag else 0), n)
                for n, (_, frag) in enumerate(entries)
            )
            if starts[0][0] > 0 and drafts:
                # The text before the first anchor ends the chapter of the file before.
                drafts[-1].blocks.extend(blocks[: starts[0][0]])
                blocks = blocks[starts[0][0] :]
                starts = [(start - starts[0][0], n) for start, n in starts]
            for k, (start, n) in enumerate(starts):
                end = starts[k + 1][0] if k + 1 < len(starts) else len(blocks)
                part = blocks[0 if k == 0 else start : end]
                drafts.append(_Draft(entries[n][0], _drop_title_blocks(part, titles), True))
            continue
        title, rest = _first_heading(blocks)
        if not seen_toc:
            # Front matter (no TOC entry before the first one): kept only when it has real text.
            if not toc or _substantial(blocks):
                drafts.append(_Draft(title, rest, False))
        elif title is not None and blocks and blocks[0].kind == "h" and drafts:
            drafts.append(_Draft(title, rest, False))
        elif drafts:
            drafts[-1].blocks.extend(blocks)  # a chapter split over several files
        else:
            drafts.append(_Draft(title, rest, False))
    return drafts


def _tidy_breaks(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """No scene break at a chapter's start or end, and never two in a row."""
    out: list[Paragraph] = []
    for p in paragraphs:
        if p.scene_break and (not out or out[-1].scene_break):
            continue
        out.append(p)
    while out and out[-1].scene_break:
        out.pop()
    return out


def build_epub_book(
    docs: Sequence[_Doc],
    toc: dict[str, list[tuple[str, str]]],
    *,
    source: str,
    info: BookInfo,
) -> Book:
    """Clean the documents' text and shape it into a `Book` (all chapters)."""
    drafts = [d for d in _drafts(docs, toc) if d.title or any(b.kind != "break" for b in d.blocks)]
    if len(drafts) == 1 and not drafts[0].from_toc:
        drafts = _split_by_headings(drafts[0])
    # One fix_text pass over every title and paragraph, one per line.
    texts: list[str] = []
    for draft in drafts:
        texts.append(draft.title or "")
        texts.extend(b.text for b in draft.blocks)
    fixed, counts = fix_text("\n".join(texts))
    lines = fixed.split("\n") if texts else []
    assert len(lines) == len(texts), "fix_text must keep the line structure"
    notices: list[str] = []
    breaks = 0
    number = 0
    chapters: list[Chapter] = []
    at = 0
    for draft in drafts:
        title = _SPACE_RUN_RE.sub(" ", lines[at]).strip() or None
        at += 1
        heading_line = None
        if title is not None:
            number += 1
            heading_line = number
        paragraphs: list[Paragraph] = []
        for block in draft.blocks:
            text = _SPACE_RUN_RE.sub(" ", lines[at]).strip()
            at += 1
            if block.kind == "break" or is_scene_break(text):
                number += 1
                paragraphs.append(Paragraph(text=text or "* * *", line=number, scene_break=True))
            elif not text:
                continue
            elif is_site_notice(text):
                notices.append(text)
            else:
                number += 1
                paragraphs.append(Paragraph(text=text, line=number))
        paragraphs = _tidy_breaks(paragraphs)
        breaks += sum(p.scene_break for p in paragraphs)
        if title is None and not paragraphs:
            continue
        chapters.append(
            Chapter(
                number=len(chapters) + 1,
                title=title,
                paragraphs=tuple(paragraphs),
                heading_line=heading_line,
            )
        )
    encodings = {d.encoding for d in docs} - {"utf-8"}
    report = CleanReport(
        encoding=sorted(encodings)[0] if encodings else "utf-8",
        glyphs_repaired=counts.glyphs_repaired,
        invisible_removed=counts.invisible_removed,
        notices_dropped=tuple(notices),
        scene_breaks=breaks,
    )
    body = "\n".join(p.text for ch in chapters for p in ch.paragraphs if not p.scene_break)
    return Book(
        source=source,
        title=info.title,
        language=detect_language(body, info.language),
        chapters=tuple(chapters),
        report=report,
        info=info,
    )


def _split_by_headings(draft: _Draft) -> list[_Draft]:
    """A book without a usable TOC in one document: split at headings written in the text."""
    paragraphs = [Paragraph(text=b.text, line=i) for i, b in enumerate(draft.blocks)]
    chapters = split_chapters(paragraphs)
    if len(chapters) <= 1:
        return [draft]
    drafts = []
    for ch in chapters:
        blocks = []
        for p in ch.paragraphs:
            original = draft.blocks[p.line]
            blocks.append(original if original.text == p.text else replace(original, text=p.text))
        title = ch.title if ch.title is not None else (draft.title if not drafts else None)
        drafts.append(_Draft(title, blocks, False))
    return drafts


# --- reading the file ----------------------------------------------------------------------

_OPF = "http://www.idpf.org/2007/opf"
_DC = "http://purl.org/dc/elements/1.1/"
_FONT_OBFUSCATION = (
    "http://www.idpf.org/2008/embedding",
    "http://ns.adobe.com/pdf/enc#RC",
)


def _check_zip(path: Path) -> None:
    """Fail early, with the fix, on a damaged archive or DRM-protected content."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "META-INF/encryption.xml" in names:
                xml = zf.read("META-INF/encryption.xml").decode("utf-8", errors="replace")
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

    errors = (*_EBOOKLIB_ERRORS, epub.EpubException, etree.LxmlError)
    first: BaseException | None = None
    for options in ({"ignore_ncx": True}, {"ignore_ncx": False}):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return epub.read_epub(str(path), options)
        except errors as exc:
            first = first or exc
    if isinstance(first, KeyError):
        what = f"a file it lists is missing from the archive: {first}"
    elif isinstance(first, (AttributeError, TypeError, IndexError, ValueError)):
        what = "its package file (.opf) or table of contents is malformed"
    else:
        what = " ".join(str(getattr(first, "msg", "") or first).split())
    raise file_error(path, f"is not a readable EPUB ({what}); {_FIX}")


def read_epub(path: str | Path) -> tuple[list[_Doc], dict[str, list[tuple[str, str]]], BookInfo]:
    """The readable spine documents, the TOC (document -> [(title, fragment)]) and metadata."""
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
    toc: dict[str, list[tuple[str, str]]] = {}
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
    docs: list[_Doc] = []
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
            raise file_error(path, f"{name} cannot be parsed ({exc}); {_FIX}") from None
        reason = _skip_reason(doc, [t for t, _ in toc.get(name, [])])
        if reason is None:
            docs.append(doc)
        else:
            toc.pop(name, None)

    title = _clean_meta(next((v for v, _ in _meta(book, _DC, "title") if v), None))
    cover = _cover(book, items, by_name)
    info = BookInfo(
        title=title or path.stem,
        author=_author(book),
        year=_year(book),
        language=_clean_meta(next((v for v, _ in _meta(book, _DC, "language") if v), None)),
        cover=cover[0] if cover else None,
        cover_mime=cover[1] if cover else None,
    )
    return docs, toc, info


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
