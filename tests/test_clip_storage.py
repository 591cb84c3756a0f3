"""The offline engine's clips are cached as the MP3 frames the book is joined from, not raw PCM.

Raw PCM took seven times the finished book's size (397 MB of cache for a 71 MB MP3). Now a
clip takes what the book does, a rerender copies frames instead of encoding the book again,
and listeners hear the same pauses; a cache an earlier version filled with PCM still serves
every clip, compressed the first time it is used.
"""

from __future__ import annotations

import array
import hashlib
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from edge_server import decode_mp3, tone_runs

import tts.speech.cache as cache_module
from tts.audio import assemble as assemble_module
from tts.audio.assemble import assemble
from tts.cli import main
from tts.errors import AudiobookError
from tts.model import Audio, Boundary, Silence, Voice
from tts.speech.cache import ClipCache, clip_key
from tts.speech.encode import ENCODER_DELAY, pcm_to_mp3

RATE = 22050
VOICE = Voice("espeak", "cmn")
CHAPTER = """第1章 渡口
雨停了，渡口只剩一盏灯，老周把船拴好，坐在台阶上抽烟，看着江面一点一点暗下去。
“船还来吗？”阿秀问道。
老周摇摇头说：“今晚不来了，风太大，明天一早再看吧。”
阿秀没有说话，提起篮子往回走，走了几步又回头看了一眼。
"""


