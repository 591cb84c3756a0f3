"""Engines as plugins: one registry every part asks, and the whole CLI run through a test
engine registered the way any engine is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from edge_server import decode_mp3, tone_runs
from tone_engine import known_voices, speech_seconds, tone_of

from tts import registry
from tts.cli import main
from tts.errors import AudiobookError

CHAPTER = """第1章 渡口

老周把船拴好，回头看了一眼。
“今天还过河吗？”林兰问。
“不过了。”老周说，“风太大。”
林兰笑了笑：“那我明天再来。”
"""


def test_the_built_in_engines_are_registered_in_order() -> None:
    assert registry.names()[:2] == ["edge", "espeak"]
    assert registry.choices()[0] == "auto"
    assert registry.preferred().name == "edge"
    assert registry.offline() is not None and registry.offline().name == "espeak"


@pytest.mark.parametrize(
    ("voice", "engine"),
    [("zh-CN-YunxiNeural", "edge"), ("cmn+f2", "espeak"), ("en-us", "espeak"), ("??", "edge")],
)
def test_a_voice_name_tells_its_engine(voice: str, engine: str) -> None:
    assert registry.engine_of(voice) == engine


def test_an_unknown_engine_lists_the_choices() -> None:
    with pytest.raises(AudiobookError, match="unknown engine 'piper'; choose one of: auto, edge"):
        registry.get_engine("piper")


def test_a_registered_engine_is_a_choice_everywhere(tone_engine: str) -> None:
    assert tone_engine in registry.choices()
    assert registry.engine_of("tone-zh-CN-f2") == tone_engine
    assert registry.known_voices(tone_engine) == known_voices()
    result = CliRunner().invoke(main, ["voices", "--engine", "piper"])
    assert result.exit_code == 1
    assert "choose one of: auto, edge, espeak, tone" in result.output


def test_unregistered_engines_are_gone(tone_engine: str) -> None:
    registry.unregister(tone_engine)
    assert tone_engine not in registry.choices()
    registry.register(tone_engine, "tone_engine:ENGINE")  # the fixture removes it again


def _run(args: list[str]) -> str:
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_whole_cli_through_the_test_engine(
    tone_engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    book = tmp_path / "ferry.txt"
    book.write_text(CHAPTER, encoding="utf-8")

    listed = _run(["voices", "--engine", tone_engine, "--locale", "zh-CN", "--gender", "female"])
    assert listed.split()[0] == "tone-zh-CN-f1"

    table = _run(["cast", str(book), "--engine", tone_engine])
    assert "tone-zh-CN-m1" in table.splitlines()[1]  # the built-in narrator
    assert "老周" in table and "林兰" in table

    lines = [
        json.loads(line)
        for line in _run(
            ["script", str(book), "--format", "jsonl", "--engine", tone_engine]
        ).splitlines()
    ]
    spoken = [line for line in lines if line["kind"] != "pause"]
    assert all(line["voice"].startswith("tone-zh-CN-") for line in spoken)
    by_speaker = {line["speaker"]: line["voice"] for line in spoken if line["speaker"]}
    assert by_speaker["老周"] != by_speaker["林兰"]

    out = _run(["render", str(book), "--engine", tone_engine, "-q"])
    assert out.strip().endswith("engine tone)")
    audio = decode_mp3((tmp_path / "output" / "ferry.mp3").read_bytes())
    runs = tone_runs(audio)
    heard = [min(known_voices(), key=lambda v: abs(tone_of(v.name) - run.hz)).name for run in runs]
    expected = [line["voice"] for line in spoken]
    assert _collapse(heard) == _collapse(expected)
    said = sum(speech_seconds(line["text"]) for line in spoken)
    assert sum(run.end - run.start for run in runs) == pytest.approx(said, rel=0.05)

    again = CliRunner().invoke(main, ["render", str(book), "--engine", tone_engine])
    assert "0 requests" in again.output  # all from the cache

    _run(["say", "你好，渡口。", "--voice", "tone-zh-CN-f2", "-o", "hello.mp3"])
    runs = tone_runs(decode_mp3((tmp_path / "hello.mp3").read_bytes()))
    assert [round(run.hz) for run in runs] == [round(tone_of("tone-zh-CN-f2"))]


def _collapse(voices: list[str]) -> list[str]:
    return [v for i, v in enumerate(voices) if i == 0 or voices[i - 1] != v]
