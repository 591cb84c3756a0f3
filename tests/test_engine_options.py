"""What every command does with engines and their options, as a user would notice it.

- `script`, `cast`, the review page and `cast --write` show the voices the render will use:
  the engine is resolved once, the same way, for every command (offline: the offline one).
- `say` has `--engine`, a default voice for the text's language, and errors about one line.
- `--proxy` (or $https_proxy / $HTTPS_PROXY) reaches the Edge service through a proxy.
- `render --rate/--pitch/--volume` is added to every voice's own prosody.

Against the local fake of Edge's service (tests/edge_server.py), which speaks faster for a
faster rate, and a tiny local proxy (tests/http_proxy.py); engine names come from the registry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from edge_server import decode_mp3, tone_for, tone_frequency
from http_proxy import HttpProxy
from texts import ferry_short_book

from tts import registry
from tts.cast.castfile import read_cast
from tts.cli import main
from tts.model import EngineInfo


def _offline_engine() -> EngineInfo:
    found = registry.offline()
    assert found is not None, "an offline engine is registered"
    return found


EDGE = registry.preferred()
OFFLINE = _offline_engine()


pytestmark = pytest.mark.usefixtures("quick_engine_checks")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return ferry_short_book(tmp_path)


@pytest.fixture
def proxy() -> Iterator[HttpProxy]:
    with HttpProxy() as running:
        yield running


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def seconds_of(path: Path) -> float:
    return len(decode_mp3(path.read_bytes())) / 24_000


def voices_shown(jsonl: str) -> set[str]:
    return {json.loads(line)["voice"] for line in jsonl.splitlines()} - {None}


def is_offline_voice(name: str) -> bool:
    return bool(OFFLINE.voice_form.match(name)) and not EDGE.voice_form.match(name)


# --- 1. every command shows the voices the render uses ---------------------------------------


def test_offline_script_cast_and_review_show_the_voices_the_render_uses(book: Path) -> None:
    """No network: the render falls back to the offline engine, and so does every command
    that shows or writes the cast, with the render's warning."""
    shown = cli("script", str(book), "--format", "jsonl")
    assert shown.exit_code == 0, shown.output
    assert shown.stderr.startswith("Warning: cannot reach the Edge speech service; using the")
    voices = voices_shown(shown.stdout)
    assert voices and all(is_offline_voice(v) for v in voices), voices

    table = cli("cast", str(book))
    assert table.exit_code == 0 and "Warning: " in table.stderr
    page = cli("script", str(book), "--format", "html")
    assert page.exit_code == 0 and "Neural" not in page.stdout
    written = cli("cast", str(book), "--write", "voices.yaml")
    assert written.exit_code == 0, written.output
    assert "Neural" not in Path("voices.yaml").read_text(encoding="utf-8")

    rendered = cli("render", str(book), "-q")
    assert rendered.exit_code == 0, rendered.output
    assert rendered.stdout.rstrip().endswith(f"engine {OFFLINE.name})")
    assert rendered.stderr.splitlines()[0] == shown.stderr.splitlines()[0]
    kept = read_cast(Path("output") / f"{book.stem}.cast.yaml")
    assert {kept.narrator.name, *(v.name for v in kept.speakers.values())} <= voices
    for row in table.stdout.splitlines()[1:]:
        assert is_offline_voice(row.split()[-1]) or "pitch" in row, row


def test_script_shows_edge_voices_while_the_service_answers(edge_server, book: Path) -> None:
    shown = cli("script", str(book), "--format", "jsonl")
    assert shown.exit_code == 0 and shown.stderr == ""
    assert all(EDGE.voice_form.match(v) for v in voices_shown(shown.stdout))
    assert edge_server.voice_list_requests >= 1  # asked, as a render asks


