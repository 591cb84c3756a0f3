"""Split a chapter's paragraphs into narration, dialogue and pause segments.

Pure text work, no I/O. Quote marks are dropped: a dialogue segment holds the words inside
the quotes, a narration segment the words around them. Every speakable character (letter,
digit, Han) of the chapter lands in exactly one segment, in reading order.

Rules, in the order they apply:

- The book's quote style is chosen first (`detect_style`): the families of marks (“” and "
  together, 「」, 『』, ‘’) that open speech at the top level. Marks of other families are
  ordinary text there and only nest inside an open quote (‘以部門為中心’ inside “…”).
- A quote that is still open at the end of its paragraph continues into the next paragraph
  when that one opens with a quote mark (English convention), or when the next few
  paragraphs carry no marks until one ends with a closing mark and opens none (a speech
  whose middle paragraphs lost their marks). Otherwise it ends with its own paragraph, so an
  unbalanced mark never swallows the rest of a chapter.
- A short quote (≤ 6 Han characters or ≤ 3 English words) in the middle of a sentence, with
  text on both sides and no speech verb before it, is a term in scare quotes: narration.
- Apostrophes (don't, the Bennets' house, 'tis) are never quote marks.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple, TypeAlias

from tts.model import Chapter, Language, Paragraph, Segment
from tts.text import is_speakable

Family = Literal["double", "corner", "wcorner", "single"]

_OPEN: dict[str, Family] = {"“": "double", "「": "corner", "『": "wcorner", "‘": "single"}
_CLOSE: dict[str, Family] = {"”": "double", "」": "corner", "』": "wcorner", "’": "single"}
_STRAIGHT: dict[str, Family] = {'"': "double", "'": "single"}
_CLOSERS: dict[Family, str] = {"double": '”"', "corner": "」", "wcorner": "』", "single": "’'"}
_MARK_RE = re.compile(r"[“”\"「」『』‘’']")

_TERMINAL = frozenset("。！？!?….")
_HAN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")
# A speech verb right before a quote makes even a one-word quote speech: 他說“好”, said "no".
_CUE_BEFORE_RE = re.compile(
    r"(?:[說说道問问答喊吼罵骂嚷]|(?<=[大尖惊驚喊高怪狂])叫|回答|回道|表示|寫著|写着|"
    r"(?<![\w-])(?:said|says|say|asked|asks|ask|replied|answered|cried|shouted|whispered|called|"
    r"added|muttered|murmured|yelled|screamed|told|exclaimed|answer|reply|shout|whisper))"
    r"\s*[,，:：]?\s*$"
)
_SHORT_HAN = 6
_SHORT_WORDS = 3
_SLOGAN_HAN = 20
_LOOKAHEAD = 4
"""How many mark-less paragraphs a speech may run through before its closing mark."""


@dataclass(frozen=True)
class QuoteStyle:
    """Which quote families open speech at the top level of this book."""

    families: frozenset[Family]
    english: bool = False


PieceKind = Literal["narration", "dialogue"]
Piece = tuple[PieceKind, str, bool, bool]
"""A stretch of one paragraph, narration or the words inside one quote: `(kind, text,
continues, open_end)`. `continues`: dialogue that goes on with a speech opened in an earlier
paragraph; `open_end`: dialogue whose speech goes on in the next paragraph."""
Block: TypeAlias = "tuple[int, int, bool, str, *tuple[Piece, ...]]"
"""One paragraph, split: what attribution reads. `(paragraph, line, pause, text, *pieces)`:
the paragraph's index in its chapter, its source line, whether it is a pause (a scene
break), its text, then its pieces in reading order.

