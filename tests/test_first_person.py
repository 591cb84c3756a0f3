"""A book told in the first person: the narrator's own lines ("I said") are read in the
narrator's voice, as a single-narrator audiobook reads them, unless voices.yaml says
otherwise; the others keep voices of their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from edge_server import decode_mp3, tone_runs
from studio_client import served
from texts import script_lines
from tone_engine import known_voices as tone_voices
from tone_engine import tone_of

from tts.cast.castfile import read_cast
from tts.cast.casting import build_cast
from tts.cast.config import parse_config
from tts.cli import main
from tts.model import Character, Voice

TOM = """\
Chapter 1

I came down to breakfast late. Mary was at the table; her brother John stood by the window.

"Good morning, Tom," said Mary.

"Good morning," I said.

"Did you sleep, Tom?" she asked.

"Not much," I said.

"You never do," said John. "Mary, pass the bread."

"Then sit down, Tom," said Mary.

"Thank you," I said.

"Tea, Tom?" said Mary.

"Please," I said.
"""

LIN = """\
第一章

我到办公室的时候，王姐已经泡好了茶，老张坐在窗边看报纸。

“林主任，你来了。”王姐说。

“来了。”我说。

“林主任，吃饭了吗？”王姐问。

“还没有。”我说。

“食堂今天有饺子。”老张放下报纸说。

“林主任，坐吧。”王姐说。

“谢谢。”我说。

“林主任，喝茶。”王姐说。

“好。”我说。
"""

THIRD = """\
Chapter 1

Mary came down to breakfast late. John stood by the window.

"Good morning, John," said Mary.

"Good morning," said John. "Did you sleep?"

"Not much," said Mary. "I never do."

