"""EPUB input: what a listener hears from an EPUB 2 or 3 book, and what ends up in the tags.

Every book here is built in tmp_path by tests/epub_factory.py.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from epub_factory import (
    COPYRIGHT_PAGE,
    COVER_PAGE,
    Doc,
    Epub,
    chinese_docs,
    english_docs,
    tiny_png,
    write_epub,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tts.errors import InputError
from tts.model import Book
from tts.read.epub import load_epub
from tts.read.epub.xhtml import parse_document
from tts.read.load import is_epub, load_book

EN_TITLES = ["Chapter 1: The Storm", "Chapter 2: Morning", "Chapter 3: The Letter"]
ZH_TITLES = ["第一章 渡口", "第二章 对岸", "第三章 归途"]


def texts(book: Book) -> list[str]:
    return [p.text for ch in book.chapters for p in ch.paragraphs]


def spoken(book: Book) -> str:
    """Everything that will be read aloud, titles included."""
    parts = []
    for ch in book.chapters:
        parts.append(ch.title or "")
        parts.extend(p.text for p in ch.paragraphs if not p.scene_break)
    return "\n".join(parts)


@pytest.fixture(params=[3, 2], ids=["epub3-nav", "epub2-ncx"])
def version(request: pytest.FixtureRequest) -> int:
    return request.param


@pytest.fixture
def english(tmp_path: Path, version: int) -> Book:
    return load_epub(write_epub(tmp_path / "keeper.epub", Epub(english_docs(), version=version)))


# --- chapters and text ---------------------------------------------------------------------


def test_chapters_follow_the_spine_with_titles_from_the_toc(english: Book) -> None:
    assert [ch.title for ch in english.chapters] == EN_TITLES
    assert [ch.number for ch in english.chapters] == [1, 2, 3]


def test_paragraphs_read_as_written_without_notes_markers_or_page_numbers(english: Book) -> None:
    assert [[p.text for p in ch.paragraphs] for ch in english.chapters] == [
        [
            "The wind rose at dusk and the lamp swung on its hook.",
            '"Bring the boat in," said Tom.',
            "Anna ran down to the jetty. The rope was wet.",
            "* * *",
            "By midnight the sea was calm.",
        ],
        [
            "Gulls circled the tower. Tom counted them twice.",
            "* * *",
            "Anna brought bread and cold tea.",
        ],
        ["A letter came with the supply boat on Tuesday.", "It was from the mainland."],
    ]


@pytest.mark.parametrize(
    "unheard",
    [
        "A rowing boat",  # the footnote aside and the endnotes page
        "Herring gulls",  # endnotes page
        "All rights reserved",  # copyright page
        "ISBN",
        "Contents",  # nav page and HTML contents page
        "Mara Quill",  # title page
        "[2]",  # footnote marker
        "41",  # page-break number
        "Start",  # landmarks nav
    ],
)
def test_front_and_back_matter_is_not_read(english: Book, unheard: str) -> None:
    assert unheard not in spoken(english)


def test_scene_breaks_are_pauses_and_the_title_is_not_read_twice(english: Book) -> None:
    first, second, _ = english.chapters
    assert [p.scene_break for p in first.paragraphs] == [False, False, False, True, False]
    assert [p.scene_break for p in second.paragraphs] == [False, True, False]
    assert english.report.scene_breaks == 2
    # 'Chapter 2' / 'Morning' headings in the document repeat the TOC title: not paragraphs.
    assert "Morning" not in " ".join(p.text for p in second.paragraphs)


def test_paragraph_numbers_run_through_the_book(english: Book) -> None:
    numbers = []
    for ch in english.chapters:
        numbers.append(ch.heading_line)
        numbers.extend(p.line for p in ch.paragraphs)
    assert numbers == list(range(1, len(numbers) + 1))


# --- metadata and cover --------------------------------------------------------------------


def test_title_author_year_language_and_cover(english: Book) -> None:
    info = english.info
    assert info is not None
    assert english.title == info.title == "The Lighthouse Keeper"
    assert info.author == "Mara Quill"  # not the illustrator or the editor
    assert info.year == "2019"  # the publication date, not the modification date
    assert info.language == "en" and english.language == "en"
    assert info.cover == tiny_png() and info.cover_mime == "image/png"


@pytest.mark.parametrize(
    ("version", "style", "name"),
    [
        (3, "auto", "front-9781.png"),  # EPUB 3 cover-image property
        (2, "auto", "img0042.png"),  # EPUB 2 <meta name="cover">
        (2, "name", "cover.png"),  # only the file name says so
        (3, "name", "Cover_large.png"),
    ],
)
def test_cover_found_however_the_book_marks_it(
    tmp_path: Path, version: int, style: str, name: str
) -> None:
    picture = tiny_png((10, 200, 90))
    book = Epub(english_docs(), version=version, cover=picture, cover_style=style, cover_name=name)
    info = load_epub(write_epub(tmp_path / "b.epub", book)).info
    assert info is not None and info.cover == picture and info.cover_mime == "image/png"


def test_book_without_cover_author_or_date(tmp_path: Path) -> None:
    book = Epub(english_docs(), cover=None, author=None, date=None, title="  Untold\n Tales ")
    loaded = load_epub(write_epub(tmp_path / "b.epub", book))
    assert loaded.info is not None
    assert (loaded.title, loaded.info.author, loaded.info.year) == ("Untold Tales", None, None)
    assert loaded.info.cover is None and loaded.info.cover_mime is None


# --- chapter selection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "titles"),
    [("2-3", EN_TITLES[1:]), ("1,3", [EN_TITLES[0], EN_TITLES[2]]), ("3", EN_TITLES[2:])],
)
def test_chapter_selection(tmp_path: Path, spec: str, titles: list[str]) -> None:
    path = write_epub(tmp_path / "b.epub", Epub(english_docs()))
    book = load_book(path, chapters=spec)
    assert [ch.title for ch in book.chapters] == titles


def test_chapter_selection_beyond_the_book_names_the_file(tmp_path: Path) -> None:
    path = write_epub(tmp_path / "b.epub", Epub(english_docs()))
    with pytest.raises(InputError, match=r"b\.epub.*3 chapters \(1-3\)"):
        load_book(path, chapters="2-5")


# --- Chinese -------------------------------------------------------------------------------


@pytest.fixture
def chinese(tmp_path: Path) -> Book:
    book = Epub(chinese_docs(), title="夜渡", author="林风", date="2021", language="zh-CN")
    return load_book(write_epub(tmp_path / "夜渡.epub", book))


def test_chinese_chapters_titles_and_text(chinese: Book) -> None:
    assert [ch.title for ch in chinese.chapters] == ZH_TITLES
    assert chinese.language == "zh-Hans"
    assert (chinese.title, chinese.info and chinese.info.author) == ("夜渡", "林风")
    assert [p.text for p in chinese.chapters[0].paragraphs] == [
        "江面上起了雾，老周把船拴在柳树下。",  # full-width indent dropped
        "“今晚还过江吗？”阿秀问道。",  # '[1]' marker gone
        "老周点起一盏马灯，说：“过。”",  # a line break between Han characters joins them
    ]
    assert "邻居" not in spoken(chinese) and "版权" not in spoken(chinese)


def test_chinese_glyph_swaps_are_repaired(chinese: Book) -> None:
    second = chinese.chapters[1]
    assert second.paragraphs[1].text == "他们都没有说话，天亮了。"
    assert chinese.report.glyphs_repaired == 2
    assert [p.scene_break for p in second.paragraphs] == [False, False, True, False]


def test_traditional_chinese_and_site_notices(tmp_path: Path) -> None:
    docs = [
        Doc(
            "c1.xhtml",
            "<h1>第1章 歸來</h1><p>他們說：「這個時候還會有誰來？」</p>"
            "<p>請記住本站域名：www.example-novel.com</p><p>門外響起了腳步聲。</p>",
            toc="第1章 歸來",
        )
    ]
    book = load_epub(write_epub(tmp_path / "t.epub", Epub(docs, language="zh-TW")))
    assert book.language == "zh-Hant"
    assert texts(book) == ["他們說：「這個時候還會有誰來？」", "門外響起了腳步聲。"]
    assert book.report.notices_dropped == ("請記住本站域名：www.example-novel.com",)


# --- how documents map to chapters -------------------------------------------------------------


def test_toc_entries_pointing_into_one_document_split_it(tmp_path: Path, version: int) -> None:
    body = (
        '<h2 id="p1">Part One</h2><p>The first night.</p>'
        '<h2 id="p2">Part Two</h2><p>The second night.</p><p>Still dark.</p>'
    )
    doc = Doc("all.xhtml", body, toc="Part One", sub=[("Part Two", "p2")])
    book = load_epub(write_epub(tmp_path / "b.epub", Epub([doc], version=version)))
    assert [(ch.title, [p.text for p in ch.paragraphs]) for ch in book.chapters] == [
        ("Part One", ["The first night."]),
        ("Part Two", ["The second night.", "Still dark."]),
    ]


def test_converter_split_files_with_anchors(tmp_path: Path, version: int) -> None:
    first = Doc(
        "index_split_000.html",
        '<p class="c3">第一章 雾</p><p class="c1">江上起了雾。</p>'
        '<p class="c3" id="filepos2050">第二章 灯</p><p class="c1">老周点起马灯。</p>',
        toc="第一章 雾",
        sub=[("第二章 灯", "filepos2050")],
    )
    second = Doc(
        "index_split_001.html",
        '<p class="c1">灯光照着江面。</p>'  # chapter 2 goes on in the next file
        '<p class="c3"><a id="filepos4100"></a>第三章 岸</p><p class="c1">船靠了岸。</p>',
        sub=[("第三章 岸", "filepos4100")],
    )
    epub = Epub([first, second], version=version, language="zh-CN")
    book = load_epub(write_epub(tmp_path / "calibre.epub", epub))
    assert [(ch.title, [p.text for p in ch.paragraphs]) for ch in book.chapters] == [
        ("第一章 雾", ["江上起了雾。"]),
        ("第二章 灯", ["老周点起马灯。", "灯光照着江面。"]),
        ("第三章 岸", ["船靠了岸。"]),
    ]


def test_untitled_documents_get_their_heading_or_join_the_chapter_before(tmp_path: Path) -> None:
    docs = [
        Doc("dedication.xhtml", "<p>For R.</p>"),  # short front matter: dropped
        Doc("foreword.xhtml", "<h1>Foreword</h1>" + "<p>A word before we begin.</p>" * 15),
        Doc("ch01.xhtml", "<h1>One</h1><p>It began in spring.</p>", toc="One"),
        Doc("ch01b.xhtml", "<p>And it went on all summer.</p>"),  # a chapter split in two files
        Doc("aside.xhtml", "<p>Never shown.</p>", linear=False),
        Doc("ch02.xhtml", "<h1>Two: Autumn</h1><p>Then came the rain.</p>"),  # not in the TOC
    ]
    book = load_epub(write_epub(tmp_path / "b.epub", Epub(docs)))
    assert [ch.title for ch in book.chapters] == ["Foreword", "One", "Two: Autumn"]
    assert [p.text for p in book.chapters[1].paragraphs] == [
        "It began in spring.",
        "And it went on all summer.",
    ]
    assert "For R." not in spoken(book) and "Never shown" not in spoken(book)


def test_book_without_toc_splits_at_headings_in_the_text(tmp_path: Path) -> None:
    body = "".join(
        f"<p>第{n}章 夜{n}</p><p>第{n}夜，风很大。</p><p>他们一直走到天亮，谁也没有停下。</p>"
        for n in "一二三"
    )
    book = load_epub(
        write_epub(tmp_path / "b.epub", Epub([Doc("text.xhtml", body)], language="zh"))
    )
    assert [ch.title for ch in book.chapters] == ["第一章 夜一", "第二章 夜二", "第三章 夜三"]
    assert [p.text for p in book.chapters[2].paragraphs] == [
        "第三夜，风很大。",
        "他们一直走到天亮，谁也没有停下。",
    ]


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>One<br/>two</p>", ["One two"]),
        ("<p>老周说<br/>好。</p>", ["老周说好。"]),
        ("<div>First line<br/>Second line</div>", ["First line", "Second line"]),
        ("<p>Verse one<br/><br/>Verse two</p>", ["Verse one", "Verse two"]),
        ("<ul><li>Bread</li><li>Tea</li></ul>", ["Bread", "Tea"]),
        ("<blockquote><p>Quoted.</p></blockquote><p>After.</p>", ["Quoted.", "After."]),
        ("<p>Before.</p><p class='scenebreak'></p><p>After.</p>", ["Before.", "* * *", "After."]),
        ("<p>Before.</p><div class='pagebreak'></div><p>After.</p>", ["Before.", "After."]),
        ("<p>E = mc<sup>2</sup> and x<sup>n</sup>.</p>", ["E = mc and xn."]),
        ("<p>Sea<a href='#n9' class='fn'>*</a> wind.</p>", ["Sea wind."]),
        ("<p>See <a href='ch2.xhtml'>the harbour</a>.</p>", ["See the harbour."]),
        ("<p><ruby>漢<rt>hàn</rt></ruby>字很难。</p>", ["漢字很难。"]),
        ("<p>Tea&#160;&amp; toast&nbsp;&mdash; at six.</p>", ["Tea & toast — at six."]),
        ("<p>Zero\u200bwidth\u00adsoft.</p>", ["Zerowidthsoft."]),
        ("<script>var x = 1;</script><p>Only this.</p>", ["Only this."]),
    ],
)
def test_markup_to_paragraphs(tmp_path: Path, markup: str, expected: list[str]) -> None:
    doc = Doc("c.xhtml", "<h1>Title</h1>" + markup, toc="Title")
    book = load_epub(write_epub(tmp_path / "b.epub", Epub([doc])))
    assert texts(book) == expected


def test_part_pages_are_titles_without_text(tmp_path: Path, version: int) -> None:
    docs = [
        Doc("part1.xhtml", "<h1>Part One</h1>", toc="Part One"),
        Doc("c1.xhtml", "<h2>Rain</h2><p>It rained.</p>", toc="Rain"),
        Doc("part2.xhtml", '<h1 class="part">Part Two</h1>'),  # not listed in the TOC
        Doc("c2.xhtml", "<h2>Sun</h2><p>The sun came out.</p>", toc="Sun"),
    ]
    book = load_epub(write_epub(tmp_path / "b.epub", Epub(docs, version=version)))
    assert [(ch.title, len(ch.paragraphs)) for ch in book.chapters] == [
        ("Part One", 0),
        ("Rain", 1),
        ("Part Two", 0),
        ("Sun", 1),
    ]


def test_converter_that_writes_a_chapter_into_one_paragraph(tmp_path: Path) -> None:
    body = (
        "<p>\u3000\u3000江上起了雾。<br/>\u3000\u3000老周点起马灯，<br/>说：“过江。”<br/></p>"
        "<p>&#160;&#160;The fog lifted.<br/>&#160;&#160;Anna waved.</p>"
    )
    doc = Doc("c.xhtml", "<h1>第一章</h1>" + body, toc="第一章")
    book = load_epub(write_epub(tmp_path / "b.epub", Epub([doc], language="zh")))
    assert texts(book) == [
        "江上起了雾。",
        "老周点起马灯，说：“过江。”",
        "The fog lifted.",
        "Anna waved.",
    ]


def test_notes_the_way_converters_write_them(tmp_path: Path) -> None:
    duokan = Doc(
        "c1.xhtml",
        "<h2>第一章</h2><p>他走进了茶馆。"
        '<sup><a class="duokan-footnote" href="#df-1"><img src="../Images/note.png"/></a></sup></p>'
        '<ol class="duokan-footnote-content"><li class="duokan-footnote-item" id="df-1">'
        "<p>茶馆：旧时供人喝茶的地方。</p></li></ol>",
        toc="第一章",
    )
    pandoc = Doc(
        "c2.xhtml",
        '<h2>第二章</h2><p>天亮了。<a href="#fn1" class="footnote-ref" id="fnref1" '
        'role="doc-noteref"><sup>1</sup></a></p>'
        '<section class="footnotes" role="doc-endnotes"><hr/><ol><li id="fn1">'
        '<p>那是冬天。<a href="#fnref1" role="doc-backlink">↩</a></p></li></ol></section>',
        toc="第二章",
    )
    endnotes = Doc(
        "endnotes.xhtml",
        '<section epub:type="endnotes" role="doc-endnotes"><h2>尾注</h2><ol>'
        '<li id="note-1"><p>一条尾注。</p></li></ol></section>',
        toc="尾注",
    )
    imprint = Doc(
        "imprint.xhtml",
        '<section epub:type="imprint"><p>This ebook was produced by volunteers.</p></section>',
        toc="Imprint",
    )
    uncopyright = Doc(
        "uncopyright.xhtml",
        '<section epub:type="copyright-page"><p>May you do good and not evil.</p></section>',
        toc="Uncopyright",
    )
    book = load_epub(
        write_epub(
            tmp_path / "b.epub",
            Epub([imprint, duokan, pandoc, endnotes, uncopyright], language="zh-CN"),
        )
    )
    assert [ch.title for ch in book.chapters] == ["第一章", "第二章"]
    assert texts(book) == ["他走进了茶馆。", "天亮了。"]


def test_epub_written_by_ebooklib(tmp_path: Path) -> None:
    import warnings

    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("sea-fog")
    book.set_title("Sea Fog")
    book.set_language("en")
    book.add_author("Ada Reef")
    book.set_cover("cover.jpg", b"\xff\xd8\xff\xe0 not really a jpeg")
    chapters = []
    for n, (title, body) in enumerate(
        [
            ("Arrival", "<p>The ship came in.</p><p>Fog everywhere.</p>"),
            ("Leaving", "<p>Dawn.</p>"),
        ],
        start=1,
    ):
        chapter = epub.EpubHtml(title=title, file_name=f"chap_{n}.xhtml", lang="en")
        chapter.content = f"<h1>{title}</h1>{body}"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["cover", "nav", *chapters]
    path = tmp_path / "sea.epub"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        epub.write_epub(str(path), book)
    loaded = load_book(path)
    assert [(ch.title, [p.text for p in ch.paragraphs]) for ch in loaded.chapters] == [
        ("Arrival", ["The ship came in.", "Fog everywhere."]),
        ("Leaving", ["Dawn."]),
    ]
    assert loaded.info is not None
    assert (loaded.info.author, loaded.info.cover_mime) == ("Ada Reef", "image/jpeg")


@pytest.mark.parametrize(
    ("toc", "body", "expected"),
    [
        # Standard Ebooks style: a roman numeral heading and a title line under it.
        (
            "I: The Storm",
            '<hgroup><h2 epub:type="ordinal">I</h2><p epub:type="title">The Storm</p></hgroup>'
            "<p>Wind.</p>",
            ["Wind."],
        ),
        ("The Storm", "<h2>Chapter 1: The Storm</h2><p>Wind.</p>", ["Wind."]),
        ("第一章 江上起雾", '<p class="title">第一章</p><p>江上起雾</p><p>风。</p>', ["风。"]),
        # The first sentence of the story is never mistaken for the title.
        ("第一章 江上起雾", "<h2>第一章</h2><p>江上起雾。</p>", ["江上起雾。"]),
        ("Fog", "<h2>Fog</h2><p>Fog!</p><p>Rain.</p>", ["Fog!", "Rain."]),
    ],
)
def test_headings_that_repeat_the_toc_title_are_not_read(
    tmp_path: Path, toc: str, body: str, expected: list[str]
) -> None:
    book = load_epub(write_epub(tmp_path / "b.epub", Epub([Doc("c.xhtml", body, toc=toc)])))
    assert [ch.title for ch in book.chapters] == [toc]
    assert texts(book) == expected


def test_unpacked_epub_folder(tmp_path: Path) -> None:
    packed = write_epub(tmp_path / "b.epub", Epub(english_docs(), version=2))
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(packed) as zf:
        zf.extractall(folder)
    assert is_epub(folder) and not is_epub(tmp_path)
    assert [ch.title for ch in load_book(folder).chapters] == EN_TITLES


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<br/>",
                "<hr/>",
                "<h1>",
                "</h1>",
                "<sup>",
                "</sup>",
                "<a href='#x'>",
                "</a>",
                "<div class='scenebreak'>",
                "</div>",
                "<aside epub:type='footnote'>",
                "</aside>",
                "<![CDATA[",
                "]]>",
                "<!--",
                "-->",
                "<",
                ">",
                "&",
                "&amp;",
                "&#",
                "\u3000",
                "\xa0",
                " ",
                "\n",
                "1",
                "。",
                "He said",
                "他说",
                "\x1e",
                "<ruby>",
                "<rt>",
            ]
        ),
        max_size=40,
    )
)
def test_any_markup_parses_into_one_line_paragraphs(pieces: list[str]) -> None:
    doc = parse_document("Text/c.xhtml", "".join(pieces).encode("utf-8"))
    for block in doc.blocks:
        assert block.text and block.text == block.text.strip()
        assert "\n" not in block.text and "\x1e" not in block.text


# --- errors ---------------------------------------------------------------------------------


def test_truncated_epub_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    good = write_epub(tmp_path / "good.epub", Epub(english_docs())).read_bytes()
    bad = tmp_path / "broken book.epub"
    bad.write_bytes(good[: len(good) // 2])
    assert is_epub(bad)
    with pytest.raises(InputError, match=r"broken book\.epub.*not a readable EPUB.*re-download"):
        load_book(bad)


def test_epub_with_a_missing_chapter_file(tmp_path: Path) -> None:
    src = write_epub(tmp_path / "src.epub", Epub(english_docs()))
    bad = tmp_path / "holey.epub"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            if not item.filename.endswith("ch02.xhtml"):
                zout.writestr(item, zin.read(item.filename))
    with pytest.raises(InputError, match=r"holey\.epub.*missing"):
        load_epub(bad)


def rewrite(src: Path, dst: Path, name: str, data: bytes) -> Path:
    """A copy of the EPUB `src` with the file `name` replaced by `data`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, data if item.filename == name else zin.read(item.filename))
    return dst


