"""Offline speech: espeak-ng from the `espeakng-loader` wheel, driven through ctypes.

Robotic but real speech on any machine, with no network and no system packages. The
library keeps one global state (voice, parameters, callback) and is not thread-safe, so
every call into it holds `_LOCK`, and `synthesize` runs it in a worker thread to keep the
event loop free. The library is initialised lazily, once per process.

Voice names are espeak's own: a language ('cmn' Mandarin, 'yue' Cantonese, 'en-us',
'en-gb', ...) optionally with a variant from espeak-ng-data/voices/!v ('cmn+f2', 'en-us+m3').
Prosody is written as Edge takes it ('+10%', '-5Hz', '-20%') so one voices.yaml suits both
engines; `prosody_of` turns its numbers into espeak's parameters.
"""

from __future__ import annotations

import asyncio
import ctypes
import math
import os
import re
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import ClassVar

from tts.errors import ConfigError, EngineError, NoAudio, VoiceUnavailable
from tts.model import Audio, Boundary, EngineInfo, Prosody, Voice, VoiceInfo
from tts.text import is_speakable, suggest

ENGINE = EngineInfo(
    name="espeak",
    label="espeak",
    engine="tts.speech.engines.espeak:EspeakEngine",
    catalog="tts.speech.engines.espeak:known_voices",
    check_voice="tts.speech.engines.espeak:check_voice",
    voice_key="espeak",
    key_synonyms=("offline",),
    voice_form=re.compile(
        r"^(?!.*neural$)(?!(?-i:[a-z]{2,3}-[A-Z]{2}(?:-[a-z]+)?-[A-Z]))"
        r"[a-z]{2,3}(?:-[a-z0-9]+)*(?:\+[a-z0-9_]+)?$",
        re.IGNORECASE,
    ),
    narrators={"zh-CN": "cmn", "zh-TW": "cmn", "zh-HK": "yue", "en-US": "en-us", "en-GB": "en-gb"},
    narrators_by_gender={
        "female": {
            "zh-CN": "cmn+f2",
            "zh-TW": "cmn+f2",
            "zh-HK": "yue+f2",
            "en-US": "en-us+f2",
            "en-GB": "en-gb+f2",
        }
    },
)
"""espeak-ng from the espeakng-loader wheel: offline, instant, robotic. A voice is a language
(`cmn`, `en-us`) with an optional variant (`+f2`); the plain language voice (male) narrates,
and its `+f2` a book a woman tells in the first person. A name ending in 'Neural', or written
like Edge's with a capital region and a capital name after it ('en-US-Emma'), is a mistyped
Edge name, never espeak's."""

DEFAULT_WPM = 175
"""espeak's default speaking rate; Edge's '+0%'."""
MIN_WPM, MAX_WPM = 80, 450
DEFAULT_PITCH = 50
"""espeak's pitch scale runs 0-100 around the voice's own base pitch."""
PITCH_STEP = 1.105
"""Each 10 units of espeak pitch multiply the voice's pitch by this (measured: 0 gives
0.63 x the voice's pitch, 100 gives 1.7 x), so Edge's Hz become a ratio of the voice's own."""
MALE_BASE_HZ = 100.0
FEMALE_BASE_HZ = 190.0
"""Typical median pitch of espeak's male and female voices, measured on Mandarin and English."""
DEFAULT_RANGE = 50
DEFAULT_VOLUME = 100
MAX_VOLUME = 200

MALE_VARIANTS: tuple[str, ...] = (
    "m3", "m1", "m7", "m2", "m4", "m6", "m8", "m5", "david", "grandpa", "norbert",
)  # fmt: skip
"""Male variants, most distinct first (each moves pitch, formants or voicing)."""
FEMALE_VARIANTS: tuple[str, ...] = (
    "f2", "f1", "f3", "f4", "f5", "belinda", "steph", "Annie", "grandma", "aunty",
)  # fmt: skip
"""Female variants, most distinct first."""