"Then sit down," said John.
"""

NARRATORS = {"en": "tone-en-US-m1", "zh": "tone-zh-CN-m1"}
"""The tone engine's narrator for each book's locale."""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def heard_hz(mp3: Path) -> set[int]:
    """The pitches (Hz, rounded) of the tones a render with the tone engine holds."""
    return {round(run.hz) for run in tone_runs(decode_mp3(mp3.read_bytes()))}


def voices_of(lines: list[dict[str, object]]) -> dict[str, set[object]]:
    """Speaker -> the voices their lines of dialogue are read in."""
    heard: dict[str, set[object]] = {}
    for line in lines:
        if line["kind"] == "dialogue" and isinstance(line["speaker"], str):
            heard.setdefault(line["speaker"], set()).add(line["voice"])
    return heard


@pytest.mark.parametrize(
    ("language", "name", "text", "me", "others"),
    [
        ("en", "tom.txt", TOM, "Tom", {"Mary", "John"}),
        ("zh", "林.txt", LIN, "林主任", {"王姐", "老张"}),
    ],
)
def test_the_first_person_narrators_lines_are_read_in_the_narrators_voice(
    tone_engine: str, in_tmp: Path, language: str, name: str, text: str, me: str, others: set[str]
) -> None:
    lines = script_lines(write(in_tmp, name, text), tone_engine)
    narrator = NARRATORS[language]
    said = [line for line in lines if line["kind"] == "dialogue" and line["speaker"] == me]
    assert len(said) == 4 and {line["method"] for line in said} == {"first-person"}
    heard = voices_of(lines)
    assert heard[me] == {narrator}
    assert set(heard) == {me, *others}
    own = {voice for who in others for voice in heard[who]}
    assert len(own) == len(others) and narrator not in own  # the others keep voices of their own


def test_cast_shows_the_narrators_voice_and_how_to_give_them_their_own(
    tone_engine: str, in_tmp: Path
) -> None:
    result = CliRunner().invoke(
        main, ["cast", str(write(in_tmp, "tom.txt", TOM)), "--engine", tone_engine]
    )
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[-1] for line in result.stdout.splitlines()[1:]}
    assert rows["Tom"] == rows["narrator"] == NARRATORS["en"]
    assert "write 'narrator: {first_person: own}' in voices.yaml" in result.stderr


def test_voices_yaml_giving_the_narrator_character_a_voice_wins(
    tone_engine: str, in_tmp: Path
) -> None:
    book = write(in_tmp, "tom.txt", TOM)
    voices = write(
        in_tmp,
        "voices.yaml",
        "speakers:\n  Tom Hale:\n    aliases: [Tom]\n    sine: tone-en-US-m3\n",
    )
    heard = voices_of(script_lines(book, tone_engine, "--voices", str(voices)))
    assert heard["Tom Hale"] == {"tone-en-US-m3"}
    assert NARRATORS["en"] not in heard["Mary"] | heard["John"]


@pytest.mark.parametrize(
    ("name", "text", "me"), [("tom.txt", TOM, "Tom"), ("林.txt", LIN, "林主任")]
)
def test_first_person_own_gives_the_narrator_a_voice_of_their_own(
    tone_engine: str, in_tmp: Path, name: str, text: str, me: str
) -> None:
    book = write(in_tmp, name, text)
    voices = write(in_tmp, "voices.yaml", "narrator:\n  first_person: own\n")
    heard = voices_of(script_lines(book, tone_engine, "--voices", str(voices)))
    everyone = [voice for voices_heard in heard.values() for voice in voices_heard]
    assert len(heard[me]) == 1 and not heard[me] & set(NARRATORS.values())
    assert len(set(everyone)) == len(everyone) == len(heard)  # a voice each


def test_doubtful_lines_of_the_narrator_still_go_to_the_unknown_voice(
    tone_engine: str, in_tmp: Path
) -> None:
    book = write(in_tmp, "tom.txt", TOM)
    voices = write(in_tmp, "voices.yaml", "threshold: 0.95\nunknown: tone-en-US-f4\n")
    lines = script_lines(book, tone_engine, "--voices", str(voices))
    mine = [line for line in lines if line.get("guess") == "Tom"]
    assert len(mine) == 4 and {line["voice"] for line in mine} == {"tone-en-US-f4"}


def test_a_third_person_book_keeps_a_voice_for_each(tone_engine: str, in_tmp: Path) -> None:
    heard = voices_of(script_lines(write(in_tmp, "third.txt", THIRD), tone_engine))
    assert set(heard) == {"Mary", "John"}
    assert len(heard["Mary"] | heard["John"]) == 2
    assert NARRATORS["en"] not in heard["Mary"] | heard["John"]


def test_a_render_reads_the_narrators_lines_in_the_narrators_voice(
    tone_engine: str, in_tmp: Path
) -> None:
    """What a listener hears: three voices, the storyteller's saying Tom's lines, and the
    saved cast says so."""
    book = write(in_tmp, "tom.txt", TOM)
    args = ["render", str(book), "--engine", tone_engine, "--cache-dir", "c", "-q"]
    invoke(*args)
    cast = read_cast(in_tmp / "output" / "tom.cast.yaml")
    assert cast.speakers["Tom"] == cast.narrator
    heard = heard_hz(in_tmp / "output" / "tom.mp3")
    voices = {cast.narrator.name, cast.speakers["Mary"].name, cast.speakers["John"].name}
    assert heard == {round(tone_of(name)) for name in voices}

    # Opting out casts Tom anew (the saved narrator's voice is no voice of his own).
    write(in_tmp, "voices.yaml", "narrator:\n  first_person: own\n")
    invoke(*args, "--voices", "voices.yaml")
    cast = read_cast(in_tmp / "output" / "tom.cast.yaml")
    assert cast.speakers["Tom"].name not in voices
    heard = heard_hz(in_tmp / "output" / "tom.mp3")
    assert heard == {round(tone_of(name)) for name in {*voices, cast.speakers["Tom"].name}}


def test_cast_write_lists_the_narrator_without_a_voice(tone_engine: str, in_tmp: Path) -> None:
    """Written with the narrator's voice, the entry would pin it: `first_person: own` would
    then change nothing. Without one, the file casts as the book was cast."""
    book = write(in_tmp, "tom.txt", TOM)
    invoke("cast", str(book), "--engine", tone_engine, "--write", "voices.yaml")
    written = (in_tmp / "voices.yaml").read_text(encoding="utf-8")
    config = parse_config(written)
    assert config.speakers["Tom"].voice.name_for(tone_engine) is None
    assert "first_person: own" in written  # the comment says how to give him a voice
    assert config.speakers["Mary"].voice.name_for(tone_engine) is not None
    heard = voices_of(script_lines(book, tone_engine, "--voices", "voices.yaml"))
    assert heard["Tom"] == {NARRATORS["en"]}


def test_the_narrators_prosody_and_a_listed_prosody_both_apply(tone_engine: str) -> None:
    """Same voice, rate and pitch as the narration; a rate voices.yaml gives the character
    (with no voice) adjusts it as it would any voice."""
    tom = Character("Tom", (), "male", 4, first_person=True)
    config = parse_config('narrator:\n  sine: tone-en-US-m2\n  rate: "-10%"\n  pitch: "+4Hz"\n')
    cast = build_cast([tom], language="en", engine=tone_engine, config=config)
    assert cast.speakers["Tom"] == cast.narrator
    config = parse_config(
        'narrator:\n  sine: tone-en-US-m2\n  pitch: "+4Hz"\nspeakers:\n  Tom:\n    rate: "+5%"\n'
    )
    cast = build_cast([tom], language="en", engine=tone_engine, config=config)
    assert (cast.speakers["Tom"].name, cast.speakers["Tom"].pitch) == ("tone-en-US-m2", "+4Hz")
    assert cast.speakers["Tom"].rate == "+5%"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "narrator:\n  first_person: yes\n",
            "voices.yaml:2: unknown choice 'yes' for narrator.first_person; write narrator",
        ),
        (
            "narrator:\n  first_persn: own\n",
            "voices.yaml:2: unknown key 'first_persn' in narrator; did you mean 'first_person'?",
        ),
        (
            "narrator:\n  voice: en-US-AndrewNeural\n  first_person: [own]\n",
            "voices.yaml:3: expected narrator or own for narrator.first_person, found a list",
        ),
    ],
)
def test_a_mistake_in_first_person_is_one_line_naming_the_line(
    tone_engine: str, in_tmp: Path, text: str, error: str
) -> None:
    write(in_tmp, "voices.yaml", text)
    result = CliRunner().invoke(
        main, ["cast", str(write(in_tmp, "tom.txt", TOM)), "--voices", "voices.yaml"]
    )
    assert result.exit_code != 0
    assert result.stderr.startswith(f"Error: {error}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_corrected_script_keeps_the_narrators_lines_in_the_narrators_voice(
    tone_engine: str, in_tmp: Path
) -> None:
    """The jsonl does not say who tells the book; the book does, so a render from a
    corrected script reads Tom as `script` showed him, even after a line was fixed."""
    book = write(in_tmp, "tom.txt", TOM)
    lines = script_lines(book, tone_engine)
    fixed = next(line for line in lines if line["text"] == "You never do,")
    fixed["speaker"] = "Tom"  # John's first line was Tom's, says the reviewer
    write(in_tmp, "tom.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    invoke("render", str(book), "--script", "tom.jsonl", "--engine", tone_engine, "-q")
    cast = read_cast(in_tmp / "output" / "tom.cast.yaml")
    assert cast.speakers["Tom"] == cast.narrator
    assert cast.speakers["John"] != cast.narrator


def test_the_studio_shows_the_narrators_voice_before_and_after_a_fix(
    tone_engine: str, in_tmp: Path
) -> None:
    source = in_tmp / "source"
    source.mkdir()
    with served(in_tmp, tone_engine, book=write(source, "tom.txt", TOM)) as studio:
        book = studio.get("api/book")
        narrator = book["narrator"]["name"]
        voices = {row["name"]: row["voice"]["name"] for row in book["cast"]}
        assert voices["Tom"] == narrator and narrator not in (voices["Mary"], voices["John"])
        lines = studio.get("api/chapter/1")["lines"]
        john = next(line for line in lines if line["text"] == "You never do,")
        studio.post("api/lines", {"lines": [[1, john["index"]]], "speaker": "Tom"})
        assert studio.line(john["index"])["voice"] == narrator  # Tom's, as his other lines


# --- a woman telling her own story is read by a woman ----------------------------------

MARY = (  # the same scene told by Mary: she and Tom swap places
    TOM.replace("Mary", "\0")
    .replace("Tom", "Mary")
    .replace("\0", "Tom")
    .replace("her brother", "his brother")
    .replace("she asked", "he asked")
)

LIN_XIAOJIE = LIN.replace("林主任", "林小姐").replace("王姐", "老王")
"""林小姐 tells it; 老王, whose gender the book does not tell, gets a woman's voice or a
man's, never the narrator's."""

SAM = MARY.replace("Mary", "Sam")
"""A narrator the book gives no gender."""

WOMEN = {"en": "tone-en-US-f1", "zh": "tone-zh-CN-f1"}
"""The first woman's voice of the tone engine's pool for each book's locale: it states no
narrators by gender, so casting takes the pool's first."""