def test_broken_epub3_nav_falls_back_to_the_ncx(tmp_path: Path) -> None:
    src = write_epub(tmp_path / "src.epub", Epub(english_docs()))
    nav = b'<html xmlns="http://www.w3.org/1999/xhtml"><body><nav><ol></ol></nav></body></html>'
    book = load_epub(rewrite(src, tmp_path / "b.epub", "OEBPS/nav.xhtml", nav))
    assert [ch.title for ch in book.chapters] == EN_TITLES


def test_malformed_package_file_is_an_input_error(tmp_path: Path) -> None:
    src = write_epub(tmp_path / "src.epub", Epub(english_docs()))
    bad = rewrite(src, tmp_path / "bad opf.epub", "OEBPS/content.opf", b"<package><metadata>")
    with pytest.raises(InputError, match=r"bad opf\.epub.*not a readable EPUB"):
        load_book(bad)


def test_epub_without_text_is_an_input_error(tmp_path: Path) -> None:
    path = write_epub(tmp_path / "pictures.epub", Epub([COVER_PAGE, COPYRIGHT_PAGE]))
    with pytest.raises(InputError, match=r"pictures\.epub.*no text to read"):
        load_book(path)


def test_drm_protected_epub_says_so(tmp_path: Path) -> None:
    encryption = (
        b'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        b'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        b'<enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
        b'<enc:CipherData><enc:CipherReference URI="OEBPS/Text/ch01.xhtml"/></enc:CipherData>'
        b"</enc:EncryptedData></encryption>"
    )
    book = Epub(english_docs(), extra_files={"META-INF/encryption.xml": encryption})
    with pytest.raises(InputError, match=r"locked\.epub.*DRM"):
        load_epub(write_epub(tmp_path / "locked.epub", book))


