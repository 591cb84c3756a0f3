"""Microsoft Edge neural voices, spoken through the `edge_tts` client.

The client is thin: it does not time out on a stalled stream, returns a partial clip without
complaint when the connection drops, and sends a Chinese chapter as one oversized request.
This module adds what a book-length run needs: requests split at sentence punctuation well
under the service's 4096-byte limit, an idle timeout around every received chunk, a
completeness check against the service's own sentence timings, and errors mapped to the few
kinds a user (or the scheduler) can act on.

The engine makes exactly one attempt per request by default: retries and backoff belong to
the scheduler (`tts.speech.synth`), which reads `EngineError.transient` and
`RateLimited.retry_after`. A refusal (HTTP 401/403) is RateLimited the first time, since the
service refuses now and then under load, and ClientOutdated ("upgrade edge-tts") when it
comes back on a fresh connection before anything has succeeded.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import unicodedata
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from xml.sax.saxutils import escape

import aiohttp
import edge_tts
from edge_tts import exceptions as edge_errors

from tts.errors import (
    ClientOutdated,
    EngineError,
    IncompleteAudio,
    NoAudio,
    RateLimited,
    ServiceUnreachable,
    VoiceUnavailable,
)
from tts.model import Audio, Boundary, Prosody, Voice, VoiceInfo
from tts.speech.engines.edge_voices import (
    cached_voices,
    closest_voices,
    known_voices,
    parse_voice_list,
    save_voice_list,
    shipped_voices,
)
from tts.text import is_speakable, split_text

SAMPLE_RATE = 24_000
"""The service's `audio-24khz-48kbitrate-mono-mp3`: 24 kHz mono..."""
BYTES_PER_SECOND = 6_000
"""...at a constant 48 kbit/s: 144-byte frames of 24 ms, so bytes give the exact duration."""
TICKS_PER_SECOND = 10_000_000
"""Boundary offsets and durations come in 100 ns ticks."""

MAX_REQUEST_BYTES = 2_400
"""Escaped UTF-8 bytes per request: the client's own split is at 4096 and cannot split CJK.
800 Chinese characters are about 2.5 minutes of speech, well inside the service's ~10-minute
cut-off and short of the 2**31 ticks (3.6 minutes) where its reported offsets can overflow."""
COMPLETENESS_TOLERANCE = 0.1
"""Seconds of audio that may be missing under the last sentence's end before a clip counts as
cut short. The service's audio runs on past its last boundary (trailing silence), so a whole
clip never comes close; a dropped chunk costs at least one message of audio."""
UNANNOUNCED_SHARE = 0.75
"""Text past the last sentence the service announced counts as read when the audio after that
announcement holds at least this share of the time the rest needs at the pace of the
announced part. The service does not always announce a sentence it reads (a trailing
fragment it does not take for a sentence), and its clips end in about 0.7 s of silence, so a
turn that stops early by less than about a second of speech cannot be told from a whole one;
any longer loss can."""

UPGRADE_HINT = "upgrade edge-tts: pip install -U edge-tts"
OFFLINE_HINT = "check your network, or use --engine espeak to work offline"

# --- text --------------------------------------------------------------------------------


def request_bytes(text: str) -> int:
    """Size of `text` as the client sends it: XML-escaped UTF-8."""
    return len(escape(text).encode("utf-8"))


def split_for_edge(text: str, max_bytes: int = MAX_REQUEST_BYTES) -> list[str]:
    """Split text into requests of at most `max_bytes` escaped UTF-8 bytes, in reading order.

    `tts.text.split_text` measured in `request_bytes`: cut at sentence ends, then clause
    marks, then inside a clause, and packed back together up to the limit, so short text
    stays one request; a chunk with nothing speakable is dropped (it would get no audio).
    """
    if max_bytes < 8:  # room for any one character, escaped ('&amp;' is five bytes)
        raise ValueError(f"max_bytes must be at least 8, got {max_bytes}")
    return split_text(text, max_bytes, size=request_bytes)