WOMAN_TELLS = [("en", "mary.txt", MARY, "Mary"), ("zh", "林小姐.txt", LIN_XIAOJIE, "林小姐")]


def narration_voices(lines: list[dict[str, object]]) -> set[object]:
    return {line["voice"] for line in lines if line["kind"] == "narration"}


@pytest.mark.parametrize(("language", "name", "text", "me"), WOMAN_TELLS)
def test_a_woman_telling_her_story_is_read_in_a_womans_voice(
    tone_engine: str, in_tmp: Path, language: str, name: str, text: str, me: str
) -> None:
    lines = script_lines(write(in_tmp, name, text), tone_engine)
    woman = WOMEN[language]
    assert narration_voices(lines) == {woman}
    heard = voices_of(lines)
    assert heard[me] == {woman}
    others = [voice for who, voices in heard.items() if who != me for voice in voices]
    assert len(others) == len(heard) - 1 and woman not in others  # a voice each, not hers


@pytest.mark.parametrize(
    ("language", "name", "text", "me"),
    [("en", "tom.txt", TOM, "Tom"), ("zh", "林.txt", LIN, "林主任")],
)
def test_a_man_telling_his_story_keeps_the_built_in_narrator(
    tone_engine: str, in_tmp: Path, language: str, name: str, text: str, me: str
) -> None:
    result = CliRunner().invoke(
        main, ["cast", str(write(in_tmp, name, text)), "--engine", tone_engine]
    )
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert rows[me][2] == "male" and rows[me][-1] == rows["narrator"][-1] == NARRATORS[language]
    assert "told in the first person by" not in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "narrator: tone-en-US-m3\n",
        "narrator:\n  sine: tone-en-US-m3\n  first_person: narrator\n",
        "defaults:\n  en-US:\n    narrator: tone-en-US-m3\n",
    ],
)
def test_a_narrator_voices_yaml_names_wins_over_the_tellers_gender(
    tone_engine: str, in_tmp: Path, text: str
) -> None:
    book = write(in_tmp, "mary.txt", MARY)
    voices = write(in_tmp, "voices.yaml", text)
    lines = script_lines(book, tone_engine, "--voices", str(voices))
    assert narration_voices(lines) == {"tone-en-US-m3"}
    assert voices_of(lines)["Mary"] == {"tone-en-US-m3"}
    result = CliRunner().invoke(
        main, ["cast", str(book), "--engine", tone_engine, "--voices", str(voices)]
    )
    assert "told in the first person by" not in result.stderr


