from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from tts.errors import AudiobookError
from tts.model import Audio, Boundary, Voice
from tts.speech.cache import ClipCache, Lookup, clip_key

XIAOXIAO = Voice("edge", "zh-CN-XiaoxiaoNeural")
ARIA = Voice("edge", "en-US-AriaNeural", rate="+10%")


def mp3_audio(text: str = "你好") -> Audio:
    return Audio(
        data=b"\xff\xf3\x64\xc4" + b"\x00" * 140,
        codec="mp3",
        sample_rate=24000,
        channels=1,
        duration=0.024,
        boundaries=(Boundary(0.0, 0.02, text),),
    )


def test_key_is_a_stable_golden_hash() -> None:
    # If this changes, every user's cache is silently thrown away: bump KEY_SCHEMA on purpose.
    assert clip_key("edge", "7.3.1", XIAOXIAO, "你好。") == (
        "99cd73e7286245a5b18c7c141fbe7cccdddb4c1a4665bc992d57ea0cdf95fead"
    )
    assert len(clip_key("edge", "7.3.1", XIAOXIAO, "你好。")) == 64
    assert clip_key("edge", "7.3.1", ARIA, "Hello.") == (
        "60de13f29776a66d832507294a98a84b912cdf269deb7e398946413d68d8cefa"
    )


@pytest.mark.parametrize(
    "engine, version, voice, text",
    [
        ("espeak", "7.3.1", XIAOXIAO, "你好。"),
        ("edge", "7.3.2", XIAOXIAO, "你好。"),
        ("edge", "7.3.1", replace(XIAOXIAO, name="zh-CN-YunxiNeural"), "你好。"),
        ("edge", "7.3.1", replace(XIAOXIAO, rate="+10%"), "你好。"),
        ("edge", "7.3.1", replace(XIAOXIAO, pitch="-5Hz"), "你好。"),
        ("edge", "7.3.1", replace(XIAOXIAO, volume="-20%"), "你好。"),
        ("edge", "7.3.1", XIAOXIAO, "你好！"),
        ("edge", "7.3.1", XIAOXIAO, "你好。 "),
    ],
)
def test_anything_that_changes_the_sound_changes_the_key(
    engine: str, version: str, voice: Voice, text: str
) -> None:
    assert clip_key(engine, version, voice, text) != clip_key("edge", "7.3.1", XIAOXIAO, "你好。")


def test_put_then_get_round_trips(tmp_path: Path) -> None:
    """(Raw PCM is stored as MP3 frames: tests/test_clip_storage.py.)"""
    audio, ext = mp3_audio("你好"), ".mp3"
    cache = ClipCache(tmp_path / "cache")
    key = clip_key("edge", "1", XIAOXIAO, "你好")
    assert cache.get(key) is None
    clip = cache.put(key, audio)
    assert clip.path.endswith(key + ext)
    assert Path(clip.path).parent.name == key[:2]
    assert Path(clip.path).read_bytes() == audio.data
    again = ClipCache(tmp_path / "cache").get(key)
    assert again == clip
    assert (again.codec, again.sample_rate, again.channels) == (
        audio.codec,
        audio.sample_rate,
        audio.channels,
    )
    assert again.duration == pytest.approx(audio.duration)
    assert again.boundaries == audio.boundaries
    assert key in cache


