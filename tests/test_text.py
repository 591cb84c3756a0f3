"""Character tests and text cutting that several stages share."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tts.text import hard_cut, is_speakable, split_text


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


# --- cutting text for requests ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, max_chars, expected",
    [
        ("他来了。她走了。风停了。", 8, ["他来了。她走了。", "风停了。"]),
        ("“你来了？”他问。“我来了！”", 6, ["“你来了？”", "他问。", "“我来了！”"]),
        ("他来了，她走了，风停了，雨也停了。", 8, ["他来了，她走了，", "风停了，", "雨也停了。"]),
        ("一二三四五六七八九十", 4, ["一二三四", "五六七八", "九十"]),
        (
            "Mr. Li came in. She left. Then rain.",
            16,
            ["Mr. Li came in.", "She left.", "Then rain."],
        ),
        ("one two three four five six", 10, ["one two", "three four", "five six"]),
        ("他沉默了……良久。", 6, ["他沉默了……", "良久。"]),
        ("……", 5, []),
        ("短句。", 5, ["短句。"]),
    ],
)
def test_split_text(text: str, max_chars: int, expected: list[str]) -> None:
    assert split_text(text, max_chars) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        # a closing quote stays with the comma before it, never starts the next piece
        ("他说：“走吧，”她就走了。", 8, ["他说：“走吧，”", "她就走了。"]),
        # a '.' ends a sentence only before a space or the end: no cut inside U.S.'s or 3.14
        ("The U.S.'s flag. Pi is 3.14 today.", 20, ["The U.S.'s flag.", "Pi is 3.14 today."]),
        # a clause mark cuts a sentence too long for one piece; packing fills each piece
        ("one, two, three, four.", 10, ["one, two,", "three,", "four."]),
    ],
)
def test_split_text_cuts_at_marks(text: str, limit: int, expected: list[str]) -> None:
    assert split_text(text, limit) == expected


def test_split_text_measures_with_the_size_it_is_given() -> None:
    def utf8(text: str) -> int:
        return len(text.encode("utf-8"))

    text = "一二三。四五六。"  # 8 characters, 24 bytes
    assert split_text(text, 12) == [text]
    assert split_text(text, 12, size=utf8) == ["一二三。", "四五六。"]


def test_split_text_refuses_a_limit_below_one() -> None:
    with pytest.raises(ValueError, match="positive"):
        split_text("好。", 0)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("一二三四五六七八九十", 4, ["一二三四", "五六七八", "九十"]),
        ("one two three four five six", 10, ["one two ", "three four ", "five six"]),
        ("abcdefghij klm", 10, ["abcdefghij ", "klm"]),  # the space just past the limit
        ("ab cdefghijklmn", 10, ["ab cdefghi", "jklmn"]),  # no tiny piece for an early space
        ("", 5, []),
    ],
)
def test_hard_cut(text: str, limit: int, expected: list[str]) -> None:
    assert hard_cut(text, limit) == expected


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="天地人 ab&<", max_size=200),
    limit=st.integers(min_value=5, max_value=40),
)
def test_hard_cut_fits_and_keeps_every_character(text: str, limit: int) -> None:
    def escaped_utf8(piece: str) -> int:
        return len(piece.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8"))

    pieces = hard_cut(text, limit, size=escaped_utf8)
    assert "".join(pieces) == text
    assert all(escaped_utf8(p.rstrip(" ")) <= limit for p in pieces)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet="天地人你我他。，！？…“”abc .,!", min_size=0, max_size=120),
    max_chars=st.integers(min_value=1, max_value=40),
)
def test_split_text_keeps_every_word_in_order_within_the_limit(text: str, max_chars: int) -> None:
    pieces = split_text(text, max_chars)
    assert all(0 < len(p) <= max_chars for p in pieces)
    assert all(any(ch.isalnum() for ch in p) for p in pieces)

    def words(s: str) -> str:
        return "".join(ch for ch in s if ch.isalnum())

    assert words("".join(pieces)) == words(text)