def test_the_narrators_prosody_applies_to_the_womans_voice(tone_engine: str) -> None:
    mary = Character("Mary", (), "female", 4, first_person=True)
    config = parse_config('narrator:\n  rate: "-10%"\n  pitch: "+4Hz"\n')
    cast = build_cast(
        [mary], language="en", engine=tone_engine, config=config, voices=tone_voices()
    )
    assert (cast.narrator.name, cast.narrator.rate, cast.narrator.pitch) == (
        WOMEN["en"],
        "-10%",
        "+4Hz",
    )
    assert cast.speakers["Mary"] == cast.narrator
    # The unknown voice follows the narrator's: hers, 10 Hz lower.
    assert (cast.unknown.name, cast.unknown.pitch) == (WOMEN["en"], "-6Hz")


def test_a_gender_voices_yaml_gives_the_teller_counts(tone_engine: str) -> None:
    sam = Character("Sam", (), None, 4, first_person=True)
    config = parse_config("speakers:\n  Sam:\n    gender: female\n")
    cast = build_cast([sam], language="en", engine=tone_engine, config=config, voices=tone_voices())
    assert cast.narrator.name == cast.speakers["Sam"].name == WOMEN["en"]


@pytest.mark.parametrize(
    ("name", "text", "voices_yaml"),
    [
        ("sam.txt", SAM, None),  # the book does not say who Sam is
        ("mary.txt", MARY, "narrator:\n  first_person: own\n"),
        ("third.txt", THIRD, None),  # Mary is no "I"
    ],
)
def test_no_known_woman_telling_keeps_the_built_in_narrator(
    tone_engine: str, in_tmp: Path, name: str, text: str, voices_yaml: str | None
) -> None:
    extra = ["--voices", str(write(in_tmp, "voices.yaml", voices_yaml))] if voices_yaml else []
    lines = script_lines(write(in_tmp, name, text), tone_engine, *extra)
    assert narration_voices(lines) == {NARRATORS["en"]}
    heard = voices_of(lines)
    if voices_yaml:  # her own voice: a woman's, and not the narrator's
        assert len(heard["Mary"]) == 1 and heard["Mary"] != {NARRATORS["en"]}


