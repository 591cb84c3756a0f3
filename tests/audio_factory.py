"""Test clips made with the bundled ffmpeg: sine tones as MP3 files or raw PCM, as `Clip`s;
and MP3s decoded back to PCM by ffmpeg itself, so what is checked is not decoded by the code
under test.

ffmpeg's sine has an amplitude of 1/8 (-18.06 dBFS peak); `level_db` raises or lowers it.
"""

from __future__ import annotations

from pathlib import Path

from edge_server import ffmpeg

from tts.audio.mp3 import iter_frames
from tts.model import Clip


def _sine(hz: float, seconds: float, rate: int, level_db: float) -> list[str]:
    source = ["-f", "lavfi", "-i", f"sine=frequency={hz}:sample_rate={rate}:duration={seconds}"]
    return [*source, "-af", f"volume={level_db}dB"] if level_db else source


def sine_mp3(
    path: Path,
    hz: float,
    seconds: float,
    *,
    rate: int = 24000,
    channels: int = 1,
    bitrate: str = "48k",
    level_db: float = 0.0,
    tags: bool = False,
) -> Clip:
    """A sine as CBR MP3 at `path`; by default in Edge's format (headerless, 24 kHz mono
    48 kbit/s). `tags=True` keeps ffmpeg's own ID3 tag and Xing frame, as a re-encode has.
    The clip's duration is its audio frames' (a Xing frame is not audio)."""
    extra = [] if tags else ["-write_xing", "0", "-id3v2_version", "0"]
    ffmpeg(
        *_sine(hz, seconds, rate, level_db),
        "-ac", str(channels), "-c:a", "libmp3lame", "-b:a", bitrate, *extra,
        "-f", "mp3", "-y", str(path),
    )  # fmt: skip
    frames = list(iter_frames(path.read_bytes()))
    return Clip(str(path), "mp3", rate, channels, len(frames) * frames[0][0].seconds)


def sine_pcm(
    path: Path, hz: float, seconds: float, *, level_db: float = 0.0, rate: int = 22050
) -> Clip:
    """A sine as raw 16-bit mono PCM at `path`, like the offline engine's clips."""
    data = ffmpeg(*_sine(hz, seconds, rate, level_db), "-f", "s16le", "-ac", "1", "pipe:1")
    path.write_bytes(data)
    return Clip(str(path), "pcm_s16le", rate, 1, len(data) / 2 / rate)


def decode_to_pcm(path: Path, *, sample_rate: int = 24000) -> bytes:
    """An MP3 file decoded to 16-bit mono PCM at `sample_rate`."""
    return ffmpeg(
        "-f", "mp3", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(sample_rate), "pipe:1"
    )  # fmt: skip
