"""A local stand-in for Microsoft's Edge speech service, so the real `edge_tts` client runs.

It speaks the service's WebSocket protocol and serves its voice list over HTTP, on a random
port of 127.0.0.1, from a background thread with its own event loop (usable from sync and
async tests alike). Each voice speaks a pure sine tone of its own frequency (`tone_for`) and
level (`level_for`), as real 24 kHz mono 48 kbit/s CBR MP3, for a time proportional to the
text and shortened by a faster prosody rate (`clip_seconds`), so a test can decode the output
and tell who spoke, and for how long.

Faults are queued per test (`server.faults.append(Fault("close_mid"))`) and consumed by the
connections they match. A latency model (`server.latency`) makes benchmarks realistic, and a
connection limit (`server.max_connections`) turns away, with HTTP 429, every connection
opened while that many turns are already being spoken, as a service's per-client limit does.
"""

from __future__ import annotations

import array
import asyncio
import json
import math
import re
import socket
import struct
import subprocess
import threading
import time
import unicodedata
import uuid
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import edge_tts.communicate
import edge_tts.drm
import edge_tts.voices
import imageio_ffmpeg
from aiohttp import WSMsgType, web

SAMPLE_RATE = 24_000
FRAME_BYTES = 144
"""One MP3 frame at 24 kHz / 48 kbit/s (MPEG-2 layer III, no padding)..."""
FRAME_SECONDS = 0.024
"""...holds 576 samples."""
TICKS = 10_000_000

HAN_SECONDS = 0.12
LATIN_SECONDS = 0.05
LEAD_SECONDS = 0.05
"""Silence-like lead before the first sentence boundary, as the service has."""
TAIL_SECONDS = 0.1
"""Audio after the last sentence boundary, as the service has."""
MIN_SECONDS = 0.3
FRAMES_PER_MESSAGE = 20
"""Audio messages of 0.48 s each."""

_LOOP_FRAMES = 50
"""The tone is encoded as a seamless loop of 50 frames (1.2 s): an integer number of cycles."""
_TONE_LOW, _TONE_HIGH = 200.0, 2000.0

VOICE_LIST_PATH = Path(__file__).resolve().parent.parent / "tts" / "data" / "edge-voices.json"

WS_FAULTS = (
    "http_429",
    "http_503",
    "http_403",
    "no_audio",
    "close_mid",
    "reset_mid",
    "no_turn_end",
    "silent",
    "trickle",
    "bad_path",
    "early_end",
)
VOICE_LIST_FAULTS = ("voices_429",)


@dataclass
class Fault:
    """Misbehaviour for the next `count` connections (WebSocket or voice list) it matches.

    kind: http_429 / http_503 / http_403 (handshake refused; `retry_after` adds the header),
    no_audio (turn.end only), close_mid / reset_mid (close or TCP-reset the connection after
    `fraction` of the audio), no_turn_end (all audio, then close), silent (upgrade, then
    nothing), trickle (one audio message every `interval` s), bad_path (a message with an
    unknown Path), early_end (boundaries and audio for only the first `fraction` of the
    sentences, or of a lone sentence's letters, then the end of audio and a normal turn.end,
    as if the service had read only that far), voices_429 (the voice list answers 429).
    at: only the `at`-th WebSocket connection (1-based, handshakes counted) misbehaves.
    """

    kind: str
    count: int = 1
    at: int | None = None
    retry_after: str | None = None
    interval: float = 1.0
    fraction: float = 0.4

    def __post_init__(self) -> None:
        if self.kind not in WS_FAULTS + VOICE_LIST_FAULTS:
            raise ValueError(
                f"unknown fault {self.kind!r}; choose from {WS_FAULTS + VOICE_LIST_FAULTS}"
            )


@dataclass
class Latency:
    """A latency model for benchmarks: a delay before the upgrade, streaming at `speed`x."""

    connect: float = 0.0
    speed: float | None = None
    """Audio seconds sent per wall second; None sends as fast as possible."""

    @classmethod
    def realistic(cls) -> Latency:
        return cls(connect=0.3, speed=10.0)