Pieces and blocks are plain tuples, and a block holds its pieces itself rather than in a
tuple of its own: a book has 100,000s of them, alive from the split to its last chapter.
Python's cycle collector stops tracking a tuple of plain values at the first young collection
it survives (a block, which holds tuples, at the second) and never walks it again, where it
walks a named tuple at every full collection. Read them by unpacking:
`for paragraph, line, pause, text, *pieces in blocks`."""


class _Scan(NamedTuple):
    spans: tuple[tuple[int, int, bool], ...]
    """Top-level quotes as (content start, content end, closed)."""
    orphan: int | None
    """Index of a top-level closing mark with no opening mark before it."""
    marks: int
    """Active quote marks seen (apostrophes excluded)."""
    opens_first: bool
    """The paragraph starts with an opening mark."""


_PARA_OPEN_RE = re.compile(r"\n[ \t\u3000]*([“\"「『‘])")
"""A quote mark that opens a line, in a text that starts with a newline: the newline comes
first so that the regex engine jumps from line to line (2-3x faster than '^' with re.M)."""
_PARA_APOSTROPHE_RE = re.compile(r"\n[ \t\u3000]*'(.?)")
"""A straight single mark opening a line, and the character after it."""


def detect_style(texts: Iterable[str], language: Language) -> QuoteStyle:
    """The quote families a book uses for speech.

    Speech opens paragraphs, so the marks that open paragraphs decide (nested 『』 or ‘’ rarely
    do); a family opening at least a quarter as many paragraphs as the commonest one counts
    too. Single marks count only where they are the commonest (British style), since
    apostrophes share them. A book with no paragraph-opening marks is judged on all its marks.
    """
    english = language == "en"
    starts: dict[Family, int] = {"double": 0, "corner": 0, "wcorner": 0, "single": 0}
    book = "\n" + "\n".join(texts)
    for mark, n in Counter(_PARA_OPEN_RE.findall(book)).items():
        starts[_OPEN.get(mark) or _STRAIGHT[mark]] += n
    if english:  # 'Tis and 'em open no speech
        starts["single"] += sum(c.isalpha() for c in _PARA_APOSTROPHE_RE.findall(book))
    if any(starts.values()):
        counts = starts
    else:
        counts = {
            "double": book.count("“") + book.count('"') // 2,
            "corner": book.count("「"),
            "wcorner": book.count("『"),
            "single": book.count("‘"),
        }
    top = max(counts.values())
    if top == 0:
        return QuoteStyle(frozenset({"double", "corner"}), english)
    active: set[Family] = {f for f, n in counts.items() if n and n * 4 >= top and f != "single"}
    if counts["single"] == top:
        active.add("single")
    return QuoteStyle(frozenset(active), english)


def _is_apostrophe(text: str, i: int) -> bool:
    prev = text[i - 1] if i else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    return prev.isalnum() and nxt.isalnum()


def _later_closer(text: str, i: int, family: Family) -> bool:
    return any(text.find(c, i + 1) >= 0 for c in _CLOSERS[family])


def _single_opener_ok(text: str, i: int) -> bool:
    """An English single mark opens a quote only before a word, after a space or start."""
    prev = text[i - 1] if i else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if not (prev.isspace() or prev in '([—-“"') or nxt.isspace():
        return False
    return _later_closer(text, i, "single") or i == 0


def _single_closer_ok(text: str, i: int) -> bool:
    """Reject the possessive in "the Bennets' house" when a later closer exists."""
    prev = text[i - 1] if i else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if prev.isspace():
        return False
    if prev in "sS" and nxt == " " and text[i + 2 : i + 3].islower():
        return not _later_closer(text, i, "single")
    return True


_NO_QUOTES = _Scan((), None, 0, False)

_record = tuple.__new__
"""`_record(_Scan, (spans, orphan, marks, opens_first))` is `_Scan(spans, ...)` with every
field given: the same tuple, built in half the time of a NamedTuple's own constructor (a
Python function), for each paragraph of a book."""


def _family_marks(families: frozenset[Family]) -> str:
    """The quote marks of these families, escaped, to put inside a regex character class."""
    chars = [c for c, f in (*_OPEN.items(), *_CLOSE.items(), *_STRAIGHT.items()) if f in families]
    return "".join(sorted(re.escape(c) for c in chars))


@lru_cache(maxsize=32)
def _simple_res(
    families: frozenset[Family],
) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The common case as regexes: a paragraph whose marks are curly double, corner or
    straight double quotes that open and close in turn, never nested; one such quote
    (content in group 1); and that quote or else any mark of these families (group 1 unset),
    to find the first. `_scan_full` reads the other paragraphs the same way, only slower."""
    marks = _family_marks(families)
    other = f"[^{marks}]*"
    pairs = [(o, c) for o, f in _OPEN.items() for c, g in _CLOSE.items() if f == g != "single"]
    pairs = [(o, c) for o, c in pairs if _OPEN[o] in families]
    quotes = [f"{re.escape(o)}{other}{re.escape(c)}" for o, c in pairs]
    opens = "".join(re.escape(o) for o, _ in pairs)
    closes = "".join(re.escape(c) for _, c in pairs)
    if "double" in families:
        # A straight quote opens before anything but a space ('" ' closes, or is an orphan).
        quotes.append(f'"(?!\\s){other}"')
        opens += '"'
        closes += '"'
    if not quotes:
        never = re.compile("(?!x)x")
        return never, never, re.compile(f"[{marks}]")
    whole = re.compile(f"(?:{other}(?:{'|'.join(quotes)}))*{other}")
    quote = f"[{opens}]({other})[{closes}]"
    # The first: any mark, then its quote when it opens one. Opening with the class of all
    # marks lets the engine skip fast to them (`quote|[marks]`, alternatives that each open
    # with a class, is tried at every position of every paragraph); it finds the same.
    first = f"[{marks}](?:(?<=[{opens}])({other})[{closes}])?"
    return whole, re.compile(quote), re.compile(first)


