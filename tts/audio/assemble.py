"""Clips and silences -> one MP3 on disk, streamed, in memory bounded by the largest clip.

Two ways, chosen from the clips:

- Frame copy (the usual case): every clip is MP3 of one sample rate and channel count, as
  Edge's clips are (headerless CBR, 24 kHz mono 48 kbit/s, 144-byte frames of 24 ms). MP3
  frames are self-delimiting, so the clips' frames are copied out as they are, with pauses
  made of a pre-encoded silent frame repeated. Nothing is decoded or re-encoded: ten hours
  take seconds, and the voices sound exactly as the service sent them. A clip's loudness
  correction (`Clip.gain_db`) is made in the bitstream, by adding whole steps of 1.5 dB to
  each granule's global_gain (`scale_frame`): still no decoding, and no loss.
- Re-encode (raw PCM clips from the offline engine, or MP3s of mixed formats): one ffmpeg
  encoder reads 16-bit mono PCM on stdin; each clip is decoded (MP3) or read (PCM),
  resampled when its rate differs, scaled by its `gain_db`, and written to the encoder;
  silences are zero samples.

Either way the output is written to a temp file beside `out_path` and renamed over it only
when complete: a failed run leaves no partial file and keeps whatever was there before.
"""

from __future__ import annotations

import functools
import math
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tts.atomic import replacing
from tts.audio.ffmpeg import ffmpeg_exe, last_line, run_ffmpeg
from tts.errors import AudiobookError
from tts.model import Clip, Silence

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # audioop-lts on Python 3.13+

_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {
    1: (44100, 48000, 32000),
    2: (22050, 24000, 16000),
    25: (11025, 12000, 8000),
}
_VERSIONS = {0b00: 25, 0b10: 2, 0b11: 1}
MP3_RATES = frozenset(r for rates in _SAMPLE_RATES.values() for r in rates)


@dataclass(frozen=True)
class FrameHeader:
    """The fields of an MPEG audio Layer III frame header that matter for joining."""

    version: int
    """1, 2 or 25 (MPEG-2.5)."""
    bitrate: int
    """Bits per second."""
    sample_rate: int
    channels: int
    padding: bool
    crc: bool

    @property
    def samples(self) -> int:
        return 1152 if self.version == 1 else 576

    @property
    def length(self) -> int:
        """Bytes in the frame, header included."""
        factor = 144 if self.version == 1 else 72
        return factor * self.bitrate // self.sample_rate + int(self.padding)

    @property
    def seconds(self) -> float:
        return self.samples / self.sample_rate

    @property
    def side_info_bytes(self) -> int:
        if self.version == 1:
            return 17 if self.channels == 1 else 32
        return 9 if self.channels == 1 else 17


def parse_header(data: bytes | memoryview, pos: int = 0) -> FrameHeader | None:
    """The Layer III frame header at `pos`, or None if there is none there."""
    if pos + 4 > len(data) or data[pos] != 0xFF:
        return None
    return _header(data[pos + 1], data[pos + 2], data[pos + 3])


@functools.lru_cache(maxsize=1024)
def _header(b1: int, b2: int, b3: int) -> FrameHeader | None:
    if (b1 & 0xE0) != 0xE0:
        return None
    version = _VERSIONS.get((b1 >> 3) & 0b11)
    if version is None or (b1 >> 1) & 0b11 != 0b01:  # Layer III only
        return None
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 0b11
    if bitrate_index in (0, 15) or rate_index == 3:
        return None
    table = _BITRATES[1 if version == 1 else 2]
    return FrameHeader(
        version=version,
        bitrate=table[bitrate_index] * 1000,
        sample_rate=_SAMPLE_RATES[version][rate_index],
        channels=1 if (b3 >> 6) == 0b11 else 2,
        padding=bool((b2 >> 1) & 1),
        crc=not (b1 & 1),
    )


def _is_tag_frame(data: bytes | memoryview, pos: int, header: FrameHeader) -> bool:
    """A Xing/Info/VBRI frame: encoder metadata that decodes as silence, not audio."""
    at = pos + 4 + (2 if header.crc else 0) + header.side_info_bytes
    return bytes(data[at : at + 4]) in (b"Xing", b"Info") or bytes(data[pos + 36 : pos + 40]) == (
        b"VBRI"
    )


