"""Where every clip and pause falls in the output: pure arithmetic, no audio touched.

The assembler consumes `Layout.items`; chapter marks and subtitles read `placed` and
`chapters`, so all three agree on the same times. A chapter without a heading is named in
the book's language ('第3章', 'Chapter 3').
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tts.model import Clip, Pauses, Request, Segment, Silence

SegmentKey = tuple[int, int]


@dataclass(frozen=True)
class Placed:
    """A synthesized request and the second of the output where it starts."""

    start: float
    request: Request
    clip: Clip

    @property
    def end(self) -> float:
        return self.start + self.clip.duration


@dataclass(frozen=True)
class ChapterSpan:
    number: int
    title: str
    start: float
    end: float


@dataclass(frozen=True)
class Layout:
    items: tuple[Clip | Silence, ...]
    placed: tuple[Placed, ...]
    chapters: tuple[ChapterSpan, ...]
    seconds: float


def untitled_chapter(number: int, language: str | None) -> str:
    """What a chapter without a heading is called in the book's language: '第3章' for Chinese
    (the same in Simplified and Traditional), else 'Chapter 3'."""
    if language and language.lower().startswith("zh"):
        return f"第{number}章"
    return f"Chapter {number}"


def chapter_title(number: int, heading: str | None, language: str | None) -> str:
    """A chapter's title as players list it: its heading with its spaces tidied (no runs, no
    ideographic or stray spaces), else `untitled_chapter`."""
    return " ".join((heading or "").split()) or untitled_chapter(number, language)


def pause_between(prev: Segment, nxt: Segment, pauses: Pauses, scene: bool) -> float:
    """Silence between two spoken segments, from the structure of the text.

    Shortest between sentences of one speaker, longer at a change of speaker or paragraph,
    longer still after a heading and at a scene break, longest between chapters.
    """
    if prev.chapter != nxt.chapter:
        return pauses.chapter
    if scene:
        return pauses.scene
    if prev.kind == "heading":
        return pauses.heading
    if prev.paragraph != nxt.paragraph:
        return pauses.paragraph
    if prev.speaker != nxt.speaker or prev.kind != nxt.kind:
        return pauses.speaker
    return pauses.sentence


def scene_breaks(segments: Sequence[Segment]) -> set[SegmentKey]:
    """Keys of the spoken segments that a scene break follows."""
    after: set[SegmentKey] = set()
    last: SegmentKey | None = None
    for s in segments:
        if s.kind == "pause":
            if last is not None:
                after.add(last)
        else:
            last = (s.chapter, s.index)
    return after


def lay_out(
    segments: Sequence[Segment],
    pauses: Pauses,
    requests: Sequence[Request],
    clips: Sequence[Clip],
    titles: Mapping[int, str] | None = None,
    language: str | None = None,
) -> Layout:
    """Clips in reading order with the pauses the structure asks for, and their times.

    A chapter is titled by its heading in `titles`, else in the book's `language`
    (`chapter_title`)."""
    by_key = {(s.chapter, s.index): s for s in segments}
    scenes = scene_breaks(segments)
    items: list[Clip | Silence] = []
    placed: list[Placed] = []
    starts: dict[int, float] = {}
    now = 0.0
    previous: Segment | None = None
    for request, clip in zip(requests, clips, strict=True):
        first = by_key[request.keys[0]]
        if previous is not None:
            gap = pause_between(
                previous, first, pauses, (previous.chapter, previous.index) in scenes
            )
            items.append(Silence(gap))
            now += gap
        starts.setdefault(first.chapter, now)
        items.append(clip)
        placed.append(Placed(now, request, clip))
        now += clip.duration
        previous = by_key[request.keys[-1]]
    numbers = sorted(starts)
    chapters = tuple(
        ChapterSpan(
            number=n,
            title=chapter_title(n, (titles or {}).get(n), language),
            start=starts[n],
            end=starts[numbers[i + 1]] if i + 1 < len(numbers) else now,
        )
        for i, n in enumerate(numbers)
    )
    return Layout(tuple(items), tuple(placed), chapters, now)
