from __future__ import annotations

import codecs
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tts.errors import InputError
from tts.read.language import detect_language
from tts.read.load import load_book
from tts.read.plain import build_book, read_text, split_paragraphs
from tts.read.selection import parse_chapter_selection

DATA = Path(__file__).parent / "data" / "load"

ZH_HANT = (
    "第一章 燈塔\n"
    "他每天傍晚六點爬上燈塔，數著台階，就像他父親從前那樣。\n"
    "“九十九級，”他對欄杆上的海鷗說，“永遠是九十九級。”\n"
    "第二章 來信\n"
    "星期二來了一條船，帶來麵粉、燈油和一封信。\n"
)
ZH_HANS = (
    "第一章 灯塔\n"
    "他每天傍晚六点爬上灯塔，数着台阶，就像他父亲从前那样。\n"
    "“九十九级，”他对栏杆上的海鸥说，“永远是九十九级。”\n"
)
EN = (
    "Chapter 1\n\n"
    "The keeper climbed the stairs every evening at six, counting the steps\n"
    "as his father had done before him.\n\n"
    '"Ninety-nine," he said to the gull. "Always ninety-nine."\n'
)


@pytest.mark.parametrize(
    ("text", "encoding", "expected_name"),
    [
        (ZH_HANS, "gb18030", "gb18030"),
        (ZH_HANS, "gbk", "gb18030"),
        (ZH_HANT, "big5", "cp950"),
        (ZH_HANT, "utf-8", "utf-8"),
        (ZH_HANT, "utf-8-sig", "utf-8-sig"),
        (ZH_HANT, "utf-16", None),  # Python writes a BOM in the machine's byte order
        (ZH_HANT, "utf-16-le-bom", "utf-16-le"),
        (ZH_HANT, "utf-16-be-bom", "utf-16-be"),
        (EN, "utf-16-le", "utf-16-le"),  # no BOM, detected from the NUL pattern
        (EN, "utf-16-be", "utf-16-be"),
        (ZH_HANT, "utf-16-le", "utf-16-le"),  # no BOM, Chinese: NULs only in newlines
        (ZH_HANT.replace("\n", ""), "utf-16-be", "utf-16-be"),  # no BOM and no NUL at all
        ("你好，世界", "gbk", "gb18030"),
        ("你好，世界", "big5", "cp950"),
        (ZH_HANT, "gbk", "gb18030"),  # Traditional characters in GBK are still GBK
        (EN + "Café, naïve — “quoted”.\n", "cp1252", "cp1252"),
        ("The keeper said “naïve” things to the gull. " * 5, "cp1252", "cp1252"),
    ],
)
def test_encodings_round_trip(
    tmp_path: Path, text: str, encoding: str, expected_name: str | None
) -> None:
    if encoding == "utf-16-le-bom":
        data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    path = tmp_path / "book.txt"
    path.write_bytes(data)
    got, name = read_text(path)
    assert got == text
    if expected_name is not None:
        assert name == expected_name


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "cp950"])
def test_a_cut_off_last_character_is_skipped(tmp_path: Path, encoding: str) -> None:
    text = ZH_HANT * 3
    path = tmp_path / "book.txt"
    path.write_bytes(text.encode(encoding) + "燈".encode(encoding)[:1])
    assert read_text(path) == (text, encoding)


def test_one_accented_letter_in_cp1252_is_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "book.txt"
    path.write_bytes("The keeper drank his café on the rail.\n".encode("cp1252"))
    assert read_text(path)[0] == "The keeper drank his café on the rail.\n"


def test_gb18030_with_characters_outside_gbk(tmp_path: Path) -> None:
    text = ZH_HANS + "𠀀这个字在扩展区。\n"
    path = tmp_path / "book.txt"
    path.write_bytes(text.encode("gb18030"))
    assert read_text(path) == (text, "gb18030")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_endings_become_newlines(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "book.txt"
    path.write_bytes(ZH_HANT.replace("\n", newline).encode("utf-8"))
    assert read_text(path)[0] == ZH_HANT


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"  \n\t\r\n  ", "is empty"),
        ("\u3000\n".encode(), "is empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG image"),
        (b"PK\x03\x04" + bytes(200), "ZIP archive"),
        (b"%PDF-1.7\n" + bytes(range(256)), "PDF"),
        (b"hello\x00\x01\x02world\xff\xfe\x00\x00\x00binary" * 10, "binary"),
        (bytes(range(1, 32)) * 20, "does not look like text"),
        (bytes((i * 7919 + 13) % 255 + 1 for i in range(3000)), "cannot tell the text encoding"),
    ],
)
def test_unreadable_inputs(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "strange-book.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read_text(path)
    assert "strange-book.txt" in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "“”“”‘’\n" * 100 + "“他来了。”\n",  # quote marks, one line of words
        "“……”\n“！”\n“？？”\n" * 40 + "“走。”他说。\n",  # speechless dialogue
        "\ufeff" + "“”「」『』\n" * 60 + "Yes.\n",  # with a byte-order mark
    ],
    ids=["quotes", "ellipses", "bom"],
)
def test_valid_utf8_of_mostly_quote_marks_is_read(tmp_path: Path, text: str) -> None:
    path = tmp_path / "dialogue.txt"
    path.write_bytes(text.encode("utf-8"))
    read, encoding = read_text(path)
    assert read == text.removeprefix("\ufeff") and encoding in ("utf-8", "utf-8-sig")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as info:
        read_text(tmp_path / "missing-book.txt")
    assert "missing-book.txt" in str(info.value)


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "novel-folder"
    folder.mkdir()
    with pytest.raises(InputError, match="is a directory") as info:
        load_book(folder)
    assert "novel-folder" in str(info.value)