_LOCALES: dict[str, str] = {"cmn": "zh-CN", "yue": "zh-HK"}
"""espeak language -> BCP-47-ish locale where the generic rule would be wrong."""
_LANGUAGE_FOR_LOCALE: dict[str, str] = {
    "zh": "cmn",
    "zh-cn": "cmn",
    "zh-hans": "cmn",
    "zh-tw": "cmn",  # Mandarin is the best espeak reading of Traditional text too
    "zh-hant": "cmn",
    "zh-hk": "yue",
    "zh-yue": "yue",
    "en": "en-us",
}

_MANDARIN_SPELLING: dict[str, str] = {"兒": "儿", "俬": "私"}
"""Characters espeak-ng 1.52's cmn dictionary misreads (兒 as English 'r five') but whose
simplified form it reads right. Everything else Traditional it reads as well as Simplified,
so the text is not converted wholesale (OpenCC t2s would turn rare characters into ones
espeak cannot read at all)."""

_BROKEN_SYLLABLES: dict[str, str] = {
    "xiong1": "兄兇凶匈哅忷恟汹洶胷胸訩詾讻賯",
    "xiong2": "熊赨雄",
    "xiong4": "夐敻詗诇",
    "qiong1": "匔焪芎",
    "qiong2": "卭宆惸桏棾橩焭煢琼瓊睘瞏穷穹窮竆笻筇茕藑藭蛩赹跫輁邛銎",
    "jiong1": "冂冋坰埛扃蘏蘔駫",
    "jiong3": "侰僒冏囧幜泂炯烱煚煛熲皛窘絅綗褧迥逈顈颎駉",
    "jiong4": "澃",
}
"""Characters whose pinyin espeak-ng 1.52's cmn rules cannot turn into sounds: it spells
the pinyin out in English ('xiong one'). They are spoken from phonemes instead."""
_SYLLABLE_PHONEMES = {"xiong": "S;j'ong", "qiong": "tS;hj'ong", "jiong": "tS;j'ong"}
_TONE_PHONEMES = {"1": "55", "2": "35", "3": "214", "4": "51"}
_MANDARIN_PHONEMES: dict[str, str] = {
    char: f"[[{_SYLLABLE_PHONEMES[syllable[:-1]]}{_TONE_PHONEMES[syllable[-1]]}]]"
    for syllable, chars in _BROKEN_SYLLABLES.items()
    for char in chars
}

_MANDARIN_TABLE = str.maketrans(_MANDARIN_SPELLING)
_FULLWIDTH = str.maketrans(
    {
        chr(wide): chr(wide - 0xFEE0)
        for first, last in (("０", "９"), ("Ａ", "Ｚ"), ("ａ", "ｚ"))
        for wide in range(ord(first), ord(last) + 1)
    }
)
"""Full-width digits and Latin letters -> ASCII (one character each, so positions hold)."""

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PHONEME_INPUT = 0x100
_EVENT_LIST_TERMINATED = 0
_EVENT_SENTENCE = 2
_EVENT_PHONEME = 7
_EE_OK = 0
_PARAM_RATE, _PARAM_VOLUME, _PARAM_PITCH, _PARAM_RANGE = 1, 2, 3, 4


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


class _VoiceStruct(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True)
class Parameters:
    """A voice's prosody as espeak's parameters."""

    wpm: int
    """Words per minute (espeakRATE)."""
    pitch: int
    """0-100 (espeakPITCH), 50 is the voice's own pitch."""
    volume: int
    """0-200 (espeakVOLUME), 100 is normal."""


@dataclass(frozen=True)
class Language:
    """One language voice the library offers."""

    code: str
    """The language espeak names it by, and our voice name: 'cmn', 'yue', 'en-gb'."""
    name: str
    """espeak's description: 'English (Great Britain)'."""
    locale: str
    """BCP-47-ish: 'zh-CN', 'zh-HK', 'en-GB'."""
    identifier: str
    """The voice file under espeak-ng-data/lang, which espeak_SetVoiceByName takes: 'gmw/en'
    (the language code alone is not always a name espeak finds: 'en-gb' is not)."""


@dataclass
class _Take:
    """What the synth callback collects for one request."""

    samples: bytearray
    sentences: list[tuple[int, int]]
    """(text position, 1-based character; audio position, ms) of each sentence start."""
    phonemes: list[str]
    """espeak's phoneme mnemonics in speaking order ('(en)' marks a switch to English)."""


