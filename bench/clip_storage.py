"""Benchmark: how the clip cache stores the offline engine's clips, and what a listener hears.

    .venv/bin/python bench/clip_storage.py                  # examples/chapter.txt, 1 h book
    .venv/bin/python bench/clip_storage.py --hours 0 BOOK   # just the chapter, another book

The book is read, attributed and cast as `render --engine espeak` does it, and every request
is spoken once by espeak. Its clips are then stored three ways:

- PCM: the raw 16-bit samples, as the cache kept them before (the book is re-encoded);
- MP3: what the cache keeps now (`tts.speech.encode`): 48 kbit/s CBR frames, joined by
  copying them, levelled in 1.5 dB global_gain steps;
- FLAC: lossless, for comparison: its size, and the cost of decoding each clip with ffmpeg
  on top of the PCM assembly (the only way pydub can read it).

For each: cache bytes (per hour of speech), the time to level and assemble the chapter and
a book of `--hours` (the chapter's timeline repeated), the book's length, and how far each
voice lands from the loudness the leveller aimed at, measured with ffmpeg's ebur128 on the
finished MP3 (each voice's clips cut out at the times the layout gives).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tts import pipeline, registry  # noqa: E402
from tts.atomic import write_bytes  # noqa: E402
from tts.audio.assemble import assemble  # noqa: E402
from tts.audio.loudness import (  # noqa: E402
    book_target,
    level_voices,
    measure_audio,
    measure_voices,
    volume_offset_db,
)
from tts.audio.timeline import Layout, lay_out  # noqa: E402
from tts.ffmpeg import ffmpeg_exe, run_ffmpeg  # noqa: E402
from tts.model import Audio, Clip, Script, Silence, Voice  # noqa: E402
from tts.speech.cache import ClipCache  # noqa: E402
from tts.speech.synth import request_key  # noqa: E402

RATE = 22050


def speak(book: Path, folder: Path) -> tuple[Script, list, dict[str, list[Clip]], int]:
    script = pipeline.read_script(
        book, voices_file=None, engine="espeak", chapters=None, cache_dir=folder
    )
    engine = registry.get_engine("espeak")
    requests = pipeline.plan(script, engine)
    cache = ClipCache(folder / "clips")
    clips: dict[str, list[Clip]] = {"pcm": [], "mp3": [], "flac": []}
    flac_bytes = 0
    for request in requests:
        audio: Audio = asyncio.run(engine.synthesize(request.text, request.voice))
        key = request_key(request, engine)
        pcm = folder / "pcm" / f"{key}.pcm"
        write_bytes(pcm, audio.data)
        clips["pcm"].append(
            Clip(str(pcm), "pcm_s16le", audio.sample_rate, 1, audio.duration, audio.boundaries)
        )
        clips["mp3"].append(cache.put(key, audio, engine="espeak"))
        flac = folder / "flac" / f"{key}.flac"
        flac.parent.mkdir(exist_ok=True)
        run_ffmpeg(["-f", "s16le", "-ar", str(audio.sample_rate), "-ac", "1", "-i", str(pcm),
                    "-c:a", "flac", "-y", str(flac)])  # fmt: skip
        flac_bytes += flac.stat().st_size
        clips["flac"].append(Clip(str(flac), "pcm_s16le", audio.sample_rate, 1, audio.duration))
    return script, requests, clips, flac_bytes


def decode(path: Path) -> bytes:
    cmd = [ffmpeg_exe(), "-loglevel", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
           "-ar", str(RATE), "pipe:1"]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, check=True).stdout


def voice_levels(layout: Layout, voices: list[Voice], book: Path) -> dict[Voice, float]:
    """Each voice's integrated loudness in the finished book, from its clips' spans."""
    pcm = decode(book)
    parts: dict[Voice, list[bytes]] = {}
    for placed, voice in zip(layout.placed, voices, strict=True):
        start = int(placed.start * RATE) * 2
        end = int((placed.end + 0.1) * RATE) * 2
        parts.setdefault(voice, []).append(pcm[start:end])
    fmt = ["-f", "s16le", "-ar", str(RATE), "-ac", "1"]
    return {v: measure_audio(b"".join(p), fmt).lufs for v, p in parts.items()}


def case(
    name: str, clips: list[Clip], script: pipeline.Script, requests: list, out: Path, hours: float
) -> dict[str, float]:
    voices = [r.voice for r in requests]
    started = time.perf_counter()
    levelled = level_voices(clips, voices)
    layout = lay_out(script.segments, script.pauses, requests, levelled)
    seconds = assemble(layout.items, out)
    chapter_s = time.perf_counter() - started
    measured = measure_voices(clips, voices)
    offsets = {v: volume_offset_db(v) for v in measured}
    target = book_target(measured, offsets)
    heard = voice_levels(layout, voices, out)
    errors = [heard[v] - (target + offsets[v]) for v in heard if math.isfinite(heard[v])]
    result = {
        "chapter_s": chapter_s,
        "seconds": seconds,
        "max_error": max(abs(e) for e in errors),
        "spread": max(heard.values()) - min(heard.values()),
        "voices": len(heard),
    }
    if hours:
        repeat = max(1, round(hours * 3600 / layout.seconds))
        items: list[Clip | Silence] = []
        for _ in range(repeat):
            items += [*layout.items, Silence(2.5)]
        started = time.perf_counter()
        book_seconds = assemble(items, out)
        result["book_s"] = time.perf_counter() - started
        result["book_h"] = book_seconds / 3600
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", nargs="?", default=str(ROOT / "examples" / "chapter.txt"))
    parser.add_argument("--hours", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="audiobook-bench-") as tmp:
        folder = Path(tmp)
        script, requests, clips, flac_bytes = speak(Path(args.book), folder)
        speech = sum(c.duration for c in clips["pcm"])
        sizes = {
            "pcm": sum(Path(c.path).stat().st_size for c in clips["pcm"]),
            "mp3": sum(Path(c.path).stat().st_size for c in clips["mp3"]),
            "flac": flac_bytes,
        }
        print(f"{args.book}: {len(requests)} clips, {speech:.1f} s of speech")
        started = time.perf_counter()
        for c in clips["flac"]:
            decode(Path(c.path))
        flac_decode = time.perf_counter() - started
        results = {
            kind: case(kind, clips[kind], script, requests, folder / f"{kind}.mp3", args.hours)
            for kind in ("pcm", "mp3")
        }
        print(
            f"{'storage':<8}{'cache':>10}{'MB/h':>7}{'assemble':>10}{'book':>11}"
            f"{'voice err':>11}{'spread':>8}"
            + (f"{f'{args.hours:g} h book':>12}" if args.hours else "")
        )
        for kind in ("pcm", "flac", "mp3"):
            size = sizes[kind]
            per_hour = size / speech * 3600 / 1e6
            r = results["pcm" if kind == "flac" else kind]
            extra = flac_decode if kind == "flac" else 0.0
            book = f"{r['seconds']:.2f} s"
            line = (
                f"{kind:<8}{size / 1e6:>8.2f}MB{per_hour:>7.0f}{r['chapter_s'] + extra:>9.2f}s"
                f"{book:>11}{r['max_error']:>8.2f} LU{r['spread']:>5.2f} LU"
            )
            if args.hours:
                scale = r["book_h"] * 3600 / r["seconds"]
                line += f"{r['book_s'] + extra * scale:>11.1f}s"
            print(line)
        print(
            "voice err: the largest distance of a voice's loudness in the book from its target; "
            "spread: loudest voice minus quietest. flac: the PCM assembly plus decoding each clip."
        )


if __name__ == "__main__":
    main()
