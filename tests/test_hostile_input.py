"""Hostile and mistaken input, as a user meets it: one `Error:` line that names the file and
the limit, in bounded memory and time, never a traceback or a MemoryError.

The limits are those the README states (tts.read.limits); where reaching one for real would
make a test slow, the test lowers it and checks the same path.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from epub_factory import Doc, Epub, english_docs, write_epub

from tts.cli import main
from tts.read import limits

BOOK = "第1章 渡口\n江面上起了雾。\n“今晚还过江吗？”阿秀问道。\n老周说：“过。”\n"


pytestmark = pytest.mark.usefixtures("in_tmp")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.txt"
    path.write_text(BOOK, encoding="utf-8")
    return path


def error_line(args: list[str]) -> str:
    """The one line a failing command prints; asserts it failed with exactly that line."""
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), lines
    return lines[0]


def script(path: Path | str, *extra: str) -> list[str]:
    return ["script", str(path), "--engine", "espeak", *extra]


# --- book files -----------------------------------------------------------------------------


def test_a_text_file_past_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:
        f.truncate(limits.TEXT_LIMIT + 1)  # sparse: no disk, and nothing to read
    line = error_line(script(path))
    assert line == (
        f"Error: {path}: is larger than 100 MB, the most a book file may be; check that it "
        "is the book's text, and split a longer book into parts"
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_that_never_ends_is_read_only_to_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tts.read.plain.TEXT_LIMIT", limits.MB)  # the same path, faster
    line = error_line(script("/dev/zero"))
    assert line.startswith("Error: /dev/zero: is larger than 1 MB, the most a book file may be")


def zip_bomb(path: Path, chapter_size: int) -> Path:
    """An EPUB whose first chapter unpacks to `chapter_size` bytes (written in chunks, so
    the test never holds it), in an archive a thousandth of that."""
    src = write_epub(path.with_name("src.epub"), Epub(english_docs()))
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if not item.filename.endswith("ch01.xhtml"):
                zout.writestr(item, zin.read(item.filename))
                continue
            big = chapter_size > 0xFFFFFFFF // 2
            with zout.open(item.filename, "w", force_zip64=big) as out:
                head = b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>'
                out.write(head)
                chunk = b"a" * (1 << 20)
                left = chapter_size - len(head)
                while left > 0:
                    out.write(chunk[:left])
                    left -= len(chunk)
    return path


def test_an_epub_whose_chapter_unpacks_past_the_limit(tmp_path: Path) -> None:
    path = zip_bomb(tmp_path / "bomb.epub", limits.EPUB_MEMBER_LIMIT + 1)
    assert path.stat().st_size < limits.EPUB_MEMBER_LIMIT // 500
    line = error_line(script(path))
    assert line.startswith(
        f"Error: {path}: OEBPS/Text/ch01.xhtml inside it unpacks to more than 64 MB, "
        "the most a file in an EPUB may hold; "
    )


def test_an_archive_header_that_understates_a_size_is_a_damaged_epub(tmp_path: Path) -> None:
    """Headers lie: the chapter says 40 bytes and holds 2 MB; no more than 40 are taken."""
    path = zip_bomb(tmp_path / "liar.epub", 2 * limits.MB)
    data = bytearray(path.read_bytes())
    name = b"OEBPS/Text/ch01.xhtml"
    # (signature, where the sizes of the name and extra field are, where the name starts,
    # where the uncompressed size is) for the local header and the central directory entry
    for signature, lengths_at, name_at, size_at in (
        (b"PK\x03\x04", 26, 30, 22),
        (b"PK\x01\x02", 28, 46, 24),
    ):
        at = data.find(signature)
        while at != -1:
            (name_len,) = struct.unpack("<H", data[at + lengths_at : at + lengths_at + 2])
            if data[at + name_at : at + name_at + name_len] == name:
                data[at + size_at : at + size_at + 4] = struct.pack("<I", 40)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo(name.decode()).file_size == 40
    line = error_line(script(path))
    assert "liar.epub: is not a readable EPUB" in line


def unpacked(tmp_path: Path) -> Path:
    """An EPUB unpacked into a folder, as some readers keep their books."""
    packed = write_epub(tmp_path / "packed.epub", Epub(english_docs()))
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(packed) as zf:
        zf.extractall(folder)
    return folder


def test_an_unpacked_epub_file_past_the_limit_is_read_only_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tts.read.epub.container.EPUB_MEMBER_LIMIT", limits.MB)
    folder = unpacked(tmp_path)
    with open(folder / "OEBPS" / "Text" / "ch02.xhtml", "r+b") as f:
        f.truncate(2 * limits.MB)  # a file the folder has, not what an archive says
    line = error_line(script(folder))
    assert line.startswith(
        f"Error: {folder}: OEBPS/Text/ch02.xhtml inside it unpacks to more than 1 MB, "
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_an_unpacked_epub_with_a_device_for_a_chapter(tmp_path: Path) -> None:
    folder = unpacked(tmp_path)
    chapter = folder / "OEBPS" / "Text" / "ch02.xhtml"
    chapter.unlink()
    chapter.symlink_to("/dev/zero")
    line = error_line(script(folder))
    assert line.startswith(f"Error: {folder}: OEBPS/Text/ch02.xhtml inside it is not a file; ")


def test_all_an_epub_unpacks_to_is_limited_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file under the limit, all of them together over it."""
    monkeypatch.setattr("tts.read.epub.container.EPUB_TOTAL_LIMIT", 64 * 1024)
    text = "<p>The keeper climbed the stairs.</p>" * 150
    docs = [Doc(f"ch{i:02}.xhtml", f"<h1>Chapter {i}</h1>{text}", toc=f"{i}") for i in range(20)]
    path = write_epub(tmp_path / "many.epub", Epub(docs))
    with zipfile.ZipFile(path) as zf:
        assert max(i.file_size for i in zf.infolist()) < 64 * 1024
        assert sum(i.file_size for i in zf.infolist()) > 64 * 1024
    line = error_line(script(path))
    assert line.startswith(
        f"Error: {path}: its files unpack to more than 65,536 bytes, the most an EPUB may hold; "
    )


