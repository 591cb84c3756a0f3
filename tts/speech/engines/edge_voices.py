"""Edge's voice list without the Edge client: the list shipped with the package, the one last
fetched into the cache, and close-name suggestions.

Casting and `voices.yaml` checks need only these names and genders; keeping them apart from
`tts.speech.engines.edge` spares `audiobook script` and `cast` the import of aiohttp and edge-tts
(about a third of a second), which only synthesis needs.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from tts.atomic import write_text
from tts.errors import AudiobookError
from tts.model import EngineInfo, VoiceInfo

VOICE_LIST_FILE = "edge-voices.json"

ENGINE = EngineInfo(
    name="edge",
    label="Edge",
    engine="tts.speech.engines.edge:EdgeEngine",
    catalog="tts.speech.engines.edge_voices:known_voices",
    check_voice="tts.speech.engines.edge_voices:check_voice",
    voice_key="voice",
    key_synonyms=("edge",),
    voice_form=re.compile(r"^[a-z]{2,3}-[A-Z]{2}(?:-[a-z]+)?-[A-Za-z]+Neural$"),
    narrators={
        "zh-CN": "zh-CN-YunyangNeural",
        "zh-TW": "zh-TW-YunJheNeural",
        "zh-HK": "zh-HK-WanLungNeural",
        "en-US": "en-US-AndrewNeural",
        "en-GB": "en-GB-RyanNeural",
    },
    narrators_by_gender={
        "female": {
            "zh-CN": "zh-CN-XiaoxiaoNeural",
            "zh-TW": "zh-TW-HsiaoChenNeural",
            "zh-HK": "zh-HK-HiuMaanNeural",
            "en-US": "en-US-AvaNeural",
            "en-GB": "en-GB-SoniaNeural",
        }
    },
    online=True,
    child_voices=frozenset(
        {"zh-CN-YunxiaNeural", "zh-CN-XiaoyouNeural", "en-US-AnaNeural", "en-GB-MaisieNeural"}
    ),
)
"""Microsoft Edge's online neural voices. Short names look like `zh-CN-YunxiNeural` or
`zh-CN-liaoning-XiaobeiNeural`; the narrators are calm male reading voices (Yunyang is a
newsreader), and for a book a woman tells in the first person, women's voices that read as
evenly (Xiaoxiao; Ava, Andrew's counterpart)."""


def voice_info(entry: Mapping[str, Any]) -> VoiceInfo:
    """One entry of the service's voice list as a VoiceInfo."""
    return VoiceInfo(
        engine="edge",
        name=str(entry["ShortName"]),
        locale=str(entry["Locale"]),
        gender=str(entry.get("Gender", "")),
        description=str(entry.get("FriendlyName", "")),
    )


def parse_voice_list(data: Any, source: str) -> list[VoiceInfo]:
    """The JSON voice list (as the service returns it) as VoiceInfo, sorted by name."""
    if not isinstance(data, list):
        raise ValueError(f"{source}: expected a JSON array of voices")
    try:
        voices = [voice_info(entry) for entry in data]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{source}: a voice entry lacks {exc}") from None
    return sorted(voices, key=lambda v: v.name)


def shipped_voices() -> list[VoiceInfo]:
    """The voice list shipped with the package: no network, for validation and tests."""
    text = (resources.files("tts") / "data" / VOICE_LIST_FILE).read_text(encoding="utf-8")
    return parse_voice_list(json.loads(text), f"tts/data/{VOICE_LIST_FILE}")


def cached_voices(cache_dir: str | os.PathLike[str]) -> list[VoiceInfo] | None:
    """The voice list last fetched into `cache_dir`, or None when there is none (or it is bad)."""
    path = Path(cache_dir) / VOICE_LIST_FILE
    try:
        return parse_voice_list(json.loads(path.read_text(encoding="utf-8")), str(path))
    except (OSError, ValueError):
        return None


def known_voices(cache_dir: str | os.PathLike[str] | None = None) -> list[VoiceInfo]:
    """The best list at hand without the network: the cached one, else the shipped one."""
    cached = cached_voices(cache_dir) if cache_dir is not None else None
    return cached if cached is not None else shipped_voices()


def save_voice_list(cache_dir: str | os.PathLike[str], data: list[Any]) -> bool:
    """Write the list atomically: a reader never sees half a file. The list is only a copy
    kept for offline use, so a cache that cannot be written (read-only, full) keeps the one
    it has and nothing fails: returns whether it was written."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    try:
        write_text(Path(cache_dir) / VOICE_LIST_FILE, text, fix="choose another --cache-dir")
    except AudiobookError:
        return False
    return True


def closest_voices(name: str, voices: Iterable[VoiceInfo], n: int = 3) -> list[str]:
    """Voice names that look most like `name`, same locale first."""
    names = [v.name for v in voices]
    locale = name.rsplit("-", 1)[0]
    same = [v for v in names if v.startswith(locale + "-")]
    found = difflib.get_close_matches(name, same, n=n, cutoff=0.3)
    found += [v for v in difflib.get_close_matches(name, names, n=n, cutoff=0.5) if v not in found]
    return found[:n]


def closest_voice(name: str, names: Sequence[str]) -> str | None:
    """The voice a mistyped name most likely means, comparing the part after the locale."""
    lowered = {n.lower(): n for n in names}
    if name.lower() in lowered:
        return lowered[name.lower()]
    locale = "-".join(name.split("-")[:2])
    same = [n for n in names if n.startswith(locale + "-")] or list(names)

    def core(voice: str) -> str:
        return voice.rsplit("-", 1)[-1].removesuffix("Neural").lower()

    cores: dict[str, str] = {}
    for n in same:
        cores.setdefault(core(n), n)
    target = core(name)

    def likeness(candidate: str) -> tuple[float, int]:
        ratio = difflib.SequenceMatcher(None, target, candidate).ratio()
        return ratio, len(os.path.commonprefix([target, candidate]))

    best = max(cores, key=likeness, default=None)
    return cores[best] if best is not None and likeness(best)[0] >= 0.5 else None


VOICES_HINT = "run 'audiobook voices{locale}' to list voices"


def check_voice(
    name: str, path: str, locale: str | None, known: Collection[str] | None
) -> str | None:
    """What is wrong with an Edge voice name given at `path` in voices.yaml (None if nothing):
    not one of `known` (with the likeliest meant), or, with no list, not an Edge short name.
    `locale` picks the voices the hint lists."""
    is_edge_form = bool(ENGINE.voice_form.match(name)) or (known is not None and name in known)
    if known is None:
        if is_edge_form:
            return None
        # 'en-US-Emma': the locale and the name, without the 'Neural' every Edge name ends in
        guess = name + "Neural" if ENGINE.voice_form.match(name + "Neural") else None
        mean = f"did you mean {guess}? " if guess else ""
        hint = VOICES_HINT.format(locale=f" --locale {locale}" if locale else "")
        return f"unknown voice '{name}' for {path}; {mean}{hint}"
    if name in known:
        return None
    guess = closest_voice(name, sorted(known))
    voice_locale = "-".join((guess or name).split("-")[:2]) if guess or is_edge_form else locale
    hint = VOICES_HINT.format(locale=f" --locale {voice_locale}" if voice_locale else "")
    mean = f"did you mean {guess}? " if guess else ""
    return f"unknown voice '{name}' for {path}; {mean}{hint}"


__all__ = [
    "check_voice",
    "closest_voice",
    "ENGINE",
    "VOICE_LIST_FILE",
    "cached_voices",
    "closest_voices",
    "known_voices",
    "parse_voice_list",
    "save_voice_list",
    "shipped_voices",
    "voice_info",
]
