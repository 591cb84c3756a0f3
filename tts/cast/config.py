"""voices.yaml, the user's cast file: its format and rules, checked into a `VoicesConfig`
before any synthesis.

Every key is optional; an empty file (or none at all) means "cast everything
automatically". The whole format::

    engine: auto              # auto | edge | espeak (auto: Edge when online, else espeak)
    language: zh-CN           # locale of the built-in voices: zh-CN, zh-TW, zh-HK, en-US,
                              # en-GB (zh-Hans, zh-Hant and en also work); default: the
                              # book's own (Simplified -> zh-CN, Traditional -> zh-TW, English
                              # -> en-US)
    narrator:                 # who reads everything that is not dialogue
      voice: zh-CN-YunyangNeural   # Edge voice ('audiobook voices --locale zh-CN' lists them)
      espeak: cmn                  # offline voice, used when the engine is espeak
      rate: "+0%"                  # speed, a signed percentage
      pitch: "+0Hz"                # a signed number of hertz
      volume: "+0%"                # a signed percentage
      first_person: narrator       # in a book told in the first person, the narrator's own
                                   # lines ("I said"): narrator (this voice reads them, as
                                   # one storyteller would) or own (a voice of their own)
    unknown:                  # dialogue whose speaker is unknown or doubtful
      rate: "-5%"             # same keys as narrator; without a voice it is the narrator's
                              # voice, pitched 10 Hz lower
    threshold: 0.4            # attributions less sure than this (0..1) go to `unknown`
    pauses:                   # seconds of silence, 0..10
      sentence: 0.25          # between lines of one speaker
      speaker: 0.45           # where the speaker changes within a paragraph
      paragraph: 0.6
      heading: 1.2            # after a chapter heading
      scene: 1.8              # at a scene break ('......', '***')
      chapter: 2.5            # between chapters
    defaults:                 # replace built-in choices for one locale (a shared file)
      zh-TW:
        narrator: zh-TW-HsiaoChenNeural    # a voice name, or a mapping like `narrator:`
        unknown: {pitch: "-10Hz"}
        pool: [zh-TW-YunJheNeural, zh-CN-YunxiNeural]   # voices auto-casting may use
        borrow: none          # locales whose voices characters may get when this one's run
                              # out: [zh-CN] (the built-in choice), or none (reuse this
                              # locale's voices at other pitches instead)
    not_characters: [Later, Nay]   # words the attribution took for speakers: their lines
                              # go to the unknown voice
    pronounce:                # say a word differently (only what is spoken: subtitles and
      重庆: 崇庆              # the script keep the text); the longest match wins
      Dr.: Doctor
    speakers:                 # characters, by the name the book uses most
      祁同偉:
        aliases: [祁省長, 祁副省長]  # other names for the same person
        gender: male          # male | female (男/女 and M/F also work)
        voice: zh-CN-YunxiNeural
        espeak: cmn+m3        # an espeak language with a +variant (m1..m8, f1..f5)
        rate: "+5%"
        pitch: "-2Hz"
        volume: "+0%"
      王主任: zh-CN-YunjianNeural   # shorthand: just the voice
      高小琴:                        # listed with no voice: cast automatically
        gender: female

Rules worth knowing:

- A listed speaker without a voice for the engine in use is cast automatically, by
  gender, like the characters the book reveals on its own.
- `aliases` is a list; a single alias may be written bare (`aliases: 祁省長`).
- Prosody is written the way Edge takes it: `"+10%"`, `"-2Hz"` (YAML reads `+10%` as text,
  but `10` as a number, so write the sign and unit).
- A first-person narrator (the "I" of the book, named as the others address them) speaks
  with the narrator's voice, rate and pitch unless `narrator.first_person` is `own`, or
  voices.yaml gives that character a voice under `speakers` (by name or alias). Where that
  narrator's gender is known and no `narrator` voice is named, the built-in narrator is a
  voice of their gender (a woman telling her story is read by a woman).
- The top-level `narrator` and `unknown` win over `defaults.<locale>`, which win over
  the built-in voices.
- Lines attributed to an alias are the character's (`aliases`); lines attributed to a name
  under `not_characters` are nobody's: the unknown voice reads them.

`load_config` reports every mistake at once, each as
`voices.yaml:LINE: <what> for <key path>; <fix>`: `VoicesConfigError.problems` holds them
in file order, and the CLI prints each on a line of its own.

Reading YAML nodes with their lines is `tts.cast.yamlnodes`; adding characters to a
voices.yaml is `tts.cast.writer`. All this module knows about particular engines is in its
engines section.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tts import registry
from tts.cast.yamlnodes import NodeReader, describe, line_of, scalar
from tts.errors import ConfigError
from tts.model import (
    Cast,
    Character,
    EngineInfo,
    Gender,
    Pauses,
    ProsodyKey,
    VoiceInfo,
    parse_prosody,
)
from tts.read.limits import VOICES_LIMIT, TooLarge, read_capped, short, size_text
from tts.text import suggest

# --- engines ---------------------------------------------------------------------
# What voices.yaml knows of engines comes from `tts.registry`: the values of `engine:`, the
# key that names each engine's voice, the form of its voice names and the check of a name
# given under its key. Nothing here names an engine.

VoiceLists = Callable[[str], Iterable[VoiceInfo] | None]
"""Engine name -> the voices names are checked against (None: check the form only)."""


def engine_keys() -> dict[str, str]:
    """Engine -> the key that names its voice in a voice setting (`voice:`, `espeak:`)."""
    return {info.name: info.voice_key for info in registry.infos()}


def voice_key(engine: str) -> str:
    """The key that names a voice of `engine`."""
    return registry.info(engine).voice_key


def _key_for(name: str) -> str:
    """The key a voice name given bare (`narrator: cmn`) belongs under."""
    return voice_key(registry.engine_of(name))


def _an(word: str) -> str:
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


@dataclass(frozen=True)
class _VoiceNames:
    """The voices each engine offers, which names given under a voice key are checked against."""

    known: Mapping[str, frozenset[str] | None]
    """Engine -> its voice names; None: check the form only."""

    def problem(self, name: str, key: str, path: str, locale: str | None, move: bool) -> str | None:
        """What is wrong with `name` given under `key` at `path` (None if nothing); `locale`
        picks the voices the hint lists, `move` says the fix is moving it to the other key."""
        engine = next(info for info in registry.infos() if info.voice_key == key)
        owner = self.owner(name, engine)
        if owner is not None:
            parent = path.rsplit(".", 1)[0]
            example = next(iter(engine.narrators.values()))
            where = (
                f"move it to '{parent}.{owner.voice_key}'"
                if move
                else f"use {_an(engine.label)} voice such as {example}"
            )
            return (
                f"'{short(name)}' is {_an(owner.label)} voice, not {_an(engine.label)} voice, "
                f"for {path}; {where}"
            )
        check: Callable[..., str | None] = registry.load(engine.check_voice)
        problem = check(name, path, locale, self.known.get(engine.name))
        return problem.replace(name, short(name)) if problem else None  # the engine quotes it

    def owner(self, name: str, engine: EngineInfo) -> EngineInfo | None:
        """Another engine whose voice `name` plainly is (its form, or its list, says so)."""
        if engine.voice_form.match(name):
            return None
        for other in registry.infos():
            if other.name == engine.name:
                continue
            names = self.known.get(other.name)
            if other.voice_form.match(name) or (names is not None and name in names):
                return other
        return None


# --- the schema ------------------------------------------------------------------

LOCALES = ("zh-CN", "zh-TW", "zh-HK", "en-US", "en-GB")
_LOCALE_NAMES = {
    **{loc.lower(): loc for loc in LOCALES},
    "zh-hans": "zh-CN",
    "zh-hant": "zh-TW",
    "zh": "zh-CN",
    "en": "en-US",
}
_GENDER_WORDS: dict[str, Gender] = {
    "male": "male",
    "m": "male",
    "男": "male",
    "男性": "male",
    "female": "female",
    "f": "female",
    "女": "female",
    "女性": "female",
}

_LOCALE_DEFAULT_KEYS = ("narrator", "unknown", "pool", "borrow")
_TOP_KEYS = (
    "engine",
    "language",
    "narrator",
    "unknown",
    "threshold",
    "pauses",
    "defaults",
    "speakers",
    "not_characters",
    "pronounce",
)
_PAUSE_KEYS = tuple(f.name for f in fields(Pauses))
_MAX_PAUSE = 10.0
_MAX_NAME = 100
"""The longest name or alias of a speaker: longer than any character's name in a book, short
enough for the patterns the attribution stage builds from the names."""
_MAX_WORD = 100
"""The longest word `pronounce` respells, and the longest way of saying it."""
_MAX_VOICE_NAME = 100
"""Longer than any voice name (Edge's longest are some 35 characters): checked first, as
the engines' spelling hints take time that grows with the name's length squared."""

_SYNONYMS = {
    "alias": "aliases",
    "names": "aliases",
    "nicknames": "aliases",
    "sex": "gender",
    "speed": "rate",
    "tempo": "rate",
    "tone": "pitch",
    "loudness": "volume",
    "characters": "speakers",
    "cast": "speakers",
    "locale": "language",
    "lang": "language",
    "confidence": "threshold",
    "silence": "pauses",
    "silences": "pauses",
    "not_speakers": "not_characters",
    "nobody": "not_characters",
    "ignore": "not_characters",
    "pronunciation": "pronounce",
    "pronunciations": "pronounce",
    "say_as": "pronounce",
}
"""Words people write for a key, and the key they mean (difflib misses these); each engine
adds its own (`EngineInfo.key_synonyms`: 'edge' for 'voice')."""


def _synonyms() -> dict[str, str]:
    engines = {word: info.voice_key for info in registry.infos() for word in info.key_synonyms}
    return {**_SYNONYMS, **engines}


@dataclass(frozen=True)
class VoiceSetting:
    """A voice as voices.yaml gives it: a name per engine and prosody; all optional."""

    names: Mapping[str, str] = field(default_factory=dict)
    """Engine -> the voice it reads with, from the engine's key (`voice:` for Edge,
    `espeak:` for espeak-ng)."""
    rate: str | None = None
    pitch: str | None = None
    volume: str | None = None
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)
    """Engine -> line of its voice name in voices.yaml, for messages about the voice."""
    bare: bool = field(default=False, compare=False)
    """Given as a bare voice name (`王主任: zh-CN-YunjianNeural`), not under a voice key."""

    def name_for(self, engine: str) -> str | None:
        """The voice name this setting gives for `engine`, if any."""
        return self.names.get(engine)

    def prosody(self) -> dict[str, str]:
        """Only the prosody keys the user set, ready for `dataclasses.replace(voice, ...)`."""
        given = {"rate": self.rate, "pitch": self.pitch, "volume": self.volume}
        return {k: v for k, v in given.items() if v is not None}


@dataclass(frozen=True)
class SpeakerSetting:
    """One entry under `speakers:`."""

    name: str
    aliases: tuple[str, ...] = ()
    gender: Gender | None = None
    voice: VoiceSetting = field(default_factory=VoiceSetting)
    line: int = field(default=0, compare=False)
    """Line of the entry in voices.yaml (0 when built in code)."""


@dataclass(frozen=True)
class LocaleDefaults:
    """One entry under `defaults:`: what replaces the built-in choices for a locale."""

    narrator: VoiceSetting | None = None
    unknown: VoiceSetting | None = None
    pool: tuple[str, ...] = ()
    """Voices auto-casting may use, in order of preference (Edge and espeak names mixed)."""
    pool_lines: tuple[int, ...] = field(default=(), compare=False)
    """Line of each name in `pool`."""
    borrow: tuple[str, ...] | None = None
    """Locales whose voices characters may get besides the locale's own, in order; () for
    none; None for the built-in choice (`tts.cast.casting.POOL_LOCALES`)."""


FirstPerson = Literal["narrator", "own"]
"""`narrator.first_person`: who reads the lines of a book's first-person narrator."""