@dataclass(frozen=True)
class Request:
    """One synthesis request as the server understood it."""

    voice: str
    """Short name, e.g. 'zh-CN-XiaoxiaoNeural'."""
    text: str
    """XML-unescaped text."""
    rate: str
    pitch: str
    volume: str
    time: float
    """time.monotonic() when the SSML arrived."""
    connection: int
    """1-based WebSocket connection number."""
    boundary: str = "SentenceBoundary"
    output_format: str = ""


# --- voices and tones ---------------------------------------------------------------------


def load_voice_list(path: Path = VOICE_LIST_PATH) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _tone_table() -> dict[str, float]:
    names = sorted(v["ShortName"] for v in load_voice_list())
    step = math.log(_TONE_HIGH / _TONE_LOW) / max(1, len(names) - 1)
    loop = _LOOP_FRAMES * FRAME_SECONDS
    table = {}
    for i, name in enumerate(names):
        hz = _TONE_LOW * math.exp(step * i)
        table[name] = round(hz * loop) / loop  # whole cycles per loop: seamless repeats
    return table


_TONES = _tone_table()


def tone_for(voice: str) -> float:
    """The frequency (Hz) a voice speaks at: distinct per voice of the shipped list, 200-2000.

    Neighbours differ by about 4.6 %, far more than `tone_frequency` errs on a clip. A voice
    a test adds to the server's list gets a stable tone of 110-190 Hz, below all of those.
    """
    tone = _TONES.get(voice)
    if tone is None:
        loop = _LOOP_FRAMES * FRAME_SECONDS
        tone = round((110 + zlib.crc32(voice.encode()) % 80) * loop) / loop
    return tone


def level_for(voice: str) -> float:
    """How loud a voice speaks, in dB against ffmpeg's sine (amplitude 1/8 of full scale).

    From -2 to +8 dB in whole dB, fixed per voice (peaks of 3250 to 10300 on 16-bit samples,
    far above the 300 that `tone_frequency` listens for), so voices differ in level as real
    ones do and loudness correction has something to correct.
    """
    return -2.0 + zlib.crc32(voice.encode()) % 11


def voice_for_tone(hz: float, tolerance: float = 0.015) -> str | None:
    """The voice whose tone is within `tolerance` (relative) of `hz`, if any."""
    name, tone = min(_TONES.items(), key=lambda item: abs(item[1] - hz))
    return name if abs(tone - hz) <= tolerance * tone else None


def speech_seconds(text: str) -> float:
    """Seconds of speech for text: 0.12 s per Han character, 0.05 s per other letter/digit."""
    total = 0.0
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] not in "LN":
            continue
        total += HAN_SECONDS if _is_wide(ch) else LATIN_SECONDS
    return total


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def speed_of(rate: str) -> float:
    """How much faster than normal a prosody rate ('+50%', '-20%') speaks, as the service
    does: '+50%' takes two thirds of the time. Floored at a tenth of normal speed."""
    found = re.fullmatch(r"([+-]\d+)%", rate.strip())
    return max(0.1, 1 + int(found.group(1)) / 100) if found else 1.0


def clip_frames(text: str, rate: str = "+0%") -> int:
    """MP3 frames the server sends for text spoken at `rate` (0 when nothing is speakable)."""
    speech = speech_seconds(text) / speed_of(rate)
    if speech == 0:
        return 0
    seconds = max(MIN_SECONDS, LEAD_SECONDS + speech + TAIL_SECONDS)
    return math.ceil(seconds / FRAME_SECONDS - 1e-9)


def clip_seconds(text: str, rate: str = "+0%") -> float:
    """Seconds of audio the server sends for one request of `text` at `rate`."""
    return clip_frames(text, rate) * FRAME_SECONDS


_SENTENCE = re.compile(r"[^。！？；…!?;.\n]*(?:[。！？；…!?;.\n]+[\"'”’」』）)】》]*|$)")


