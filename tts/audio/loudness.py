"""Every voice brought to one loudness, so nobody reaches for the volume at a change of speaker.

Voices differ in level: Edge's neural voices by a few dB from one another, espeak's variants
by more. Loudness is measured per voice, not per clip: one voice is consistent with itself,
and one measurement per voice keeps a long book cheap. For each voice an evenly spaced
selection of its clips, about `SAMPLE_SECONDS` of audio, goes through one ffmpeg run of the
`ebur128` filter (integrated loudness, ITU-R BS.1770 / EBU R128, and the sample peak). A
ten-voice book costs ten ffmpeg runs of about a quarter of a second, however long it is.

The target is a fixed `TARGET_LUFS` = -18 LUFS rather than, say, the narrator's own level:
books then match one another as well as their voices matching each other, whichever engine
made them. -18 LUFS is a usual level for spoken word (podcasts sit at -16 to -19, audiobook
shops ask for an RMS of -18 to -23 dB), loud enough for a phone in a noisy street, with the
peak headroom speech needs. A voice that cannot be raised that far without its peaks passing
`PEAK_CEILING_DBFS` lowers the target for the whole book instead (never below
`LOWEST_TARGET_LUFS`): matching voices matters more to a listener than the absolute level. A
voice's own `volume` in voices.yaml ("+20%") is kept, as an offset from the target.

The correction goes on each clip as `Clip.gain_db`, and the assembler applies it:

- When it copies MP3 frames (Edge's, and the offline engine's as the cache keeps them), the
  gain changes each granule's global_gain, which moves in steps of 1.5 dB. Nothing is
  decoded, so the join stays lossless and a voice already within `TOLERANCE_LU` of the
  target is left byte for byte as the service sent it. Whole
  steps alone could leave two voices 1.5 LU apart, so (`plan_steps`) a voice between steps
  gets the step below on some of its clips and the step above on the others, in the
  proportion (by time and energy) that averages to its target, and the common target moves
  by up to 0.75 dB to where the steps fit all voices best (which matters when a voice has
  too few clips to mix). Neighbouring sentences of one voice then differ by at most 1.5 dB,
  well inside how much a speaker's own sentences vary.
- When it re-encodes (raw PCM from an earlier version's read-only cache, or MP3s of mixed
  formats), the samples are scaled by the exact gain.
"""

from __future__ import annotations

import math
import re
import subprocess
from collections.abc import Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TypeVar

from tts.audio.assemble import frame_copied
from tts.audio.clips import conform, decode_clip, read_clip
from tts.audio.mp3 import MP3_GAIN_STEP_DB, iter_frames
from tts.errors import AudiobookError
from tts.ffmpeg import ffmpeg_exe, last_line
from tts.model import Clip, Voice

TARGET_LUFS = -18.0
"""Integrated loudness every voice is brought to."""
LOWEST_TARGET_LUFS = -24.0
"""The target is lowered for peaky voices, but never below this."""
PEAK_CEILING_DBFS = -1.0
"""A voice is not raised so far that its measured sample peak passes this."""
TOLERANCE_LU = 0.3
"""A voice this close to its target is left alone; every voice ends within it of its target."""
SAMPLE_SECONDS = 90.0
"""About this much of each voice's audio is measured."""
SHORTEST_SECONDS = 3.0
"""Less audio than this is measured looped: R128 needs whole 0.4 s blocks, and a voice with
one short line ("Yes.") should be levelled too."""
QUIET_LUFS = -69.0
"""At or below this a measurement found no sound to speak of (the gate's floor is -70)."""

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Measurement:
    """The loudness of some audio, as EBU R128 measures it."""

    lufs: float
    """Integrated loudness (LUFS); -inf when the audio is silent or too short (< 0.4 s)."""
    peak: float
    """Sample peak (dBFS); -inf for digital silence."""

    @property
    def measurable(self) -> bool:
        return self.lufs > QUIET_LUFS


# --- measuring -------------------------------------------------------------------------------