@dataclass(frozen=True)
class VoicesConfig:
    """A checked voices.yaml; `VoicesConfig()` is what an empty file means."""

    source: str = "voices.yaml"
    """The path as the user gave it, for messages."""
    engine: str = "auto"
    language: str | None = None
    """A locale from `LOCALES`, or None for the book's own."""
    narrator: VoiceSetting = field(default_factory=VoiceSetting)
    first_person: FirstPerson = "narrator"
    """Whose voice reads a first-person narrator's lines: the narrator's, or their `own`
    (`narrator.first_person`)."""
    unknown: VoiceSetting = field(default_factory=VoiceSetting)
    threshold: float = Cast.threshold
    pauses: Pauses = field(default_factory=Pauses)
    speakers: Mapping[str, SpeakerSetting] = field(default_factory=dict)
    """Canonical name -> setting, in file order."""
    defaults: Mapping[str, LocaleDefaults] = field(default_factory=dict)
    """Locale -> replacement defaults."""
    not_characters: tuple[str, ...] = ()
    """Names the attribution took for speakers that are nobody: their lines go to `unknown`."""
    pronounce: Mapping[str, str] = field(default_factory=dict)
    """Word -> how to say it: replaced in the text sent to the engine, nowhere else."""


class VoicesConfigError(ConfigError):
    """voices.yaml has mistakes: raised with every one, `problems` lists them in file order."""