def _letters(text: str) -> str:
    """What is read aloud, to compare texts by: letters and digits, case and width folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def _announced(bounds: Sequence[Boundary], letters: str) -> int | None:
    """How many of `letters` (the request's, from `_letters`) the boundaries cover, read in
    order; None when a boundary's words are not in the text at all (nothing to go by).

    The service's boundary text is a span of the text sent, so each is looked for after the
    one before: words said twice count twice."""
    covered = 0
    for boundary in bounds:
        words = _letters(boundary.text)
        if not words:
            continue
        at = letters.find(words, covered)
        if at < 0:
            return None
        covered = at + len(words)
    return covered


def incomplete_reason(
    audio_bytes: int, boundaries: Iterable[Boundary], text: str, turn_ended: bool | None
) -> str | None:
    """Why a clip looks cut short, or None when it looks whole.

    Three checks, always: the stream must have ended with `turn.end` (False: it did not;
    None: the client cannot say); the audio must reach the end of the last sentence the
    service announced (within `COMPLETENESS_TOLERANCE`); and the announced sentences must
    reach the end of the text sent, since a service that stops reading early still ends its
    turn cleanly. For that last check, letters the service read but did not announce are
    allowed when the audio runs on past the last announcement long enough to hold them
    (`UNANNOUNCED_SHARE`); when the end of the stream is unclear they are not.
    """
    bounds = list(boundaries)
    seconds = audio_bytes / BYTES_PER_SECOND
    offsets = [b.offset for b in bounds]
    sane = all(a <= b for a, b in zip(offsets, offsets[1:], strict=False)) and all(
        o >= 0 for o in offsets
    )
    announced = bounds[-1].offset + bounds[-1].duration if bounds else 0.0
    if bounds and sane:  # timings that run backwards are the service's, unreliable: skip
        if seconds + COMPLETENESS_TOLERANCE < announced:
            return (
                f"audio stops at {seconds:.2f} s but speech was announced up to {announced:.2f} s"
            )
    if turn_ended is False:
        return f"the stream ended before turn.end, after {seconds:.2f} s of audio"
    if not bounds:
        # Nothing says how far the service read; a clean turn.end is all there is to go by.
        return None if turn_ended else "the stream ended without any sentence timings"
    letters = _letters(text)
    covered = _announced(bounds, letters)
    if covered is None:  # the service's words are not ours: no way to tell where it stopped
        covered = len(letters) if turn_ended else 0
    if covered >= len(letters):
        return None
    missing = len(letters) - covered
    if turn_ended and sane and covered > 0:
        pace = max(0.0, announced - bounds[0].offset) / covered  # seconds per letter
        if seconds - announced >= UNANNOUNCED_SHARE * pace * missing:
            return None  # the rest was read, just not announced
    return (
        f"the service read up to {bounds[-1].text.strip()[:30]!r}, "
        f"{missing} of {len(letters)} letters short of the end of the text"
    )


# --- errors --------------------------------------------------------------------------------


def retry_after_seconds(
    headers: Mapping[str, str] | None, now: float | None = None
) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not headers:
        return None
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def http_error(status: int, headers: Mapping[str, str] | None, what: str) -> EngineError:
    """The EngineError for an HTTP status the service answered with."""
    if status in (429, 503):
        wait = retry_after_seconds(headers)
        hint = f"retry after {wait:.0f} s" if wait is not None else "slow down and retry later"
        return RateLimited(
            f"the Edge speech service is busy (HTTP {status}) for {what}; {hint}, "
            "or lower the number of parallel requests",
            retry_after=wait,
        )
    if status in (401, 403):
        return ClientOutdated(
            f"the Edge speech service refused edge-tts {edge_tts.__version__} (HTTP {status}) "
            f"for {what}; {UPGRADE_HINT}"
        )
    if status >= 500:
        return ServiceUnreachable(
            f"the Edge speech service failed (HTTP {status}) for {what}; retry later"
        )
    return ClientOutdated(
        f"the Edge speech service rejected the request (HTTP {status}) for {what}; {UPGRADE_HINT}"
    )


@dataclass
class _Stream:
    """What one request brought back."""

    audio: bytearray
    boundaries: list[Boundary]
    turn_ended: bool | None
    """Whether the service closed the turn (`turn.end`); None when the client cannot say."""


# --- the engine ----------------------------------------------------------------------------


class EdgeEngine:
    """Microsoft Edge's online neural voices (needs the network)."""

    name: ClassVar[str] = "edge"

    def __init__(
        self,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        chunk_timeout: float = 20.0,
        connect_timeout: int = 10,
        check_timeout: float = 5.0,
        list_timeout: float = 15.0,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        attempts: int = 1,
        proxy: str | None = None,
    ) -> None:
        """All options have defaults, so `get_engine('edge')` works.

        `chunk_timeout`: seconds to wait for each chunk of a stream (the connection included)
        before giving up with IncompleteAudio. `attempts`: tries per request on transient
        errors; keep 1 when a scheduler retries. `cache_dir`: where the fetched voice list is
        kept for offline validation. `proxy`: an http(s) proxy URL that both the voice list
        and synthesis go through (None: the client's own choice).
        """
        if chunk_timeout <= 0 or check_timeout <= 0 or list_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {attempts}")
        self.cache_dir = cache_dir
        self.chunk_timeout = float(chunk_timeout)
        self.connect_timeout = max(1, int(round(connect_timeout)))
        self.check_timeout = float(check_timeout)
        self.list_timeout = float(list_timeout)
        self.max_request_bytes = max_request_bytes
        self.max_request_chars = max_request_bytes // 3
        self.attempts = attempts
        self.proxy = proxy
        self.version = f"edge-tts {edge_tts.__version__}"
        self.voices_source = "shipped"
        """Where `voices()` got its list last: 'service', 'cache' or 'shipped'."""
        self._live: list[VoiceInfo] | None = None
        self._refused_since: float | None = None
        """When the service first refused a request (401/403) with no success since."""

    # -- voices ----------------------------------------------------------------------------

    async def _fetch_voice_list(self, timeout: float) -> list[Any]:
        data = await asyncio.wait_for(edge_tts.list_voices(proxy=self.proxy), timeout)
        if self.cache_dir is not None:
            save_voice_list(self.cache_dir, data)
        self._live = parse_voice_list(data, "the service's voice list")
        return data

    def known_voices(self) -> list[VoiceInfo]:
        """The best list at hand without the network: fetched, cached, else shipped."""
        return self._live if self._live is not None else known_voices(self.cache_dir)

    async def voices(self) -> list[VoiceInfo]:
        """The service's list (saved to `cache_dir`); offline, the cached or shipped one."""
        try:
            await self._fetch_voice_list(self.list_timeout)
        except (
            aiohttp.ClientError,
            OSError,
            asyncio.TimeoutError,
            ValueError,
            edge_errors.EdgeTTSException,
        ):
            if self._live is not None:  # fetched earlier in this run
                return list(self._live)
            cached = cached_voices(self.cache_dir) if self.cache_dir is not None else None
            self.voices_source = "cache" if cached is not None else "shipped"
            return cached if cached is not None else shipped_voices()
        self.voices_source = "service"
        assert self._live is not None
        return list(self._live)

    async def check(self) -> None:
        """Fetch the voice list quickly; raise the EngineError that says why that failed."""
        what = "the voice list"
        try:
            await self._fetch_voice_list(self.check_timeout)
        except aiohttp.ClientResponseError as exc:
            raise http_error(exc.status, exc.headers, what) from None
        except edge_errors.SkewAdjustmentError:
            raise http_error(403, None, what) from None
        except asyncio.TimeoutError:
            raise ServiceUnreachable(
                f"the Edge speech service did not answer within {self.check_timeout:g} s; "
                + OFFLINE_HINT
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise ServiceUnreachable(
                f"cannot reach the Edge speech service ({_describe(exc)}); {OFFLINE_HINT}"
            ) from None
        except ValueError as exc:
            raise ClientOutdated(
                f"the Edge voice list came back in an unknown format ({exc}); {UPGRADE_HINT}"
            ) from None

    # -- synthesis -------------------------------------------------------------------------

    async def synthesize(self, text: str, voice: Voice) -> Audio:
        """Speak `text` in `voice`: one request per chunk of `split_for_edge`, joined.

        MP3 frames of one format join without decoding; boundaries are shifted by the audio
        before them. Raises NoAudio (not transient) for text with nothing to read.
        """
        if not is_speakable(text):
            error = NoAudio(f"nothing speakable in {text.strip()[:40]!r}; it gets no audio")
            error.transient = False
            raise error
        Prosody.of(voice)  # before any request: edge-tts refuses it as if the voice were bad
        data = bytearray()
        boundaries: list[Boundary] = []
        for chunk in split_for_edge(text, self.max_request_bytes):
            stream = await self._request_with_attempts(chunk, voice)
            shift = len(data) / BYTES_PER_SECOND
            boundaries.extend(replace(b, offset=b.offset + shift) for b in stream.boundaries)
            data += stream.audio
        return Audio(
            data=bytes(data),
            codec="mp3",
            sample_rate=SAMPLE_RATE,
            channels=1,
            duration=len(data) / BYTES_PER_SECOND,
            boundaries=tuple(boundaries),
        )

    async def _request_with_attempts(self, text: str, voice: Voice) -> _Stream:
        for attempt in range(1, self.attempts + 1):
            try:
                return await self._request(text, voice)
            except EngineError as exc:
                if not exc.transient or attempt == self.attempts:
                    raise
                wait = getattr(exc, "retry_after", None)
                await asyncio.sleep(wait if wait is not None else 0.5 * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def _request(self, text: str, voice: Voice) -> _Stream:
        """One request with a fresh Communicate (one can stream only once)."""
        try:
            communicate = edge_tts.Communicate(
                text,
                voice.name,
                rate=voice.rate,
                volume=voice.volume,
                pitch=voice.pitch,
                boundary="SentenceBoundary",
                proxy=self.proxy,
                connect_timeout=self.connect_timeout,
            )
        except ValueError as exc:
            raise self._voice_error(voice, str(exc)) from None
        what = f"voice {voice.name}"
        opened = time.monotonic()
        try:
            stream = await self._receive(communicate)
        except aiohttp.ClientResponseError as exc:
            if exc.status in (401, 403):
                raise self._refused(exc.status, opened, what) from None
            raise http_error(exc.status, exc.headers, what) from None
        except edge_errors.SkewAdjustmentError:
            raise self._refused(403, opened, what) from None
        except edge_errors.NoAudioReceived:
            if voice.name not in {v.name for v in self.known_voices()}:
                raise self._voice_error(voice, "the service sent no audio") from None
            raise NoAudio(
                f"the Edge speech service sent no audio for {voice.name} "
                f"({text.strip()[:30]!r}); retry later"
            ) from None
        except (
            edge_errors.UnknownResponse,
            edge_errors.UnexpectedResponse,
            edge_errors.WebSocketError,
        ) as exc:
            raise IncompleteAudio(
                f"the Edge stream for {voice.name} broke off ({_describe(exc)}); retry"
            ) from None
        except _Stalled as exc:
            raise IncompleteAudio(
                f"the Edge stream for {voice.name} stalled for {self.chunk_timeout:g} s "
                f"after {exc.received} chunks; retry"
            ) from None
        except _Broken as exc:
            raise IncompleteAudio(
                f"the Edge stream for {voice.name} broke off after {exc.received} chunks "
                f"({_describe(exc.cause)}); retry"
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise ServiceUnreachable(
                f"lost the Edge speech service for {voice.name} ({_describe(exc)}); " + OFFLINE_HINT
            ) from None
        self._refused_since = None  # the service answered: whatever refused us has passed
        reason = incomplete_reason(len(stream.audio), stream.boundaries, text, stream.turn_ended)
        if reason is not None:
            raise IncompleteAudio(f"the Edge clip for {voice.name} was cut short: {reason}; retry")
        return stream

    def _refused(self, status: int, opened: float, what: str) -> EngineError:
        """The error for a 401/403 that outlived the client's own clock-skew retry.

        Under load the service refuses now and then, so the first refusal is RateLimited:
        retried after a back-off like a 429. Only a refusal on a connection opened after an
        earlier one, with nothing answered in between, means the service no longer takes
        this client: ClientOutdated, with the advice to upgrade.
        """
        if self._refused_since is not None and opened > self._refused_since:
            return http_error(status, None, what)
        if self._refused_since is None:
            self._refused_since = time.monotonic()
        return RateLimited(
            f"the Edge speech service refused the connection (HTTP {status}) for {what}; "
            f"retry later, and {UPGRADE_HINT} if it keeps refusing"
        )

    async def _receive(self, communicate: edge_tts.Communicate) -> _Stream:
        """Drain one stream, giving up when any chunk takes longer than `chunk_timeout`."""
        audio = bytearray()
        boundaries: list[Boundary] = []
        chunks: AsyncIterator[Any] = communicate.stream()
        received = 0
        try:
            while True:
                try:
                    chunk = await asyncio.wait_for(chunks.__anext__(), self.chunk_timeout)
                except StopAsyncIteration:
                    break
                except asyncio.TimeoutError:
                    raise _Stalled(received) from None
                except (aiohttp.ClientConnectionError, OSError) as exc:
                    if received == 0:
                        raise
                    raise _Broken(received, exc) from exc
                received += 1
                if chunk["type"] == "audio":
                    audio += chunk["data"]
                elif chunk["type"] in ("SentenceBoundary", "WordBoundary"):
                    boundaries.append(
                        Boundary(
                            offset=chunk["offset"] / TICKS_PER_SECOND,
                            duration=chunk["duration"] / TICKS_PER_SECOND,
                            text=chunk["text"],
                        )
                    )
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]
        # edge-tts 7.x counts a request's audio into `cumulative_audio_bytes` on turn.end only;
        # a stream that just stops (connection closed or reset) returns normally without it.
        state = getattr(communicate, "state", None)
        turn_ended: bool | None = None
        if isinstance(state, dict) and "cumulative_audio_bytes" in state:
            turn_ended = state["cumulative_audio_bytes"] >= len(audio) > 0
        return _Stream(audio=audio, boundaries=boundaries, turn_ended=turn_ended)

    def _voice_error(self, voice: Voice, why: str) -> EngineError:
        suggestions = closest_voices(voice.name, self.known_voices())
        hint = f"closest: {', '.join(suggestions)}; " if suggestions else ""
        match = re.match(r"^[a-z]{2,3}-[A-Z]{2}\b", voice.name)
        listing = "audiobook voices" + (f" --locale {match.group(0)}" if match else "")
        return VoiceUnavailable(
            f"edge voice '{voice.name}' is not available ({why}); {hint}"
            f"run '{listing}' to list voices"
        )


class _Stalled(Exception):
    """No chunk arrived within the idle timeout."""

    def __init__(self, received: int) -> None:
        super().__init__(received)
        self.received = received


class _Broken(Exception):
    """The connection failed after some chunks had arrived."""

    def __init__(self, received: int, cause: BaseException) -> None:
        super().__init__(received, cause)
        self.received = received
        self.cause = cause


def _describe(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):  # not its repr: that names SSL objects
        why = exc.os_error.strerror or type(exc.os_error).__name__
        return f"{exc.host}:{exc.port}: {why}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


__all__ = [
    "BYTES_PER_SECOND",
    "MAX_REQUEST_BYTES",
    "SAMPLE_RATE",
    "EdgeEngine",
    "http_error",
    "incomplete_reason",
    "request_bytes",
    "retry_after_seconds",
    "split_for_edge",
]