def test_font_obfuscation_is_not_drm(tmp_path: Path) -> None:
    encryption = (
        b'<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        b'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        b'<enc:EncryptionMethod Algorithm="http://www.idpf.org/2008/embedding"/>'
        b"</enc:EncryptedData></encryption>"
    )
    book = Epub(english_docs(), extra_files={"META-INF/encryption.xml": encryption})
    loaded = load_epub(write_epub(tmp_path / "fonts.epub", book))
    assert [ch.title for ch in loaded.chapters] == EN_TITLES


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nothere\.epub: no such file"):
        load_book(tmp_path / "nothere.epub")


# --- plain text keeps working ------------------------------------------------------------------


def test_plain_text_and_markdown_still_load_as_text(tmp_path: Path) -> None:
    md = tmp_path / "notes.md"
    md.write_text("# The Harbour\n\nBoats came in.\n\n## Night\n\nThe lamps went out.\n", "utf-8")
    assert not is_epub(md)
    book = load_book(md)
    assert [ch.title for ch in book.chapters] == ["The Harbour", "Night"]
    assert book.info is None
    assert texts(book) == ["Boats came in.", "The lamps went out."]


def test_epub_is_recognised_by_its_content_not_its_name(tmp_path: Path) -> None:
    path = write_epub(tmp_path / "download.zip", Epub(english_docs()))
    assert [ch.title for ch in load_book(path).chapters] == EN_TITLES


