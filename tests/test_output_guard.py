"""A render never writes over what it reads: the book, voices.yaml, a script, a cover.

`-o` naming an input (by any name: a symbolic or hard link too), files written beside the
output (the cast file, subtitles) landing on an input, and `-o` naming a text file are each
one `Error:` line that names the file and the fix, exit status 1, and nothing written.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tts.cli import main

CHAPTER = """第1章 茶馆
老陈把门板上好，门外有人敲门。
“谁呀？”老陈问道。
“是我。”阿秀说。
"""

VOICES = "speakers:\n  老陈:\n    gender: male\n"


pytestmark = pytest.mark.usefixtures("in_tmp")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    book = tmp_path / "book.txt"
    book.write_text(CHAPTER, encoding="utf-8")
    voices = tmp_path / "v.yaml"
    voices.write_text(VOICES, encoding="utf-8")
    return {"book": book, "voices": voices}


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def render(*args: str):
    return CliRunner().invoke(main, ["render", *args, "--quiet"], catch_exceptions=False)


def assert_refused(result, mention: str, before: dict[str, bytes], root: Path) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), lines
    assert mention in lines[0] and "give -o" in lines[0], lines[0]
    assert result.stdout == ""
    assert snapshot(root) == before, "nothing is written, nothing changed"


def _cases(tmp_path: Path, files: dict[str, Path]) -> dict[str, tuple[list[str], str]]:
    book, voices = str(files["book"]), str(files["voices"])
    (tmp_path / "out").mkdir()
    (tmp_path / "link.mp3").symlink_to(files["book"])
    os.link(files["book"], tmp_path / "hard.mp3")
    cast_named = tmp_path / "out" / "b.cast.yaml"  # voices.yaml named as the cast would be
    cast_named.write_text(VOICES, encoding="utf-8")
    srt_named = tmp_path / "b.srt"
    srt_named.write_text(VOICES, encoding="utf-8")
    script = tmp_path / "s.jsonl"
    script.write_text("", encoding="utf-8")
    os.link(script, tmp_path / "s.mp3")
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(b"\xff\xd8\xff\xe0 not much of a picture")
    return {
        "-o is the book": ([book, "-o", book], "book.txt"),
        "-o is voices.yaml": ([book, "--voices", voices, "-o", voices], "v.yaml"),
        "-o links to the book": ([book, "-o", "link.mp3"], "link.mp3"),
        "-o is a hard link of the book": ([book, "-o", "hard.mp3"], "hard.mp3"),
        "-o is the script": ([book, "--script", str(script), "-o", "s.mp3"], "s.mp3"),
        "-o is the cover": ([book, "--cover", str(cover), "-o", str(cover)], "cover.jpg"),
        "the cast file is voices.yaml": (
            [book, "--voices", str(cast_named), "-o", "out/b.mp3"],
            "b.cast.yaml",
        ),
        "the subtitles are voices.yaml": (
            [book, "--voices", str(srt_named), "-o", "b.mp3", "--subtitles", "srt"],
            "b.srt",
        ),
        "-o names a new text file": ([book, "-o", "notes.txt"], "notes.txt"),
        "-o names a yaml file": ([book, "-o", "voices.yml"], "voices.yml"),
        "-o names a jsonl file": ([book, "-o", "script.JSONL"], "script.JSONL"),
        "-o names markdown": ([book, "-o", "README.md"], "README.md"),
        "-o names an epub": ([book, "-o", "book.epub"], "book.epub"),
    }


CASES = [
    "-o is the book",
    "-o is voices.yaml",
    "-o links to the book",
    "-o is a hard link of the book",
    "-o is the script",
    "-o is the cover",
    "the cast file is voices.yaml",
    "the subtitles are voices.yaml",
    "-o names a new text file",
    "-o names a yaml file",
    "-o names a jsonl file",
    "-o names markdown",
    "-o names an epub",
]


@pytest.mark.parametrize("case", CASES)
def test_an_output_that_would_overwrite_an_input_is_refused(
    case: str, edge_server, files: dict[str, Path], tmp_path: Path
) -> None:
    args, mention = _cases(tmp_path, files)[case]
    before = snapshot(tmp_path)
    result = render(*args, "--engine", "edge", "--cache-dir", str(tmp_path / "c"))
    assert_refused(result, mention, before, tmp_path)
    assert edge_server.requests == []


def test_say_refuses_to_write_audio_into_a_text_file(edge_server, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes", encoding="utf-8")
    before = snapshot(tmp_path)
    result = CliRunner().invoke(
        main,
        ["say", "你好", "--voice", "zh-CN-XiaoxiaoNeural", "-o", str(notes),
         "--cache-dir", str(tmp_path / "c")],
    )  # fmt: skip
    assert_refused(result, "notes.txt", before, tmp_path)


def test_a_new_audio_name_beside_the_inputs_still_renders(
    edge_server, files: dict[str, Path], tmp_path: Path
) -> None:
    result = render(
        str(files["book"]), "--voices", str(files["voices"]), "-o", "book.mp3",
        "--subtitles", "srt", "--engine", "edge", "--cache-dir", str(tmp_path / "c"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "book.mp3").stat().st_size > 1000
    assert files["book"].read_text(encoding="utf-8") == CHAPTER
    assert files["voices"].read_text(encoding="utf-8") == VOICES
