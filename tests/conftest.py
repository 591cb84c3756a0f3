"""Shared fixtures. The network is never touched: Edge is a local fake (tests/edge_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import edge_tts.communicate
import edge_tts.drm
import edge_tts.voices
import pytest
from edge_server import EdgeServer


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
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", server.wss_url)
    monkeypatch.setattr(edge_tts.voices, "VOICE_LIST", server.voice_list_url)
    monkeypatch.setattr(edge_tts.drm.DRM, "clock_skew_seconds", 0.0)
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    yield server
    server.reset()


@pytest.fixture
def edge_offline(monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the edge_tts client at a local port where nothing listens; returns that URL."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    wss = f"ws://127.0.0.1:{port}/edge/v1?TrustedClientToken=test"
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", wss)
    monkeypatch.setattr(
        edge_tts.voices,
        "VOICE_LIST",
        f"http://127.0.0.1:{port}/voices/list?trustedclienttoken=test",
    )
    monkeypatch.setattr(edge_tts.drm.DRM, "clock_skew_seconds", 0.0)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return wss