def sample_clips(clips: Sequence[Clip], seconds: float = SAMPLE_SECONDS) -> list[Clip]:
    """About `seconds` of clips spread evenly over `clips`, in order (all of them if fewer).

    Deterministic, so the same book always gets the same gains.
    """
    total = sum(c.duration for c in clips)
    if total <= seconds or len(clips) <= 1:
        return list(clips)
    count = min(len(clips), max(1, math.ceil(len(clips) * seconds / total)))
    step = len(clips) / count
    return [clips[int(i * step)] for i in range(count)]


_SUMMARY = re.compile(
    r"Summary:.*?\bI:\s+(?P<lufs>-?inf|nan|-?\d+(?:\.\d+)?)\s+LUFS"
    r".*?Sample peak:\s+Peak:\s+(?P<peak>-?inf|nan|-?\d+(?:\.\d+)?)\s+dBFS",
    re.DOTALL,
)


def parse_ebur128(log: str) -> Measurement:
    """The integrated loudness and sample peak from the summary ffmpeg's ebur128 filter logs."""
    found = _SUMMARY.search(log)
    if found is None:
        raise AudiobookError(
            "ffmpeg printed no loudness summary; reinstall it with "
            "'pip install --force-reinstall imageio-ffmpeg'"
        )

    def number(text: str) -> float:
        value = float(text)
        return -math.inf if math.isnan(value) else value

    return Measurement(number(found["lufs"]), number(found["peak"]))


def measure_audio(data: bytes, input_format: Sequence[str]) -> Measurement:
    """Loudness of audio bytes that ffmpeg reads with `input_format` (e.g. ['-f', 'mp3'])."""
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "info",
        *input_format, "-i", "pipe:0",
        "-af", "ebur128=peak=sample:framelog=verbose", "-f", "null", "-",
    ]  # fmt: skip
    done = subprocess.run(cmd, input=data, capture_output=True, check=False)
    if done.returncode != 0:
        raise AudiobookError(f"ffmpeg could not measure loudness: {last_line(done.stderr)}")
    return parse_ebur128(done.stderr.decode("utf-8", "replace"))


def measure_clips(clips: Sequence[Clip]) -> Measurement:
    """Loudness of `clips` played back to back (pauses would not count anyway: R128 gates them).

    One ffmpeg run: MP3 clips of one format go in as their frames joined, PCM clips of one
    format as their samples joined; a mixture is decoded to 24 kHz PCM first. Under
    `SHORTEST_SECONDS` the audio is repeated to that length (same loudness, now measurable).
    """
    if not clips:
        return Measurement(-math.inf, -math.inf)
    seconds = sum(c.duration for c in clips)
    loops = math.ceil(SHORTEST_SECONDS / seconds) if 0 < seconds < SHORTEST_SECONDS else 1
    formats = {(c.codec, c.sample_rate, c.channels) for c in clips}
    if len(formats) == 1:
        codec, rate, channels = formats.pop()
        if codec == "mp3":
            data = b"".join(bytes(f) for c in clips for _, f in iter_frames(read_clip(c)))
            return measure_audio(data * loops, ["-f", "mp3"])
        data = b"".join(read_clip(c) for c in clips)
        return measure_audio(data * loops, _pcm_format(rate, channels))
    pcm = b"".join(conform(decode_clip(c, read_clip(c)), 24000).raw_data for c in clips)
    return measure_audio(pcm * loops, _pcm_format(24000, 1))


def _pcm_format(rate: int, channels: int) -> list[str]:
    return ["-f", "s16le", "-ar", str(rate), "-ac", str(channels)]