# --- reading -------------------------------------------------------------------


def load_config(path: Path | str, *, voices: VoiceLists | None = None) -> VoicesConfig:
    """Read and check a voices.yaml; raise `VoicesConfigError` listing every mistake.

    `voices(engine)` gives the voices names under that engine's key are checked against
    (None: the form only); by default each engine's list at hand, from the registry.
    """
    try:
        text = read_voices_text(path)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such voices file; check the path given to --voices"
        ) from None
    return parse_config(text, source=str(path), voices=voices)


def read_voices_text(path: Path | str) -> str:
    """A voices.yaml's text, read within `VOICES_LIMIT`; ConfigError when it cannot be
    (FileNotFoundError is left to the caller, who knows where the path came from)."""
    try:
        return read_capped(path, VOICES_LIMIT).decode("utf-8-sig")
    except TooLarge:
        raise ConfigError(
            f"{path}: larger than {size_text(VOICES_LIMIT)}, the most a voices file may be "
            "(a cast of 100,000 characters takes 3 MB); check that it is your voices.yaml"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror}); check the path") from None


def parse_config(
    text: str, *, source: str = "voices.yaml", voices: VoiceLists | None = None
) -> VoicesConfig:
    """`load_config` for text already read."""
    lists = voices or registry.known_voices
    known: dict[str, frozenset[str] | None] = {}
    for info in registry.infos():
        found = lists(info.name)
        known[info.name] = None if found is None else frozenset(v.name for v in found) or None
    reader = _Reader(source, _VoiceNames(known))
    config = reader.read(text)
    if reader.problems:
        raise VoicesConfigError(*reader.messages())
    return config