def test_a_book_cached_for_edge_shows_edge_voices_offline(
    edge_server, book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The render would take every clip from the cache, with Edge: so does `script`."""
    assert cli("render", str(book), "-q").exit_code == 0
    from edge_server import point_client_at

    point_client_at(monkeypatch, 9)  # nothing listens there: offline from now on
    shown = cli("script", str(book), "--format", "jsonl")
    assert shown.exit_code == 0 and shown.stderr == ""
    assert all(EDGE.voice_form.match(v) for v in voices_shown(shown.stdout))
    again = cli("render", str(book), "-q")
    assert again.exit_code == 0 and again.stdout.rstrip().endswith(f"engine {EDGE.name})")


@pytest.mark.parametrize("how", ["--engine", "voices.yaml"])
def test_a_named_engine_asks_no_service(how: str, edge_server, book: Path) -> None:
    """`script --engine edge` (or voices.yaml's `engine: edge`) stays fast: no network."""
    args = ["script", str(book), "--format", "jsonl"]
    if how == "--engine":
        args += ["--engine", EDGE.name]
    else:
        Path("voices.yaml").write_text(f"engine: {EDGE.name}\n", encoding="utf-8")
    shown = cli(*args)
    said = (
        "" if how == "--engine" else "Using ./voices.yaml (pass --voices to choose another file)\n"
    )
    assert shown.exit_code == 0 and shown.stderr == said
    assert all(EDGE.voice_form.match(v) for v in voices_shown(shown.stdout))
    assert (edge_server.voice_list_requests, edge_server.connections) == (0, 0)


# --- 2. say ------------------------------------------------------------------------------------


def test_say_offline_error_suggests_what_works_and_it_does(book: Path) -> None:
    asked = cli("say", "你好，渡口。", "--voice", "zh-CN-XiaoxiaoNeural")
    line = error_line(asked)
    assert "cannot reach the Edge speech service" in line
    assert f"--engine {OFFLINE.name} and no --voice" in line
    assert "chapter" not in line and "resume" not in line

    followed = cli("say", "你好，渡口。", "--engine", OFFLINE.name, "-o", "hi.mp3")
    assert followed.exit_code == 0, followed.output
    assert followed.stderr == ""  # the engine was named: no fallback to warn of
    assert followed.stdout.strip().endswith(f"{OFFLINE.narrators['zh-CN']})")
    assert seconds_of(Path("hi.mp3")) > 0.5


def test_say_without_a_voice_falls_back_offline_with_a_warning() -> None:
    said = cli("say", "The ferry is not coming tonight.", "-o", "hi.mp3")
    assert said.exit_code == 0, said.output
    assert said.stderr == (
        f"Warning: cannot reach the Edge speech service; using the offline {OFFLINE.label} "
        f"engine for this line (pass --engine {EDGE.name} to insist on {EDGE.label})\n"
    )
    assert said.stdout.strip().endswith(f"{OFFLINE.narrators['en-US']})")


@pytest.mark.parametrize(
    ("text", "locale"),
    [("The ferry is not coming tonight.", "en-US"), ("船還來嗎？今晚不來了。", "zh-TW")],
)
def test_say_speaks_in_the_narrator_of_the_texts_language(
    text: str, locale: str, edge_server
) -> None:
    said = cli("say", text, "-o", "hi.mp3")
    assert said.exit_code == 0, said.output
    narrator = EDGE.narrators[locale]
    assert said.stdout.strip().endswith(f"{narrator})")
    assert [r.voice for r in edge_server.requests] == [narrator]
    heard = tone_frequency(decode_mp3(Path("hi.mp3").read_bytes()))
    assert abs(heard - tone_for(narrator)) < 5


def test_say_refuses_a_voice_of_another_engine_than_named(edge_server) -> None:
    line = error_line(cli("say", "你好", "--engine", OFFLINE.name, "--voice", "zh-CN-YunxiNeural"))
    assert line == (
        f"Error: --voice zh-CN-YunxiNeural is {EDGE.label}'s, not {OFFLINE.label}'s; give one "
        f"of the voices 'audiobook voices --engine {OFFLINE.name}' lists, or leave out --voice "
        "for its narrator"
    )
    assert (edge_server.voice_list_requests, edge_server.connections) == (0, 0)


@pytest.mark.parametrize("voice", ["cmn+zz", "zh-CN-NobodyNeural"])
def test_say_errors_are_about_the_one_line(voice: str, edge_server) -> None:
    line = error_line(cli("say", "你好", "--voice", voice))
    assert voice in line
    for word in ("chapter", "segment", "resume", "lines done"):
        assert word not in line, line
    assert not Path("output/say.mp3").exists()


# --- 3. --proxy ------------------------------------------------------------------------------


def test_render_and_say_reach_the_service_through_the_proxy(
    edge_server, proxy: HttpProxy, book: Path
) -> None:
    rendered = cli("render", str(book), "-q", "--proxy", proxy.url)
    assert rendered.exit_code == 0, rendered.output
    methods = [method for method, _ in proxy.seen]
    targets = [target for _, target in proxy.seen]
    assert any(f":{edge_server.port}/voices/list" in t for t in targets), proxy.seen
    synthesis = [t for t in targets if "/edge/v1" in t]
    assert len(synthesis) == len(edge_server.requests) > 0, proxy.seen
    assert set(methods) <= {"GET", "CONNECT"}

    proxy.seen.clear()
    said = cli("say", "你好", "--voice", "zh-CN-XiaoxiaoNeural", "--proxy", proxy.url)
    assert said.exit_code == 0, said.output
    assert any("/edge/v1" in target for _, target in proxy.seen)


@pytest.mark.parametrize(
    ("env", "option", "used"),
    [
        ({"HTTPS_PROXY": "good"}, None, True),
        ({"https_proxy": "good"}, None, True),
        ({"https_proxy": "good", "HTTPS_PROXY": "http://127.0.0.1:9"}, None, True),
        ({"HTTPS_PROXY": "http://127.0.0.1:9"}, "good", True),
        ({}, None, False),
    ],
    ids=["HTTPS_PROXY", "https_proxy", "lower case first", "--proxy over env", "none"],
)
def test_the_proxy_comes_from_the_option_else_the_environment(
    env: dict[str, str],
    option: str | None,
    used: bool,
    edge_server,
    proxy: HttpProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`voices` lists the service's voices through the proxy the user set; a proxy that is
    named but not used (port 9: nothing listens) would fail the listing's check."""
    for name, value in env.items():
        monkeypatch.setenv(name, proxy.url if value == "good" else value)
    args = ["voices", "--locale", "en-GB"]
    args += ["--proxy", proxy.url] if option == "good" else []
    listed = cli(*args)
    assert listed.exit_code == 0, listed.output
    assert "en-GB-RyanNeural" in listed.stdout
    assert edge_server.voice_list_requests == 1
    assert bool(proxy.seen) is used


@pytest.mark.parametrize(
    ("env", "args", "label"),
    [
        ({"HTTPS_PROXY": "socks5://127.0.0.1:1080"}, [], "$HTTPS_PROXY"),
        ({}, ["--proxy", "127.0.0.1:7890"], "--proxy"),
    ],
)
def test_a_proxy_url_that_cannot_work_is_refused_where_it_was_given(
    env: dict[str, str], args: list[str], label: str, edge_server, monkeypatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    line = error_line(cli("say", "你好", *args))
    assert line.startswith(f"Error: {label} '")
    assert "give an http:// proxy URL" in line
    assert (edge_server.voice_list_requests, edge_server.connections) == (0, 0)


def test_an_offline_engine_takes_the_proxy_and_ignores_it(proxy: HttpProxy) -> None:
    said = cli("say", "你好", "--engine", OFFLINE.name, "--proxy", proxy.url)
    assert said.exit_code == 0, said.output
    assert proxy.seen == []


# --- 4. a speed for the whole book ------------------------------------------------------------


def test_render_rate_is_added_to_every_voices_own(edge_server, book: Path) -> None:
    Path("voices.yaml").write_text(
        'speakers:\n  老周: {voice: zh-CN-YunjianNeural, rate: "-6%", pitch: "+2Hz"}\n',
        encoding="utf-8",
    )
    plain = cli("render", str(book), "-o", "plain.mp3", "-q")
    assert plain.exit_code == 0, plain.output
    by_voice = {r.voice: (r.rate, r.pitch, r.volume) for r in edge_server.requests}
    assert by_voice["zh-CN-YunjianNeural"] == ("-6%", "+2Hz", "+0%")
    narrator = EDGE.narrators["zh-CN"]
    assert by_voice[narrator] == ("+0%", "+0Hz", "+0%")

    edge_server.reset()
    args = ["--rate", "+15%", "--pitch", "-5Hz", "--volume", "+10%"]
    fast = cli("render", str(book), "-o", "fast.mp3", "-q", *args)
    assert fast.exit_code == 0, fast.output
    by_voice = {r.voice: (r.rate, r.pitch, r.volume) for r in edge_server.requests}
    assert by_voice["zh-CN-YunjianNeural"] == ("+9%", "-3Hz", "+10%")
    assert by_voice[narrator] == ("+15%", "-5Hz", "+10%")

    # the cast kept beside the book is the characters' own, not the whole book's setting
    kept = read_cast(Path("fast.cast.yaml"))
    assert kept.speakers["老周"].rate == "-6%" and kept.narrator.rate == "+0%"

    edge_server.reset()
    again = CliRunner().invoke(main, ["render", str(book), "-o", "fast.mp3", *args])
    assert again.exit_code == 0 and "0 requests" in again.stderr, again.output
    assert edge_server.requests == []


def test_a_faster_book_is_shorter(edge_server, tmp_path: Path) -> None:
    """At +50 % the speech takes two thirds of the time; the pauses stay as they were."""
    book = tmp_path / "长夜.txt"
    book.write_text(
        "第1章 长夜\n" + "江面上起了雾，老周把船拴在柳树下，点起一盏马灯。\n" * 8, encoding="utf-8"
    )
    assert cli("render", str(book), "-o", "plain.mp3", "-q").exit_code == 0
    assert cli("render", str(book), "-o", "fast.mp3", "-q", "--rate", "+50%").exit_code == 0
    assert {r.rate for r in edge_server.requests} == {"+0%", "+50%"}
    plain, fast = seconds_of(Path("plain.mp3")), seconds_of(Path("fast.mp3"))
    assert 0.6 * plain < fast < 0.8 * plain, (plain, fast)


def test_render_refuses_a_bad_rate_before_asking_the_service(edge_server, book: Path) -> None:
    line = error_line(cli("render", str(book), "--rate", "15"))
    assert line == "Error: --rate '15': write a sign, a number and %, e.g. +10%"
    assert (edge_server.voice_list_requests, edge_server.connections) == (0, 0)
    assert not Path("output").exists()


@pytest.mark.parametrize("name", ["line.wav", "line.m4b", "line"])
def test_say_refuses_a_name_that_is_not_mp3(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """say writes MP3: `-o line.wav` would be MP3 data under a name that says otherwise."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["say", "你好", "--engine", "espeak", "-o", name])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {name}: 'say' writes MP3; give -o a name ending in .mp3 "
        f"(such as {Path(name).with_suffix('.mp3').name})"
    )
    assert not (tmp_path / name).exists()
