"""voices.yaml meets a book: every voice checked before the first request, names nobody in
the book answers to, the ./voices.yaml of another book, names that are nobody, aliases, and
words said differently.

Run as a user runs the commands (the fake Edge service, the offline espeak engine); each
test pins what the user sees: the exit status, the `Error:` / `Warning:` lines, what was
sent to the engine and the files left on disk.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tts.cast.config import parse_config
from tts.cli import main
from tts.pipeline import read_corrections

REPO = Path(__file__).parent.parent

BOOK = """Chapter 1

"Good morning," said Martha.

"Morning," said John. "Did you sleep?"

"Not much," Martha said.

Later said, "Dr. Watts will come at noon."

"Ready to sail?" asked Skipper.

"Not yet," Martha said.
"""


pytestmark = pytest.mark.usefixtures("in_tmp")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.txt"
    path.write_text(BOOK, encoding="utf-8")
    return path


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def voices(text: str, name: str = "voices.yaml") -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8")
    return path


def errors(result: Result) -> list[str]:
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert all(line.startswith("Error: ") for line in lines), lines
    return [line.removeprefix("Error: ") for line in lines]


def jsonl(result: Result) -> list[dict[str, object]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


# --- 1. every voice is checked before the first request --------------------------------------


def test_bad_espeak_variants_stop_the_render_before_its_first_line_all_at_once(
    book: Path, tmp_path: Path
) -> None:
    """`cmn+zz9` used to pass `cast` and `script`, then stop `render` at the first line the
    voice speaks with "rerun the same command to resume", which failed the same way."""
    path = voices(
        "narrator:\n  espeak: en-us+zz9\nspeakers:\n  Martha:\n    espeak: en-us+qq1\n",
        "v.yaml",
    )
    out = tmp_path / "book.mp3"
    cache = tmp_path / "cache"
    args = ["--voices", str(path), "--engine", "espeak"]
    rendered = cli("render", str(book), "-o", str(out), "--cache-dir", str(cache), *args)
    found = errors(rendered)
    assert [line.split(";")[0] for line in found] == [
        "v.yaml:2: unknown espeak variant '+zz9' of 'en-us+zz9' for narrator.espeak",
        "v.yaml:5: unknown espeak variant '+qq1' of 'en-us+qq1' for speakers.Martha.espeak",
    ]
    assert all("rerun" not in line for line in found)
    assert not out.exists() and not list(cache.rglob("*.pcm*")) and not list(cache.rglob("*.mp3"))
    # `cast` and `script` stop with the same errors: what stops the render stops them
    assert errors(cli("cast", str(book), *args)) == found
    assert errors(cli("script", str(book), *args)) == found


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "Martha: en-US-Emma",
            "v.yaml:2: unknown voice 'en-US-Emma' for speakers.Martha; did you mean "
            "en-US-EmmaNeural? run 'audiobook voices --locale en-US' to list voices",
        ),
        (
            "Martha: {voice: en-US-Emma}",
            "v.yaml:2: unknown voice 'en-US-Emma' for speakers.Martha.voice; did you mean "
            "en-US-EmmaNeural? run 'audiobook voices --locale en-US' to list voices",
        ),
    ],
)
def test_an_edge_name_without_neural_is_a_mistyped_edge_voice(
    book: Path, entry: str, expected: str
) -> None:
    """It used to be taken for an espeak language ('did you mean en-us?')."""
    path = voices(f"speakers:\n  {entry}\n", "v.yaml")
    for engine in ("edge", "espeak"):
        assert errors(cli("cast", str(book), "--voices", str(path), "--engine", engine)) == [
            expected
        ]


def test_a_voice_the_service_no_longer_offers_stops_the_render_before_any_request(
    edge_server, book: Path, tmp_path: Path
) -> None:
    """The list shipped with the package has the voice, the service's list of today does not:
    the render checks the cast against the list the service gave when the run started."""
    edge_server.voice_list = [
        v for v in edge_server.voice_list if v["ShortName"] != "en-US-EmmaNeural"
    ]
    path = voices("speakers:\n  Martha: en-US-EmmaNeural\n  John: en-US-GuyNeural\n", "v.yaml")
    out = tmp_path / "book.mp3"
    cache = str(tmp_path / "cache")
    args = ["--voices", str(path), "--cache-dir", cache]
    found = errors(cli("render", str(book), "-o", str(out), "--engine", "edge", *args))
    assert found == [
        "v.yaml:2: unknown voice 'en-US-EmmaNeural' for speakers.Martha; run 'audiobook "
        "voices --locale en-US' to list voices"
    ]
    assert edge_server.requests == [] and not out.exists()
    # the list the render fetched is kept: `cast` shows the same problem, offline too
    assert errors(cli("cast", str(book), "--engine", "edge", *args)) == found


# --- 2. names nobody answers to, and the ./voices.yaml of another book ------------------------


def test_a_listed_name_nobody_in_the_book_answers_to_is_warned_with_the_likeliest(
    book: Path,
) -> None:
    path = voices("speakers:\n  Marta:\n    gender: female\n  John: {gender: male}\n", "v.yaml")
    shown = cli("cast", str(book), "--voices", str(path), "--engine", "edge")
    assert shown.exit_code == 0, shown.output
    assert shown.stderr.splitlines()[0] == (
        "Warning: v.yaml:2: 'Marta' speaks no line in this book; did you mean Martha?"
    )
    assert "John" not in shown.stderr  # listed and speaking: nothing to say
    out = Path("book.mp3")
    rendered = cli("render", str(book), "-o", str(out), "--voices", str(path), "--engine", "espeak")
    assert rendered.exit_code == 0, rendered.output
    assert shown.stderr.splitlines()[0] in rendered.stderr.splitlines() and out.is_file()


def test_a_listed_character_the_book_names_but_who_never_speaks_is_no_mistake(
    book: Path,
) -> None:
    path = voices("speakers:\n  Watts: {gender: male}\n", "v.yaml")
    shown = cli("cast", str(book), "--voices", str(path), "--engine", "edge")
    assert shown.exit_code == 0 and "Warning" not in shown.stderr, shown.output


def test_the_repository_example_voices_yaml_is_not_used_for_another_book(book: Path) -> None:
    """A clone's folder holds the example voices.yaml (for examples/chapter.txt): a book that
    names none of its characters is cast without it, and the user is told why."""
    shutil.copy(REPO / "voices.yaml", "voices.yaml")
    shown = cli("cast", str(book), "--engine", "edge")
    assert shown.exit_code == 0, shown.output
    assert shown.stderr.splitlines()[0] == (
        "Warning: ./voices.yaml names nobody in this book (老陈, 林晓峰, 苏婉), so it is not "
        "used; pass --voices voices.yaml to use it anyway"
    )
    narrator = shown.stdout.splitlines()[1].split()
    assert narrator == ["narrator", "en-US-AndrewNeural"]  # not the example's "-5%" one


def test_another_books_voices_yaml_lends_this_book_none_of_its_names(tmp_path: Path) -> None:
    """The example lists 林晓峰; this book's 林主任 is someone else, never written 林晓峰: the
    example is not used, and 林主任 keeps his own name in the script."""
    shutil.copy(REPO / "voices.yaml", "voices.yaml")
    path = tmp_path / "interview.txt"
    path.write_text(
        "刘经理看了我一眼。\n林主任抬起头来，打量了我一番。\n林主任问：“你做过手术吗？”\n"
        "“做过两台。”我说。\n",
        encoding="utf-8",
    )
    shown = cli("script", str(path), "--format", "jsonl", "--engine", "edge")
    assert shown.exit_code == 0, shown.output
    assert "names nobody in this book (老陈, 林晓峰, 苏婉)" in shown.stderr
    assert "林晓峰" not in shown.stdout
    assert {r["speaker"] for r in jsonl(shown) if r["kind"] == "dialogue"} >= {"林主任"}


def test_a_voices_yaml_about_the_book_is_used_and_the_user_told(book: Path) -> None:
    voices("speakers:\n  Martha: en-US-JennyNeural\n")
    shown = cli("cast", str(book), "--engine", "edge")
    assert shown.exit_code == 0, shown.output
    assert "Using ./voices.yaml (pass --voices to choose another file)" in shown.stderr
    assert "en-US-JennyNeural" in shown.stdout


def test_a_voices_yaml_with_settings_only_suits_every_book(book: Path) -> None:
    voices("narrator: en-US-BrianNeural\n")
    shown = cli("cast", str(book), "--engine", "edge")
    assert shown.exit_code == 0 and "Using ./voices.yaml" in shown.stderr, shown.output
    assert shown.stdout.splitlines()[1].split() == ["narrator", "en-US-BrianNeural"]


def test_a_chapter_that_names_nobody_still_uses_the_book_s_voices_yaml(tmp_path: Path) -> None:
    """Chapter 2 names none of the cast, but the book does: its narrator stays the same."""
    path = tmp_path / "two.txt"
    path.write_text(
        'Chapter 1\n\n"Hello," said Martha.\n\nChapter 2\n\nThe rain fell all night.\n',
        encoding="utf-8",
    )
    voices("narrator: en-US-BrianNeural\nspeakers:\n  Martha: {gender: female}\n")
    shown = cli("cast", str(path), "--engine", "edge", "--chapters", "2")
    assert shown.exit_code == 0 and "Using ./voices.yaml" in shown.stderr, shown.output
    assert "Warning" not in shown.stderr
    assert shown.stdout.splitlines()[1].split() == ["narrator", "en-US-BrianNeural"]


# --- 4. names that are nobody, names that are one character -----------------------------------


def test_names_that_are_not_characters_lose_their_lines_to_the_unknown_voice(book: Path) -> None:
    """A tag can name someone who is nobody ("Later said"); voices.yaml says so once. (The
    roster no longer takes "Later, John said" for a speaker named Later: a capital opening a
    sentence is a name only before a speech verb.)"""
    before = jsonl(cli("script", str(book), "--format", "jsonl", "--engine", "edge"))
    assert "Later" in {r["speaker"] for r in before}
    path = voices("not_characters: [Later, Nay]\n", "v.yaml")
    args = ["--voices", str(path), "--engine", "edge"]
    after = jsonl(cli("script", str(book), "--format", "jsonl", *args))
    line = next(r for r in after if str(r["text"]).startswith("Dr. Watts"))
    assert (line["speaker"], line["confidence"], line["method"]) == (None, 0.0, "not-a-character")
    narrator = after[0]["voice"]
    assert line["voice"] == narrator  # the unknown voice: the narrator's, pitched lower
    table = cli("cast", str(book), *args)
    assert table.exit_code == 0 and "Later" not in table.stdout, table.output


def test_an_alias_merges_the_lines_attributed_to_it(book: Path) -> None:
    plain = cli("cast", str(book), "--engine", "edge")
    assert "Skipper" in plain.stdout  # a stranger to the attribution
    path = voices("speakers:\n  John:\n    aliases: [Skipper]\n", "v.yaml")
    args = ["--voices", str(path), "--engine", "edge"]
    table = cli("cast", str(book), *args)
    rows = {line.split()[0]: line.split() for line in table.stdout.splitlines()[1:]}
    assert "Skipper" not in rows and rows["John"][1:4] == ["3", "male", "Skipper"]
    records = jsonl(cli("script", str(book), "--format", "jsonl", *args))
    asked = next(r for r in records if r["text"] == "Ready to sail?")
    john = next(r for r in records if r["text"] == "Morning,")
    assert asked["speaker"] == "John" and asked["voice"] == john["voice"]


def test_a_corrected_script_that_names_an_alias_counts_the_line_as_the_character_s(
    tmp_path: Path,
) -> None:
    script = tmp_path / "fixed.jsonl"
    rows = [("Martha", "Hello."), ("Skipper", "Ready?"), ("John", "Yes.")]
    script.write_text(
        "\n".join(
            json.dumps({"chapter": 1, "index": i, "kind": "dialogue", "speaker": who, "text": t})
            for i, (who, t) in enumerate(rows)
        ),
        encoding="utf-8",
    )
    config = parse_config("speakers:\n  John: {aliases: [Skipper]}\n", voices={}.get)
    _, characters = read_corrections(script, config)
    assert [(c.name, c.lines) for c in characters] == [("John", 2), ("Martha", 1)]


# --- 5. words said differently --------------------------------------------------------------


def test_pronounce_changes_what_is_spoken_and_nothing_the_user_reads(
    edge_server, book: Path, tmp_path: Path
) -> None:
    path = voices("pronounce:\n  Dr.: Doctor\n  Dr. Watts: Doctor Watts the Elder\n", "v.yaml")
    out = tmp_path / "book.mp3"
    args = ["--voices", str(path), "--engine", "edge", "--cache-dir", str(tmp_path / "cache")]
    rendered = cli("render", str(book), "-o", str(out), "--subtitles", "srt", *args)
    assert rendered.exit_code == 0, rendered.output
    sent = " ".join(r.text for r in edge_server.requests)
    assert "Doctor Watts the Elder will come" in sent and "Dr." not in sent  # longest first
    srt = out.with_suffix(".srt").read_text(encoding="utf-8")
    assert "Dr. Watts will come at noon." in srt and "Doctor" not in srt
    records = jsonl(cli("script", str(book), "--format", "jsonl", *args))
    assert any(r["text"] == "Dr. Watts will come at noon." for r in records)

    # the respelling is part of what a clip is: a new one is spoken, the rest come from cache
    before = len(edge_server.requests)
    voices("pronounce:\n  Dr.: Doctor\n", "v.yaml")
    again = cli("render", str(book), "-o", str(out), *args)
    assert again.exit_code == 0, again.output
    new = [r.text for r in edge_server.requests[before:]]
    assert len(new) == 1 and "Doctor Watts will come at noon." in new[0]


def test_pronounce_respells_chinese_names_in_the_request_only(edge_server, tmp_path: Path) -> None:
    source = tmp_path / "渡口.txt"
    source.write_text("第1章 重庆\n老周说：“明天去重庆，找长孙先生。”\n", encoding="utf-8")
    path = voices("pronounce:\n  重庆: 崇庆\n  长孙: 常孙\n", "v.yaml")
    out = tmp_path / "book.mp3"
    args = ["--voices", str(path), "--engine", "edge", "--cache-dir", str(tmp_path / "c")]
    rendered = cli("render", str(source), "-o", str(out), "--subtitles", "srt", *args)
    assert rendered.exit_code == 0, rendered.output
    sent = "".join(r.text for r in edge_server.requests)
    assert "崇庆" in sent and "常孙" in sent and "重庆" not in sent and "长孙" not in sent
    srt = out.with_suffix(".srt").read_text(encoding="utf-8")
    assert "重庆" in srt and "长孙" in srt and "崇庆" not in srt


# --- 3 and 6. what casting chose for the user, said under the cast ---------------------------

TAIWAN = """第1章 渡口
江面上起了霧，老周把船拴在柳樹下。
“這麼大的霧，今晚還過江嗎？”老周問道。
阿秀抱著包袱說：“必須過。我娘還在對岸等我。”
“周大哥，你別勸她了。”趙先生說，“錢我加倍付。”
"""


def test_cast_says_when_a_taiwanese_book_s_men_get_mainland_voices(tmp_path: Path) -> None:
    source = tmp_path / "渡口.txt"
    source.write_text(TAIWAN, encoding="utf-8")
    shown = cli("cast", str(source), "--engine", "edge")
    assert shown.exit_code == 0, shown.output
    rows = {line.split()[0]: line.split()[-1] for line in shown.stdout.splitlines()[1:]}
    assert rows["narrator"] == "zh-TW-YunJheNeural" and rows["老周"].startswith("zh-CN-")
    note = next(line for line in shown.stderr.splitlines() if line.startswith("zh-TW has"))
    assert "characters speak with zh-CN voices (" in note and "borrow: none" in note
    assert "老周" in note and "阿秀" not in note

    voices("defaults:\n  zh-TW:\n    borrow: none\n", "v.yaml")
    kept = cli("cast", str(source), "--engine", "edge", "--voices", "v.yaml")
    assert kept.exit_code == 0, kept.output
    assert all("zh-CN" not in line for line in kept.stdout.splitlines())
    assert "zh-TW has" not in kept.stderr


def test_cast_says_that_voices_of_unknown_gender_alternate(tmp_path: Path) -> None:
    source = tmp_path / "four.txt"
    source.write_text(
        "".join(f'"Yes," said {name}.\n\n' for name in ("Brook", "Ash", "Fen", "Moss"))
    )
    shown = cli("cast", str(source), "--engine", "edge")
    assert shown.exit_code == 0, shown.output
    genders = [line.split()[2] for line in shown.stdout.splitlines()[3:]]
    assert genders == ["?"] * 4
    assert shown.stderr.splitlines()[-1] == (
        "4 characters of unknown gender: voices alternate male and female; set gender in "
        "voices.yaml ('cast --write' adds the characters to it)"
    )
