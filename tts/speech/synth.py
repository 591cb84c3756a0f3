"""From lines with voices to cached clips: request planning and async scheduling.

`plan_requests` turns the book's segments into as few engine requests as reads well: one per
voice turn, split only where a line is too long for the engine; `Respeller` respells the
words voices.yaml says to pronounce differently, in the text sent to the engine only.
`synthesize_all` sends the requests that are not cached yet, a few at a time, backs off when
the service pushes back, and puts every clip into the cache the moment it arrives, so an
interrupted run loses at most the requests in flight. What speaks them is a `Speaker`: a
`Caller` of the engine on this machine (the limiter, retries and patience), or the machines
of a cluster (`tts.speech.cluster`), each running a `Caller` of its own. It knows engines
only through `tts.speech.engines.base.Engine`.
"""

from __future__ import annotations

import asyncio
import copy
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from tts.errors import AudiobookError, EngineError, RateLimited
from tts.model import (
    JOINER,
    Audio,
    Clip,
    MachineStats,
    Request,
    Segment,
    SegmentKey,
    Stats,
    Voice,
)
from tts.speech.cache import ClipCache, Lookup, clip_key
from tts.speech.engines.base import Engine
from tts.text import is_speakable, split_text


def plan_requests(
    items: Sequence[tuple[Segment, Voice | None]],
    max_chars: int,
    *,
    can_merge: Callable[[Segment, Segment], bool] | None = None,
) -> list[Request]:
    """Group segments into engine requests: about one per voice turn.

    Consecutive segments read by the same voice in the same chapter go into one request
    (joined by `JOINER`) while it stays within `max_chars`, across paragraph ends too: the
    engine breathes at sentence ends by itself, and the pipeline puts its silences only
    between requests, i.e. where the voice changes or the structure demands one. Merging
    stops at a pause segment (voice None), at a heading (always a request of its own, so
    the heading pause can follow it), at a line with nothing speakable (a '……' reply is a
    pause, not speech), and wherever `can_merge(previous, next)` says False.

    A line longer than `max_chars` is split (`tts.text.split_text`); each piece is a request
    of its own carrying that line's key. Nothing unspeakable ever becomes a request.
    """
    requests: list[Request] = []
    texts: list[str] = []
    keys: list[SegmentKey] = []
    voice: Voice | None = None
    last: Segment | None = None

    def flush() -> None:
        nonlocal texts, keys, voice, last
        if texts and voice is not None:
            requests.append(Request(JOINER.join(texts), voice, tuple(keys)))
        texts, keys, voice, last = [], [], None, None

    for segment, seg_voice in items:
        text = segment.text.strip()
        key = (segment.chapter, segment.index)
        if seg_voice is None or segment.kind == "pause" or not is_speakable(text):
            flush()
            continue
        if segment.kind == "heading" or len(text) > max_chars:
            flush()
            requests.extend(Request(p, seg_voice, (key,)) for p in split_text(text, max_chars))
            continue
        mergeable = (
            last is not None
            and voice == seg_voice
            and last.chapter == segment.chapter
            and sum(map(len, texts)) + len(JOINER) * len(texts) + len(text) <= max_chars
            and (can_merge is None or can_merge(last, segment))
        )
        if not mergeable:
            flush()
        texts.append(text)
        keys.append(key)
        voice, last = seg_voice, segment
    flush()
    return requests


class Respeller:
    """voices.yaml's `pronounce`: each word replaced by how to say it (重庆 -> 崇庆, Dr. ->
    Doctor), the longest word first, in one pass, so what a replacement writes is never
    replaced again. A word that starts or ends with a Latin letter or digit is matched only
    as a whole word there ('Ann' is not the start of 'Annual'); Chinese has no spaces, so a
    Chinese word matches wherever it is written.

    Applied to the text a request sends, never to a segment: the script, the subtitles and
    the chapter marks keep the book's words, and the clip's cache key (made from the text
    sent) changes with the respelling.
    """

    def __init__(self, table: Mapping[str, str]) -> None:
        self.table = {word: said for word, said in table.items() if word}
        words = sorted(self.table, key=lambda w: (-len(w), w))
        self.pattern = re.compile("|".join(_whole(word) for word in words)) if words else None

    def text(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda found: self.table[found.group(0)], text)

    def request(self, request: Request) -> Request:
        said = self.text(request.text)
        return request if said == request.text else replace(request, text=said)


