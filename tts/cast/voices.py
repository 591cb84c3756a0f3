"""voices.yaml: the user's cast file, read and checked before any synthesis.

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
    unknown:                  # dialogue whose speaker is unknown or doubtful
      rate: "-5%"             # same keys as narrator; without a voice it is the narrator's
                              # voice, pitched 10 Hz lower
    threshold: 0.5            # attributions less sure than this (0..1) go to `unknown`
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
- The top-level `narrator` and `unknown` win over `defaults.<locale>`, which win over
  the built-in voices.

`load_config` reports every mistake at once, each as
`voices.yaml:LINE: <what> for <key path>; <fix>`; the raised error's message is the first
one with a count of the rest, and `VoicesConfigError.problems` holds them all.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from tts.atomic import replacing
from tts.errors import ConfigError
from tts.model import (
    Cast,
    Character,
    Gender,
    Pauses,
    ProsodyKey,
    Voice,
    VoiceInfo,
    parse_prosody,
)
from tts.speech.engines.edge_voices import shipped_voices

ENGINES = ("auto", "edge", "espeak")
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

EDGE_NAME = re.compile(r"^[a-z]{2,3}-[A-Z]{2}(?:-[a-z]+)?-[A-Za-z]+Neural$")
"""An Edge short name: `zh-CN-YunxiNeural`, `zh-CN-liaoning-XiaobeiNeural`."""
ESPEAK_NAME = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]+)*(?:\+[a-z0-9_]+)?$", re.IGNORECASE)
"""An espeak-ng voice: a language (`cmn`, `en-us`) and an optional variant (`+f2`)."""

_VOICE_KEYS = ("voice", "espeak", "rate", "pitch", "volume")
_SPEAKER_KEYS = ("aliases", "gender", *_VOICE_KEYS)
_LOCALE_DEFAULT_KEYS = ("narrator", "unknown", "pool")
_TOP_KEYS = (
    "engine",
    "language",
    "narrator",
    "unknown",
    "threshold",
    "pauses",
    "defaults",
    "speakers",
)
_PAUSE_KEYS = tuple(f.name for f in fields(Pauses))
_MAX_PAUSE = 10.0

_SYNONYMS = {
    "alias": "aliases",
    "names": "aliases",
    "nicknames": "aliases",
    "sex": "gender",
    "speed": "rate",
    "tempo": "rate",
    "tone": "pitch",
    "loudness": "volume",
    "edge": "voice",
    "characters": "speakers",
    "cast": "speakers",
    "locale": "language",
    "lang": "language",
    "confidence": "threshold",
    "silence": "pauses",
    "silences": "pauses",
    "offline": "espeak",
}
"""Words people write for a key, and the key they mean (difflib misses these)."""

VOICES_HINT = "run 'audiobook voices{locale}' to list voices"


@dataclass(frozen=True)
class VoiceSetting:
    """A voice as voices.yaml gives it: a name per engine and prosody; all optional."""

    voice: str | None = None
    """Edge short name."""
    espeak: str | None = None
    """espeak-ng voice, e.g. `cmn+m3`."""
    rate: str | None = None
    pitch: str | None = None
    volume: str | None = None

    def name_for(self, engine: str) -> str | None:
        """The voice name this setting gives for `engine` ('edge' or 'espeak')."""
        return self.espeak if engine == "espeak" else self.voice

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


@dataclass(frozen=True)
class VoicesConfig:
    """A checked voices.yaml; `VoicesConfig()` is what an empty file means."""

    source: str = "voices.yaml"
    """The path as the user gave it, for messages."""
    engine: str = "auto"
    language: str | None = None
    """A locale from `LOCALES`, or None for the book's own."""
    narrator: VoiceSetting = field(default_factory=VoiceSetting)
    unknown: VoiceSetting = field(default_factory=VoiceSetting)
    threshold: float = 0.5
    pauses: Pauses = field(default_factory=Pauses)
    speakers: Mapping[str, SpeakerSetting] = field(default_factory=dict)
    """Canonical name -> setting, in file order."""
    defaults: Mapping[str, LocaleDefaults] = field(default_factory=dict)
    """Locale -> replacement defaults."""


