"""Clips and silences -> one MP3 on disk, streamed, in memory bounded by the largest clip.

Two ways, chosen from the clips:

- Frame copy (the usual case): every clip is MP3 of one sample rate and channel count, as
  Edge's clips are (headerless CBR, 24 kHz mono 48 kbit/s, 144-byte frames of 24 ms) and the
  offline engine's are once cached (`tts.speech.encode`: 22,050 Hz, 48 kbit/s). MP3
  frames are self-delimiting, so the clips' frames are copied out as they are, with pauses
  made of a pre-encoded silent frame repeated. Nothing is decoded or re-encoded: ten hours
  take seconds, and the voices sound exactly as the service sent them. A clip's loudness
  correction (`Clip.gain_db`) is made in the bitstream, by adding whole steps of 1.5 dB to
  each granule's global_gain (`mp3.scale_frame`): still no decoding, and no loss. What
  a frame is, and how to find, scale and check one, is in `tts.audio.mp3`.
- Re-encode (raw PCM clips, as a read-only cache of an earlier version keeps the offline
  engine's, or MP3s of mixed formats): each clip is read and decoded by pydub, made mono at
  the book's rate and scaled by its exact `gain_db` (`tts.audio.clips`), then streamed into
  one ffmpeg encoder (`clips.Mp3Encoder`); pauses are silent segments. Only one clip is in
  memory at a time, never the book.

Either way the output keeps in step with the timeline: a clip whose audio lasts longer than
its `duration` (a clip the cache encoded on its own carries the encoder's delay and padding
on top of its speech) has the difference taken out of the pauses after it, so listeners hear
the pauses the timeline asked for and subtitles and chapter marks stay where they belong.

Either way a clip's MP3 bytes must be its frames back to back (after any tags): every decoder
skips bytes that are no frame, so such a clip would make the book shorter than its timeline
and subtitles, silently; it is an error naming the clip instead (`_whole_frames`).

The output is written to a temp file beside `out_path` and renamed over it only
when complete: a failed run leaves no partial file and keeps whatever was there before.
A `progress` callback hears how many seconds of the timeline are written as it goes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from tts.atomic import replacing
from tts.audio.clips import (
    FALLBACK_RATE,
    Mp3Encoder,
    conform,
    decode_clip,
    encode_mp3,
    read_clip,
    silence,
)
from tts.audio.mp3 import (
    MP3_RATES,
    FrameHeader,
    audio_start,
    frame_seconds,
    frame_spans,
    gain_steps,
    is_id3v1,
    is_standalone_silence,
    iter_frames,
    scale_frame,
)
from tts.errors import AudiobookError
from tts.model import Clip, Silence


@functools.lru_cache(maxsize=8)
def silent_frame(sample_rate: int, channels: int, bitrate: int) -> bytes:
    """One MP3 frame of silence in the given format that decodes the same anywhere."""
    encoded = encode_mp3(silence(1.0, sample_rate, channels), str(bitrate))
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


def _not_audio(clip: Clip, start: int, end: int, size: int) -> AudiobookError:
    return AudiobookError(
        f"clip {clip.path}: bytes {start}-{end} of {size} are not MP3 audio, which would cut the "
        "book short; delete the clip and rerun the same command to synthesize it again"
    )


def _whole_frames(clip: Clip, data: bytes) -> Iterator[tuple[FrameHeader, int, int]]:
    """(header, start, end) of every frame in a clip's MP3 bytes, which must follow its tags
    and one another with nothing in between.

    Every decoder skips bytes that are no frame (`frame_spans` does too), so a clip with some
    would make the book shorter than its timeline and subtitles say, with nothing to tell
    the user: that is an AudiobookError naming the clip instead. After the last frame only an
    ID3v1 tag, or less than a frame (the last one cut short, lost in any player), may follow.
    """
    at = audio_start(data)
    last: FrameHeader | None = None
    for header, start, stop in frame_spans(data):
        if start != at:
            raise _not_audio(clip, at, start, len(data))
        yield header, start, stop
        at, last = stop, header
    tail = len(data) - at
    if last is None and data:
        if tail:
            raise _not_audio(clip, at, len(data), len(data))
        raise AudiobookError(
            f"clip {clip.path} holds no MP3 audio; delete it and rerun the same command"
        )
    if tail and last is not None and tail >= last.length and not is_id3v1(data[at:]):
        raise _not_audio(clip, at, len(data), len(data))


def _first_bitrate(items: list[Clip | Silence]) -> int:
    """The bitrate of the first clip that holds MP3 audio (Edge's 48 kbit/s if none does)."""
    for item in items:
        if isinstance(item, Clip):
            for header, _, _ in frame_spans(read_clip(item)):
                return header.bitrate
    return 48000


Written = Callable[[float], None]
"""Hears the seconds of the timeline written so far, after each clip and pause."""


def _copy_frames(
    items: list[Clip | Silence],
    out: IO[bytes],
    rate: int,
    channels: int,
    progress: Written | None = None,
) -> float:
    pause = b""  # a silent frame, made at the first pause: a one-line book needs no ffmpeg
    frame = frame_seconds(rate)
    pacer = _Pacer(frame)
    frames = 0
    for item in items:
        if isinstance(item, Silence):
            n = pacer.units(item.seconds)
            if n and not pause:
                pause = silent_frame(rate, channels, _first_bitrate(items))
            out.write(pause * n)
            frames += n
            if progress is not None:
                progress(frames * frame)
            continue
        data = read_clip(item)
        steps = gain_steps(item.gain_db)
        buf = bytearray(data) if steps else None
        first = end = audio_start(data)
        count = 0
        for header, start, stop in _whole_frames(item, data):
            if header.sample_rate != rate or header.channels != channels:
                raise _Mismatch(item.path)
            if buf is not None:
                scale_frame(buf, start, header, steps)
            end = stop
            count += 1
        # the frames lie back to back (`_whole_frames`): one write copies them all
        out.write(memoryview(buf if buf is not None else data)[first:end])
        frames += count
        pacer.owed += item.duration - count * frame  # in step with the timeline
        if progress is not None:
            progress(frames * frame)
    return frames * frame


def _encode(
    items: list[Clip | Silence],
    out_path: Path,
    rate: int,
    bitrate: str,
    progress: Written | None = None,
) -> float:
    pacer = _Pacer(1 / rate)
    with Mp3Encoder(out_path, rate, bitrate) as encoder:
        for item in items:
            if isinstance(item, Silence):
                encoder.write(silence(pacer.units(item.seconds) / rate, rate))
            else:
                data = read_clip(item)
                if item.codec == "mp3":
                    for _ in _whole_frames(item, data):  # the decoder would skip what is not
                        pass
                sound = conform(decode_clip(item, data), rate, gain_db=item.gain_db)
                encoder.write(sound)
                pacer.owed += item.duration - len(sound.raw_data) / 2 / rate
            if progress is not None:
                progress(encoder.seconds)
    return encoder.seconds


def _target_rate(clips: list[Clip]) -> int:
    rates = {c.sample_rate for c in clips}
    if len(rates) == 1 and (rate := rates.pop()) in MP3_RATES:
        return rate
    return FALLBACK_RATE


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
    progress: Written | None = None,
) -> float:
    """Write the timeline as one MP3 at `out_path`; returns its length in seconds.

    `bitrate` applies when clips must be re-encoded; copied MP3 frames keep their own.
    `finish` is called with the complete temporary file before it is renamed into place
    (to add tags), so `out_path` only ever holds a finished book. `progress` hears the
    seconds written so far after each clip and pause (from 0 again if a frame copy turns
    out to need re-encoding).
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
                    seconds = _copy_frames(items, out, first.sample_rate, first.channels, progress)
            except _Mismatch:
                seconds = None
        if seconds is None:
            seconds = _encode(items, tmp, _target_rate(clips), bitrate, progress)
        if finish is not None:
            finish(tmp)
    return seconds