def known_characters(config: VoicesConfig) -> list[Character]:
    """The speakers the user listed, for the attribution stage (names, aliases, gender)."""
    return [
        Character(name=s.name, aliases=s.aliases, gender=s.gender) for s in config.speakers.values()
    ]


_PROSODY_UNITS: tuple[tuple[ProsodyKey, str], ...] = (
    ("rate", "%"),
    ("pitch", "Hz"),
    ("volume", "%"),
)


def _is_prosody(key: ProsodyKey, value: str) -> bool:
    try:
        parse_prosody(key, value)
    except ConfigError:
        return False
    return True


def _long_name(what: str, name: str, path: str) -> str:
    return (
        f"{what} '{short(name)}' in {path} is {len(name):,} characters long; a name may have "
        f"at most {_MAX_NAME}, so write the name the book uses"
    )


def _signed_fix(value: Any, unit: str) -> str:
    """What to write instead of a bad rate/pitch/volume: "+10%" for 10, "-2Hz" for '-2 hz'."""
    match = re.fullmatch(r"\s*([+-]?)\s*(\d+)(?:\.\d+)?\s*(%|hz)?\s*", str(value), re.IGNORECASE)
    number = match.group(2) if match else "10"
    sign = (match.group(1) if match else "") or "+"
    return f'write "{sign}{number}{unit}"'


