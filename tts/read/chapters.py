"""Chapter headings: recognise them and split a book's paragraphs into chapters.

Pure functions over text. A heading may be fused with the chapter's first
sentence on one line (`第122章 上頭來人，央視採訪寒暄過後…`); `split_heading`
separates the two so the sentence is read as narration, not as the title.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tts.model import Chapter, Paragraph

_ZH_NUMERAL = "0-9０-９零〇一二三四五六七八九十百千萬万两兩壹贰貳叁參肆伍陆陸柒捌玖拾佰仟"
_ZH_UNIT = "章回節节卷部集篇幕話话"
_ZH_UNIT_FUSABLE = "章節节"
"""Units a title may follow without a space ('第3章風起'); other units need one."""
_ZH_SEPARATOR = "\\s\u3000：:、.．·—-"
_ZH_NOT_AFTER_UNIT = (
    "回合|回事|回家|回來|回来|回去|回頭|回头|回答|節課|节课|部分|部門|部门|部隊|部队|集團|集团|集中"
    "|集合|篇文|卷子|話說|话说"
)
"""Words starting with a unit character: '第一回合' is a round of a fight, not chapter one."""

_ZH_NUMBERED_RE = re.compile(
    f"(?:第[{_ZH_NUMERAL}]+(?!{_ZH_NOT_AFTER_UNIT})[{_ZH_UNIT}]|卷[{_ZH_NUMERAL}]+(?![{_ZH_UNIT}]))"
)
_ZH_NAMED_RE = re.compile(
    "(?:序章|序幕|序言|序|楔子|引子|引言|前言|番外(?:篇)?[0-9０-９一二三四五六七八九十]*|尾聲|尾声"
    "|後記|后记|終章|终章|完本感言|最終章|最终章)"
    f"(?=[{_ZH_SEPARATOR}]|$)"
)
_ZH_TITLE_END = '，,。：:！!？?；;“”"「」『』（(…'
_ZH_PROSE_END = "。！？!?：:”」…"
"""A line ending like this is a sentence; titles end without punctuation."""
_ZH_PARTICLES = "的是了就也都在和與与被把說说中裡里後后前裏"
"""Words that follow '第三章' in a sentence about a chapter, never in a title."""
_ZH_MIN_FUSED = 4
"""Fewer characters after the title's comma are part of the title ('第5章 你好，世界')."""

_EN_NUMBER = (
    r"\d+|[ivxlcdm]+\b|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
    r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty(?:[- ]\w+)?|thirty(?:[- ]\w+)?"
    r"|forty(?:[- ]\w+)?|fifty(?:[- ]\w+)?|the\s+(?:first|second|third|fourth|fifth|sixth|seventh"
    r"|eighth|ninth|tenth|eleventh|twelfth|\w+teenth|\w+ieth|last)"
)
_EN_NUMBERED_RE = re.compile(
    rf"(?:chapter|chap\.|part|book|volume|vol\.)\s+(?:{_EN_NUMBER})\b\.?"
    r"(?P<title>\s*[:.\-–—]\s*\S.*|\s+(?-i:[A-Z\"“'‘(\[]).*)?",
    re.IGNORECASE,
)
_EN_NAMED_RE = re.compile(
    r"(?:prologue|epilogue|preface|foreword|introduction|interlude|afterword|appendix"
    r"|author'?s note)\b\.?(?P<title>\s*[:.\-–—]\s*\S.*)?",
    re.IGNORECASE,
)
_MARKDOWN_RE = re.compile(r"#{1,6}[ \t]+(?P<title>\S.*?)[ \t#]*")
_EN_MAX_HEADING = 80
_ZH_MAX_HEADING = 30
_ZH_MAX_TITLE = 15


def _split_zh(text: str) -> tuple[str, str] | None:
    m = _ZH_NUMBERED_RE.match(text) or _ZH_NAMED_RE.match(text)
    if m is None:
        return None
    label = m.group()
    after = text[m.end() :]
    sep = len(after) - len(after.lstrip(_ZH_SEPARATOR.replace("\\s", " \t")))
    rest = after[sep:]
    if not rest:
        return label, ""
    cut = next((i for i, ch in enumerate(rest) if ch in _ZH_TITLE_END), len(rest))
    if not sep and (
        label[-1] not in _ZH_UNIT_FUSABLE or rest[0] in _ZH_PARTICLES or cut < len(rest)
    ):
        # '第一部手機…', '第三章的內容，…': a sentence that mentions a chapter.
        return None
    if cut == len(rest):
        # No punctuation: the whole line is the title when it is heading-sized.
        if len(text) <= _ZH_MAX_HEADING:
            return text.rstrip(), ""
        return None
    title, body = rest[:cut].rstrip(), rest[cut:]
    words = len(body.strip(_ZH_TITLE_END + " \u3000"))
    ends_like_prose = text[-1] in _ZH_PROSE_END
    if len(text) <= _ZH_MAX_HEADING and not (ends_like_prose and words >= _ZH_MIN_FUSED):
        # A short heading with punctuation in its title: '第5章 你好，世界'.
        return text.rstrip(), ""
    if cut > _ZH_MAX_TITLE or body[0] in '“”"「」『』（(…':
        return None
    # Fused: '第122章 上頭來人，央視採訪寒暄過後，王主任直入主題：'
    heading = label if not title else f"{label}{after[:sep] or ' '}{title}".strip()
    return heading, body.lstrip("，,。：:；; \u3000")


