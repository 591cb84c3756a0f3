"""The Edge engine end to end: the real edge_tts client against the local fake service."""

from __future__ import annotations

import array
import asyncio
import json
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from edge_server import (
    EdgeServer,
    Fault,
    clip_seconds,
    decode_mp3,
    tone_for,
    tone_frequency,
    tone_runs,
    voice_for_tone,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tts.errors import ConfigError, NoAudio, RateLimited, ServiceUnreachable
from tts.model import Boundary, Voice
from tts.registry import get_engine
from tts.speech.engines.edge import (
    COMPLETENESS_TOLERANCE,
    MAX_REQUEST_BYTES,
    EdgeEngine,
    incomplete_reason,
    request_bytes,
    retry_after_seconds,
    split_for_edge,
)
from tts.speech.engines.edge_voices import closest_voices, shipped_voices
from tts.text import is_speakable

T = TypeVar("T")

XIAOXIAO = Voice("edge", "zh-CN-XiaoxiaoNeural")
YUNXI = Voice("edge", "zh-CN-YunxiNeural", rate="+10%", pitch="-5Hz", volume="+20%")
ARIA = Voice("edge", "en-US-AriaNeural", rate="-15%", pitch="+3Hz")

ZH_TEXT = "老陈推开门，屋里一片漆黑。他摸到墙上的开关！灯亮了吗？没有。"
EN_TEXT = "The lift was broken again. Nobody seemed surprised! Was anyone going to fix it?"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def long_chinese(sentences: int) -> str:
    subjects = ["小林", "王老师", "那只猫", "楼下的邻居", "我们"]
    actions = ["慢慢走进了院子", "把信放在桌上", "望着窗外的雨发呆", "突然笑出了声", "决定明天再说"]
    out = []
    for i in range(sentences):
        mark = "。！？"[i % 3]
        out.append(f"第{i + 1}天，{subjects[i % 5]}{actions[(i * 2) % 5]}{mark}")
    return "".join(out)


# --- pure helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "speakable"),
    [
        ("你好", True),
        ("Hi.", True),
        ("2024", True),
        ("……", False),
        ("——", False),
        ("***", False),
        ("「」！？", False),
        ("   ", False),
        ("", False),
    ],
)
def test_is_speakable(text: str, speakable: bool) -> None:
    assert is_speakable(text) is speakable


@pytest.mark.parametrize(
    ("text", "max_bytes", "expected"),
    [
        ("短句。", 3000, ["短句。"]),
        ("一二三。四五六。", 12, ["一二三。", "四五六。"]),
        ("一二三。四五六！七八九？", 24, ["一二三。四五六！", "七八九？"]),
        ("他说：「走吧。」我们走了。", 24, ["他说：「走吧。」", "我们走了。"]),
        ("一二三，四五六，七八九。", 12, ["一二三，", "四五六，", "七八九。"]),
        ("一二三四五六", 9, ["一二三", "四五六"]),
        ("One. Two! Three?", 9, ["One. Two!", "Three?"]),  # 9 bytes; the space after is not sent
        ("alpha beta gamma", 11, ["alpha beta", "gamma"]),
        ("Pi is 3.14 today. Yes.", 18, ["Pi is 3.14 today.", "Yes."]),
        ("好。……", 3000, ["好。……"]),
        ("……", 3000, []),
    ],
)
def test_split_for_edge_table(text: str, max_bytes: int, expected: list[str]) -> None:
    assert split_for_edge(text, max_bytes) == expected


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet="天地人你好。，！？…「」 abc.,!?&<>\n", max_size=300),
    max_bytes=st.integers(min_value=8, max_value=120),
)
def test_split_never_exceeds_the_limit_or_loses_a_word(text: str, max_bytes: int) -> None:
    chunks = split_for_edge(text, max_bytes)
    assert all(request_bytes(c) <= max_bytes for c in chunks)
    assert all(is_speakable(c) for c in chunks)
    kept = [ch for ch in "".join(chunks) if ch.isalnum()]
    assert kept == [ch for ch in text if ch.isalnum()]


