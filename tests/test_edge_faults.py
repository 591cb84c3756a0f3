"""How the Edge engine fails: every way the service misbehaves maps to one error kind.

The real edge_tts client returns a short clip without complaint when a stream breaks, and
hangs when the service goes quiet; these tests pin that the engine never does either.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner
from edge_server import (
    EdgeServer,
    Fault,
    Latency,
    clip_seconds,
    decode_mp3,
    tone_frequency,
    voice_for_tone,
)

from tts.cli import main
from tts.errors import (
    ClientOutdated,
    EngineError,
    IncompleteAudio,
    NoAudio,
    RateLimited,
    ServiceUnreachable,
    VoiceUnavailable,
)
from tts.model import Request, Voice
from tts.speech.cache import ClipCache
from tts.speech.engines.edge import EdgeEngine
from tts.speech.synth import Progress, synthesize_all

T = TypeVar("T")

XIAOXIAO = Voice("edge", "zh-CN-XiaoxiaoNeural")
GUY = Voice("edge", "en-US-GuyNeural")
ZH_TEXT = "雨停了。街上的人多了起来，卖早点的摊子也开张了！"
EN_TEXT = "The rain stopped. The street filled up, and the breakfast stalls opened!"


pytestmark = pytest.mark.usefixtures("in_tmp")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def synth(text: str = ZH_TEXT, voice: Voice = XIAOXIAO, **options: Any) -> Any:
    options.setdefault("chunk_timeout", 0.5)
    return run(EdgeEngine(**options).synthesize(text, voice))


FAULT_TABLE = [
    # kind, options, error, transient, retry_after
    ("http_429", {}, RateLimited, True, None),
    ("http_429", {"retry_after": "7"}, RateLimited, True, 7.0),
    ("http_503", {}, RateLimited, True, None),
    ("http_503", {"retry_after": "2"}, RateLimited, True, 2.0),
    # A 403 that outlives the client's own clock-skew retry is retried later, like a 429...
    ("http_403", {"count": 2}, RateLimited, True, None),
    ("no_audio", {}, NoAudio, True, None),
    ("close_mid", {}, IncompleteAudio, True, None),
    ("close_mid", {"fraction": 0.97}, IncompleteAudio, True, None),
    ("reset_mid", {}, IncompleteAudio, True, None),
    ("reset_mid", {"fraction": 0.1}, IncompleteAudio, True, None),
    ("no_turn_end", {}, IncompleteAudio, True, None),
    ("silent", {}, IncompleteAudio, True, None),
    ("trickle", {"interval": 2.0}, IncompleteAudio, True, None),
    ("bad_path", {}, IncompleteAudio, True, None),
    ("early_end", {}, IncompleteAudio, True, None),
    ("early_end", {"fraction": 0.5}, IncompleteAudio, True, None),
]


@pytest.mark.parametrize(
    ("kind", "options", "error", "transient", "retry_after"),
    FAULT_TABLE,
    ids=[f"{k}-{'-'.join(map(str, o.values()))}" for k, o, *_ in FAULT_TABLE],
)
@pytest.mark.parametrize(("text", "voice"), [(ZH_TEXT, XIAOXIAO), (EN_TEXT, GUY)], ids=["zh", "en"])
def test_fault_maps_to_one_error_kind(
    edge_server: EdgeServer,
    kind: str,
    options: dict[str, Any],
    error: type[EngineError],
    transient: bool,
    retry_after: float | None,
    text: str,
    voice: Voice,
) -> None:
    edge_server.faults.append(Fault(kind, **options))
    with pytest.raises(error) as caught:
        synth(text, voice)
    assert caught.value.transient is transient
    assert getattr(caught.value, "retry_after", None) == retry_after
    message = str(caught.value)
    assert "\n" not in message
    assert voice.name in message
    if error is ClientOutdated:
        assert "pip install -U edge-tts" in message
    if error is RateLimited:
        assert kind[-3:] in message


def test_403_once_is_retried_by_the_client_and_succeeds(edge_server: EdgeServer) -> None:
    edge_server.faults.append(Fault("http_403"))
    audio = synth()
    assert audio.duration == pytest.approx(clip_seconds(ZH_TEXT), abs=0.001)
    assert edge_server.connections == 2


@pytest.mark.parametrize("kind", ["close_mid", "reset_mid"])
@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.5, 0.7, 0.99])
def test_a_broken_stream_is_never_returned_as_a_short_clip(
    edge_server: EdgeServer, kind: str, fraction: float
) -> None:
    edge_server.faults.append(Fault(kind, fraction=fraction))
    with pytest.raises(IncompleteAudio, match="retry"):
        synth()


@pytest.mark.parametrize("kind", ["silent", "trickle"])
def test_a_stalled_stream_gives_up_after_the_chunk_timeout(
    edge_server: EdgeServer, kind: str
) -> None:
    edge_server.faults.append(Fault(kind, interval=5.0))
    started = time.monotonic()
    with pytest.raises(IncompleteAudio, match="stalled for 0.5 s"):
        synth(chunk_timeout=0.5)
    assert time.monotonic() - started < 2.5


def test_second_of_three_chunks_failing_fails_the_whole_text(edge_server: EdgeServer) -> None:
    text = "第一段话说完了。" * 10 + "第二段话说完了。" * 10 + "第三段话说完了。" * 10
    edge_server.faults.append(Fault("close_mid", at=2, fraction=0.6))
    with pytest.raises(IncompleteAudio):
        synth(text, max_request_bytes=240)
    assert len(edge_server.requests) == 2  # the third is not even asked for


def test_attempts_retry_a_one_off_failure_with_a_fresh_request(edge_server: EdgeServer) -> None:
    edge_server.faults.append(Fault("close_mid"))
    audio = synth(attempts=2)
    assert audio.duration == pytest.approx(clip_seconds(ZH_TEXT), abs=0.001)
    assert len(edge_server.requests) == 2


def test_attempts_honour_retry_after(edge_server: EdgeServer) -> None:
    edge_server.faults.append(Fault("http_503", retry_after="1"))
    started = time.monotonic()
    audio = synth(attempts=2)
    assert time.monotonic() - started >= 1.0
    assert voice_for_tone(tone_frequency(decode_mp3(audio.data))) == XIAOXIAO.name


def test_a_403_on_a_fresh_connection_after_a_403_says_upgrade(edge_server: EdgeServer) -> None:
    # ...and one that comes back on a fresh connection after that means the client is too
    # old: no more attempts, and the advice to upgrade.
    edge_server.faults.append(Fault("http_403", count=100))
    with pytest.raises(ClientOutdated, match=r"HTTP 403.*pip install -U edge-tts") as caught:
        synth(attempts=5)
    assert caught.value.transient is False
    assert edge_server.connections == 4  # two attempts, each with the client's own retry


def test_a_403_that_passes_is_forgotten(edge_server: EdgeServer) -> None:
    engine = EdgeEngine(chunk_timeout=5.0)
    for _ in range(2):  # a sporadic refusal, then success, then another sporadic refusal
        edge_server.faults.append(Fault("http_403", count=2))
        with pytest.raises(RateLimited, match="HTTP 403"):
            run(engine.synthesize(ZH_TEXT, XIAOXIAO))
        run(engine.synthesize(ZH_TEXT, XIAOXIAO))


def rendered_whole(edge_server: EdgeServer, tmp_path: Path) -> tuple[Path, Path, int]:
    """The test book rendered once with no fault (the book, its MP3 and the requests it
    took), and the server reset for the faulty run to compare with it."""
    book = tmp_path / "渡口.txt"
    book.write_text(BOOK, encoding="utf-8")
    whole = tmp_path / "whole.mp3"
    assert render_book(book, whole, tmp_path / "cache-whole").exit_code == 0
    asked = len(edge_server.requests)
    edge_server.reset()
    return book, whole, asked


def test_a_sporadic_403_is_retried_and_the_book_is_whole(
    edge_server: EdgeServer, tmp_path: Path
) -> None:
    book, whole, asked = rendered_whole(edge_server, tmp_path)
    edge_server.faults.append(Fault("http_403", count=2))  # past the client's own retry
    out = tmp_path / "book.mp3"
    result = render_book(book, out, tmp_path / "cache", "--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert len(edge_server.requests) == asked
    assert edge_server.refused == 2
    assert len(decode_mp3(out.read_bytes())) == len(decode_mp3(whole.read_bytes()))


def test_a_403_that_never_passes_ends_the_book_with_the_upgrade_advice(
    edge_server: EdgeServer, tmp_path: Path
) -> None:
    book = tmp_path / "渡口.txt"
    book.write_text(BOOK, encoding="utf-8")
    edge_server.faults.append(Fault("http_403", count=1000))
    out = tmp_path / "book.mp3"
    started = time.monotonic()
    result = render_book(book, out, tmp_path / "cache")
    assert result.exit_code != 0
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "HTTP 403" in line
    assert "pip install -U edge-tts" in line and "rerun" in line
    assert not out.exists()
    assert edge_server.requests == [] and edge_server.connections <= 4 * 4
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("voice", "suggestion"),
    [
        ("zh-CN-XiaomoNeural", "zh-CN-XiaoxiaoNeural"),
        ("en-US-JennieNeural", "en-US-JennyNeural"),
    ],
)
def test_unknown_voice_names_the_voice_and_the_closest_ones(
    edge_server: EdgeServer, voice: str, suggestion: str
) -> None:
    with pytest.raises(VoiceUnavailable) as caught:
        synth("你好。", Voice("edge", voice))
    assert voice in str(caught.value)
    assert suggestion in str(caught.value)
    assert f"audiobook voices --locale {voice[:5]}" in str(caught.value)
    assert caught.value.transient is False
    assert [r.voice for r in edge_server.requests] == [voice]


def test_malformed_voice_name_is_unavailable_before_any_request(edge_server: EdgeServer) -> None:
    with pytest.raises(VoiceUnavailable, match="Xiaoxiao"):
        synth("你好。", Voice("edge", "Xiaoxiao"))
    assert edge_server.requests == []


def test_nothing_listening_is_service_unreachable(edge_offline: str) -> None:
    with pytest.raises(ServiceUnreachable, match="check your network") as caught:
        synth()
    assert caught.value.transient is True


def test_voice_list_429_falls_back_to_the_shipped_list(edge_server: EdgeServer) -> None:
    edge_server.faults.append(Fault("voices_429"))
    engine = EdgeEngine()
    voices = run(engine.voices())
    assert engine.voices_source == "shipped"
    assert "zh-CN-XiaoxiaoNeural" in {v.name for v in voices}


def test_realistic_latency_is_slower_but_whole(edge_server: EdgeServer) -> None:
    edge_server.latency = Latency.realistic()
    started = time.monotonic()
    audio = synth(chunk_timeout=5.0)
    elapsed = time.monotonic() - started
    assert elapsed >= 0.3 + clip_seconds(ZH_TEXT) / 10 * 0.8
    assert audio.duration == pytest.approx(clip_seconds(ZH_TEXT), abs=0.001)


def test_parallel_requests_each_get_their_own_stream(edge_server: EdgeServer) -> None:
    edge_server.latency = Latency(connect=0.05, speed=20.0)
    engine = EdgeEngine(chunk_timeout=5.0)
    voices = [
        XIAOXIAO,
        GUY,
        Voice("edge", "zh-TW-HsiaoChenNeural"),
        Voice("edge", "en-GB-RyanNeural"),
    ]

    async def all_at_once() -> list[Any]:
        return await asyncio.gather(*(engine.synthesize(ZH_TEXT, v) for v in voices))

    clips = run(all_at_once())
    heard = [voice_for_tone(tone_frequency(decode_mp3(c.data))) for c in clips]
    assert heard == [v.name for v in voices]


def test_a_voice_the_service_dropped_is_unavailable(edge_server: EdgeServer) -> None:
    # The shipped list still has it, the service no longer does (voices come and go).
    edge_server.voice_list = [v for v in edge_server.voice_list if v["ShortName"] != GUY.name]
    with pytest.raises(NoAudio, match=GUY.name):
        synth(EN_TEXT, GUY)
    engine = EdgeEngine(chunk_timeout=0.5)
    assert GUY.name not in {v.name for v in run(engine.voices())}
    with pytest.raises(VoiceUnavailable, match="en-US-"):
        run(engine.synthesize(EN_TEXT, GUY))


# --- a turn that ends cleanly but early ----------------------------------------------------


def test_a_turn_that_ends_early_is_asked_again_and_the_clip_is_whole(
    edge_server: EdgeServer, tmp_path: Path
) -> None:
    edge_server.faults.append(Fault("early_end", fraction=0.5))
    request = Request(ZH_TEXT, XIAOXIAO, ((1, 0),))
    engine = EdgeEngine(chunk_timeout=5.0)
    (clip,) = run(synthesize_all([request], engine, ClipCache(tmp_path), backoff=0.01))
    assert [r.text for r in edge_server.requests] == [ZH_TEXT, ZH_TEXT]
    assert clip.duration == pytest.approx(clip_seconds(ZH_TEXT), abs=0.001)


BOOK = """第1章 渡口
天还没亮，渡口上已经挤满了人。船还没有来，大家都在等。
“船什么时候到？”老吴问道。他已经等了一个钟头了。
小梅翻着账本说：“晚了两个钟头，说是江上起了大风。风停了才能开船。”
"""


def render_book(book: Path, out: Path, cache: Path, *extra: str) -> Any:
    args = ["render", str(book), "-o", str(out), "--engine", "edge", "--cache-dir", str(cache)]
    return CliRunner().invoke(main, [*args, "--quiet", *extra], catch_exceptions=False)


def test_a_book_whose_turns_end_early_comes_out_whole(
    edge_server: EdgeServer, tmp_path: Path
) -> None:
    book, whole, asked = rendered_whole(edge_server, tmp_path)
    edge_server.faults.append(Fault("early_end", count=3, fraction=0.5))
    out = tmp_path / "book.mp3"
    result = render_book(book, out, tmp_path / "cache")
    assert result.exit_code == 0, result.stderr
    assert len(edge_server.requests) == asked + 3  # each early end asked again, once
    assert len(decode_mp3(out.read_bytes())) == len(decode_mp3(whole.read_bytes()))


# --- a service that limits connections ------------------------------------------------------


def limited_run(
    server: EdgeServer, tmp_path: Path, limit: int, n: int, **options: Any
) -> tuple[list[Any], Progress]:
    """`n` requests in three voices against a service that takes `limit` connections."""
    server.latency = Latency(connect=0.02, speed=50.0)
    server.max_connections = limit
    voices = [XIAOXIAO, Voice("edge", "zh-CN-YunxiNeural"), Voice("edge", "zh-CN-YunyangNeural")]
    reqs = [Request(f"第{i + 1}天，他慢慢走进了院子。", voices[i % 3], ((1, i),)) for i in range(n)]
    progress = Progress()
    engine = EdgeEngine(chunk_timeout=5.0)
    clips = run(
        synthesize_all(
            reqs, engine, ClipCache(tmp_path), progress=progress, backoff=0.01, **options
        )
    )
    for request, clip in zip(reqs, clips, strict=True):
        assert clip.duration == pytest.approx(clip_seconds(request.text), abs=0.001)
    return clips, progress


@pytest.mark.parametrize("limit", [1, 2])
def test_at_a_connection_limit_few_requests_are_refused(
    edge_server: EdgeServer, tmp_path: Path, limit: int
) -> None:
    # Before: one more connection after every success, so about half of them refused.
    limited_run(edge_server, tmp_path, limit, 45)
    assert edge_server.refused <= 0.15 * edge_server.connections
    assert len(edge_server.requests) == 45  # each request spoken once


def test_within_the_connection_limit_nothing_is_refused(
    edge_server: EdgeServer, tmp_path: Path
) -> None:
    limited_run(edge_server, tmp_path, 4, 30, concurrency=4)
    assert edge_server.refused == 0


def test_a_rate_limited_run_that_also_meets_faults_completes(
    edge_server: EdgeServer, tmp_path: Path
) -> None:
    # A stream broken on every third connection the limit lets through: before, the
    # refusals used up the six attempts and the run gave up.
    edge_server.faults.extend(Fault("close_mid", at=k) for k in range(3, 500, 3))
    _, progress = limited_run(edge_server, tmp_path, 1, 30)
    assert progress.done_requests == 30
    assert edge_server.refused > 0


def test_refusals_and_faults_on_one_request_do_not_add_up_to_six_attempts(
    edge_server: EdgeServer, tmp_path: Path
) -> None:
    edge_server.faults.extend([Fault("http_429", count=4), Fault("close_mid", count=3)])
    request = Request(ZH_TEXT, XIAOXIAO, ((1, 0),))
    engine = EdgeEngine(chunk_timeout=5.0)
    (clip,) = run(synthesize_all([request], engine, ClipCache(tmp_path), backoff=0.01))
    assert edge_server.connections == 8
    assert clip.duration == pytest.approx(clip_seconds(ZH_TEXT), abs=0.001)


def test_a_service_that_refuses_every_connection_ends_with_a_resumable_error(
    edge_server: EdgeServer, tmp_path: Path
) -> None:
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        limited_run(edge_server, tmp_path, 0, 5, patience=1.0)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "HTTP 429" in message and "gave up" in message
    assert "0 of 5 lines done and cached; rerun the same command to resume" in message
    assert edge_server.refused == edge_server.connections > 6