def tone(seconds: float, hz: float = 440.0, rate: int = RATE) -> Audio:
    n = round(seconds * rate)
    samples = array.array(
        "h", (int(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(n))
    )
    return Audio(
        samples.tobytes(),
        "pcm_s16le",
        rate,
        1,
        n / rate,
        (Boundary(0.0, seconds / 2, "一。"), Boundary(seconds / 2, seconds / 2, "二。")),
    )


def key_for(text: str) -> str:
    return clip_key("espeak", "espeak-ng 1.52.0", VOICE, text)


def old_entry(cache: ClipCache, key: str, audio: Audio) -> None:
    """A clip as versions before this one cached raw PCM: `<key>.pcm` and its sidecar."""
    folder = cache.root / key[:2]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{key}.pcm").write_bytes(audio.data)
    meta = {
        "codec": "pcm_s16le",
        "sample_rate": audio.sample_rate,
        "channels": 1,
        "duration": audio.duration,
        "bytes": len(audio.data),
        "sha256": hashlib.sha256(audio.data).hexdigest(),
        "boundaries": [[b.offset, b.duration, b.text] for b in audio.boundaries],
    }
    (folder / f"{key}.json").write_text(json.dumps(meta), encoding="utf-8")


def onset(samples: array.array[int], threshold: int = 1000) -> int:
    return next(i for i, s in enumerate(samples) if abs(s) > threshold)


def test_an_offline_clip_is_cached_as_mp3_a_seventh_of_its_pcm(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    audio = tone(3.0)
    clip = cache.put(key_for("三秒。"), audio)
    files = sorted(p.name for p in Path(clip.path).parent.iterdir())
    assert files == [f"{key_for('三秒。')}.json", f"{key_for('三秒。')}.mp3"]
    stored = Path(clip.path).stat().st_size
    assert stored * 6 < len(audio.data)  # 48 kbit/s against 352.8 kbit/s of PCM
    found = cache.get(key_for("三秒。"))
    assert found is not None and found.codec == "mp3" and found.duration == audio.duration
    # the frames hold the whole sound: the encoder's delay, then the three seconds
    decoded = decode_mp3(Path(clip.path).read_bytes(), RATE)
    assert len(decoded) >= ENCODER_DELAY + 3 * RATE
    # and the sentences are timed where they are heard in those frames
    assert found.boundaries[0].offset == pytest.approx(onset(decoded) / RATE, abs=0.005)


def test_a_cached_offline_book_is_joined_without_encoding_it_again(
    tone_engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    book = tmp_path / "渡口.txt"
    book.write_text(CHAPTER, encoding="utf-8")
    args = ["render", str(book), "--engine", tone_engine, "--cache-dir", "c", "-q"]
    first = CliRunner().invoke(main, [*args, "-o", "first.mp3"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    clips = tmp_path / "c" / "clips"
    assert not list(clips.rglob("*.pcm"))
    stored = sum(p.stat().st_size for p in clips.rglob("*.mp3"))
    seconds = sum(json.loads(p.read_text())["duration"] for p in clips.rglob("*.json"))
    assert stored * 5 < seconds * 16000 * 2  # the tone engine's PCM: 16 kHz, 16-bit

    class NoEncoder:
        def __init__(self, *args: object) -> None:
            raise AssertionError("a cached book was encoded again")

    monkeypatch.setattr(assemble_module, "Mp3Encoder", NoEncoder)
    again = CliRunner().invoke(main, [*args, "-o", "again.mp3"], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again.mp3").read_bytes() == (tmp_path / "first.mp3").read_bytes()


def test_listeners_hear_the_pauses_the_timeline_asks_for(tmp_path: Path) -> None:
    """A clip encoded on its own carries the encoder's delay and padding; the assembler takes
    them out of the pause, so the silence heard between two lines is the pause asked for and
    the book is as long as its timeline."""
    cache = ClipCache(tmp_path / "cache")
    a = cache.put(key_for("甲。"), tone(1.3, 440.0))
    b = cache.put(key_for("乙。"), tone(0.9, 660.0))
    out = tmp_path / "book.mp3"
    seconds = assemble([a, Silence(0.5), b, Silence(0.45), a], out)
    timeline = a.duration + 0.5 + b.duration + 0.45 + a.duration
    frame = 576 / RATE
    assert seconds == pytest.approx(timeline, abs=ENCODER_DELAY / RATE + 2 * frame)
    runs = tone_runs(decode_mp3(out.read_bytes(), RATE), RATE)
    assert [round(r.hz, -1) for r in runs] == [440, 660, 440]
    assert runs[1].start - runs[0].end == pytest.approx(0.5, abs=frame + 0.05)
    assert runs[2].start - runs[1].end == pytest.approx(0.45, abs=frame + 0.05)
    assert runs[0].end - runs[0].start == pytest.approx(1.3, abs=0.05)


def test_a_pcm_clip_from_an_earlier_version_is_used_and_compressed_once(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    key = key_for("旧的。")
    audio = tone(2.0)
    old_entry(cache, key, audio)
    found = cache.lookup(key)
    assert found.status == "hit" and found.clip is not None
    assert found.clip.codec == "mp3" and found.clip.duration == audio.duration
    folder = tmp_path / key[:2]
    assert sorted(p.suffix for p in folder.iterdir()) == [".json", ".mp3"]
    assert json.loads((folder / f"{key}.json").read_text())["codec"] == "mp3"
    again = cache.lookup(key)
    assert again.status == "hit" and again.clip == found.clip


def test_a_pcm_clip_in_a_cache_that_cannot_be_written_is_still_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ClipCache(tmp_path)
    key = key_for("只读。")
    old_entry(cache, key, tone(1.0))

    def read_only(*args: object, **kwargs: object) -> None:
        raise AudiobookError("cannot write the clip: read-only file system")

    monkeypatch.setattr(cache_module, "write_bytes", read_only)
    found = cache.lookup(key)
    assert found.status == "hit" and found.clip is not None and found.clip.codec == "pcm_s16le"
    assert (tmp_path / key[:2] / f"{key}.pcm").is_file()


def test_a_book_cached_as_pcm_renders_from_the_cache_and_shrinks_it(
    tone_engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    book = tmp_path / "渡口.txt"
    book.write_text(CHAPTER, encoding="utf-8")
    args = ["render", str(book), "--engine", tone_engine, "--cache-dir", "c"]
    with monkeypatch.context() as old_version:  # the cache as earlier versions filled it
        old_version.setattr(cache_module, "pcm_to_mp3", lambda audio: audio)
        first = CliRunner().invoke(main, [*args, "-o", "old.mp3"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    clips = tmp_path / "c" / "clips"
    pcm = sum(p.stat().st_size for p in clips.rglob("*.pcm"))
    assert pcm and not list(clips.rglob("*.mp3"))

    again = CliRunner().invoke(main, [*args, "-o", "new.mp3"], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert "0 requests" in again.output
    assert not list(clips.rglob("*.pcm"))
    assert sum(p.stat().st_size for p in clips.rglob("*.mp3")) * 5 < pcm
    heard = [round(r.hz) for r in tone_runs(decode_mp3((tmp_path / "new.mp3").read_bytes()))]
    before = [round(r.hz) for r in tone_runs(decode_mp3((tmp_path / "old.mp3").read_bytes()))]
    assert heard and heard == before  # the same voices, in the same order


def test_only_pcm_is_compressed() -> None:
    with pytest.raises(ValueError, match="takes 16-bit PCM"):
        pcm_to_mp3(Audio(b"\xff\xf3", "mp3", 24000, 1, 0.024))
