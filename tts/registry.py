"""The speech engines this program knows: one registry that every part asks.

An engine is one module that declares an `EngineInfo` (its name, voice names, narrators,
whether it needs a service) and a class meeting `tts.speech.engines.base.Engine`, plus one
`register` line. The CLI's `--engine` choices, the voices.yaml schema and its voice checks,
casting, `audiobook voices` and the `auto` fallback all read the registry, so no other
module lists engine names. Tests register their own engine the same way.

Registrations name 'module:attribute' targets, imported on first use: asking for the
choices costs nothing, and the Edge client (aiohttp, edge-tts) is imported only by a render.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tts.errors import AudiobookError
from tts.model import EngineInfo, VoiceInfo

if TYPE_CHECKING:
    from tts.speech.engines.base import Engine

AUTO = "auto"
"""Not an engine: the first online engine whose service answers, else the first offline one."""

_TARGETS: dict[str, str] = {}
"""Engine name -> 'module:attribute' of its EngineInfo, in registration order."""
_INFOS: dict[str, EngineInfo] = {}


def register(name: str, info: str | EngineInfo) -> None:
    """Add (or replace) the engine `name`: its EngineInfo, or where to import it from."""
    if isinstance(info, EngineInfo):
        _INFOS[name] = info
        _TARGETS[name] = ""
    else:
        _INFOS.pop(name, None)
        _TARGETS[name] = info


def unregister(name: str) -> None:
    _TARGETS.pop(name, None)
    _INFOS.pop(name, None)


register("edge", "tts.speech.engines.edge_voices:ENGINE")
register("espeak", "tts.speech.engines.espeak:ENGINE")


def names() -> list[str]:
    """Registered engines, in registration order."""
    return list(_TARGETS)


def choices() -> list[str]:
    """What `--engine` and voices.yaml's `engine:` accept."""
    return [AUTO, *names()]


def check_choice(name: str, where: str = "") -> str:
    """`name` if it is 'auto' or a registered engine, else an error that lists the choices."""
    if name not in choices():
        raise AudiobookError(
            f"unknown engine '{name}'{where}; choose one of: {', '.join(choices())}"
        )
    return name


def info(name: str) -> EngineInfo:
    """The EngineInfo of engine `name`; an unknown name is an error listing the choices."""
    found = _INFOS.get(name)
    if found is None:
        if name not in _TARGETS:
            check_choice(name)
            raise AudiobookError(f"'{AUTO}' is not one engine; resolve it first")
        found = load(_TARGETS[name])
        if not isinstance(found, EngineInfo) or found.name != name:
            raise AudiobookError(
                f"engine '{name}' is registered as {_TARGETS[name]}, which is "
                f"not its EngineInfo; fix the registration"
            )
        _INFOS[name] = found
    return found


def infos() -> Iterator[EngineInfo]:
    """Every registered engine's EngineInfo, in registration order."""
    for name in names():
        yield info(name)


def preferred() -> EngineInfo:
    """The engine `auto` tries first: the first online engine, else the first registered."""
    every = list(infos())
    return next((i for i in every if i.online), every[0])


def offline() -> EngineInfo | None:
    """The engine `auto` falls back to when the preferred one cannot be reached."""
    return next((i for i in infos() if not i.online), None)


def named_engine(name: str) -> str:
    """The engine a name asked for speaks with: `auto` names the preferred engine's voices
    (what `script` and `cast` show when nothing was resolved against the network)."""
    return preferred().name if name == AUTO else check_choice(name)


def engine_of(voice_name: str) -> str:
    """The engine a voice name belongs to: the first whose voice names look like it, else the
    preferred engine (whose own check then reports the name)."""
    for candidate in infos():
        if candidate.voice_form.match(voice_name):
            return candidate.name
    return preferred().name


def get_engine(name: str, **options: Any) -> Engine:
    """Build engine `name` with keyword options (`cache_dir`: where it may keep what it
    fetches; `proxy`: the proxy URL to its service; every engine takes both, and ignores
    what it has no use for); an unknown name is an error listing the choices."""
    engine: Engine = load(info(name).engine)(**options)
    return engine


def known_voices(name: str, **options: Any) -> list[VoiceInfo]:
    """The voices engine `name` offers without the network, without building the engine."""
    voices: list[VoiceInfo] = load(info(name).catalog)(**options)
    return voices


def load(target: str) -> Any:
    """The object a 'module:attribute' target names."""
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


__all__ = [
    "AUTO",
    "check_choice",
    "choices",
    "engine_of",
    "get_engine",
    "info",
    "infos",
    "known_voices",
    "load",
    "named_engine",
    "names",
    "offline",
    "preferred",
    "register",
    "unregister",
]