# --- voices.yaml ----------------------------------------------------------------------------


def cast_with(tmp_path: Path, book: Path, yaml: str) -> str:
    """The error line of `audiobook cast BOOK --voices v.yaml` for this voices.yaml."""
    (tmp_path / "v.yaml").write_text(yaml, encoding="utf-8")
    return error_line(["cast", str(book), "--voices", "v.yaml", "--engine", "edge"])


def test_brackets_nested_100_000_deep(tmp_path: Path, book: Path) -> None:
    line = cast_with(tmp_path, book, "speakers: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert line == (
        "Error: v.yaml:1: lists and mappings nested more than 20 levels deep; a settings file "
        "needs a few levels at most, so check the brackets and the indentation"
    )


def test_indentation_nested_too_deep_names_its_line(tmp_path: Path, book: Path) -> None:
    yaml = "".join(f"{'  ' * depth}k{depth}:\n" for depth in range(40))
    line = cast_with(tmp_path, book, yaml)
    assert line.startswith("Error: v.yaml:20: lists and mappings nested more than 20 levels")


def test_a_voices_file_past_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, book: Path
) -> None:
    path = tmp_path / "v.yaml"
    with open(path, "wb") as f:
        f.truncate(limits.VOICES_LIMIT + 1)
    line = error_line(["cast", str(book), "--voices", str(path), "--engine", "edge"])
    assert line.startswith(f"Error: {path}: larger than 5 MB, the most a voices file may be")


def test_a_voice_name_of_300_000_characters(tmp_path: Path, book: Path) -> None:
    name = "zh-CN-" + "x" * 300_000
    line = cast_with(tmp_path, book, f"speakers:\n  老周:\n    voice: {name}\n")
    assert line == (
        f"Error: v.yaml:3: voice name '{name[:40]}…' for speakers.老周.voice is 300,006 "
        "characters long; write a voice name such as zh-CN-YunxiNeural or cmn+m3"
    )


@pytest.mark.parametrize("where", ["speaker", "alias"])
def test_names_longer_than_any_character_s(tmp_path: Path, book: Path, where: str) -> None:
    name = "周" * 5000
    yaml = (
        f"speakers:\n  ? {name}\n  : {{gender: male}}\n"
        if where == "speaker"
        else f"speakers:\n  老周:\n    aliases: [{name}]\n"
    )
    line = cast_with(tmp_path, book, yaml)
    assert f"'{name[:40]}…'" in line and "is 5,000 characters long" in line
    assert "a name may have at most 100" in line


LONG = "x" * 20_000


@pytest.mark.parametrize(
    "yaml",
    [
        f"{LONG}: 1\nspeakers: {{}}\n",  # unknown key (as an explicit key below)
        f"language: {LONG}\n",
        f"engine: {LONG}\n",
        f"threshold: {'9' * 20_000}\n",
        f"pauses: {{chapter: {'9' * 20_000}}}\n",
        f"narrator: {{rate: '{LONG}'}}\n",
        f"speakers:\n  老周: {{gender: {LONG}}}\n",
        f"speakers:\n  老周: {{aliases: '{'周,' * 5000}'}}\n",
        f"pauses: {LONG}\n",
        f"narrator: {LONG}\n",
        f"defaults:\n  zh-TW:\n    pool: [{LONG}]\n",
        f"narrator: zh-CN-{'Q' * 80}Neural\n",  # short enough for the engine to check
    ],
    ids=[
        "key",
        "language",
        "engine",
        "threshold",
        "pause",
        "prosody",
        "gender",
        "aliases",
        "described",
        "bare-voice",
        "pool",
        "engine-hint",
    ],
)
def test_messages_quote_a_short_prefix_of_long_text(tmp_path: Path, book: Path, yaml: str) -> None:
    if yaml.startswith(LONG):
        yaml = f"? {LONG}\n: 1\n"  # a plain key longer than 1024 is no YAML key
    line = cast_with(tmp_path, book, yaml)
    assert len(line) < 400 and "…" in line, line