def _scans(paras: Sequence[Paragraph], style: QuoteStyle) -> list[_Scan | None]:
    """The quotes of each paragraph (None for a scene break)."""
    whole_re, quote_re, first_re = _simple_res(style.families)
    whole, quotes, first = whole_re.fullmatch, quote_re.finditer, first_re.search
    out: list[_Scan | None] = []
    append = out.append
    for p in paras:
        if p.scene_break:
            append(None)
            continue
        text = p.text
        m = first(text)  # the first quote, or the first mark where no quote opens
        if m is None:
            append(_NO_QUOTES)
        elif m.lastindex is None or whole(text) is None:
            append(_scan_full(text, style))
        else:
            if m.end() == len(text):  # one quote, ending the paragraph
                spans: tuple[tuple[int, int, bool], ...] = ((m.start(1), m.end(1), True),)
            else:
                spans = tuple([(m.start(1), m.end(1), True) for m in quotes(text)])
            opens_first = not text[: spans[0][0] - 1].strip()
            append(_record(_Scan, (spans, None, 2 * len(spans), opens_first)))
    return out


def _scan_full(text: str, style: QuoteStyle) -> _Scan:
    stack: list[tuple[Family, int]] = []
    spans: list[tuple[int, int, bool]] = []
    orphan: int | None = None
    marks = 0
    opens_first = False
    first = True
    for m in _MARK_RE.finditer(text):
        ch = m.group()
        i = m.start()
        family = _OPEN.get(ch) or _CLOSE.get(ch) or _STRAIGHT[ch]
        if family not in style.families:
            continue
        if family == "single" and _is_apostrophe(text, i):
            continue
        if ch in _OPEN:
            role = "open"
            if stack and stack[-1][0] == family and not _later_closer(text, i, family):
                role = "close"  # a closer typed the wrong way round: “…。“他說。
        elif ch in _CLOSE:
            role = "close"
            if not stack and _later_closer(text, i, family) and not text[i + 1 : i + 2].isspace():
                role = "open"  # an opener typed the wrong way round
        else:
            inside = any(f == family for f, _ in stack)
            role = "close" if inside else "open"
            if role == "open" and i + 1 < len(text) and text[i + 1].isspace():
                role = "close"
        if family == "single" and style.english:
            if role == "open" and not _single_opener_ok(text, i):
                continue
            if role == "close" and not _single_closer_ok(text, i):
                continue
        marks += 1
        if first:
            opens_first = role == "open" and not text[:i].strip()
            first = False
        if role == "open":
            stack.append((family, i))
            continue
        if any(f == family for f, _ in stack):
            while stack:
                f, start = stack.pop()
                if f == family:
                    break
            if not stack:
                spans.append((start + 1, i, True))
        elif not stack and orphan is None and not spans:
            orphan = i
    if stack:
        spans.append((stack[0][1] + 1, len(text), False))
    return _Scan(tuple(spans), orphan, marks, opens_first)


