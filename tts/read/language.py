"""Which language a book is written in: 'zh-Hant', 'zh-Hans' or 'en'.

Told from the script of the letters in the text (Han against Latin, then a few
characters that differ between Traditional and Simplified Chinese); a language
the book declares (an EPUB's dc:language) decides only when the text is too
short to tell.
"""

from __future__ import annotations

import re

from tts.model import Language
from tts.read.clean import HAN

_TRADITIONAL = (
    "們這個說來會對時為國過還麼沒樣經開現學發點長動問見話關東車書裡應邊聽讓請讀電當無與從後"
)
_SIMPLIFIED = "们这个说来会对时为国过还么没样经开现学发点长动问见话关东车书应边听让请读电当无与从"
_TRAD_RE = re.compile(f"[{_TRADITIONAL}]")
_SIMP_RE = re.compile(f"[{_SIMPLIFIED}]")
_HAN_RE = re.compile(f"[{HAN}]")
_HAN_RUN_RE = re.compile(f"[{HAN}]+")
_LATIN_RE = re.compile("[A-Za-z]+")
_LATIN_LETTER_RE = re.compile("[A-Za-z]")
_TOO_FEW_LETTERS = 40
"""Below this many letters (Han or Latin) a declared language outweighs the text's own."""


def _declared(tag: str) -> Language | None:
    """Our language for a declared BCP 47 tag ('en-GB', 'zh-TW', 'zh-Hant'), else None."""
    tag = tag.lower()
    if tag.startswith("en"):
        return "en"
    if tag.startswith("zh"):
        traditional = any(x in tag for x in ("hant", "-tw", "-hk", "-mo"))
        return "zh-Hant" if traditional else "zh-Hans"
    return None


def detect_language(text: str, declared: str | None = None) -> Language:
    """'zh-Hant', 'zh-Hans' or 'en' from the script of the letters in the text.

    `declared` is the language tag the book gives itself ('zh-TW', 'en'); it is
    taken when the text holds too few letters to judge and the tag is one we read.
    """
    sample = text[:300_000]
    if declared:
        letters = len(_LATIN_LETTER_RE.findall(sample)) + len(_HAN_RE.findall(sample))
        if letters < _TOO_FEW_LETTERS:
            language = _declared(declared)
            if language is not None:
                return language
    han = sum(map(len, _HAN_RUN_RE.findall(sample)))
    latin = sum(map(len, _LATIN_RE.findall(sample)))
    if han * 3 < latin:  # a Han character carries about as much as a short word
        return "en"
    traditional = len(_TRAD_RE.findall(sample))
    simplified = len(_SIMP_RE.findall(sample))
    return "zh-Hant" if traditional > simplified else "zh-Hans"