def sentences(text: str) -> list[str]:
    """Sentences as the server reports them; unspeakable ones join the one before."""
    out: list[str] = []
    for piece in _SENTENCE.findall(text):
        if not piece.strip():
            continue
        if out and speech_seconds(piece) == 0:
            out[-1] += piece
        else:
            out.append(piece)
    if out and speech_seconds(out[0]) == 0 and len(out) > 1:
        out[1] = out[0] + out[1]
        out.pop(0)
    return [s.strip() for s in out]


def _words(sentence: str) -> list[str]:
    """Words for WordBoundary: each Han character, each run of other letters, each number."""
    return re.findall(
        r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\d_\u3400-\u9fff\uf900-\ufaff]+|\d+", sentence
    )


_TONE_CACHE: dict[tuple[float, float], bytes] = {}
_TONE_LOCK = threading.Lock()


def tone_loop(hz: float, level_db: float = 0.0) -> bytes:
    """A seamless loop of `_LOOP_FRAMES` MP3 frames of a sine at `hz`, `level_db` louder than
    ffmpeg's sine (encoded once, cached)."""
    with _TONE_LOCK:
        cached = _TONE_CACHE.get((hz, level_db))
        if cached is not None:
            return cached
        seconds = 3 * _LOOP_FRAMES * FRAME_SECONDS
        data = ffmpeg(
            "-f", "lavfi",
            "-i", f"sine=frequency={hz}:sample_rate={SAMPLE_RATE}:duration={seconds}",
            "-af", f"volume={level_db}dB",
            "-ar", str(SAMPLE_RATE), "-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k",
            "-reservoir", "0", "-write_xing", "0", "-id3v2_version", "0",
            "-f", "mp3", "pipe:1",
        )  # fmt: skip
        data = _strip_id3(data)
        frames = [data[i : i + FRAME_BYTES] for i in range(0, len(data), FRAME_BYTES)]
        if any(len(f) != FRAME_BYTES or f[:2] != b"\xff\xf3" for f in frames):
            raise RuntimeError("ffmpeg did not produce 144-byte 24 kHz 48 kbit/s frames")
        # The middle loop: past the encoder's start-up, a whole period of the tone.
        loop = b"".join(frames[_LOOP_FRAMES : 2 * _LOOP_FRAMES])
        _TONE_CACHE[(hz, level_db)] = loop
        return loop


def _strip_id3(data: bytes) -> bytes:
    if data[:3] == b"ID3" and len(data) >= 10:
        size = 0
        for byte in data[6:10]:
            size = (size << 7) | (byte & 0x7F)
        return data[10 + size :]
    return data


def tone_mp3(voice: str, frames: int) -> bytes:
    """`frames` MP3 frames of the voice's tone."""
    loop = tone_loop(tone_for(voice), level_for(voice))
    whole, rest = divmod(frames, _LOOP_FRAMES)
    return loop * whole + loop[: rest * FRAME_BYTES]


# --- decoding helpers for tests -----------------------------------------------------------


def ffmpeg(*args: str, stdin: bytes | None = None) -> bytes:
    """Run the bundled ffmpeg quietly with `args`; its stdout (fails the test when it fails)."""
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error"]
    if stdin is None:
        cmd.append("-nostdin")
    return subprocess.run(
        [*cmd, *args], input=stdin, check=True, capture_output=True, timeout=60
    ).stdout