def measure_voices(
    clips: Sequence[Clip], keys: Sequence[K], *, seconds: float = SAMPLE_SECONDS
) -> dict[K, Measurement]:
    """The loudness of each voice (`keys[i]` is who speaks `clips[i]`), from a sample of its
    clips; the voices are measured in parallel."""
    groups: dict[K, list[Clip]] = {}
    for clip, key in zip(clips, keys, strict=True):
        groups.setdefault(key, []).append(clip)
    if not groups:
        return {}
    with ThreadPoolExecutor(max_workers=min(4, len(groups))) as pool:
        results = pool.map(lambda g: measure_clips(sample_clips(g, seconds)), groups.values())
        return dict(zip(groups, results, strict=True))


# --- deciding --------------------------------------------------------------------------------


def volume_offset_db(voice: Voice) -> float:
    """The level a voice's own `volume` ("+20%", "-10%") asks for, in dB (0 if unreadable)."""
    found = re.fullmatch(r"\s*([+-]?\d+(?:\.\d+)?)\s*%\s*", voice.volume or "")
    if found is None:
        return 0.0
    factor = 1 + float(found[1]) / 100
    return 20 * math.log10(factor) if factor > 0 else 0.0


def book_target(
    measured: Mapping[K, Measurement],
    offsets: Mapping[K, float] | None = None,
    *,
    target: float = TARGET_LUFS,
    ceiling: float = PEAK_CEILING_DBFS,
    lowest: float = LOWEST_TARGET_LUFS,
) -> float:
    """`target`, lowered as far as needed (not below `lowest`) so that no voice's peak passes
    `ceiling` when it is brought there."""
    offsets = offsets or {}
    reach = [
        m.lufs + (ceiling - m.peak) - offsets.get(key, 0.0)
        for key, m in measured.items()
        if m.measurable and m.peak > -math.inf
    ]
    return max(lowest, min([target, *reach]))


def voice_gains(
    measured: Mapping[K, Measurement],
    offsets: Mapping[K, float] | None = None,
    *,
    target: float = TARGET_LUFS,
    ceiling: float = PEAK_CEILING_DBFS,
    tolerance: float = TOLERANCE_LU,
) -> dict[K, float]:
    """The exact gain (dB) that brings each voice to the book's target plus its offset.

    A voice too quiet to measure, or within `tolerance` of its target, keeps 0; no gain lifts
    a peak past `ceiling`.
    """
    offsets = offsets or {}
    level = book_target(measured, offsets, target=target, ceiling=ceiling)
    gains: dict[K, float] = {}
    for key, m in measured.items():
        if not m.measurable:
            gains[key] = 0.0
            continue
        gain = level + offsets.get(key, 0.0) - m.lufs
        if m.peak > -math.inf:
            gain = min(gain, ceiling - m.peak)
        gains[key] = 0.0 if abs(gain) < tolerance else gain
    return gains


def stepped_gains(
    durations: Sequence[float],
    gain: float,
    *,
    step: float = MP3_GAIN_STEP_DB,
    tolerance: float = TOLERANCE_LU,
    limit: float = math.inf,
) -> list[float]:
    """Per-clip gains in whole `step`s whose energy-weighted mean over the clips is `gain`.

    When the nearest step is within `tolerance` of `gain`, every clip gets it. Otherwise each
    clip gets the step below or the step above `gain`, assigned in order by error diffusion
    over the clips' durations, so the share of time at the upper step makes the mean power
    come out at `gain`. No clip goes above `limit` (a peak ceiling).
    """
    nearest = round(gain / step) * step
    if abs(nearest - gain) <= tolerance or not durations:
        chosen = nearest if nearest <= limit else math.floor(limit / step) * step
        return [chosen] * len(durations)
    low = math.floor(gain / step) * step
    high = low + step
    if high > limit:
        return [low] * len(durations)
    power = 10 ** (gain / 10)
    share = (power - 10 ** (low / 10)) / (10 ** (high / 10) - 10 ** (low / 10))
    placed = elapsed = 0.0
    gains: list[float] = []
    for duration in durations:
        elapsed += duration
        wanted = share * elapsed
        if placed + duration / 2 <= wanted:
            gains.append(high)
            placed += duration
        else:
            gains.append(low)
    return gains


