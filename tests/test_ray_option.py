"""`render --ray` where no cluster is used: Ray missing, no address, an address where
nothing answers, and a book whose clips are all cached (nothing to send, so no connection).
A render without `--ray` never imports Ray at all. The cluster itself: tests/test_ray.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tts.cli import main

BOOK = "第1章 雨夜\n老陈说：“谁呀？这么晚了。”\n门外的人说：“是我，阿明。”\n"


@pytest.fixture
def book(in_tmp: Path) -> Path:
    path = in_tmp / "book.txt"
    path.write_text(BOOK, encoding="utf-8")
    return path


def render(book: Path, engine: str, *extra: str):
    args = ["render", str(book), "-o", "out.mp3", "--engine", engine, "--cache-dir", "cache"]
    return CliRunner().invoke(main, [*args, *extra], catch_exceptions=False)


def error_lines(output: str) -> list[str]:
    assert "Traceback" not in output
    return [line for line in output.splitlines() if line.startswith("Error:")]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_without_ray_installed_the_error_says_how_to_install_it(
    book: Path, tone_engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if not installed

    result = render(book, tone_engine, "--ray", "local")

    assert result.exit_code == 1
    (error,) = error_lines(result.output)
    assert "--ray needs Ray, which is not installed; pip install 'audiobook-tts[ray]'" in error
    assert not Path("out.mp3").exists()


def test_ray_auto_without_ray_address_says_what_to_give(
    book: Path, tone_engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAY_ADDRESS", raising=False)

    result = render(book, tone_engine, "--ray", "auto")

    assert result.exit_code == 1
    (error,) = error_lines(result.output)
    assert "$RAY_ADDRESS, which is not set" in error and "--ray local" in error


def test_an_address_where_no_cluster_answers_is_one_clear_error(
    book: Path, tone_engine: str
) -> None:
    pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]'")
    address = f"127.0.0.1:{closed_port()}"

    result = render(book, tone_engine, "--ray", address)

    assert result.exit_code == 1
    (error,) = error_lines(result.output)
    assert f"cannot reach the Ray cluster at {address}" in error
    assert "ray start --head" in error
    assert not Path("out.mp3").exists()


def test_a_book_all_in_the_cache_needs_no_cluster(book: Path, tone_engine: str) -> None:
    pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]'")
    first = render(book, tone_engine)
    assert first.exit_code == 0, first.output
    made = Path("out.mp3").read_bytes()

    # Nothing listens at the address: a connection would fail, and none is tried.
    again = render(book, tone_engine, "--ray", f"127.0.0.1:{closed_port()}")

    assert again.exit_code == 0, again.output
    assert "0 requests" in again.output
    assert Path("out.mp3").read_bytes() == made


def test_a_render_without_ray_never_imports_it(book: Path) -> None:
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from tts.cli import main\n"
        "r = CliRunner().invoke(main, ['render', 'book.txt', '-o', 'out.mp3', '--engine',"
        " 'espeak', '--cache-dir', 'cache', '-q'])\n"
        "assert r.exit_code == 0, r.output\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert done.returncode == 0, done.stderr