# --- the cover -------------------------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    """The start of a PNG of that size: all a player reads before it decodes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(header)) + b"IHDR" + header
    return b"\x89PNG\r\n\x1a\n" + chunk + struct.pack(">I", zlib.crc32(chunk[4:]))


def make_cover(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "cover.jpg"
    if kind == "not-an-image":
        path.write_bytes(bytes(range(256)) * 4096)
    elif kind == "only-the-magic":  # a JPEG's first bytes, then 1 MB of anything
        path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4096)
    elif kind == "too-large":
        with open(path, "wb") as f:
            f.write(b"\xff\xd8\xff\xe0")
            f.truncate(limits.COVER_LIMIT + 1)
    else:
        path.write_bytes(png_header(5000, 10) + bytes(100))
    return path


FIX = "give a JPEG or PNG of at most 10 MB and 4096x4096 pixels"


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("not-an-image", "is not a JPEG, PNG, GIF, WebP or BMP image"),
        ("only-the-magic", "is not an image: it starts like one, but its header is broken"),
        ("too-large", "is larger than 10 MB"),
        ("too-wide", "is 5000x10 pixels, more than 4096"),
    ],
)
def test_a_cover_that_is_no_image_of_a_sane_size_is_refused_before_the_render(
    tone_engine: str, tmp_path: Path, book: Path, kind: str, what: str
) -> None:
    cover = make_cover(tmp_path, kind)
    out = tmp_path / "book.mp3"
    args = ["render", str(book), "-o", str(out), "--engine", tone_engine, "-q"]
    line = error_line([*args, "--cache-dir", str(tmp_path / "c"), "--cover", str(cover)])
    assert line == f"Error: cover {cover} {what}; {FIX}"
    assert not out.exists()


# --- the other files a run reads --------------------------------------------------------------


def test_a_script_file_past_the_limit(tone_engine: str, tmp_path: Path, book: Path) -> None:
    script_file = tmp_path / "book.jsonl"
    with open(script_file, "wb") as f:
        f.truncate(limits.TEXT_LIMIT + 1)
    out = tmp_path / "book.mp3"
    args = ["render", str(book), "-o", str(out), "--engine", tone_engine, "-q"]
    line = error_line([*args, "--script", str(script_file), "--cache-dir", str(tmp_path / "c")])
    assert line.startswith(
        f"Error: {script_file}: larger than 100 MB, the most a script file may be; "
    )
    assert not out.exists()


def test_a_script_line_nested_100_000_deep(tone_engine: str, tmp_path: Path, book: Path) -> None:
    script_file = tmp_path / "book.jsonl"
    script_file.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    out = tmp_path / "book.mp3"
    args = ["render", str(book), "-o", str(out), "--engine", tone_engine, "-q"]
    line = error_line([*args, "--script", str(script_file), "--cache-dir", str(tmp_path / "c")])
    assert line.startswith(f"Error: {script_file}:1: not a script line (nested too deep); ")


def test_a_saved_cast_nested_too_deep_or_too_large(tmp_path: Path) -> None:
    from tts.cast.castfile import read_cast
    from tts.errors import ConfigError

    saved = tmp_path / "book.cast.yaml"
    saved.write_text("speakers: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"book\.cast\.yaml:1: nested too deep; delete"):
        read_cast(saved)
    with open(saved, "wb") as f:
        f.truncate(limits.VOICES_LIMIT + 1)
    with pytest.raises(ConfigError, match=r"book\.cast\.yaml: the saved cast is larger than 5 MB"):
        read_cast(saved)


def test_cast_write_into_a_file_past_the_limit(tmp_path: Path, book: Path) -> None:
    target = tmp_path / "cast-for-later.yaml"  # not ./voices.yaml, which --voices reads
    with open(target, "wb") as f:
        f.truncate(limits.VOICES_LIMIT + 1)
    line = error_line(["cast", str(book), "--write", str(target), "--engine", "espeak"])
    assert line.startswith(f"Error: {target}: larger than 5 MB, the most a voices file may be")