# --- the command line ---------------------------------------------------------------------------


def test_cli_script_shows_the_toc_titles_as_headings(
    edge_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tts.cli import main

    monkeypatch.chdir(tmp_path)  # no voices.yaml of the repository
    path = write_epub(tmp_path / "book.epub", Epub(chinese_docs(), language="zh-CN"))
    result = CliRunner().invoke(
        main,
        ["script", str(path), "--format", "jsonl", "--engine", "edge"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records if r["kind"] == "heading"] == ZH_TITLES
    assert any("他们都没有说话" in r["text"] for r in records)
    assert not any("邻居" in r["text"] or "ISBN" in r["text"] for r in records)


def test_an_epub_renders_to_an_mp3_whose_chapter_frames_match_its_toc(
    edge_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several chapters, a cover and a footnote in; chapters, cover and tags out."""
    import mutagen.id3
    from edge_server import decode_mp3, tone_runs

    from tts.audio.tags import read_chapters
    from tts.cli import main

    monkeypatch.chdir(tmp_path)
    path = write_epub(tmp_path / "book.epub", Epub(chinese_docs(), language="zh-CN"))
    out = tmp_path / "book.mp3"
    result = CliRunner().invoke(
        main,
        [
            "render",
            str(path),
            "-o",
            str(out),
            "--engine",
            "edge",
            "--cache-dir",
            str(tmp_path / "c"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    marks = read_chapters(out)
    assert [m.title for m in marks] == ZH_TITLES
    assert all(a.end == b.start for a, b in zip(marks, marks[1:], strict=False))
    # each chapter mark falls where a voice starts speaking after the chapter pause
    starts = [run.start for run in tone_runs(decode_mp3(out.read_bytes()))]
    for mark in marks:
        assert min(abs(s - mark.start) for s in starts) < 0.1
    tags = mutagen.id3.ID3(out)
    assert str(tags["TIT2"]) == "The Lighthouse Keeper" and str(tags["TPE1"]) == "Mara Quill"
    assert tags.getall("APIC") and tags.getall("APIC")[0].data == tiny_png()
    # the footnote is not read aloud
    assert not any("邻居" in r.text for r in edge_server.requests)
