from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tts.read.clean import (
    clean_text,
    glyph_map,
    is_scene_break,
    is_site_notice,
    normalize_punctuation,
    repair_glyphs,
    strip_invisible,
    strip_invisible_count,
)


def test_glyph_map_loads_the_known_pairs() -> None:
    pairs = glyph_map()
    assert len(pairs) > 140
    assert pairs["놊"] == "不"
    assert pairs["깊"] == "了"
    assert pairs["늀"] == "就"
    assert pairs["땢"] == "同"
    assert all(len(k) == 1 and len(v) == 1 for k, v in pairs.items())


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        # one swapped glyph between Han characters
        ("他놊知道", "他不知道", 1),
        ("天黑깊。", "天黑了。", 1),
        # two swapped glyphs side by side
        ("來놊깊", "來不了", 2),
        # at the start of a line, followed by Han
        ("깊解完情況後他走了", "了解完情況後他走了", 1),
        # next to CJK punctuation in Chinese text
        ("他說：“놊！”然後離開了。", "他說：“不！”然後離開了。", 1),
        # after an English word inside a Chinese sentence
        ("這回輪누王主任hold놊住了", "這回輪到王主任hold不住了", 2),
        # syllables that are also Korean (그 人, 누 到) are repaired in Chinese
        ("一個그影也沒有", "一個人影也沒有", 1),
        # simplified Chinese too
        ("我们늀要出发깊", "我们就要出发了", 2),
    ],
)
def test_repair_glyphs_in_chinese(text: str, expected: str, count: int) -> None:
    assert repair_glyphs(text) == (expected, count)


@pytest.mark.parametrize(
    "text",
    [
        "그는 학교에 갔다.",
        "그 사람이 누구예요?",
        "극장에 가자",
        "안녕하세요, 만나서 반갑습니다.",
        # a Korean sentence inside a Chinese paragraph keeps its Korean
        "她用韓語說：“그는 누구예요?”",
        "He said 그래요 and left.",
    ],
)
def test_repair_glyphs_leaves_korean_alone(text: str) -> None:
    assert repair_glyphs(text) == (text, 0)


def test_repair_glyphs_mixed_korean_and_chinese_paragraphs() -> None:
    text = "他놊說話。\n그는 학교에 갔다.\n我깊解。"
    fixed, count = repair_glyphs(text)
    assert fixed == "他不說話。\n그는 학교에 갔다.\n我了解。"
    assert count == 2


@pytest.mark.parametrize(
    ("text", "expected", "removed"),
    [
        ("he\u200bllo", "hello", 1),
        ("中\u200d文\u200c字", "中文字", 2),
        ("mid\ufefftext", "midtext", 1),
        ("co\u00adoperate", "cooperate", 1),
        ("\u202ahello\u202c \u200fworld", "hello world", 3),
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay", 0),
        ("\u3000\u3000全角空格保留", "\u3000\u3000全角空格保留", 0),
        ("bell\x07 and\x00 nul", "bell and nul", 2),
    ],
)
def test_strip_invisible(text: str, expected: str, removed: int) -> None:
    assert strip_invisible(text) == expected
    assert strip_invisible_count(text) == (expected, removed)


def test_strip_invisible_covers_every_format_character() -> None:
    import unicodedata

    cf = "".join(chr(cp) for cp in range(0x10000) if unicodedata.category(chr(cp)) == "Cf")
    assert strip_invisible("a" + cf + "b") == "ab"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第122章 上頭來人,央視採訪過後,王主任說:", "第122章 上頭來人，央視採訪過後，王主任說："),
        ("他問:“你來了?”", "他問：“你來了？”"),
        ("好, 我們走吧", "好，我們走吧"),
        ("“走吧”,他說", "“走吧”，他說"),
        # English keeps its own punctuation
        ("Well, he said: fine!", "Well, he said: fine!"),
        ("王主任hold, then", "王主任hold, then"),
        ("數據 1,000 個", "數據 1,000 個"),
    ],
)
def test_normalize_punctuation(text: str, expected: str) -> None:
    assert normalize_punctuation(text)[0] == expected


