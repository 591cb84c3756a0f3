"""Immutable records that flow between the stages, and the one check of prosody values.

Change them with `dataclasses.replace`; never mutate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from tts.errors import ConfigError

SegmentKind = Literal["heading", "narration", "dialogue", "pause"]
Gender = Literal["male", "female"]
Language = Literal["zh-Hans", "zh-Hant", "en"]
AudioFormat = Literal["mp3", "m4b"]
AUDIO_FORMATS: tuple[AudioFormat, ...] = ("mp3", "m4b")
SubtitleFormat = Literal["srt", "lrc", "vtt"]
SUBTITLE_FORMATS: tuple[SubtitleFormat, ...] = ("srt", "lrc", "vtt")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of cleaned text (hard-wrapped lines already joined)."""

    text: str
    """The cleaned text; for a scene break, the marker as written (e.g. '......')."""
    line: int
    """1-based line in the source file where the paragraph starts (EPUB: paragraph number)."""
    scene_break: bool = False
    """A '......', '***', '——' line: a pause in the audio, never speech."""


@dataclass(frozen=True)
class Chapter:
    number: int
    """1-based position in the book."""
    title: str | None
    """The heading as written ('第122章 上頭來人'), None when the text has no heading."""
    paragraphs: tuple[Paragraph, ...]
    """Body paragraphs after the heading (a sentence fused to the heading starts the body)."""
    heading_line: int | None = None


@dataclass(frozen=True)
class CleanReport:
    """What loading and cleaning did, for `script --stats` and the user's trust."""

    encoding: str = "utf-8"
    glyphs_repaired: int = 0
    invisible_removed: int = 0
    notices_dropped: tuple[str, ...] = ()
    scene_breaks: int = 0


@dataclass(frozen=True)
class BookInfo:
    """What the book says about itself (EPUB metadata), for the audio file's tags."""

    title: str
    author: str | None = None
    year: str | None = None
    """Four-digit year of publication, e.g. '2019'."""
    language: str | None = None
    """The language tag as the book declares it ('zh-CN', 'en-US'), not detected."""
    cover: bytes | None = None
    """The cover picture as stored in the book (JPEG/PNG bytes)."""
    cover_mime: str | None = None
    """'image/jpeg', 'image/png', ... for `cover`."""


@dataclass(frozen=True)
class Book:
    source: str
    """Path of the input file as given."""
    title: str
    language: Language
    chapters: tuple[Chapter, ...]
    report: CleanReport = field(default_factory=CleanReport)
    info: BookInfo | None = None
    """Title, author, year and cover from the book's metadata; None for plain text."""


@dataclass(frozen=True)
class Segment:
    """A stretch of text read by one voice: the unit of `audiobook script`."""

    chapter: int
    index: int
    """Reading order within the chapter, from 0."""
    kind: SegmentKind
    text: str
    paragraph: int
    """Paragraph number within the chapter (0-based); -1 for the heading."""
    line: int
    """1-based source line, for review and error messages."""
    speaker: str | None = None
    """Canonical character name for dialogue; None for narration/heading/pause or unknown."""
    confidence: float | None = None
    """0..1 for dialogue: how sure the attribution is."""
    method: str | None = None
    """Which rule attributed the line ('tag-after', 'colon', 'alternation', ...)."""


@dataclass(frozen=True)
class Character:
    """A person in the book, as found by attribution (and voices.yaml)."""

    name: str
    """Canonical name."""
    aliases: tuple[str, ...] = ()
    gender: Gender | None = None
    lines: int = 0
    """Dialogue segments attributed to the character."""
    first_person: bool = False
    """The book is told in the first person and this is its narrator ("I said", named as
    the others address them): casting reads their lines in the narrator's voice unless
    voices.yaml says otherwise (`tts.cast.casting`)."""


@dataclass(frozen=True)
class Voice:
    """What an engine needs to speak: a voice name and its prosody.

    Prosody is kept as written, the way Edge takes it ('+10%', '-5Hz'), so it reads the
    same in voices.yaml, the saved cast and a clip's cache key; `Prosody.of` gives the
    numbers.
    """

    engine: str
    name: str
    rate: str = "+0%"
    pitch: str = "+0Hz"
    volume: str = "+0%"


ProsodyKey = Literal["rate", "pitch", "volume"]

_PROSODY_FORMS: dict[ProsodyKey, tuple[re.Pattern[str], str, str]] = {
    "rate": (re.compile(r"([+-])(\d+)%"), "%", "+10%"),
    "pitch": (re.compile(r"([+-])(\d+)Hz"), "Hz", "-5Hz"),
    "volume": (re.compile(r"([+-])(\d+)%"), "%", "-20%"),
}
"""How each prosody value is written: the pattern (sign, digits), its unit, an example."""


