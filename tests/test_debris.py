"""No debris: what a killed run leaves is removed by the next run of the same output.

A run killed while it writes (kill -9, a power cut) leaves its hidden temporary files
(`.book.mp3.<pid>.<random>.part`) and, for an M4B, the staged MP3. The next render of that
output removes those of processes that no longer run; it leaves everyone else's files, and
those of a run still going. M4B's staged MP3 never goes into the user's folder at all.
(A real kill -9 during assembly: tests/test_render_faults.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from edge_server import decode_mp3

from tts import atomic
from tts.audio import publish as publish_module
from tts.cli import main

CHAPTER = """第1章 夜渡
江面上起了雾，老周把船拴在柳树下。
“今晚还过江吗？”阿秀问道。
老周叹了口气：“坐稳了。”
"""


pytestmark = pytest.mark.usefixtures("in_tmp")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "夜渡.txt"
    path.write_text(CHAPTER, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def live_pid():
    """The id of a process that is still running."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child.pid
    child.kill()
    child.wait()


def render(book: Path, out: Path, tmp_path: Path, *extra: str):
    args = ["render", str(book), "-o", str(out), "--cache-dir", str(tmp_path / "c")]
    return CliRunner().invoke(
        main, [*args, "--engine", "edge", "--quiet", *extra], catch_exceptions=False
    )


def leave(path: Path, size: int = 4096, age: float = 60.0) -> Path:
    """A file as a killed run leaves it: written `age` seconds ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xf3" * (size // 2))
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def hidden(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name.startswith(".")}


@pytest.mark.parametrize("suffix", ["mp3", "m4b"])
def test_a_render_removes_what_killed_runs_of_that_output_left(
    suffix: str, edge_server, book: Path, tmp_path: Path, dead_pid: int, live_pid: int
) -> None:
    out = tmp_path / "out" / f"book.{suffix}"
    staging = tmp_path / "c" / "staging"
    d = dead_pid
    stale = [
        leave(out.parent / f".book.{suffix}.{d}.k2x0a9zq.part", size=400_000),
        leave(out.parent / f"..book.{suffix}.{d}.k2x0a9zq.part.{d}.u7c_1mmq.part"),  # its tags
        leave(out.parent / f".book.cast.yaml.{d}.a1b2c3d4.part"),
        leave(out.parent / f".book.srt.{d}.a1b2c3d4.part"),
        leave(staging / f".book.m4b.{d}.zz0011aa.part", size=400_000),
        leave(out.parent / f".book.{suffix}.abcdefgh.part", age=7200),  # named as before
    ]
    if suffix == "m4b":
        stale.append(leave(out.parent / ".book.q1w2e3r4.mp3", age=7200))  # staged as before
    kept = [
        leave(out.parent / f".other.mp3.{d}.k2x0a9zq.part"),  # another output's
        leave(out.parent / f".book.{suffix}.{live_pid}.k2x0a9zq.part"),  # a run still going
        leave(out.parent / f".book.{suffix}.{d}.n3w3r0n3.part", age=-60),  # newer than the run
        leave(out.parent / f".book.{suffix}.mine.part", age=7200),  # not named as ours
        leave(out.parent / f".book.{suffix}.ijklmnop.part", age=60),  # unnamed, but recent
        leave(out.parent / "notes.part"),
    ]

    result = render(book, out, tmp_path)
    assert result.exit_code == 0, result.output
    assert [p.name for p in stale if p.exists()] == []
    assert [p.name for p in kept if not p.exists()] == []
    assert hidden(out.parent) == {p.name for p in kept if p.name.startswith(".")}
    assert list(staging.iterdir()) == []
    if suffix == "mp3":
        assert len(decode_mp3(out.read_bytes())) / 24000 > 5
    else:
        assert out.stat().st_size > 10_000


def test_split_chapters_removes_what_a_killed_run_left_in_the_chapter_folder(
    edge_server, book: Path, tmp_path: Path, dead_pid: int
) -> None:
    out = tmp_path / "book.mp3"
    folder = tmp_path / "book"
    left = leave(folder / f".001 第1章 夜渡.mp3.{dead_pid}.k2x0a9zq.part", size=100_000)
    result = render(book, out, tmp_path, "--split-chapters")
    assert result.exit_code == 0, result.output
    assert not left.exists()
    assert [p.name for p in folder.iterdir()] == ["001 第1章 夜渡.mp3"]


def test_m4b_stages_its_mp3_in_the_cache_not_beside_the_book(
    edge_server, book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out" / "book.m4b"
    seen: dict[str, list[str]] = {}
    encode = publish_module.encode_m4b

    def encode_and_look(source: Path, target: Path, **kwargs: object) -> None:
        seen["beside the book"] = sorted(p.name for p in out.parent.iterdir())
        seen["staged"] = [str(source)]
        encode(source, target, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(publish_module, "encode_m4b", encode_and_look)
    result = render(book, out, tmp_path)
    assert result.exit_code == 0, result.output
    assert seen["beside the book"] == []
    assert Path(seen["staged"][0]).parent == tmp_path / "c" / "staging"
    assert list((tmp_path / "c" / "staging").iterdir()) == []


def test_staging_falls_back_to_the_temp_folder_when_the_cache_cannot_be_written(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_bytes(b"")
    with atomic.staging(tmp_path / "book.m4b", blocked / "staging") as path:
        assert path.exists() and path.parent != blocked / "staging"
        assert path.parent != tmp_path
    assert not path.exists()


@pytest.mark.parametrize(
    ("name", "found"),
    [
        (".book.mp3.123.k2x0a9zq.part", ("book.mp3", (123,))),
        ("..book.mp3.123.k2x0a9zq.part.123.u7c_1mmq.part", ("book.mp3", (123, 123))),
        (".001 第1章 夜渡.mp3.9.abcdefgh.part", ("001 第1章 夜渡.mp3", (9,))),
        (".book.mp3.k2x0a9zq.part", ("book.mp3", ())),
        (".book.k2x0a9zq.mp3", ("book.m4b", ())),
        ("book.mp3", None),
        (".book.mp3", None),
        ("notes.part", None),
        (".book.mp3.123.part", None),
    ],
)
def test_part_target_reads_only_our_names(name: str, found) -> None:
    assert atomic.part_target(name) == found


def test_replacing_names_its_temporary_file_for_the_target_and_the_process(
    tmp_path: Path,
) -> None:
    with atomic.replacing(tmp_path / "book.mp3") as tmp:
        assert atomic.part_target(tmp.name) == ("book.mp3", (os.getpid(),))
