"""Pure text repair: glyph swaps, invisible characters, scraping boilerplate.

Every fixer takes a string and returns the fixed string (and, where the user
cares, how much it changed). No I/O apart from reading the packaged glyph map
once. `clean_text` runs them all and says what it did, in the spirit of
ftfy's `fix_and_explain`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

# --- character classes -------------------------------------------------------

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
"""Han ideographs (CJK unified, extension A-G, compatibility)."""
CJK_PUNCT = "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\ufe10-\ufe4f"
"""CJK punctuation and full-width forms (no ideographic space, no full-width letters)."""
HANGUL_SYLLABLE = "\uac00-\ud7a3"
CJK_JOINING = f"{HAN}\u3000-\u303f\uff00-\uffef“”‘’…—"
"""Characters that join across a line break without a space (Han, CJK punctuation, full-width
forms, curly quotes, ellipsis, dash): a line wrapped between two of them had no space there."""

_HAN_RE = re.compile(f"[{HAN}]")
_HAN_RUN_RE = re.compile(f"[{HAN}]+")
_CJK_PUNCT_RE = re.compile(f"[{CJK_PUNCT}]")
_HANGUL_RE = re.compile(f"[{HANGUL_SYLLABLE}]")
_HANGUL_RUN_RE = re.compile(f"[{HANGUL_SYLLABLE}]+")


_INVISIBLE_BMP = (
    # format characters (Unicode category Cf): soft hyphen, zero-width space/joiners,
    # bidi marks and isolates, word joiner, BOM, interlinear annotation
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    # C0 and C1 controls except tab and newline
    "\x00-\x08\x0b-\x1f\x7f-\x9f"
)
_INVISIBLE = (
    _INVISIBLE_BMP
    # format characters beyond the BMP (Kaithi, Egyptian hieroglyph and shorthand format
    # controls, musical symbol beams and slurs), tag characters
    + "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)

# A pattern that starts with a plain character class lets the regex engine skip ahead to the
# characters that can start a match; one that starts with a repeat ('[…]+', '[…]?') tries
# every position in turn, several times slower over a whole book. Patterns run over a whole
# book therefore spell '[…]+' as '[…][…]*' (the same matches).
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}][{_INVISIBLE}]*")
_MAYBE_INVISIBLE_RE = re.compile(f"[{_INVISIBLE_BMP}\U00010000-\U0010ffff]")
"""An invisible character or any character beyond the BMP: one pass at half the cost of
_INVISIBLE_RE (whose ranges beyond the BMP are tested one by one) finds most books clean."""


# --- glyph map -----------------------------------------------------------------


@lru_cache(maxsize=1)
def glyph_map() -> Mapping[str, str]:
    """Hangul syllable -> the Han character a reading site drew with it (read once)."""
    text = resources.files("tts").joinpath("data/hangul-glyph-map.tsv").read_text("utf-8")
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        # comment lines and the 'hangul han codepoint' header have no one-character pair
        if len(fields) >= 2 and len(fields[0]) == 1 and len(fields[1]) == 1:
            pairs[fields[0]] = fields[1]
    return MappingProxyType(pairs)


@lru_cache(maxsize=1)
def _glyph_table() -> dict[int, str]:
    return {ord(k): v for k, v in glyph_map().items()}


_MAX_SWAPPED_RUN = 4
"""Longer runs of Hangul are Korean words, never swapped Han."""
_CONTEXT = 24
"""Characters on each side looked at when the neighbours alone do not decide."""


@lru_cache(maxsize=1)
def _mapped_run_re() -> re.Pattern[str]:
    """A short run of Hangul syllables that are all in the glyph map."""
    hangul = f"[{''.join(sorted(glyph_map()))}]"
    return re.compile(f"{hangul}{hangul}{{0,{_MAX_SWAPPED_RUN - 1}}}")


def _is_han(ch: str) -> bool:
    return bool(ch) and (
        "\u4e00" <= ch <= "\u9fff"
        or "\u3400" <= ch <= "\u4dbf"
        or "\uf900" <= ch <= "\ufaff"
        or "\U00020000" <= ch <= "\U0003134f"
    )


def _is_hangul(ch: str) -> bool:
    return bool(ch) and "\uac00" <= ch <= "\ud7a3"


def _is_chinese_neighbour(ch: str) -> bool:
    return bool(_HAN_RE.match(ch) or _CJK_PUNCT_RE.match(ch))


def _window_is_chinese(text: str, start: int, end: int) -> bool:
    """More Han than Hangul around text[start:end]: the run sits in Chinese text."""
    left = text[max(0, start - _CONTEXT) : start]
    right = text[end : end + _CONTEXT]
    window = left + right
    han = sum(map(len, _HAN_RUN_RE.findall(window)))
    hangul = sum(map(len, _HANGUL_RUN_RE.findall(window)))
    return han >= 2 and han > 2 * hangul


def repair_glyphs(text: str) -> tuple[str, int]:
    """Undo Hangul-for-Han swaps inside Chinese text; return the text and the count.

    A run of Hangul syllables is repaired only when every syllable is in the map,
    the run is short, and it sits in Chinese: a Han neighbour, or CJK punctuation
    or Chinese text around it. Korean words and sentences are left alone.
    """
    table = _glyph_table()
    if not _HANGUL_RE.search(text) or not _HAN_RE.search(text):
        return text, 0  # no Hangul, or no Chinese anywhere (then all Hangul is Korean)
    fast = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal fast
        start, end = m.span()
        before = source[start - 1] if start else ""
        after = source[end : end + 1]
        if _is_hangul(before) or _is_hangul(after) or not (_is_han(before) or _is_han(after)):
            return m.group()
        fast += end - start
        return m.group().translate(table)

    # Most swaps sit right next to a Han character: one regex pass repairs them.
    source = text
    text = _mapped_run_re().sub(swap, text)
    if not _HANGUL_RE.search(text):
        return text, fast
    count = 0
    pieces: list[str] = []
    last = 0
    n = len(text)
    for m in _mapped_run_re().finditer(text):
        run = m.group()
        start, end = m.span()
        before = text[start - 1] if start else ""
        after = text[end] if end < n else ""
        if _is_hangul(before) or _is_hangul(after):
            continue  # part of a longer Hangul word
        if not _HAN_RE.search(text, max(0, start - _CONTEXT), end + _CONTEXT):
            continue  # no Chinese nearby
        if _is_chinese_neighbour(before) or _is_chinese_neighbour(after):
            chinese = _window_is_chinese(text, start, end) or (
                not _HANGUL_RUN_RE.search(text, max(0, start - _CONTEXT), start)
                and not _HANGUL_RUN_RE.search(text, end, end + _CONTEXT)
            )
        else:
            chinese = _window_is_chinese(text, start, end)
        if chinese:
            pieces.append(text[last:start])
            pieces.append(run.translate(table))
            last = end
            count += len(run)
    if not count:
        return text, fast
    pieces.append(text[last:])
    return "".join(pieces), fast + count


# --- invisible characters ------------------------------------------------------


def strip_invisible_count(text: str) -> tuple[str, int]:
    """Remove zero-width characters, stray BOMs, soft hyphens, bidi marks, controls."""
    if _MAYBE_INVISIBLE_RE.search(text) is None:
        return text, 0
    removed = 0

    def drop(m: re.Match[str]) -> str:
        nonlocal removed
        removed += len(m.group())
        return ""

    return _INVISIBLE_RE.sub(drop, text), removed


def strip_invisible(text: str) -> str:
    """`strip_invisible_count` without the count."""
    return _INVISIBLE_RE.sub("", text)


# --- spacing and punctuation -----------------------------------------------------

_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_CJK_OPEN = "“‘「『（《【〈"
_CJK_CLOSE = "”’」』）》】〉"
_HALF = ",:;?!"


@lru_cache(maxsize=1)
def _half_punct_re() -> re.Pattern[str]:
    """A half-width mark to turn full-width, with the spaces around it (compiled on first
    use: it takes milliseconds, and most books never need it)."""
    # The mark comes first and its left neighbour is checked by a lookbehind after it,
    # so the regex engine need not try a lookbehind at every position.
    return re.compile(
        f"[ \t]?([{_HALF}])(?:(?<=[{HAN}][{_HALF}])|(?<=[{HAN}][ \t][{_HALF}]))"
        f"[ \t]*(?=[{HAN}{_CJK_OPEN}{_CJK_CLOSE}]|$)"
        f"|([{_HALF}])(?<=[{_CJK_CLOSE}][{_HALF}])[ \t]*(?=[{HAN}])",
        re.MULTILINE,
    )


_INDENT_RE = re.compile("^[\u3000 \t]+", re.MULTILINE)
_TRAILING_RE = re.compile("[\u3000 \t]+$", re.MULTILINE)


def normalize_punctuation(text: str) -> tuple[str, int]:
    """Turn half-width , : ; ? ! that sit between Han characters into full-width forms.

    Scraped Chinese mixes '，' and ','; one form lets later stages split clauses
    and find speech tags reliably. English text is never touched: a mark must
    follow a Han character (or a CJK closing bracket followed by Han).
    """
    if not any(mark in text for mark in _HALF) or not _HAN_RE.search(text):
        return text, 0  # every change puts a half-width mark next to a Han character
    count = 0

    def full(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return _FULL_WIDTH[m.group(1) or m.group(2)]

    return _half_punct_re().sub(full, text), count


def strip_indentation(text: str) -> str:
    """Remove spaces and full-width spaces at the start and end of every line."""
    return _TRAILING_RE.sub("", _INDENT_RE.sub("", text))


# --- scene breaks ------------------------------------------------------------------

_SCENE_BREAK_RE = re.compile(
    r"(?:[.．。·・•]{3,}|[…⋯]+|[*＊✱✲]{3,}|[—―─━]{2,}|[-–－]{3,}|[~～〜]{3,}"
    r"|[◆◇■□●○★☆♦♢❖◎※§]{1,}|[#＃]{3,}|[=＝]{3,}|[_＿]{3,}|[+＋]{3,})"
)
SCENE_BREAK_STARTS = frozenset(".．。·・•…⋯*＊✱✲—―─━-–－~～〜◆◇■□●○★☆♦♢❖◎※§#＃=＝_＿+＋")
"""The characters a scene break starts with (after any whitespace)."""
_SPACES_RE = re.compile(r"[\s\u3000]+")


def is_scene_break(line: str) -> bool:
    """A line that only marks a cut in the scene: '......', '***', '* * *', '——', '◆◆◆'."""
    stripped = line.strip()
    if not stripped or len(stripped) > 80 or stripped[0] not in SCENE_BREAK_STARTS:
        return False
    compact = _SPACES_RE.sub("", stripped)
    if not compact or len(compact) > 40:
        return False
    return _SCENE_BREAK_RE.fullmatch(compact) is not None


# --- site notices ------------------------------------------------------------------

_TLDS = "com|net|org|cc|info|tw|cn|xyz|top|vip|biz"
_URL_RE = re.compile(
    r"(?i:https?://|www\.)[^\s\u3000，。、）)」』\]]+"
    rf"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b"
    r"(?:/[^\s\u3000，。]*)?"
)
_URL_HINT_RE = re.compile(rf"://|w\.|W\.|\.(?:{_TLDS})")
"""What every URL holds: '://', 'www.' (so 'w.' or 'W.') or a dot before a known domain."""

_NOTICE_STARTS_ZH = (
    "本章未完|點擊下一頁|点击下一页|請記住本站|请记住本站|手機版閱讀網址|手机版阅读网址"
    "|天才一秒|一秒記住|一秒记住|本書首發|本书首发|最新章節請|最新章节请|最新章節地址|最新章节地址"
    "|最新網址|最新网址|章節錯誤|章节错误|本章完|未完待續|未完待续|全本小說|全本小说"
    "|章節報錯|章节报错|看書福利|看书福利"
)
_NOTICE_PREFIX_RE = re.compile(
    rf"^[\s\u3000(（【\[「『]*(?:{_NOTICE_STARTS_ZH}"
    r"|read the latest chapter|read latest chapter|read more chapters at"
    r"|this chapter is (?:updated|brought|translated)|the source of this (?:content|chapter)"
    r"|new novel chapters are published|if you find any errors \(|tip: you can use left"
    r")",
    re.IGNORECASE,
)
"""Phrases that start a notice and mean nothing else at the start of a paragraph."""

_NOTICE_SOFT_STARTS_ZH = "溫馨提示|温馨提示|提示|公告|通知|友情提示|求收藏|求月票|求推薦|求推荐"
_NOTICE_SOFT_PREFIX_RE = re.compile(
    rf"^[\s\u3000(（【\[「『]*(?:{_NOTICE_SOFT_STARTS_ZH}"
    r"|visit|please visit|bookmark|support us|note|find (?:more|the latest))",
    re.IGNORECASE,
)
"""Phrases that start a notice only when notice vocabulary or a URL follows."""

_NOTICE_WORDS_ZH = (
    "網站|网站|改版|收藏|書架|书架|書籤|书签|閱讀記錄|阅读记录|閱讀進度|阅读进度|最新章節|最新章节"
    "|域名|網址|网址|手機版|手机版|本站|點擊|点击|下一頁|下一页|繼續閱讀|继续阅读|首發|首发"
    "|推薦票|推荐票|月票|訂閱|订阅|免費閱讀|免费阅读|廣告|广告|截圖|截图|敬請諒解|敬请谅解"
    "|彈窗|弹窗|客戶端|客户端|小說網|小说网|筆趣閣|笔趣阁|加入書籤|加入书签|閱讀|阅读|更新|章節|章节"
)
_NOTICE_WORDS_RE = re.compile(_NOTICE_WORDS_ZH)
_NOTICE_WORDS_EN_RE = re.compile(
    r"\b(?:app|website|site|bookmark|chapters?|novels?|updates?|read|patreon|discord|translat\w*"
    r"|free)\b",
    re.IGNORECASE,
)
_DIALOGUE_RE = re.compile('[“”「」"]')
_BRACKETED_WORD_RE = re.compile(
    r"[「【\[]\s*(?:書架|书架|閱讀記錄|阅读记录|書籤|书签|收藏)\s*[」】\]]"
)

_NAV_SEPARATORS = r"[\s\u3000|｜/\\←→<>《》【】()（）\[\]·.、,，:：_-]*"
_NAV_WORDS_ZH = (
    "上一章|下一章|上一頁|下一頁|上一页|下一页|章節目錄|章节目录|目錄|目录"
    "|返回書頁|返回书页|返回目錄|返回目录|加入書籤|加入书签|投推薦票|投推荐票|書架|书架|快捷鍵|快捷键"
)
_NAV_RE = re.compile(
    f"(?:{_NAV_SEPARATORS}(?:{_NAV_WORDS_ZH}"
    "|previous chapter|next chapter|prev chapter|table of contents|chapter list|previous|prev|next"
    f"|index|toc){_NAV_SEPARATORS}){{2,}}",
    re.IGNORECASE,
)
"""A site's navigation bar: 'Previous Chapter | TOC | Next Chapter', '上一章←目錄→下一章'."""