def id3v2_size(data: bytes | memoryview) -> int:
    """Bytes taken by the ID3v2 tag that `data` starts with (header, body, footer), else 0."""
    if len(data) < 10 or bytes(data[:3]) != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def _frame_spans(data: bytes) -> Iterator[tuple[FrameHeader, int, int]]:
    """(header, start, end) of every audio frame; see `iter_frames`."""
    pos = id3v2_size(data)
    end = len(data)
    first = True
    synced = False  # reached by stepping from a frame already accepted
    header = parse_header(data, pos)
    while pos + 4 <= end:
        if header is not None:
            nxt = pos + header.length
            following = parse_header(data, nxt)
            if nxt == end or following is not None or (synced and nxt < end):
                if not (first and _is_tag_frame(data, pos, header)):
                    yield header, pos, nxt
                first = False
                synced = True
                pos, header = nxt, following
                continue
        synced = False
        found = data.find(b"\xff", pos + 1)
        if found < 0:
            return
        pos = found
        header = parse_header(data, pos)


def iter_frames(data: bytes) -> Iterator[tuple[FrameHeader, memoryview]]:
    """Every audio frame in MP3 bytes, skipping ID3 tags, a Xing/Info frame and junk.

    After junk, a header counts only when the next frame (or the end of the data) follows
    it exactly, so stray 0xFF bytes in a tag or in garbage are not taken for audio; once in
    step, frames are followed until the data stops making sense. A frame cut short at the
    end is dropped.
    """
    view = memoryview(data)
    for header, start, stop in _frame_spans(data):
        yield header, view[start:stop]


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.value = int.from_bytes(data, "big")
        self.left = len(data) * 8

    def read(self, n: int) -> int:
        self.left -= n
        return (self.value >> self.left) & ((1 << n) - 1)


def is_standalone_silence(frame: bytes | memoryview, header: FrameHeader) -> bool:
    """True when a frame needs no earlier frame (no bit reservoir) and holds no sound.

    Such a frame can be repeated anywhere: it decodes to silence whatever precedes it.
    """
    start = 4 + (2 if header.crc else 0)
    bits = _Bits(bytes(frame[start : start + header.side_info_bytes]))
    mono = header.channels == 1
    if header.version == 1:
        main_data_begin = bits.read(9)
        bits.read(5 if mono else 3)
        bits.read(4 * header.channels)
        granules, granule_bits = 2, 59
    else:
        main_data_begin = bits.read(8)
        bits.read(1 if mono else 2)
        granules, granule_bits = 1, 63
    if main_data_begin:
        return False
    for _ in range(granules * header.channels):
        if bits.read(12):  # part2_3_length: bits of scale factors and spectrum
            return False
        bits.read(granule_bits - 12)
    return True


MP3_GAIN_STEP_DB = 1.5
"""One step of a Layer III granule's global_gain scales its samples by 2 ** (1/4): 1.5 dB."""


def gain_steps(gain_db: float) -> int:
    """Whole global_gain steps nearest to `gain_db` (0 below 0.75 dB: the clip is untouched)."""
    q = abs(gain_db) / MP3_GAIN_STEP_DB
    return int(math.copysign(math.floor(q + 0.5), gain_db)) if q >= 0.5 else 0