def _is_scare_quote(text: str, start: int, end: int) -> bool:
    """A short quoted term inside a narration sentence (…的“一網通辦”其實…, the "reform" was)."""
    b = start - 2  # the character before the opening mark, spaces skipped
    while b >= 0 and text[b] == " ":
        b -= 1
    a = end + 1  # the character after the closing mark
    while a < len(text) and text[a] == " ":
        a += 1
    if b < 0 or a >= len(text) or end - start > 40:
        return False
    if not text[b].isalnum() or not (text[a].isalnum() or text[a] in "，、,;；"):
        return False
    content = text[start:end].strip()
    if not content or content[-1] in _TERMINAL or content[-1] in ",，":
        return False
    han = len(_HAN_RE.findall(content))
    if text[a] == "的" and han <= _SLOGAN_HAN:
        pass  # …提出了“让数据多跑路，群众少跑腿”的口号: a quoted slogan used as a noun
    elif han > _SHORT_HAN or len(_WORD_RE.findall(content)) > _SHORT_WORDS:
        return False
    return _CUE_BEFORE_RE.search(text, max(0, b - 11), b + 1) is None


def _narration(text: str) -> Piece | None:
    text = text.strip().lstrip("，,、；;").strip()
    # A letter or digit first is the common case: no need to look further.
    if text[:1].isalnum() or is_speakable(text):
        return ("narration", text, False, False)
    return None


def _dialogue(text: str, continues: bool = False, open_end: bool = False) -> Piece | None:
    text = text.strip()
    if text[:1].isalnum() or is_speakable(text):
        return ("dialogue", text, continues, open_end)
    return None


def _block(
    i: int,
    line: int,
    text: str,
    spans: Sequence[tuple[int, int, bool]],
    continues_first: bool,
    open_last: bool,
) -> Block:
    """Paragraph `i` (source line `line`) as narration and dialogue pieces, from its quote
    spans."""
    if len(spans) == 1:
        start, end, closed = spans[0]
        if start == 1 and end >= len(text) - 1:  # a quote and nothing else
            piece = _dialogue(text[1:end], continues_first, open_last and not closed)
            return (i, line, False, text) if piece is None else (i, line, False, text, piece)
    elif not spans:
        piece = _narration(text)
        return (i, line, False, text) if piece is None else (i, line, False, text, piece)
    out: list[Piece] = []
    pos = 0
    last = len(spans) - 1
    for n, (start, end, closed) in enumerate(spans):
        if closed and not (n == 0 and continues_first) and _is_scare_quote(text, start, end):
            continue
        if start - 1 > pos:  # no narration piece to make between adjacent marks
            piece = _narration(text[pos : start - 1])
            if piece is not None:
                out.append(piece)
        piece = _dialogue(
            text[start:end],
            continues_first and n == 0,
            open_last and n == last and not closed,
        )
        if piece is not None:
            out.append(piece)
        pos = end + 1 if closed else len(text)
    if pos < len(text):
        piece = _narration(text[pos:])
        if piece is not None:
            out.append(piece)
    return (i, line, False, text, *out)


def split_chapter(chapter: Chapter, style: QuoteStyle) -> list[Block]:
    """Each paragraph of a chapter split into pieces, with speeches linked across paragraphs."""
    paras = chapter.paragraphs
    scans = _scans(paras, style)
    blocks: list[Block] = []
    continues = False  # the current paragraph's first quote carries on a speech
    through = 0  # paragraphs left that sit wholly inside a speech (mark-less middle)
    for i, para in enumerate(paras):
        scan = scans[i]
        if scan is None:
            blocks.append((i, para.line, True, para.text))
            continues = False
            through = 0
            continue
        if through:
            through -= 1
            blocks.append(_inside_speech_block(i, para, scan, last=through == 0))
            continues = False
            continue
        if scan is _NO_QUOTES:  # narration alone, the commonest paragraph
            piece = _narration(para.text)
            if piece is None:
                blocks.append((i, para.line, False, para.text))
            else:
                blocks.append((i, para.line, False, para.text, piece))
            continues = False
            continue
        spans = scan.spans
        if continues and not scan.opens_first and scan.orphan is None:
            continues = False
        unclosed = bool(spans) and not spans[-1][2]
        open_end = False
        if unclosed:
            nxt = scans[i + 1] if i + 1 < len(paras) else None
            if nxt is not None and nxt.opens_first:
                open_end = True
            else:
                run = _markless_run(scans, i + 1)
                if run:
                    open_end = True
                    through = run
        blocks.append(_block(i, para.line, para.text, spans, continues, open_end))
        continues = open_end and not through
    return blocks