# --- paragraphs ------------------------------------------------------------------------------


def texts(text: str) -> list[tuple[int, str]]:
    return [(p.line, p.text) for p in split_paragraphs(text)]


def test_english_wrapped_lines_join_with_spaces() -> None:
    text = (
        "The keeper climbed the stairs every evening at six, counting the steps\n"
        "as his father had done before him, and lit the great lamp that swept\n"
        "the grey water all night long.\n"
        "\n"
        "In the morning the fog came in from the sea, thick as wool, and the\n"
        "keeper could not see the rocks below.\n"
    )
    assert texts(text) == [
        (
            1,
            "The keeper climbed the stairs every evening at six, counting the steps as his "
            "father had done before him, and lit the great lamp that swept the grey water "
            "all night long.",
        ),
        (
            5,
            "In the morning the fog came in from the sea, thick as wool, and the keeper "
            "could not see the rocks below.",
        ),
    ]


def test_chinese_one_paragraph_per_line() -> None:
    text = "他推開門。\n屋裡坐滿了人。\n\n“你來了，”老人說：\n“坐吧。”\n"
    assert texts(text) == [
        (1, "他推開門。"),
        (2, "屋裡坐滿了人。"),
        (4, "“你來了，”老人說："),
        (5, "“坐吧。”"),
    ]


def test_chinese_lines_without_final_punctuation_stay_paragraphs() -> None:
    text = (
        "他推開門\n屋裡坐滿了人，大家都抬頭看著他\n沒有人說話\n老人站了起來，慢慢走到窗前\n天黑了\n"
    )
    assert [line for line, _ in texts(text)] == [1, 2, 3, 4, 5]


def test_chinese_hard_wrapped_and_indented() -> None:
    text = (
        "\u3000\u3000城南的雨下了整整一夜，李掌櫃守著\n"
        "燈坐在櫃檯後面，一直等到天亮，也沒\n"
        "有等到那個人。\n"
        "\u3000\u3000第二天一早，門外傳來三聲輕叩，他\n"
        "起身開門。\n"
    )
    assert texts(text) == [
        (1, "城南的雨下了整整一夜，李掌櫃守著燈坐在櫃檯後面，一直等到天亮，也沒有等到那個人。"),
        (4, "第二天一早，門外傳來三聲輕叩，他起身開門。"),
    ]


def test_chinese_hard_wrapped_without_indent_or_blank_lines() -> None:
    text = (
        "城南的雨下了整整一夜，李掌櫃守著燈坐在\n"
        "櫃檯後面，一直等到天亮，也沒有等到那個\n"
        "人。\n"
        "第二天一早，門外傳來三聲輕叩，他放下茶\n"
        "杯，起身開門。\n"
        "門外站著一個披著蓑衣的少年，渾身濕透。\n"
    )
    assert [line for line, _ in texts(text)] == [1, 4, 6]


def test_english_indented_paragraphs_without_blank_lines() -> None:
    text = (
        "  The keeper climbed the stairs every evening at six, counting the\n"
        "steps as his father had done before him.\n"
        "  In the morning the fog came in from the sea, thick as wool, and\n"
        "the keeper could not see the rocks.\n"
        "  A boat arrived on Tuesday with flour, oil and one letter for the\n"
        "keeper, who read it twice.\n"
    )
    assert [line for line, _ in texts(text)] == [1, 3, 5]


def test_one_sentence_per_line() -> None:
    text = "It rained all night.\nThe keeper did not sleep.\nAt dawn the boat came.\n"
    assert texts(text) == [
        (1, "It rained all night."),
        (2, "The keeper did not sleep."),
        (3, "At dawn the boat came."),
    ]


