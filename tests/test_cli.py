"""The `audiobook` command end to end, as a user runs it.

The Edge engine runs for real against the local fake service, where every voice is its own
tone, so these tests can hear who speaks each line in the finished MP3.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from edge_server import decode_mp3, tone_frequency, voice_for_tone
from texts import FERRY

from tts.cli import main

RATE = 24000

CHAPTER = FERRY


pytestmark = pytest.mark.usefixtures("in_tmp")


def run(args: list[str], tmp_path: Path) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def render(source: Path, out: Path, tmp_path: Path, *extra: str, engine: str | None = "edge"):
    """`audiobook render SOURCE -o OUT` with a cache of the test's own (engine None: no
    --engine, the default)."""
    args = ["render", str(source), "-o", str(out), "--cache-dir", str(tmp_path / "c")]
    args += ["--engine", engine] if engine else []
    return run([*args, *extra], tmp_path)


def spoken_runs(samples, min_gap: float = 0.15, threshold: int = 300) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of sound separated by at least `min_gap` of silence."""
    window = RATE // 100  # 10 ms
    loud = []
    for start in range(0, len(samples) - window + 1, window):
        chunk = samples[start : start + window]
        loud.append(max(chunk) > threshold or -min(chunk) > threshold)
    runs: list[tuple[float, float]] = []
    begin = None
    quiet = 0
    for i, is_loud in enumerate(loud):
        if is_loud:
            if begin is None:
                begin = i
            quiet = 0
        elif begin is not None:
            quiet += 1
            if quiet * 0.01 >= min_gap:
                runs.append((begin * 0.01, (i - quiet + 1) * 0.01))
                begin, quiet = None, 0
    if begin is not None:
        runs.append((begin * 0.01, (len(loud) - quiet) * 0.01))
    return runs


