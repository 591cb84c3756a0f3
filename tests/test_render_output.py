"""What `render` writes, as a user finds it on disk and reads it on screen.

- A render of some chapters gets a name of its own and never replaces the whole book; it
  keeps the voices the whole book's cast gave.
- The format is the one -o's name says: a suffix of another format, or a --format that
  contradicts it, is one error line and no file.
- The summary's length is the file's; the progress says minutes "of speech", and shows
  the assembly as it goes.
- Chapter marks, split files' names and their tags follow the book and its language.

With the deterministic tone engine (tests/tone_engine.py: the offline engine's path) unless
a test needs Edge's frame copy (the local fake service).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3
from ruamel.yaml import YAML

from tts import pipeline
from tts.audio.m4b import read_media
from tts.audio.tags import read_chapters
from tts.cli import main
from tts.ffmpeg import ffmpeg_exe

THREE_CHAPTERS = """第1章 出发
老周把船拴在柳树下。
“这么大的雾，今晚还过江吗？”老周问道。
阿秀抱着包袱说：“必须过。”

第2章 过江
江面上起了风。
阿秀说：“我娘还在对岸等我。”
老周叹了口气：“坐稳了。”

第3章 到达
船到对岸时，天边已经发白。
阿秀说：“到了。”
"""


pytestmark = pytest.mark.usefixtures("in_tmp")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def render(source: Path, *extra: str, engine: str = "tone") -> tuple[int, str, str]:
    return run("render", str(source), "--engine", engine, "--cache-dir", "cache", *extra)


def decoded_seconds(path: Path) -> float:
    """The length of the audio at `path` as a decoder plays it (16 kHz samples counted)."""
    cmd = [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1"]
    pcm = subprocess.run([*cmd, "-ar", "16000", "-"], capture_output=True, check=True).stdout
    return len(pcm) / 2 / 16000


def printed_seconds(stdout: str) -> int:
    """The length the 'Wrote ... (1:02:03, engine ...)' line gives, in seconds."""
    found = re.search(r"\((?:(\d+):)?(\d+):(\d\d), ", stdout)
    assert found, stdout
    h, m, s = found.groups()
    return int(h or 0) * 3600 + int(m) * 60 + int(s)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.txt"
    path.write_text(THREE_CHAPTERS, encoding="utf-8")
    return path


# --- a render of some chapters ----------------------------------------------------------------


def test_a_render_of_some_chapters_never_replaces_the_whole_book(tone_engine, book: Path) -> None:
    code, stdout, stderr = render(book, "--quiet")
    assert code == 0, stderr
    whole = Path("output/book.mp3")
    made = whole.read_bytes()

    code, stdout, stderr = render(book, "--chapters", "2,3", "--quiet")
    assert code == 0, stderr
    part = Path("output/book.ch2-3.mp3")
    assert f"Wrote {part}" in stdout
    assert whole.read_bytes() == made
    assert [m.title for m in read_chapters(part)] == ["第2章 过江", "第3章 到达"]
    assert part.with_name("book.ch2-3.cast.yaml").is_file()

    # '2-3' is the same selection, so the same file; one chapter, or all, read as such
    assert f"Wrote {part}" in render(book, "--chapters", "2-3", "--quiet")[1]
    assert "Wrote output/book.ch3.mp3" in render(book, "--chapters", "3", "--quiet")[1]
    assert "Wrote output/book.ch1,3.mp3" in render(book, "--chapters", "3,1", "--quiet")[1]
    assert "Wrote output/book.mp3 " in render(book, "--chapters", "1-", "--quiet")[1]
    assert whole.read_bytes() == made
    # -o still names the file, whatever the chapters
    assert "Wrote two.mp3" in render(book, "--chapters", "2", "-o", "two.mp3", "--quiet")[1]


@pytest.mark.parametrize(
    ("numbers", "count", "label"),
    [
        ([2, 3], 10, "2-3"),
        ([3, 2], 10, "2-3"),
        ([1, 4, 6, 7, 8], 10, "1,4,6-8"),
        ([5], 10, "5"),
        ([5, 6, 7, 8, 9, 10], 10, "5-10"),
        ([1, 2, 3], 3, None),
        ([1], 1, None),
    ],
)
def test_a_selection_reads_the_same_in_a_file_name_however_it_was_written(
    numbers: list[int], count: int, label: str | None
) -> None:
    assert pipeline.selection_label(numbers, count) == label


def _cast(path: Path) -> dict:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def test_a_render_of_some_chapters_keeps_the_whole_books_voices(tone_engine, book: Path) -> None:
    assert render(book, "--quiet")[0] == 0
    whole_cast = Path("output/book.cast.yaml")
    data = _cast(whole_cast)
    had = data["speakers"]["阿秀"]["name"]
    taken = {v["name"] for v in data["speakers"].values()} | {data["narrator"]["name"]}
    # the user gives 阿秀 another voice of her kind in the whole book's cast
    chosen = next(f"{had[:-1]}{n}" for n in range(1, 5) if f"{had[:-1]}{n}" not in taken)
    data["speakers"]["阿秀"]["name"] = chosen
    YAML(typ="safe", pure=True).dump(data, whole_cast)

    code, _, stderr = render(book, "--chapters", "3", "--quiet")
    assert code == 0, stderr
    assert _cast(Path("output/book.ch3.cast.yaml"))["speakers"]["阿秀"]["name"] == chosen


def test_chapters_rendered_one_by_one_keep_one_cast(tone_engine, book: Path) -> None:
    """Without a whole-book render, chapter 3 takes the voices chapter 2's render gave."""
    assert render(book, "--chapters", "2", "--quiet")[0] == 0
    data = _cast(Path("output/book.ch2.cast.yaml"))
    had = data["speakers"]["阿秀"]["name"]
    taken = {v["name"] for v in data["speakers"].values()} | {data["narrator"]["name"]}
    chosen = next(f"{had[:-1]}{n}" for n in range(1, 5) if f"{had[:-1]}{n}" not in taken)
    data["speakers"]["阿秀"]["name"] = chosen
    YAML(typ="safe", pure=True).dump(data, Path("output/book.ch2.cast.yaml"))

    assert render(book, "--chapters", "3", "--quiet")[0] == 0
    assert _cast(Path("output/book.ch3.cast.yaml"))["speakers"]["阿秀"]["name"] == chosen


