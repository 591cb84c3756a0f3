"""A whole render against a misbehaving Edge service.

Each fault ends either in a complete, correct MP3 (after retries) or in one clear error
line with no output file and the clip cache intact. And a render killed with SIGKILL
resumes: the rerun asks only for what is missing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from edge_server import Fault, Latency, decode_mp3, tone_runs

from tts.cli import main
from tts.speech.cache import ClipCache

CHAPTER = """第7章 码头
天还没亮，码头上已经挤满了人。
“货什么时候到？”老吴问道。
小梅翻着账本说：“船晚了两个钟头，说是江上起了大风。”
“那就再等等。”老吴点上一支烟，“我不急。”
小梅合上账本，抬头看了看天。
"""


pytestmark = pytest.mark.usefixtures("in_tmp")


@pytest.fixture
def chapter(tmp_path: Path) -> Path:
    path = tmp_path / "码头.txt"
    path.write_text(CHAPTER, encoding="utf-8")
    return path


def render(chapter: Path, out: Path, cache: Path, *extra: str):
    args = ["render", str(chapter), "-o", str(out), "--engine", "edge", "--cache-dir", str(cache)]
    return CliRunner().invoke(main, [*args, "--quiet", *extra], catch_exceptions=False)


def voices_heard(path: Path) -> list[str]:
    heard: list[str] = []
    for run in tone_runs(decode_mp3(path.read_bytes())):
        if not heard or heard[-1] != run.voice:
            heard.append(run.voice or "?")
    return heard


def expected_voices(chapter: Path) -> list[str]:
    result = CliRunner().invoke(main, ["script", str(chapter), "--format", "jsonl"])
    voices: list[str] = []
    for line in result.stdout.splitlines():
        voice = json.loads(line)["voice"]
        if voice and (not voices or voices[-1] != voice):
            voices.append(voice)
    return voices


def cache_is_intact(cache: Path) -> bool:
    """Every clip in the cache has its sidecar and is whole; no temp files are left over."""
    clips = cache / "clips"
    if not clips.exists():
        return True
    for path in clips.rglob("*"):
        if path.is_dir():
            continue
        if path.suffix not in (".mp3", ".json", ".pcm"):
            return False
        if path.suffix == ".mp3" and not path.with_suffix(".json").exists():
            return False
        if path.suffix == ".json" and ClipCache(clips).get(path.stem) is None:
            return False  # a sidecar whose audio is missing or cut short
    return True


# Faults the service recovers from: the render retries and the book is complete.
RECOVERABLE = {
    "handshake 429": [Fault("http_429", count=2, retry_after="0")],
    "handshake 503": [Fault("http_503", count=2)],
    "403 once (client's clock-skew retry)": [Fault("http_403", count=1)],
    "no audio": [Fault("no_audio", count=1)],
    "closed mid-stream": [Fault("close_mid", count=1)],
    "TCP reset mid-stream": [Fault("reset_mid", count=1)],
    "no turn.end": [Fault("no_turn_end", count=1)],
    "second of three chunks fails": [Fault("close_mid", at=2)],
}


@pytest.mark.parametrize("case", list(RECOVERABLE))
def test_transient_faults_end_in_a_complete_correct_book(
    case: str, edge_server, chapter: Path, tmp_path: Path
) -> None:
    edge_server.faults.extend(RECOVERABLE[case])
    out = tmp_path / "book.mp3"
    result = render(chapter, out, tmp_path / "cache")
    assert result.exit_code == 0, result.stderr
    assert voices_heard(out) == expected_voices(chapter)
    assert cache_is_intact(tmp_path / "cache")


def test_stalled_streams_time_out_and_are_retried(
    edge_server, chapter: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tts.speech.engines import edge

    original = edge.EdgeEngine.__init__

    def quick(self, **kwargs):  # the CLI builds the engine; shorten its chunk timeout
        original(self, **{**kwargs, "chunk_timeout": 0.5})

    monkeypatch.setattr(edge.EdgeEngine, "__init__", quick)
    edge_server.faults.extend([Fault("silent", count=1), Fault("trickle", count=1, interval=2)])
    out = tmp_path / "book.mp3"
    result = render(chapter, out, tmp_path / "cache")
    assert result.exit_code == 0, result.stderr
    assert voices_heard(out) == expected_voices(chapter)


def assert_clear_failure(result, fix: str, out: Path, cache: Path) -> None:
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and fix in lines[0], lines
    assert not out.exists()
    assert not list(out.parent.glob("*.part"))
    assert cache_is_intact(cache)


def test_403_twice_says_upgrade_edge_tts(edge_server, chapter: Path, tmp_path: Path) -> None:
    edge_server.faults.append(Fault("http_403", count=100))
    out, cache = tmp_path / "book.mp3", tmp_path / "cache"
    assert_clear_failure(render(chapter, out, cache), "pip install -U edge-tts", out, cache)


def test_connection_refused_says_use_the_offline_engine(
    edge_offline, chapter: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "book.mp3", tmp_path / "cache"
    result = render(chapter, out, cache)
    assert_clear_failure(result, "--engine espeak", out, cache)
    assert "Connect call failed" in result.stderr or "refused" in result.stderr


def test_unknown_voice_in_voices_yaml_is_caught_before_any_request(
    edge_server, chapter: Path, tmp_path: Path
) -> None:
    (tmp_path / "voices.yaml").write_text(
        "speakers:\n  老吴:\n    voice: zh-CN-XiaomoNeural\n", encoding="utf-8"
    )
    out = tmp_path / "book.mp3"
    result = render(chapter, out, tmp_path / "cache")
    assert result.exit_code != 0
    line = result.stderr.strip()
    assert line.startswith("Error: voices.yaml:3:") and "XiaomoNeural" in line
    assert "audiobook voices" in line
    assert edge_server.requests == []
    assert not out.exists()


def test_a_service_that_turns_us_away_mid_book_says_rerun_resumes(
    edge_server, chapter: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "book.mp3", tmp_path / "cache"
    assert render(chapter, out, cache).exit_code == 0
    out.unlink()
    with chapter.open("a", encoding="utf-8") as f:
        f.write("“明天见。”小梅说。\n")
    edge_server.reset()
    edge_server.faults.append(Fault("http_403", count=100))
    result = render(chapter, out, cache)
    assert result.exit_code != 0
    message = result.stderr.strip()
    assert "rerun" in message and "edge-tts" in message
    assert not out.exists()
    assert cache_is_intact(cache)


_CHILD = """
import sys
import edge_tts.communicate, edge_tts.voices
edge_tts.communicate.WSS_URL = sys.argv[1]
edge_tts.voices.VOICE_LIST = sys.argv[2]
from tts.cli import main
sys.argv = ["audiobook", *sys.argv[3:]]
main()
"""


def test_kill_9_mid_render_then_rerun_requests_only_what_is_missing(
    edge_server, tmp_path: Path
) -> None:
    lines = [f"“第{i}句话，说给你听。”老吴说。" for i in range(1, 13)]
    book = tmp_path / "long.txt"
    book.write_text("第1章 长夜\n" + "\n小梅点了点头。\n".join(lines) + "\n", encoding="utf-8")
    out, cache = tmp_path / "long.mp3", tmp_path / "cache"
    edge_server.latency = Latency(connect=0.05, speed=4.0)
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, edge_server.wss_url, edge_server.voice_list_url,
         "render", str(book), "-o", str(out), "--engine", "edge", "--cache-dir", str(cache),
         "--concurrency", "1", "--quiet"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while len(edge_server.requests) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    child.send_signal(signal.SIGKILL)
    child.wait()
    asked_before = {r.text for r in edge_server.requests}
    assert 4 <= len(asked_before)
    assert not out.exists()
    assert cache_is_intact(cache)
    clips_before = len(list((cache / "clips").rglob("*.json")))
    assert clips_before >= 3

    edge_server.reset()
    result = render(book, out, cache)
    assert result.exit_code == 0, result.stderr
    asked_after = [r.text for r in edge_server.requests]
    # every clip finished before the kill is reused (only the one in flight is asked again)
    assert asked_after and len(set(asked_after) & asked_before) <= 1
    assert len(set(asked_after)) == len(asked_after)
    assert len(list((cache / "clips").rglob("*.json"))) == clips_before + len(asked_after)
    assert voices_heard(out) == expected_voices(book)


_CHILD_PAUSED_IN_ASSEMBLY = """
import os, sys, time
import edge_tts.communicate, edge_tts.voices
edge_tts.communicate.WSS_URL = sys.argv[1]
edge_tts.voices.VOICE_LIST = sys.argv[2]
from tts.audio import m4b, publish

