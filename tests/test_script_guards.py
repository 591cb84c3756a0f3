"""`render --script FILE.jsonl`, guarded as a user editing the file by hand needs: a speaker
typed wrong, an edited voice, another book's script and `--chapters` each get a clear
message or are honoured, never silently ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from texts import FERRY

from tts.cli import main
from tts.speakers.fixes import LineFix, set_fix

CHAPTER = FERRY

SECOND = """第4章 对岸
天亮以后，阿秀下了船。
“到了。”老周说，“路上小心。”
“谢谢周大哥。”阿秀说。
"""

OTHER_BOOK = """第1章 雨夜来客
那天夜里雨下得很大，老陈刚把茶馆的门板上好，门外就传来了急促的敲门声。
“谁呀？这么晚了。”老陈一边擦手一边问道。
“陈叔，是我，小林！”门外的年轻人喊道。
"""

pytestmark = pytest.mark.usefixtures("in_tmp")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def script_of(source: Path, engine: str) -> list[dict]:
    code, out, err = run("script", str(source), "--engine", engine, "--format", "jsonl")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def write(records: list[dict], path: str = "fixed.jsonl") -> Path:
    target = Path(path)
    target.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
    )
    return target


def line_of(records: list[dict], text: str) -> tuple[int, dict]:
    """The 1-based line of the jsonl file where `text` is, and its record."""
    return next((n, r) for n, r in enumerate(records, start=1) if r["text"] == text)


def render(source: Path, engine: str, *extra: str) -> tuple[int, str, str]:
    return run("render", str(source), "--engine", engine, "--cache-dir", "c", *extra)


@pytest.fixture
def book() -> Path:
    path = Path("渡口.txt")
    path.write_text(CHAPTER, encoding="utf-8")
    return path


def test_a_speaker_typed_close_to_a_cast_name_is_refused_with_the_name(
    book: Path, tone_engine: str
) -> None:
    records = script_of(book, tone_engine)
    number, record = line_of(records, "钱我加倍付。")
    record["speaker"] = "赵先牛"  # a slip of the keyboard
    code, _, err = render(book, tone_engine, "--script", str(write(records)))
    assert code == 1
    assert err.strip() == (
        f"Error: fixed.jsonl:{number}: speaker '赵先牛' is not in the cast; did you mean "
        "赵先生? write the name as the cast has it, or list '赵先牛' under speakers in "
        "voices.yaml to make a new character"
    )
    assert not Path("output/渡口.mp3").exists()


def test_a_two_character_name_one_character_off_is_a_typo_too(book: Path, tone_engine: str) -> None:
    # Half of a two-character name differs, which a spelling ratio calls unlike; one slip
    # of an input method is still a slip, not a new character with a voice of their own.
    records = script_of(book, tone_engine)
    number, record = line_of(records, "必须过。我娘还在对岸等我。")
    record["speaker"] = "阿绣"
    code, _, err = render(book, tone_engine, "--script", str(write(records)))
    assert code == 1
    assert err.startswith(
        f"Error: fixed.jsonl:{number}: speaker '阿绣' is not in the cast; did you mean 阿秀?"
    )


def test_a_new_speaker_is_taken_with_a_warning_and_heard_as_themselves(
    book: Path, tone_engine: str
) -> None:
    records = script_of(book, tone_engine)
    number, record = line_of(records, "钱我加倍付。")
    record["speaker"] = "船夫"
    code, _, err = render(book, tone_engine, "--script", str(write(records)), "--subtitles", "vtt")
    assert code == 0, err
    assert f"Warning: fixed.jsonl:{number}: speaker '船夫' is nobody the book's cast knows" in err
    assert "<v 船夫>钱我加倍付。" in Path("output/渡口.vtt").read_text(encoding="utf-8")


def test_a_voice_edited_on_every_line_of_a_speaker_is_heard(book: Path, tone_engine: str) -> None:
    records = script_of(book, tone_engine)
    used = {r["voice"] for r in records}
    new = next(f"tone-zh-CN-m{n}" for n in range(1, 5) if f"tone-zh-CN-m{n}" not in used)
    for r in records:
        if r["speaker"] == "老周":
            r["voice"] = new
    code, _, err = render(book, tone_engine, "--script", str(write(records)))
    assert code == 0, err
    assert f"fixed.jsonl: 老周 speaks with {new}, as its lines say" in err
    saved = Path("output/渡口.cast.yaml").read_text(encoding="utf-8")
    assert f"老周:\n    engine: tone\n    name: {new}" in saved


def test_a_speaker_whose_lines_name_two_voices_is_refused(book: Path, tone_engine: str) -> None:
    records = script_of(book, tone_engine)
    used = {r["voice"] for r in records}
    new = next(f"tone-zh-CN-m{n}" for n in range(1, 5) if f"tone-zh-CN-m{n}" not in used)
    number, record = line_of(records, "行，坐稳了。")
    before = record["voice"]
    record["voice"] = new
    code, _, err = render(book, tone_engine, "--script", str(write(records)))
    assert code == 1
    assert err.strip() == (
        f"Error: fixed.jsonl:{number}: voice '{new}' for 老周 differs from the voice of their "
        f"other lines ({before}); a voice is a speaker's: write it on every line of 老周, or "
        "set it in voices.yaml"
    )


def test_a_voice_the_engine_lacks_is_refused_with_the_closest(book: Path, tone_engine: str) -> None:
    records = script_of(book, tone_engine)
    for r in records:
        if r["speaker"] == "阿秀":
            r["voice"] = "tone-zh-CN-f9"
    number = next(n for n, r in enumerate(records, start=1) if r["speaker"] == "阿秀")
    code, _, err = render(book, tone_engine, "--script", str(write(records)))
    assert code == 1
    assert err.startswith(
        f"Error: fixed.jsonl:{number}: voice 'tone-zh-CN-f9' for 阿秀 is not a voice of Tone; "
        "did you mean tone-zh-CN-f"
    )


def test_voices_of_another_engine_are_said_not_to_be_used(book: Path, tone_engine: str) -> None:
    records = script_of(book, "edge")
    for r in records:
        if r["speaker"] == "阿秀":
            r["voice"] = "zh-CN-XiaoxiaoNeural"
    code, _, err = render(book, tone_engine, "--script", str(write(records)))
    assert code == 0, err
    assert (
        "Warning: fixed.jsonl: the voices changed in it (阿秀: zh-CN-XiaoxiaoNeural) are Edge's, "
        "and this render speaks with Tone, so they are not used; pass --engine edge to hear them"
    ) in err


def test_a_speaker_changed_with_the_voice_left_as_it_was_is_no_voice_edit(
    book: Path, tone_engine: str
) -> None:
    records = script_of(book, tone_engine)
    line_of(records, "必须过。我娘还在对岸等我。")[1]["speaker"] = "老周"  # 阿秀's only line
    code, _, err = render(book, tone_engine, "--script", str(write(records)), "--subtitles", "vtt")
    assert code == 0, err
    assert "speaks with" not in err
    assert "<v 老周>必须过。" in Path("output/渡口.vtt").read_text(encoding="utf-8")


def test_another_books_script_is_refused(book: Path, tone_engine: str) -> None:
    other = Path("茶馆.txt")
    other.write_text(OTHER_BOOK, encoding="utf-8")
    code, _, err = render(book, tone_engine, "--script", str(write(script_of(other, tone_engine))))
    assert code == 1
    assert err.startswith("Error: fixed.jsonl:1: not a script of 渡口.txt: ")
    assert "make the script from this book with 'audiobook script 渡口.txt --format jsonl" in err
    assert not Path("output").exists() or not list(Path("output").glob("*.mp3"))


def test_a_script_with_a_few_lines_rewritten_is_still_the_books(
    book: Path, tone_engine: str
) -> None:
    records = script_of(book, tone_engine)
    line_of(records, "钱我加倍付。")[1]["text"] = "钱，我加倍地付。"  # read better
    code, _, err = render(book, tone_engine, "--script", str(write(records)))
    assert code == 0, err


def test_chapters_with_script_renders_those_chapters_only(tone_engine: str) -> None:
    source = Path("渡口.txt")
    source.write_text(CHAPTER + SECOND, encoding="utf-8")
    script = write(script_of(source, tone_engine))
    code, out, err = render(
        source, tone_engine, "--script", str(script), "--chapters", "2", "--subtitles", "vtt"
    )
    assert code == 0, err
    assert out.startswith("Wrote output/渡口.ch2.mp3")
    cues = Path("output/渡口.ch2.vtt").read_text(encoding="utf-8")
    assert "到了。" in cues and "钱我加倍付。" not in cues


def test_chapters_the_script_lacks_are_refused(book: Path, tone_engine: str) -> None:
    script = write(script_of(book, tone_engine))
    book.write_text(CHAPTER + SECOND, encoding="utf-8")  # the book grew a chapter since
    code, _, err = render(book, tone_engine, "--script", str(script), "--chapters", "2")
    assert code == 1
    assert err.strip() == (
        "Error: fixed.jsonl: has no lines of chapters 2; make a script that holds them with "
        "'audiobook script 渡口.txt --format jsonl > fixed.jsonl', or choose chapters the "
        "script has"
    )


def test_line_fixes_give_way_to_the_script_and_say_so(book: Path, tone_engine: str) -> None:
    records = script_of(book, tone_engine)
    set_fix(Path("output/渡口.fixes.yaml"), LineFix(1, "钱我加倍付。", "阿秀"))
    code, _, err = render(book, tone_engine, "--script", str(write(records)), "--subtitles", "vtt")
    assert code == 0, err
    assert "output/渡口.fixes.yaml is not applied: the script fixed.jsonl says who speaks" in err
    assert "<v 赵先生>钱我加倍付。" in Path("output/渡口.vtt").read_text(encoding="utf-8")