# --- the format is what -o's name says ----------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "asked", "split", "fmt"),
    [
        (None, None, False, "mp3"),
        (None, "m4b", False, "m4b"),
        ("a.mp3", None, False, "mp3"),
        ("a.MP3", "mp3", False, "mp3"),
        ("a.m4b", None, False, "m4b"),
        ("a.m4a", "m4b", False, "m4b"),
        ("folder", "m4b", True, "m4b"),
        ("folder", None, True, "mp3"),
    ],
)
def test_the_format_is_the_one_the_name_says(
    output: str | None, asked: str | None, split: bool, fmt: str
) -> None:
    path = Path(output) if output else None
    assert pipeline.output_format(path, asked, split_chapters=split) == fmt


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["-o", "book.wav"], "book.wav: -o ends in .wav, which is no format written here"),
        (["-o", "book.ogg", "--format", "mp3"], "book.ogg: -o ends in .ogg"),
        (["-o", "book"], "book: -o has no suffix to say its format"),
        (["-o", "book.m4b", "--format", "mp3"], "name it book.mp3, or leave out --format"),
        (["-o", "book.mp3", "--format", "m4b"], "name it book.m4b, or leave out --format"),
    ],
    ids=["wav", "ogg", "no-suffix", "m4b-as-mp3", "mp3-as-m4b"],
)
def test_an_output_name_that_would_lie_about_its_format_is_refused(
    tone_engine, book: Path, tmp_path: Path, args: list[str], wanted: str
) -> None:
    code, stdout, stderr = render(book, *args)
    assert code == 1
    assert stderr.startswith("Error: ") and len(stderr.splitlines()) == 1, stderr
    assert wanted in stderr
    assert "give -o a name ending in .mp3 or .m4b" in stderr or "leave out --format" in stderr
    assert not (tmp_path / args[1]).exists() and not Path("cache").exists()


@pytest.mark.parametrize("name", ["book.m4b", "book.m4a", "book.M4B"])
def test_an_m4b_or_m4a_name_gets_an_aac_audiobook(tone_engine, book: Path, name: str) -> None:
    code, _, stderr = render(book, "-o", name, "--quiet")
    assert code == 0, stderr
    head = Path(name).read_bytes()[:12]
    assert head[4:8] == b"ftyp" and head[8:12] == b"M4B "
    assert (
        "Audio: aac"
        in subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-i", name], capture_output=True, text=True
        ).stderr
    )


def test_format_alone_still_picks_the_default_names_suffix(tone_engine, book: Path) -> None:
    code, stdout, stderr = render(book, "--format", "m4b", "--quiet")
    assert code == 0, stderr
    assert "Wrote output/book.m4b" in stdout
    assert Path("output/book.m4b").read_bytes()[4:8] == b"ftyp"


# --- the summary tells the file's length; the progress shows the assembly ---------------------


@pytest.mark.parametrize(
    ("engine", "suffix"),
    [("tone", "mp3"), ("tone", "m4b"), ("edge", "mp3")],
    ids=["re-encoded", "m4b", "frame-copy"],
)
def test_the_summary_gives_the_length_of_the_file_written(
    request: pytest.FixtureRequest, book: Path, engine: str, suffix: str
) -> None:
    request.getfixturevalue("tone_engine" if engine == "tone" else "edge_server")
    out = Path(f"book.{suffix}")
    code, stdout, stderr = render(book, "-o", str(out), engine=engine)
    assert code == 0, stderr
    assert abs(printed_seconds(stdout) - decoded_seconds(out)) <= 0.5 + 0.05
    # the progress's minutes are the speech alone (the pauses come on top): it says so
    assert " min of speech" in stderr and " min of audio" not in stderr
    assert "assembling 0%" in stderr
    if suffix == "m4b":
        assert "encoding M4B" in stderr


