"""Shared fixtures. The network is never touched: Edge is a local fake (tests/edge_server.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from edge_server import EdgeServer, point_client_at, wss_url


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test starts with the edge_tts client pointed at a local port where nothing
    listens (and no proxy from the environment), so a command that asks the Edge service
    (`auto` resolves the engine for `script` and `cast` too) never reaches the internet:
    offline unless the test asks for `edge_server`, which points the client there. The
    default cache (clips, the fetched voice list) is the test's own, not the home folder's."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    point_client_at(monkeypatch, port)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="session")
def _edge_server_process() -> Iterator[EdgeServer]:
    server = EdgeServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def edge_server(
    _edge_server_process: EdgeServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EdgeServer]:
    """The fake Edge service, with the real edge_tts client pointed at it.

    One server per session; requests, faults, counters and latency are reset for each test.
    Attributes: requests, faults (append `Fault(...)`), latency, tone_for, wss_url,
    voice_list_url, connections, voice_list_requests.
    """
    server = _edge_server_process
    server.reset()
    point_client_at(monkeypatch, server.port)
    yield server
    server.reset()


@pytest.fixture
def edge_offline(monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the edge_tts client at a local port where nothing listens; returns that URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    point_client_at(monkeypatch, port)
    return wss_url(port)


@pytest.fixture
def tone_engine() -> Iterator[str]:
    """The deterministic test engine (tests/tone_engine.py), registered as any engine is, for
    this test only; returns its name."""
    from tone_engine import ENGINE

    from tts import registry

    registry.register(ENGINE.name, "tone_engine:ENGINE")
    try:
        yield ENGINE.name
    finally:
        registry.unregister(ENGINE.name)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test in its own empty folder, where no voices.yaml or output/ of the
    repository is seen; returns that folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def quick_engine_checks(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the test's own folder, with the waits between the engine check's tries made short
    (`tts.pipeline.engines.CHECK_WAIT`)."""
    from tts.pipeline import engines

    monkeypatch.setattr(engines, "CHECK_WAIT", 0.01)