class _Reader(NodeReader):
    """Walks a voices.yaml's nodes into a `VoicesConfig`, collecting every problem."""

    def __init__(self, source: str, voice_names: _VoiceNames) -> None:
        super().__init__(source, synonyms=_synonyms())
        self.voice_names = voice_names
        self.language: str | None = None
        self.voice_setting_keys = (*engine_keys().values(), *(key for key, _ in _PROSODY_UNITS))
        """The keys a voice setting may have: each engine's voice key, then the prosody."""

    # -- structure --

    def read(self, text: str) -> VoicesConfig:
        root = self.compose(text)
        if root is None:
            return VoicesConfig(source=self.source)
        if not isinstance(root, MappingNode):
            self.problem(
                line_of(root),
                f"expected settings ('key: value' lines) at the top level, found "
                f"{describe(root)}; start the file with keys such as 'narrator:' or 'speakers:'",
            )
            return VoicesConfig(source=self.source)

        top = self.mapping(root, "", _TOP_KEYS)
        # the language first: voice-name hints use it
        if "language" in top:
            self.language = self.locale(top["language"], "language")
        config = VoicesConfig(source=self.source, language=self.language)
        if "engine" in top:
            config = replace(config, engine=self.engine(top["engine"]))
        if "narrator" in top:
            narrator, first_person = self.narrator(top["narrator"])
            config = replace(config, narrator=narrator, first_person=first_person)
        if "unknown" in top:
            config = replace(config, unknown=self.voice_setting(top["unknown"], "unknown"))
        if "threshold" in top:
            config = replace(config, threshold=self.threshold(top["threshold"]))
        if "pauses" in top:
            config = replace(config, pauses=self.pauses(top["pauses"]))
        if "defaults" in top:
            config = replace(config, defaults=self.defaults(top["defaults"]))
        if "speakers" in top:
            config = replace(config, speakers=self.speakers(top["speakers"]))
        if "not_characters" in top:
            nobody = self.not_characters(top["not_characters"], config.speakers)
            config = replace(config, not_characters=nobody)
        if "pronounce" in top:
            config = replace(config, pronounce=self.pronounce(top["pronounce"]))
        return config

    # -- top-level keys --

    def narrator(self, node: Node) -> tuple[VoiceSetting, FirstPerson]:
        """The top-level `narrator`: its voice, and whose voice reads a first-person
        narrator's lines (`first_person`)."""
        if not isinstance(node, MappingNode):
            return self.voice_setting(node, "narrator"), "narrator"
        keys = self.mapping(node, "narrator", (*self.voice_setting_keys, "first_person"))
        first_person: FirstPerson = "narrator"
        if "first_person" in keys:
            first_person = self.first_person(keys.pop("first_person"))
        return self.voice_keys(keys, "narrator", None), first_person

    def first_person(self, node: Node) -> FirstPerson:
        path = "narrator.first_person"
        value = self.text(node, path, "narrator or own")
        if value is None:
            return "narrator"
        if value.lower() in ("narrator", "own"):
            return "own" if value.lower() == "own" else "narrator"
        self.problem(
            line_of(node),
            f"unknown choice '{short(value)}' for {path}; write narrator (the narrator's voice "
            "reads the first-person narrator's lines) or own (a voice of their own)",
        )
        return "narrator"

    def locale(self, node: Node, path: str) -> str | None:
        value = self.text(node, path, "a locale such as zh-CN")
        if value is None:
            return None
        locale = _LOCALE_NAMES.get(value.lower())
        if locale is None:
            guess = suggest(value, LOCALES)
            hint = f"did you mean {guess}? " if guess else ""
            self.problem(
                line_of(node),
                f"unknown language '{short(value)}' for {path}; {hint}choose one of: "
                + ", ".join(LOCALES),
            )
        return locale

    def engine(self, node: Node) -> str:
        choices = registry.choices()
        value = self.text(node, "engine", ", ".join(choices[:-1]) + " or " + choices[-1])
        if value is None:
            return registry.AUTO
        if value.lower() not in choices:
            self.problem(
                line_of(node),
                f"unknown engine '{short(value)}' for engine; choose one of: " + ", ".join(choices),
            )
            return registry.AUTO
        return value.lower()

    def threshold(self, node: Node) -> float:
        value = self.number(node, "threshold", 0, 1, "0.5")
        if value is None:
            return Cast.threshold
        if not 0 <= value <= 1:
            self.problem(
                line_of(node),
                f"threshold {short(node.value)} is outside 0..1 for threshold; write a number "
                "such as "
                "0.5 (lower lets more guessed lines speak in a character's voice)",
            )
            return Cast.threshold
        return value

    def pauses(self, node: Node) -> Pauses:
        mapping = self.expect_mapping(
            node, "pauses", "write one 'name: seconds' line per pause, such as 'chapter: 2.5'"
        )
        if mapping is None:
            return Pauses()
        given: dict[str, float] = {}
        for key, value_node in self.mapping(mapping, "pauses", _PAUSE_KEYS).items():
            path = f"pauses.{key}"
            seconds = self.number(value_node, path, 0, _MAX_PAUSE, "0.6")
            if seconds is None:
                continue
            if not 0 <= seconds <= _MAX_PAUSE:
                why = "negative" if seconds < 0 else f"longer than {_MAX_PAUSE:g} s"
                self.problem(
                    line_of(value_node),
                    f"pause of {short(value_node.value)} s for {path} is {why}; write seconds "
                    "from 0 "
                    f"to {_MAX_PAUSE:g}, such as {getattr(Pauses(), key):g}",
                )
                continue
            given[key] = seconds
        return Pauses(**given)

    def defaults(self, node: Node) -> dict[str, LocaleDefaults]:
        mapping = self.expect_mapping(
            node, "defaults", "write one locale per line, such as 'zh-TW:', with its settings"
        )
        if mapping is None:
            return {}
        out: dict[str, LocaleDefaults] = {}
        key_lines = {str(k.value).strip(): line_of(k) for k, _ in mapping.value}
        for key, value_node in self.mapping(mapping, "defaults", None, entry="locale").items():
            locale = _LOCALE_NAMES.get(key.lower())
            if locale is None:
                guess = suggest(key, LOCALES)
                hint = f"did you mean {guess}? " if guess else ""
                self.problem(
                    key_lines.get(key, line_of(value_node)),
                    f"unknown locale '{key}' in defaults; {hint}choose one of: "
                    + ", ".join(LOCALES),
                )
                continue
            path = f"defaults.{key}"
            entry = self.expect_mapping(
                value_node, path, "give 'narrator:', 'unknown:' or 'pool:' below it"
            )
            if entry is None:
                continue
            keys = self.mapping(entry, path, _LOCALE_DEFAULT_KEYS)
            narrator = (
                self.voice_setting(keys["narrator"], f"{path}.narrator", locale)
                if "narrator" in keys
                else None
            )
            unknown = (
                self.voice_setting(keys["unknown"], f"{path}.unknown", locale)
                if "unknown" in keys
                else None
            )
            pool, pool_lines = (
                self.pool(keys["pool"], f"{path}.pool", locale) if "pool" in keys else ((), ())
            )
            borrow = (
                self.borrow(keys["borrow"], f"{path}.borrow", locale) if "borrow" in keys else None
            )
            out[locale] = LocaleDefaults(
                narrator=narrator,
                unknown=unknown,
                pool=pool,
                pool_lines=pool_lines,
                borrow=borrow,
            )
        return out

    def pool(self, node: Node, path: str, locale: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """The voices of a `pool:` list, and the line of each."""
        if not isinstance(node, SequenceNode):
            self.problem(
                line_of(node),
                f"expected a list of voices for {path}, found {describe(node)}; "
                "write [zh-CN-YunxiNeural, zh-CN-XiaoxiaoNeural]",
            )
            return (), ()
        names: list[str] = []
        lines: list[int] = []
        for i, item in enumerate(node.value):
            name = self.text(item, f"{path}[{i}]", "a voice name")
            if name is None:
                continue
            if self.voice_name(item, name, _key_for(name), f"{path}[{i}]", locale, move=False):
                names.append(name)
                lines.append(line_of(item))
        return tuple(names), tuple(lines)

    def borrow(self, node: Node, path: str, locale: str) -> tuple[str, ...] | None:
        """The locales of a `borrow:` setting: a list, one locale, or none ([] too)."""
        fix = f"write a list of locales such as [zh-CN], or none to keep to {locale}'s voices"
        if isinstance(node, ScalarNode):
            value = scalar(node)
            if isinstance(value, str) and value.strip().lower() in ("none", "no", "nothing"):
                return ()
            if value is False:
                return ()
            if not isinstance(value, str) or not value.strip():
                self.problem(
                    line_of(node), f"expected locales for {path}, found {describe(node)}; {fix}"
                )
                return None
            items: list[Node] = [node]
        elif isinstance(node, SequenceNode):
            items = list(node.value)
        else:
            self.problem(
                line_of(node), f"expected locales for {path}, found {describe(node)}; {fix}"
            )
            return None
        found: list[str] = []
        for i, item in enumerate(items):
            where = path if isinstance(node, ScalarNode) else f"{path}[{i}]"
            other = self.locale(item, where)
            if other is None:
                continue
            if other == locale:
                self.problem(
                    line_of(item),
                    f"{where} names {locale} itself, whose voices come first anyway; {fix}",
                )
                continue
            if other not in found:
                found.append(other)
        return tuple(found)

    # -- voices --

    def voice_setting(self, node: Node, path: str, locale: str | None = None) -> VoiceSetting:
        """A voice mapping, or the shorthand of a bare voice name (Edge or espeak)."""
        if isinstance(node, ScalarNode):
            value = scalar(node)
            if value is None:
                return VoiceSetting()
            if isinstance(value, str) and value.strip():
                name = value.strip()
                engine = registry.engine_of(name)
                ok = self.voice_name(node, name, voice_key(engine), path, locale, move=False)
                if not ok:
                    return VoiceSetting()
                return VoiceSetting({engine: name}, lines={engine: line_of(node)}, bare=True)
        if not isinstance(node, MappingNode):
            self.problem(
                line_of(node),
                f"expected a voice name or a mapping for {path}, found {describe(node)}; "
                "write 'voice: zh-CN-YunxiNeural' below it",
            )
            return VoiceSetting()
        return self.voice_keys(self.mapping(node, path, self.voice_setting_keys), path, locale)

    def voice_keys(self, keys: Mapping[str, Node], path: str, locale: str | None) -> VoiceSetting:
        names: dict[str, str] = {}
        lines: dict[str, int] = {}
        found: dict[str, str] = {}
        for engine, key in engine_keys().items():
            if key in keys:
                name = self.text(keys[key], f"{path}.{key}", "a voice name")
                if name and self.voice_name(keys[key], name, key, f"{path}.{key}", locale):
                    names[engine] = name
                    lines[engine] = line_of(keys[key])
        for key, unit in _PROSODY_UNITS:
            if key not in keys:
                continue
            node = keys[key]
            value = scalar(node) if isinstance(node, ScalarNode) else None
            if isinstance(value, str) and _is_prosody(key, value.strip()):
                found[key] = value.strip()
                continue
            shown = short(node.value) if isinstance(node, ScalarNode) else describe(node)
            kind = "a signed percentage" if unit == "%" else "a signed number of hertz"
            self.problem(
                line_of(node),
                f"{key} '{shown}' for {path}.{key} is not {kind}; {_signed_fix(shown, unit)}",
            )
        return VoiceSetting(
            names,
            rate=found.get("rate"),
            pitch=found.get("pitch"),
            volume=found.get("volume"),
            lines=lines,
        )

    def voice_name(
        self, node: Node, name: str, key: str, path: str, locale: str | None, move: bool = True
    ) -> bool:
        """Check a name given under a voice key (`voice:`, `espeak:`); report and return False
        if bad. `move` False: it was given bare, so the fix is not moving it to another key."""
        if len(name) > _MAX_VOICE_NAME:  # no voice is named so; spare the engine's hints
            self.problem(
                line_of(node),
                f"voice name '{short(name)}' for {path} is {len(name):,} characters long; "
                "write a voice name such as zh-CN-YunxiNeural or cmn+m3",
            )
            return False
        problem = self.voice_names.problem(name, key, path, locale or self.language, move)
        if problem is None:
            return True
        self.problem(line_of(node), problem)
        return False

    # -- speakers --

    def speakers(self, node: Node) -> dict[str, SpeakerSetting]:
        mapping = self.expect_mapping(
            node,
            "speakers",
            "write each speaker as 'name:' with its settings indented below it",
        )
        if mapping is None:
            return {}
        out: dict[str, SpeakerSetting] = {}
        alias_lines: dict[str, int] = {}
        key_lines = {
            str(k.value).strip(): line_of(k) for k, _ in mapping.value if isinstance(k, ScalarNode)
        }
        for name, value_node in self.mapping(
            mapping, "speakers", None, entry="speaker", merge=True
        ).items():
            path = f"speakers.{short(name)}"
            line = key_lines.get(name, line_of(value_node))
            if len(name) > _MAX_NAME:
                self.problem(line, _long_name("speaker name", name, "speakers"))
                continue
            if isinstance(value_node, MappingNode):
                allowed = ("aliases", "gender", *self.voice_setting_keys)
                keys = self.mapping(value_node, path, allowed)
                aliases = (
                    self.aliases(keys["aliases"], f"{path}.aliases", name, alias_lines)
                    if "aliases" in keys
                    else ()
                )
                gender = self.gender(keys["gender"], f"{path}.gender") if "gender" in keys else None
                voice = self.voice_keys(keys, path, None)
            else:
                aliases, gender = (), None
                voice = self.voice_setting(value_node, path)
            out[name] = SpeakerSetting(name, aliases, gender, voice, line=line)
        self.cross_check(out, alias_lines)
        return out

    def aliases(
        self, node: Node, path: str, name: str, alias_lines: dict[str, int]
    ) -> tuple[str, ...]:
        items: list[tuple[Node, Any]]
        if isinstance(node, SequenceNode):
            items = [
                (item, scalar(item) if isinstance(item, ScalarNode) else None)
                for item in node.value
            ]
        elif isinstance(node, ScalarNode) and isinstance(scalar(node), str):
            value = scalar(node).strip()
            parts = [p.strip() for p in re.split(r"[,，、;；]", value) if p.strip()]
            if len(parts) > 1:
                self.problem(
                    line_of(node),
                    f"aliases '{short(value)}' for {path} is one text, not a list; write a "
                    f"list: [{short(', '.join(parts))}]",
                )
                return ()
            items = [(node, value)]
        elif isinstance(node, ScalarNode) and scalar(node) is None:
            return ()
        else:
            self.problem(
                line_of(node),
                f"expected a list of names for {path}, found {describe(node)}; "
                "write a list such as [祁省長, 祁副省長]",
            )
            return ()
        out: list[str] = []
        for i, (item, value) in enumerate(items):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(item.value)
            if not isinstance(value, str) or not value.strip():
                self.problem(
                    line_of(item),
                    f"expected a name for {path}[{i}], found {describe(item)}; "
                    "write each alias as text",
                )
                continue
            alias = value.strip()
            if len(alias) > _MAX_NAME:
                self.problem(line_of(item), _long_name("alias", alias, path))
                continue
            if alias != name and alias not in out:
                out.append(alias)
                alias_lines.setdefault(f"{name}\0{alias}", line_of(item))
        return tuple(out)

    def gender(self, node: Node, path: str) -> Gender | None:
        value = scalar(node) if isinstance(node, ScalarNode) else None
        if value is None and isinstance(node, ScalarNode):
            return None
        gender = _GENDER_WORDS.get(str(value).strip().lower()) if isinstance(value, str) else None
        if gender is None:
            shown = short(node.value) if isinstance(node, ScalarNode) else describe(node)
            self.problem(
                line_of(node),
                f"gender '{shown}' for {path} is not male or female; write male or female "
                "(男/女 and M/F also work), or leave it out to let the book tell",
            )
        return gender

    def cross_check(
        self, speakers: Mapping[str, SpeakerSetting], alias_lines: Mapping[str, int]
    ) -> None:
        """Every name and alias must point at one speaker only."""
        owner: dict[str, str] = {}
        for name, setting in speakers.items():
            for alias in setting.aliases:
                line = alias_lines.get(f"{name}\0{alias}", setting.line)
                path = f"speakers.{short(name)}.aliases"
                if alias in speakers:
                    self.problem(
                        line,
                        f"alias '{short(alias)}' for {path} is the name of another speaker "
                        f"(line {speakers[alias].line}); remove the alias, or merge the two "
                        "speakers into one entry",
                    )
                elif alias in owner:
                    other = owner[alias]
                    first = alias_lines.get(f"{other}\0{alias}", speakers[other].line)
                    self.problem(
                        line,
                        f"alias '{short(alias)}' for {path} is also an alias of {short(other)} "
                        f"(line {first}); give it to one speaker only",
                    )
                else:
                    owner[alias] = name

    # -- words --

    def not_characters(self, node: Node, speakers: Mapping[str, SpeakerSetting]) -> tuple[str, ...]:
        """The names of `not_characters:`, none of them a speaker's name or alias."""
        path = "not_characters"
        if isinstance(node, ScalarNode) and scalar(node) is None:
            return ()
        items = node.value if isinstance(node, SequenceNode) else [node]
        if not isinstance(node, (SequenceNode, ScalarNode)):
            self.problem(
                line_of(node),
                f"expected a list of names for {path}, found {describe(node)}; "
                "write a list such as [Later, Nay]",
            )
            return ()
        owners = {alias: s for s in speakers.values() for alias in s.aliases}
        found: list[str] = []
        for i, item in enumerate(items):
            where = f"{path}[{i}]" if isinstance(node, SequenceNode) else path
            value = scalar(item) if isinstance(item, ScalarNode) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(item.value)
            if not isinstance(value, str) or not value.strip():
                self.problem(
                    line_of(item),
                    f"expected a name for {where}, found {describe(item)}; write each name as text",
                )
                continue
            name = value.strip()
            if len(name) > _MAX_NAME:
                self.problem(line_of(item), _long_name("name", name, path))
                continue
            listed = speakers.get(name) or owners.get(name)
            if listed is not None:
                self.problem(
                    line_of(item),
                    f"'{short(name)}' in {path} is also a speaker (line {listed.line}); "
                    "remove it from one of the two",
                )
                continue
            if name not in found:
                found.append(name)
        return tuple(found)

    def pronounce(self, node: Node) -> dict[str, str]:
        """The words of `pronounce:` and how to say each."""
        path = "pronounce"
        mapping = self.expect_mapping(
            node, path, "write one 'word: how to say it' line per word, such as '重庆: 崇庆'"
        )
        if mapping is None:
            return {}
        out: dict[str, str] = {}
        for word, value_node in self.mapping(mapping, path, None, entry="word").items():
            where = f"{path}.{short(word)}"
            value = scalar(value_node) if isinstance(value_node, ScalarNode) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value_node.value)
            if not isinstance(value, str) or not value.strip():
                shown = "nothing" if value is None else describe(value_node)
                self.problem(
                    line_of(value_node),
                    f"expected how to say '{short(word)}' for {where}, found {shown}; write "
                    "the word as it should be read, such as '崇庆' for 重庆",
                )
                continue
            said = value.strip()
            too_long = next((w for w in (word, said) if len(w) > _MAX_WORD), None)
            if too_long is not None:
                self.problem(
                    line_of(value_node),
                    f"'{short(too_long)}' for {where} is {len(too_long):,} characters long; a "
                    f"word and its reading may have at most {_MAX_WORD} each",
                )
                continue
            if "\n" in word or "\n" in said:
                self.problem(
                    line_of(value_node),
                    f"'{short(word)}' for {where} spans lines; write one word on one line",
                )
                continue
            out[word] = said
        return out