def test_split_counts_escaped_bytes() -> None:
    # '&' goes out as '&amp;': five bytes, so it must count as five.
    assert request_bytes("A&B") == 7
    chunks = split_for_edge("Tom & Jerry. Ben & Holly.", 20)
    assert chunks == ["Tom & Jerry.", "Ben & Holly."]
    assert all(request_bytes(c) <= 20 for c in chunks)


@pytest.mark.parametrize("sentences", [10, 300, 1000])
def test_long_chinese_splits_under_the_limit_and_keeps_every_character(sentences: int) -> None:
    text = long_chinese(sentences)
    chunks = split_for_edge(text)
    assert "".join(chunks) == text
    assert all(request_bytes(c) <= MAX_REQUEST_BYTES for c in chunks)
    assert all(c[-1] in "。！？" for c in chunks)  # cut only at sentence ends
    # packed: no two neighbours would fit in one request (so 10 sentences stay one request)
    assert all(
        request_bytes(a + b) > MAX_REQUEST_BYTES for a, b in zip(chunks, chunks[1:], strict=False)
    )


def _b(offset: float, duration: float, text: str) -> Boundary:
    return Boundary(offset, duration, text)


@pytest.mark.parametrize(
    ("audio_bytes", "bounds", "turn_ended", "whole"),
    [
        (6000 * 3, [_b(0.1, 1.0, "一。"), _b(1.1, 1.7, "二。")], True, True),
        (6000 * 2, [_b(0.1, 1.0, "一。"), _b(1.1, 1.7, "二。")], True, False),
        (int(6000 * (2.8 - COMPLETENESS_TOLERANCE / 2)), [_b(1.1, 1.7, "二。")], True, True),
        (6000 * 3, [_b(0.1, 1.0, "一。"), _b(1.1, 1.7, "二。")], False, False),
        (6000 * 3, [_b(0.1, 1.0, "一。"), _b(1.1, 1.7, "二。")], None, True),
        (6000 * 3, [_b(0.1, 1.0, "一。")], None, False),
        (6000 * 3, [], None, False),
        (6000 * 3, [], True, True),
        # A clean turn.end whose timings and audio stop after the first sentence: cut short.
        (int(6000 * 1.2), [_b(0.1, 1.0, "一。")], True, False),
        # ...but audio that runs on long enough for the unannounced rest is whole: the service
        # does not announce every sentence it speaks.
        (6000 * 3, [_b(0.1, 1.0, "一。")], True, True),
        # Offsets that run backwards (overflowed) are not evidence of a short clip.
        (6000 * 3, [_b(200.0, 1.0, "一。"), _b(-14.7, 1.7, "二。")], True, True),
    ],
)
def test_incomplete_reason(
    audio_bytes: int, bounds: list[Boundary], turn_ended: bool | None, whole: bool
) -> None:
    reason = incomplete_reason(audio_bytes, bounds, "一。二。", turn_ended)
    assert (reason is None) is whole