def mean_gain_db(durations: Sequence[float], gains: Sequence[float]) -> float:
    """The gain a listener hears over clips of these lengths: their power-weighted mean."""
    total = sum(durations)
    if not total:
        return sum(gains) / len(gains) if gains else 0.0
    power = sum(d * 10 ** (g / 10) for d, g in zip(durations, gains, strict=True)) / total
    return 10 * math.log10(power)


SHIFTS = tuple(round(k * 0.05, 2) for k in range(-15, 16))
"""How far the common target may move (dB) so that whole MP3 steps fit the voices better."""


def plan_steps(
    measured: Mapping[K, Measurement],
    gains: Mapping[K, float],
    durations: Mapping[K, Sequence[float]],
) -> dict[K, list[float]]:
    """Whole-step gains for each voice's clips (`durations[voice]`, in reading order).

    Steps are 1.5 dB, so a voice may land up to 0.75 dB from its exact `gains` target (more
    when it has too few clips to mix two steps). The common target is moved by up to 0.75 dB
    (`SHIFTS`) to where the voices, as the listener hears them, end up closest together;
    among equally good shifts, the smallest.
    """
    limits = {
        v: PEAK_CEILING_DBFS - m.peak if m.peak > -math.inf else math.inf
        for v, m in measured.items()
    }
    voices = [v for v in gains if measured[v].measurable]
    best: tuple[tuple[float, float], dict[K, list[float]]] | None = None
    for shift in SHIFTS:
        plan = {v: stepped_gains(durations[v], gains[v] + shift, limit=limits[v]) for v in voices}
        # where each voice lands against its exact target; the spread is what a listener hears
        heard = [mean_gain_db(durations[v], plan[v]) - gains[v] for v in voices]
        score = (round(max(heard) - min(heard), 1) if heard else 0.0, abs(shift))
        if best is None or score < best[0]:
            best = (score, plan)
    chosen = best[1] if best is not None else {}
    return {v: chosen.get(v, [0.0] * len(durations[v])) for v in gains}


def level_voices(
    clips: Sequence[Clip],
    voices: Sequence[Voice],
    *,
    target: float = TARGET_LUFS,
    seconds: float = SAMPLE_SECONDS,
) -> list[Clip]:
    """The clips with the `gain_db` that brings each voice (`voices[i]` speaks `clips[i]`) to
    the target; durations and everything else unchanged.

    Gains come in whole MP3 gain steps when the book will be joined by copying MP3 frames
    (`plan_steps`), and are exact otherwise.
    """
    measured = measure_voices(clips, voices, seconds=seconds)
    offsets = {voice: volume_offset_db(voice) for voice in measured}
    if not frame_copied(clips):
        gains = voice_gains(measured, offsets, target=target)
        return [
            replace(c, gain_db=gains[v]) if gains[v] else c
            for c, v in zip(clips, voices, strict=True)
        ]
    exact = voice_gains(measured, offsets, target=target, tolerance=0.0)
    where: dict[Voice, list[int]] = {}
    for i, voice in enumerate(voices):
        where.setdefault(voice, []).append(i)
    durations = {v: [clips[i].duration for i in where[v]] for v in where}
    plan = plan_steps(measured, exact, durations)
    out = list(clips)
    for voice, steps in plan.items():
        for i, gain in zip(where[voice], steps, strict=True):
            if gain:
                out[i] = replace(clips[i], gain_db=gain)
    return out


__all__ = [
    "LOWEST_TARGET_LUFS",
    "PEAK_CEILING_DBFS",
    "SAMPLE_SECONDS",
    "TARGET_LUFS",
    "TOLERANCE_LU",
    "Measurement",
    "book_target",
    "frame_copied",
    "level_voices",
    "mean_gain_db",
    "measure_audio",
    "measure_clips",
    "measure_voices",
    "parse_ebur128",
    "plan_steps",
    "sample_clips",
    "stepped_gains",
    "voice_gains",
    "volume_offset_db",
]
