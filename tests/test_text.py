"""Character tests that several stages share."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from tts.text import is_speakable


@pytest.mark.parametrize(
    ("text", "speakable"),
    [
        ("他說", True),
        ("……“”", False),
        ("—— 7", True),
        ("Ⅻ", True),  # a Roman numeral letter (category Nl)
        ("½", True),  # category No
        ("_ - * !", False),  # the underscore is a word character but nothing to say
        ("", False),
    ],
)
def test_is_speakable(text: str, speakable: bool) -> None:
    assert is_speakable(text) is speakable


def test_is_speakable_means_a_letter_or_digit_in_any_script() -> None:
    wrong = [
        hex(cp)
        for cp in range(sys.maxunicode + 1)
        if is_speakable(chr(cp)) != (unicodedata.category(chr(cp))[0] in "LN")
    ]
    assert wrong == []
