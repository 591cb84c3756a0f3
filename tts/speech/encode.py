"""Raw PCM from an offline engine -> the MP3 frames the book is joined from, for the clip cache.

An offline engine (espeak) gives 16-bit PCM: 44 kB a second at 22,050 Hz, so a novel's clips
took several GB of cache, seven times the finished book. The cache stores them as what the
assembler needs anyway: constant-bitrate MP3 at the book's 48 kbit/s, mono, at the clip's own
sample rate (24 kHz when MP3 cannot carry it), with no tag and no Xing frame, as Edge sends
its clips. The book is then joined by copying frames, as Edge's are (`tts.audio.assemble`),
instead of re-encoding every clip at every render; `bench/clip_storage.py` has the figures.

A clip encoded on its own starts with the encoder's delay (`ENCODER_DELAY` samples: LAME's
576 and the decoder's 529) and ends padded to a whole frame. The clip keeps the `duration` of
its speech; the assembler takes the difference out of the pause that follows, so the gaps a
listener hears are the pauses the timeline asked for. The sentence boundaries are moved by
the delay, to where the sentences are heard.

This runs the ffmpeg of the imageio-ffmpeg wheel itself: the audio stage's helpers
(`tts.ffmpeg`) come later in the pipeline than the cache.
"""

from __future__ import annotations

import subprocess
from dataclasses import replace

from tts.errors import AudiobookError
from tts.ffmpeg import ffmpeg_exe
from tts.model import Audio

CLIP_BITRATE = "48k"
"""The book's bitrate (Edge's, and the assembler's when it encodes)."""
FALLBACK_RATE = 24000
"""The rate of a clip whose own rate MP3 cannot carry (Edge's)."""
MP3_RATES = frozenset({8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000})
ENCODER_DELAY = 1105
"""Samples of silence before the first sample of a clip encoded on its own (LAME's encoder
delay of 576 plus every MP3 decoder's 529)."""


def pcm_to_mp3(audio: Audio) -> Audio:
    """`audio` (16-bit PCM) as mono CBR MP3 frames, with the same `duration` and its
    boundaries moved to where the sentences are heard in the frames."""
    if audio.codec != "pcm_s16le":
        raise ValueError(f"pcm_to_mp3 takes 16-bit PCM, not {audio.codec}")
    rate = audio.sample_rate if audio.sample_rate in MP3_RATES else FALLBACK_RATE
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
        "-f", "s16le", "-ar", str(audio.sample_rate), "-ac", str(audio.channels), "-i", "pipe:0",
        "-ac", "1", "-ar", str(rate), "-c:a", "libmp3lame", "-b:a", CLIP_BITRATE,
        "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "pipe:1",
    ]  # fmt: skip
    width = 2 * audio.channels
    whole = audio.data[: len(audio.data) - len(audio.data) % width]
    done = subprocess.run(cmd, input=whole, capture_output=True, check=False)
    if done.returncode != 0 or not done.stdout:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        why = lines[-1] if lines else f"exit {done.returncode}, no audio"
        raise AudiobookError(
            f"ffmpeg could not compress a clip for the cache: {why}; reinstall it with "
            "'pip install --force-reinstall imageio-ffmpeg'"
        )
    delay = ENCODER_DELAY / rate
    return Audio(
        data=done.stdout,
        codec="mp3",
        sample_rate=rate,
        channels=1,
        duration=audio.duration,
        boundaries=tuple(replace(b, offset=b.offset + delay) for b in audio.boundaries),
    )


__all__ = ["CLIP_BITRATE", "ENCODER_DELAY", "pcm_to_mp3"]
