"""ID3 tags on the assembled MP3: what a phone player shows (title, author, cover, chapters)."""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path

import pytest
from audio_factory import sine_mp3
from edge_server import ffmpeg
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3

from tts.audio.assemble import assemble
from tts.audio.m4b import read_media
from tts.audio.tags import (
    BookInfo,
    ChapterMark,
    chapter_ms,
    image_mime,
    image_size,
    iso639_2,
    load_cover,
    marks_from_starts,
    read_chapters,
    write_id3,
    year_text,
)
from tts.errors import AudiobookError, InputError
from tts.model import Silence

RATE = 24000
ZH = BookInfo(title="青云山下的小镇", author="林晚舟", year="2019", language="zh-Hans")
EN = BookInfo(title="The Lamplighter's Daughter", author="Ada Finch", year="1897", language="en")
ZH_MARKS = (
    ChapterMark("第一章 雨夜来客", 0.0, 2.0),
    ChapterMark("第二章 Old Friends 旧友", 2.0, 4.5),
    ChapterMark("第三章 山门", 4.5, 6.0),
)
EN_MARKS = (
    ChapterMark("Chapter One: The Fog", 0.0, 1.2),
    ChapterMark("Chapter Two — 北风", 1.2, 3.0),
    ChapterMark("Chapter Three", 3.0, 6.0),
)


