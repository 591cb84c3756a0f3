from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from tts.errors import (
    ClientOutdated,
    EngineError,
    IncompleteAudio,
    RateLimited,
    VoiceUnavailable,
)
from tts.model import JOINER, Audio, Request, Segment, Voice, VoiceInfo
from tts.speech.cache import ClipCache, clip_key
from tts.speech.synth import Progress, plan_requests, synthesize_all

NARRATOR = Voice("fake", "narrator")
LI = Voice("fake", "li")
WANG = Voice("fake", "wang")
ROOT = Path(__file__).resolve().parents[1]

SILENT_FRAME = b"\xff\xf3\x64\xc4" + b"\x00" * 140  # one 24 ms frame of Edge's MP3 format


class FakeEngine:
    """Deterministic engine: one 24 ms frame per character, scripted failures, counters.

    `capacity`: calls the service takes at once; one more is refused (RateLimited) at once.
    """

    name = "fake"
    version = "1"
    max_request_chars = 200

    def __init__(
        self,
        latency: float = 0.01,
        failures: dict[str, list[Exception]] | None = None,
        first_calls_fail: Sequence[Exception] = (),
        capacity: int | None = None,
    ) -> None:
        self.latency = latency
        self.capacity = capacity
        self.refused = 0
        self.failures = {k: list(v) for k, v in (failures or {}).items()}
        self.first_calls_fail = list(first_calls_fail)
        self.calls: list[str] = []
        self.call_times: list[float] = []
        self.active = 0
        self.max_active = 0
        self.cancelled = 0
        self.active_history: list[int] = []

    async def check(self) -> None:
        return None

    async def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("fake", v.name, "zh-CN", "Female") for v in (NARRATOR, LI, WANG)]

    async def synthesize(self, text: str, voice: Voice) -> Audio:
        self.calls.append(text)
        self.call_times.append(time.monotonic())
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        self.active_history.append(self.active)
        try:
            if self.capacity is not None and self.active > self.capacity:
                self.refused += 1
                await asyncio.sleep(self.latency / 10)
                raise RateLimited("429 too many connections")
            # scripted failures come back early, while other calls are still in flight
            if self.first_calls_fail:
                await asyncio.sleep(self.latency / 2)
                raise self.first_calls_fail.pop(0)
            if self.failures.get(text):
                await asyncio.sleep(self.latency / 2)
                raise self.failures[text].pop(0)
            await asyncio.sleep(self.latency)
            frames = len(text)
            return Audio(SILENT_FRAME * frames, "mp3", 24000, 1, frames * 0.024)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.active -= 1


def seg(
    index: int, text: str, kind: str = "narration", chapter: int = 1, paragraph: int = 0
) -> Segment:
    return Segment(chapter, index, kind, text, paragraph, index + 1)  # type: ignore[arg-type]


def requests_for(n: int, voice: Voice = NARRATOR, prefix: str = "第") -> list[Request]:
    return [Request(f"{prefix}{i}句话。", voice, ((1, i),)) for i in range(n)]


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


# ---------------------------------------------------------------- planning