@pytest.mark.parametrize(
    "line",
    [
        "......",
        "……",
        "…………",
        "***",
        "* * *",
        "＊＊＊",
        "——",
        "———",
        "~~~",
        "◆◆◆",
        "◇ ◇ ◇",
        "-----",
        "###",
        "　　......",
        "  * * *  ",
    ],
)
def test_scene_breaks(line: str) -> None:
    assert is_scene_break(line)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "他沉默了......",
        "----- Chapter One -----",
        "— he said",
        "Wait...",
        "“……”",
        "## Chapter 2",
        "-- 2 --",
    ],
)
def test_not_scene_breaks(line: str) -> None:
    assert not is_scene_break(line)


NOTICES = [
    "溫馨提示: 網站即將改版, 可能會造成閱讀進度丟失, 請保存 「書架」 和 「閱讀記錄」, 敬請諒解!",
    "温馨提示：网站即将改版，请大家及时收藏本站，保存「书架」。",
    "本章未完，點擊下一頁繼續閱讀",
    "本章未完,请点击下一页继续阅读",
    "(本章完)",
    "（本章完）",
    "請記住本站域名：www.example-novel.com",
    "手機版閱讀網址：m.example-novel.com",
    "www.example-novel.com",
    "https://www.example-novel.net/book/123.html",
    "最新章節請到 example-novel.net 閱讀",
    "天才一秒記住本站地址",
    "Visit www.example-novel.com for the latest chapters.",
    "Read the latest chapters at example-novel.com",
    "【求收藏，求月票，求推薦票】",
    "上一章←章節目錄→下一章",
    "最新章節！",
    "收藏本站",
    "上一页 | 目录 | 下一页",
    "Previous Chapter | Table of Contents | Next Chapter",
    "If you find any errors ( broken links, non-standard content, etc.. ), please let us know.",
    "Tip: You can use left, right, A and D keyboard keys to browse between chapters.",
]


@pytest.mark.parametrize("text", NOTICES)
def test_site_notices_are_recognised(text: str) -> None:
    assert is_site_notice(text)


@pytest.mark.parametrize(
    "text",
    [
        "PREVIOUS CHAPTER | TABLE OF CONTENTS | NEXT CHAPTER",
        "PREV\u0130OUS CHAPTER | NEXT CHAPTER",  # Turkish dotted capital I
        "prev\u0131ous | next",  # dotless i
        "Plea\u017fe vi\u017fit www.example-novel.com",  # long s
        "BOOKMARK THIS SITE: EXAMPLE-NOVEL.COM",
    ],
)
def test_site_notices_are_recognised_in_any_letter_case(text: str) -> None:
    assert is_site_notice(text)


def test_notice_prefilter_knows_every_letter_that_folds_to_ascii() -> None:
    import re

    from tts.read.clean import CASED_ASCII

    folds = re.compile("[a-z]", re.IGNORECASE)
    assert {chr(cp) for cp in range(0x110000) if folds.fullmatch(chr(cp))} == set(CASED_ASCII)


BODY = [
    "“這是最新章節，你們看看吧。”他把稿子遞給編輯。",
    "他打開電腦，登上那個網站，發現最新章節已經更新了，可是讀者們都在罵作者拖更。",
    "溫馨提示牌掛在門口，上面寫著：小心地滑。",
    "“記住本站的名字，”老人說，“這裡是青石鎮的最後一站。”",
    "Visit your grandmother tomorrow, she is waiting.",
    "Read the letter again, she said, and tell me what you see.",
    "The website was down for hours, and nobody at the office could read their mail.",
    "他說：“收藏這些書，是我一生的心願。”",
    "第一次見面時他就說：“我喜歡讀書。”",
    "本章的故事發生在三年以前。",
    "Find the latest news, he said, and bring it to me.",
    "Next!",
    "Free!",
    "更新了。",
    "“下一章？”他問。",
    "Previous owners had left the index cards on the table.",
]