def test_a_second_put_replaces_the_clip(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    key = clip_key("edge", "1", ARIA, "Hello.")
    cache.put(key, mp3_audio("Hello"))
    longer = replace(mp3_audio("Hello"), data=mp3_audio().data * 2, duration=0.048)
    assert cache.put(key, longer).duration == pytest.approx(0.048)
    assert Path(cache.get(key).path).stat().st_size == 288  # type: ignore[union-attr]


def files_in(root: Path) -> list[str]:
    """Names of every file under `root`, temporary ones included ('.<name>.<random>.part')."""
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def test_no_temp_files_are_left_behind(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    keys = [clip_key("edge", "1", ARIA, f"line {i}") for i in range(5)]
    for key in keys:
        cache.put(key, mp3_audio())
    assert files_in(tmp_path) == sorted(f"{key}{ext}" for key in keys for ext in (".mp3", ".json"))


def test_audio_without_sidecar_is_not_a_hit(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    key = clip_key("edge", "1", ARIA, "Hello.")
    cache.put(key, mp3_audio())
    cache.sidecar_path(key).unlink()
    assert cache.get(key) is None


@pytest.mark.parametrize(
    "damage",
    ["truncate audio", "delete audio", "garbage sidecar", "empty sidecar", "sidecar missing field"],
)
def test_damaged_entries_are_misses_not_crashes(tmp_path: Path, damage: str) -> None:
    cache = ClipCache(tmp_path)
    key = clip_key("edge", "1", XIAOXIAO, "天色已晚。")
    clip = cache.put(key, mp3_audio())
    audio, sidecar = Path(clip.path), cache.sidecar_path(key)
    if damage == "truncate audio":
        audio.write_bytes(audio.read_bytes()[:50])
    elif damage == "delete audio":
        audio.unlink()
    elif damage == "garbage sidecar":
        sidecar.write_bytes(b"\x00{not json")
    elif damage == "empty sidecar":
        sidecar.write_text("")
    else:
        sidecar.write_text('{"codec": "mp3"}')
    assert cache.get(key) is None
    # and the next put heals it
    assert cache.put(key, mp3_audio()).duration == pytest.approx(0.024)


def test_a_hit_is_checked_against_the_digest_it_was_stored_with(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    key = clip_key("edge", "1", XIAOXIAO, "天色已晚。")
    clip = cache.put(key, mp3_audio())
    assert cache.lookup(key) == Lookup("hit", clip)
    meta = json.loads(cache.sidecar_path(key).read_text("utf-8"))
    assert meta["sha256"] == hashlib.sha256(mp3_audio().data).hexdigest()
    assert cache.lookup(clip_key("edge", "1", XIAOXIAO, "天亮了。")) == Lookup("missing")


@pytest.mark.parametrize(
    "damage",
    [
        "middle third overwritten",
        "another clip of the same size",
        "garbage of the same size",
        "audio gone",
        "garbage sidecar",
        "sidecar not an object",
    ],
)
def test_a_clip_that_changed_since_it_was_stored_is_damaged(tmp_path: Path, damage: str) -> None:
    """Same size, other bytes: the byte count alone took these for the clip."""
    cache = ClipCache(tmp_path)
    key = clip_key("edge", "1", XIAOXIAO, "天色已晚。")
    audio = replace(mp3_audio(), data=b"\xff\xf3\x64\xc4" + bytes(range(140)))
    path = Path(cache.put(key, audio).path)
    data = path.read_bytes()
    if damage == "middle third overwritten":
        path.write_bytes(data[:48] + bytes(48) + data[96:])
    elif damage == "another clip of the same size":
        other = cache.put(clip_key("edge", "1", ARIA, "Hello."), mp3_audio("Hello"))
        path.write_bytes(Path(other.path).read_bytes())
    elif damage == "garbage of the same size":
        path.write_bytes(os.urandom(len(data)))
    elif damage == "audio gone":
        path.unlink()
    elif damage == "garbage sidecar":
        cache.sidecar_path(key).write_bytes(b"\x00{not json")
    else:
        cache.sidecar_path(key).write_text("[1, 2]")
    assert cache.lookup(key) == Lookup("damaged")
    assert cache.get(key) is None and key not in cache
    cache.put(key, audio)  # made again: replaced whole
    assert cache.lookup(key).status == "hit" and path.read_bytes() == data


def test_a_clip_cached_before_digests_is_unverified(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    key = clip_key("edge", "1", XIAOXIAO, "天色已晚。")
    cache.put(key, mp3_audio())
    sidecar = cache.sidecar_path(key)
    meta = json.loads(sidecar.read_text("utf-8"))
    del meta["sha256"]
    sidecar.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    assert cache.lookup(key) == Lookup("unverified")
    assert cache.get(key) is None
    cache.put(key, mp3_audio())
    assert cache.lookup(key).status == "hit"


def test_interrupted_sidecar_write_leaves_no_entry_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ClipCache(tmp_path)
    key = clip_key("edge", "1", XIAOXIAO, "他走了。")
    real_replace = os.replace

    def failing_replace(src: str, dst: str) -> None:
        if str(dst).endswith(".json"):
            raise KeyboardInterrupt  # as if the process died between the two renames
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(KeyboardInterrupt):
        cache.put(key, mp3_audio())
    monkeypatch.setattr(os, "replace", real_replace)
    assert cache.get(key) is None
    assert files_in(tmp_path) == [f"{key}.mp3"]  # the audio, without a sidecar: no temp file


def test_unwritable_cache_is_an_error_with_the_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = ClipCache(blocker)
    with pytest.raises(AudiobookError, match="cache"):
        cache.put(clip_key("edge", "1", ARIA, "Hi."), mp3_audio())


def test_keys_that_are_not_hashes_are_never_files(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    assert cache.get("../../etc/passwd") is None
    with pytest.raises(ValueError):
        cache.put("../escape", mp3_audio())