class VoicesConfigError(ConfigError):
    """voices.yaml has mistakes: the message is the first, `problems` lists them all."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        rest = len(self.problems) - 1
        more = f" (and {rest} more problem{'s' if rest > 1 else ''})" if rest else ""
        super().__init__(self.problems[0] + more)


# --- reading -------------------------------------------------------------------


def load_config(
    path: Path | str,
    *,
    edge_voices: Iterable[VoiceInfo] | None = None,
    espeak_voices: Collection[str] | None = None,
) -> VoicesConfig:
    """Read and check a voices.yaml; raise `VoicesConfigError` listing every mistake.

    `edge_voices` are the Edge voices names are checked against (default: the list the
    Edge engine ships); `espeak_voices` the espeak languages (default: check the form only).
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such voices file; check the path given to --voices"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror}); check the path") from None
    return parse_config(
        text, source=str(path), edge_voices=edge_voices, espeak_voices=espeak_voices
    )


def parse_config(
    text: str,
    *,
    source: str = "voices.yaml",
    edge_voices: Iterable[VoiceInfo] | None = None,
    espeak_voices: Collection[str] | None = None,
) -> VoicesConfig:
    """`load_config` for text already read (pure apart from loading the shipped voice list)."""
    if edge_voices is None:
        edge_voices = shipped_voices()
    reader = _Reader(
        source,
        edge_names={v.name for v in edge_voices} or None,
        espeak_names=None if espeak_voices is None else {n.lower() for n in espeak_voices},
    )
    config = reader.read(text)
    if reader.problems:
        ordered = sorted(reader.problems, key=lambda p: p[0])
        raise VoicesConfigError([message for _, message in ordered])
    return config


def known_characters(config: VoicesConfig) -> list[Character]:
    """The speakers the user listed, for the attribution stage (names, aliases, gender)."""
    return [
        Character(name=s.name, aliases=s.aliases, gender=s.gender) for s in config.speakers.values()
    ]


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _tag(node: Node) -> str:
    return str(node.tag).rsplit(":", 1)[-1]


def _scalar(node: ScalarNode) -> Any:
    """The plain Python value of a scalar node (str, int, float, bool or None)."""
    tag, value = _tag(node), str(node.value)
    if tag == "null":
        return None
    if tag == "bool":
        return value.lower() in ("true", "yes", "on")
    if tag in ("int", "float"):
        try:
            number = float(value.replace("_", ""))
        except ValueError:
            return value
        return int(number) if tag == "int" and number.is_integer() else number
    return value


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    value = _scalar(node)  # type: ignore[arg-type]
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{node.value}' (true/false)"
    if isinstance(value, (int, float)):
        return f"the number {node.value}"
    return f"'{value}'"


def _suggest(word: str, choices: Sequence[str]) -> str | None:
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    if _SYNONYMS.get(word.lower()) in choices:
        return _SYNONYMS[word.lower()]
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def _closest_voice(name: str, names: Sequence[str]) -> str | None:
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


def engine_of(name: str) -> str:
    """The engine a voice name belongs to: 'espeak' for an espeak-ng name (cmn, en-us+f2),
    else 'edge' (Edge short names, and anything unrecognised, which the Edge check reports)."""
    return "edge" if EDGE_NAME.match(name) or not ESPEAK_NAME.match(name) else "espeak"


def _key_for(name: str) -> str:
    """The voices.yaml key a bare voice name belongs under."""
    return "espeak" if engine_of(name) == "espeak" else "voice"


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


def _signed_fix(value: Any, unit: str) -> str:
    """What to write instead of a bad rate/pitch/volume: "+10%" for 10, "-2Hz" for '-2 hz'."""
    match = re.fullmatch(r"\s*([+-]?)\s*(\d+)(?:\.\d+)?\s*(%|hz)?\s*", str(value), re.IGNORECASE)
    number = match.group(2) if match else "10"
    sign = (match.group(1) if match else "") or "+"
    return f'write "{sign}{number}{unit}"'


