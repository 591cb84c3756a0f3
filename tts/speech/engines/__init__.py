"""Engine registry: a name maps to the module and class that implement it."""

from __future__ import annotations

import importlib
from typing import Any

from tts.errors import AudiobookError
from tts.model import VoiceInfo
from tts.speech.engines.base import Engine

_REGISTRY: dict[str, str] = {
    "edge": "tts.speech.engines.edge:EdgeEngine",
    "espeak": "tts.speech.engines.espeak:EspeakEngine",
}
_CATALOGS: dict[str, str] = {
    "edge": "tts.speech.engines.edge_voices:known_voices",
}
"""Engines whose offline voice list is cheaper to read without building the engine (Edge's
is a JSON file; its engine imports aiohttp and edge-tts)."""


def register(name: str, target: str) -> None:
    """Add an engine ('module:Class'); tests register their own this way."""
    _REGISTRY[name] = target
    _CATALOGS.pop(name, None)  # the engine registered now is the one to ask


def names() -> list[str]:
    return sorted(_REGISTRY)


def get_engine(name: str, **options: Any) -> Engine:
    """Instantiate the engine called `name`; unknown names list the choices."""
    try:
        target = _REGISTRY[name]
    except KeyError:
        choices = ", ".join(["auto", *names()])
        raise AudiobookError(f"unknown engine '{name}'; choose one of: {choices}") from None
    cls = _load(target)
    engine: Engine = cls(**options)
    return engine


def known_voices(name: str, **options: Any) -> list[VoiceInfo]:
    """The voices engine `name` offers without the network (as `Engine.known_voices`)."""
    catalog = _CATALOGS.get(name)
    if catalog is None:
        return get_engine(name, **options).known_voices()
    voices: list[VoiceInfo] = _load(catalog)(**options)
    return voices


def _load(target: str) -> Any:
    """The object a 'module:attribute' target names."""
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


__all__ = ["Engine", "get_engine", "known_voices", "names", "register"]