PLAN_CASES = [
    (
        "same voice across paragraphs is one request",
        [
            (seg(0, "天色已晚。", paragraph=0), NARRATOR),
            (seg(1, "他推门进来。", paragraph=1), NARRATOR),
        ],
        [("天色已晚。" + JOINER + "他推门进来。", NARRATOR, ((1, 0), (1, 1)))],
    ),
    (
        "a voice change starts a request",
        [
            (seg(0, "李明说："), NARRATOR),
            (seg(1, "“走吧。”", "dialogue"), LI),
            (seg(2, "“不去。”", "dialogue"), WANG),
            (seg(3, "“那我走了。”", "dialogue"), LI),
        ],
        [
            ("李明说：", NARRATOR, ((1, 0),)),
            ("“走吧。”", LI, ((1, 1),)),
            ("“不去。”", WANG, ((1, 2),)),
            ("“那我走了。”", LI, ((1, 3),)),
        ],
    ),
    (
        "a pause segment breaks a run of one voice",
        [
            (seg(0, "The door closed."), NARRATOR),
            (seg(1, "***", "pause"), None),
            (seg(2, "Morning came."), NARRATOR),
        ],
        [
            ("The door closed.", NARRATOR, ((1, 0),)),
            ("Morning came.", NARRATOR, ((1, 2),)),
        ],
    ),
    (
        "a heading is a request of its own",
        [
            (seg(0, "第一章 风起", "heading", paragraph=-1), NARRATOR),
            (seg(1, "风从北方来。"), NARRATOR),
            (seg(2, "雪也来了。"), NARRATOR),
        ],
        [
            ("第一章 风起", NARRATOR, ((1, 0),)),
            ("风从北方来。" + JOINER + "雪也来了。", NARRATOR, ((1, 1), (1, 2))),
        ],
    ),
    (
        "chapters never share a request",
        [(seg(5, "End of one."), NARRATOR), (seg(0, "Start of two.", chapter=2), NARRATOR)],
        [("End of one.", NARRATOR, ((1, 5),)), ("Start of two.", NARRATOR, ((2, 0),))],
    ),
    (
        "an unspeakable line is never sent and is a break",
        [
            (seg(0, "他看着她。"), NARRATOR),
            (seg(1, "“……”", "dialogue"), LI),
            (seg(2, "她没说话。"), NARRATOR),
            (seg(3, "  ——  "), NARRATOR),
        ],
        [("他看着她。", NARRATOR, ((1, 0),)), ("她没说话。", NARRATOR, ((1, 2),))],
    ),
    (
        "prosody is part of the voice",
        [(seg(0, "Hi."), LI), (seg(1, "Hello."), Voice("fake", "li", rate="+20%"))],
        [("Hi.", LI, ((1, 0),)), ("Hello.", Voice("fake", "li", rate="+20%"), ((1, 1),))],
    ),
]


@pytest.mark.parametrize(
    "items, expected", [c[1:] for c in PLAN_CASES], ids=[c[0] for c in PLAN_CASES]
)
def test_plan_requests(
    items: list[tuple[Segment, Voice | None]],
    expected: list[tuple[str, Voice, tuple[tuple[int, int], ...]]],
) -> None:
    plan = plan_requests(items, max_chars=100)
    assert [(r.text, r.voice, r.keys) for r in plan] == expected


def test_merging_stops_at_max_chars() -> None:
    items = [(seg(i, f"这是第{i}句。"), NARRATOR) for i in range(10)]  # 6 chars each
    plan = plan_requests(items, max_chars=20)
    assert all(len(r.text) <= 20 for r in plan)
    assert [k for r in plan for k in r.keys] == [(1, i) for i in range(10)]
    assert len(plan) == 4  # 3 lines (6+1+6+1+6 = 20) per request


def test_caller_can_forbid_merging() -> None:
    items = [(seg(0, "One.", paragraph=0), NARRATOR), (seg(1, "Two.", paragraph=1), NARRATOR)]
    plan = plan_requests(items, 100, can_merge=lambda a, b: a.paragraph == b.paragraph)
    assert [r.text for r in plan] == ["One.", "Two."]


def test_a_long_line_becomes_several_requests_with_its_key() -> None:
    long = "他走了很久。" * 30  # 180 chars
    items = [(seg(0, "开头。"), NARRATOR), (seg(1, long), NARRATOR), (seg(2, "结尾。"), NARRATOR)]
    plan = plan_requests(items, max_chars=50)
    assert plan[0].keys == ((1, 0),) and plan[-1].keys == ((1, 2),)
    middle = plan[1:-1]
    assert all(r.keys == ((1, 1),) and len(r.text) <= 50 for r in middle)
    assert "".join(r.text for r in middle) == long


# ---------------------------------------------------------------- scheduling