def parse_prosody(key: ProsodyKey, text: str, *, label: str | None = None) -> int:
    """A rate, pitch or volume as written -> its signed number: '+10%' -> 10, '-5Hz' -> -5.

    The one check of prosody, made where a value comes in (voices.yaml, a saved cast, the
    command line), the way Edge writes it: a sign, a whole number and '%' (rate, volume) or
    'Hz' (pitch). Anything else raises ConfigError "<label> '<text>': write a sign, a
    number and %, e.g. +10%", where `label` (default: the key) says where the value came
    from, e.g. '--rate'.
    """
    pattern, unit, example = _PROSODY_FORMS[key]
    found = pattern.fullmatch(text)
    if found is None:
        raise ConfigError(
            f"{label or key} '{text}': write a sign, a number and {unit}, e.g. {example}"
        )
    sign, digits = found.groups()
    return -int(digits) if sign == "-" else int(digits)


@dataclass(frozen=True)
class Prosody:
    """A voice's prosody as numbers, for an engine to use."""

    rate: int = 0
    """Speed change in percent: '+10%' -> 10."""
    pitch: int = 0
    """Pitch change in hertz: '-5Hz' -> -5."""
    volume: int = 0
    """Loudness change in percent: '-20%' -> -20."""

    @classmethod
    def of(cls, voice: Voice) -> Prosody:
        """The numbers of `voice`'s prosody; ConfigError naming the voice and the bad value."""
        return cls(
            rate=parse_prosody("rate", voice.rate, label=f"voice {voice.name}: rate"),
            pitch=parse_prosody("pitch", voice.pitch, label=f"voice {voice.name}: pitch"),
            volume=parse_prosody("volume", voice.volume, label=f"voice {voice.name}: volume"),
        )

    def added_to(self, voice: Voice) -> Voice:
        """`voice` with this prosody added to its own, as a whole-book setting is: a voice at
        '-6%' with a rate of 15 speaks at '+9%'. Values this leaves at 0 keep their text."""
        own = Prosody.of(voice)
        changes: dict[str, str] = {}
        if self.rate:
            changes["rate"] = f"{own.rate + self.rate:+d}%"
        if self.pitch:
            changes["pitch"] = f"{own.pitch + self.pitch:+d}Hz"
        if self.volume:
            changes["volume"] = f"{own.volume + self.volume:+d}%"
        return replace(voice, **changes) if changes else voice


@dataclass(frozen=True)
class VoiceInfo:
    """One voice an engine offers."""

    engine: str
    name: str
    locale: str
    gender: str
    """'Female', 'Male' or 'Neutral' as the engine says."""
    description: str = ""


@dataclass(frozen=True)
class EngineInfo:
    """A speech engine as the rest of the program knows it, without building it.

    Each engine module declares one and `tts.registry` lists them: the CLI's `--engine`
    choices, voices.yaml's keys and checks, casting and the `auto` fallback all read it, so
    no other part of the program names an engine.
    """

    name: str
    """Registry name, as `--engine` and voices.yaml's `engine:` take it: 'edge', 'espeak'."""
    label: str
    """How messages name it: 'Edge', 'espeak'."""
    engine: str
    """'module:Class' of the engine (see `tts.speech.engines.base.Engine`), imported only
    when a render or `say` builds it; the class takes keyword options, `cache_dir` and `proxy`
    among them (an engine with no use for one accepts and ignores it)."""
    catalog: str
    """'module:function' giving the voices at hand without the network, called with
    `cache_dir`; kept apart from the engine so `script` and `cast` need not import it."""
    check_voice: str
    """'module:function' `(name, path, locale, known) -> problem or None`: what is wrong with
    a voice name given under `voice_key` at `path` in voices.yaml; `known` is the set of the
    engine's voice names to check against, or None for the form only."""
    voice_key: str
    """The voices.yaml key that names a voice of this engine ('voice', 'espeak')."""
    voice_form: re.Pattern[str]
    """The shape of the engine's voice names: tells whose a bare name is (engines are asked
    in registration order, so a stricter form registered first wins)."""
    narrators: Mapping[str, str]
    """Locale -> the built-in narrator voice ('zh-CN' -> 'zh-CN-YunyangNeural')."""
    narrators_by_gender: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """'female' / 'male' -> locale -> the narrator of a book a woman / a man tells in the
    first person, where `narrators` gives one of the other sex ('female' -> 'zh-CN' ->
    'zh-CN-XiaoxiaoNeural'); where this names none, casting takes the first voice of that
    gender in the locale's pool."""
    online: bool = False
    """Needs a service: `auto` uses it when the service answers and else an offline engine."""
    key_synonyms: tuple[str, ...] = ()
    """Other words people write for `voice_key` in voices.yaml ('edge' for 'voice')."""
    child_voices: frozenset[str] = frozenset()
    """Children's voices, which casting gives an adult only when nothing else is left."""


@dataclass(frozen=True)
class Boundary:
    """A sentence or word the engine reported, in seconds from the clip's start."""

    offset: float
    duration: float
    text: str