def _markless_run(scans: list[_Scan | None], start: int) -> int:
    """Paragraphs from `start` through the one that closes an open speech, or 0."""
    for j in range(start, min(start + _LOOKAHEAD, len(scans))):
        scan = scans[j]
        if scan is None:
            return 0
        if scan.marks == 0:
            continue
        if scan.orphan is not None and not scan.spans and scan.marks == 1:
            return j - start + 1
        return 0
    return 0


def _inside_speech_block(i: int, para: Paragraph, scan: _Scan, last: bool) -> Block:
    text = para.text
    if last and scan.orphan is not None:
        pieces = [
            _dialogue(text[: scan.orphan], continues=True),
            _narration(text[scan.orphan + 1 :]),
        ]
    else:
        pieces = [_dialogue(text, continues=True, open_end=True)]
    return (i, para.line, False, text, *(p for p in pieces if p is not None))


_new = object.__new__
_set = object.__setattr__


def _segment(
    chapter: int,
    index: int,
    kind: str,
    text: str,
    paragraph: int,
    line: int,
    speaker: str | None = None,
    confidence: float | None = None,
    method: str | None = None,
) -> Segment:
    """`Segment(...)`, built without the frozen dataclass's nine guarded attribute sets: the
    same record (equal, same hash), at a third of the cost, for the 100,000s of a book."""
    seg = _new(Segment)
    _set(
        seg,
        "__dict__",
        {
            "chapter": chapter,
            "index": index,
            "kind": kind,
            "text": text,
            "paragraph": paragraph,
            "line": line,
            "speaker": speaker,
            "confidence": confidence,
            "method": method,
        },
    )
    return seg


def segments_from_blocks(
    chapter: Chapter,
    blocks: Iterable[Block],
    speakers: Iterable[tuple[str | None, float, str]] = (),
) -> list[Segment]:
    """The chapter's segments in reading order (heading first), indexed from 0.

    `speakers` gives (speaker, confidence, method) for each dialogue piece in order.
    """
    out: list[Segment] = []
    number = chapter.number
    if chapter.title and chapter.title.strip():
        line = chapter.heading_line or (chapter.paragraphs[0].line if chapter.paragraphs else 1)
        out.append(_segment(number, 0, "heading", chapter.title.strip(), -1, line))
    who = iter(speakers)
    append = out.append
    new, set_dict, record = _new, _set, Segment
    index = len(out)
    # `_segment` written out: a book has 100,000s of segments.
    for block in blocks:
        if block[2]:
            append(_segment(number, index, "pause", block[3], block[0], block[1]))
            index += 1
            continue
        paragraph, line = block[0], block[1]
        for kind, words, _, _ in block[4:]:
            if kind == "dialogue":
                speaker, confidence, method = next(who, _NO_ONE)
            else:
                speaker = confidence = method = None
            seg = new(record)
            set_dict(
                seg,
                "__dict__",
                {
                    "chapter": number,
                    "index": index,
                    "kind": kind,
                    "text": words,
                    "paragraph": paragraph,
                    "line": line,
                    "speaker": speaker,
                    "confidence": confidence,
                    "method": method,
                },
            )
            append(seg)
            index += 1
    return out


_NO_ONE = (None, None, None)


def segment_chapter(
    chapter: Chapter, language: Language, style: QuoteStyle | None = None
) -> list[Segment]:
    """Heading, narration, dialogue and pause segments of one chapter, in reading order.

    `style` is the book's quote style (see `detect_style`); without it the chapter's own
    marks decide.
    """
    if style is None:
        style = detect_style((p.text for p in chapter.paragraphs), language)
    return segments_from_blocks(chapter, split_chapter(chapter, style))