def pause_here():
    open(os.environ["PAUSED_MARKER"], "w").close()
    time.sleep(60)

tag = publish.write_id3
def tag_then_pause(path, **kwargs):  # the MP3 is assembled into its temporary file
    tag(path, **kwargs)
    pause_here()
publish.write_id3 = tag_then_pause

run = m4b._run_reporting
def encode_then_pause(command, progress):  # ffmpeg has written the M4B's temporary file
    done = run(command, progress)
    if "ipod" in command:
        pause_here()
    return done
m4b._run_reporting = encode_then_pause

from tts.cli import main
sys.argv = ["audiobook", *sys.argv[3:]]
main()
"""


@pytest.mark.parametrize("suffix", ["mp3", "m4b"])
def test_kill_9_during_assembly_then_rerun_leaves_no_debris(
    suffix: str, edge_server, chapter: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    out, cache = folder / f"码头.{suffix}", tmp_path / "cache"
    marker = tmp_path / "paused"
    env = {
        **os.environ,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "PAUSED_MARKER": str(marker),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD_PAUSED_IN_ASSEMBLY, edge_server.wss_url,
         edge_server.voice_list_url, "render", str(chapter), "-o", str(out), "--engine",
         "edge", "--cache-dir", str(cache), "--quiet"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the child reached assembly"
    child.send_signal(signal.SIGKILL)
    child.wait()
    # what the issue saw: a hidden temporary book in the user's folder, and no book
    debris = [p.name for p in folder.iterdir()]
    assert debris and all(name.startswith(".") and name.endswith(".part") for name in debris)
    assert not out.exists()

    result = render(chapter, out, cache, *(["--format", "m4b"] if suffix == "m4b" else []))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted([out.name, "码头.cast.yaml"])
    staging = cache / "staging"
    assert not staging.exists() or list(staging.iterdir()) == []
    if suffix == "mp3":
        assert voices_heard(out) == expected_voices(chapter)
    else:
        from tts.audio.m4b import read_media

        assert (read_media(out).duration or 0) > 10
    assert cache_is_intact(cache)
