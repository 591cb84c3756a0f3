"""A deterministic test engine, registered the way any engine is (`tts.registry.register`).

Every voice is a pure tone of its own pitch, as long as the text would take to read (0.12 s
a Han character, 0.05 s another letter or digit), returned as raw 16-bit PCM at 16 kHz as the
offline engine's are (and, like them, cached as MP3 frames and joined by frame copy). It
needs no network and no library, says the same thing every time, and a test can tell from
the finished MP3 which voice speaks where (`tone_of`).
"""

from __future__ import annotations

import array
import math
import re
import unicodedata
from dataclasses import replace

from tts.model import Audio, Boundary, EngineInfo, Voice, VoiceInfo

SAMPLE_RATE = 16_000
HAN_SECONDS = 0.12
LATIN_SECONDS = 0.05
LOCALES = ("zh-CN", "zh-TW", "zh-HK", "en-US", "en-GB")
VOICES_PER_GENDER = 4

ENGINE = EngineInfo(
    name="tone",
    label="Tone",
    engine="tone_engine:ToneEngine",
    catalog="tone_engine:known_voices",
    voice_key="sine",
    check_voice="tone_engine:check_voice",
    voice_form=re.compile(r"^tone-[a-z]{2}-[A-Z]{2}-[fm]\d$"),
    narrators={locale: f"tone-{locale}-m1" for locale in LOCALES},
)


def known_voices(cache_dir: str | None = None) -> list[VoiceInfo]:
    return [
        VoiceInfo(ENGINE.name, f"tone-{locale}-{g}{n}", locale, gender, f"{locale} tone {g}{n}")
        for locale in LOCALES
        for g, gender in (("f", "Female"), ("m", "Male"))
        for n in range(1, VOICES_PER_GENDER + 1)
    ]


_NAMES = [v.name for v in known_voices()]


def check_voice(name: str, path: str, locale: str | None, known: object) -> str | None:
    return None if name in _NAMES else f"unknown tone voice '{name}' for {path}"


def tone_of(voice_name: str) -> float:
    """The pitch (Hz) a voice speaks at: 300 Hz and up, 6 % apart (tone_runs splits at 3 %),
    the same in every run."""
    return 300.0 * 1.06 ** _NAMES.index(voice_name)


def speech_seconds(text: str) -> float:
    total = 0.0
    for ch in text:
        if unicodedata.category(ch)[0] in "LN":
            wide = unicodedata.east_asian_width(ch) in ("W", "F")
            total += HAN_SECONDS if wide else LATIN_SECONDS
    return total


_SENTENCE = re.compile(r"[^。！？!?.\n]+[。！？!?.]*")


class ToneEngine:
    """The Engine protocol (tts.speech.engines.base) over pure tones."""

    name = ENGINE.name

    def __init__(
        self,
        *,
        cache_dir: str | None = None,
        proxy: str | None = None,
        max_request_chars: int = 400,
    ) -> None:
        self.version = "tone 1"
        self.max_request_chars = max_request_chars
        self.requests: list[tuple[str, Voice]] = []

    async def check(self) -> None:
        return None

    async def voices(self) -> list[VoiceInfo]:
        return known_voices()

    def known_voices(self) -> list[VoiceInfo]:
        return known_voices()

    async def synthesize(self, text: str, voice: Voice) -> Audio:
        from tts.errors import NoAudio, VoiceUnavailable

        if voice.name not in _NAMES:
            raise VoiceUnavailable(f"no tone voice '{voice.name}'")
        seconds = speech_seconds(text)
        if seconds == 0:
            raise NoAudio(f"nothing to say in {text[:40]!r}")
        self.requests.append((text, voice))
        hz = tone_of(voice.name)
        count = int(round(seconds * SAMPLE_RATE))
        step = 2 * math.pi * hz / SAMPLE_RATE
        data = array.array("h", (int(8000 * math.sin(step * i)) for i in range(count)))
        boundaries: list[Boundary] = []
        offset = 0.0
        for sentence in _SENTENCE.findall(text):
            length = speech_seconds(sentence)
            if length:
                boundaries.append(Boundary(offset, length, sentence.strip()))
                offset += length
        if boundaries:
            boundaries[-1] = replace(boundaries[-1], duration=seconds - boundaries[-1].offset)
        return Audio(
            data.tobytes(), "pcm_s16le", SAMPLE_RATE, 1, count / SAMPLE_RATE, tuple(boundaries)
        )