CASED_ASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\u0130\u0131\u017f\u212a"
"""Every letter that re.IGNORECASE matches with an ASCII letter: A-Z, a-z, İ, ı, ſ, K (Kelvin)."""
_NOTICE_HINT_RE = re.compile(
    "|".join(
        [_NOTICE_STARTS_ZH, _NOTICE_SOFT_STARTS_ZH, _NOTICE_WORDS_ZH, _NAV_WORDS_ZH, *CASED_ASCII]
    )
)
"""What every notice holds: a Chinese notice word, or a letter that can spell an English one.
One search rejects almost every story paragraph of a Chinese book (each alternative starts
with a plain character, so the regex engine skips ahead to candidates)."""

_NOTICE_MAX_LEN = 240


def _notice_density(text: str) -> tuple[int, int]:
    words = _NOTICE_WORDS_RE.findall(text) + _NOTICE_WORDS_EN_RE.findall(text)
    return len({w.lower() for w in words}), sum(map(len, words))


def is_site_notice(paragraph: str) -> bool:
    """A reading site's notice or ad, not part of the story.

    Decided by shape: short, starting with a notice phrase or dense in notice
    vocabulary, or mostly a URL. A story sentence that merely mentions a
    website or the latest chapter is never a notice.
    """
    text = paragraph.strip()
    if not text or len(text) > _NOTICE_MAX_LEN or _NOTICE_HINT_RE.search(text) is None:
        return False
    compact = text if " " not in text else text.replace(" ", "")
    urls = _URL_RE.findall(text) if _URL_HINT_RE.search(text) else []
    url_chars = sum(len(u) for u in urls)
    if urls and url_chars >= 0.5 * len(compact):
        return True
    if len(text) <= 80 and _NAV_RE.fullmatch(text):
        return True
    if _NOTICE_PREFIX_RE.match(text):
        return len(compact) <= 120 or bool(urls) or _notice_density(text)[0] >= 1
    if _NOTICE_SOFT_PREFIX_RE.match(text):
        return bool(urls) or _notice_density(text)[0] >= 2 or bool(_BRACKETED_WORD_RE.search(text))
    if _DIALOGUE_RE.search(text) or (len(compact) > 80 and not urls):
        return False
    distinct, word_chars = _notice_density(text)
    if urls and distinct >= 1 and len(compact) <= 80:
        return True
    if _BRACKETED_WORD_RE.search(text) and distinct >= 2:
        return True
    if len(compact) <= 20 and _NOTICE_WORDS_RE.search(text):
        # Nothing but notice words: '最新章節！', '收藏本站'
        leftover = _NOTICE_WORDS_EN_RE.sub("", _NOTICE_WORDS_RE.sub("", text))
        if not any(ch.isalnum() for ch in leftover):
            return True
    return distinct >= 3 and word_chars >= 0.3 * len(compact) and len(compact) <= 80


