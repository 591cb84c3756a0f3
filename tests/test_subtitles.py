"""Subtitles: every line shows up when it is heard, with who says it.

Unit tables pin the exact SRT, WebVTT and LRC text; alignment tests feed `cues` clips with
boundaries as the engines report them (merged requests, slightly different text, none at
all, a line spread over two requests, pauses and chapters); the end-to-end test synthesizes
a chapter through the fake Edge service and checks every cue against where its tone starts
in the decoded MP3.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from edge_server import (
    LEAD_SECONDS,
    decode_mp3,
    sentences,
    speech_seconds,
    tone_frequency,
    voice_for_tone,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tts.audio.assemble import assemble
from tts.audio.subtitles import (
    Cue,
    cue_ranges,
    cues,
    speaker_prefix,
    subtitle_path,
    to_lrc,
    to_srt,
    to_vtt,
    write_subtitles,
)
from tts.audio.timeline import Placed, lay_out
from tts.cast.casting import build_cast
from tts.errors import AudiobookError, ConfigError
from tts.model import JOINER, Boundary, Clip, Pauses, Request, Segment, Voice
from tts.read.plain import build_book
from tts.speakers.attribute import attribute
from tts.speakers.scriptfile import heard_speaker
from tts.speech.cache import ClipCache
from tts.speech.engines.edge import EdgeEngine
from tts.speech.engines.edge_voices import shipped_voices
from tts.speech.synth import plan_requests, synthesize_all

NARRATOR = Voice("edge", "zh-CN-YunyangNeural")
RATE = 24_000


def seg(
    chapter: int,
    index: int,
    text: str,
    kind: str = "narration",
    speaker: str | None = None,
    paragraph: int | None = None,
) -> Segment:
    return Segment(
        chapter=chapter,
        index=index,
        kind=kind,  # type: ignore[arg-type]
        text=text,
        paragraph=index if paragraph is None else paragraph,
        line=index + 1,
        speaker=speaker,
        confidence=1.0 if speaker else None,
    )


def placed(
    start: float,
    segments: list[Segment],
    boundaries: tuple[Boundary, ...] = (),
    duration: float = 10.0,
    text: str | None = None,
) -> Placed:
    request = Request(
        text if text is not None else JOINER.join(s.text for s in segments),
        NARRATOR,
        tuple((s.chapter, s.index) for s in segments),
    )
    clip = Clip("clip.mp3", "mp3", RATE, 1, duration, boundaries)
    return Placed(start, request, clip)


def by_speaker(segment: Segment) -> str | None:
    return segment.speaker


def starts(found: list[Cue]) -> list[float]:
    return [round(c.start, 3) for c in found]


# --- writers ------------------------------------------------------------------------------

ZH = [
    Cue(0.05, 1.2, "江面上起了雾。", None, 1, (1, 0)),
    Cue(1.2, 3.456, "这么大的雾，今晚还过江吗？", "王主任", 1, (1, 1)),
    Cue(3725.5, 3727.0049, "老周叹了口气。", None, 2, (2, 0)),
]
EN = [
    Cue(0.0, 2.5, "It was a truth universally acknowledged.", None, 1, (1, 0)),
    Cue(2.5, 4.0, "My dear, have you heard?", "Mrs. Bennet", 1, (1, 1)),
    Cue(4502.345, 4505.0, "Tom & Jerry <3", "Elizabeth", 1, (1, 2)),
]


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (
            ZH,
            "1\n00:00:00,050 --> 00:00:01,200\n江面上起了雾。\n\n"
            "2\n00:00:01,200 --> 00:00:03,456\n王主任：这么大的雾，今晚还过江吗？\n\n"
            "3\n01:02:05,500 --> 01:02:07,005\n老周叹了口气。\n",
        ),
        (
            EN,
            "1\n00:00:00,000 --> 00:00:02,500\nIt was a truth universally acknowledged.\n\n"
            "2\n00:00:02,500 --> 00:00:04,000\nMrs. Bennet: My dear, have you heard?\n\n"
            "3\n01:15:02,345 --> 01:15:05,000\nElizabeth: Tom & Jerry <3\n",
        ),
        ([], ""),
    ],
)
def test_srt(found: list[Cue], expected: str) -> None:
    assert to_srt(found) == expected


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (
            ZH,
            "WEBVTT\n\n"
            "00:00:00.050 --> 00:00:01.200\n江面上起了雾。\n\n"
            "00:00:01.200 --> 00:00:03.456\n<v 王主任>这么大的雾，今晚还过江吗？\n\n"
            "01:02:05.500 --> 01:02:07.005\n老周叹了口气。\n",
        ),
        (
            EN,
            "WEBVTT\n\n"
            "00:00:00.000 --> 00:00:02.500\nIt was a truth universally acknowledged.\n\n"
            "00:00:02.500 --> 00:00:04.000\n<v Mrs. Bennet>My dear, have you heard?\n\n"
            "01:15:02.345 --> 01:15:05.000\n<v Elizabeth>Tom &amp; Jerry &lt;3\n",
        ),
        ([], "WEBVTT\n"),
    ],
)
def test_vtt(found: list[Cue], expected: str) -> None:
    assert to_vtt(found) == expected


def test_lrc_chinese_with_tags_and_minutes_past_59() -> None:
    assert to_lrc(ZH, title="第1章 夜渡", artist="佚名", album="夜渡") == (
        "[ti:第1章 夜渡]\n[ar:佚名]\n[al:夜渡]\n"
        "[00:00.05]江面上起了雾。\n"
        "[00:01.20]王主任：这么大的雾，今晚还过江吗？\n"
        "[62:05.50]老周叹了口气。\n"
    )


def test_lrc_english_leaves_out_missing_tags_and_keeps_brackets_out_of_them() -> None:
    assert to_lrc(EN, title="Pride [and] Prejudice", artist=None, album="  ") == (
        "[ti:Pride (and) Prejudice]\n"
        "[00:00.00]It was a truth universally acknowledged.\n"
        "[00:02.50]Mrs. Bennet: My dear, have you heard?\n"
        "[75:02.35]Elizabeth: Tom & Jerry <3\n"
    )


@pytest.mark.parametrize(
    ("seconds", "srt", "lrc"),
    [
        (0.0, "00:00:00,000", "[00:00.00]"),
        (59.9996, "00:01:00,000", "[01:00.00]"),
        (3599.999, "00:59:59,999", "[60:00.00]"),
        (36000.25, "10:00:00,250", "[600:00.25]"),
        (-0.01, "00:00:00,000", "[00:00.00]"),
    ],
)
def test_timestamps_round_and_carry(seconds: float, srt: str, lrc: str) -> None:
    cue = Cue(seconds, max(seconds, 0.0), "x", None, 1, (1, 0))
    assert to_srt([cue]).splitlines()[1].startswith(srt + " --> ")
    assert to_lrc([cue]).startswith(lrc)


@pytest.mark.parametrize(
    ("speaker", "text", "prefix"),
    [
        ("王主任", "你好。", "王主任："),
        ("Elizabeth", "Good morning.", "Elizabeth: "),
        ("Elizabeth", "早上好。", "Elizabeth："),
        ("王主任", "OK.", "王主任："),
    ],
)
def test_speaker_separator_follows_the_script(speaker: str, text: str, prefix: str) -> None:
    assert speaker_prefix(speaker, text) == prefix


def test_a_line_break_inside_a_cue_never_ends_the_block() -> None:
    cue = Cue(1.0, 2.0, "first line\n\nsecond line", "Jane", 1, (1, 0))
    assert to_srt([cue]) == "1\n00:00:01,000 --> 00:00:02,000\nJane: first line second line\n"
    assert "\n\n" not in to_vtt([cue]).removeprefix("WEBVTT\n\n")


@pytest.mark.parametrize("fmt", ["srt", "vtt", "lrc"])
def test_write_subtitles_is_utf8_without_bom_and_leaves_no_temp_file(
    tmp_path: Path, fmt: str
) -> None:
    path = subtitle_path(tmp_path / "书.mp3", fmt)
    assert path == tmp_path / f"书.{fmt}"
    path.write_text("old", encoding="utf-8")
    write_subtitles(path, ZH, fmt, title="夜渡")
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert "王主任" in data.decode("utf-8")
    assert ("[ti:夜渡]" in data.decode("utf-8")) == (fmt == "lrc")
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_write_subtitles_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="choose one of srt, lrc, vtt"):
        write_subtitles(tmp_path / "a.ass", ZH, "ass")
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    with pytest.raises(AudiobookError, match="cannot write .*-o"):
        write_subtitles(tmp_path / "a-file" / "a.srt", ZH, "srt")


# --- cutting long lines into cues ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "pieces"),
    [
        ("短句。", 36, ["短句。"]),
        (
            "江面上起了雾。老周把船拴在柳树下。点起一盏马灯。",
            12,
            ["江面上起了雾。", "老周把船拴在柳树下。", "点起一盏马灯。"],
        ),
        ("江面上起了雾。老周把船拴在柳树下。", 36, ["江面上起了雾。老周把船拴在柳树下。"]),
        (
            "“走吧！”他说。“好。”",
            5,
            ["“走吧！”", "他说。", "“好。”"],
        ),
        (
            "Mr. Darcy bowed. She did not. Nobody spoke for a long while after that.",
            32,
            ["Mr. Darcy bowed. She did not.", "Nobody spoke for a long while", "after that."],
        ),
        ("Yes. ...", 3, ["Yes. ..."]),
    ],
)
def test_cue_ranges_cut_at_sentences_then_clauses(text: str, limit: int, pieces: list[str]) -> None:
    got = [text[a:b].strip() for a, b in cue_ranges(text, 0, len(text), limit)]
    assert got == pieces


# --- alignment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "boundaries", "expected_starts"),
    [
        (
            ["江面上起了雾。", "这么大的雾，今晚还过江吗？", "老周问道。"],
            (
                Boundary(0.1, 0.8, "江面上起了雾。"),
                Boundary(1.05, 1.5, "这么大的雾，今晚还过江吗？"),
                Boundary(2.7, 0.6, "老周问道。"),
            ),
            [100.1, 101.05, 102.7],
        ),
        (
            ["It was late.", "Are you coming?", "she asked."],
            (
                Boundary(0.1, 0.6, "It was late."),
                Boundary(0.85, 0.9, "Are you coming?"),
                Boundary(1.9, 0.5, "she asked."),
            ),
            [100.1, 100.85, 101.9],
        ),
    ],
)
def test_merged_request_each_cue_starts_with_its_sentence(
    texts: list[str], boundaries: tuple[Boundary, ...], expected_starts: list[float]
) -> None:
    segments = [seg(1, i, t) for i, t in enumerate(texts)]
    found = cues(segments, [placed(100.0, segments, boundaries, 3.5)], by_speaker)
    assert [c.text for c in found] == texts
    assert starts(found) == expected_starts
    assert [round(c.end, 3) for c in found] == [
        round(100 + b.offset + b.duration, 3) for b in boundaries
    ]


def test_word_boundaries_time_sentences_too() -> None:
    segments = [seg(1, 0, "It was late."), seg(1, 1, "Come in!")]
    words = (
        Boundary(0.1, 0.2, "It"),
        Boundary(0.3, 0.2, "was"),
        Boundary(0.5, 0.3, "late"),
        Boundary(1.0, 0.3, "Come"),
        Boundary(1.3, 0.2, "in"),
    )
    found = cues(segments, [placed(0.0, segments, words, 2.0)], by_speaker)
    assert starts(found) == [0.1, 1.0]
    assert [round(c.end, 3) for c in found] == [0.8, 1.5]


@pytest.mark.parametrize(
    ("texts", "boundary_texts"),
    [
        # the client hands back XML-escaped text
        (
            ["Tom & Jerry ran.", "Then <nothing>.", "The end."],
            ["Tom &amp; Jerry ran.", "Then &lt;nothing&gt;.", "The end."],
        ),  # fmt: skip
        # quotes dropped, full-width digits and letters, case changed
        (
            ["“走吧！”他说。", "第１２章。", "ＯＫ，好的。"],
            ["走吧！他说。", "第12章。", "ok，好的。"],
        ),
        # a number read out as words, a dropped word
        (
            ["He paid 20 dollars.", "Then he left quickly.", "Nobody followed."],
            ["He paid twenty dollars.", "Then he left.", "Nobody followed."],
        ),
        # a sentence the service did not report at all
        (["第一句。", "第二句没有边界。", "第三句。"], ["第一句。", "", "第三句。"]),
    ],
)
def test_boundaries_whose_text_differs_still_align(
    texts: list[str], boundary_texts: list[str]
) -> None:
    segments = [seg(1, i, t) for i, t in enumerate(texts)]
    offsets = [0.1, 1.5, 3.0]
    boundaries = tuple(
        Boundary(o, 1.2, t) for o, t in zip(offsets, boundary_texts, strict=True) if t
    )
    found = cues(segments, [placed(10.0, segments, boundaries, 4.5)], by_speaker)
    assert [c.text for c in found] == texts
    got = starts(found)
    assert got[0] == 10.1 and got[2] == 13.0
    if boundary_texts[1]:
        assert got[1] == 11.5
    else:  # timed between its neighbours: after the first ends, before the third starts
        assert 11.3 <= got[1] < 13.0


@pytest.mark.parametrize(
    ("texts", "duration", "expected"),
    [
        (
            ["一二三四五六七八九十。", "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉。"],
            3.0,
            [(20.0, 21.0), (21.0, 23.0)],
        ),  # fmt: skip
        (["Yes.", "I know him well."], 3.0, [(20.0, 20.6), (20.6, 23.0)]),
        # a Han character takes 2.5 times as long as a Latin letter
        (["OK", "好的"], 2.8, [(20.0, 20.8), (20.8, 22.8)]),
    ],
)
def test_without_boundaries_time_is_shared_by_speakable_characters(
    texts: list[str], duration: float, expected: list[tuple[float, float]]
) -> None:
    segments = [seg(1, i, t) for i, t in enumerate(texts)]
    found = cues(segments, [placed(20.0, segments, (), duration)], by_speaker)
    assert [(round(c.start, 3), round(c.end, 3)) for c in found] == expected


def test_a_line_split_over_two_requests_takes_times_from_both() -> None:
    text = "他把文件翻过去，看得非常仔细。又在页脚签上名字，才放下手里的笔。"
    line = seg(1, 4, text)
    first, second = text[:15], text[15:]
    pieces = [
        placed(5.0, [line], (Boundary(0.1, 1.7, first),), 2.0, text=first),
        placed(7.25, [line], (Boundary(0.08, 1.9, second),), 2.1, text=second),
    ]
    found = cues([line], pieces, by_speaker)
    assert [c.text for c in found] == [first, second]
    assert starts(found) == [5.1, 7.33]
    assert {c.key for c in found} == {(1, 4)}


def test_a_long_line_becomes_several_cues_each_at_its_sentence() -> None:
    text = "Elizabeth walked on alone. She crossed field after field at a quick pace. " * 2
    line = seg(1, 0, text.strip(), "dialogue", "Elizabeth")
    parts = [
        "Elizabeth walked on alone.",
        "She crossed field after field at a quick pace.",
    ] * 2
    at, bounds = 0.2, []
    for part in parts:
        bounds.append(Boundary(at, 1.0, part))
        at += 1.3
    found = cues([line], [placed(0.0, [line], tuple(bounds), at + 0.3)], by_speaker)
    assert all(len(c.text) <= 84 for c in found)
    assert " ".join(c.text for c in found) == text.strip()
    assert [c.speaker for c in found] == ["Elizabeth"] * len(found)
    sentence_starts = {round(b.offset, 3) for b in bounds}
    assert set(starts(found)) <= sentence_starts and len(found) >= 2


def test_pauses_and_chapters_from_the_timeline() -> None:
    segments = [
        seg(1, 0, "第1章 雨夜", "heading", paragraph=-1),
        seg(1, 1, "雨下了一夜。"),
        seg(1, 2, "材料准备好了吗？", "dialogue", "王主任", paragraph=2),
        seg(1, 3, "......", "pause", paragraph=3),
        seg(1, 4, "天亮了。", paragraph=4),
        seg(2, 0, "第2章 晴天", "heading", paragraph=-1),
        seg(2, 1, "Sunny.", paragraph=0),
    ]
    wang = Voice("edge", "zh-CN-YunxiNeural")
    requests = plan_requests(
        [(s, None if s.kind == "pause" else wang if s.speaker else NARRATOR) for s in segments],
        100,
    )
    clips = [
        Clip(f"{i}.mp3", "mp3", RATE, 1, 0.2 + 0.3 * len(r.text), (Boundary(0.1, 0.2, r.text),))
        for i, r in enumerate(requests)
    ]
    layout = lay_out(segments, Pauses(), requests, clips)
    found = cues(segments, layout.placed, by_speaker)
    assert [c.key for c in found] == [(1, 0), (1, 1), (1, 2), (1, 4), (2, 0), (2, 1)]
    assert starts(found) == [round(p.start + 0.1, 3) for p in layout.placed]
    assert [c.chapter for c in found] == [1, 1, 1, 1, 2, 2]
    assert [c.speaker for c in found] == [None, None, "王主任", None, None, None]
    gaps = [b.start - a.start for a, b in zip(layout.placed, layout.placed[1:], strict=False)]
    # the scene break and the chapter change are heard as longer silences, and cues follow
    assert gaps[2] - layout.placed[2].clip.duration == pytest.approx(Pauses().scene)
    assert gaps[3] - layout.placed[3].clip.duration == pytest.approx(Pauses().chapter)


def test_bad_boundaries_are_ignored() -> None:
    segments = [seg(1, 0, "第一句。"), seg(1, 1, "第二句。"), seg(1, 2, "第三句。")]
    boundaries = (
        Boundary(0.1, 0.5, "第一句。"),
        Boundary(-5.0, 0.5, "第二句。"),  # an offset that overflowed
        Boundary(1.5, 0.5, "第三句。"),
        Boundary(0.2, 0.5, "第一句。"),  # runs backwards
    )
    found = cues(segments, [placed(0.0, segments, boundaries, 2.5)], by_speaker)
    assert starts(found)[0] == 0.1 and starts(found)[2] == 1.5
    assert 0.6 <= found[1].start < 1.5


def test_a_request_that_is_not_our_join_is_shared_among_its_segments() -> None:
    segments = [seg(1, 0, "一二三。"), seg(1, 1, "四五六七八九。")]
    found = cues(segments, [placed(0.0, segments, (), 3.0, text="一二三四五六七八九")], by_speaker)
    assert [(c.text, round(c.start, 3), round(c.end, 3)) for c in found] == [
        ("一二三。", 0.0, 1.0),
        ("四五六七八九。", 1.0, 3.0),
    ]


_WORDS = st.sampled_from(["江面", "雾", "老周", "Tom", "said", "20", "。", "，", "!", " "])


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.lists(_WORDS, min_size=1, max_size=12).map("".join), min_size=1, max_size=4),
    keep=st.lists(st.booleans(), min_size=4, max_size=4),
    duration=st.floats(0.3, 20.0),
)
def test_cues_are_in_order_inside_the_clip_and_cover_every_spoken_line(
    texts: list[str], keep: list[bool], duration: float
) -> None:
    segments = [seg(1, i, t.strip()) for i, t in enumerate(texts)]
    spoken = [s for s in segments if any(ch.isalnum() for ch in s.text)]
    if not spoken or any(not s.text for s in segments):
        return
    step = duration / (len(spoken) + 1)
    boundaries = tuple(
        Boundary(step * i, step, s.text) for i, s in enumerate(spoken) if keep[i % len(keep)]
    )
    found = cues(segments, [placed(7.0, segments, boundaries, duration)], by_speaker)
    assert {c.key for c in found} == {(s.chapter, s.index) for s in spoken}
    for a, b in zip(found, found[1:], strict=False):
        assert a.end <= b.start + 1e-9
    assert all(7.0 <= c.start <= c.end <= 7.0 + duration + 1e-9 for c in found)


# --- end to end: cues against the decoded audio -------------------------------------------

CHAPTERS = """第1章 雨夜
雨下了整整一夜，街上没有一个行人。
王主任推开门，抖了抖伞上的水：“小李，材料都准备好了吗？”
小李连忙站起来：“都好了，就等您签字。”
“那就好。”王主任点点头。
他把文件一页一页地翻过去，看得非常仔细，每看完一页就在右上角写下日期，又在页脚签上自己的名字，直到窗外的天色完全亮了起来，才放下手里的笔。
......
天亮的时候，雨终于停了。