def test_headings_and_scene_breaks_stand_alone_in_wrapped_text() -> None:
    text = (
        "CHAPTER I\n"
        "The keeper climbed the stairs every evening at six, counting the steps\n"
        "as his father had done before him, and lit the great lamp that swept\n"
        "* * *\n"
        "the grey water all night long, and the ships passed by in the dark\n"
        "without ever knowing his name.\n"
    )
    got = texts(text)
    assert got[0] == (1, "CHAPTER I")
    assert got[2] == (4, "* * *")
    assert [line for line, _ in got] == [1, 2, 4, 5]


# --- whole books ---------------------------------------------------------------------------


def test_load_scraped_traditional_chinese_chapter() -> None:
    book = load_book(DATA / "zh-hant-scraped.txt")
    assert book.title == "zh-hant-scraped"
    assert book.language == "zh-Hant"
    assert len(book.chapters) == 1
    chapter = book.chapters[0]
    assert chapter.title == "第7章 雨夜來客"
    assert chapter.heading_line == 1
    first = chapter.paragraphs[0]
    assert (first.line, first.text) == (1, "城南的雨下了整整一夜，李掌櫃守著燈：")
    body = "".join(p.text for p in chapter.paragraphs)
    assert not re.search("[\uac00-\ud7a3]", body)  # no Hangul left in the Chinese text
    assert "“他們說今晚會來，可到現在還不見人影。”" in body
    assert book.report.glyphs_repaired == 5
    assert len(book.report.notices_dropped) == 1
    assert "溫馨提示" not in body and "書架" not in body
    breaks = [p for p in chapter.paragraphs if p.scene_break]
    assert [(p.line, p.text) for p in breaks] == [(4, "......")]
    assert book.report.scene_breaks == 1
    assert [p.line for p in chapter.paragraphs] == [1, 2, 3, 4, 5, 6, 7]


def test_load_wrapped_english_book() -> None:
    book = load_book(DATA / "en-wrapped.txt")
    assert book.language == "en"
    assert [c.title for c in book.chapters] == [
        "Chapter 1: The Lighthouse",
        "Chapter 2: The Letter",
    ]
    first = book.chapters[0]
    assert first.paragraphs[0].text.startswith(
        "The keeper climbed the stairs every evening at six,"
    )
    assert first.paragraphs[0].text.endswith("the grey water all night long.")
    assert first.paragraphs[0].line == 3
    assert [p.scene_break for p in first.paragraphs] == [False, False, True, False]
    assert book.chapters[1].heading_line == 14


def test_book_title_and_untitled_single_chapter(tmp_path: Path) -> None:
    path = tmp_path / "雨夜.txt"
    path.write_text("雨下了一夜。\n\n天亮了。\n", encoding="utf-8")
    book = load_book(path)
    assert book.title == "雨夜"
    assert [(c.number, c.title, len(c.paragraphs)) for c in book.chapters] == [(1, None, 2)]
    assert book.source == str(path)


