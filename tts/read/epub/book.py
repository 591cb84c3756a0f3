"""Blocks -> a `Book`: which documents are read, chapters, and their titles from the TOC.

The documents come in spine order. Those that are not the story (cover, contents,
notes, copyright pages) are left out; table-of-contents entries then cut the rest
into chapters at their anchors and give them their titles, and a heading that
repeats the title is dropped so it is not read twice. A book without a usable
TOC is split at the headings written in its text.

An EPUB has no lines, so `Paragraph.line` and `Chapter.heading_line` count
paragraphs instead: 1-based running numbers over the whole book, where each
chapter title and each paragraph is one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from tts.model import Book, BookInfo, Chapter, CleanReport, Paragraph
from tts.read.chapters import split_chapters
from tts.read.clean import HAN, fix_text, is_scene_break, is_site_notice
from tts.read.epub.container import Toc
from tts.read.epub.xhtml import Block, Document
from tts.read.language import detect_language

_SPACE_RUN_RE = re.compile(r"\s+")

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


def _text_size(blocks: Sequence[Block]) -> int:
    """Readable size: a Han character counts as a short word (three letters)."""
    text = "".join(b.text for b in blocks if b.kind != "break")
    return len(text) + 2 * len(_HAN_RE.findall(text))


def _is_link_list(doc: Document) -> bool:
    """A contents page: almost every paragraph is one link."""
    texts = [b for b in doc.blocks if b.kind == "p"]
    if len(texts) < 3:
        return False
    linked = sum(1 for b in texts if b.link_chars >= 0.8 * b.chars)
    return linked >= 0.8 * len(texts)


def _is_notes(doc: Document) -> bool:
    """An endnotes page: most paragraphs link back into the chapters."""
    texts = [b for b in doc.blocks if b.kind == "p"]
    return len(texts) >= 2 and sum(b.backlink for b in texts) >= 0.6 * len(texts)


def _is_copyright(doc: Document) -> bool:
    text = " ".join(b.text for b in doc.blocks)
    return len(text) <= _COPYRIGHT_MAX and _COPYRIGHT_RE.search(text) is not None


def _skip_reason(doc: Document, titles: Sequence[str]) -> str | None:
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


def _readable(docs: Sequence[Document], toc: Toc) -> tuple[list[Document], Toc]:
    """The documents that are part of the story, and the TOC without the others' entries."""
    toc = dict(toc)
    kept: list[Document] = []
    for doc in docs:
        if _skip_reason(doc, [t for t, _ in toc.get(doc.name, [])]) is None:
            kept.append(doc)
        else:
            toc.pop(doc.name, None)
    return kept, toc


# --- titles from the table of contents ----------------------------------------------------


def _norm(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


_SENTENCE_END = frozenset("。！？!?.…")


def _same_heading(block: Block, titles: Sequence[str]) -> bool:
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
    blocks: list[Block]
    from_toc: bool


def _drop_title_blocks(blocks: list[Block], titles: Sequence[str]) -> list[Block]:
    i = 0
    while i < len(blocks) and i < 3 and blocks[i].kind != "break":
        if not _same_heading(blocks[i], titles):
            break
        i += 1
    return blocks[i:]


def _first_heading(blocks: list[Block]) -> tuple[str | None, list[Block]]:
    for i, block in enumerate(blocks[:3]):
        if block.kind == "h":
            return block.text, blocks[:i] + blocks[i + 1 :]
    return None, blocks


def _substantial(blocks: Sequence[Block]) -> bool:
    return _text_size(blocks) >= 300


def _drafts(docs: Sequence[Document], toc: Toc) -> list[_Draft]:
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
    docs: Sequence[Document],
    toc: Toc,
    *,
    source: str,
    info: BookInfo,
) -> Book:
    """Clean the documents' text and shape it into a `Book` (all chapters).

    `docs` are the spine's documents in reading order, `toc` the entries that point
    into them; documents that are not the story are left out here.
    """
    docs, toc = _readable(docs, toc)
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
    drafts: list[_Draft] = []
    for ch in chapters:
        blocks = []
        for p in ch.paragraphs:
            original = draft.blocks[p.line]
            blocks.append(original if original.text == p.text else original._replace(text=p.text))
        title = ch.title if ch.title is not None else (draft.title if not drafts else None)
        drafts.append(_Draft(title, blocks, False))
    return drafts
