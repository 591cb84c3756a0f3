"""Benchmark: assembling 1, 5 and 10 hours of Edge-format clips into one MP3.

    .venv/bin/python bench/assembly.py                 # the full table (about a minute)
    .venv/bin/python bench/assembly.py --hours 1 5     # fewer cases

Clips: a few distinct tones of about 20 s in Edge's format (headerless CBR MP3, 24 kHz mono
48 kbit/s), generated once with ffmpeg and referenced over and over, with a 0.45 s pause
after each. Every case runs in a fresh subprocess, which reports its wall time and peak
resident memory (VmHWM), so one case's memory never hides in another's.

Cases:
- ours, frame copy: `tts.audio.assemble.assemble` on the MP3 clips (what every Edge book takes);
- ours, frame copy of ~3 s clips (as many files as a real book has), 10 hours;
- ours, re-encode: the same on raw PCM clips at 22,050 Hz (the offline engine's path until
  its clips were cached as MP3: each clip wrapped and scaled by pydub in `tts.audio.clips`,
  streamed into one ffmpeg encoder), 1 hour only;
- ours, pydub per clip on the MP3 clips: what the Edge book would cost without the frame
  join (each clip decoded by pydub, streamed into one encoder), 1 hour only;
- naive pydub: decode each clip with `AudioSegment.from_file`, `+=` it and the pause onto
  one segment, `export` it; run for 5 minutes and 1 hour only, because it needs all the
  audio in memory and minutes of time per hour.

Target for 10 hours (frame copy): at most 10 s and 200 MB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tts.audio.assemble import assemble  # noqa: E402
from tts.audio.clips import Mp3Encoder, conform, decode_clip, read_clip, silence  # noqa: E402
from tts.audio.mp3 import iter_frames  # noqa: E402
from tts.ffmpeg import ffmpeg_exe, run_ffmpeg  # noqa: E402
from tts.model import Clip, Silence  # noqa: E402

PAUSE = 0.45
TONES = ((440, 20.0), (523, 19.2), (659, 21.6), (784, 18.0))
SHORT_TONES = ((466, 2.4), (587, 3.6), (698, 3.0), (880, 1.8))
"""Lines of a real book are a few seconds each: ten hours are ~12,000 clips."""


def make_clips(folder: Path, tones: tuple[tuple[int, float], ...] = TONES) -> dict[str, list[Clip]]:
    folder.mkdir(parents=True, exist_ok=True)
    mp3s, pcms = [], []
    for freq, seconds in tones:
        src = f"sine=frequency={freq}:sample_rate=24000:duration={seconds}"
        mp3 = folder / f"tone{freq}.mp3"
        if not mp3.exists():
            run_ffmpeg(
                ["-f", "lavfi", "-i", src, "-ac", "1", "-c:a", "libmp3lame", "-b:a", "48k",
                 "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "-y", str(mp3)]
            )  # fmt: skip
        frames = sum(1 for _ in iter_frames(mp3.read_bytes()))
        mp3s.append(Clip(str(mp3), "mp3", 24000, 1, frames * 0.024))
        pcm = folder / f"tone{freq}.pcm"
        if not pcm.exists():
            src22 = f"sine=frequency={freq}:sample_rate=22050:duration={seconds}"
            run_ffmpeg(["-f", "lavfi", "-i", src22, "-f", "s16le", "-ac", "1", "-y", str(pcm)])
        pcms.append(Clip(str(pcm), "pcm_s16le", 22050, 1, pcm.stat().st_size / 2 / 22050))
    return {"mp3": mp3s, "pcm": pcms}


def timeline(clips: list[Clip], hours: float) -> list[Clip | Silence]:
    items: list[Clip | Silence] = []
    total, i = 0.0, 0
    while total < hours * 3600:
        clip = clips[i % len(clips)]
        items += [clip, Silence(PAUSE)]
        total += clip.duration + PAUSE
        i += 1
    return items


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(kind: str, hours: float, folder: Path, out: Path) -> dict[str, float]:
    """One case, in this process (the parent runs each in a fresh subprocess)."""
    clips = make_clips(folder, SHORT_TONES if kind == "short" else TONES)
    items = timeline(clips["pcm" if kind == "reencode" else "mp3"], hours)
    n_clips = sum(isinstance(x, Clip) for x in items)
    start = time.perf_counter()
    if kind in ("copy", "short", "reencode"):
        seconds = assemble(items, out)
    elif kind == "perclip":
        with Mp3Encoder(out, 24000, "48k") as encoder:
            for item in items:
                if isinstance(item, Silence):
                    encoder.write(silence(item.seconds, 24000))
                else:
                    encoder.write(conform(decode_clip(item, read_clip(item)), 24000))
        seconds = encoder.seconds
    else:
        from pydub import AudioSegment

        AudioSegment.converter = ffmpeg_exe()
        book = AudioSegment.empty()
        for item in items:
            if isinstance(item, Silence):
                book += AudioSegment.silent(int(item.seconds * 1000), frame_rate=24000)
            else:
                book += AudioSegment.from_file(item.path, format="mp3", codec="mp3")
        book.export(str(out), format="mp3", bitrate="48k")
        seconds = len(book) / 1000
    wall = time.perf_counter() - start
    return {
        "wall": wall,
        "rss": peak_rss_mb(),
        "audio_hours": seconds / 3600,
        "clips": n_clips,
        "out_mb": out.stat().st_size / 1e6,
    }


def spawn(kind: str, hours: float, folder: Path, out: Path) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", kind, str(hours), str(folder), str(out)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    out.unlink(missing_ok=True)
    return result


def _span(hours: float) -> str:
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:g} h"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, nargs="*", default=[1, 5, 10])
    parser.add_argument("--naive-hours", type=float, nargs="*", default=[1 / 12, 1])
    parser.add_argument("--short-hours", type=float, nargs="*", default=[10])
    parser.add_argument("--reencode-hours", type=float, nargs="*", default=[1])
    parser.add_argument("--perclip-hours", type=float, nargs="*", default=[1])
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, hours, folder, out = args.child
        print(json.dumps(run_case(kind, float(hours), Path(folder), Path(out))))
        return

    with tempfile.TemporaryDirectory(prefix="audiobook-bench-") as tmp:
        folder, out = Path(tmp) / "clips", Path(tmp) / "book.mp3"
        make_clips(folder)
        make_clips(folder, SHORT_TONES)
        cases = (
            [("copy", h) for h in args.hours]
            + [("short", h) for h in args.short_hours]
            + [("reencode", h) for h in args.reencode_hours]
            + [("perclip", h) for h in args.perclip_hours]
            + [("naive", h) for h in args.naive_hours]
        )
        names = {
            "copy": "ours, frame copy",
            "short": "ours, copy, 3 s clips",
            "reencode": "ours, re-encode (PCM)",
            "perclip": "pydub per clip (MP3)",
            "naive": "naive pydub +=",
        }
        print(f"{'case':<24}{'audio':>8}{'clips':>8}{'wall s':>9}{'peak MB':>9}{'out MB':>8}")
        results = {}
        for kind, hours in cases:
            r = spawn(kind, hours, folder, out)
            results[(kind, hours)] = r
            audio = f"{r['audio_hours']:.2f} h"
            print(
                f"{names[kind]:<24}{audio:>8}{int(r['clips']):>8}"
                f"{r['wall']:>9.2f}{r['rss']:>9.0f}{r['out_mb']:>8.0f}",
                flush=True,
            )
        if args.naive_hours:
            print(
                f"naive pydub runs for {', '.join(_span(h) for h in args.naive_hours)} only: "
                "it holds the whole book in memory and copies it on every +=."
            )
        ten = results.get(("copy", 10.0))
        if ten:
            ok = ten["wall"] <= 10 and ten["rss"] <= 200
            print(
                f"target for 10 h (<= 10 s, <= 200 MB): {'met' if ok else 'MISSED'} "
                f"({ten['wall']:.1f} s, {ten['rss']:.0f} MB)"
            )
        one, naive = results.get(("copy", 1.0)), results.get(("naive", 1.0))
        if one and naive:
            print(
                f"1 h: frame copy is {naive['wall'] / one['wall']:.0f}x faster than naive pydub "
                f"and uses {naive['rss'] / one['rss']:.0f}x less memory"
            )
        perclip = results.get(("perclip", 1.0))
        if one and perclip:
            print(
                f"1 h: frame copy is {perclip['wall'] / one['wall']:.0f}x faster than decoding "
                "each clip with pydub and re-encoding (which also loses a generation)"
            )


if __name__ == "__main__":
    main()