def decoded(path: Path) -> bytes:
    return ffmpeg("-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "pipe:1")


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("covers")
    out = {}
    for ext, color in (("png", "red"), ("jpg", "blue"), ("gif", "yellow"), ("webp", "white")):
        path = d / f"cover.{ext}"
        ffmpeg("-f", "lavfi", "-i", f"color=c={color}:s=64x64", "-frames:v", "1", "-y", str(path))
        out[ext] = path.read_bytes()
    return out


@pytest.fixture(scope="module")
def book_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(sine_mp3(tmp_path_factory.mktemp("book") / "book.mp3", 440, 6.0).path)


@pytest.fixture
def mp3(book_mp3: Path, tmp_path: Path) -> Path:
    path = tmp_path / "book.mp3"
    path.write_bytes(book_mp3.read_bytes())
    return path


@pytest.mark.parametrize(("info", "marks"), [(ZH, ZH_MARKS), (EN, EN_MARKS)], ids=["zh", "en"])
def test_chapters_read_back_in_order_with_ms_times(
    mp3: Path, info: BookInfo, marks: tuple[ChapterMark, ...]
) -> None:
    write_id3(mp3, info=info, chapters=marks)
    assert read_chapters(mp3) == list(marks)
    tag = ID3(mp3)
    assert tag.version == (2, 3, 0)
    chaps = {f.element_id: f for f in tag.getall("CHAP")}
    assert sorted(chaps) == ["chp0", "chp1", "chp2"]
    for i, mark in enumerate(marks):
        frame = chaps[f"chp{i}"]
        assert (frame.start_time, frame.end_time) == (
            round(mark.start * 1000),
            round(mark.end * 1000),
        )
        assert frame.sub_frames["TIT2"].text == [mark.title]
    (toc,) = tag.getall("CTOC")
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    assert toc.child_element_ids == ["chp0", "chp1", "chp2"]


def test_a_web_novel_with_hundreds_of_chapters_gets_nested_tables(mp3: Path) -> None:
    """A CTOC lists at most 255 children: past that, the top level lists groups of 100."""
    titles = [f"第{n}章" if n % 2 else f"Chapter {n}" for n in range(1, 322)]
    marks = marks_from_starts(titles, [n * 0.018 for n in range(321)], 6.0)
    write_id3(mp3, info=ZH, chapters=marks)
    assert [(m.title, m.start) for m in read_chapters(mp3)] == [
        (m.title, round(m.start * 1000) / 1000) for m in marks
    ]
    tocs = {f.element_id: f for f in ID3(mp3).getall("CTOC")}
    assert tocs["toc"].child_element_ids == ["toc1", "toc2", "toc3", "toc4"]
    assert tocs["toc"].flags & CTOCFlags.TOP_LEVEL and not tocs["toc2"].flags & CTOCFlags.TOP_LEVEL
    assert tocs["toc2"].child_element_ids == [f"chp{i}" for i in range(100, 200)]
    assert str(tocs["toc4"].sub_frames["TIT2"]) == "第301章 – 第321章"
    assert [c.title for c in read_media(mp3).chapters] == titles


def test_a_player_on_ffmpeg_lists_chapters_in_time_order(mp3: Path) -> None:
    """ffmpeg (mpv, VLC) ignores CTOC and lists CHAP frames in file order."""
    write_id3(mp3, info=ZH, chapters=ZH_MARKS)
    seen = read_media(mp3).chapters
    assert [c.title for c in seen] == [m.title for m in ZH_MARKS]
    assert [c.start for c in seen] == pytest.approx([m.start for m in ZH_MARKS], abs=0.001)


@pytest.mark.parametrize(
    ("info", "fields"),
    [
        (
            ZH,
            {"TIT2": "青云山下的小镇", "TALB": "青云山下的小镇", "TPE1": "林晚舟",
             "TDRC": "2019", "TLAN": "zho"},
        ),
        (
            EN,
            {"TIT2": "The Lamplighter's Daughter", "TALB": "The Lamplighter's Daughter",
             "TPE1": "Ada Finch", "TDRC": "1897", "TLAN": "eng"},
        ),
        (BookInfo(title="无名之书"), {"TIT2": "无名之书", "TALB": "无名之书"}),
    ],
    ids=["zh", "en", "title-only"],
)  # fmt: skip
def test_book_fields(mp3: Path, info: BookInfo, fields: dict[str, str]) -> None:
    write_id3(mp3, info=info, chapters=())
    tag = ID3(mp3)
    for key, value in fields.items():
        assert str(tag[key].text[0]) == value, key
    for key in {"TPE1", "TDRC", "TLAN"} - set(fields):
        assert key not in tag
    assert "TRCK" not in tag and not tag.getall("CHAP") and not tag.getall("CTOC")
    seconds = len(decoded(mp3)) / 2 / RATE  # 6 s of tone and the encoder's delay
    assert int(tag["TLEN"].text[0]) == pytest.approx(seconds * 1000, abs=2)


def test_one_file_of_a_split_book_is_titled_by_its_chapter_and_numbered_of_all(
    mp3: Path,
) -> None:
    write_id3(mp3, info=ZH, chapters=ZH_MARKS[:1], title="第7章 渡口", track=(7, 12))
    tag = ID3(mp3)
    assert tag["TRCK"].text == ["7/12"]
    assert (tag["TIT2"].text, tag["TALB"].text) == (["第7章 渡口"], [ZH.title])


@pytest.mark.parametrize(("ext", "mime"), [("png", "image/png"), ("jpg", "image/jpeg")])
def test_cover_is_the_front_picture_with_its_type(
    mp3: Path, images: dict[str, bytes], ext: str, mime: str
) -> None:
    write_id3(mp3, info=EN, chapters=EN_MARKS, cover=images[ext])
    (apic,) = ID3(mp3).getall("APIC")
    assert (apic.type, apic.mime, apic.data) == (3, mime, images[ext])
    assert read_media(mp3).has_cover


def test_a_given_cover_wins_over_the_books(mp3: Path, images: dict[str, bytes]) -> None:
    info = BookInfo(title="封面", cover=images["png"], cover_mime="image/png")
    write_id3(mp3, info=info, chapters=())
    assert ID3(mp3).getall("APIC")[0].mime == "image/png"
    write_id3(mp3, info=info, chapters=(), cover=images["jpg"])
    (apic,) = ID3(mp3).getall("APIC")
    assert (apic.mime, apic.data) == ("image/jpeg", images["jpg"])


@pytest.mark.parametrize("ext", ["gif", "webp"])
def test_other_image_types_become_jpeg(
    mp3: Path, images: dict[str, bytes], tmp_path: Path, ext: str
) -> None:
    write_id3(mp3, info=EN, chapters=(), cover=images[ext])
    (apic,) = ID3(mp3).getall("APIC")
    assert apic.mime == "image/jpeg" and apic.data.startswith(b"\xff\xd8\xff")
    path = tmp_path / f"cover.{ext}"
    path.write_bytes(images[ext])
    data, mime = load_cover(path)
    assert mime == "image/jpeg" and image_mime(data) == mime


def test_a_broken_book_cover_is_left_out(mp3: Path) -> None:
    info = BookInfo(title="残缺封面", cover=b"\x00garbage", cover_mime="image/jpeg")
    write_id3(mp3, info=info, chapters=ZH_MARKS)
    tag = ID3(mp3)
    assert not tag.getall("APIC") and len(read_chapters(mp3)) == 3


def test_audio_is_unchanged_by_tagging(mp3: Path, images: dict[str, bytes]) -> None:
    before_bytes, before_pcm = mp3.read_bytes(), decoded(mp3)
    write_id3(mp3, info=ZH, chapters=ZH_MARKS, cover=images["png"])
    after = mp3.read_bytes()
    assert after.endswith(before_bytes) and after.startswith(b"ID3\x03")
    assert decoded(mp3) == before_pcm
    assert len(before_pcm) / 2 / RATE == pytest.approx(6.0, abs=0.05)
    assert MP3(mp3).info.length == pytest.approx(6.0, abs=0.05)


def test_retagging_replaces_the_old_tag(mp3: Path, images: dict[str, bytes]) -> None:
    write_id3(mp3, info=ZH, chapters=ZH_MARKS, cover=images["png"])
    write_id3(mp3, info=EN, chapters=EN_MARKS[:2])
    tag = ID3(mp3)
    assert str(tag["TIT2"]) == EN.title and not tag.getall("APIC")
    assert [m.title for m in read_chapters(mp3)] == [m.title for m in EN_MARKS[:2]]
    assert mp3.read_bytes().count(b"ID3\x03") == 1


def test_ffmpegs_own_tag_and_xing_frame_are_handled(tmp_path: Path) -> None:
    """The assembler's re-encode path leaves ffmpeg's ID3 tag and a Xing frame."""
    path = Path(sine_mp3(tmp_path / "encoded.mp3", 440, 3.0, tags=True).path)
    pcm = decoded(path)
    marks = marks_from_starts(["Part 1", "第二部"], [0.0, 1.5], 3.0)
    write_id3(path, info=EN, chapters=marks)
    assert b"Lavf" not in path.read_bytes()[:4096]
    assert [m.title for m in read_chapters(path)] == ["Part 1", "第二部"]
    assert decoded(path) == pcm


def test_chapter_ends_past_the_audio_are_clamped(mp3: Path) -> None:
    write_id3(mp3, info=EN, chapters=[ChapterMark("All", 0.0, 6.3)])
    (mark,) = read_chapters(mp3)
    assert mark.end == pytest.approx(len(decoded(mp3)) / 2 / RATE, abs=0.002)


def test_permissions_are_kept(mp3: Path) -> None:
    mp3.chmod(0o644)
    write_id3(mp3, info=EN, chapters=EN_MARKS)
    assert stat.S_IMODE(mp3.stat().st_mode) == 0o644


@pytest.mark.parametrize(
    ("marks", "cover"),
    [
        ([ChapterMark("二", 2.0, 3.0), ChapterMark("一", 0.0, 2.0)], None),
        ([ChapterMark("Empty", 2.0, 2.0)], None),
        ([ChapterMark("After the end", 7.0, 8.0)], None),
        ([], b"GIF89a not a cover"),
    ],
    ids=["out-of-order", "empty", "past-the-end", "gif-cover"],
)
def test_bad_input_leaves_the_file_untouched(
    mp3: Path, marks: list[ChapterMark], cover: bytes | None
) -> None:
    before = mp3.read_bytes()
    with pytest.raises(AudiobookError) as info:
        write_id3(mp3, info=ZH, chapters=marks, cover=cover)
    assert "\n" not in str(info.value)
    assert mp3.read_bytes() == before
    assert os.listdir(mp3.parent) == [mp3.name]


def test_not_an_mp3_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp3"
    path.write_bytes("这不是音频 not audio\n".encode() * 50)
    with pytest.raises(AudiobookError, match="notes.mp3"):
        write_id3(path, info=EN, chapters=())


def test_untagged_file_has_no_chapters(mp3: Path) -> None:
    assert read_chapters(mp3) == []


def test_tagging_an_assembled_book_at_its_chapter_starts(tmp_path: Path) -> None:
    """The wiring the pipeline does: chapter starts from the timeline, then tag the output."""
    clip_a = sine_mp3(tmp_path / "a.mp3", 330, 1.0)
    clip_b = sine_mp3(tmp_path / "b.mp3", 550, 1.5)
    timeline = [clip_a, Silence(0.6), clip_a, Silence(2.5), clip_b]
    starts = [0.0, clip_a.duration * 2 + 0.6 + 2.5]
    out = tmp_path / "book.mp3"
    total = assemble(timeline, out)
    write_id3(out, info=ZH, chapters=marks_from_starts(["第一章", "第二章"], starts, total))
    got = read_chapters(out)
    assert [m.title for m in got] == ["第一章", "第二章"]
    assert got[1].start == pytest.approx(starts[1], abs=0.03)
    assert got[1].end == pytest.approx(total, abs=0.03)
    pcm = decoded(out)
    second = int(starts[1] * RATE) * 2
    assert max(abs(int.from_bytes(pcm[i : i + 2], "little", signed=True))
               for i in range(second - 2000, second - 200, 2)) < 50  # fmt: skip
    assert len(pcm) / 2 / RATE == pytest.approx(total, abs=0.05)


@pytest.mark.parametrize(
    ("language", "code"),
    [("zh-Hans", "zho"), ("zh-Hant", "zho"), ("en", "eng"), ("en_GB", "eng"), ("yue", "yue"),
     ("", None), (None, None), ("x", None)],
)  # fmt: skip
def test_iso639_2(language: str | None, code: str | None) -> None:
    assert iso639_2(language) == code


@pytest.mark.parametrize(
    ("year", "text"),
    [(2019, "2019"), ("1897", "1897"), ("2008-05-01", "2008"), ("民国", None), (None, None),
     ("98", None)],
)  # fmt: skip
def test_year_text(year: int | str | None, text: str | None) -> None:
    assert year_text(year) == text


def test_image_mime(images: dict[str, bytes]) -> None:
    assert image_mime(images["png"]) == "image/png"
    assert image_mime(images["jpg"]) == "image/jpeg"
    assert image_mime(b"GIF89a...") is None
    assert image_mime(b"") is None


def test_image_size(images: dict[str, bytes]) -> None:
    assert image_size(images["png"]) == (64, 64)
    assert image_size(images["jpg"]) == (64, 64)
    assert image_size(b"\xff\xd8\xff\xe0" + bytes(range(256))) is None  # only the magic
    assert image_size(b"\x89PNG\r\n\x1a\n" + bytes(100)) is None
    assert image_size(images["gif"]) is None  # converted to JPEG before it is measured


def test_a_book_cover_too_large_to_show_is_left_out(mp3: Path) -> None:
    wide = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 8000, 100) + bytes(64)
    info = BookInfo(title="宽封面", cover=wide, cover_mime="image/png")
    write_id3(mp3, info=info, chapters=ZH_MARKS)
    assert not ID3(mp3).getall("APIC") and len(read_chapters(mp3)) == 3