def test_nothing_left_after_cleaning(tmp_path: Path) -> None:
    path = tmp_path / "only-ads.txt"
    path.write_text("www.example-novel.com\n本章未完，點擊下一頁繼續閱讀\n", encoding="utf-8")
    with pytest.raises(InputError, match="only-ads.txt"):
        load_book(path)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (ZH_HANT, "zh-Hant"),
        (ZH_HANS, "zh-Hans"),
        (EN, "en"),
        ("他說OK，我們走吧。", "zh-Hant"),
        ("他说OK，我们走吧。", "zh-Hans"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


# --- chapter selection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "count", "expected"),
    [
        ("2", 5, [2]),
        ("3-7", 10, [3, 4, 5, 6, 7]),
        ("1,4,6-8", 10, [1, 4, 6, 7, 8]),
        (" 6-8 , 1 ", 10, [1, 6, 7, 8]),
        ("4-", 6, [4, 5, 6]),
        ("2,2,1-2", 3, [1, 2]),
    ],
)
def test_parse_chapter_selection(spec: str, count: int, expected: list[int]) -> None:
    assert parse_chapter_selection(spec, count) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("abc", "not a chapter number"),
        ("1;3", "not a chapter number"),
        ("0", "numbered from 1"),
        ("7-3", "backwards"),
        ("9", "has 5 chapters"),
        ("2-12", "has 5 chapters"),
    ],
)
def test_bad_chapter_selection(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_chapter_selection(spec, 5)


@pytest.mark.parametrize(
    ("spec", "count", "message"),
    [
        ("2-", 1, "the book has only one chapter; leave out --chapters"),
        ("2", 1, "the book has only one chapter"),
        ("1-3", 1, "the book has only one chapter"),
        ("6-", 5, r"the book has 5 chapters \(1-5\)"),
        ("9-", 5, r"the book has 5 chapters \(1-5\)"),
    ],
)
def test_selection_past_the_last_chapter_says_how_many_there_are(
    spec: str, count: int, message: str
) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_chapter_selection(spec, count)
    assert "backwards" not in str(info.value)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("9" * 5000, "the book has 5 chapters"),  # more digits than Python will read
        ("1-" + "9" * 5000, "the book has 5 chapters"),
        ("x" * 5000, "is not a chapter number"),
    ],
    ids=["number", "range", "text"],
)
def test_a_huge_selection_is_quoted_short(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_chapter_selection(spec, 5)
    assert len(str(info.value)) < 250 and f"'{spec[:40]}…'" in str(info.value)


def test_open_range_past_a_one_chapter_book_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "short story.txt"
    path.write_text("第一章 开始\n\n他说：“你好。”\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_book(path, chapters="2-")
    assert str(info.value) == (
        f"{path}: chapter selection '2-': the book has only one chapter; "
        "leave out --chapters to read it"
    )


def test_load_book_selects_chapters() -> None:
    book = load_book(DATA / "en-wrapped.txt", chapters="2")
    assert [(c.number, c.title) for c in book.chapters] == [(2, "Chapter 2: The Letter")]


def test_load_book_selection_beyond_the_book() -> None:
    with pytest.raises(InputError, match="has 2 chapters") as info:
        load_book(DATA / "en-wrapped.txt", chapters="3-4")
    assert "en-wrapped.txt" in str(info.value)


# --- speed -----------------------------------------------------------------------------------


def test_a_long_book_loads_quickly() -> None:
    line = "“祁省長，據我所知，你놊是本地그，”王主任好奇地問道:“為什麼選擇這裡?”\n"
    para = "The keeper climbed the stairs every evening at six, counting the steps.\n"
    chapter = "第12章 來人\n" + line * 80 + "......\n" + para * 20
    text = chapter * 25  # about 200 000 characters
    start = time.perf_counter()
    book = build_book(text, source="long.txt", title="long")
    elapsed = time.perf_counter() - start
    assert len(book.chapters) == 25
    assert elapsed < 2.0  # generous; the measured rate is several million chars/s


# --- property: the whole book survives loading ------------------------------------------------

_pieces = st.sampled_from(
    ["他", "說", "我們", "網站", "最新章節", "書架", "第一", "章", "回", "了", "不", "，", "。"]
    + [",", ":", "“", "”", " ", "the", "keeper", "said", "Chapter", "Part", "One", "4", "visit"]
    + ["www.", ".com"]
    + ["……", "***", "\u200b", "놊", "\u3000"]
)
_lines = st.one_of(
    st.lists(_pieces, min_size=1, max_size=25).map("".join),
    st.sampled_from(["第3章 雨夜", "Chapter 2", "# Part One", "......", "* * *", "本章未完"]),
    st.just(""),
)


def _speakable(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


@settings(max_examples=150, deadline=None)
@given(st.lists(_lines, min_size=1, max_size=20))
def test_loading_keeps_every_speakable_character(lines: list[str]) -> None:
    from tts.read.clean import repair_glyphs, strip_invisible

    text = "\n".join(lines)
    if not _speakable(text):
        return
    book = build_book(text, source="prop.txt", title="prop")
    spoken = "".join(
        (c.title or "") + "".join(p.text for p in c.paragraphs if not p.scene_break)
        for c in book.chapters
    )
    # Swapped Hangul turns back into Han; everything else speakable stays as it is.
    expected = _speakable(repair_glyphs(strip_invisible(text))[0])
    got = _speakable(spoken)
    # Dropped notices are the only words allowed to go: what is left is the text in order.
    dropped = [_speakable(n) for n in book.report.notices_dropped]
    assert all(words in expected for words in dropped)
    assert len(got) + sum(map(len, dropped)) == len(expected)
    rest = iter(expected)
    assert all(ch in rest for ch in got)
    if not dropped:
        assert got == expected


def test_gutenberg_header_and_licence_are_not_read() -> None:
    book = load_book(DATA / "en-gutenberg.txt")
    assert book.report.notices_dropped == (
        "Project Gutenberg header (8 lines)",
        "Project Gutenberg licence (5 lines)",
    )
    assert [c.title for c in book.chapters] == [
        None,  # title page and contents, kept as written
        "CHAPTER I. THE LAMP",
        "CHAPTER II. The Fog",
        "CHAPTER III.",
    ]
    spoken = " ".join(p.text for c in book.chapters for p in c.paragraphs)
    assert "eBook is for the use" not in spoken and "Updated editions" not in spoken
    lamp = book.chapters[1].paragraphs[0]
    assert lamp.line == 24
    assert lamp.text.endswith("lit the great lamp that swept the grey water all night long.")
    assert book.chapters[3].paragraphs[0].text.startswith("It was a Tuesday when the boat")
