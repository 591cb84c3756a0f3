"""Prosody values ('+10%', '-5Hz') are read and checked in one place, `tts.model`."""

from __future__ import annotations

import pytest

from tts.errors import ConfigError
from tts.model import Prosody, ProsodyKey, Voice, parse_prosody


@pytest.mark.parametrize(
    ("key", "text", "number"),
    [
        ("rate", "+10%", 10),
        ("rate", "-50%", -50),
        ("volume", "+0%", 0),
        ("volume", "-100%", -100),
        ("pitch", "-5Hz", -5),
        ("pitch", "+200Hz", 200),
    ],
)
def test_parse_prosody(key: ProsodyKey, text: str, number: int) -> None:
    assert parse_prosody(key, text) == number


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("rate", "10", "rate '10': write a sign, a number and %, e.g. +10%"),
        ("rate", "+10", "rate '+10': write a sign, a number and %, e.g. +10%"),
        ("rate", "+1.5%", "rate '+1.5%': write a sign, a number and %, e.g. +10%"),
        ("rate", " +10%", "rate ' +10%': write a sign, a number and %, e.g. +10%"),
        ("rate", "+10%\n", "rate '+10%\n': write a sign, a number and %, e.g. +10%"),
        ("pitch", "+5%", "pitch '+5%': write a sign, a number and Hz, e.g. -5Hz"),
        ("pitch", "+5hz", "pitch '+5hz': write a sign, a number and Hz, e.g. -5Hz"),
        ("volume", "loud", "volume 'loud': write a sign, a number and %, e.g. -20%"),
    ],
)
def test_malformed_prosody_is_a_config_error_that_says_the_fix(
    key: ProsodyKey, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_prosody(key, text)
    assert str(caught.value) == message


def test_the_label_says_where_the_value_came_from() -> None:
    with pytest.raises(ConfigError, match=r"^--rate '10': write a sign"):
        parse_prosody("rate", "10", label="--rate")


def test_prosody_of_a_voice_is_its_numbers() -> None:
    voice = Voice("edge", "zh-CN-XiaoxiaoNeural", rate="+10%", pitch="-5Hz", volume="-20%")
    assert Prosody.of(voice) == Prosody(rate=10, pitch=-5, volume=-20)
    assert Prosody.of(Voice("espeak", "cmn")) == Prosody()


def test_prosody_of_a_voice_names_the_voice_and_the_key() -> None:
    with pytest.raises(ConfigError, match=r"^voice cmn: pitch '\+5%': write a sign"):
        Prosody.of(Voice("espeak", "cmn", pitch="+5%"))
