"""What an MP3 file is, byte by byte: frames, their headers, tags, and the gain they carry.

Pure functions on bytes: no files, no ffmpeg, no decoding. The assembler joins Edge's clips
with them, loudness levels those clips in the bitstream, and the tagger finds where a
tagged file's audio starts.

An MP3 stream is a run of self-delimiting MPEG audio Layer III frames, each decoding to a
fixed number of samples (1152 for MPEG-1, 576 for MPEG-2 and 2.5). A frame is:

- a 4-byte header (`FrameHeader`, `parse_header`): sync word, version, layer, bitrate,
  sample rate, padding, channel mode; its length follows from these (`FrameHeader.length`);
- a 16-bit CRC when the protection bit is clear (`crc16` over the header's last two bytes
  and the side information);
- the side information (`FrameHeader.side_info_bytes`): where the frame's main data begins
  (`main_data_begin`, a back pointer into the bit reservoir of earlier frames) and, per
  granule and channel, part2_3_length (bits of scale factors and spectrum), big_values and
  the 8-bit global_gain;
- the main data: scale factors and Huffman-coded spectrum.

Around the frames a file may carry an ID3v2 tag at the start (`id3v2_size`) and, as its
first frame, an encoder's Xing/Info (LAME) or VBRI frame: a valid frame holding no audio,
only the stream's length and seek table (the audio starts after both: `audio_start`); and an
ID3v1 tag at the end (`is_id3v1`). `iter_frames` yields the audio frames alone.

Two frame-level edits need no decoding: a frame with no reservoir and no spectrum decodes to
silence wherever it is put (`is_standalone_silence`), and adding n to every granule's
global_gain scales its decoded samples by exactly 2 ** (n / 4), 1.5 dB a step
(`scale_frame`, `gain_steps`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass

_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
"""kbit/s by bitrate index: MPEG-1, and MPEG-2/2.5 (0 is 'free format', 15 is invalid)."""
_SAMPLE_RATES = {
    1: (44100, 48000, 32000),
    2: (22050, 24000, 16000),
    25: (11025, 12000, 8000),
}
_VERSIONS = {0b00: 25, 0b10: 2, 0b11: 1}
MP3_RATES = frozenset(r for rates in _SAMPLE_RATES.values() for r in rates)
"""Every sample rate an MP3 stream can have."""


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


def frame_seconds(sample_rate: int) -> float:
    """How long one frame lasts at `sample_rate` (0.024 s at Edge's 24 kHz)."""
    return (1152 if sample_rate >= 32000 else 576) / sample_rate


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
    """A Xing/Info (LAME) or VBRI frame: encoder metadata that decodes as silence, not audio.

    Xing and Info sit right after the side information; VBRI at a fixed 32 bytes after the
    header.
    """
    at = pos + 4 + (2 if header.crc else 0) + header.side_info_bytes
    return bytes(data[at : at + 4]) in (b"Xing", b"Info") or bytes(data[pos + 36 : pos + 40]) == (
        b"VBRI"
    )


def id3v2_size(data: bytes | memoryview) -> int:
    """Bytes taken by the ID3v2 tag that `data` starts with (header, body, footer), else 0."""
    if len(data) < 10 or bytes(data[:3]) != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:  # syncsafe: 7 bits a byte
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def audio_start(data: bytes | memoryview) -> int:
    """Where the audio frames of MP3 bytes begin: after an ID3v2 tag and an encoder's
    Xing/Info or VBRI frame, where there are."""
    pos = id3v2_size(data)
    header = parse_header(data, pos)
    if header is not None and _is_tag_frame(data, pos, header):
        return pos + header.length
    return pos


def is_id3v1(data: bytes | memoryview) -> bool:
    """True when `data` is an ID3v1 tag, as found after a file's last frame."""
    return len(data) == 128 and bytes(data[:3]) == b"TAG"


def frame_spans(data: bytes) -> Iterator[tuple[FrameHeader, int, int]]:
    """(header, start, end) of every audio frame in `data`; see `iter_frames`."""
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
    for header, start, stop in frame_spans(data):
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
        bits.read(5 if mono else 3)  # private bits
        bits.read(4 * header.channels)  # scale factor selection
        granules, granule_bits = 2, 59
    else:
        main_data_begin = bits.read(8)
        bits.read(1 if mono else 2)  # private bits
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


def crc16(data: bytes) -> int:
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
        buf[pos + 4 : pos + 6] = crc16(protected).to_bytes(2, "big")


__all__ = [
    "MP3_GAIN_STEP_DB",
    "MP3_RATES",
    "FrameHeader",
    "audio_start",
    "crc16",
    "frame_seconds",
    "frame_spans",
    "gain_steps",
    "id3v2_size",
    "is_id3v1",
    "is_standalone_silence",
    "iter_frames",
    "parse_header",
    "scale_frame",
]