def collapse(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if not out or out[-1] != item:
            out.append(item)
    return out


@pytest.fixture
def chapter(tmp_path: Path) -> Path:
    path = tmp_path / "夜渡.txt"
    path.write_text(CHAPTER, encoding="utf-8")
    return path


def test_render_multi_speaker_chapter_each_voice_speaks_its_lines_in_order(
    edge_server, chapter: Path, tmp_path: Path
) -> None:
    out = tmp_path / "book.mp3"
    code, stdout, stderr = run(
        ["script", str(chapter), "--format", "jsonl", "--engine", "edge"], tmp_path
    )
    assert code == 0, stderr
    records = [json.loads(line) for line in stdout.splitlines()]
    speakers = {r["speaker"] for r in records if r["kind"] == "dialogue"}
    assert {"老周", "阿秀", "赵先生"} <= speakers

    code, stdout, stderr = render(chapter, out, tmp_path)
    assert code == 0, stderr
    assert "Wrote" in stdout and str(out) in stdout

    samples = decode_mp3(out.read_bytes())
    runs = spoken_runs(samples)
    heard = [
        voice_for_tone(tone_frequency(samples[int(a * RATE) : int(b * RATE)])) or "?"
        for a, b in runs
    ]
    expected = [r["voice"] for r in records if r["kind"] != "pause"]
    assert collapse(heard) == collapse(expected)
    # narrator and three characters, four different voices
    assert len({r["voice"] for r in records if r["kind"] != "pause"}) >= 4

    # the length adds up: every request's audio plus the pauses between them
    speech = sum(b - a for a, b in runs)
    total = len(samples) / RATE
    assert speech > 0.6 * total
    assert 3.0 < total - speech < 12.0


def test_rerun_makes_no_requests(edge_server, chapter: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.mp3"
    assert render(chapter, out, tmp_path)[0] == 0
    first = len(edge_server.requests)
    assert first > 0
    first_bytes = out.read_bytes()
    assert render(chapter, out, tmp_path)[0] == 0
    assert len(edge_server.requests) == first
    assert out.read_bytes() == first_bytes


def test_script_jsonl_has_the_contract_fields(chapter: Path, tmp_path: Path) -> None:
    code, stdout, _ = run(["script", str(chapter), "--format", "jsonl"], tmp_path)
    assert code == 0
    records = [json.loads(line) for line in stdout.splitlines()]
    for r in records:
        assert {"chapter", "index", "kind", "speaker", "voice", "text", "confidence"} <= set(r)
    assert [r["index"] for r in records] == list(range(len(records)))
    assert records[0]["kind"] == "heading" and records[0]["text"] == "第3章 夜渡"
    assert records[0]["speaker"] is None
    kinds = [r["kind"] for r in records]
    assert "pause" in kinds
    pause = records[kinds.index("pause")]
    assert pause["voice"] is None
    narration = [r for r in records if r["kind"] == "narration"]
    assert all(r["speaker"] is None for r in narration)
    assert len({r["voice"] for r in narration}) == 1


def test_script_text_reads_like_a_screenplay(chapter: Path, tmp_path: Path) -> None:
    code, stdout, _ = run(["script", str(chapter)], tmp_path)
    assert code == 0
    assert "老周：这么大的雾，今晚还过江吗？" in stdout
    assert "阿秀：必须过。我娘还在对岸等我。" in stdout


def test_render_corrected_script_uses_the_reviewed_speaker(
    edge_server, chapter: Path, tmp_path: Path
) -> None:
    code, stdout, _ = run(
        ["script", str(chapter), "--format", "jsonl", "--engine", "edge"], tmp_path
    )
    records = [json.loads(line) for line in stdout.splitlines()]
    line = next(r for r in records if r["text"].startswith("必须过"))
    voice_of = {r["speaker"]: r["voice"] for r in records if r["speaker"]}
    line["speaker"] = "老周"  # a reviewer's correction
    fixed = tmp_path / "fixed.jsonl"
    fixed.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8"
    )
    out = tmp_path / "fixed.mp3"
    code, _, stderr = render(chapter, out, tmp_path, "--script", str(fixed))
    assert code == 0, stderr
    sent = [r for r in edge_server.requests if "必须过" in r.text]
    assert sent and sent[0].voice == voice_of["老周"]


def test_offline_engine_renders_a_chapter(chapter: Path, tmp_path: Path) -> None:
    out = tmp_path / "offline.mp3"
    code, stdout, stderr = render(chapter, out, tmp_path, engine="espeak")
    assert code == 0, stderr
    samples = decode_mp3(out.read_bytes())
    seconds = len(samples) / RATE
    assert seconds > 5
    assert len(spoken_runs(samples, min_gap=0.4, threshold=500)) >= 5
    assert "engine espeak" in stdout


def test_auto_falls_back_to_offline_with_a_warning(
    edge_offline, chapter: Path, tmp_path: Path
) -> None:
    out = tmp_path / "auto.mp3"
    code, stdout, stderr = render(chapter, out, tmp_path, engine=None)
    assert code == 0, stderr
    assert "Warning:" in stderr and "espeak" in stderr
    assert out.is_file() and "engine espeak" in stdout


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n", encoding="utf-8")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    folder = tmp_path / "folder"
    folder.mkdir()
    good = tmp_path / "good.txt"
    good.write_text(CHAPTER, encoding="utf-8")
    return {
        "missing": ([str(tmp_path / "nope.txt")], "nope.txt"),
        "empty": ([str(empty)], "empty.txt"),
        "directory": ([str(folder)], "folder"),
        "binary": ([str(binary)], "photo.txt"),
        "unknown engine": ([str(good), "--engine", "festival"], "festival"),
    }


@pytest.mark.parametrize("case", ["missing", "empty", "directory", "binary", "unknown engine"])
def test_bad_input_is_one_error_line_and_no_output(case: str, tmp_path: Path) -> None:
    args, mention = _bad_inputs(tmp_path)[case]
    out = tmp_path / "out.mp3"
    code, stdout, stderr = run(
        ["render", *args, "-o", str(out), "--cache-dir", str(tmp_path / "c")], tmp_path
    )
    assert code != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert mention in lines[0]
    assert not out.exists()


def test_every_voices_yaml_mistake_is_an_error_line_in_file_order(
    chapter: Path, tmp_path: Path
) -> None:
    # found language first (hints use it), speakers last: printed by line all the same
    (tmp_path / "voices.yaml").write_text(
        "speakers:\n  Darcy: {gendre: male}\nthreshold: 2\nlanguage: zh-SG\n", encoding="utf-8"
    )
    code, stdout, stderr = run(
        ["cast", str(chapter), "--voices", "voices.yaml", "--cache-dir", str(tmp_path / "c")],
        tmp_path,
    )
    assert code == 1 and stdout == ""
    lines = stderr.strip().splitlines()
    assert [line.split(": ", 2)[:2] for line in lines] == [
        ["Error", "voices.yaml:2"],
        ["Error", "voices.yaml:3"],
        ["Error", "voices.yaml:4"],
    ]
    assert "unknown key 'gendre'" in lines[0]
    assert "threshold 2 is outside 0..1" in lines[1]
    assert "unknown language 'zh-SG'" in lines[2]


def test_service_unreachable_says_use_espeak(edge_offline, chapter: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp3"
    code, _, stderr = render(chapter, out, tmp_path)
    assert code != 0
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert "--engine espeak" in lines[0]
    assert not out.exists()


def test_existing_output_survives_a_failed_render(
    edge_offline, chapter: Path, tmp_path: Path
) -> None:
    out = tmp_path / "keep.mp3"
    out.write_bytes(b"my old audiobook")
    code, _, _ = render(chapter, out, tmp_path)
    assert code != 0
    assert out.read_bytes() == b"my old audiobook"


def test_voices_lists_shipped_edge_voices_by_locale(edge_offline, tmp_path: Path) -> None:
    code, stdout, _ = run(
        ["voices", "--locale", "zh-CN", "--cache-dir", str(tmp_path / "c")], tmp_path
    )
    assert code == 0
    names = [line.split()[0] for line in stdout.splitlines()]
    assert "zh-CN-XiaoxiaoNeural" in names
    assert all(n.startswith("zh-CN") for n in names)


TWO_CHAPTERS = """第1章 出发
“走吧。”老周说。
船离开了码头。
第2章 到达
“到了。”阿秀说。
天亮了。
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "两章.txt"
    path.write_text(TWO_CHAPTERS, encoding="utf-8")
    return path


def test_chapter_selection_reads_only_those_chapters(book: Path, tmp_path: Path) -> None:
    code, stdout, _ = run(["script", str(book), "--chapters", "2", "--format", "jsonl"], tmp_path)
    assert code == 0
    records = [json.loads(line) for line in stdout.splitlines()]
    assert records[0]["text"] == "第2章 到达"
    assert all("走吧" not in r["text"] for r in records)


def test_bad_chapter_selection_is_one_error_line(book: Path, tmp_path: Path) -> None:
    code, _, stderr = run(["script", str(book), "--chapters", "7"], tmp_path)
    assert code != 0
    assert stderr.startswith("Error: ") and len(stderr.strip().splitlines()) == 1


def test_mp3_carries_chapter_frames_matching_the_headings(
    edge_server, book: Path, tmp_path: Path
) -> None:
    from tts.audio.tags import read_chapters

    out = tmp_path / "book.mp3"
    code, _, stderr = render(book, out, tmp_path)
    assert code == 0, stderr
    marks = read_chapters(out)
    assert [m.title for m in marks] == ["第1章 出发", "第2章 到达"]
    assert marks[0].start == 0.0 and 0 < marks[1].start < marks[1].end
    # the second chapter's heading is what plays at its mark
    samples = decode_mp3(out.read_bytes())
    runs = spoken_runs(samples)
    assert any(abs(a - marks[1].start) < 0.1 for a, _ in runs)


def test_split_chapters_m4b_and_subtitles(edge_server, book: Path, tmp_path: Path) -> None:
    from tts.audio.m4b import read_m4b_chapters

    out = tmp_path / "out" / "book.m4b"
    code, stdout, stderr = render(book, out, tmp_path, "--split-chapters", "--subtitles", "lrc")
    assert code == 0, stderr
    files = sorted((tmp_path / "out" / "book").iterdir())
    names = [f.name for f in files]
    assert names == [
        "001 第1章 出发.lrc",
        "001 第1章 出发.m4b",
        "002 第2章 到达.lrc",
        "002 第2章 到达.m4b",
    ]
    assert [m.title for m in read_m4b_chapters(files[1])] == ["第1章 出发"]
    lrc = files[2].read_text(encoding="utf-8")
    assert "[00:00.0" in lrc and "]第2章 到达\n" in lrc and "阿秀：到了。" in lrc
    assert "2 chapter files" in stdout


def test_script_html_is_one_self_contained_page(chapter: Path, tmp_path: Path) -> None:
    code, stdout, _ = run(["script", str(chapter), "--format", "html"], tmp_path)
    assert code == 0
    assert stdout.lstrip().startswith("<!doctype html>")
    assert "<script" not in stdout and "http" not in stdout
    assert "老周" in stdout and "必须过。我娘还在对岸等我。" in stdout


def test_script_stats_report_what_cleaning_did(tmp_path: Path) -> None:
    path = tmp_path / "scraped.txt"
    path.write_text("第1章 雨\n他說:“놊去。”\n本章未完，點擊下一頁繼續閱讀\n", encoding="utf-8")
    code, stdout, stderr = run(["script", str(path), "--stats"], tmp_path)
    assert code == 0
    assert "不去" in stdout and "놊" not in stdout and "本章未完" not in stdout
    assert "glyphs repaired: 1" in stderr and "notices dropped: 1" in stderr


def test_cast_write_keeps_the_users_notes_and_the_same_cast(chapter: Path, tmp_path: Path) -> None:
    code, first, _ = run(["cast", str(chapter), "--write", "voices.yaml"], tmp_path)
    assert code == 0
    text = (tmp_path / "voices.yaml").read_text(encoding="utf-8")
    assert "speakers:" in text
    (tmp_path / "voices.yaml").write_text("# my notes\n" + text, encoding="utf-8")
    code, second, _ = run(["cast", str(chapter), "--write", "voices.yaml"], tmp_path)
    assert code == 0
    assert "# my notes" in (tmp_path / "voices.yaml").read_text(encoding="utf-8")

    def voices(table: str) -> list[str]:
        return [line.split()[-1] for line in table.splitlines()[1:]]

    assert voices(first) == voices(second)


def test_say_speaks_one_line_in_the_voice_asked_for(edge_server, tmp_path: Path) -> None:
    from edge_server import tone_for

    out = tmp_path / "hello.mp3"
    code, stdout, stderr = run(
        ["say", "你好，世界。", "--voice", "zh-CN-XiaoxiaoNeural", "--pitch", "+5Hz",
         "-o", str(out), "--cache-dir", str(tmp_path / "c")],
        tmp_path,
    )  # fmt: skip
    assert code == 0, stderr
    assert edge_server.requests[0].pitch == "+5Hz"
    samples = decode_mp3(out.read_bytes())
    assert abs(tone_frequency(samples) - tone_for("zh-CN-XiaoxiaoNeural")) < 5


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--rate", "10", "Error: --rate '10': write a sign, a number and %, e.g. +10%"),
        ("--pitch", "+5%", "Error: --pitch '+5%': write a sign, a number and Hz, e.g. -5Hz"),
        ("--volume", "loud", "Error: --volume 'loud': write a sign, a number and %, e.g. -20%"),
    ],
)
def test_say_refuses_bad_prosody_before_asking_any_engine(
    edge_server, tmp_path: Path, option: str, value: str, message: str
) -> None:
    code, stdout, stderr = run(
        ["say", "你好", "--voice", "zh-CN-XiaoxiaoNeural", option, value,
         "--cache-dir", str(tmp_path / "c")],
        tmp_path,
    )  # fmt: skip
    assert (code, stdout, stderr) == (1, "", message + "\n")
    assert (edge_server.connections, edge_server.voice_list_requests) == (0, 0)
    assert not (tmp_path / "c").exists() and not (tmp_path / "output").exists()


def test_script_shows_the_voices_the_last_render_kept(chapter: Path, tmp_path: Path) -> None:
    """After a render, `script` names the voices the saved cast gives, not a fresh casting."""
    cast_file = tmp_path / "output" / f"{chapter.stem}.cast.yaml"
    cast_file.parent.mkdir()
    cast_file.write_text(
        "narrator: {engine: edge, name: zh-CN-YunyangNeural}\n"
        "unknown: {engine: edge, name: zh-CN-YunyangNeural, pitch: -10Hz}\n"
        "speakers:\n  老周: {engine: edge, name: zh-CN-YunxiaNeural}\n",
        encoding="utf-8",
    )
    code, stdout, _ = run(
        ["script", str(chapter), "--format", "jsonl", "--engine", "edge"], tmp_path
    )
    assert code == 0
    records = [json.loads(line) for line in stdout.splitlines()]
    assert {r["voice"] for r in records if r["speaker"] == "老周"} == {"zh-CN-YunxiaNeural"}


def test_script_and_cast_start_without_the_audio_stack(tmp_path: Path) -> None:
    """Reading a book with the engine named needs no network client or tag writer: `script`
    and `cast --engine edge` on a big book should not pay the third of a second aiohttp,
    edge-tts and mutagen take to import (`auto` asks the service, as a render does)."""
    import subprocess
    import sys

    book = tmp_path / "book.txt"
    book.write_text("第1章 开始\n“你好。”林晓峰说。\n", encoding="utf-8")
    probe = (
        "import sys\n"
        "from tts.cli import main\n"
        "for command in (['script', '--format', 'jsonl'], ['cast']):\n"
        "    args = [*command, sys.argv[1], '--engine', 'edge']\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as exit:\n"
        "        assert not exit.code, exit.code\n"
        "heavy = [m for m in ('aiohttp', 'edge_tts', 'mutagen', 'pydub') if m in sys.modules]\n"
        "print('imported:', heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(book)], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("imported: []"), done.stdout
