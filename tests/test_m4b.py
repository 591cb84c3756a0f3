"""The .m4b audiobook: AAC with chapters, book metadata and a cover, read back with ffmpeg."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from audio_factory import sine_mp3, sine_pcm
from edge_server import ffmpeg
from mutagen.mp4 import MP4

from tts.audio.m4b import encode_m4b, ffmetadata, parse_ffmetadata, read_m4b_chapters, read_media
from tts.audio.tags import ChapterMark, write_id3
from tts.errors import AudiobookError
from tts.ffmpeg import ffmpeg_exe
from tts.model import BookInfo

RATE = 24000
ZH = BookInfo(title="青云山下的小镇", author="林晚舟", year="2019", language="zh-Hans")
EN = BookInfo(title="The Lamplighter's Daughter", author="Ada Finch", year="1897", language="en")
MARKS = (
    ChapterMark("第一章 雨夜来客", 0.0, 1.5),
    ChapterMark("Chapter 2: Tea = Trouble; #1 \\ maybe", 1.5, 4.25),
    ChapterMark("第三章 山门", 4.25, 6.0),
)


def listing(path: Path) -> str:
    """The streams ffmpeg lists for a file (it prints them, then stops: no output named)."""
    return subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)], capture_output=True
    ).stderr.decode()


def seconds_decoded(path: Path) -> float:
    pcm = ffmpeg("-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "pipe:1")
    return len(pcm) / 2 / RATE


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("m4b-media")
    mp3, pcm = sine_mp3(d / "book.mp3", 440, 6.0), sine_pcm(d / "book.pcm", 300, 3.0)
    out = {"mp3": Path(mp3.path), "pcm": Path(pcm.path)}
    for ext, color in (("png", "red"), ("jpg", "green")):
        path = d / f"cover.{ext}"
        ffmpeg("-f", "lavfi", "-i", f"color=c={color}:s=64x64", "-frames:v", "1", "-y", str(path))
        out[ext] = path
    return out


@pytest.fixture(scope="module")
def book(media: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("m4b") / "青云山下的小镇.m4b"
    encode_m4b(media["mp3"], out, info=ZH, chapters=MARKS, cover=media["png"].read_bytes())
    return out


def test_chapters_read_back_with_ffmpeg(book: Path) -> None:
    chapters = read_m4b_chapters(book)
    assert [c.title for c in chapters] == [m.title for m in MARKS]
    for got, want in zip(chapters, MARKS, strict=True):
        assert got.start == pytest.approx(want.start, abs=0.05)
        assert got.end == pytest.approx(want.end, abs=0.05)


def test_nero_chapters_for_android_players(book: Path) -> None:
    """Besides Apple's chapter track, ffmpeg writes a Nero 'chpl' box; mutagen reads that."""
    chapters = MP4(book).chapters
    assert chapters is not None
    assert [c.title for c in chapters] == [m.title for m in MARKS]
    assert [c.start for c in chapters] == pytest.approx([m.start for m in MARKS], abs=0.05)


def test_a_tagged_mp3_source_brings_only_its_audio(media: dict[str, Path], tmp_path: Path) -> None:
    tagged = tmp_path / "tagged.mp3"
    tagged.write_bytes(media["mp3"].read_bytes())
    write_id3(
        tagged, info=EN, chapters=[ChapterMark("Old", 0.0, 6.0)], cover=media["jpg"].read_bytes()
    )
    out = tmp_path / "from-tagged.m4b"
    encode_m4b(tagged, out, info=ZH, chapters=MARKS, cover=media["png"].read_bytes())
    got = read_media(out)
    assert [c.title for c in got.chapters] == [m.title for m in MARKS]
    assert got.metadata["title"] == ZH.title
    found = listing(out)
    assert found.count("(attached pic)") == 1 and "png" in found


def test_player_sees_an_audiobook_with_title_author_and_cover(book: Path) -> None:
    info = read_media(book)
    assert info.metadata["title"] == ZH.title
    assert info.metadata["album"] == ZH.title
    assert info.metadata["artist"] == ZH.author
    assert info.metadata["date"] == "2019"
    assert info.metadata["genre"] == "Audiobook"
    assert info.metadata["media_type"] == "2"  # iTunes 'stik': audiobook
    assert info.metadata["major_brand"].strip() == "M4B"
    assert info.has_cover