class _Library:
    """The loaded, initialised libespeak-ng. Use only while holding `_LOCK`."""

    def __init__(self, library_path: str, data_path: str) -> None:
        lib = ctypes.CDLL(library_path)
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_VoiceStruct))
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS,
            0,
            data_path.encode(),
            _INITIALIZE_DONT_EXIT | _INITIALIZE_PHONEME_EVENTS,
        )
        if rate <= 0:
            raise OSError(f"espeak_Initialize failed ({rate}) with data at {data_path}")
        self.lib = lib
        self.sample_rate = rate
        self.data_path = Path(data_path)
        self.version = (lib.espeak_Info(None) or b"").decode()
        self.take = _Take(bytearray(), [], [])
        # Keep a reference: ctypes frees the thunk when the Python object dies.
        self._callback = _SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: ctypes._Pointer, count: int, events: ctypes._Pointer) -> int:
        if count > 0 and wav:
            self.take.samples += ctypes.string_at(wav, count * 2)
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_SENTENCE:
                self.take.sentences.append((event.text_position, event.audio_position))
            elif event.type == _EVENT_PHONEME:
                mnemonic = bytes(event.id.string).split(b"\0")[0]
                self.take.phonemes.append(mnemonic.decode("ascii", errors="replace"))
            i += 1
        return 0

    def languages(self) -> list[Language]:
        """Every language voice, one per code; a second voice claiming a taken code (the
        jyutping reader also says 'yue') is named by its file instead ('yue-latn-jyutping')."""
        listed: list[Language] = []
        entries = self.lib.espeak_ListVoices(None)
        i = 0
        while entries[i]:
            entry = entries[i].contents
            code = _first_language(entry.languages)
            if code:
                name = (entry.name or b"").decode()
                identifier = (entry.identifier or b"").decode() or code
                if self._has_dictionary(code, identifier):
                    listed.append(Language(code, name, locale_of(code), identifier))
            i += 1
        # The voice whose file is named after the code keeps it.
        listed.sort(key=lambda lang: lang.identifier.rpartition("/")[2].lower() != lang.code)
        found: dict[str, Language] = {}
        for language in listed:
            if language.code in found:
                code = language.identifier.rpartition("/")[2].lower()
                language = Language(code, language.name, locale_of(code), language.identifier)
            found.setdefault(language.code, language)
        return sorted(found.values(), key=lambda lang: lang.code)

    def _has_dictionary(self, code: str, identifier: str) -> bool:
        """Whether the wheel ships the voice's dictionary (it lacks a few, e.g. Faroese)."""
        dictionary = code.split("-")[0]
        try:
            text = (self.data_path / "lang" / identifier).read_text(encoding="utf-8")
        except OSError:
            text = ""
        for line in text.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "dictionary":
                dictionary = words[1]
        return (self.data_path / f"{dictionary}_dict").is_file()

    def synthesize(
        self, text: str, voice_name: str, parameters: Parameters, phoneme_input: bool = False
    ) -> _Take:
        if self.lib.espeak_SetVoiceByName(voice_name.encode()) != _EE_OK:
            raise VoiceUnavailable(_unknown_voice(voice_name))
        for parameter, value in (
            (_PARAM_RATE, parameters.wpm),
            (_PARAM_PITCH, parameters.pitch),
            (_PARAM_RANGE, DEFAULT_RANGE),
            (_PARAM_VOLUME, parameters.volume),
        ):
            self.lib.espeak_SetParameter(parameter, value, 0)
        self.take = _Take(bytearray(), [], [])
        encoded = text.encode("utf-8")
        status = self.lib.espeak_Synth(
            encoded,
            len(encoded) + 1,
            0,
            _POS_CHARACTER,
            0,
            _CHARS_UTF8 | (_PHONEME_INPUT if phoneme_input else 0),
            None,
            None,
        )
        take, self.take = self.take, _Take(bytearray(), [], [])
        if status != _EE_OK:
            raise EngineError(
                f"espeak-ng failed ({status}) on voice '{voice_name}'; "
                "retry, or split the text into shorter pieces"
            )
        return take


