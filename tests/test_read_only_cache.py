"""A read-only cache (shared, mounted read-only, or on a full disk) still serves what it holds:
reading the cache needs no write access, and the Edge voice list it keeps is only written
back when it can be.

The cache is made read-only by failing every write under it with EROFS, as a read-only
file system would (chmod would not do: the tests may run as root).
"""

from __future__ import annotations

import asyncio
import builtins
import errno
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from texts import ferry_short_book, render_quietly

from tts.cli import main

pytestmark = pytest.mark.usefixtures("in_tmp")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return ferry_short_book(tmp_path)


render = render_quietly


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """`read_only(folder)` makes every write under `folder` fail as on a read-only file
    system (EROFS)."""
    roots: list[Path] = []

    def guarded(path: object) -> None:
        where = Path(os.fsdecode(path)).absolute()  # type: ignore[arg-type]
        if any(where == root or root in where.parents for root in roots):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    def wrap(function: Callable[..., object], writes: Callable[..., bool]) -> Callable[..., object]:
        def patched(*args: object, **kwargs: object) -> object:
            if writes(*args, **kwargs):
                guarded(args[0])
            return function(*args, **kwargs)

        return patched

    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def opens_to_write(path: object, mode: str = "r", *args: object, **kwargs: object) -> bool:
        return isinstance(path, (str, bytes, os.PathLike)) and any(c in mode for c in "wax+")

    monkeypatch.setattr(os, "open", wrap(os.open, lambda p, flags, *a, **k: flags & write_flags))
    monkeypatch.setattr(os, "mkdir", wrap(os.mkdir, lambda *a, **k: True))
    monkeypatch.setattr(os, "replace", wrap(os.replace, lambda *a, **k: True))
    monkeypatch.setattr(os, "unlink", wrap(os.unlink, lambda *a, **k: True))
    monkeypatch.setattr(builtins, "open", wrap(builtins.open, opens_to_write))
    monkeypatch.setattr(io, "open", wrap(io.open, opens_to_write))
    return lambda folder: roots.append(folder.absolute())


def test_the_read_only_fixture_refuses_writes_and_allows_reads(read_only, tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "kept").write_text("kept", encoding="utf-8")
    read_only(tmp_path / "c")
    assert (tmp_path / "c" / "kept").read_text(encoding="utf-8") == "kept"
    with pytest.raises(OSError, match="Read-only"):
        (tmp_path / "c" / "new").write_text("x", encoding="utf-8")
    with pytest.raises(OSError, match="Read-only"):
        (tmp_path / "c" / "sub").mkdir()


@pytest.mark.parametrize("suffix", ["mp3", "m4b"])
def test_a_read_only_cache_renders_a_fully_cached_book(
    suffix: str, edge_server, read_only, book: Path, tmp_path: Path
) -> None:
    out = tmp_path / f"book.{suffix}"
    assert render(book, out, tmp_path, "--engine", "edge").exit_code == 0
    made, asked = out.read_bytes(), len(edge_server.requests)
    out.unlink()
    read_only(tmp_path / "c")
    result = render(book, out, tmp_path, "--engine", "edge")
    assert result.exit_code == 0, result.output
    assert len(edge_server.requests) == asked
    if suffix == "mp3":
        assert out.read_bytes() == made
    else:
        assert out.stat().st_size > 1000


def test_voices_and_the_check_work_with_a_read_only_cache(
    edge_server, read_only, tmp_path: Path
) -> None:
    from tts.speech.engines.edge import EdgeEngine

    cache = tmp_path / "c"
    cache.mkdir()
    read_only(cache)
    asyncio.run(EdgeEngine(cache_dir=cache).check())
    result = CliRunner().invoke(
        main, ["voices", "--locale", "zh-CN", "--cache-dir", str(cache)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "zh-CN-XiaoxiaoNeural" in result.stdout
    assert edge_server.voice_list_requests == 2
    assert list(cache.iterdir()) == []