class _Reader:
    """Walks the composed YAML nodes, collecting every problem with its line."""

    def __init__(
        self, source: str, edge_names: set[str] | None, espeak_names: set[str] | None
    ) -> None:
        self.source = source
        self.edge_names = edge_names
        self.espeak_names = espeak_names
        self.problems: list[tuple[int, str]] = []
        self.language: str | None = None

    def problem(self, line: int, message: str) -> None:
        self.problems.append((line, f"{self.source}:{line}: {message}"))

    # -- structure --

    def read(self, text: str) -> VoicesConfig:
        yaml = YAML(typ="rt")
        try:
            root = yaml.compose(text)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = int(mark.line) + 1 if mark is not None else 1
            problem = str(exc.problem or exc.context or "syntax error")
            start = exc.context_mark
            if exc.problem and exc.context and start is not None and start.line + 1 != line:
                problem += f", {exc.context} that starts on line {start.line + 1}"
            fix = (
                "indent with spaces, not tabs"
                if "\\t" in problem or "\t" in problem
                else "check the indentation, colons and quotes on this line and the one above"
            )
            self.problem(line, f"not valid YAML ({problem}); {fix}")
            return VoicesConfig(source=self.source)
        except YAMLError as exc:
            self.problem(1, f"not valid YAML ({exc}); check the file's syntax")
            return VoicesConfig(source=self.source)
        if root is None or (isinstance(root, ScalarNode) and _scalar(root) is None):
            return VoicesConfig(source=self.source)
        if not isinstance(root, MappingNode):
            self.problem(
                _line(root),
                f"expected settings ('key: value' lines) at the top level, found "
                f"{_describe(root)}; start the file with keys such as 'narrator:' or 'speakers:'",
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
            config = replace(config, narrator=self.voice_setting(top["narrator"], "narrator"))
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
        return config

    def mapping(
        self,
        node: MappingNode,
        path: str,
        allowed: Sequence[str] | None,
        *,
        entry: str = "key",
    ) -> dict[str, Node]:
        """Keys -> value nodes; unknown, duplicate and non-text keys are reported and dropped."""
        out: dict[str, Node] = {}
        first_line: dict[str, int] = {}
        where = path or "the top level"
        for key_node, value_node in node.value:
            line = _line(key_node)
            key = _scalar(key_node) if isinstance(key_node, ScalarNode) else None
            if isinstance(key, (int, float)) and not isinstance(key, bool) and allowed is None:
                key = str(key_node.value)
            if not isinstance(key, str) or not key.strip():
                self.problem(
                    line,
                    f"expected a name as the {entry} in {where}, found {_describe(key_node)}; "
                    "write it as plain text",
                )
                continue
            key = key.strip()
            if key in first_line:
                if entry == "speaker":
                    message = (
                        f"speaker '{key}' is listed twice in {where} (first on line "
                        f"{first_line[key]}); merge the two entries into one"
                    )
                else:
                    message = (
                        f"key '{key}' appears twice in {where} (first on line "
                        f"{first_line[key]}); keep one of them"
                    )
                self.problem(line, message)
                continue
            first_line[key] = line
            if allowed is not None and key not in allowed:
                guess = _suggest(key, allowed)
                fix = (
                    f"did you mean '{guess}'?"
                    if guess
                    else "expected one of: " + ", ".join(allowed)
                )
                self.problem(line, f"unknown key '{key}' in {where}; {fix}")
                continue
            out[key] = value_node
        return out

    def expect_mapping(self, node: Node, path: str, fix: str) -> MappingNode | None:
        if isinstance(node, MappingNode):
            return node
        if isinstance(node, ScalarNode) and _scalar(node) is None:
            return None
        self.problem(_line(node), f"expected a mapping for {path}, found {_describe(node)}; {fix}")
        return None

    def text(self, node: Node, path: str, what: str = "text") -> str | None:
        """A non-empty string value, or None after reporting the problem."""
        value = _scalar(node) if isinstance(node, ScalarNode) else node
        if isinstance(value, str) and value.strip():
            return value.strip()
        if value is None:
            self.problem(_line(node), f"missing value for {path}; write {what} or remove the key")
        else:
            self.problem(
                _line(node), f"expected {what} for {path}, found {_describe(node)}; write {what}"
            )
        return None

    def number(self, node: Node, path: str, low: float, high: float, example: str) -> float | None:
        value = _scalar(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(
                _line(node),
                f"expected a number from {low:g} to {high:g} for {path}, found "
                f"{_describe(node)}; write a number such as {example}",
            )
            return None
        return float(value)

    # -- top-level keys --

    def locale(self, node: Node, path: str) -> str | None:
        value = self.text(node, path, "a locale such as zh-CN")
        if value is None:
            return None
        locale = _LOCALE_NAMES.get(value.lower())
        if locale is None:
            guess = _suggest(value, LOCALES)
            hint = f"did you mean {guess}? " if guess else ""
            self.problem(
                _line(node),
                f"unknown language '{value}' for {path}; {hint}choose one of: "
                + ", ".join(LOCALES),
            )
        return locale

    def engine(self, node: Node) -> str:
        value = self.text(node, "engine", "auto, edge or espeak")
        if value is None:
            return "auto"
        if value.lower() not in ENGINES:
            self.problem(
                _line(node),
                f"unknown engine '{value}' for engine; choose one of: " + ", ".join(ENGINES),
            )
            return "auto"
        return value.lower()

    def threshold(self, node: Node) -> float:
        value = self.number(node, "threshold", 0, 1, "0.5")
        if value is None:
            return 0.5
        if not 0 <= value <= 1:
            self.problem(
                _line(node),
                f"threshold {node.value} is outside 0..1 for threshold; write a number such as "
                "0.5 (lower lets more guessed lines speak in a character's voice)",
            )
            return 0.5
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
                    _line(value_node),
                    f"pause of {value_node.value} s for {path} is {why}; write seconds from 0 "
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
        key_lines = {str(k.value).strip(): _line(k) for k, _ in mapping.value}
        for key, value_node in self.mapping(mapping, "defaults", None, entry="locale").items():
            locale = _LOCALE_NAMES.get(key.lower())
            if locale is None:
                guess = _suggest(key, LOCALES)
                hint = f"did you mean {guess}? " if guess else ""
                self.problem(
                    key_lines.get(key, _line(value_node)),
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
            pool = self.pool(keys["pool"], f"{path}.pool", locale) if "pool" in keys else ()
            out[locale] = LocaleDefaults(narrator=narrator, unknown=unknown, pool=pool)
        return out

    def pool(self, node: Node, path: str, locale: str) -> tuple[str, ...]:
        if not isinstance(node, SequenceNode):
            self.problem(
                _line(node),
                f"expected a list of voices for {path}, found {_describe(node)}; "
                "write [zh-CN-YunxiNeural, zh-CN-XiaoxiaoNeural]",
            )
            return ()
        names: list[str] = []
        for i, item in enumerate(node.value):
            name = self.text(item, f"{path}[{i}]", "a voice name")
            if name is None:
                continue
            if self.voice_name(item, name, _key_for(name), f"{path}[{i}]", locale, move=False):
                names.append(name)
        return tuple(names)

    # -- voices --

    def voice_setting(self, node: Node, path: str, locale: str | None = None) -> VoiceSetting:
        """A voice mapping, or the shorthand of a bare voice name (Edge or espeak)."""
        if isinstance(node, ScalarNode):
            value = _scalar(node)
            if value is None:
                return VoiceSetting()
            if isinstance(value, str) and value.strip():
                name = value.strip()
                key = _key_for(name)
                ok = self.voice_name(node, name, key, path, locale, move=False)
                if key == "voice":
                    return VoiceSetting(voice=name if ok else None)
                return VoiceSetting(espeak=name if ok else None)
        if not isinstance(node, MappingNode):
            self.problem(
                _line(node),
                f"expected a voice name or a mapping for {path}, found {_describe(node)}; "
                "write 'voice: zh-CN-YunxiNeural' below it",
            )
            return VoiceSetting()
        return self.voice_keys(self.mapping(node, path, _VOICE_KEYS), path, locale)

    def voice_keys(self, keys: Mapping[str, Node], path: str, locale: str | None) -> VoiceSetting:
        found: dict[str, str] = {}
        for key in ("voice", "espeak"):
            if key in keys:
                name = self.text(keys[key], f"{path}.{key}", "a voice name")
                if name and self.voice_name(keys[key], name, key, f"{path}.{key}", locale):
                    found[key] = name
        for key, unit in _PROSODY_UNITS:
            if key not in keys:
                continue
            node = keys[key]
            value = _scalar(node) if isinstance(node, ScalarNode) else None
            if isinstance(value, str) and _is_prosody(key, value.strip()):
                found[key] = value.strip()
                continue
            shown = node.value if isinstance(node, ScalarNode) else _describe(node)
            kind = "a signed percentage" if unit == "%" else "a signed number of hertz"
            self.problem(
                _line(node),
                f"{key} '{shown}' for {path}.{key} is not {kind}; {_signed_fix(shown, unit)}",
            )
        return VoiceSetting(**found)

    def voice_name(
        self, node: Node, name: str, key: str, path: str, locale: str | None, move: bool = True
    ) -> bool:
        """Check a name given under `voice:` (Edge) or `espeak:`; report and return False if bad."""
        line = _line(node)
        parent = path.rsplit(".", 1)[0]
        is_edge_form = bool(EDGE_NAME.match(name)) or (
            self.edge_names is not None and name in self.edge_names
        )
        locale = locale or self.language
        if key == "espeak":
            if is_edge_form:
                where = (
                    f"move it to '{parent}.voice'" if move else "use an espeak voice such as cmn"
                )
                self.problem(
                    line, f"'{name}' is an Edge voice, not an espeak voice, for {path}; {where}"
                )
                return False
            return self.espeak_name(line, name, path)
        if not is_edge_form and self.looks_espeak(name):
            where = (
                f"move it to '{parent}.espeak'"
                if move
                else "give an Edge voice such as zh-CN-YunxiNeural"
            )
            self.problem(
                line, f"'{name}' is an espeak voice, not an Edge voice, for {path}; {where}"
            )
            return False
        if self.edge_names is None:
            if is_edge_form:
                return True
            hint = VOICES_HINT.format(locale=f" --locale {locale}" if locale else "")
            self.problem(line, f"unknown voice '{name}' for {path}; {hint}")
            return False
        if name in self.edge_names:
            return True
        guess = _closest_voice(name, sorted(self.edge_names))
        voice_locale = "-".join((guess or name).split("-")[:2]) if guess or is_edge_form else locale
        hint = VOICES_HINT.format(locale=f" --locale {voice_locale}" if voice_locale else "")
        mean = f"did you mean {guess}? " if guess else ""
        self.problem(line, f"unknown voice '{name}' for {path}; {mean}{hint}")
        return False

    def looks_espeak(self, name: str) -> bool:
        if not ESPEAK_NAME.match(name) or name.lower().endswith("neural"):
            return False
        if self.espeak_names is None:
            return True
        return name.split("+")[0].lower() in self.espeak_names

    def espeak_name(self, line: int, name: str, path: str) -> bool:
        base = name.split("+")[0].lower()
        if ESPEAK_NAME.match(name) and (self.espeak_names is None or base in self.espeak_names):
            return True
        guess = _suggest(base, sorted(self.espeak_names)) if self.espeak_names is not None else None
        mean = f"did you mean {guess}? " if guess else ""
        self.problem(
            line,
            f"unknown espeak voice '{name}' for {path}; {mean}write a language such as cmn, "
            "yue or en-us, optionally with a variant like +m3 or +f2; "
            "run 'audiobook voices --engine espeak' to list them",
        )
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
            str(k.value).strip(): _line(k) for k, _ in mapping.value if isinstance(k, ScalarNode)
        }
        for name, value_node in self.mapping(mapping, "speakers", None, entry="speaker").items():
            path = f"speakers.{name}"
            line = key_lines.get(name, _line(value_node))
            if isinstance(value_node, MappingNode):
                keys = self.mapping(value_node, path, _SPEAKER_KEYS)
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
                (item, _scalar(item) if isinstance(item, ScalarNode) else None)
                for item in node.value
            ]
        elif isinstance(node, ScalarNode) and isinstance(_scalar(node), str):
            value = _scalar(node).strip()
            parts = [p.strip() for p in re.split(r"[,，、;；]", value) if p.strip()]
            if len(parts) > 1:
                self.problem(
                    _line(node),
                    f"aliases '{value}' for {path} is one text, not a list; write a list: "
                    f"[{', '.join(parts)}]",
                )
                return ()
            items = [(node, value)]
        elif isinstance(node, ScalarNode) and _scalar(node) is None:
            return ()
        else:
            self.problem(
                _line(node),
                f"expected a list of names for {path}, found {_describe(node)}; "
                "write a list such as [祁省長, 祁副省長]",
            )
            return ()
        out: list[str] = []
        for i, (item, value) in enumerate(items):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(item.value)
            if not isinstance(value, str) or not value.strip():
                self.problem(
                    _line(item),
                    f"expected a name for {path}[{i}], found {_describe(item)}; "
                    "write each alias as text",
                )
                continue
            alias = value.strip()
            if alias != name and alias not in out:
                out.append(alias)
                alias_lines.setdefault(f"{name}\0{alias}", _line(item))
        return tuple(out)

    def gender(self, node: Node, path: str) -> Gender | None:
        value = _scalar(node) if isinstance(node, ScalarNode) else None
        if value is None and isinstance(node, ScalarNode):
            return None
        gender = _GENDER_WORDS.get(str(value).strip().lower()) if isinstance(value, str) else None
        if gender is None:
            shown = node.value if isinstance(node, ScalarNode) else _describe(node)
            self.problem(
                _line(node),
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
                path = f"speakers.{name}.aliases"
                if alias in speakers:
                    self.problem(
                        line,
                        f"alias '{alias}' for {path} is the name of another speaker "
                        f"(line {speakers[alias].line}); remove the alias, or merge the two "
                        "speakers into one entry",
                    )
                elif alias in owner:
                    other = owner[alias]
                    self.problem(
                        line,
                        f"alias '{alias}' for {path} is also an alias of {other} (line "
                        f"{alias_lines.get(f'{other}{chr(0)}{alias}', speakers[other].line)}); "
                        "give it to one speaker only",
                    )
                else:
                    owner[alias] = name


# --- writing -------------------------------------------------------------------

_NEW_FILE_HEADER = """\
Voices for the audiobook: edit freely, then render again.
Each speaker: aliases (other names), gender (male/female), voice (Edge),
espeak (offline engine), rate "+5%", pitch "-2Hz", volume "+0%".
Run 'audiobook voices --locale zh-CN' (or en-US) to list the voices."""


def write_voices_yaml(
    path: Path | str,
    characters: Sequence[Character],
    cast: Cast,
    *,
    edge_voices: Iterable[VoiceInfo] | None = None,
) -> list[str]:
    """Create or extend a voices.yaml with the characters it lacks; return the names added.

    What the user wrote (entries, order, comments) is kept; new characters get their
    aliases, gender and the voice `cast` gave them, so rendering with the file gives the
    same cast. A new file also names the narrator and unknown voices. A file with
    mistakes is left alone: the error says what to fix first.
    """
    target = Path(path)
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.allow_unicode = True
    existing = target.read_text(encoding="utf-8-sig") if target.exists() else ""
    config = parse_config(existing, source=str(path), edge_voices=edge_voices)
    data: Any = None
    if existing.strip():
        from ruamel.yaml.util import load_yaml_guess_indent

        yaml.preserve_quotes = True
        data, indent, block_seq_indent = load_yaml_guess_indent(existing, yaml=yaml)
        yaml.indent(mapping=indent, sequence=indent, offset=block_seq_indent or 0)
    else:
        yaml.indent(mapping=2, sequence=4, offset=2)
    if data is None:
        data = CommentedMap()
        data.yaml_set_start_comment(_NEW_FILE_HEADER)
        data["narrator"] = _voice_entry(cast.narrator, with_defaults=False)
        data["unknown"] = _voice_entry(cast.unknown, with_defaults=False)
    speakers = data.get("speakers")
    if not isinstance(speakers, CommentedMap):
        speakers = CommentedMap()
        data["speakers"] = speakers

    claimed = set(config.speakers)
    for setting in config.speakers.values():
        claimed.update(setting.aliases)
    added: list[str] = []
    for character in characters:
        name = character.name
        if name in claimed:
            continue
        entry = CommentedMap()
        aliases = [a for a in character.aliases if a not in claimed and a != name]
        if aliases:
            seq = CommentedSeq(aliases)
            seq.fa.set_flow_style()
            entry["aliases"] = seq
        if character.gender is not None:
            entry["gender"] = character.gender
        voice = cast.speakers.get(name)
        if voice is not None:
            entry.update(_voice_entry(voice, with_defaults=False))
        speakers[name] = entry
        claimed.add(name)
        claimed.update(aliases)
        added.append(name)

    _atomic_dump(yaml, data, target)
    return added


def _voice_entry(voice: Voice, *, with_defaults: bool) -> CommentedMap:
    """A voice as voices.yaml writes it: the name under its engine's key, set prosody only."""
    entry = CommentedMap()
    entry["espeak" if voice.engine == "espeak" else "voice"] = voice.name
    neutral = Voice(engine=voice.engine, name=voice.name)
    for key in ("rate", "pitch", "volume"):
        value = getattr(voice, key)
        if with_defaults or value != getattr(neutral, key):
            entry[key] = DoubleQuotedScalarString(value)  # as the docs write "+5%"
    return entry


def _atomic_dump(yaml: YAML, data: Any, target: Path) -> None:
    with replacing(target, fix="check the path given to --write") as tmp:
        with open(tmp, "w", encoding="utf-8") as handle:
            yaml.dump(data, handle)