def test_the_summary_of_chapter_files_is_their_length_together(tone_engine, book: Path) -> None:
    code, stdout, stderr = render(book, "--split-chapters", "--quiet")
    assert code == 0, stderr
    files = sorted(Path("output/book").iterdir())
    assert len(files) == 3
    assert abs(printed_seconds(stdout) - sum(decoded_seconds(f) for f in files)) <= 0.6


@pytest.mark.parametrize("fmt", ["mp3", "m4b"])
def test_assembly_reports_its_progress_through_the_callback(
    tone_engine, book: Path, fmt: str
) -> None:
    heard: list[object] = []
    pipeline.render_book(
        book,
        output=Path(f"out.{fmt}"),
        voices_file=None,
        engine="tone",
        cache_dir=Path("cache"),
        split_chapters=True,
        progress=heard.append,
    )
    stages = [p for p in heard if isinstance(p, pipeline.Assembling)]
    assert stages and stages[0].fraction == 0.0
    names = ["assembling", "encoding M4B"] if fmt == "m4b" else ["assembling"]
    for name in names:
        fractions = [p.fraction for p in stages if p.stage == name]
        assert len(fractions) >= 3, name  # one at least for each chapter file
        assert fractions[-1] == pytest.approx(1.0, abs=0.02), name
        # across the chapter files, one figure for the whole book that only rises
        assert fractions == sorted(fractions), name
    # the synthesis comes first: no line is spoken after the assembly starts
    first = heard.index(stages[0])
    assert all(isinstance(p, pipeline.Assembling) for p in heard[first:])


# --- chapter marks, file names and tags follow the book ---------------------------------------


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("江面上起了雾，老周把船拴在柳树下。\n“今晚还过江吗？”老周问道。\n", "第1章"),
        ("江面上起了霧，老周把船拴在柳樹下。\n「今晚還過江嗎？」老周問道。\n", "第1章"),
        ('The fog came down on the river.\n\n"Are we crossing?" asked Tom.\n', "Chapter 1"),
    ],
    ids=["zh-Hans", "zh-Hant", "en"],
)
def test_a_book_without_headings_gets_a_chapter_mark_in_its_language(
    tone_engine, tmp_path: Path, text: str, mark: str
) -> None:
    source = tmp_path / "story.txt"
    source.write_text(text, encoding="utf-8")
    code, _, stderr = render(source, "-o", "story.mp3", "--quiet")
    assert code == 0, stderr
    assert [m.title for m in read_chapters("story.mp3")] == [mark]


SPACED = """第1章　出发
老周说：“走吧。”

第2章  到达
阿秀说：“到了。”
"""

SPACED_EN = """Chapter 1: The  Road

"Go," said Martha.

Chapter 2 - Home?

"Here," said Tom.
"""


def test_split_chapter_files_are_named_and_tagged_as_players_show_them(
    tone_engine, tmp_path: Path
) -> None:
    source = tmp_path / "两章.txt"
    source.write_text(SPACED, encoding="utf-8")
    code, _, stderr = render(source, "--split-chapters", "--quiet")
    assert code == 0, stderr
    files = sorted(Path("output/两章").iterdir())
    assert [f.name for f in files] == ["001 第1章 出发.mp3", "002 第2章 到达.mp3"]
    for n, (path, title) in enumerate(zip(files, ["第1章 出发", "第2章 到达"], strict=True), 1):
        tag = ID3(path)
        assert str(tag["TIT2"]) == title
        assert str(tag["TALB"]) == "两章"
        assert str(tag["TRCK"]) == f"{n}/2"
        assert str(tag["TLAN"]) == "zho"
        assert str(tag["TCON"]) == "Audiobook"
        assert [m.title for m in read_chapters(path)] == [title]


def test_split_chapter_names_have_no_doubled_or_stray_spaces(tone_engine, tmp_path: Path) -> None:
    source = tmp_path / "road.txt"
    source.write_text(SPACED_EN, encoding="utf-8")
    code, _, stderr = render(source, "--split-chapters", "--quiet")
    assert code == 0, stderr
    names = sorted(f.name for f in Path("output/road").iterdir())
    assert names == ["001 Chapter 1 The Road.mp3", "002 Chapter 2 - Home.mp3"]
    assert str(ID3(Path("output/road") / names[0])["TLAN"]) == "eng"


def test_split_chapters_of_a_selection_number_among_the_whole_book(tone_engine, book: Path) -> None:
    code, _, stderr = render(book, "--chapters", "2-3", "--split-chapters", "--quiet")
    assert code == 0, stderr
    files = sorted(Path("output/book.ch2-3").iterdir())
    assert [f.name for f in files] == ["002 第2章 过江.mp3", "003 第3章 到达.mp3"]
    assert [str(ID3(f)["TRCK"]) for f in files] == ["2/3", "3/3"]


def test_split_m4b_files_carry_their_chapter_title_and_track(tone_engine, book: Path) -> None:
    code, _, stderr = render(book, "--split-chapters", "--format", "m4b", "--quiet")
    assert code == 0, stderr
    files = sorted(Path("output/book").iterdir())
    meta = read_media(files[1]).metadata
    assert meta["title"] == "第2章 过江"
    assert meta["album"] == "book"
    assert meta["track"] == "2/3"
