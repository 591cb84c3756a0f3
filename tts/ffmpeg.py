"""The bundled ffmpeg (from the imageio-ffmpeg wheel): where it is, how to run it, its errors.

The clip cache's encoder (offline clips stored as MP3), assembly, loudness, tags and the
.m4b writer all run this one binary; this module finds it and reads its complaints the same
way for each of them.
"""

from __future__ import annotations

import subprocess

from tts.errors import AudiobookError


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped in the imageio-ffmpeg wheel (never a system one)."""
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as e:
        raise AudiobookError(
            f"ffmpeg is not available ({e}); "
            "reinstall it with 'pip install --force-reinstall imageio-ffmpeg'"
        ) from e


def last_line(stderr: bytes, default: str = "no message") -> str:
    """ffmpeg's last message on stderr (what went wrong, when it fails), else `default`."""
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else default


def run_ffmpeg(args: list[str], stdin: bytes | None = None) -> bytes:
    """Run ffmpeg quietly with `args` (feeding `stdin` when given) and return its stdout.

    Raises AudiobookError with ffmpeg's last message when it fails.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    if stdin is not None:
        cmd.remove("-nostdin")
    done = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    if done.returncode != 0:
        raise AudiobookError(f"ffmpeg failed: {last_line(done.stderr)}")
    return done.stdout