第2章 晴天
第二天一早，太阳照进了办公室。
窗台上的花开了。
楼下传来了自行车的铃声。
王主任笑着说：“今天天气真好。”
"""


def sound_runs(samples, min_gap: float = 0.15, threshold: int = 300) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of tone separated by at least `min_gap` of quiet."""
    window = RATE // 200  # 5 ms
    runs: list[tuple[float, float]] = []
    begin: float | None = None
    quiet_since: float | None = None
    for i in range(0, len(samples) - window + 1, window):
        chunk = samples[i : i + window]
        t = i / RATE
        if max(chunk) > threshold or -min(chunk) > threshold:
            if begin is None:
                begin = t
            quiet_since = None
        elif begin is not None:
            if quiet_since is None:
                quiet_since = t
            if t + window / RATE - quiet_since >= min_gap:
                runs.append((begin, quiet_since))
                begin = quiet_since = None
    if begin is not None:
        runs.append((begin, quiet_since if quiet_since is not None else len(samples) / RATE))
    return runs


def test_cue_times_match_the_decoded_audio(edge_server, tmp_path: Path) -> None:
    book = build_book(CHAPTERS, source="雨夜.txt", title="雨夜")
    segments, characters = attribute(book)
    cast = build_cast(characters, language=book.language, engine="edge", voices=shipped_voices())
    # A small request size, so lines merge into one request, and the long line is split in two.
    requests = plan_requests([(s, cast.voice_for(s)) for s in segments], 40)
    assert any(len(r.keys) >= 3 for r in requests)
    assert any(a.keys == b.keys for a, b in zip(requests, requests[1:], strict=False))
    engine = EdgeEngine()
    clips = asyncio.run(synthesize_all(requests, engine, ClipCache(tmp_path / "clips")))
    layout = lay_out(segments, Pauses(), requests, clips)
    out = tmp_path / "雨夜.mp3"
    assemble(layout.items, out)
    found = cues(segments, layout.placed, lambda s: heard_speaker(cast, s))

    samples = decode_mp3(out.read_bytes())
    runs = sound_runs(samples)
    assert len(runs) == len(layout.placed), "one run of tone per request, silence between"

    for run, item in zip(runs, layout.placed, strict=True):
        # the right voice speaks in each run...
        middle = samples[int(run[0] * RATE) + 240 : int(run[1] * RATE) - 240]
        assert voice_for_tone(tone_frequency(middle)) == item.request.voice.name
        # ...and the request's first cue starts where its tone does
        key = item.request.keys[0]
        cue = next(c for c in found if c.key == key and c.start >= item.start - 1e-6)
        assert abs(cue.start - run[0]) < 0.1, (cue, run)

    # inner starts of merged requests: each segment where its sentence starts in the audio
    inner = 0
    for run, item in zip(runs, layout.placed, strict=True):
        lines = item.request.text.split(JOINER)
        at = run[0] + LEAD_SECONDS
        for key, line in zip(item.request.keys, lines, strict=True):
            if len(item.request.keys) > 1:
                cue = next(c for c in found if c.key == key)
                assert abs(cue.start - at) < 0.1, (cue, at)
                inner += 1
            at += sum(speech_seconds(s) for s in sentences(line))
    assert inner >= 3

    # and with a speaker on the dialogue, in order, never overlapping
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))
    lrc = to_lrc(found, title="雨夜")
    assert "王主任：小李，材料都准备好了吗？" in lrc
    assert {c.chapter for c in found} == {1, 2}
    assert found[-1].end <= layout.seconds
    chapter_two = next(c for c in found if c.chapter == 2)
    assert abs(chapter_two.start - layout.chapters[1].start - LEAD_SECONDS) < 0.01


