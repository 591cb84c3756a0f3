"""`audiobook chapters BOOK`: the chapters with their numbers, titles and lengths, so that
--chapters can be chosen without opening the file. A web novel's chapter file often starts
at 第122章: the list shows both its place in the file (what --chapters takes) and the
book's own number in the title."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from epub_factory import Epub, english_docs, write_epub

from tts.cli import main

SENTENCE = "江面上起了雾，老周把船拴在柳树下，回头看了一眼渡口。"  # 26 characters, 23 spoken
ZH_BOOK = (
    f"第122章 上頭來人\n{SENTENCE * 10}\n"
    f"第123章 渡口\n{SENTENCE * 50}\n"
    f"第124章 夜雨\n{SENTENCE * 3}\n"
)


pytestmark = pytest.mark.usefixtures("in_tmp")


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def rows(output: str) -> list[list[str]]:
    """The table's rows (after the header), split on runs of two spaces."""
    lines = output.strip().splitlines()
    return [[cell.strip() for cell in line.strip().split("  ") if cell.strip()] for line in lines]


def test_a_chinese_file_lists_its_place_and_its_own_numbers(tmp_path: Path) -> None:
    book = tmp_path / "第122-124章.txt"
    book.write_text(ZH_BOOK, encoding="utf-8")
    result = run("chapters", str(book))
    assert result.exit_code == 0, result.output
    table = rows(result.stdout)
    assert table[0] == ["no.", "chapter", "characters", "minutes"]
    assert table[1:] == [
        # characters: the heading's and the text's, spaces not counted; minutes: the
        # letters and digits spoken (9 + 230, 7 + 1150, 7 + 69) at 250 a minute
        ["1", "第122章 上頭來人", f"{9 + 26 * 10:,}", "1"],
        ["2", "第123章 渡口", f"{7 + 26 * 50:,}", "5"],
        ["3", "第124章 夜雨", f"{7 + 26 * 3:,}", "<1"],
    ]
    assert "--chapters 1 is 第122章 上頭來人" in result.stderr
    assert "3 chapters" in result.stderr and "250 characters a minute" in result.stderr

    # the number shown is the one --chapters takes
    script = run("script", str(book), "--chapters", "2", "--format", "jsonl")
    assert script.exit_code == 0, script.output
    assert '"text": "第123章 渡口"' in script.stdout.splitlines()[0]


def test_an_english_epub_is_timed_by_words(tmp_path: Path) -> None:
    book = write_epub(tmp_path / "keeper.epub", Epub(english_docs()))
    result = run("chapters", str(book))
    assert result.exit_code == 0, result.output
    titles = [row[1] for row in rows(result.stdout)[1:]]
    assert titles == ["Chapter 1: The Storm", "Chapter 2: Morning", "Chapter 3: The Letter"]
    assert "155 words a minute" in result.stderr


def test_a_long_english_chapter_takes_minutes_by_its_words(tmp_path: Path) -> None:
    words = "The wind rose at dusk and the lamp swung on its hook. " * 100  # 1,200 words
    book = tmp_path / "storm.txt"
    book.write_text(f"Chapter 1: The Storm\n\n{words}\n\nChapter 2: Calm\n\nIt was calm.\n")
    result = run("chapters", str(book))
    assert result.exit_code == 0, result.output
    table = rows(result.stdout)
    assert table[1][:2] == ["1", "Chapter 1: The Storm"]
    assert table[1][3] == "8"  # 1,204 words at 155 a minute
    assert table[2][3] == "<1"


def test_a_file_without_headings_is_one_chapter(tmp_path: Path) -> None:
    book = tmp_path / "片段.txt"
    book.write_text(SENTENCE * 4 + "\n", encoding="utf-8")
    result = run("chapters", str(book))
    assert result.exit_code == 0, result.output
    assert rows(result.stdout)[1] == ["1", "(no heading)", "104", "<1"]


def test_a_missing_book_is_one_error_line(tmp_path: Path) -> None:
    result = run("chapters", str(tmp_path / "nope.txt"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "nope.txt" in result.output
    assert "Traceback" not in result.output
