"""Line fixes (`output/<book>.fixes.yaml`): a person says who speaks a line, and every later
`script` and `render` of the book hears it, survives re-reading and edits elsewhere in the
book, reports a fix whose line is gone, and never gives it to another line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from texts import FERRY

from tts.cli import main
from tts.errors import ConfigError
from tts.model import Segment
from tts.pipeline import fixes_path_for, studio_script
from tts.speakers.fixes import (
    FIXED,
    LineFix,
    _last_per_line,
    apply_fixes,
    dump_fixes,
    fix_for,
    load_fixes,
    normal,
    parse_fixes,
    parse_yaml,
    remove_fix,
    save_fixes,
    set_fix,
)

CHAPTER = FERRY

pytestmark = pytest.mark.usefixtures("in_tmp")


def book(text: str = CHAPTER, name: str = "渡口.txt") -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8")
    return path


def fixes_file(source: Path) -> Path:
    return fixes_path_for(Path("output") / f"{source.stem}.mp3")


def script(source: Path, *extra: str) -> tuple[int, list[dict], str]:
    """`audiobook script SOURCE --format jsonl --engine edge`: exit code, records, stderr."""
    args = ["script", str(source), "--format", "jsonl", "--engine", "edge", *extra]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, records, result.stderr


def said(records: list[dict], text: str) -> dict:
    return next(r for r in records if r["text"] == text)


def seg(index: int, text: str, kind: str = "dialogue", speaker: str | None = "甲") -> Segment:
    return Segment(1, index, kind, text, paragraph=index, line=index + 1, speaker=speaker)  # type: ignore[arg-type]


# --- the file --------------------------------------------------------------------


def test_fixes_round_trip_through_a_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "output" / "渡口.fixes.yaml"
    fixes = [
        LineFix(2, "钱我加倍付。", "阿秀"),
        LineFix(1, "行，坐稳了。", None),
        LineFix(1, "好。", "老周", nth=3),
        LineFix(1, 'She said: "no: #1"', "Mrs. O'Hara"),
    ]
    save_fixes(path, fixes)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Who says which line")
    assert "钱我加倍付。" in text and "speaker: 阿秀" in text  # as written, not escaped
    assert "narration: true" in text and "nth: 3" in text
    assert sorted(load_fixes(path), key=str) == sorted(fixes, key=str)


def test_set_fix_replaces_the_fix_of_its_line_and_remove_fix_drops_it(tmp_path: Path) -> None:
    path = tmp_path / "x.fixes.yaml"
    set_fix(path, LineFix(1, "钱我加倍付。", "阿秀"))
    set_fix(path, LineFix(1, "“行，坐稳了。”", "阿秀"))
    set_fix(path, LineFix(1, "钱我加倍付。", "老周"))  # the same line: the last write wins
    assert load_fixes(path) == [
        LineFix(1, "“行，坐稳了。”", "阿秀"),
        LineFix(1, "钱我加倍付。", "老周"),
    ]
    assert remove_fix(path, 1, "行，坐稳了。") is True  # quote marks do not matter
    assert remove_fix(path, 1, "行，坐稳了。") is False
    assert load_fixes(path) == [LineFix(1, "钱我加倍付。", "老周")]


def test_a_missing_file_holds_no_fixes(tmp_path: Path) -> None:
    assert load_fixes(tmp_path / "none.fixes.yaml") == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("fixes:\n- chapter: 1\n  text: [\n", r"x\.fixes\.yaml:\d+: .*fix the YAML there"),
        ("fixes:\n- chapter: 1\n  text: 好。\n", r"x\.fixes\.yaml:2: the fix names no speaker"),
        (
            "fixes:\n- chapter: one\n  text: 好。\n  speaker: 甲\n",
            r"x\.fixes\.yaml:2: chapter 'one' is not a number from 1",
        ),
        (
            "fixes:\n- chapter: 1\n  text: 好。\n  speakr: 甲\n",
            r"x\.fixes\.yaml:4: unknown key 'speakr' in a fix",
        ),
        ("fixes:\n- 好。\n", r"x\.fixes\.yaml:2: expected a fix, found '好。'"),
        ("fix: []\n", r"x\.fixes\.yaml:1: unknown key 'fix'"),
        (
            "fixes:\n- chapter: 1\n  text: 好。\n  speaker: 甲\n  narration: true\n",
            r"x\.fixes\.yaml:2: the fix gives both a speaker and 'narration: true'",
        ),
    ],
)
def test_a_broken_fixes_file_names_its_line_and_the_fix(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "x.fixes.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected) as caught:
        load_fixes(path)
    assert len(caught.value.problems) == 1 and "\n" not in str(caught.value)


def test_two_processes_setting_fixes_at_once_lose_none(tmp_path: Path) -> None:
    path = tmp_path / "output" / "book.fixes.yaml"
    writer = textwrap.dedent(
        """
        import sys
        from tts.speakers.fixes import LineFix, set_fix
        who = sys.argv[2]
        for n in range(25):
            set_fix(sys.argv[1], LineFix(1 + n % 3, f"{who} line {n}", who))
        """
    )
    root = Path(__file__).parent.parent
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}
    procs = [
        subprocess.Popen([sys.executable, "-c", writer, str(path), who], env=env)
        for who in ("甲", "乙")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    found = {(f.speaker, f.text) for f in load_fixes(path)}
    assert found == {(who, f"{who} line {n}") for who in ("甲", "乙") for n in range(25)}
    assert not [p.name for p in path.parent.iterdir() if p.name != path.name]  # no debris


# --- matching ------------------------------------------------------------------


def test_a_fix_matches_its_line_whatever_its_spacing_and_quote_marks() -> None:
    assert normal("“谁呀？ 这么晚了。”") == normal("谁呀?这么晚了。")
    assert normal("Don't go,\n Tom.") == normal("“Don’t go, Tom.”")
    segments = [seg(0, "谁呀？这么晚了。", speaker="老陈")]
    report = apply_fixes(segments, [LineFix(1, "「谁呀? 这么晚了。」", "小林")])
    assert report.applied == 1 and not report.stale
    assert report.segments[0].speaker == "小林"
    assert report.segments[0].method == FIXED and report.segments[0].confidence == 1.0


def test_nth_picks_which_line_of_the_same_text() -> None:
    segments = [seg(0, "好。"), seg(1, "走吧。"), seg(2, "好。"), seg(3, "好。")]
    fix = fix_for(segments, segments[2], "乙")
    assert fix == LineFix(1, "好。", "乙", nth=2)
    fixed = apply_fixes(segments, [fix]).segments
    assert [s.speaker for s in fixed] == ["甲", "甲", "乙", "甲"]


def test_a_fix_whose_line_is_gone_is_reported_and_given_to_no_other_line() -> None:
    segments = [seg(0, "好。"), seg(1, "走吧，天快黑了。"), seg(2, "好。")]
    fixes = [
        LineFix(1, "走吧，天要亮了。", "乙"),  # the line was rewritten
        LineFix(1, "好。", "乙", nth=3),  # the chapter now says 好。 twice only
        LineFix(2, "好。", "乙"),  # no such chapter any more
        LineFix(1, "吧", "乙"),  # a piece of a line: the line that holds it? no: too loose
    ]
    report = apply_fixes(segments, fixes)
    assert report.applied == 1  # 吧 is in one line only: that line now holds the fix's text
    assert report.stale == fixes[:3]
    assert [s.speaker for s in report.segments] == ["甲", "乙", "甲"]


def test_a_line_the_reader_now_splits_takes_the_fix_on_every_part() -> None:
    segments = [
        seg(0, "他说：", kind="narration", speaker=None),
        seg(1, "必须过。"),
        seg(2, "我娘还在对岸等我。"),
        seg(3, "好。"),
    ]
    report = apply_fixes(segments, [LineFix(1, "必须过。我娘还在对岸等我。", "阿秀")])
    assert report.applied == 1 and not report.stale
    assert [s.speaker for s in report.segments] == [None, "阿秀", "阿秀", "甲"]


def test_a_line_the_reader_now_joins_to_more_takes_the_fix_when_only_it_holds_the_text() -> None:
    segments = [seg(0, "必须过。我娘还在对岸等我。"), seg(1, "必须过。")]
    report = apply_fixes(segments, [LineFix(1, "我娘还在对岸等我。", "阿秀")])
    assert [s.speaker for s in report.segments] == ["阿秀", "甲"]
    # 必须过。 is a line of its own and a part of another: the line itself takes it
    report = apply_fixes(segments, [LineFix(1, "必须过。", "阿秀")])
    assert [s.speaker for s in report.segments] == ["甲", "阿秀"]


def test_headings_and_pauses_take_no_fix() -> None:
    segments = [seg(0, "第3章 夜渡", kind="heading", speaker=None), seg(1, "好。")]
    report = apply_fixes(segments, [LineFix(1, "第3章 夜渡", "阿秀")])
    assert report.stale and report.segments == segments


# --- script and render apply them ----------------------------------------------


def test_script_applies_the_fixes_and_says_so() -> None:
    source = book()
    code, before, _ = script(source)
    assert code == 0
    assert said(before, "钱我加倍付。")["speaker"] == "赵先生"
    path = fixes_file(source)
    set_fix(path, LineFix(1, "钱我加倍付。", "阿秀"))
    set_fix(path, LineFix(1, "行，坐稳了。", None))
    set_fix(path, LineFix(1, "老周问道。", "老周"))  # narration the reader missed
    code, after, err = script(source)
    assert code == 0, err
    money = said(after, "钱我加倍付。")
    assert (money["speaker"], money["method"], money["confidence"]) == ("阿秀", "fixed", 1.0)
    assert money["voice"] == said(after, "必须过。我娘还在对岸等我。")["voice"]
    ok = said(after, "行，坐稳了。")
    assert (ok["kind"], ok["speaker"], ok["voice"]) == (
        "narration",
        None,
        said(after, "船到对岸时，天边已经发白。")["voice"],
    )
    asked = said(after, "老周问道。")
    assert (asked["kind"], asked["speaker"]) == ("dialogue", "老周")
    assert f"3 line fixes applied from {path}" in err
    assert [r["text"] for r in after] == [r["text"] for r in before]
    remove_fix(path, 1, "钱我加倍付。")
    assert said(script(source)[1], "钱我加倍付。")["speaker"] == "赵先生"


def test_a_fix_naming_someone_new_gives_them_a_voice_of_their_own(tmp_path: Path) -> None:
    source = book()
    set_fix(fixes_file(source), LineFix(1, "周大哥，你别劝她了。", "船夫"))
    code, records, err = script(source)
    assert code == 0, err
    assert said(records, "周大哥，你别劝她了。")["speaker"] == "船夫"
    cast = studio_script(source, voices_file=None, cache_dir=tmp_path / "c")[0].cast
    others = [cast.narrator, cast.unknown, *(v for n, v in cast.speakers.items() if n != "船夫")]
    assert cast.speakers["船夫"] not in others  # another voice, or the same at another pitch


def test_script_reports_a_stale_fix_and_keeps_the_line_as_read() -> None:
    source = book()
    path = fixes_file(source)
    set_fix(path, LineFix(1, "钱我加倍付。", "阿秀"))
    set_fix(path, LineFix(1, "钱我三倍付。", "老周"))
    code, records, err = script(source)
    assert code == 0
    assert (
        f"Warning: 1 line fix applied from {path}, 1 no longer matches: ch 1 “钱我三倍付。”"
    ) in err
    assert [r["speaker"] for r in records if r["method"] == "fixed"] == ["阿秀"]


def test_fixes_survive_edits_elsewhere_in_the_book() -> None:
    source = book()
    set_fix(fixes_file(source), LineFix(1, "钱我加倍付。", "阿秀"))
    edited = CHAPTER.replace("江面上起了雾", "江面上起了大雾").replace(
        "老周叹了口气：", "老周叹了口气，说：\n“天快亮了。”老周又说。\n老周道："
    )
    book(edited)
    code, records, err = script(source)
    assert code == 0 and "1 line fix applied" in err
    assert said(records, "钱我加倍付。")["speaker"] == "阿秀"


def test_fixes_of_chapters_not_read_are_neither_applied_nor_stale() -> None:
    source = book(CHAPTER + "第4章 对岸\n“到了。”阿秀说。\n")
    path = fixes_file(source)
    set_fix(path, LineFix(1, "钱我加倍付。", "阿秀"))
    set_fix(path, LineFix(2, "到了。", "老周"))
    code, records, err = script(source, "--chapters", "2")
    assert code == 0, err
    assert said(records, "到了。")["speaker"] == "老周"
    assert "1 line fix applied" in err and "no longer" not in err


def test_a_broken_fixes_file_stops_script_with_one_line() -> None:
    source = book()
    path = fixes_file(source)
    path.parent.mkdir()
    path.write_text("fixes:\n- chapter: 1\n  text: 好。\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["script", str(source), "--engine", "edge"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {path}:2: the fix names no speaker; write 'speaker: NAME', or "
        "'narration: true' for the narrator"
    )


def test_render_applies_the_fixes(tone_engine: str) -> None:
    source = book()
    set_fix(fixes_file(source), LineFix(1, "钱我加倍付。", "阿秀"))
    args = ["render", str(source), "--engine", tone_engine, "--cache-dir", "c"]
    result = CliRunner().invoke(main, [*args, "--subtitles", "vtt"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 line fix applied from output/渡口.fixes.yaml" in result.stderr
    cues = Path("output/渡口.vtt").read_text(encoding="utf-8")
    assert "<v 阿秀>钱我加倍付。" in cues


def test_render_with_o_takes_the_fixes_beside_it_when_there_are_some(tone_engine: str) -> None:
    source = book()
    set_fix(fixes_file(source), LineFix(1, "钱我加倍付。", "阿秀"))
    set_fix(Path("elsewhere/mine.fixes.yaml"), LineFix(1, "钱我加倍付。", "老周"))
    args = ["render", str(source), "--engine", tone_engine, "--cache-dir", "c", "-o"]
    for out, who in (("elsewhere/mine.mp3", "老周"), ("other/x.mp3", "阿秀")):
        result = CliRunner().invoke(main, [*args, out, "--subtitles", "vtt"])
        assert result.exit_code == 0, result.output
        cues = Path(out).with_suffix(".vtt").read_text(encoding="utf-8")
        assert f"<v {who}>钱我加倍付。" in cues


def test_studio_script_gives_the_fixed_script_without_the_network(tmp_path: Path) -> None:
    source = book()
    set_fix(fixes_file(source), LineFix(1, "钱我加倍付。", "阿秀"))
    set_fix(fixes_file(source), LineFix(1, "不存在。", "阿秀"))
    script_, report = studio_script(
        source, voices_file=Path("voices.yaml"), cache_dir=tmp_path / "c"
    )
    assert report.applied == 1 and [f.text for f in report.stale] == ["不存在。"]
    money = next(s for s in script_.segments if s.text == "钱我加倍付。")
    assert (money.speaker, money.method) == ("阿秀", FIXED)
    assert script_.cast.voice_for(money) == script_.cast.speakers["阿秀"]
    assert script_.cast.narrator.engine == "edge"


# --- the file's own form, read without a YAML parser ------------------------------

texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(
    lambda t: bool(normal(t))
)


@settings(max_examples=120, deadline=None)
@given(
    fixes=st.lists(
        st.builds(
            LineFix,
            chapter=st.integers(1, 5000),
            text=texts
            | st.sampled_from(["钱我加倍付。", "“行，坐稳了。”", "a: b #c", "123", "null"]),
            speaker=st.none()
            | texts.map(str.strip).filter(bool)
            | st.sampled_from(["阿秀", "O'Hara"]),
            nth=st.integers(1, 9),
        ),
        max_size=8,
    )
)
def test_the_files_own_form_reads_as_yaml_reads_it(fixes: list[LineFix]) -> None:
    """Whatever a fix holds, the file `dump_fixes` writes is read back as written, by the
    quick reader and by a YAML parser alike."""
    text = dump_fixes(fixes)
    expected = _last_per_line(fixes)
    assert parse_yaml(text) == sorted(expected, key=lambda f: f.chapter)
    assert parse_fixes(text) == parse_yaml(text)


def test_a_thousand_fixes_are_set_in_milliseconds(tmp_path: Path) -> None:
    path = tmp_path / "big.fixes.yaml"
    save_fixes(path, [LineFix(1 + n // 50, f"第{n}句话。", "阿秀") for n in range(2000)])
    started = time.perf_counter()
    set_fix(path, LineFix(3, "第2001句话。", "老周"))
    assert time.perf_counter() - started < 0.5  # a YAML parser took 2.7 s
    assert len(load_fixes(path)) == 2001


@pytest.mark.parametrize(
    "fix",
    [
        LineFix(0, "好。", "甲"),
        LineFix(1, "“ ”", "甲"),
        LineFix(1, "好。", " "),
        LineFix(1, "好。", "甲", 0),
    ],
)
def test_a_fix_naming_no_line_or_no_one_is_refused(tmp_path: Path, fix: LineFix) -> None:
    path = tmp_path / "x.fixes.yaml"
    with pytest.raises(ConfigError):
        set_fix(path, fix)
    assert not path.exists()


def test_a_hand_written_file_in_another_yaml_style_is_read(tmp_path: Path) -> None:
    path = tmp_path / "x.fixes.yaml"
    path.write_text(
        "fixes:\n- {chapter: 1, text: '好。', speaker: 甲}\n- chapter: 2   # later\n"
        "  text: 走吧。\n  narration: yes\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"x\.fixes\.yaml:3: narration must be true or false"):
        load_fixes(path)
    path.write_text(path.read_text(encoding="utf-8").replace("yes", "true"), encoding="utf-8")
    assert load_fixes(path) == [LineFix(1, "好。", "甲"), LineFix(2, "走吧。", None)]
