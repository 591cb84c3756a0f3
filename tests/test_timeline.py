"""The timeline: how long each silence is, and where chapters start, before any audio exists."""

from __future__ import annotations

import pytest

from tts.audio.timeline import lay_out, pause_between
from tts.model import Clip, Pauses, Request, Segment, Silence, Voice

PAUSES = Pauses()
VOICE = Voice("edge", "zh-CN-YunyangNeural")


def seg(
    index: int,
    text: str,
    kind: str = "narration",
    speaker: str | None = None,
    *,
    chapter: int = 1,
    paragraph: int = 0,
) -> Segment:
    return Segment(
        chapter=chapter,
        index=index,
        kind=kind,  # type: ignore[arg-type]
        text=text,
        paragraph=paragraph,
        line=index + 1,
        speaker=speaker,
        confidence=1.0 if speaker else None,
    )


@pytest.mark.parametrize(
    ("prev", "nxt", "scene", "expected"),
    [
        # one narrator, one paragraph: the shortest pause
        (seg(0, "雨下了一夜。"), seg(1, "街上没有人。"), False, PAUSES.sentence),
        (seg(0, "It rained."), seg(1, "Nobody came."), False, PAUSES.sentence),
        # a character answers inside the same paragraph
        (seg(0, "他问："), seg(1, "“走吗？”", "dialogue", "老周"), False, PAUSES.speaker),
        (
            seg(0, '"Ready?"', "dialogue", "Tom"),
            seg(1, '"Yes."', "dialogue", "Mary"),
            False,
            PAUSES.speaker,
        ),
        # a new paragraph, whoever speaks
        (seg(0, "雨停了。"), seg(1, "天亮了。", paragraph=1), False, PAUSES.paragraph),
        # after the chapter heading
        (seg(0, "第1章", "heading"), seg(1, "雨夜。", paragraph=1), False, PAUSES.heading),
        # at a scene break, even inside one paragraph
        (seg(0, "He left."), seg(2, "Morning came."), True, PAUSES.scene),
        # between chapters, scene break or not
        (seg(5, "The end."), seg(0, "Chapter 2", "heading", chapter=2), True, PAUSES.chapter),
    ],
    ids=["zh-sentence", "en-sentence", "zh-speaker", "en-speaker", "paragraph", "heading", "scene",
         "chapter"],
)  # fmt: skip
def test_pause_between(prev: Segment, nxt: Segment, scene: bool, expected: float) -> None:
    assert pause_between(prev, nxt, PAUSES, scene) == expected


def test_lay_out_places_clips_pauses_and_chapters() -> None:
    segments = [
        seg(0, "第1章 雨夜", "heading"),
        seg(1, "雨下了一夜。", paragraph=1),
        seg(2, "......", "pause", paragraph=2),
        seg(3, "天亮了。", paragraph=3),
        seg(0, "Chapter Two. Morning", "heading", chapter=2),
        seg(1, "The sun came out.", chapter=2, paragraph=1),
    ]
    spoken = [s for s in segments if s.kind != "pause"]
    requests = [Request(s.text, VOICE, ((s.chapter, s.index),)) for s in spoken]
    clips = [Clip(f"{i}.mp3", "mp3", 24000, 1, 1.0 + i) for i in range(len(spoken))]
    layout = lay_out(segments, PAUSES, requests, clips, titles={1: "第1章 雨夜"})

    gaps = [PAUSES.heading, PAUSES.scene, PAUSES.chapter, PAUSES.heading]
    expected_items: list[Clip | Silence] = [clips[0]]
    for gap, clip in zip(gaps, clips[1:], strict=True):
        expected_items += [Silence(gap), clip]
    assert list(layout.items) == expected_items

    starts = [0.0]
    for gap, clip in zip(gaps, clips, strict=False):
        starts.append(starts[-1] + clip.duration + gap)
    assert [p.start for p in layout.placed] == pytest.approx(starts)
    assert layout.seconds == pytest.approx(starts[-1] + clips[-1].duration)
    # a chapter without a title in `titles` is named by its number
    assert [(c.number, c.title) for c in layout.chapters] == [(1, "第1章 雨夜"), (2, "Chapter 2")]
    spans = [(c.start, c.end) for c in layout.chapters]
    assert spans == [(0.0, pytest.approx(starts[3])), pytest.approx((starts[3], layout.seconds))]
