"""Engine registry: a name maps to the module and class that implement it."""

from __future__ import annotations

import importlib
from typing import Any

from tts.engines.base import Engine
from tts.errors import AudiobookError

_REGISTRY: dict[str, str] = {
    "edge": "tts.engines.edge:EdgeEngine",
    "espeak": "tts.engines.espeak:EspeakEngine",
}


def register(name: str, target: str) -> None:
    """Add an engine ('module:Class'); tests register their own this way."""
    _REGISTRY[name] = target


def names() -> list[str]:
    return sorted(_REGISTRY)


def get_engine(name: str, **options: Any) -> Engine:
    """Instantiate the engine called `name`; unknown names list the choices."""
    try:
        target = _REGISTRY[name]
    except KeyError:
        choices = ", ".join(["auto", *names()])
        raise AudiobookError(f"unknown engine '{name}'; choose one of: {choices}") from None
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    engine: Engine = cls(**options)
    return engine


__all__ = ["Engine", "get_engine", "names", "register"]