def test_no_character_keeps_a_saved_voice_the_narrator_now_has(tone_engine: str) -> None:
    """A cast saved before she was known to be a woman gave 老王 the pool's first woman's
    voice; now the narrator has it, and 老王 gets another."""
    teller = Character("林小姐", (), "female", 4, first_person=True)
    wang = Character("老王", (), None, 4)
    previous = {"老王": Voice(tone_engine, WOMEN["zh"])}
    cast = build_cast(
        [teller, wang],
        language="zh-Hans",
        engine=tone_engine,
        voices=tone_voices(),
        previous=previous,
    )
    assert cast.narrator.name == WOMEN["zh"]
    assert cast.speakers["老王"].name != WOMEN["zh"]


def test_many_women_never_share_the_narrators_voice(tone_engine: str) -> None:
    """More women than the locale has voices: they are varied and borrowed, never given the
    narrator's voice."""
    teller = Character("Mary", (), "female", 9, first_person=True)
    women = [Character(f"Woman {i}", (), "female", 3) for i in range(12)]
    unsure = [Character(f"Someone {i}", (), None, 2) for i in range(6)]
    cast = build_cast(
        [teller, *women, *unsure], language="en", engine=tone_engine, voices=tone_voices()
    )
    assert cast.narrator.name == WOMEN["en"]
    assert all(cast.speakers[c.name].name != WOMEN["en"] for c in [*women, *unsure]), cast.speakers


@pytest.mark.parametrize(
    ("name", "text", "me", "engine", "voice"),
    [
        ("mary.txt", MARY, "Mary", "edge", "en-US-AvaNeural"),
        ("林小姐.txt", LIN_XIAOJIE, "林小姐", "edge", "zh-CN-XiaoxiaoNeural"),
        ("林小姐.txt", LIN_XIAOJIE, "林小姐", "espeak", "cmn+f2"),
    ],
)
def test_an_engine_reads_a_womans_story_with_the_womans_voice_it_states(
    in_tmp: Path, name: str, text: str, me: str, engine: str, voice: str
) -> None:
    """Edge and espeak state their women narrators; `cast` says in one line what it chose
    and how to choose another."""
    result = CliRunner().invoke(main, ["cast", str(write(in_tmp, name, text)), "--engine", engine])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert rows["narrator"].split()[-1] == rows[me].split()[-1] == voice
    assert rows["unknown"].endswith(f"{voice} (pitch -10Hz)")
    others = [line.split()[-1] for who, line in rows.items() if who not in ("narrator", me)]
    assert len(others) == 3 and voice not in others  # the unknown voice's ends '-10Hz)'
    assert (
        f"the book is told in the first person by a woman ({me}): the narrator's voice is "
        f"a woman's, {voice}; to choose another, write 'narrator: <voice>' in voices.yaml"
    ) in result.stderr.splitlines()


def test_a_render_of_a_womans_story_is_heard_in_her_voice(tone_engine: str, in_tmp: Path) -> None:
    book = write(in_tmp, "mary.txt", MARY)
    invoke("render", str(book), "--engine", tone_engine, "--cache-dir", "c", "-q")
    cast = read_cast(in_tmp / "output" / "mary.cast.yaml")
    assert cast.narrator.name == cast.speakers["Mary"].name == WOMEN["en"]
    heard = heard_hz(in_tmp / "output" / "mary.mp3")
    voices = {WOMEN["en"], cast.speakers["Tom"].name, cast.speakers["John"].name}
    assert heard == {round(tone_of(name)) for name in voices}