_LOCK = threading.Lock()
_STATE: dict[str, _Library] = {}


def _first_language(languages: int | None) -> str:
    """espeak's language list is (priority byte, NUL-terminated name)*, ending in a 0 byte."""
    if not languages:
        return ""
    return ctypes.string_at(languages + 1).decode()


def _load() -> _Library:
    """The library, initialised on first use. Call with `_LOCK` held."""
    library = _STATE.get("library")
    if library is None:
        try:
            import espeakng_loader

            library_path = espeakng_loader.get_library_path()
            data_path = espeakng_loader.get_data_path()
            library = _Library(library_path, data_path)
        except (ImportError, OSError, RuntimeError, AttributeError) as error:
            raise EngineError(
                f"espeak-ng cannot be loaded ({error}); "
                "reinstall it with 'pip install --force-reinstall espeakng-loader'"
            ) from error
        _STATE["library"] = library
    return library


def _library() -> _Library:
    with _LOCK:
        return _load()


def _unknown_voice(name: str) -> str:
    return (
        f"espeak has no voice '{name}'; run 'audiobook voices --engine espeak' to list voices "
        "(a language like 'cmn', 'yue', 'en-us', optionally with a variant: 'cmn+f2')"
    )


def locale_of(code: str) -> str:
    """espeak language code -> BCP-47-ish locale: 'cmn' -> 'zh-CN', 'en-gb' -> 'en-GB'."""
    if code in _LOCALES:
        return _LOCALES[code]
    head, *parts = code.split("-")
    tail: list[str] = []
    for part in parts:
        if "x" in (earlier.lower() for earlier in tail):
            tail.append(part)  # private use: as written
        elif len(part) == 2 and part.isalpha():
            tail.append(part.upper())  # region
        elif len(part) == 4 and part.isalpha():
            tail.append(part.title())  # script
        else:
            tail.append(part)
    return "-".join([head.lower(), *tail])


def prosody_of(voice: Voice, base_hz: float = MALE_BASE_HZ) -> Parameters:
    """A voice's prosody (`tts.model.Prosody`) as espeak parameters; ConfigError names a
    bad value.

    rate '+50%' -> 1.5 x 175 wpm (clamped to 80-450); pitch '+20Hz' on a voice speaking
    around `base_hz` -> the espeak pitch (0-100, clamped) that multiplies it by
    (base + 20) / base; volume '-20%' -> amplitude 80 of 200. A volume of '-100%' or less
    would be silent and is refused.
    """
    prosody = Prosody.of(voice)
    if prosody.volume <= -100:
        raise ConfigError(
            f"voice '{voice.name}': volume '{voice.volume}' would be silent; use more than -100%"
        )
    wpm = round(DEFAULT_WPM * (100 + prosody.rate) / 100)
    ratio = max(base_hz + prosody.pitch, 1.0) / base_hz
    pitch = round(DEFAULT_PITCH + 10 * math.log(ratio) / math.log(PITCH_STEP))
    amplitude = round(DEFAULT_VOLUME * (100 + prosody.volume) / 100)
    return Parameters(
        wpm=min(max(wpm, MIN_WPM), MAX_WPM),
        pitch=min(max(pitch, 0), 100),
        volume=min(max(amplitude, 1), MAX_VOLUME),
    )


@dataclass(frozen=True)
class _Script:
    """The text as espeak gets it, and where each of its characters came from."""

    text: str
    origins: tuple[int, ...]
    """0-based index in the caller's text of each character of `text`."""
    phoneme_input: bool = False

    def position(self, spoken: int) -> int:
        """espeak's 1-based character position -> 1-based position in the caller's text."""
        if spoken - 1 < len(self.origins):
            return self.origins[max(spoken - 1, 0)] + 1
        return (self.origins[-1] + 2) if self.origins else 1


