"""Splitting paragraphs into narration, dialogue and pauses: what a listener would hear."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tts.model import Chapter, Paragraph
from tts.speakers.segment import detect_style, segment_chapter


def chapter(*lines: str, title: str | None = None) -> Chapter:
    paras = tuple(
        Paragraph(text, n, scene_break=text in ("......", "***")) for n, text in enumerate(lines, 2)
    )
    return Chapter(1, title, paras, heading_line=1 if title else None)


def parts(ch: Chapter, language: str = "zh-Hans") -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in segment_chapter(ch, language)]  # type: ignore[arg-type]


N, D, P = "narration", "dialogue", "pause"


@pytest.mark.parametrize(
    ("lines", "language", "expected"),
    [
        # tag after, before, between (Simplified, Traditional with 「」, English)
        (["“你来了？”张伟问道。"], "zh-Hans", [(D, "你来了？"), (N, "张伟问道。")]),
        (["李明笑了笑：“路过。”"], "zh-Hans", [(N, "李明笑了笑："), (D, "路过。")]),
        (
            ["「下週一之前。」周建國說，「先拿個初稿。」"],
            "zh-Hant",
            [(D, "下週一之前。"), (N, "周建國說，"), (D, "先拿個初稿。")],
        ),
        (
            ['"I hope," said Mr. Thornton, "that I do not intrude."'],
            "en",
            [(D, "I hope,"), (N, "said Mr. Thornton,"), (D, "that I do not intrude.")],
        ),
        # nested quotes stay inside the outer line
        (
            ["他说：“群众反映的还是‘门难进’的问题。”"],
            "zh-Hans",
            [(N, "他说："), (D, "群众反映的还是‘门难进’的问题。")],
        ),
        (
            ["「他說『明天見』就走了。」她說。"],
            "zh-Hant",
            [(D, "他說『明天見』就走了。"), (N, "她說。")],
        ),
        (
            ["\"She said 'never' to me,\" he said."],
            "en",
            [(D, "She said 'never' to me,"), (N, "he said.")],
        ),
        # a short quoted term inside a sentence is narration
        (
            ["所谓的“最多跑一次”改革推行得并不顺利。"],
            "zh-Hans",
            [(N, "所谓的“最多跑一次”改革推行得并不顺利。")],
        ),
        (
            ['The so-called "reform" changed nothing.'],
            "en",
            [(N, 'The so-called "reform" changed nothing.')],
        ),
        (
            ["他们提出了“让数据多跑路，群众少跑腿”的口号。"],
            "zh-Hans",
            [(N, "他们提出了“让数据多跑路，群众少跑腿”的口号。")],
        ),
        # ...but not after a speech verb
        (["他只说“好”，就走了。"], "zh-Hans", [(N, "他只说"), (D, "好"), (N, "就走了。")]),
        # apostrophes are never quotes
        (
            ["Sam's truck wouldn't start at the Bennets' farm."],
            "en",
            [(N, "Sam's truck wouldn't start at the Bennets' farm.")],
        ),
        # British single quotes with apostrophes inside
        (
            ["‘I don’t suppose you’ve seen it,’ said Harriet."],
            "en",
            [(D, "I don’t suppose you’ve seen it,"), (N, "said Harriet.")],
        ),
        # quote-only paragraph without any speakable text disappears
        (["“……”", "他沉默了。"], "zh-Hans", [(N, "他沉默了。")]),
        # straight double quotes, alone or mixed with curly ones
        (
            ['"Wait," she said. "Not yet."'],
            "en",
            [(D, "Wait,"), (N, "she said."), (D, "Not yet.")],
        ),
        (
            ['“Wait,” she said. "Not yet."'],
            "en",
            [(D, "Wait,"), (N, "she said."), (D, "Not yet.")],
        ),
        (['"Run!"'], "en", [(D, "Run!")]),
        (
            ['他说："好的。"然后走了。'],
            "zh-Hans",
            [(N, "他说："), (D, "好的。"), (N, "然后走了。")],
        ),
        # ...where a mark before a space opens nothing
        (
            ['He measured 5" of snow and said "enough."'],
            "en",
            [(N, 'He measured 5" of snow and said'), (D, "enough.")],
        ),
        (
            ['She shouted " run" twice, then "Stop."'],
            "en",
            [(N, 'She shouted " run" twice, then'), (D, "Stop.")],
        ),
    ],
)
def test_split_table(lines: list[str], language: str, expected: list[tuple[str, str]]) -> None:
    assert parts(chapter(*lines), language) == expected


def test_heading_and_pause_segments() -> None:
    segs = segment_chapter(
        chapter("“好。”他说。", "......", "天亮了。", title="第1章 开始"), "zh-Hans"
    )
    assert [(s.kind, s.paragraph, s.index) for s in segs] == [
        ("heading", -1, 0),
        ("dialogue", 0, 1),
        ("narration", 0, 2),
        ("pause", 1, 3),
        ("narration", 2, 4),
    ]
    assert segs[0].text == "第1章 开始" and segs[3].text == "......"
    assert segs[0].line == 1 and segs[1].line == 2


def test_speech_over_paragraphs_english_reopening() -> None:
    ch = chapter(
        '"When I was young, I believed every question had an answer.',
        '"I looked for ten years.',
        '"I found very few," he said.',
        "She laughed.",
    )
    assert parts(ch, "en") == [
        (D, "When I was young, I believed every question had an answer."),
        (D, "I looked for ten years."),
        (D, "I found very few,"),
        (N, "he said."),
        (N, "She laughed."),
    ]


def test_speech_over_paragraphs_without_marks_in_the_middle() -> None:
    ch = chapter(
        "他缓缓开口：“同志们，这五年来变化很大。",
        "道路修好了，学校盖起来了。",
        "可是困难依然存在。”",
        "台下响起了掌声。",
    )
    assert parts(ch) == [
        (N, "他缓缓开口："),
        (D, "同志们，这五年来变化很大。"),
        (D, "道路修好了，学校盖起来了。"),
        (D, "可是困难依然存在。"),
        (N, "台下响起了掌声。"),
    ]


@pytest.mark.parametrize(
    ("lines", "language"),
    [
        (
            ["“这句话没有结尾。", "他转身离开了。", "天色渐渐暗了下来。", "“明天见。”她说。"],
            "zh-Hans",
        ),
        (['"This never closes.', "He left.", "It grew dark.", '"Goodbye," she said.'], "en"),
    ],
)
def test_unclosed_quote_ends_with_its_paragraph(lines: list[str], language: str) -> None:
    kinds = [k for k, _ in parts(chapter(*lines), language)]
    assert kinds == [D, N, N, D, N]


def test_dominant_style_decides_what_opens_speech() -> None:
    texts = ["「你好。」他說。", "「再見。」", "他把『書架』整理好了。"]
    style = detect_style(texts, "zh-Hant")
    assert "corner" in style.families and "wcorner" not in style.families
    ch = chapter(*texts)
    assert parts(ch, "zh-Hant")[-1] == (N, "他把『書架』整理好了。")


_SPEAKABLE = re.compile(r"[^\W_]")


def speakable(text: str) -> str:
    return "".join(_SPEAKABLE.findall(text))


_ZH_ALPHABET = list('我你他说道好的了是不人“”「」『』‘’"，。！？：、 …') + ["王主任", "abc"]
_EN_ALPHABET = list("abcdeHIs \"'‘’“”,.!?:;-") + ["said", "don't", "Mr. Darcy", "the Bennets'"]


@pytest.mark.parametrize(
    ("alphabet", "language"), [(_ZH_ALPHABET, "zh-Hans"), (_EN_ALPHABET, "en")]
)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_speakable_character_exactly_once(
    alphabet: list[str], language: str, data: st.DataObject
) -> None:
    para = st.lists(st.sampled_from(alphabet), min_size=0, max_size=30).map("".join)
    lines = data.draw(st.lists(para, min_size=1, max_size=8))
    ch = chapter(*[line for line in lines if line.strip()] or ["x"], title="Title 1")
    segs = segment_chapter(ch, language)  # type: ignore[arg-type]
    source = speakable(ch.title or "") + "".join(speakable(p.text) for p in ch.paragraphs)
    assert "".join(speakable(s.text) for s in segs) == source
    assert [s.index for s in segs] == list(range(len(segs)))
    assert all(s.kind != "dialogue" or s.text.strip() for s in segs)