def test_load_cover(tmp_path: Path, images: dict[str, bytes]) -> None:
    good = tmp_path / "封面.jpg"
    good.write_bytes(images["jpg"])
    assert load_cover(good) == (images["jpg"], "image/jpeg")
    bad = tmp_path / "cover.webp"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WEBP")
    with pytest.raises(InputError, match=r"cover\.webp is not an image .*; give a JPEG or PNG"):
        load_cover(bad)
    with pytest.raises(InputError, match="missing.png"):
        load_cover(tmp_path / "missing.png")


def test_marks_from_starts() -> None:
    assert marks_from_starts(["一", "Two", "三"], [0.0, 10.0, 25.5], 40.0) == [
        ChapterMark("一", 0.0, 10.0),
        ChapterMark("Two", 10.0, 25.5),
        ChapterMark("三", 25.5, 40.0),
    ]
    assert marks_from_starts([], [], 3.0) == []
    with pytest.raises(ValueError):
        marks_from_starts(["one"], [0.0, 1.0], 2.0)


def test_chapter_ms_rounds_and_clamps() -> None:
    marks = [ChapterMark("a", -0.0004, 1.2344), ChapterMark("b", 1.2344, 99.0)]
    assert chapter_ms(marks, 5000) == [("a", 0, 1234), ("b", 1234, 5000)]