ENGLISH = """Chapter 1. The Letter

The rain had not stopped all night. Nobody walked in the street.
"Is the report ready?" asked Mr. Hale, shaking the water from his umbrella.
"Almost," said Clara. "I only need your signature."
"Good." Mr. Hale nodded and sat down.

Chapter 2. Morning

The sun came through the window the next day.
"What a fine morning," said Clara.
"""


def test_offline_engine_cues_start_where_speech_resumes(tmp_path: Path) -> None:
    from tts.speech.engines.espeak import EspeakEngine

    book = build_book(ENGLISH, source="letter.txt", title="letter")
    segments, characters = attribute(book)
    cast = build_cast(characters, language=book.language, engine="espeak")
    engine = EspeakEngine()
    requests = plan_requests([(s, cast.voice_for(s)) for s in segments], engine.max_request_chars)
    clips = asyncio.run(synthesize_all(requests, engine, ClipCache(tmp_path / "clips")))
    layout = lay_out(segments, Pauses(), requests, clips)
    out = tmp_path / "letter.mp3"
    assemble(layout.items, out)  # raw PCM clips: re-encoded, so the encoder's delay counts too
    found = cues(segments, layout.placed, lambda s: heard_speaker(cast, s))

    runs = sound_runs(decode_mp3(out.read_bytes()), min_gap=0.1)
    spoken = [s for s in segments if s.kind != "pause"]
    assert [c.key for c in found] == [(s.chapter, s.index) for s in spoken]
    for cue in found:
        nearest = min(runs, key=lambda run: abs(run[0] - cue.start))
        assert abs(nearest[0] - cue.start) < 0.1, (cue, nearest)
    srt = to_srt(found)
    assert "\nMr. Hale: Is the report ready?\n" in srt
    assert "\nClara: I only need your signature.\n" in srt
    assert "\nasked Mr. Hale, shaking the water from his umbrella.\n" in srt