@dataclass(frozen=True)
class Audio:
    """One synthesized clip as the engine produced it."""

    data: bytes
    codec: Literal["mp3", "pcm_s16le"]
    sample_rate: int
    channels: int
    duration: float
    """Seconds of audio."""
    boundaries: tuple[Boundary, ...] = ()


@dataclass(frozen=True)
class Cast:
    """Who speaks with which voice."""

    narrator: Voice
    unknown: Voice
    """For dialogue whose speaker is unknown or below the confidence threshold."""
    speakers: Mapping[str, Voice]
    """Canonical character name -> voice."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Alias (any form) -> canonical name."""
    threshold: float = 0.4
    """Dialogue attributed with less confidence than this goes to `unknown` (0.4: below it,
    lines are right less than half the time on the labelled dev novels, so a neutral voice
    misleads a listener less than the guess would)."""

    def canonical(self, name: str | None) -> str | None:
        if name is None:
            return None
        return self.aliases.get(name, name)

    def is_doubtful(self, segment: Segment) -> bool:
        """Dialogue whose attribution is below the threshold (or has none): the unknown
        voice reads it."""
        return segment.kind == "dialogue" and (
            segment.speaker is None or (segment.confidence or 0.0) < self.threshold
        )

    def voice_for(self, segment: Segment) -> Voice | None:
        """The voice that reads a segment; None for pauses."""
        if segment.kind == "pause":
            return None
        if segment.kind != "dialogue":
            return self.narrator
        name = self.canonical(segment.speaker)
        if name is None or self.is_doubtful(segment):
            return self.unknown
        return self.speakers.get(name, self.unknown)


@dataclass(frozen=True)
class Pauses:
    """Silence between clips, in seconds, chosen from the text's structure."""

    sentence: float = 0.25
    """Between consecutive lines of one speaker in one paragraph."""
    speaker: float = 0.45
    """At a change of speaker inside a paragraph."""
    paragraph: float = 0.6
    """At a change of paragraph."""
    heading: float = 1.2
    """After a chapter heading."""
    scene: float = 1.8
    """At a scene break ('......', '***')."""
    chapter: float = 2.5
    """Between chapters."""


@dataclass(frozen=True)
class Clip:
    """A synthesized clip stored on disk (in the cache), ready to assemble."""

    path: str
    codec: Literal["mp3", "pcm_s16le"]
    sample_rate: int
    channels: int
    duration: float
    boundaries: tuple[Boundary, ...] = ()
    gain_db: float = 0.0
    """Loudness correction the assembler applies (tts.audio.loudness): exactly when it re-encodes,
    in whole 1.5 dB global_gain steps when it copies MP3 frames."""


@dataclass(frozen=True)
class Silence:
    """A pause in the assembled audio."""

    seconds: float


# --- who speaks, with which voice: the script -------------------------------------


@dataclass(frozen=True)
class Script:
    """Who says what: the reviewed or computed reading of a book."""

    book: Book
    segments: tuple[Segment, ...]
    characters: tuple[Character, ...]
    cast: Cast
    pauses: Pauses

    def voice_for(self, segment: Segment) -> Voice | None:
        return self.cast.voice_for(segment)


# --- what is sent to an engine ---------------------------------------------------

SegmentKey = tuple[int, int]
"""(chapter, index) of a segment."""

JOINER = "\n"
"""What goes between two lines merged into one request, in every language.

A newline is whitespace to every engine, so it never becomes a spoken word or a stray
space inside Chinese; it ends a sentence, so a paragraph that lacks closing punctuation
still gets a breath before the next one; and edge-tts prefers to cut a long text at a
newline, so any cut the client makes still falls between our lines.
"""


@dataclass(frozen=True)
class Request:
    """One call to an engine: text in one voice, covering one or more segments."""

    text: str
    voice: Voice
    keys: tuple[SegmentKey, ...]
    """(chapter, index) of every segment the text covers, in reading order. A line too long
    for one request is split, and each piece carries that line's key."""


@dataclass(frozen=True)
class MachineStats:
    """What one machine of a cluster did in a run, for the summary."""

    name: str
    clips: int
    """Clips it spoke that the run kept."""
    audio_seconds: float
    requests: int
    """Engine calls it made, retries included."""
    retries: int
    lost: bool = False
    """It left the cluster during the run; the others took over its unfinished requests."""
    left_out: str | None = None
    """Why it was given no work (its engine could not speak there), if so."""


@dataclass(frozen=True)
class Stats:
    """What a synthesis run did, for the summary line."""

    requests: int
    """Calls to the engine, retries included (0 when everything was cached)."""
    cache_hits: int
    """Requests answered without the engine (cached, or the same text earlier in the run)."""
    retries: int
    audio_seconds: float
    wall_seconds: float
    damaged_clips: int = 0
    """Cached clips that failed their check and were synthesized again."""
    unverified_clips: int = 0
    """Clips cached before the cache kept digests, synthesized again once."""
    machines: tuple[MachineStats, ...] = ()
    """What each machine of a cluster did (`render --ray`); empty for a render on this one."""