# --- Project Gutenberg boilerplate ---------------------------------------------------

_GUTENBERG_START_RE = re.compile(
    r"^\*{3} ?START OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK.*$", re.MULTILINE | re.IGNORECASE
)
_GUTENBERG_END_RE = re.compile(
    r"^\*{3} ?END OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK.*$", re.MULTILINE | re.IGNORECASE
)


def strip_gutenberg(text: str) -> tuple[str, tuple[str, ...]]:
    """Blank out Project Gutenberg's header and licence around the book itself.

    Lines are emptied rather than removed, so line numbers still point into the
    source. Returns the text and a one-line description of each part dropped.
    """
    if "GUTENBERG" not in text[:20000].upper() and "GUTENBERG" not in text[-40000:].upper():
        return text, ()
    dropped: list[str] = []
    start = _GUTENBERG_START_RE.search(text)
    if start is not None:
        head = text[: start.end()]
        lines = head.count("\n") + 1
        text = "\n" * (lines - 1) + text[start.end() :]
        dropped.append(f"Project Gutenberg header ({lines} lines)")
    end = _GUTENBERG_END_RE.search(text)
    if end is not None:
        tail = text[end.start() :]
        lines = tail.count("\n") + 1
        text = text[: end.start()] + "\n" * (lines - 1)
        dropped.append(f"Project Gutenberg licence ({lines} lines)")
    return text, tuple(dropped)


