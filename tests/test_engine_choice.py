"""Which engine a render uses, and what it never does to a book the user has.

- A book whose every clip is cached renders from the cache without asking the service.
- The check at the start is tried again while the service is busy (429/503) or drops.
- `--engine auto` never puts the offline engine's voices over a book another engine made
  unless asked (`--engine espeak`): it stops with one line that says so.

Against the local fake of Edge's service (tests/edge_server.py); the engine names in the
assertions are the registered ones.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from edge_server import Fault, point_client_at
from texts import ferry_short_book, render_quietly

from tts import pipeline
from tts.errors import ClientOutdated, EngineError, RateLimited, ServiceUnreachable

pytestmark = pytest.mark.usefixtures("quick_engine_checks")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return ferry_short_book(tmp_path)


render = render_quietly


def go_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on the client finds nothing listening (as with no network)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    point_client_at(monkeypatch, port)


# --- a fully cached book needs no service ------------------------------------------------------


@pytest.mark.parametrize("engine", [[], ["--engine", "edge"]], ids=["auto", "edge"])
def test_a_fully_cached_book_renders_from_the_cache_without_the_service(
    engine: list[str], edge_server, book: Path, tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "book.mp3"
    first = render(book, out, tmp_path, *engine)
    assert first.exit_code == 0 and "engine edge" in first.stdout, first.output
    made = out.read_bytes()
    asked = len(edge_server.requests)

    go_offline(monkeypatch)
    again = render(book, out, tmp_path, *engine)
    assert again.exit_code == 0, again.output
    assert "engine edge" in again.stdout
    assert "Warning" not in again.stderr
    assert out.read_bytes() == made
    assert len(edge_server.requests) == asked


# --- the check is tried again ---------------------------------------------------------------


@pytest.mark.parametrize("engine", [[], ["--engine", "edge"]], ids=["auto", "edge"])
def test_a_busy_check_at_the_start_is_tried_again(
    engine: list[str], edge_server, book: Path, tmp_path: Path
) -> None:
    edge_server.faults.append(Fault("voices_429", count=2))
    out = tmp_path / "book.mp3"
    result = render(book, out, tmp_path, *engine)
    assert result.exit_code == 0, result.output
    assert "engine edge" in result.stdout and "Warning" not in result.stderr
    assert edge_server.voice_list_requests == 3


class _Checked:
    """An engine whose check fails with the given errors, in order, then passes."""

    name = "checked"

    def __init__(self, *errors: EngineError) -> None:
        self.errors = list(errors)
        self.checks = 0

    async def check(self) -> None:
        self.checks += 1
        if self.errors:
            raise self.errors.pop(0)


def _busy() -> RateLimited:
    return RateLimited("busy (HTTP 429)")


@pytest.mark.parametrize(
    ("errors", "checks", "passes"),
    [
        ([_busy, _busy], 3, True),
        ([_busy, _busy, _busy], 3, False),
        ([lambda: ServiceUnreachable("connection reset")], 2, True),
        ([lambda: ServiceUnreachable("no network")] * 2, 2, False),
        ([lambda: ClientOutdated("upgrade")], 1, False),
        ([lambda: RateLimited("busy", retry_after=600)], 1, False),
        ([lambda: RateLimited("busy", retry_after=0.02)], 2, True),
    ],
    ids=[
        "busy twice",
        "busy three times",
        "reset once",
        "unreachable",
        "permanent",
        "asks for ten minutes",
        "short retry-after",
    ],
)
def test_check_engine_retries_transient_errors_only_a_few_times(
    errors: list[Callable[[], EngineError]], checks: int, passes: bool
) -> None:
    engine = _Checked(*(make() for make in errors))
    if passes:
        asyncio.run(pipeline.check_engine(engine))  # type: ignore[arg-type]
    else:
        with pytest.raises(EngineError):
            asyncio.run(pipeline.check_engine(engine))  # type: ignore[arg-type]
    assert engine.checks == checks


# --- auto never replaces another engine's book unasked ------------------------------------------


def one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), lines
    return lines[0]


@pytest.mark.parametrize("outage", ["no network", "busy"])
def test_auto_does_not_put_the_offline_voices_over_an_edge_book(
    outage: str, edge_server, book: Path, tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "book.mp3"
    cast = tmp_path / "book.cast.yaml"
    assert render(book, out, tmp_path).exit_code == 0
    made, cast_made = out.read_bytes(), cast.read_bytes()
    with book.open("a", encoding="utf-8") as f:  # a line more: no longer all in the cache
        f.write("“那就明天。”阿秀说。\n")

    if outage == "no network":
        go_offline(monkeypatch)
    else:
        edge_server.faults.append(Fault("voices_429", count=100))
    line = one_error_line(render(book, out, tmp_path))
    assert str(out) in line and "made with Edge" in line
    assert "retry later" in line and "--engine espeak" in line
    gist = "cannot reach the Edge speech service" if outage == "no network" else "is busy"
    assert gist in line and f", and {out} was made with Edge;" in line
    assert "(" not in line.split(",")[0] and ")" not in line.split(",")[0]
    assert out.read_bytes() == made and cast.read_bytes() == cast_made

    asked = render(book, out, tmp_path, "--engine", "espeak")
    assert asked.exit_code == 0 and "engine espeak" in asked.stdout, asked.output
    assert out.read_bytes() != made

    # now the book is the offline engine's: auto may fall back onto it again
    again = render(book, out, tmp_path)
    assert again.exit_code == 0 and "engine espeak" in again.stdout, again.output
    assert again.stderr.startswith("Warning: ") and gist in again.stderr
    assert "; using the offline espeak engine" in again.stderr
    assert "(" not in again.stderr.split(";")[0] and ")" not in again.stderr.split(";")[0]


def test_auto_does_not_replace_a_book_it_cannot_tell_the_engine_of(
    edge_offline, book: Path, tmp_path: Path
) -> None:
    out = tmp_path / "book.mp3"
    out.write_bytes(b"my old audiobook")
    line = one_error_line(render(book, out, tmp_path))
    assert "another engine" in line and "--engine espeak" in line
    assert out.read_bytes() == b"my old audiobook"