@pytest.mark.parametrize(
    ("text", "bounds", "seconds", "whole"),
    [
        # Punctuation, case and width are not read, so they need no timing.
        ("Hello there. ＯＫ……", [_b(0.05, 0.5, "Hello there."), _b(0.55, 0.1, "OK")], 0.8, True),
        ("“走吧。”他说。", [_b(0.05, 0.2, "“走吧。”"), _b(0.25, 0.2, "他说。")], 0.6, True),
        ("Tom & Jerry.", [_b(0.05, 0.4, "Tom & Jerry.")], 0.6, True),
        # The same words again: the timings must cover both, not the first twice.
        ("他走了。他走了。", [_b(0.05, 0.36, "他走了。")], 0.51, False),
        ("他走了。他走了。", [_b(0.05, 0.36, "他走了。"), _b(0.41, 0.36, "他走了。")], 0.87, True),
        # Word boundaries count the same way as sentences.
        ("他说OK了。", [_b(0.05, 0.12, "他"), _b(0.17, 0.12, "说")], 0.4, False),
        ("他说OK了。", [_b(0.05, 0.1, w) for w in ("他", "说", "OK", "了")], 0.5, True),
        # A long text whose timings stop a third of the way in.
        ("一二三。" * 30, [_b(0.05 + 0.36 * i, 0.36, "一二三。") for i in range(10)], 3.8, False),
    ],
)
def test_a_clean_turn_end_must_still_reach_the_end_of_the_text(
    text: str, bounds: list[Boundary], seconds: float, whole: bool
) -> None:
    reason = incomplete_reason(int(6000 * seconds), bounds, text, True)
    assert (reason is None) is whole, reason


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": " 120 "}, 120.0),
        ({"Retry-After": "Thu, 01 Jan 1970 00:01:40 GMT"}, 40.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_retry_after_seconds(headers: dict[str, str] | None, seconds: float | None) -> None:
    assert retry_after_seconds(headers, now=60.0) == seconds


def test_shipped_voices_cover_the_voices_we_rely_on() -> None:
    voices = {v.name: v for v in shipped_voices()}
    for name, gender, locale in [
        ("zh-CN-XiaoxiaoNeural", "Female", "zh-CN"),
        ("zh-CN-YunxiNeural", "Male", "zh-CN"),
        ("zh-CN-liaoning-XiaobeiNeural", "Female", "zh-CN-liaoning"),
        ("zh-TW-HsiaoChenNeural", "Female", "zh-TW"),
        ("zh-HK-WanLungNeural", "Male", "zh-HK"),
        ("en-US-AriaNeural", "Female", "en-US"),
        ("en-GB-RyanNeural", "Male", "en-GB"),
        ("en-AU-NatashaNeural", "Female", "en-AU"),
    ]:
        assert voices[name].gender == gender
        assert voices[name].locale == locale
        assert voices[name].engine == "edge"
        assert voices[name].description.startswith("Microsoft ")


def test_shipped_list_has_the_service_fields() -> None:
    path = Path(__file__).resolve().parent.parent / "tts" / "data" / "edge-voices.json"
    entries = json.loads(path.read_text(encoding="utf-8"))
    for entry in entries:
        assert set(entry) >= {"Name", "ShortName", "Gender", "Locale", "FriendlyName"}
        locale, _, rest = entry["Name"].rpartition("(")[2].rstrip(")").partition(", ")
        assert entry["ShortName"] == f"{locale}-{rest}"


def test_tones_are_distinct_and_well_separated() -> None:
    tones = sorted(tone_for(v.name) for v in shipped_voices())
    assert len(tones) >= 16
    assert 195 <= tones[0] and tones[-1] <= 2005
    assert all(b / a > 1.04 for a, b in zip(tones, tones[1:], strict=False))


@pytest.mark.parametrize(
    ("wrong", "expected"),
    [
        ("zh-CN-XiaoxiaNeural", "zh-CN-XiaoxiaoNeural"),
        ("zh-CN-YunxNeural", "zh-CN-YunxiNeural"),
        ("en-US-ArieNeural", "en-US-AriaNeural"),
    ],
)
def test_closest_voices(wrong: str, expected: str) -> None:
    assert closest_voices(wrong, shipped_voices())[0] == expected


def test_registry_builds_the_engine_with_defaults() -> None:
    engine = get_engine("edge")
    assert isinstance(engine, EdgeEngine)
    assert engine.name == "edge"
    assert engine.version.startswith("edge-tts 7.")
    assert engine.max_request_chars * 3 <= MAX_REQUEST_BYTES < 4096


# --- against the fake service -------------------------------------------------------------


def test_chinese_sentences_come_back_as_the_voice_for_the_right_length(
    edge_server: EdgeServer,
) -> None:
    audio = run(EdgeEngine().synthesize(ZH_TEXT, XIAOXIAO))

    assert (audio.codec, audio.sample_rate, audio.channels) == ("mp3", 24000, 1)
    assert audio.duration == pytest.approx(clip_seconds(ZH_TEXT), abs=0.001)
    assert len(audio.data) % 144 == 0
    samples = decode_mp3(audio.data)
    assert len(samples) / 24000 == pytest.approx(audio.duration, abs=0.05)
    assert tone_frequency(samples) == pytest.approx(tone_for(XIAOXIAO.name), rel=0.005)
    assert voice_for_tone(tone_frequency(samples)) == XIAOXIAO.name
    texts = [b.text for b in audio.boundaries]
    assert texts == ["老陈推开门，屋里一片漆黑。", "他摸到墙上的开关！", "灯亮了吗？", "没有。"]
    ends = [b.offset + b.duration for b in audio.boundaries]
    assert ends == sorted(ends) and ends[-1] <= audio.duration


def test_english_prosody_and_escaped_text_reach_the_service(edge_server: EdgeServer) -> None:
    text = EN_TEXT + ' "Tom & Jerry" <3'
    audio = run(EdgeEngine().synthesize(text, ARIA))

    (request,) = edge_server.requests
    assert request.voice == "en-US-AriaNeural"
    assert request.text == text
    assert (request.rate, request.pitch, request.volume) == ("-15%", "+3Hz", "+0%")
    assert request.output_format == "audio-24khz-48kbitrate-mono-mp3"
    assert request.boundary == "SentenceBoundary"
    samples = decode_mp3(audio.data)
    assert voice_for_tone(tone_frequency(samples)) == "en-US-AriaNeural"
    assert audio.duration == pytest.approx(clip_seconds(text, "-15%"), abs=0.001)


def test_two_voices_are_told_apart_by_tone(edge_server: EdgeServer) -> None:
    engine = EdgeEngine()
    heard = []
    for voice in (XIAOXIAO, YUNXI, ARIA, Voice("edge", "zh-HK-HiuGaaiNeural")):
        audio = run(engine.synthesize("好。OK.", voice))
        heard.append(voice_for_tone(tone_frequency(decode_mp3(audio.data))))
    assert heard == [XIAOXIAO.name, YUNXI.name, ARIA.name, "zh-HK-HiuGaaiNeural"]
    assert [r.rate for r in edge_server.requests] == ["+0%", "+10%", "-15%", "+0%"]
    assert edge_server.requests[1].pitch == "-5Hz"
    assert edge_server.requests[1].volume == "+20%"


def test_long_chinese_goes_out_in_several_requests_in_order(edge_server: EdgeServer) -> None:
    text = long_chinese(120)
    engine = EdgeEngine(max_request_bytes=900)
    audio = run(engine.synthesize(text, XIAOXIAO))

    sent = [r.text for r in edge_server.requests]
    assert len(sent) >= 3
    assert "".join(sent) == text
    assert all(request_bytes(t) <= 900 for t in sent)
    assert audio.duration == pytest.approx(sum(clip_seconds(t) for t in sent), abs=0.001)
    offsets = [b.offset for b in audio.boundaries]
    assert offsets == sorted(offsets)
    assert len(audio.boundaries) == 120
    assert audio.boundaries[-1].offset + audio.boundaries[-1].duration <= audio.duration
    samples = decode_mp3(audio.data)
    assert len(samples) / 24000 == pytest.approx(audio.duration, abs=0.05)


@pytest.mark.parametrize("text", ["……", "——", "***", "「」", " "])
def test_punctuation_never_reaches_the_service(edge_server: EdgeServer, text: str) -> None:
    with pytest.raises(NoAudio, match="nothing speakable") as caught:
        run(EdgeEngine().synthesize(text, XIAOXIAO))
    assert caught.value.transient is False
    assert edge_server.requests == []


def test_punctuation_left_over_by_a_split_never_goes_out_alone(edge_server: EdgeServer) -> None:
    run(EdgeEngine(max_request_bytes=12).synthesize("一二三。……四五六。", XIAOXIAO))
    assert [r.text for r in edge_server.requests] == ["一二三。", "四五六。"]


@pytest.mark.parametrize(
    ("voice", "key"),
    [
        (Voice("edge", "zh-CN-XiaoxiaoNeural", rate="10%"), "rate"),
        (Voice("edge", "zh-CN-XiaoxiaoNeural", pitch="+5%"), "pitch"),
        (Voice("edge", "zh-CN-XiaoxiaoNeural", volume="loud"), "volume"),
    ],
)
def test_bad_prosody_is_a_config_error(edge_server: EdgeServer, voice: Voice, key: str) -> None:
    with pytest.raises(
        ConfigError, match=rf"^voice zh-CN-XiaoxiaoNeural: {key} '.*': write a sign"
    ):
        run(EdgeEngine().synthesize("你好。", voice))
    assert edge_server.requests == []


def test_voices_come_from_the_service_and_are_cached(
    edge_server: EdgeServer, tmp_path: Path
) -> None:
    engine = EdgeEngine(cache_dir=str(tmp_path))
    voices = run(engine.voices())
    assert engine.voices_source == "service"
    assert {v.name for v in voices} == edge_server.voice_names
    assert json.loads((tmp_path / "edge-voices.json").read_text(encoding="utf-8"))


def test_voices_offline_use_the_cache_then_the_shipped_list(
    edge_offline: str, tmp_path: Path
) -> None:
    cached = [
        {
            "Name": "Microsoft Server Speech Text to Speech Voice (zh-CN, XiaomoNeural)",
            "ShortName": "zh-CN-XiaomoNeural",
            "Gender": "Female",
            "Locale": "zh-CN",
            "FriendlyName": "Microsoft Xiaomo Online (Natural) - Chinese (Mainland)",
        }
    ]
    (tmp_path / "edge-voices.json").write_text(json.dumps(cached), encoding="utf-8")
    engine = EdgeEngine(cache_dir=str(tmp_path))
    assert [v.name for v in run(engine.voices())] == ["zh-CN-XiaomoNeural"]
    assert engine.voices_source == "cache"

    bare = EdgeEngine()
    assert run(bare.voices()) == shipped_voices()
    assert bare.voices_source == "shipped"


def test_check_passes_when_the_service_answers(edge_server: EdgeServer) -> None:
    run(EdgeEngine().check())
    assert edge_server.voice_list_requests == 1


def test_check_says_rate_limited(edge_server: EdgeServer) -> None:
    edge_server.faults.append(Fault("voices_429", retry_after="30"))
    with pytest.raises(RateLimited, match="429") as caught:
        run(EdgeEngine().check())
    assert caught.value.retry_after == 30.0


def test_check_offline_says_how_to_work_offline(edge_offline: str) -> None:
    with pytest.raises(ServiceUnreachable, match="--engine espeak"):
        run(EdgeEngine().check())


def test_tone_runs_tell_who_spoke_when(edge_server: EdgeServer) -> None:
    engine = EdgeEngine()
    clips = [
        run(engine.synthesize(text, voice))
        for text, voice in [("他来了。", XIAOXIAO), ("Yes.", ARIA), ("走吧。", YUNXI)]
    ]
    # Back to back, as raw MP3 frames, then with a pause in between, as decoded samples.
    joined = decode_mp3(b"".join(c.data for c in clips))
    runs = tone_runs(joined)
    assert [r.voice for r in runs] == [XIAOXIAO.name, ARIA.name, YUNXI.name]
    assert runs[0].end == pytest.approx(clips[0].duration, abs=0.06)

    gap = array.array("h", bytes(2 * 24000 // 2))
    paused = decode_mp3(clips[0].data) + gap + decode_mp3(clips[2].data)
    runs = tone_runs(paused)
    assert [r.voice for r in runs] == [XIAOXIAO.name, YUNXI.name]
    assert runs[1].start - runs[0].end == pytest.approx(0.5, abs=0.08)


def test_a_voice_added_to_the_service_speaks_below_the_shipped_tones(
    edge_server: EdgeServer,
) -> None:
    entry = dict(edge_server.voice_list[0], ShortName="en-US-NovelNeural", Locale="en-US")
    entry["Name"] = "Microsoft Server Speech Text to Speech Voice (en-US, NovelNeural)"
    edge_server.voice_list = [*edge_server.voice_list, entry]
    audio = run(EdgeEngine().synthesize(EN_TEXT, Voice("edge", "en-US-NovelNeural")))
    hz = tone_frequency(decode_mp3(audio.data))
    assert hz == pytest.approx(tone_for("en-US-NovelNeural"), rel=0.005)
    assert hz < 195 and voice_for_tone(hz) is None


def test_the_fake_service_answers_word_boundaries_when_asked(edge_server: EdgeServer) -> None:
    import edge_tts

    async def words() -> list[str]:
        stream = edge_tts.Communicate("他说OK了。", XIAOXIAO.name, boundary="WordBoundary").stream()
        return [c["text"] async for c in stream if c["type"] == "WordBoundary"]

    assert run(words()) == ["他", "说", "OK", "了"]
    assert edge_server.requests[0].boundary == "WordBoundary"