def test_cached_requests_make_no_calls_and_order_is_kept(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    reqs = [Request("短。", NARRATOR, ((1, 0),)), Request("长一点的句子。", LI, ((1, 1),))]
    engine = FakeEngine()
    first = run(synthesize_all(reqs, engine, cache))
    assert [c.duration for c in first] == pytest.approx([0.048, 0.168])
    assert len(engine.calls) == 2

    again = FakeEngine()
    progress = Progress()
    second = run(synthesize_all(reqs, again, cache, progress=progress))
    assert again.calls == []
    assert [c.path for c in second] == [c.path for c in first]
    stats = progress.stats()
    assert (stats.requests, stats.cache_hits) == (0, 2)
    assert stats.audio_seconds == pytest.approx(0.216)


def test_a_damaged_cached_clip_is_synthesized_again_in_the_same_run(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    reqs = [
        Request("短。", NARRATOR, ((1, 0),)),
        Request("长一点的句子。", LI, ((1, 1),)),
        Request("长一点的句子。", LI, ((1, 2),)),  # the same clip twice: asked for once
    ]
    first = run(synthesize_all(reqs, FakeEngine(), cache))
    clip = Path(first[1].path)
    good = clip.read_bytes()
    clip.write_bytes(good[:100] + b"\xaa" * 100 + good[200:])  # same size, other bytes

    engine, progress = FakeEngine(), Progress()
    clips = run(synthesize_all(reqs, engine, cache, progress=progress))
    assert engine.calls == ["长一点的句子。"]
    stats = progress.stats()
    assert (stats.requests, stats.cache_hits, stats.damaged_clips) == (1, 2, 1)
    assert clip.read_bytes() == good
    assert [c.path for c in clips] == [c.path for c in first]

    again, progress = FakeEngine(), Progress()
    run(synthesize_all(reqs, again, cache, progress=progress))
    assert again.calls == [] and progress.stats().damaged_clips == 0


def test_misses_run_concurrently_but_never_above_the_limit(tmp_path: Path) -> None:
    engine = FakeEngine(latency=0.05)
    start = time.monotonic()
    clips = run(synthesize_all(requests_for(20), engine, ClipCache(tmp_path), concurrency=4))
    wall = time.monotonic() - start
    assert len(clips) == 20 and len(engine.calls) == 20
    assert engine.max_active == 4
    assert wall < 20 * 0.05 / 2  # far faster than one at a time (5 rounds of 0.05 s)


def test_the_same_text_in_the_same_voice_is_synthesized_once(tmp_path: Path) -> None:
    reqs = [Request("“嗯。”", LI, ((1, i),)) for i in range(5)]
    engine = FakeEngine()
    progress = Progress()
    clips = run(synthesize_all(reqs, engine, ClipCache(tmp_path), progress=progress))
    assert engine.calls == ["“嗯。”"]
    assert len({c.path for c in clips}) == 1 and len(clips) == 5
    assert progress.done_lines == 5


def test_rate_limiting_lowers_concurrency_and_honours_retry_after(tmp_path: Path) -> None:
    engine = FakeEngine(
        latency=0.02, first_calls_fail=[RateLimited("429", retry_after=0.2) for _ in range(4)]
    )
    seen: list[int] = []
    progress = Progress(listener=lambda p: seen.append(p.concurrency))
    start = time.monotonic()
    clips = run(
        synthesize_all(
            requests_for(12), engine, ClipCache(tmp_path), progress=progress, backoff=0.01
        )
    )
    assert len(clips) == 12
    assert min(seen) <= 2  # the limit was halved while the service pushed back
    # nobody called again before the retry-after had passed
    retried_at = [t - start for t in engine.call_times[4:]]
    assert min(retried_at) >= 0.2
    # after the 429s, fewer calls ran at once than before
    assert max(engine.active_history[4:8]) < 4
    assert progress.retries == 4
    assert progress.requests == 16


def test_concurrency_recovers_after_successes_but_slowly_past_the_refusal(
    tmp_path: Path,
) -> None:
    # The first call is refused while it runs alone: the service took 1 at most, so the
    # limit goes back up one step per 30 successes in a row, not one per success.
    engine = FakeEngine(latency=0.005, first_calls_fail=[RateLimited("503") for _ in range(4)])
    seen: list[tuple[int, int]] = []
    progress = Progress(listener=lambda p: seen.append((p.done_requests, p.concurrency)))
    run(
        synthesize_all(
            requests_for(150), engine, ClipCache(tmp_path), progress=progress, backoff=0.001
        )
    )
    low = next(i for i, (_, limit) in enumerate(seen) if limit == 1)
    assert seen[-1][1] == 4  # a service that takes 4 again gets 4 again
    reached = [next(done for done, limit in seen[low:] if limit == n) for n in (2, 3, 4)]
    assert reached[0] >= 25 and reached[1] - reached[0] >= 25 and reached[2] - reached[1] >= 25


@pytest.mark.parametrize("capacity", [1, 2, 3, 4])
def test_the_limit_settles_at_what_the_service_takes(tmp_path: Path, capacity: int) -> None:
    engine = FakeEngine(latency=0.01, capacity=capacity)
    progress = Progress()
    clips = run(
        synthesize_all(
            requests_for(120),
            engine,
            ClipCache(tmp_path),
            concurrency=4,
            progress=progress,
            backoff=0.001,
        )
    )
    assert len(clips) == 120
    # Before: after every success one more call, so every other call was refused at 1.
    assert engine.refused <= 0.1 * len(engine.calls)
    assert engine.refused == progress.refusals
    assert max(n for n in engine.active_history if n <= capacity) == capacity
    assert progress.concurrency in (capacity, capacity + 1)  # at most one probe above it


def test_refusals_do_not_use_up_the_attempts_meant_for_faults(tmp_path: Path) -> None:
    text = "第1句话。"
    refused, broken = RateLimited("429"), IncompleteAudio("stream broke off")
    failures = [refused, refused, broken, refused, broken, refused, refused, broken] * 2
    engine = FakeEngine(failures={text: failures})
    progress = Progress()
    clips = run(
        synthesize_all(
            requests_for(3),
            engine,
            ClipCache(tmp_path),
            progress=progress,
            max_attempts=7,
            backoff=0.001,
        )
    )
    assert engine.calls.count(text) == 17  # 10 refusals and 6 failures, then success
    assert clips[1].duration == pytest.approx(len(text) * 0.024)
    assert progress.refusals == 10 and progress.retries == 16


def test_a_service_that_keeps_refusing_ends_with_a_resumable_error(tmp_path: Path) -> None:
    text = "第1句话。"
    engine = FakeEngine(failures={text: [RateLimited("429 busy")] * 1000})
    started = time.monotonic()
    with pytest.raises(RateLimited) as info:
        run(
            synthesize_all(
                requests_for(3),
                engine,
                ClipCache(tmp_path),
                backoff=0.005,
                max_backoff=0.01,
                patience=0.5,
            )
        )
    assert time.monotonic() - started < 1.5
    assert engine.calls.count(text) > 6  # refusals are not the six attempts
    message = str(info.value)
    assert "\n" not in message
    assert re.search(r"429 busy \(refused \d+ tries in \d s; gave up\)", message)
    assert "第1句话" in message and "2 of 3 lines done and cached" in message
    assert "rerun the same command to resume" in message


def test_transient_errors_are_retried_with_a_fresh_call(tmp_path: Path) -> None:
    text = "第3句话。"
    engine = FakeEngine(failures={text: [IncompleteAudio("stream stalled")] * 2})
    progress = Progress()
    clips = run(
        synthesize_all(
            requests_for(5), engine, ClipCache(tmp_path), progress=progress, backoff=0.001
        )
    )
    assert engine.calls.count(text) == 3
    assert clips[3].duration == pytest.approx(len(text) * 0.024)
    assert progress.retries == 2 and progress.stats().retries == 2


def test_giving_up_after_max_attempts_says_so(tmp_path: Path) -> None:
    text = "第1句话。"
    engine = FakeEngine(failures={text: [IncompleteAudio("stream stalled")] * 10})
    with pytest.raises(IncompleteAudio) as info:
        run(
            synthesize_all(
                requests_for(3), engine, ClipCache(tmp_path), max_attempts=3, backoff=0.001
            )
        )
    assert engine.calls.count(text) == 3
    message = str(info.value)
    assert "gave up after 3 attempts" in message
    assert "第1句话" in message
    assert "rerun the same command to resume" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "error",
    [
        VoiceUnavailable("voice zh-CN-XiaomoNeural is not offered"),
        ClientOutdated("upgrade edge-tts"),
    ],
)
def test_a_permanent_error_stops_at_once_and_keeps_finished_work(
    tmp_path: Path, error: EngineError
) -> None:
    cache = ClipCache(tmp_path)
    reqs = requests_for(30)
    # longest first: 10..29 go out before 0..9, so reqs[14] fails in the second round
    engine = FakeEngine(latency=0.05, failures={reqs[14].text: [error]})

    async def go() -> None:
        try:
            await synthesize_all(reqs, engine, cache, concurrency=4)
        finally:
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            assert others == []  # nothing left running

    with pytest.raises(type(error)) as info:
        run(go())
    assert engine.cancelled >= 1  # in-flight calls were cancelled, not awaited to the end
    assert len(engine.calls) < 30
    message = str(info.value)
    done = int(message.split(" of 30 lines done and cached")[0].rsplit("(", 1)[1])
    assert 4 <= done < 30
    assert "rerun the same command to resume" in message

    rerun = FakeEngine()
    run(synthesize_all(reqs, rerun, cache))
    assert len(rerun.calls) == 30 - done


def test_bugs_in_an_engine_keep_their_own_type(tmp_path: Path) -> None:
    engine = FakeEngine(first_calls_fail=[ZeroDivisionError("bug")])
    with pytest.raises(ZeroDivisionError):
        run(synthesize_all(requests_for(3), engine, ClipCache(tmp_path)))


def test_progress_counts_lines_not_pieces(tmp_path: Path) -> None:
    long = "他走了很久。" * 20
    items = [(seg(0, long), NARRATOR), (seg(1, "“等等。”", "dialogue"), LI)]
    reqs = plan_requests(items, max_chars=40)
    assert len(reqs) > 2
    events: list[tuple[int, int]] = []
    progress = Progress(listener=lambda p: events.append((p.done_lines, p.done_requests)))
    run(synthesize_all(reqs, FakeEngine(), ClipCache(tmp_path), progress=progress))
    assert progress.total_lines == 2 and progress.done_lines == 2
    assert progress.done_requests == len(reqs)
    assert events[-1] == (2, len(reqs))
    assert progress.eta_seconds() == pytest.approx(0.0)
    assert progress.audio_seconds == pytest.approx(sum(len(r.text) for r in reqs) * 0.024)


def test_empty_plan_is_fine(tmp_path: Path) -> None:
    assert run(synthesize_all([], FakeEngine(), ClipCache(tmp_path))) == []


KILLED_RUN = """
import asyncio, sys
sys.path[:0] = [{root!r}, {tests!r}]
from test_synth import FakeEngine, requests_for
from tts.speech.cache import ClipCache
from tts.speech.synth import Progress, synthesize_all

def tick(p):
    print(p.done_requests, flush=True)

asyncio.run(synthesize_all(requests_for(40), FakeEngine(latency=0.05), ClipCache({cache!r}),
                           concurrency=2, progress=Progress(listener=tick)))
"""


def test_kill_9_loses_only_requests_in_flight(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    script = KILLED_RUN.format(root=str(ROOT), tests=str(ROOT / "tests"), cache=str(cache_dir))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    done = 0
    for line in proc.stdout:
        done = int(line)
        if done >= 8:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    engine = FakeEngine(latency=0.001)
    run(synthesize_all(requests_for(40), engine, ClipCache(cache_dir)))
    # at most the 2 in-flight requests (and any that finished after we read the count) redone
    assert 40 - done - 4 <= len(engine.calls) <= 40 - done
    # Every clip under its own name is whole; only a temporary '.<name>.<random>.part' that
    # the kill cut short may be left beside them, and it is never read as a clip.
    cache = ClipCache(cache_dir)
    keys = {clip_key(engine.name, engine.version, r.voice, r.text) for r in requests_for(40)}
    named = [p for p in cache_dir.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert sorted(p.name for p in named) == sorted(
        f"{k}{e}" for k in keys for e in (".mp3", ".json")
    )
    assert all(cache.get(key) is not None for key in keys)


def test_a_plain_callback_can_follow_progress(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    run(
        synthesize_all(
            requests_for(3),
            FakeEngine(),
            ClipCache(tmp_path),
            progress=lambda p: seen.append((p.done, p.total)),
        )
    )
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)


def test_longest_requests_go_out_first(tmp_path: Path) -> None:
    reqs = [Request("短。", NARRATOR, ((1, 0),)), Request("这是一个长得多的句子。", LI, ((1, 1),))]
    reqs += [Request("中等长度。", WANG, ((1, 2),))]
    engine = FakeEngine()
    clips = run(synthesize_all(reqs, engine, ClipCache(tmp_path), concurrency=1))
    assert engine.calls == ["这是一个长得多的句子。", "中等长度。", "短。"]
    assert [c.duration for c in clips] == pytest.approx([0.048, 0.264, 0.12])