# --- everything together --------------------------------------------------------------


@dataclass(frozen=True)
class CleanCounts:
    """What `clean_text` changed."""

    glyphs_repaired: int = 0
    invisible_removed: int = 0
    punctuation_normalized: int = 0
    notices_dropped: tuple[str, ...] = ()
    scene_breaks: int = 0


def fix_text(text: str) -> tuple[str, CleanCounts]:
    """The character-level fixers, line structure kept (indentation too)."""
    text, invisible = strip_invisible_count(text)
    text, glyphs = repair_glyphs(text)
    text, punct = normalize_punctuation(text)
    return text, CleanCounts(
        glyphs_repaired=glyphs, invisible_removed=invisible, punctuation_normalized=punct
    )


def clean_text(text: str) -> tuple[str, CleanCounts]:
    """Run every fixer over a whole text and explain what was done.

    Lines keep their positions: a dropped notice line becomes an empty line, so
    line numbers still point into the source. Indentation and trailing spaces
    are removed; scene-break lines are kept as written and counted.
    """
    text, counts = fix_text(text)
    text = strip_indentation(text)
    lines = text.split("\n")
    notices: list[str] = []
    breaks = 0
    for i, line in enumerate(lines):
        if not line:
            continue
        if is_scene_break(line):
            breaks += 1
        elif is_site_notice(line):
            notices.append(line)
            lines[i] = ""
    return "\n".join(lines), CleanCounts(
        glyphs_repaired=counts.glyphs_repaired,
        invisible_removed=counts.invisible_removed,
        punctuation_normalized=counts.punctuation_normalized,
        notices_dropped=tuple(notices),
        scene_breaks=breaks,
    )
