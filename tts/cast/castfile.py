"""The cast file: the voices of the last render, kept beside the output
(`output/<book>.cast.yaml`) so every character sounds the same in later runs and chapters.

Written atomically; the voices characters had with other engines stay in it, so one offline
run does not make the next online one cast everyone anew. A damaged file is an error that
says to delete it (`save_cast` replaces it with a good one).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from tts import registry
from tts.atomic import replacing
from tts.cast.yamlnodes import DepthLimitedComposer, TooDeep
from tts.errors import ConfigError
from tts.model import Cast, Prosody, Voice
from tts.read.limits import VOICES_LIMIT, TooLarge, read_capped, size_text


def save_cast(path: Path | str, cast: Cast) -> None:
    """Write the cast as YAML (`output/<book>.cast.yaml`), atomically.

    The voices characters had with other engines stay in the file (`other_engines`), so
    one offline run with espeak does not make the next Edge run cast everyone anew.
    """
    target = Path(path)
    kept: dict[str, dict[str, Voice]] = {}
    if target.is_file():
        try:
            kept = _voices_by_engine(_read_yaml(target), target)
        except ConfigError:
            kept = {}  # a damaged file is replaced by a good one
    kept.pop(cast.narrator.engine, None)
    data: dict[str, Any] = {
        "narrator": _voice_dict(cast.narrator),
        "unknown": _voice_dict(cast.unknown),
        "threshold": cast.threshold,
        "speakers": {name: _voice_dict(v) for name, v in sorted(cast.speakers.items())},
        "aliases": dict(sorted(cast.aliases.items())),
    }
    if kept:
        data["other_engines"] = {
            engine: {name: _voice_dict(v) for name, v in sorted(voices.items())}
            for engine, voices in sorted(kept.items())
        }
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 4096
    with replacing(target) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        handle.write(
            "# The voices of the last render, kept so characters sound the same next time.\n"
            "# Delete a speaker's line to let it be cast again; set voices in voices.yaml.\n"
        )
        yaml.dump(data, handle)


def read_cast(path: Path | str) -> Cast:
    """The whole cast `save_cast` wrote."""
    data = _read_yaml(path)
    speakers = data.get("speakers") or {}
    aliases = data.get("aliases") or {}
    if not isinstance(speakers, dict) or not isinstance(aliases, dict):
        raise ConfigError(f"{path}: 'speakers' and 'aliases' must be mappings; {_DELETE_HINT}")
    threshold = data.get("threshold", Cast.threshold)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise ConfigError(f"{path}: threshold must be a number; {_DELETE_HINT}")
    return Cast(
        narrator=_voice_from(data.get("narrator"), path, "narrator"),
        unknown=_voice_from(data.get("unknown"), path, "unknown"),
        speakers={str(n): _voice_from(v, path, f"speakers.{n}") for n, v in speakers.items()},
        aliases={str(a): str(n) for a, n in aliases.items()},
        threshold=float(threshold),
    )


def load_cast(path: Path | str, engine: str | None = None) -> dict[str, Voice]:
    """The characters' voices from a saved cast: `previous` for `build_cast`.

    With `engine`, the voices they last had with that engine (also after a run with
    another); without, those of the last run.
    """
    data = _read_yaml(path)
    if engine is not None:
        return _voices_by_engine(data, path).get(engine, {})
    return _speakers(data.get("speakers"), path, "speakers")


def _speakers(value: Any, path: Path | str, key: str) -> dict[str, Voice]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: '{key}' must be a mapping; {_DELETE_HINT}")
    return {str(n): _voice_from(v, path, f"{key}.{n}") for n, v in value.items()}


def _voices_by_engine(data: Mapping[str, Any], path: Path | str) -> dict[str, dict[str, Voice]]:
    out: dict[str, dict[str, Voice]] = {}
    others = data.get("other_engines") or {}
    if not isinstance(others, dict):
        raise ConfigError(f"{path}: 'other_engines' must be a mapping; {_DELETE_HINT}")
    for engine, voices in others.items():
        out[str(engine)] = _speakers(voices, path, f"other_engines.{engine}")
    for name, voice in _speakers(data.get("speakers"), path, "speakers").items():
        out.setdefault(voice.engine, {})[name] = voice
    return out


_DELETE_HINT = "delete the file to cast again"


def _voice_dict(voice: Voice) -> dict[str, str]:
    return {
        "engine": voice.engine,
        "name": voice.name,
        "rate": voice.rate,
        "pitch": voice.pitch,
        "volume": voice.volume,
    }


def _read_yaml(path: Path | str) -> dict[str, Any]:
    try:
        text = read_capped(path, VOICES_LIMIT).decode("utf-8")
    except TooLarge:
        raise ConfigError(
            f"{path}: the saved cast is larger than {size_text(VOICES_LIMIT)}; {_DELETE_HINT}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the saved cast ({exc}); {_DELETE_HINT}") from None
    yaml = YAML(typ="safe", pure=True)
    yaml.Composer = DepthLimitedComposer
    try:
        data = yaml.load(text)
    except TooDeep as exc:
        raise ConfigError(f"{path}:{exc.line}: nested too deep; {_DELETE_HINT}") from None
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{line}: not valid YAML; {_DELETE_HINT}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level; {_DELETE_HINT}")
    return data


def _voice_from(value: Any, path: Path | str, key: str) -> Voice:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise ConfigError(f"{path}: {key} needs a voice 'name'; {_DELETE_HINT}")
    voice = Voice(
        engine=str(value.get("engine") or registry.preferred().name),
        name=value["name"],
        rate=str(value.get("rate", "+0%")),
        pitch=str(value.get("pitch", "+0Hz")),
        volume=str(value.get("volume", "+0%")),
    )
    try:
        Prosody.of(voice)
    except ConfigError:
        raise ConfigError(
            f'{path}: {key} has a malformed rate, pitch or volume; write "+5%" / "-2Hz" '
            f"or {_DELETE_HINT}"
        ) from None
    return voice
