"""Engines as the nodes of a test Ray cluster build them (`tests/test_ray.py`, `bench/`).

A node of `ray.cluster_utils.Cluster` is a set of processes on this machine; what sets it
apart is the environment it was started with (`add_node(env_vars=...)`), which its workers
inherit. `NodeEdgeEngine` is the real Edge engine and client, pointed at the fake service
`EDGE_PORT` names, so each node talks to a service of its own, as each machine of a real
cluster talks to Edge from its own address. `NodeToneEngine` is the tone engine, speaking
under the version `TONE_VERSION` names, as a machine with another build would, or failing
every request where `TONE_BROKEN` is set, as a machine whose engine is broken does. Without the
variables (the driver, in the test's own process) both are the engines they extend.
"""

from __future__ import annotations

import os
from typing import Any

import edge_tts.communicate
from edge_server import point_client_at
from tone_engine import ToneEngine

from tts.errors import VoiceUnavailable
from tts.model import Audio, Voice
from tts.speech.engines.edge import EdgeEngine

EDGE_PORT = "AUDIOBOOK_TEST_EDGE_PORT"
"""The port of this node's fake Edge service on 127.0.0.1."""
TONE_VERSION = "AUDIOBOOK_TEST_TONE_VERSION"
TONE_BROKEN = "AUDIOBOOK_TEST_TONE_BROKEN"


class _Here:
    """`point_client_at`'s patcher, applied for good in a worker process of its own."""

    @staticmethod
    def setattr(target: Any, name: str, value: Any) -> None:
        setattr(target, name, value)

    @staticmethod
    def delenv(name: str, raising: bool = True) -> None:
        os.environ.pop(name, None)

    @staticmethod
    def setenv(name: str, value: str) -> None:
        os.environ[name] = value


class NodeEdgeEngine(EdgeEngine):
    """Edge, speaking to this node's own fake service when the node names one."""

    def __init__(self, **options: Any) -> None:
        port = os.environ.get(EDGE_PORT)
        if port and str(port) not in edge_tts.communicate.WSS_URL:
            point_client_at(_Here, int(port))
        super().__init__(**options)


class NodeToneEngine(ToneEngine):
    """The tone engine, under the version this node's environment names, if any."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.version = os.environ.get(TONE_VERSION, self.version)

    async def synthesize(self, text: str, voice: Voice) -> Audio:
        if os.environ.get(TONE_BROKEN):
            raise VoiceUnavailable(f"no tone voice '{voice.name}' on this machine")
        return await super().synthesize(text, voice)