def _script(text: str, language: str) -> _Script:
    """What espeak should read, character for character where it can.

    Full-width letters and digits ('Ａ５', common in Chinese text) become ASCII: espeak reads
    'Ａ' as 'letter FF21' and says nothing for '５'. Mandarin characters it misreads are
    respelled (兒 -> 儿) or given as phonemes ('[[S;j'ong55]]' for 兄).
    """
    plain = text.translate(_FULLWIDTH)
    if language != "cmn":
        return _Script(plain, tuple(range(len(text))))
    plain = plain.translate(_MANDARIN_TABLE)
    if not any(char in _MANDARIN_PHONEMES for char in plain):
        return _Script(plain, tuple(range(len(text))))
    pieces: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(plain):
        piece = _MANDARIN_PHONEMES.get(char, char)
        if char in "[]":
            piece = "(" if char == "[" else ")"  # '[[' would open phoneme input; never spoken
        pieces.append(piece)
        origins.extend([index] * len(piece))
    return _Script("".join(pieces), tuple(origins), True)


def _variant_path(data_path: Path, variant: str) -> Path:
    return data_path / "voices" / "!v" / variant


@cache
def _variant_gender(data_path: Path, variant: str) -> str:
    """'Female' or 'Male' from the variant file; espeak's voices are male unless marked."""
    try:
        lines = _variant_path(data_path, variant).read_text(encoding="utf-8").splitlines()
    except OSError:
        return "Male"
    for line in lines:
        words = line.split()
        if len(words) >= 2 and words[0] == "gender":
            return "Female" if words[1] == "female" else "Male"
    return "Male"


@lru_cache(maxsize=1)
def _languages() -> tuple[Language, ...]:
    library = _library()
    with _LOCK:
        return tuple(library.languages())


def language_codes() -> list[str]:
    """Every espeak language a voice name may start with ('cmn', 'yue', 'en-gb', ...),
    for checking voices.yaml without synthesizing."""
    return [language.code for language in _languages()]


def _variants(data_path: Path, names: Sequence[str]) -> list[str]:
    return [name for name in names if _variant_path(data_path, name).is_file()]


def language_for(locale: str) -> str:
    """The espeak language that reads a locale: 'zh-CN'/'zh-TW' -> 'cmn', 'zh-HK' -> 'yue'.

    Raises VoiceUnavailable when espeak has no voice for it.
    """
    key = locale.strip().lower().replace("_", "-")
    key = _LANGUAGE_FOR_LOCALE.get(key, key)
    by_code = {language.code: language for language in _languages()}
    by_locale = {language.locale.lower(): language for language in _languages()}
    language = by_code.get(key) or by_locale.get(key)
    if language is None:
        raise VoiceUnavailable(
            f"espeak has no voice for locale '{locale}'; run 'audiobook voices --engine espeak' "
            "to list locales (e.g. zh-CN, zh-HK, en-US, en-GB)"
        )
    return language.code


def voice_pool(locale: str, gender: str | None = None) -> list[str]:
    """Distinct espeak voice names for a locale, most distinct first.

    `gender` is 'male' or 'female' (any case); None interleaves both. The male pool starts
    with the plain language voice (espeak's default is male).
    """
    code = language_for(locale)
    data_path = _library().data_path
    males = [code, *(f"{code}+{v}" for v in _variants(data_path, MALE_VARIANTS))]
    females = [f"{code}+{v}" for v in _variants(data_path, FEMALE_VARIANTS)]
    wanted = gender.lower() if gender else None
    if wanted == "male":
        return males
    if wanted == "female":
        return females
    if wanted is not None:
        raise ConfigError(f"gender '{gender}' is not 'male' or 'female'")
    mixed: list[str] = []
    for i in range(max(len(males), len(females))):
        mixed += males[i : i + 1] + females[i : i + 1]
    return mixed


def _resolve(name: str) -> tuple[Language, str]:
    """A voice name ('en-gb+f2') -> its language and variant, checked against the library.

    The language part may also be the voice file's name ('en', 'gmw/en'); case is ignored.
    """
    code, plus, variant = name.strip().partition("+")
    found = _known_names().get(code.lower())
    if found is None or (plus and not variant) or "/" in variant or "\\" in variant:
        raise VoiceUnavailable(_unknown_voice(name))
    if variant and not _variant_path(_library().data_path, variant).is_file():
        raise VoiceUnavailable(_unknown_voice(name))
    return found, variant


