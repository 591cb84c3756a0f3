"""One clip's sound through pydub: read, decoded, resampled, scaled; silences; MP3 encoding.

This is the path for audio that is not already in the book's MP3 format: raw PCM clips (an
earlier version's cache of the offline engine's, where it can no longer be written; the
cache now stores them as MP3), a voice at another sample rate or channel layout, MP3s that
do not match one another (and `say` when its clips are such). It also encodes the second
of silence from which the frame join takes the silent frame it repeats for pauses. Matching
MP3 clips (Edge's, and the offline engine's as cached) never come here: `tts.audio.assemble`
copies their frames as they are, which is lossless and, for a ten-hour book, takes seconds
where decoding every clip and joining with pydub's `+=` takes many minutes and all the
audio in memory (`bench/assembly.py`).

Memory stays bounded: pydub holds a whole `AudioSegment` in memory and `a + b` copies both,
so nothing here holds more than one clip. A book is not exported with pydub, which would
need it as one segment: `Mp3Encoder` streams it through one ffmpeg encoder, a segment at a
time.

pydub is imported on first use, so `script` and `cast` never load it, and is pointed at the
ffmpeg of the imageio-ffmpeg wheel (`AudioSegment.converter`). Nothing here asks pydub for
what would run ffprobe, which that wheel does not ship: raw PCM is wrapped with its sample
width, rate and channels given, and MP3 is decoded with its format and decoder named.
"""

from __future__ import annotations

import contextlib
import functools
import io
import subprocess
import tempfile
import warnings
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from tts.audio.mp3 import MP3_RATES
from tts.errors import AudiobookError
from tts.ffmpeg import ffmpeg_exe, last_line
from tts.model import Clip

if TYPE_CHECKING:
    from pydub import AudioSegment

FALLBACK_RATE = 24000
"""The rate audio is encoded at when its own is one MP3 cannot carry (Edge's rate)."""


@functools.lru_cache(maxsize=1)
def _segment_class() -> type[AudioSegment]:
    """pydub's AudioSegment, imported now and set to run the bundled ffmpeg."""
    with warnings.catch_warnings():
        # it looks for ffmpeg on PATH at import (we give it ours below) and imports audioop,
        # deprecated in Python 3.11 and 3.12 (audioop-lts from 3.13)
        warnings.simplefilter("ignore")
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_exe()
    return AudioSegment


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


def decode_clip(clip: Clip, data: bytes) -> AudioSegment:
    """The sound in a clip's bytes (`data`, as `read_clip` gives them), at its own rate and
    channels: raw PCM wrapped as it is (a trailing partial sample dropped), MP3 decoded by
    ffmpeg's default (floating-point) decoder."""
    segment_class = _segment_class()
    if clip.codec == "pcm_s16le":
        width = 2 * clip.channels
        whole = data[: len(data) - len(data) % width]
        return segment_class(
            data=whole, sample_width=2, frame_rate=clip.sample_rate, channels=clip.channels
        )
    from pydub.exceptions import CouldntDecodeError

    try:
        return segment_class.from_file(io.BytesIO(data), format="mp3", codec="mp3float")
    except CouldntDecodeError as e:
        raise AudiobookError(
            f"cannot decode clip {clip.path} ({last_line(str(e).encode())}); "
            "delete it and rerun the same command"
        ) from e


def conform(segment: AudioSegment, rate: int, *, gain_db: float = 0.0) -> AudioSegment:
    """`segment` as mono at `rate`, `gain_db` louder: a clip as it goes into a re-encoded book.

    Channels are averaged; a different rate is converted by pydub (audioop's `ratecv`); the
    gain multiplies the samples, clipping at full scale.
    """
    out = segment.set_channels(1).set_frame_rate(rate)
    return out.apply_gain(gain_db) if gain_db else out


def silence(seconds: float, rate: int, channels: int = 1) -> AudioSegment:
    """`seconds` of digital silence (rounded to whole samples) at `rate`."""
    frames = max(0, round(seconds * rate))
    return _segment_class()(
        data=bytes(2 * channels * frames), sample_width=2, frame_rate=rate, channels=channels
    )


def encode_mp3(segment: AudioSegment, bitrate: str) -> bytes:
    """A short segment (a second of silence, a line) as CBR MP3 bytes, encoded by pydub
    with LAME at `bitrate` ('48k' or bits per second), at the segment's rate when MP3 has it,
    else `FALLBACK_RATE`. The whole result is in memory: for a book, use `Mp3Encoder`."""
    from pydub.exceptions import CouldntEncodeError

    if segment.frame_rate not in MP3_RATES:
        segment = segment.set_frame_rate(FALLBACK_RATE)
    try:
        out = segment.export(io.BytesIO(), format="mp3", codec="libmp3lame", bitrate=bitrate)
    except CouldntEncodeError as e:
        raise AudiobookError(f"ffmpeg could not encode MP3: {last_line(str(e).encode())}") from e
    return out.getvalue()


class Mp3Encoder:
    """An MP3 file written from 16-bit mono segments given one after another, in bounded memory.

    One ffmpeg (LAME) encoder reads the samples on stdin and writes `path`, so the encoder
    runs continuously across the joins (no gap, no per-clip priming) and only the segment
    being written is in memory. Use it as a context manager; leaving it with an error stops
    the encoder. ffmpeg's own failure becomes an AudiobookError with its last message.
    """

    def __init__(self, path: Path, rate: int, bitrate: str) -> None:
        self.path = path
        self.rate = rate
        self.bitrate = bitrate
        self.samples = 0
        """Samples written so far."""
        self._errors: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def seconds(self) -> float:
        return self.samples / self.rate

    def __enter__(self) -> Mp3Encoder:
        cmd = [
            ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "s16le", "-ar", str(self.rate), "-ac", "1", "-i", "pipe:0",
            "-c:a", "libmp3lame", "-b:a", self.bitrate, "-f", "mp3", str(self.path),
        ]  # fmt: skip
        self._errors = tempfile.TemporaryFile()
        try:
            self._process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=self._errors)
        except BaseException:
            self._errors.close()
            raise
        return self

    def write(self, segment: AudioSegment) -> None:
        """Append `segment`, which must be 16-bit mono at the encoder's rate (see `conform`)."""
        if (segment.sample_width, segment.channels, segment.frame_rate) != (2, 1, self.rate):
            raise ValueError(
                f"the encoder takes 16-bit mono at {self.rate} Hz, not {segment.sample_width * 8}"
                f"-bit, {segment.channels} channels at {segment.frame_rate} Hz"
            )
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(segment.raw_data)
        self.samples += len(segment.raw_data) // 2

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        process, errors = self._process, self._errors
        assert process is not None and process.stdin is not None and errors is not None
        quit_reading = kind is not None and issubclass(kind, BrokenPipeError)
        failed = kind is not None and not quit_reading  # the caller's error goes on
        with errors:
            if failed:
                process.kill()
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
            code = process.wait()
            if failed or (code == 0 and not quit_reading):
                return
            errors.seek(0)
            why = last_line(errors.read(), default=f"exit {code or 1}")
            raise AudiobookError(f"ffmpeg could not encode {self.path}: {why}") from error


__all__ = [
    "FALLBACK_RATE",
    "Mp3Encoder",
    "conform",
    "decode_clip",
    "encode_mp3",
    "read_clip",
    "silence",
]
