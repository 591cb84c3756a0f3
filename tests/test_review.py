"""What a reviewer reads: who says each line, and which lines are too doubtful to voice."""

from __future__ import annotations

import pytest

from tts.model import Book, Cast, Chapter, Pauses, Script, Segment, Voice
from tts.speakers.review import review_html, screenplay

NARRATOR = Voice("edge", "narrator-voice")
UNKNOWN = Voice("edge", "unknown-voice")


def _script(language: str, texts: list[str], hero: str, alias: str) -> Script:
    """A heading, narration, a sure line, a shaky one, a doubtful guess, an unknown speaker
    and a scene break, the lines said by `hero` (the guess names him by `alias`)."""
    title, narration, sure, shaky, doubt, nobody = texts
    rows = [
        ("heading", title, None, None),
        ("narration", narration, None, None),
        ("dialogue", sure, hero, 0.95),
        ("dialogue", shaky, hero, 0.6),
        ("dialogue", doubt, alias, 0.3),
        ("dialogue", nobody, None, 0.0),
        ("pause", "***", None, None),
    ]
    segments = tuple(
        Segment(1, i, kind, text, i, i + 1, speaker=who, confidence=conf)
        for i, (kind, text, who, conf) in enumerate(rows)
    )
    cast = Cast(
        narrator=NARRATOR,
        unknown=UNKNOWN,
        speakers={hero: Voice("edge", "hero-voice")},
        aliases={alias: hero},
        threshold=0.5,
    )
    book = Book("b.txt", "Title", language, (Chapter(1, title, ()),))  # type: ignore[arg-type]
    return Script(book, segments, (), cast, Pauses())


CASES = [
    (
        "zh-Hans",
        ["第1章", "夜深了。", "走吧。", "嗯。", "谁？", "有人吗？"],
        "林晓峰",
        "晓峰",
        [
            "# 第1章",
            "旁白：夜深了。  [narrator-voice]",
            "林晓峰：走吧。  [hero-voice]",
            "林晓峰：嗯。  [hero-voice]  (0.60)",
            "? (guess 林晓峰, 0.30): 谁？  [unknown-voice]",
            "?: 有人吗？  [unknown-voice]",
            "   ......",
        ],
    ),
    (
        "en",
        ["Chapter 1", "It was late.", "Come on.", "Hm.", "Who?", "Anyone there?"],
        "Elizabeth",
        "Lizzy",
        [
            "# Chapter 1",
            "NARRATOR: It was late.  [narrator-voice]",
            "Elizabeth: Come on.  [hero-voice]",
            "Elizabeth: Hm.  [hero-voice]  (0.60)",
            "? (guess Elizabeth, 0.30): Who?  [unknown-voice]",
            "?: Anyone there?  [unknown-voice]",
            "   ......",
        ],
    ),
]


@pytest.mark.parametrize(("language", "texts", "hero", "alias", "expected"), CASES)
def test_screenplay_names_the_voice_heard_and_marks_doubtful_lines(
    language: str, texts: list[str], hero: str, alias: str, expected: list[str]
) -> None:
    assert screenplay(_script(language, texts, hero, alias)).splitlines() == expected


@pytest.mark.parametrize(("language", "texts", "hero", "alias", "expected"), CASES)
def test_review_page_counts_the_doubtful_lines_and_the_cast(
    language: str, texts: list[str], hero: str, alias: str, expected: list[str]
) -> None:
    page = review_html(_script(language, texts, hero, alias))
    assert "4 lines of dialogue,\n2 doubtful" in page
    assert f"■ {hero}</td><td>2</td><td>hero-voice</td>" in page
    assert "<td>narrator</td><td>1</td><td>narrator-voice</td>" in page
    assert "<td>? unknown</td><td>2</td><td>unknown-voice</td>" in page
    assert f'<span class="who">? {hero} <small>0.30</small></span>{texts[4]}' in page