def decode_mp3(data: bytes, rate: int = SAMPLE_RATE) -> array.array[int]:
    """MP3 bytes -> mono signed 16-bit samples at `rate`, with the bundled ffmpeg."""
    args = ["-f", "mp3", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", str(rate), "pipe:1"]
    pcm = ffmpeg(*args, stdin=data)
    samples = array.array("h")
    samples.frombytes(pcm[: len(pcm) // 2 * 2])
    return samples


def tone_frequency(samples: Any, rate: int = SAMPLE_RATE, threshold: int = 300) -> float:
    """The frequency of a steady tone from its rising zero crossings (0.0 for silence).

    Uses the first and last rising crossings, interpolated between samples, so the estimate
    is good to a fraction of a percent on a tenth of a second of tone. Samples quieter than
    `threshold` never arm a crossing, so silence and noise do not count.
    """
    crossings: list[float] = []
    armed = False
    previous = 0
    for i, sample in enumerate(samples):
        if sample < -threshold:
            armed = True
        elif armed and sample >= 0 > previous:
            crossings.append(i - 1 + (-previous) / (sample - previous))
            armed = False
        previous = sample
    if len(crossings) < 3:
        return 0.0
    return (len(crossings) - 1) * rate / (crossings[-1] - crossings[0])


@dataclass(frozen=True)
class ToneRun:
    """A stretch of steady tone in decoded audio: who speaks, from when to when."""

    start: float
    end: float
    hz: float

    @property
    def voice(self) -> str | None:
        return voice_for_tone(self.hz)


def tone_runs(
    samples: Any,
    rate: int = SAMPLE_RATE,
    window: float = 0.05,
    threshold: int = 300,
    min_seconds: float = 0.1,
) -> list[ToneRun]:
    """Split decoded audio into runs of one steady tone, separated by silence or a change of
    frequency (> 3 %), so a test can check which voice spoke each clip and in what order.

    Works on clips joined back to back as well as with pauses between them; runs shorter than
    `min_seconds` (a window straddling a join) are dropped.
    """
    size = max(1, int(window * rate))
    spans: list[tuple[int, int, float]] = []  # start sample, end sample, hz per window
    for start in range(0, len(samples), size):
        chunk = samples[start : start + size]
        if len(chunk) < size // 2 or max(abs(min(chunk)), abs(max(chunk))) < threshold:
            spans.append((start, start + len(chunk), 0.0))
            continue
        spans.append((start, start + len(chunk), tone_frequency(chunk, rate, threshold)))
    runs: list[list[tuple[int, int, float]]] = []
    for span in spans:
        hz = span[2]
        if hz == 0.0:
            runs.append([])
            continue
        if runs and runs[-1]:
            median = sorted(s[2] for s in runs[-1])[len(runs[-1]) // 2]
            if abs(hz - median) <= 0.03 * median:
                runs[-1].append(span)
                continue
        runs.append([span])
    out = []
    for run in runs:
        if not run or (run[-1][1] - run[0][0]) / rate < min_seconds:
            continue
        first, last = run[0][0], run[-1][1]
        inner = [s[2] for s in run[1:-1]] or [s[2] for s in run]
        out.append(ToneRun(first / rate, last / rate, sorted(inner)[len(inner) // 2]))
    return out


# --- protocol -----------------------------------------------------------------------------


def _text_message(request_id: str, path: str, body: str, content_type: str | None = None) -> str:
    headers = f"X-RequestId:{request_id}\r\n"
    if content_type:
        headers += f"Content-Type:{content_type}\r\n"
    return f"{headers}Path:{path}\r\n\r\n{body}"


def _audio_message(request_id: str, data: bytes) -> bytes:
    headers = f"X-RequestId:{request_id}\r\nX-StreamId:{request_id[:16]}\r\n"
    if data:
        headers += "Content-Type:audio/mpeg\r\n"
    headers += "Path:audio\r\n"
    raw = headers.encode("ascii")
    return struct.pack(">H", len(raw)) + raw + data


def _parse_text_frame(message: str) -> tuple[dict[str, str], str]:
    head, _, body = message.partition("\r\n\r\n")
    headers = {}
    for line in head.split("\r\n"):
        key, _, value = line.partition(":")
        headers[key] = value
    return headers, body


_LONG_NAME = re.compile(r"^Microsoft Server Speech Text to Speech Voice \((.+), (.+)\)$")


def short_voice_name(name: str) -> str:
    """'Microsoft Server Speech Text to Speech Voice (zh-CN, XiaoxiaoNeural)' -> short name."""
    match = _LONG_NAME.match(name)
    return f"{match.group(1)}-{match.group(2)}" if match else name


# --- pointing the client here ---------------------------------------------------------------


def wss_url(port: int) -> str:
    """The synthesis WebSocket URL of a fake service on `port` of 127.0.0.1."""
    return f"ws://127.0.0.1:{port}/edge/v1?TrustedClientToken=test"


def voice_list_url(port: int) -> str:
    """The voice list URL of a fake service on `port` of 127.0.0.1."""
    return f"http://127.0.0.1:{port}/voices/list?trustedclienttoken=test"


PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
)


def point_client_at(patch: Any, port: int) -> None:
    """Send the real edge_tts client to 127.0.0.1:`port`, through `patch` (a
    pytest.MonkeyPatch, so a test's changes are undone): no proxy in between and no clock
    skew carried over from an earlier answer."""
    patch.setattr(edge_tts.communicate, "WSS_URL", wss_url(port))
    patch.setattr(edge_tts.voices, "VOICE_LIST", voice_list_url(port))
    patch.setattr(edge_tts.drm.DRM, "clock_skew_seconds", 0.0)
    for name in PROXY_VARIABLES:
        patch.delenv(name, raising=False)
    patch.setenv("NO_PROXY", "127.0.0.1,localhost")
    patch.setenv("no_proxy", "127.0.0.1,localhost")


# --- the server ---------------------------------------------------------------------------


class EdgeServer:
    """Start with `start()`; `wss_url` and `voice_list_url` are the URLs to patch in."""

    def __init__(self, voice_list: list[dict[str, Any]] | None = None) -> None:
        self._original_voice_list = voice_list if voice_list is not None else load_voice_list()
        self.voice_list = list(self._original_voice_list)
        """What the service offers; a test may replace it (reset() restores it)."""
        self.faults: list[Fault] = []
        self.latency = Latency()
        self.max_connections: int | None = None
        """Turns spoken at once; a connection opened beyond that is refused with HTTP 429."""
        self.limit_retry_after: str | None = None
        """The Retry-After header sent with a refusal for the connection limit, if any."""
        self.tone_for = tone_for
        self.connections = 0
        """WebSocket connections opened (handshakes, refused ones included)."""
        self.refused = 0
        """Handshakes refused (HTTP 429/503/403), by a fault or by the connection limit."""
        self.voice_list_requests = 0
        self._speaking: set[int] = set()
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- what tests read -------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    @property
    def wss_url(self) -> str:
        return wss_url(self.port)

    @property
    def voice_list_url(self) -> str:
        return voice_list_url(self.port)

    @property
    def voice_names(self) -> set[str]:
        return {v["ShortName"] for v in self.voice_list}

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self.faults.clear()
            self.connections = 0
            self.refused = 0
            self.voice_list_requests = 0
        self.latency = Latency()
        self.max_connections = None
        self.limit_retry_after = None
        self.voice_list = list(self._original_voice_list)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> EdgeServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        loop = asyncio.new_event_loop()
        self._loop = loop
        started = threading.Event()

        async def serve() -> None:
            app = web.Application()
            app.router.add_get("/edge/v1", self._websocket)
            app.router.add_get("/voices/list", self._voices)
            self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
            await self._runner.setup()
            await web.SockSite(self._runner, sock).start()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(serve())
            started.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="edge-server", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("the fake Edge server did not start")
        return self

    def stop(self) -> None:
        loop, runner = self._loop, self._runner
        if loop is None or runner is None:
            return

        async def shutdown() -> None:
            await runner.cleanup()
            current = asyncio.current_task()
            pending = [t for t in asyncio.all_tasks() if t is not current]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        future = asyncio.run_coroutine_threadsafe(shutdown(), loop)
        try:
            future.result(5)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(5)
            self._loop = None

    def __enter__(self) -> EdgeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults ----------------------------------------------------------------------------

    def _take_fault(self, kinds: tuple[str, ...], connection: int | None) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.kind not in kinds or fault.count <= 0:
                    continue
                if fault.at is not None and fault.at != connection:
                    continue
                fault.count -= 1
                return fault
        return None

    # -- handlers --------------------------------------------------------------------------

    async def _voices(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            self.voice_list_requests += 1
        fault = self._take_fault(VOICE_LIST_FAULTS, None)
        if fault is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return web.Response(status=429, text="Too Many Requests", headers=headers)
        return web.json_response(self.voice_list)

    def _end_turn(self, connection: int) -> None:
        """The connection's turn is over: it no longer counts against `max_connections`."""
        with self._lock:
            self._speaking.discard(connection)

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            self.connections += 1
            connection = self.connections
        if self.latency.connect:
            await asyncio.sleep(self.latency.connect)
        with self._lock:
            limit = self.max_connections
            over = limit is not None and len(self._speaking) >= limit
            if over:
                self.refused += 1
            else:
                self._speaking.add(connection)
        if over:
            retry = self.limit_retry_after
            headers = {"Retry-After": retry} if retry else {}
            return web.Response(status=429, text="too many connections", headers=headers)
        try:
            fault = self._take_fault(WS_FAULTS, connection)
            kind = fault.kind if fault else None
            if fault is not None and kind in ("http_429", "http_503", "http_403"):
                with self._lock:
                    self.refused += 1
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                return web.Response(status=int(kind[-3:]), text="refused", headers=headers)

            ws = web.WebSocketResponse(compress=True)
            await ws.prepare(request)
            try:
                await self._converse(request, ws, connection, fault)
            except (ConnectionError, RuntimeError, asyncio.CancelledError):
                pass  # the client went away; nothing to answer
            if not ws.closed:
                await ws.close()
            return ws
        finally:
            self._end_turn(connection)

    async def _converse(
        self, request: web.Request, ws: web.WebSocketResponse, connection: int, fault: Fault | None
    ) -> None:
        config: dict[str, Any] = {}
        ssml_headers: dict[str, str] = {}
        ssml = None
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            headers, body = _parse_text_frame(message.data)
            if headers.get("Path") == "speech.config":
                config = json.loads(body)
            elif headers.get("Path") == "ssml":
                ssml_headers, ssml = headers, body
                break
        if ssml is None:
            return
        options = config.get("context", {}).get("synthesis", {}).get("audio", {})
        metadata = options.get("metadataoptions", {})
        boundary = (
            "WordBoundary" if metadata.get("wordBoundaryEnabled") == "true" else "SentenceBoundary"
        )
        root = ET.fromstring(ssml)
        voice_el = root.find("{http://www.w3.org/2001/10/synthesis}voice")
        prosody = (
            voice_el.find("{http://www.w3.org/2001/10/synthesis}prosody")
            if voice_el is not None
            else None
        )
        if voice_el is None or prosody is None:
            await ws.close()
            return
        voice = short_voice_name(voice_el.get("name", ""))
        text = prosody.text or ""
        with self._lock:
            self._requests.append(
                Request(
                    voice=voice,
                    text=text,
                    rate=prosody.get("rate", ""),
                    pitch=prosody.get("pitch", ""),
                    volume=prosody.get("volume", ""),
                    time=time.monotonic(),
                    connection=connection,
                    boundary=boundary,
                    output_format=options.get("outputFormat", ""),
                )
            )
        kind = fault.kind if fault else None
        if kind == "silent":
            async for _ in ws:  # say nothing until the client gives up
                pass
            return
        if voice not in self.voice_names:
            await ws.close()  # the service drops a request for a voice it does not have
            return
        await self._speak(
            request,
            ws,
            ssml_headers.get("X-RequestId", uuid.uuid4().hex),
            voice,
            text,
            boundary,
            fault,
            connection,
            prosody.get("rate", "+0%"),
        )

    async def _speak(
        self,
        request: web.Request,
        ws: web.WebSocketResponse,
        rid: str,
        voice: str,
        text: str,
        boundary: str,
        fault: Fault | None,
        connection: int = 0,
        rate: str = "+0%",
    ) -> None:
        kind = fault.kind if fault else None
        json_type = "application/json; charset=utf-8"

        async def end_turn() -> None:
            await ws.send_str(_text_message(rid, "turn.end", "{}", json_type))
            self._end_turn(connection)

        context = json.dumps({"context": {"serviceTag": uuid.uuid4().hex}})
        await ws.send_str(_text_message(rid, "turn.start", context, json_type))
        if kind == "bad_path":
            await ws.send_str(_text_message(rid, "turn.unexpected", "{}", json_type))
            return
        response = {
            "context": {"serviceTag": uuid.uuid4().hex},
            "audio": {"type": "inline", "streamId": rid[:16]},
        }
        await ws.send_str(_text_message(rid, "response", json.dumps(response), json_type))
        frames = clip_frames(text, rate)
        if kind == "no_audio" or frames == 0:
            await end_turn()
            return
        speed = speed_of(rate)
        plan = _plan(text, boundary, speed)
        if kind == "early_end" and fault is not None:
            plan = _prefix(plan, fault.fraction, speed)
            last_offset, last_duration, _ = plan[-1]
            spoken = last_offset + last_duration + TAIL_SECONDS
            frames = min(frames, math.ceil(spoken / FRAME_SECONDS - 1e-9))
        audio = tone_mp3(voice, frames)
        cut = max(1, int(frames * fault.fraction)) if kind in ("close_mid", "reset_mid") else None
        sent = 0  # frames

        async def send_frames(upto: int) -> bool:
            """Send audio up to frame `upto`; False when the fault ends the stream."""
            nonlocal sent
            while sent < upto:
                n = min(FRAMES_PER_MESSAGE, upto - sent)
                breaks = False
                if cut is not None and sent + n > cut:
                    n, breaks = cut - sent, True  # the last audio before the fault; may be none
                if n > 0:
                    await ws.send_bytes(
                        _audio_message(rid, audio[sent * FRAME_BYTES : (sent + n) * FRAME_BYTES])
                    )
                if breaks:
                    await self._break(request, ws, kind)
                    return False
                sent += n
                if kind == "trickle":
                    await asyncio.sleep(fault.interval if fault else 1.0)
                elif self.latency.speed:
                    await asyncio.sleep(n * FRAME_SECONDS / self.latency.speed)
            return True

        for offset, duration, piece in plan:
            entry = {
                "Type": boundary,
                "Data": {
                    "Offset": int(offset * TICKS),
                    "Duration": int(duration * TICKS),
                    "text": {"Text": escape(piece), "Length": len(piece), "BoundaryType": boundary},
                },
            }
            await ws.send_str(
                _text_message(
                    rid,
                    "audio.metadata",
                    json.dumps({"Metadata": [entry]}, ensure_ascii=False),
                    json_type,
                )
            )
            if not await send_frames(min(frames, math.ceil((offset + duration) / FRAME_SECONDS))):
                return
        if not await send_frames(frames):
            return
        await ws.send_bytes(_audio_message(rid, b""))
        if kind == "no_turn_end":
            return
        await end_turn()

    async def _break(
        self, request: web.Request, ws: web.WebSocketResponse, kind: str | None
    ) -> None:
        if kind == "reset_mid":
            transport = request.transport
            if transport is not None:
                sock = transport.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                transport.abort()
            return
        await ws.close()


def _prefix(
    plan: list[tuple[float, float, str]], fraction: float, speed: float = 1.0
) -> list[tuple[float, float, str]]:
    """The boundaries of a turn the service ends early: the first `fraction` of them, or, when
    that is less than one, the first boundary cut to its first `fraction` of letters."""
    keep = int(len(plan) * fraction)
    if keep >= 1:
        return plan[:keep]
    offset, _, piece = plan[0]
    letters = [i for i, ch in enumerate(piece) if unicodedata.category(ch)[0] in "LN"]
    n = max(1, int(len(letters) * fraction))
    head = piece[: letters[n - 1] + 1]
    return [(offset, speech_seconds(head) / speed, head)]


def _plan(text: str, boundary: str, speed: float = 1.0) -> list[tuple[float, float, str]]:
    """(offset s, duration s, text) per boundary the server reports, in order, for speech
    `speed` times as fast as normal."""
    plan = []
    at = LEAD_SECONDS
    for sentence in sentences(text):
        seconds = speech_seconds(sentence) / speed
        if boundary == "WordBoundary":
            for word in _words(sentence):
                word_seconds = speech_seconds(word) / speed
                plan.append((at, word_seconds, word))
                at += word_seconds
        else:
            plan.append((at, seconds, sentence))
            at += seconds
    return plan