def _whole(word: str) -> str:
    """A pattern for `word`, kept from matching inside a longer Latin word or number."""
    before = r"(?<![A-Za-z0-9])" if _LATIN.match(word[0]) else ""
    after = r"(?![A-Za-z0-9])" if _LATIN.match(word[-1]) else ""
    return before + re.escape(word) + after


_LATIN = re.compile(r"[A-Za-z0-9]")


def all_cached(requests: Iterable[Request], engine: Engine, cache: ClipCache) -> bool:
    """Whether `cache` holds a clip of `engine`'s for every request (and there is one): a
    run that needs nothing from the engine, not even its service."""
    found = False
    for request in requests:
        if cache.get(request_key(request, engine)) is None:
            return False
        found = True
    return found


def request_key(request: Request, engine: Engine) -> str:
    """The clip cache key of what `engine` says for `request` (see `clip_key`)."""
    return clip_key(engine.name, engine.version, request.voice, request.text)


@dataclass
class Progress:
    """Counters `synthesize_all` updates as it goes; `listener` is called after each change.

    Lines are segments: a line is done when every request covering it is done.
    """

    listener: Callable[[Progress], None] | None = field(default=None, repr=False)
    total_requests: int = 0
    total_lines: int = 0
    total_chars: int = 0
    done_requests: int = 0
    done_lines: int = 0
    done_chars: int = 0
    cache_hits: int = 0
    damaged_clips: int = 0
    """Cached clips that failed their check (changed or gone on disk since they were stored),
    synthesized again in this run."""
    unverified_clips: int = 0
    """Clips cached before the cache kept a digest of each, synthesized again once."""
    requests: int = 0
    """Engine calls made so far, retries included."""
    retries: int = 0
    refusals: int = 0
    """Calls the service refused (RateLimited) and that were tried again; among `retries`."""
    audio_seconds: float = 0.0
    concurrency: int = 0
    """The connection limit right now (lowered while the service pushes back)."""
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    synthesized_chars: int = 0
    machines: dict[str, Machine] = field(default_factory=dict)
    """What each machine of a cluster did, by name (`tts.speech.cluster`); empty when this
    machine spoke everything itself."""

    @property
    def done(self) -> int:
        """Lines done (same as `done_lines`)."""
        return self.done_lines

    @property
    def total(self) -> int:
        """Lines in the run (same as `total_lines`)."""
        return self.total_lines

    @property
    def wall_seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def eta_seconds(self) -> float | None:
        """Seconds left at the pace of synthesis so far; None before the first clip."""
        if self.synthesized_chars == 0:
            return None if self.done_chars < self.total_chars else 0.0
        rate = self.synthesized_chars / max(self.wall_seconds, 1e-6)
        return (self.total_chars - self.done_chars) / rate

    def stats(self) -> Stats:
        return Stats(
            requests=self.requests,
            cache_hits=self.cache_hits,
            damaged_clips=self.damaged_clips,
            unverified_clips=self.unverified_clips,
            retries=self.retries,
            audio_seconds=self.audio_seconds,
            wall_seconds=self.wall_seconds,
            machines=tuple(m.stats() for m in self.machines.values()),
        )

    def changed(self) -> None:
        if self.listener is not None:
            self.listener(self)


@dataclass
class Machine:
    """One machine of a cluster as a run sees it: what it was sent and what came back."""

    name: str
    """How messages name it: its address, and its node when several share one."""
    clips: int = 0
    chars: int = 0
    audio_seconds: float = 0.0
    requests: int = 0
    """Engine calls it made, retries included."""
    retries: int = 0
    refusals: int = 0
    in_flight: int = 0
    lost: bool = False
    """It left the cluster (or stopped answering) during the run; its unfinished requests
    went to the others."""
    left_out: str | None = None
    """Why it was given no work at all (its engine failed its check there), if so."""

    def stats(self) -> MachineStats:
        return MachineStats(
            name=self.name,
            clips=self.clips,
            audio_seconds=self.audio_seconds,
            requests=self.requests,
            retries=self.retries,
            lost=self.lost,
            left_out=self.left_out,
        )


