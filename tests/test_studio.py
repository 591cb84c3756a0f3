"""`audiobook studio`'s server, through its API as the page uses it (a real server on
127.0.0.1, no browser): what it refuses, what it shows, and that every fix lands in the
files `script` and `render` read (the fixes file, voices.yaml) and changes what they do."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from studio_client import CHAPTER_EN, Studio, served
from texts import script_lines
from tone_engine import speech_seconds

from tts.audio.mp3 import iter_frames
from tts.cli import main
from tts.model import Cast
from tts.speakers.fixes import load_fixes
from tts.speakers.scorer import shipped_model


@pytest.fixture
def studio(in_tmp: Path, tone_engine: str) -> Iterator[Studio]:
    with served(in_tmp, tone_engine) as running:
        yield running


def mp3_seconds(data: bytes) -> float:
    return sum(header.seconds for header, _ in iter_frames(data))


# --- what is refused -----------------------------------------------------------------


def test_it_listens_on_the_loopback_address_only(studio: Studio) -> None:
    assert studio.url.startswith(f"http://127.0.0.1:{studio.running.port}/")
    found = [
        a
        for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        if not a[4][0].startswith("127.")
    ]
    for address in found[:1]:  # another address of this machine: nothing answers there
        with (
            pytest.raises(OSError),
            socket.create_connection((address[4][0], studio.running.port), timeout=2),
        ):
            pass


@pytest.mark.parametrize(
    "path",
    ["/", "/api/book", "/wrong-token/api/book", "/favicon.ico", "/static/app.js"],
)
def test_a_request_without_the_token_is_refused(studio: Studio, path: str) -> None:
    reply = studio.request(path)
    assert reply.status == 403
    assert b"the address 'audiobook studio' printed" in reply.body


def test_a_request_for_another_host_is_refused(studio: Studio) -> None:
    # a web page whose name resolves to 127.0.0.1 (DNS rebinding) sends its own Host
    reply = studio.request("api/book", headers={"Host": f"evil.example:{studio.running.port}"})
    assert reply.status == 403
    assert studio.request("api/book").status == 200
    own = {"Host": f"localhost:{studio.running.port}"}
    assert studio.request("api/book", headers=own).status == 200


@pytest.mark.parametrize(
    "path",
    [
        "static/..%2F..%2Fstudio-chapter.txt",
        "static/%2e%2e/server.py",
        "static/session.py",
        "output/studio-chapter.txt",
        "output/..%2Fstudio-chapter.txt",
        "output/%2Fetc%2Fpasswd",
        "output/studio-chapter.mp3",  # nothing rendered yet
        "api/chapter/99",
        "files/etc/passwd",
    ],
)
def test_a_path_outside_the_book_is_not_found(studio: Studio, path: str) -> None:
    reply = studio.request(path)
    assert reply.status in (404, 400)
    assert b"\xe4\xba\xba" not in reply.body  # no line of the book (人) comes back
    assert b"import" not in reply.body


def test_a_change_from_another_page_is_refused(studio: Studio) -> None:
    body = {"lines": [[1, 35]], "speaker": "李振國"}
    other = {"Origin": "http://evil.example"}
    assert studio.request("api/lines", body, headers=other).status == 403
    assert not studio.session.fixes_path.exists()
    own = {"Origin": f"http://127.0.0.1:{studio.running.port}"}
    assert studio.request("api/lines", body, headers=own).status == 200


def test_the_page_and_its_files_are_served_with_the_token(studio: Studio) -> None:
    page = studio.request("")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert b'src="static/app.js"' in page.body
    for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
        reply = studio.request(f"static/{name}")
        assert reply.status == 200 and reply.headers["Content-Type"].startswith(kind)
        assert b"http://" not in reply.body and b"https://" not in reply.body  # nothing fetched
    assert b"https://" not in page.body


# --- what the page shows --------------------------------------------------------------


def test_the_book_lists_its_chapters_and_cast(studio: Studio) -> None:
    book = studio.get("api/book")
    assert [c["number"] for c in book["chapters"]] == [1]
    assert book["chapters"][0]["title"].startswith("第37章")
    assert book["chapters"][0]["doubtful"] == len(studio.doubtful()) >= 3
    names = [c["name"] for c in book["cast"]]
    assert names[0] == "李振國" and {"周振邦", "許曼", "老孫"} <= set(names)
    assert len({c["colour"] for c in book["cast"]}) == len(names)  # one colour each
    assert book["fixes_file"] == str(Path("output") / "studio-chapter.fixes.yaml")


def test_each_line_has_its_speaker_voice_sureness_and_why_in_words(studio: Studio) -> None:
    lines = studio.get("api/chapter/1")["lines"]
    first = lines[2]
    assert first["speaker"] == "李振國" and first["voice"].startswith("tone-")
    # how often a colon ending the paragraph before names the speaker on labelled novels
    assert first["confidence"] == pytest.approx(shipped_model("zh").plain["colon-prev-para"])
    assert first["why"] == "named before a colon at the end of the paragraph before"
    for line in lines:
        if line["kind"] == "dialogue":
            assert line["why"] and not re.search(r"\b[a-z]+-[a-z-]+\b", line["why"])


def test_a_long_chapter_comes_in_parts(studio: Studio) -> None:
    whole = studio.get("api/chapter/1")["lines"]
    first = studio.get("api/chapter/1?start=0&count=10")
    assert first["lines"] == whole[:10] and first["next"] == 10 and first["total"] == len(whole)
    rest = studio.get("api/chapter/1?start=10&count=400")
    assert rest["lines"] == whole[10:] and rest["next"] is None
    # a part knows who spoke before it began: 'takes turns with' names them
    assert studio.get("api/chapter/1?start=11&count=1")["lines"] == whole[11:12]


def test_the_doubtful_filter_lists_the_least_sure_first(studio: Studio) -> None:
    found = studio.get("api/doubtful")
    # 34 and 37 have no one to guess; 35 a doubtful guess (the scorer may doubt others)
    assert found["total"] == len(studio.doubtful())
    assert [x["index"] for x in found["lines"]][:3] == [34, 37, 35]
    sure = [x["confidence"] for x in found["lines"]]
    assert sure[:2] == [0.0, 0.0] and sure == sorted(sure) and sure[-1] < Cast.threshold
    assert all(x["doubtful"] for x in found["lines"])
    assert found["lines"][2]["voice"] == studio.get("api/book")["unknown"]["name"]


def test_a_typed_name_close_to_a_cast_name_is_flagged(studio: Studio) -> None:
    assert studio.get("api/close?name=" + "許漫")["close"] == ["許曼"]
    assert studio.get("api/close?name=" + "李振囯")["close"] == ["李振國"]
    assert studio.get("api/close?name=" + "李局長")["close"] == []  # an alias: the same person
    assert studio.get("api/close?name=" + "王大媽")["close"] == []


# --- fixing lines ------------------------------------------------------------------------


def test_a_line_fix_goes_to_the_fixes_file_and_changes_the_script(studio: Studio) -> None:
    version = studio.get("api/version")["version"]
    doubtful = studio.get("api/doubtful")["total"]
    done = studio.post("api/lines", {"lines": [[1, 35]], "speaker": "李振國"})
    assert done["version"] > version
    assert [(f.chapter, f.text, f.speaker) for f in load_fixes(studio.session.fixes_path)] == [
        (1, "快，叫消防！", "李振國")
    ]
    line = studio.line(35)
    assert (line["speaker"], line["fixed"], line["doubtful"]) == ("李振國", True, False)
    assert line["why"] == "set by hand: a fix in the book's fixes file"
    assert studio.get("api/doubtful")["total"] == doubtful - 1
    heard = {x["index"]: x for x in script_lines(studio.book)}
    assert heard[35]["speaker"] == "李振國" and heard[35]["method"] == "fixed"
    assert heard[35]["voice"] == studio.line(2)["voice"]  # 李振國's own voice now


def test_narration_and_undo(studio: Studio) -> None:
    guessed = studio.line(30)["speaker"]
    assert guessed
    studio.post("api/lines", {"lines": [[1, 30]], "speaker": None})
    line = studio.line(30)
    assert (line["kind"], line["speaker"], line["fixed"]) == ("narration", None, True)
    assert script_lines(studio.book)[30]["kind"] == "narration"
    studio.post("api/unfix", {"chapter": 1, "index": 30})
    assert load_fixes(studio.session.fixes_path) == []
    assert studio.line(30)["speaker"] == guessed
    assert script_lines(studio.book)[30]["speaker"] == guessed


def test_a_new_name_makes_a_new_character(studio: Studio) -> None:
    studio.post("api/lines", {"lines": [[1, 37]], "speaker": " 曼姐 "})
    book = studio.get("api/book")
    assert "曼姐" in [c["name"] for c in book["cast"]]
    assert script_lines(studio.book)[37]["speaker"] == "曼姐"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"lines": [[1, 0]], "speaker": "李振國"}, "heading"),
        ({"lines": [[1, 999]], "speaker": "李振國"}, "no line 999"),
        ({"lines": [[1, 35]], "speaker": "   "}, "empty"),
        ({"lines": [[1, 35]], "speaker": "長" * 41}, "at most 40"),
        ({"lines": [[1]], "speaker": "李振國"}, "[[chapter, index]"),
        ({"lines": [], "speaker": "李振國"}, "[[chapter, index]"),
    ],
)
def test_a_fix_that_cannot_be_made_says_why_in_one_line(
    studio: Studio, body: dict[str, Any], error: str
) -> None:
    reply = studio.request("api/lines", body)
    assert reply.status == 400
    message = reply.json()["error"]
    assert error in message and "\n" not in message
    assert not studio.session.fixes_path.exists()


def test_the_same_pattern_nearby_is_offered_only_when_asked(studio: Studio) -> None:
    # 許曼 is given lines 10, 12 and 18 by turn-taking; fixing 10 changes only 10
    studio.post("api/lines", {"lines": [[1, 10]], "speaker": "周振邦"})
    assert studio.line(12)["speaker"] == "許曼" and studio.line(18)["speaker"] == "許曼"
    found = studio.get("api/similar?chapter=1&index=10&method=alternation&speaker=許曼")
    assert [x["index"] for x in found["lines"]] == [12, 18]
    studio.post("api/lines", {"lines": [[1, 12]], "speaker": "周振邦"})  # the one ticked
    assert studio.line(12)["speaker"] == "周振邦" and studio.line(18)["speaker"] == "許曼"


def test_a_change_made_elsewhere_shows_up(studio: Studio) -> None:
    version = studio.get("api/version")["version"]
    path = studio.session.fixes_path
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        "fixes:\n- chapter: 1\n  text: 好了,你先回去,這幾天別出城。\n  speaker: 李振國\n",
        encoding="utf-8",
    )  # by hand, in a text editor
    assert studio.get("api/version")["version"] > version
    assert studio.line(30)["speaker"] == "李振國"


def test_two_tabs_last_write_per_line_wins(studio: Studio, in_tmp: Path) -> None:
    from tts.studio.session import Session

    other = Session(
        studio.book, voices_file=None, engine="tone", cache_dir=in_tmp / "cache"
    )  # another studio on the same book: its own memory, the same files
    studio.post("api/lines", {"lines": [[1, 35]], "speaker": "李振國"})
    other.fix_lines([(1, 19)], "李振國")  # knows nothing of the first fix: keeps it anyway
    other.fix_lines([(1, 35)], "許曼")  # the same line, later: wins
    studio.get("api/version")
    assert studio.line(19)["speaker"] == "李振國"
    assert studio.line(35)["speaker"] == "許曼"
    assert len(load_fixes(studio.session.fixes_path)) == 2


# --- listening -----------------------------------------------------------------------


def test_a_line_is_heard_in_its_voice_as_audio_mpeg(studio: Studio) -> None:
    from tone_engine import tone_of

    reply = studio.request("api/audio/line/1/5")
    assert reply.status == 200 and reply.headers["Content-Type"] == "audio/mpeg"
    line = studio.line(5)
    assert mp3_seconds(reply.body) == pytest.approx(speech_seconds(line["text"]), abs=0.15)
    assert tone_of(line["voice"]) > 0  # the line's own voice, one of the tone engine's
    again = studio.request("api/audio/line/1/5")
    assert again.body == reply.body  # from the clip cache, the same sound


def test_a_voice_is_auditioned_on_one_of_the_characters_lines(studio: Studio) -> None:
    own = studio.request("api/audio/audition?name=" + "許曼")
    assert own.status == 200 and own.headers["Content-Type"] == "audio/mpeg"
    tried = studio.request("api/audio/audition?name=許曼&voice=tone-zh-TW-f4&rate=%2B20%25")
    assert tried.status == 200 and tried.body != own.body
    bad = studio.request("api/audio/audition?name=許曼&rate=fast")
    assert bad.status == 400 and "e.g. +10%" in bad.json()["error"]
    nobody = studio.request("api/audio/audition?name=王大媽")
    assert nobody.status == 400


# --- rendering -----------------------------------------------------------------------


def test_render_from_the_page_writes_the_book_with_the_fixes(studio: Studio) -> None:
    studio.post("api/lines", {"lines": [[1, 35]], "speaker": "李振國"})
    job = studio.render()
    assert job["state"] == "done", job["error"]
    assert job["fraction"] == 1.0
    written = Path("output/studio-chapter.mp3")
    assert written.is_file() and job["file"] == written.name
    assert [c["title"] for c in job["chapters"]] == ["第37章 夜查碼頭"]
    reply = studio.request(f"output/{job['file']}")
    assert reply.status == 200 and reply.headers["Content-Type"] == "audio/mpeg"
    assert reply.body == written.read_bytes()
    assert Path("output/studio-chapter.cast.yaml").is_file()


def test_an_english_chapter(in_tmp: Path, tone_engine: str) -> None:
    with served(in_tmp, tone_engine, CHAPTER_EN) as studio:
        book = studio.get("api/book")
        assert book["language"] == "en" and book["locale"] == "en-US"
        assert studio.get("api/doubtful")["lines"][0]["text"] == "Is anyone there?"
        voices = studio.get("api/voices?name=Martha")["voices"]
        assert voices and all(v["locale"].startswith("en-") for v in voices)


# --- fixing the cast -------------------------------------------------------------------


def voices_yaml() -> str:
    return Path("voices.yaml").read_text(encoding="utf-8")


def cast_names(studio: Studio) -> list[str]:
    return [c["name"] for c in studio.get("api/book")["cast"]]


def test_rename_a_character(studio: Studio) -> None:
    studio.post("api/cast", {"action": "rename", "name": "老孫", "new": "孫師傅"})
    assert "孫師傅" in voices_yaml()
    assert "孫師傅" in cast_names(studio) and "老孫" not in cast_names(studio)
    assert script_lines(studio.book)[24]["speaker"] == "孫師傅"


def test_merge_two_characters_makes_an_alias(studio: Studio) -> None:
    studio.post("api/lines", {"lines": [[1, 37]], "speaker": "曼姐"})
    assert "曼姐" in cast_names(studio)
    studio.post("api/cast", {"action": "merge", "keep": "許曼", "other": "曼姐"})
    assert "曼姐" not in cast_names(studio)
    cast = {c["name"]: c for c in studio.get("api/book")["cast"]}
    assert "曼姐" in cast["許曼"]["aliases"]
    assert "曼姐" in voices_yaml() and "許曼" in voices_yaml()
    line = script_lines(studio.book)[37]
    assert line["speaker"] == "許曼" and line["voice"] == studio.line(5)["voice"]


def test_not_a_character(studio: Studio) -> None:
    studio.post("api/cast", {"action": "not-character", "name": "老孫"})
    assert "not_characters" in voices_yaml() and "老孫" in voices_yaml()
    assert "老孫" not in cast_names(studio)
    assert studio.get("api/book")["not_characters"] == ["老孫"]
    line = script_lines(studio.book)[24]
    assert line["voice"] == studio.get("api/book")["unknown"]["name"]


def test_gender_and_a_voice_from_the_filtered_list(studio: Studio) -> None:
    studio.post("api/cast", {"action": "gender", "name": "周振邦", "gender": "male"})
    assert "gender: male" in voices_yaml()
    offered = studio.get("api/voices?name=" + "周振邦")
    assert offered["gender"] == "male" and offered["locale"] == "zh-TW"
    names = [v["name"] for v in offered["voices"]]
    assert names and all(re.fullmatch(r"tone-zh-[A-Z]{2}-m\d", n) for n in names)
    assert names[0].startswith("tone-zh-TW-")  # the book's own locale first
    assert len(studio.get("api/voices?name=周振邦&all=1")["voices"]) > len(names)
    studio.post(
        "api/cast",
        {"action": "voice", "name": "周振邦", "voice": "tone-zh-CN-m3", "rate": "+10%",
         "pitch": "-2Hz"},
    )  # fmt: skip
    text = voices_yaml()
    assert "tone-zh-CN-m3" in text and "+10%" in text and "-2Hz" in text
    cast = {c["name"]: c for c in studio.get("api/book")["cast"]}
    assert cast["周振邦"]["voice"] == {
        "name": "tone-zh-CN-m3", "rate": "+10%", "pitch": "-2Hz", "engine": "tone"
    }  # fmt: skip
    assert script_lines(studio.book)[4]["voice"] == "tone-zh-CN-m3"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"action": "voice", "name": "許曼", "voice": "tone-xx-XX-f9"}, "unknown tone voice"),
        ({"action": "voice", "name": "許曼", "voice": "tone-zh-TW-f1", "rate": "fast"}, "+10%"),
        ({"action": "gender", "name": "許曼", "gender": "robot"}, "male"),
        ({"action": "rename", "name": "許曼"}, "'new'"),
        ({"action": "explode", "name": "許曼"}, "unknown change"),
    ],
)
def test_a_cast_change_that_cannot_be_made_says_why(
    studio: Studio, change: dict[str, Any], error: str
) -> None:
    reply = studio.request("api/cast", change)
    assert reply.status == 400, reply.body
    assert error in reply.json()["error"]
    assert not Path("voices.yaml").exists()


def test_another_books_voices_yaml_is_left_alone(in_tmp: Path, tone_engine: str) -> None:
    Path("voices.yaml").write_text("speakers:\n  祁同偉: {gender: male}\n", encoding="utf-8")
    with served(in_tmp, tone_engine) as studio:
        book = studio.get("api/book")
        assert book["voices_file"] is None and "another book's" in book["voices_note"]
        reply = studio.request("api/cast", {"action": "gender", "name": "許曼", "gender": "female"})
        assert reply.status == 400 and "--voices" in reply.json()["error"]
    assert Path("voices.yaml").read_text(encoding="utf-8").count("\n") == 2


def test_fixes_made_in_memory_read_as_a_fresh_reading_of_the_files(
    studio: Studio, in_tmp: Path
) -> None:
    # a fix is shown at once, without reading the book again: the same as a fresh start
    from tts.studio.session import Session

    studio.post("api/lines", {"lines": [[1, 35]], "speaker": "李振國"})
    studio.post("api/lines", {"lines": [[1, 37], [1, 34]], "speaker": "曼姐"})
    studio.post("api/lines", {"lines": [[1, 30]], "speaker": None})
    studio.post("api/lines", {"lines": [[1, 19]], "speaker": "李振國"})
    studio.post("api/unfix", {"chapter": 1, "index": 19})
    fresh = Session(studio.book, voices_file=None, engine="tone", cache_dir=in_tmp / "cache")
    for key in ("cast", "chapters", "narrator", "unknown"):
        assert studio.get("api/book")[key] == fresh.book()[key]
    assert studio.get("api/chapter/1")["lines"] == fresh.chapter(1)["lines"]
    assert studio.get("api/doubtful")["lines"] == fresh.doubtful()["lines"]


# --- the command ---------------------------------------------------------------------


def test_the_command_says_what_is_wrong_in_one_line(in_tmp: Path) -> None:
    result = CliRunner().invoke(main, ["studio", "missing.txt", "--no-browser"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: missing.txt: no such book; check the path given to 'studio'"
    )


def test_a_port_in_use_is_refused_with_the_fix(studio: Studio) -> None:
    from tts.errors import AudiobookError
    from tts.studio.server import start

    with pytest.raises(AudiobookError, match="choose another port with --port"):
        start(studio.session, studio.running.port)


def test_the_command_serves_until_stopped(
    in_tmp: Path, tone_engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tts.cli

    copy_chapter(in_tmp)
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)

    def interrupt(seconds: float) -> None:  # the user presses Ctrl+C at once
        raise KeyboardInterrupt

    monkeypatch.setattr(tts.cli.time, "sleep", interrupt)
    result = CliRunner().invoke(main, ["studio", "studio-chapter.txt", "--engine", "tone"])
    assert result.exit_code == 0, result.output
    url = re.search(r"http://127\.0\.0\.1:\d+/[\w-]+/", result.stdout)
    assert url and opened == [url.group(0)]
    assert "Studio stopped." in result.stderr


def copy_chapter(folder: Path) -> None:
    from studio_client import CHAPTER

    (folder / CHAPTER.name).write_bytes(CHAPTER.read_bytes())


def test_a_mistake_made_by_hand_is_shown_and_the_page_keeps_working(studio: Studio) -> None:
    studio.post("api/lines", {"lines": [[1, 35]], "speaker": "李振國"})
    version = studio.get("api/version")["version"]
    path = studio.session.fixes_path
    path.write_text("fixes:\n- chapter: one\n  text: 快\n  speaker: 李振國\n", encoding="utf-8")
    assert studio.get("api/version")["version"] > version
    book = studio.get("api/book")
    assert book["problem"].startswith(f"{path}:2: chapter 'one' is not a number")
    assert studio.line(35)["speaker"] == "李振國"  # as it was
    assert studio.get("api/version")["version"] == studio.get("api/version")["version"]
    path.write_text("fixes: []\n", encoding="utf-8")  # put right
    studio.get("api/version")
    assert studio.get("api/book")["problem"] is None
    assert studio.line(35)["speaker"] == "老孫"


def test_the_narrators_voice(studio: Studio) -> None:
    book = studio.get("api/book")
    offered = [v["name"] for v in studio.get("api/voices")["voices"]]
    assert {v[-2] for v in offered} == {"f", "m"}  # any gender for the narrator
    heard = studio.request("api/audio/audition?role=narrator&voice=tone-zh-TW-f2")
    assert heard.status == 200 and heard.headers["Content-Type"] == "audio/mpeg"
    assert studio.request("api/audio/audition?role=narrator&voice=zh-CN-Nobody").status == 400
    studio.post("api/cast", {"action": "narrator-voice", "voice": "tone-zh-TW-f2", "rate": "-5%"})
    assert "narrator:" in voices_yaml() and "tone-zh-TW-f2" in voices_yaml()
    after = studio.get("api/book")["narrator"]
    assert book["narrator"]["name"] != "tone-zh-TW-f2"
    assert (after["name"], after["rate"]) == ("tone-zh-TW-f2", "-5%")
    assert script_lines(studio.book)[1]["voice"] == "tone-zh-TW-f2"