@pytest.mark.parametrize("text", BODY)
def test_body_text_is_never_a_notice(text: str) -> None:
    assert not is_site_notice(text)


def test_clean_text_explains_what_it_did() -> None:
    text = (
        "\u3000\u3000他놊知道\u200b該說什麼,只好點깊點頭。\n"
        "......\n"
        "그는 학교에 갔다.\n"
        "本章未完，點擊下一頁繼續閱讀\n"
        "  The end."
    )
    cleaned, counts = clean_text(text)
    assert cleaned.split("\n") == [
        "他不知道該說什麼，只好點了點頭。",
        "......",
        "그는 학교에 갔다.",
        "",  # the notice line is blanked, so line numbers stay true
        "The end.",
    ]
    assert counts.glyphs_repaired == 2
    assert counts.invisible_removed == 1
    assert counts.punctuation_normalized == 1
    assert counts.scene_breaks == 1
    assert counts.notices_dropped == ("本章未完，點擊下一頁繼續閱讀",)


# --- property: nothing the listener should hear is lost -----------------------------------


def speakable(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


_zh_words = st.sampled_from(
    [
        "他",
        "說",
        "我們",
        "網站",
        "最新章節",
        "書架",
        "收藏",
        "第一",
        "天",
        "章",
        "回",
        "了",
        "不",
        "一",
    ]
    + list("這是一個很長的故事山水人家雨夜燈火老人少年")
)
_en_words = st.sampled_from(
    ["the", "keeper", "said", "Visit", "Chapter", "read", "latest", "site", "www", "com", "and"]
)
_punct = st.sampled_from(
    ["，", "。", ",", ":", "：", "！", "?", " ", "“", "”", "\u200b", "……", "."]
)


@st.composite
def paragraphs(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(st.one_of(_zh_words, _en_words, _punct), min_size=1, max_size=30))
    indent = draw(st.sampled_from(["", "\u3000\u3000", "  "]))
    return indent + "".join(pieces)


@settings(max_examples=200, deadline=None)
@given(st.lists(paragraphs(), min_size=1, max_size=12))
@example(["他", "www他他他", "他", "www.他他他"])
def test_cleaning_keeps_every_speakable_character(paras: list[str]) -> None:
    """Everything speakable stays, in order, but the site notices the cleaning says it
    dropped. Two paragraphs may read alike once only speakable characters are left
    (`www他他他` and the address `www.他他他`): any of them may be the notice."""
    text = "\n".join(paras)
    cleaned, counts = clean_text(text)
    notices = [speakable(n) for n in counts.notices_dropped]
    spoken = [speakable(para) for para in paras]

    def chosen(i: int, start: int) -> Iterator[tuple[int, ...]]:
        """Each way of taking the notices, in order, for paragraphs from `start` on."""
        if i == len(notices):
            yield ()
            return
        for j in range(start, len(spoken)):
            if spoken[j] == notices[i]:
                for rest in chosen(i + 1, j + 1):
                    yield (j, *rest)

    left = {"".join(s for k, s in enumerate(spoken) if k not in way) for way in chosen(0, 0)}
    assert left, "a dropped notice is no paragraph of the text"
    assert speakable(cleaned) in left


def test_strip_gutenberg_keeps_line_numbers() -> None:
    from tts.read.clean import strip_gutenberg

    text = (
        "The Project Gutenberg eBook of Tides\n"
        "*** START OF THE PROJECT GUTENBERG EBOOK TIDES ***\n"
        "The sea rose.\n"
        "*** END OF THE PROJECT GUTENBERG EBOOK TIDES ***\n"
        "Licence text.\n"
    )
    stripped, dropped = strip_gutenberg(text)
    assert stripped.split("\n") == ["", "", "The sea rose.", "", "", ""]
    assert dropped == ("Project Gutenberg header (2 lines)", "Project Gutenberg licence (3 lines)")
    assert strip_gutenberg("他說。\n") == ("他說。\n", ())