def _split_en(text: str) -> tuple[str, str] | None:
    if len(text) > _EN_MAX_HEADING:
        return None
    m = _MARKDOWN_RE.fullmatch(text)
    if m is not None:
        return m.group("title"), ""
    m = _EN_NUMBERED_RE.fullmatch(text) or _EN_NAMED_RE.fullmatch(text)
    if m is None:
        return None
    title = m.group("title")
    if title is not None:
        words = title.strip(" :.-–—")
        if words.endswith(",") or (words.count(" ") >= 8 and words.endswith(".")):
            return None  # reads as a sentence, not a title
    return text.strip(), ""


_ZH_FIRST = "第卷序楔引番尾後后終终完最"
_EN_FIRST = "#CcPpBbVvEeFfIiAa"
HEADING_STARTS = frozenset(_ZH_FIRST + _EN_FIRST)
"""The characters a heading starts with (after any whitespace)."""


def split_heading(text: str) -> tuple[str, str] | None:
    """(heading, rest of the line) when `text` starts with a chapter heading, else None.

    `rest` is '' for a heading on its own line, or the first sentence of the
    chapter when the heading is fused with it.
    """
    text = text.strip()
    if not text:
        return None
    first = text[0]
    if first in _ZH_FIRST:
        return _split_zh(text)
    if first in _EN_FIRST:
        return _split_en(text)
    return None


def is_heading(text: str) -> bool:
    """True when the whole of `text` is a chapter heading (or a heading fused with a sentence)."""
    return split_heading(text) is not None


_TITLE_STOP_WORDS = frozenset("a an and as at by for from in into of on or the to with".split())
_EN_TITLE_END = ".!?,;:"


def _name_line(heading: str, following: Paragraph) -> str | None:
    """The heading with its name when a bare 'CHAPTER I.' is followed by 'THE LAMP'.

    Only a bare numbered heading takes a name, and only from a short line that
    reads as a title: no sentence punctuation, capitalised words (English), or
    at most 15 characters without punctuation (Chinese).
    """
    text = following.text.strip()
    if following.scene_break or not text:
        return None
    if _ZH_NUMBERED_RE.fullmatch(heading):
        if len(text) <= _ZH_MAX_TITLE and not any(ch in _ZH_TITLE_END + "。、" for ch in text):
            return f"{heading} {text}"
        return None
    m = _EN_NUMBERED_RE.fullmatch(heading)
    if m is None or m.group("title") is not None or len(text) > 60:
        return None
    words = text.rstrip(".").split()
    if not words or any(ch in _EN_TITLE_END for ch in text.rstrip(".")):
        return None
    capital = [w for w in words if w[0].isupper() or not w[0].isalpha()]
    small = [w for w in words if w.lower() in _TITLE_STOP_WORDS]
    if text.isupper() or (words[0][0].isupper() and len(capital) + len(small) >= len(words)):
        separator = " " if heading.endswith((".", ":")) else ": "
        return f"{heading}{separator}{text}"
    return None


_TOC_RUN = 3
"""This many headings in a row with nothing between them are a table of contents."""


def split_chapters(paragraphs: list[Paragraph] | tuple[Paragraph, ...]) -> list[Chapter]:
    """Group paragraphs into chapters at each heading.

    Text before the first heading becomes chapter 1 without a title; a book
    without headings is one untitled chapter. A table of contents (a run of
    headings with no text between) stays in the text as ordinary paragraphs,
    so no words are lost.
    """
    paragraphs = list(paragraphs)
    heads: list[tuple[str, str] | None] = [
        None if p.scene_break else split_heading(p.text) for p in paragraphs
    ]
    # A run of bare headings is a table of contents, not chapter starts.
    bare = [head is not None and not head[1] for head in heads]
    i = 0
    while i < len(heads):
        if bare[i]:
            j = i
            while j < len(heads) and bare[j]:
                j += 1
            if j - i >= _TOC_RUN:
                # The last heading of the run opens the first real chapter when text follows.
                last = j - 1 if j < len(heads) else j
                for k in range(i, last):
                    heads[k] = None
            i = j
        else:
            i += 1

    chapters: list[Chapter] = []
    title: str | None = None
    heading_line: int | None = None
    body: list[Paragraph] = []
    started = False

    def close() -> None:
        if started or body:
            chapters.append(
                Chapter(
                    number=len(chapters) + 1,
                    title=title,
                    paragraphs=tuple(body),
                    heading_line=heading_line,
                )
            )

    skip = False
    for i, (paragraph, head) in enumerate(zip(paragraphs, heads, strict=True)):
        if skip:
            skip = False
            continue
        if head is None:
            body.append(paragraph)
            continue
        close()
        started = True
        title, rest = head
        heading_line = paragraph.line
        body = [replace(paragraph, text=rest)] if rest else []
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        if not rest and following is not None and heads[i + 1] is None:
            named = _name_line(title, following)
            if named is not None:
                title, skip = named, True
    close()
    if not chapters:
        chapters.append(Chapter(number=1, title=None, paragraphs=()))
    return chapters