@lru_cache(maxsize=1)
def _known_names() -> dict[str, Language]:
    """Lower-cased code, voice file and file path -> language; codes win over file names."""
    known: dict[str, Language] = {}
    for language in reversed(_languages()):
        known[language.identifier.lower()] = language
        known[language.identifier.rpartition("/")[2].lower()] = language
    for language in _languages():
        known[language.code.lower()] = language
    return known


def _boundaries(
    text: str, sentences: list[tuple[int, int]], duration: float
) -> tuple[Boundary, ...]:
    """Sentence starts reported by espeak -> one Boundary per spoken sentence."""
    starts = sorted(set(sentences))
    if not starts:
        return (Boundary(0.0, duration, text.strip()),)
    found: list[Boundary] = []
    for i, (position, millis) in enumerate(starts):
        next_position, next_millis = (
            starts[i + 1] if i + 1 < len(starts) else (len(text) + 1, duration * 1000)
        )
        piece = text[max(position - 1, 0) : max(next_position - 1, 0)].strip()
        offset = min(millis / 1000, duration)
        end = min(next_millis / 1000, duration)
        if piece:
            found.append(Boundary(offset, max(end - offset, 0.0), piece))
    if found and found[0].offset > 0:
        first = found[0]
        found[0] = Boundary(0.0, first.duration + first.offset, first.text)
    return tuple(found)


def known_voices(cache_dir: str | os.PathLike[str] | None = None) -> list[VoiceInfo]:
    """Every voice (language x variant) in the bundled data; no network involved."""
    data_path = _library().data_path
    variants = _variants(data_path, MALE_VARIANTS) + _variants(data_path, FEMALE_VARIANTS)
    found: list[VoiceInfo] = []
    for language in _languages():
        found.append(VoiceInfo(ENGINE.name, language.code, language.locale, "Male", language.name))
        for variant in variants:
            found.append(
                VoiceInfo(
                    ENGINE.name,
                    f"{language.code}+{variant}",
                    language.locale,
                    _variant_gender(data_path, variant),
                    f"{language.name}, variant {variant}",
                )
            )
    return found


def check_voice(
    name: str, path: str, locale: str | None, known: Collection[str] | None
) -> str | None:
    """What is wrong with an espeak voice name given at `path` in voices.yaml (None if
    nothing): not a language with an optional variant, a language that is neither among
    `known` nor one espeak-ng reads by its file name ('en'), or a variant espeak-ng has no
    file for ('cmn+zz9', which `_resolve` would refuse at the first line it speaks). No
    list: the form only."""
    base, _, variant = name.partition("+")
    base = base.lower()
    if ENGINE.voice_form.match(name):
        if known is None:
            return None
        languages, variants = _parts(known)
        if base in languages or base in _names_at_hand():
            return _variant_problem(name, variant, path, variants)
    else:
        languages = _parts(known)[0] if known else ()
    guess = suggest(base, languages) if languages else None
    mean = f"did you mean {guess}? " if guess else ""
    return (
        f"unknown espeak voice '{name}' for {path}; {mean}write a language such as cmn, "
        "yue or en-us, optionally with a variant like +m3 or +f2; "
        "run 'audiobook voices --engine espeak' to list them"
    )


def _parts(known: Collection[str]) -> tuple[tuple[str, ...], frozenset[str]]:
    """The languages (lower case, sorted) and the variants of the voice names `known`; worked
    out once per list, as a voices.yaml names thousands of voices against one."""
    if isinstance(known, frozenset):
        return _parts_of(known)
    return _parts_of.__wrapped__(known)


@lru_cache(maxsize=4)
def _parts_of(known: Collection[str]) -> tuple[tuple[str, ...], frozenset[str]]:
    languages = tuple(sorted({n.split("+")[0].lower() for n in known}))
    variants = frozenset(n.partition("+")[2] for n in known if "+" in n) - {""}
    return languages, variants