def _crc16(data: bytes) -> int:
    """The CRC-16 (polynomial 0x8005, start 0xFFFF) that protects an MPEG audio frame."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def scale_frame(buf: bytearray, pos: int, header: FrameHeader, steps: int) -> None:
    """Make the frame at `buf[pos:]` decode `steps` * 1.5 dB louder (or softer), in place.

    Adds `steps` to the global_gain of every granule and channel that holds sound (an empty
    granule, part2_3_length 0, is left as it is), clamped to 0..255; a protected frame gets
    its CRC recomputed. Nothing else changes: frame length, bit reservoir and timing stay,
    and decoders scale the granule by exactly 2 ** (steps / 4) before rounding to PCM.
    """
    start = pos + 4 + (2 if header.crc else 0)
    size = header.side_info_bytes
    bits = size * 8
    side = int.from_bytes(buf[start : start + size], "big")
    if header.version == 1:
        prefix = 9 + (5 if header.channels == 1 else 3) + 4 * header.channels
        granules, block = 2, 59
    else:
        prefix = 8 + (1 if header.channels == 1 else 2)
        granules, block = 1, 63
    for i in range(granules * header.channels):
        at = prefix + i * block  # part2_3_length (12 bits), big_values (9), global_gain (8)
        if not (side >> (bits - at - 12)) & 0xFFF:
            continue
        shift = bits - at - 29
        gain = (side >> shift) & 0xFF
        side += (min(255, max(0, gain + steps)) - gain) << shift
    buf[start : start + size] = side.to_bytes(size, "big")
    if header.crc:
        protected = bytes(buf[pos + 2 : pos + 4]) + bytes(buf[start : start + size])
        buf[pos + 4 : pos + 6] = _crc16(protected).to_bytes(2, "big")


@functools.lru_cache(maxsize=8)
def silent_frame(sample_rate: int, channels: int, bitrate: int) -> bytes:
    """One MP3 frame of silence in the given format that decodes the same anywhere."""
    layout = "mono" if channels == 1 else "stereo"
    encoded = run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            f"anullsrc=r={sample_rate}:cl={layout}",
            "-t",
            "1",
            "-c:a",
            "libmp3lame",
            "-b:a",
            str(bitrate),
            "-f",
            "mp3",
            "pipe:1",
        ]  # fmt: skip
    )
    for header, frame in iter_frames(encoded):
        if (
            header.sample_rate == sample_rate
            and header.channels == channels
            and header.bitrate == bitrate
            and not header.padding
            and is_standalone_silence(frame, header)
        ):
            return bytes(frame)
    raise AudiobookError(
        f"ffmpeg made no clean silent MP3 frame at {sample_rate} Hz, {bitrate // 1000} kbit/s; "
        "use another bitrate or reinstall imageio-ffmpeg"
    )


def decode_to_pcm(
    path: str | Path, *, sample_rate: int = 24000, codec: str = "mp3", source_rate: int = 24000
) -> bytes:
    """Decode an MP3 (or read raw s16le) file to 16-bit mono PCM at `sample_rate`."""
    if codec == "pcm_s16le":
        return _pcm_at(Path(path).read_bytes(), source_rate, 1, sample_rate)
    return run_ffmpeg(
        ["-f", "mp3", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(sample_rate), "pipe:1"]
    )


def _pcm_at(data: bytes, rate: int, channels: int, target: int) -> bytes:
    if channels == 2:
        data = audioop.tomono(data, 2, 0.5, 0.5)
    if rate != target:
        data, _ = audioop.ratecv(data, 2, 1, rate, target, None)
    return data


def _unreadable(clip: Clip, why: str) -> AudiobookError:
    return AudiobookError(
        f"cannot read clip {clip.path}: {why}; rerun the same command to synthesize it again"
    )


def read_clip(clip: Clip) -> bytes:
    """The bytes of a clip's file; a clip that cannot be read says to synthesize it again."""
    try:
        return Path(clip.path).read_bytes()
    except OSError as e:
        raise _unreadable(clip, e.strerror or str(e)) from e


class _Pacer:
    """Turns pause lengths into whole units, carrying the rounding so the total stays true."""

    def __init__(self, unit: float) -> None:
        self.unit = unit
        self.owed = 0.0

    def units(self, seconds: float) -> int:
        wanted = self.owed + max(seconds, 0.0)
        n = max(0, round(wanted / self.unit))
        self.owed = wanted - n * self.unit
        return n


class _Mismatch(Exception):
    """A clip's frames are not in the format the frame copy was started with."""


def _first_bitrate(items: list[Clip | Silence]) -> int:
    """The bitrate of the first clip that holds MP3 audio (Edge's 48 kbit/s if none does)."""
    for item in items:
        if isinstance(item, Clip):
            for header, _, _ in _frame_spans(read_clip(item)):
                return header.bitrate
    return 48000