@dataclass(frozen=True)
class Ticket:
    """What `AdaptiveLimiter.acquire` hands a call, to give back to `congested` if refused."""

    epoch: int
    """The round of calls sent under the same limit that this one belongs to."""
    running: int
    """Calls running when this one started, itself included."""


class AdaptiveLimiter:
    """Lets at most `limit` calls run at once; the limit settles where the service allows.

    When the service refuses a call (429/503), the limit falls (once per round of calls sent
    under the same limit) to at most half, and to at most one less than the calls running
    when the refused one started: that is where the service said no, the `ceiling`. Nobody
    starts a call before its retry-after has passed. Below the ceiling the limit grows by one
    after `limit` successes in a row, back to what worked; at the ceiling and above only after
    `probe_after` successes in a row, so a service that allows more again is found while one
    that does not refuses one call in `probe_after`, not every other one. A refused probe
    puts the limit back to the most calls that worked.
    """

    def __init__(self, maximum: int, probe_after: int = 30) -> None:
        self.maximum = max(1, maximum)
        self.limit = self.maximum
        self.ceiling: int | None = None
        """The most calls at once the service took before it last refused; None before."""
        self.probe_after = max(1, probe_after)
        self.active = 0
        self.epoch = 0
        self.not_before = 0.0
        self._successes = 0
        self._waiters: list[asyncio.Future[None]] = []

    async def acquire(self) -> Ticket:
        """Wait for a slot; returns the ticket to pass to `congested`."""
        loop = asyncio.get_running_loop()
        while True:
            delay = self.not_before - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
                continue
            if self.active < self.limit:
                self.active += 1
                return Ticket(self.epoch, self.active)
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def release(self, *, ok: bool) -> None:
        self.active -= 1
        if ok:
            self._successes += 1
            below = self.ceiling is None or self.limit < self.ceiling
            if self._successes >= (self.limit if below else self.probe_after):
                self.limit = min(self.maximum, self.limit + 1)
                self._successes = 0
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    def congested(self, ticket: Ticket, retry_after: float | None) -> None:
        """The service refused the call that got `ticket`."""
        if ticket.epoch == self.epoch:
            allowed = max(1, ticket.running - 1)
            if self.ceiling is not None and ticket.running > self.ceiling:
                self.ceiling = allowed  # a refused probe: back to the most that worked
                self.limit = min(self.limit, allowed)
            else:
                self.limit = max(1, min(self.limit // 2, allowed))
                self.ceiling = allowed
            self.epoch += 1
            self._successes = 0
        if retry_after:
            loop = asyncio.get_running_loop()
            self.not_before = max(self.not_before, loop.time() + retry_after)


def _backoff(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before try `attempt + 1`: exponential from `base`, capped, jittered."""
    return min(cap, base * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)


def _excerpt(text: str, width: int = 24) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def where_in_book(request: Request) -> str:
    """Where a request's text is in the book, for an error: 'chapter 2, segment 14 ("…")'."""
    chapter, index = request.keys[0]
    return f'chapter {chapter}, segment {index} ("{_excerpt(request.text)}")'


def _reworded(error: AudiobookError, message: str) -> AudiobookError:
    """The same error (same class, same attributes) with a new one-line message."""
    new = copy.copy(error)
    new.args = (message,)
    return new


@dataclass(frozen=True)
class Patience:
    """How long a request is tried before its error ends the run (see `Caller`)."""

    max_attempts: int = 6
    """Failed calls (transient errors) before giving up."""
    backoff: float = 0.5
    """Seconds before the first retry; doubled for each further one, jittered."""
    max_backoff: float = 30.0
    patience: float = 300.0
    """Seconds a request may be refused (RateLimited) in a row."""


class Speaker(Protocol):
    """What speaks the requests that are not cached: this machine's engine (`Caller`), or a
    cluster of machines (`tts.speech.cluster.ClusterSpeaker`)."""

    slots: int
    """Requests `synthesize_all` keeps out at once."""

    async def open(self, progress: Progress) -> None:
        """Called once before the first `speak`, and only when something is to be spoken."""
        ...

    async def speak(self, request: Request, progress: Progress) -> Audio:
        """The audio for `request`; counts its calls, retries and refusals in `progress`.
        Raises the AudiobookError that ends the run."""
        ...


class Caller:
    """One engine's requests, at most `limiter.limit` at once (`AdaptiveLimiter`), each
    tried again after transient errors and while the service refuses (`Patience`): what
    `synthesize_all` speaks with on this machine, and what each machine of a cluster runs.
    """

    def __init__(self, engine: Engine, concurrency: int = 4, patience: Patience = Patience()):
        self.engine = engine
        self.slots = max(1, concurrency)
        self.limiter = AdaptiveLimiter(self.slots)
        self.patience = patience

    async def open(self, progress: Progress) -> None:
        progress.concurrency = self.limiter.limit

    async def speak(self, request: Request, progress: Progress) -> Audio:
        policy, limiter = self.patience, self.limiter
        failures = 0  # failed calls: they count against max_attempts
        refusals = 0  # refused calls in a row: they do not, while within patience
        refused_since = 0.0
        while True:
            ticket = await limiter.acquire()
            progress.requests += 1
            try:
                audio = await self.engine.synthesize(request.text, request.voice)
            except EngineError as e:
                limiter.release(ok=False)
                if not e.transient:
                    raise
                if isinstance(e, RateLimited):
                    limiter.congested(ticket, e.retry_after)
                    now = time.monotonic()
                    refusals += 1
                    if refusals == 1:
                        refused_since = now
                    refused = now - refused_since
                    wait = max(
                        2 * _backoff(refusals, policy.backoff, policy.max_backoff),
                        e.retry_after or 0.0,
                    )
                    if refused + wait > policy.patience:
                        tries = "1 try" if refusals == 1 else f"{refusals} tries"
                        raise _reworded(
                            e, f"{e} (refused {tries} in {refused:.0f} s; gave up)"
                        ) from e
                    progress.refusals += 1
                else:
                    failures += 1
                    refusals = 0
                    if failures >= policy.max_attempts:
                        raise _reworded(e, f"{e} (gave up after {failures} attempts)") from e
                    wait = _backoff(failures, policy.backoff, policy.max_backoff)
                progress.retries += 1
                progress.concurrency = limiter.limit
                progress.changed()
                await asyncio.sleep(wait)
                continue
            except BaseException:
                limiter.release(ok=False)
                raise
            limiter.release(ok=True)
            progress.concurrency = limiter.limit
            return audio


async def synthesize_all(
    requests: Iterable[Request],
    engine: Engine,
    cache: ClipCache,
    *,
    concurrency: int = 4,
    progress: Progress | Callable[[Progress], None] | None = None,
    max_attempts: int = 6,
    backoff: float = 0.5,
    max_backoff: float = 30.0,
    patience: float = 300.0,
    where: Callable[[Request], str] | None = where_in_book,
    resumable: bool = True,
    speaker: Speaker | None = None,
) -> list[Clip]:
    """Synthesize every request (or take it from the cache); clips in request order.

    A cached clip counts only if its audio is still what was stored (`ClipCache.lookup`); a
    damaged or unverified one is a miss like any other, counted in `progress`.
    Misses go to `speaker`, by default a `Caller` of `engine` on this machine: at most
    `concurrency` at a time (fewer where the service refuses more: `AdaptiveLimiter`),
    longest first so the connections finish together.
    Transient errors are retried with a fresh call after an exponential, jittered backoff
    starting at `backoff` seconds. A refusal (RateLimited: 429/503) waits twice as long, and
    at least the service's retry-after, and is not a failed attempt: a request is refused
    for up to `patience` seconds in a row. A permanent error, a transient one that survives
    `max_attempts` failed calls, or refusals past `patience` cancel all outstanding work and
    the error is raised again, same class, its message saying where it happened (`where`:
    the text's place in the book; None leaves it out, as for a single line) and, when
    `resumable`, how much is done and cached and that rerunning the command resumes.
    Whatever speaks, each clip is stored in `cache` under the key `engine` gives it
    (`request_key`) the moment it arrives.

    `progress` is a `Progress` to update (read `progress.stats()` afterwards), or just a
    callback that receives one after every change.
    """
    if not isinstance(progress, Progress):
        progress = Progress(listener=progress)
    if speaker is None:
        speaker = Caller(
            engine, concurrency, Patience(max_attempts, backoff, max_backoff, patience)
        )
    reqs = list(requests)
    keys = [request_key(r, engine) for r in reqs]
    remaining = Counter(k for r in reqs for k in r.keys)
    progress.total_requests = len(reqs)
    progress.total_lines = len(remaining)
    progress.total_chars = sum(len(r.text) for r in reqs)
    progress.concurrency = max(1, concurrency)
    progress.started = time.monotonic()
    progress.finished = None
    clips: list[Clip | None] = [None] * len(reqs)

    def finish(i: int, clip: Clip, *, synthesized: bool) -> None:
        clips[i] = clip
        progress.done_requests += 1
        progress.done_chars += len(reqs[i].text)
        progress.audio_seconds += clip.duration
        if synthesized:
            progress.synthesized_chars += len(reqs[i].text)
        else:
            progress.cache_hits += 1
        for k in reqs[i].keys:
            remaining[k] -= 1
            if remaining[k] == 0:
                progress.done_lines += 1

    wanted: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        wanted.setdefault(key, []).append(i)  # the same text again: one request serves both

    async def look(key: str) -> tuple[str, Lookup]:
        return key, await asyncio.to_thread(cache.lookup, key, engine=engine.name)

    # Cached clips are checked (and an earlier version's PCM compressed) in threads: hashing
    # and ffmpeg run in parallel, and the progress line moves while they do.
    todo: dict[str, list[int]] = {}
    for looked in asyncio.as_completed([look(key) for key in wanted]):
        key, found = await looked
        if found.clip is not None:
            for i in wanted[key]:
                finish(i, found.clip, synthesized=False)
            progress.changed()
            continue
        todo[key] = wanted[key]
        # a clip that fails its check is a miss: asked for again now, and `put` replaces it
        if found.status == "damaged":
            progress.damaged_clips += 1
        elif found.status == "unverified":
            progress.unverified_clips += 1
    progress.changed()

    # Longest first (popped from the end), so no long request is left running alone at the
    # end while the other connections idle; equal lengths go in reading order.
    jobs = sorted(todo.items(), key=lambda job: (len(reqs[job[1][0]].text), -job[1][0]))
    if jobs:
        await speaker.open(progress)
        progress.changed()

    async def worker() -> None:
        assert speaker is not None
        while jobs:
            key, indices = jobs.pop()
            request = reqs[indices[0]]
            try:
                audio = await speaker.speak(request, progress)
            except AudiobookError as e:
                if where is None:
                    raise
                raise _reworded(e, f"{e}; while reading {where(request)}") from e
            # Shielded: once audio has arrived it is stored and counted even if the run is
            # being cancelled, so the "lines done and cached" count is exact.
            store = asyncio.ensure_future(save(key, indices, audio))
            saving.append(store)
            await asyncio.shield(store)

    async def save(key: str, indices: list[int], audio: Audio) -> None:
        clip = await asyncio.to_thread(cache.put, key, audio, engine=engine.name)
        for n, i in enumerate(indices):
            finish(i, clip, synthesized=n == 0)
        progress.changed()

    saving: list[asyncio.Future[None]] = []
    tasks = [asyncio.ensure_future(worker()) for _ in range(min(speaker.slots, len(jobs)))]
    try:
        if tasks:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*saving, return_exceptions=True)
        progress.finished = time.monotonic()
    for task in tasks:
        if task.cancelled():
            continue
        error = task.exception()
        if isinstance(error, AudiobookError) and resumable:
            done = f"{progress.done_lines} of {progress.total_lines} lines done and cached"
            raise _reworded(error, f"{error} ({done}; rerun the same command to resume)") from error
        if error is not None:
            raise error
    progress.changed()
    finished = [clip for clip in clips if clip is not None]
    assert len(finished) == len(reqs), "every request ends with a clip or an error"
    return finished