def _variant_problem(name: str, variant: str, path: str, listed: frozenset[str]) -> str | None:
    """What is wrong with the `+variant` of a voice whose language is right (None if nothing
    or no variant): espeak-ng reads any file of its voices/!v folder, the list of voices
    (whose variants are `listed`) names only the most distinct."""
    if not variant:
        return None
    variants = listed | set(_variants_at_hand())
    if not variants or variant in variants:
        return None
    guess = suggest(variant, sorted(variants))
    mean = f"did you mean +{guess}? " if guess else ""
    return (
        f"unknown espeak variant '+{variant}' of '{name}' for {path}; {mean}write +m1 to +m8 "
        "or +f1 to +f5 (or leave the variant out); run 'audiobook voices --engine espeak' "
        "to list them"
    )


def _variants_at_hand() -> list[str]:
    """The variants the bundled espeak-ng has files for (none when it cannot be loaded)."""
    try:
        data_path = _library().data_path
    except EngineError:
        return []
    return _variant_files(data_path)


@cache
def _variant_files(data_path: Path) -> list[str]:
    try:
        return [entry.name for entry in (data_path / "voices" / "!v").iterdir() if entry.is_file()]
    except OSError:
        return []


def _names_at_hand() -> Collection[str]:
    """The language names the bundled espeak-ng reads (none when it cannot be loaded)."""
    try:
        return _known_names()
    except EngineError:
        return ()


class EspeakEngine:
    """The Engine protocol over espeak-ng: offline, instant, robotic."""

    name: ClassVar[str] = ENGINE.name

    def __init__(
        self,
        *,
        max_request_chars: int = 2000,
        cache_dir: str | os.PathLike[str] | None = None,
        proxy: str | None = None,
    ) -> None:
        """`cache_dir` and `proxy` are accepted as every engine's are; espeak keeps nothing
        and reaches no service."""
        self.max_request_chars = max_request_chars
        try:
            loaded = _library().version
        except EngineError:
            loaded = "unavailable"  # check() and synthesize() say why and how to fix it
        self.version = f"espeak-ng {loaded}"
        """'espeak-ng 1.52.0': a different library re-synthesizes cached clips."""

    async def check(self) -> None:
        await asyncio.to_thread(_library)

    async def voices(self) -> list[VoiceInfo]:
        return await asyncio.to_thread(self.known_voices)

    def known_voices(self) -> list[VoiceInfo]:
        """Every voice (language x variant) in the bundled data; no network involved."""
        return known_voices()

    async def synthesize(self, text: str, voice: Voice) -> Audio:
        prosody_of(voice)  # refuse bad prosody before any work
        if not is_speakable(text):
            raise NoAudio(f"nothing to say in {text[:40]!r}: it has no letters or digits")
        return await asyncio.to_thread(self._synthesize, text, voice)

    def _synthesize(self, text: str, voice: Voice) -> Audio:
        take = _speak(text, voice)
        samples = bytes(take.samples)
        if not any(samples):
            raise NoAudio(f"espeak voice '{voice.name}' produced no sound for {text[:40]!r}")
        rate = _library().sample_rate
        duration = len(samples) / 2 / rate
        return Audio(
            data=samples,
            codec="pcm_s16le",
            sample_rate=rate,
            channels=1,
            duration=duration,
            boundaries=_boundaries(text, take.sentences, duration),
        )


def _speak(text: str, voice: Voice) -> _Take:
    """Synthesize under the lock; sentence positions refer to `text` as given."""
    language, variant = _resolve(voice.name)
    library = _library()
    female = bool(variant) and _variant_gender(library.data_path, variant) == "Female"
    parameters = prosody_of(voice, FEMALE_BASE_HZ if female else MALE_BASE_HZ)
    voice_name = f"{language.identifier}+{variant}" if variant else language.identifier
    script = _script(text, language.code)
    with _LOCK:
        take = library.synthesize(script.text, voice_name, parameters, script.phoneme_input)
    take.sentences = [(script.position(spoken), millis) for spoken, millis in take.sentences]
    return take


def spoken_phonemes(text: str, voice: Voice) -> list[str]:
    """The phonemes espeak speaks for `text`, for diagnosing a mispronunciation.

    A '(en)' entry means espeak switched to English for a word it could not read.
    """
    return _speak(text, voice).phonemes