def _copy_frames(items: list[Clip | Silence], out: IO[bytes], rate: int, channels: int) -> float:
    silence = b""  # made at the first pause: a book of one line needs no ffmpeg run
    frame_seconds = (1152 if rate >= 32000 else 576) / rate
    pacer = _Pacer(frame_seconds)
    frames = 0
    for item in items:
        if isinstance(item, Silence):
            n = pacer.units(item.seconds)
            if n and not silence:
                silence = silent_frame(rate, channels, _first_bitrate(items))
            out.write(silence * n)
            frames += n
            continue
        data = read_clip(item)
        steps = gain_steps(item.gain_db)
        buf = bytearray(data) if steps else None
        view = memoryview(buf if buf is not None else data)
        span_start = span_end = count = 0
        for header, start, stop in _frame_spans(data):
            if header.sample_rate != rate or header.channels != channels:
                raise _Mismatch(item.path)
            if buf is not None:
                scale_frame(buf, start, header, steps)
            if start != span_end:
                out.write(view[span_start:span_end])
                span_start = start
            span_end = stop
            count += 1
        out.write(view[span_start:span_end])
        if not count and data:
            raise AudiobookError(
                f"clip {item.path} holds no MP3 audio; delete it and rerun the same command"
            )
        frames += count
    return frames * frame_seconds


def _encode(items: list[Clip | Silence], out_path: Path, rate: int, bitrate: str) -> float:
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", bitrate, "-f", "mp3", str(out_path),
    ]  # fmt: skip
    pacer = _Pacer(1 / rate)
    samples = 0
    with tempfile.TemporaryFile() as errors:
        encoder = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=errors)
        assert encoder.stdin is not None
        try:
            for item in items:
                if isinstance(item, Silence):
                    n = pacer.units(item.seconds)
                    samples += n
                    while n:
                        step = min(n, 1 << 16)
                        encoder.stdin.write(bytes(2 * step))
                        n -= step
                    continue
                if item.codec == "pcm_s16le":
                    pcm = _pcm_at(read_clip(item), item.sample_rate, item.channels, rate)
                else:
                    if not Path(item.path).is_file():
                        raise _unreadable(item, "No such file")
                    pcm = decode_to_pcm(item.path, sample_rate=rate)
                if item.gain_db:
                    pcm = audioop.mul(pcm, 2, 10 ** (item.gain_db / 20))  # clips at full scale
                encoder.stdin.write(pcm)
                samples += len(pcm) // 2
            encoder.stdin.close()
            code = encoder.wait()
        except BrokenPipeError:
            code = encoder.wait() or 1
        except BaseException:
            encoder.kill()
            encoder.wait()
            raise
        if code != 0:
            errors.seek(0)
            why = last_line(errors.read(), default=f"exit {code}")
            raise AudiobookError(f"ffmpeg could not encode {out_path}: {why}")
    return samples / rate


def _target_rate(clips: list[Clip]) -> int:
    rates = {c.sample_rate for c in clips}
    if len(rates) == 1 and (rate := rates.pop()) in MP3_RATES:
        return rate
    return 24000


def frame_copied(clips: Iterable[Clip]) -> bool:
    """True when `assemble` joins these clips by copying MP3 frames: all are MP3 of one sample
    rate and channel layout (it still re-encodes if their frames turn out not to match)."""
    formats = {(c.codec, c.sample_rate, c.channels) for c in clips}
    return len(formats) == 1 and next(iter(formats))[0] == "mp3"


def assemble(
    timeline: Iterable[Clip | Silence],
    out_path: Path,
    *,
    bitrate: str = "48k",
    finish: Callable[[Path], None] | None = None,
) -> float:
    """Write the timeline as one MP3 at `out_path`; returns its length in seconds.

    `bitrate` applies when clips must be re-encoded; copied MP3 frames keep their own.
    `finish` is called with the complete temporary file before it is renamed into place
    (to add tags), so `out_path` only ever holds a finished book.
    """
    items = list(timeline)
    out_path = Path(out_path)
    clips = [item for item in items if isinstance(item, Clip)]
    seconds: float | None = None
    with replacing(out_path) as tmp:
        if frame_copied(clips):
            first = clips[0]
            try:
                with open(tmp, "wb") as out:
                    seconds = _copy_frames(items, out, first.sample_rate, first.channels)
            except _Mismatch:
                seconds = None
        if seconds is None:
            seconds = _encode(items, tmp, _target_rate(clips), bitrate)
        if finish is not None:
            finish(tmp)
    return seconds