def test_length_matches_the_source(book: Path, media: dict[str, Path]) -> None:
    source = seconds_decoded(media["mp3"])
    assert read_media(book).duration == pytest.approx(source, abs=0.1)
    assert seconds_decoded(book) == pytest.approx(source, abs=0.1)


def test_audio_is_aac_with_the_language(book: Path) -> None:
    audio = next(line for line in listing(book).splitlines() if "Audio:" in line)
    assert "aac" in audio and "(zho)" in audio


def test_jpeg_cover_and_english_book(media: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "lamplighter.m4b"
    info = BookInfo(EN.title, EN.author, EN.year, EN.language, media["jpg"].read_bytes())
    encode_m4b(media["mp3"], out, info=info, chapters=MARKS[:2], bitrate="32k")
    got = read_media(out)
    assert got.has_cover and got.metadata["artist"] == "Ada Finch"
    assert [c.title for c in got.chapters] == [m.title for m in MARKS[:2]]
    found = listing(out)
    assert "mjpeg" in found and "(attached pic)" in found


def test_no_cover_no_chapters(media: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "plain.m4b"
    encode_m4b(media["mp3"], out, info=BookInfo(title="无名之书"), chapters=())
    got = read_media(out)
    assert not got.has_cover and got.chapters == () and got.metadata["title"] == "无名之书"


def test_raw_pcm_source(media: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "offline.m4b"
    marks = [ChapterMark("One", 0.0, 1.0), ChapterMark("二", 1.0, 3.0)]
    encode_m4b(media["pcm"], out, info=EN, chapters=marks, pcm_rate=22050)
    got = read_media(out)
    assert got.duration == pytest.approx(3.0, abs=0.1)
    assert [c.start for c in got.chapters] == pytest.approx([0.0, 1.0], abs=0.05)


def test_failure_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(bytes(range(256)) * 40)
    out = tmp_path / "book.m4b"
    out.write_bytes(b"yesterday's book")
    with pytest.raises(AudiobookError, match=r"ffmpeg could not make .*book\.m4b: ") as info:
        encode_m4b(junk, out, info=ZH, chapters=MARKS)
    assert "\n" not in str(info.value)
    assert out.read_bytes() == b"yesterday's book"
    assert sorted(os.listdir(tmp_path)) == ["book.m4b", "junk.mp3"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bitrate": "64000"}, "not like '64k'"),
        ({"cover": b"GIF89a"}, "cover is not an image"),
        ({"chapters": [ChapterMark("二", 2.0, 3.0), ChapterMark("一", 0.0, 2.0)]}, "out of order"),
    ],
    ids=["bitrate", "cover", "chapter-order"],
)
def test_bad_arguments(
    media: dict[str, Path], tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {"info": ZH, "chapters": MARKS, **kwargs}
    with pytest.raises(AudiobookError, match=message):
        encode_m4b(media["mp3"], tmp_path / "x.m4b", **args)  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(AudiobookError, match="missing.mp3 does not exist"):
        encode_m4b(tmp_path / "missing.mp3", tmp_path / "x.m4b", info=EN, chapters=())


@pytest.mark.parametrize(
    "title",
    ["第一章 风起", "Chapter 1", "a=b; c#d \\ e", "两行\n标题", "  spaced  ", "「引号」=“书名”"],
)
def test_ffmetadata_round_trip(title: str) -> None:
    info = BookInfo(title=f"书：{title}", author="作者=Author; #1")
    tags, chapters = parse_ffmetadata(ffmetadata(info, [ChapterMark(title, 0.0, 1.5)]))
    flat = " ".join(title.splitlines())
    assert tags["title"] == " ".join(info.title.splitlines())
    assert tags["artist"] == info.author
    assert chapters == [ChapterMark(flat, 0.0, 1.5)]


def test_parse_ffmetadata_timebase_and_escaped_newline() -> None:
    text = (
        ";FFMETADATA1\ntitle=Book\\\nTwo\n\n[CHAPTER]\nTIMEBASE=1/24000\nSTART=0\nEND=36000\n"
        "title=一\n[STREAM]\ntitle=not the book\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=1500\n"
        "END=2000\n"
    )
    tags, chapters = parse_ffmetadata(text)
    assert tags == {"title": "Book\nTwo"}
    assert chapters == [ChapterMark("一", 0.0, 1.5), ChapterMark("Chapter 2", 1.5, 2.0)]
