"""A transcript timed to the audio: SRT, WebVTT and LRC subtitles.

`cues` reads where every clip landed (`tts.audio.timeline.Placed`) and the sentence (or word)
boundaries the engine reported for it, and works out when each segment's words are heard.
A request may cover several segments joined by `JOINER`, and a long line may be spread over
several requests; the boundaries' texts are aligned to the request's text by walking both
in a normalized form (letters and digits only, case-folded, NFKC, XML entities undone), so a
boundary text that differs a little from what was sent (escaped, lost quotes, a changed
word) still lands in the right place. Text no boundary covers gets its time by sharing the
stretch around it in proportion to how long it takes to say (a Han character counts as
much as two and a half Latin letters). A clip without usable boundaries is shared out whole.

Writers turn cues into text; only `write_subtitles` touches the disk.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

from tts.atomic import write_text
from tts.audio.timeline import Placed
from tts.errors import ConfigError
from tts.model import JOINER, SUBTITLE_FORMATS, Boundary, Segment
from tts.text import hard_cut, is_wide

CJK_CUE_CHARS = 36
"""Most characters in one cue of Chinese text: two subtitle lines of about 18."""
LATIN_CUE_CHARS = 84
"""Most characters in one cue of English text: two subtitle lines of 42."""
WIDE_WEIGHT = 2.5
"""How much longer a Han character takes to say than a Latin letter (for shared-out time)."""

_CLOSERS = "”’」』）)】》\"'"
_SENTENCE_END = re.compile(
    rf"[。！？；…!?;]+[{_CLOSERS}]*"
    rf"|(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)\.+[{_CLOSERS}]*(?=\s|$)"
)
_CLAUSE_END = re.compile(rf"(?:[，、,：:]+|——)[{_CLOSERS}]*")
_BACKWARDS = 0.05
"""Seconds a boundary may start before the previous one ends and still be believed."""


@dataclass(frozen=True)
class Cue:
    """One subtitle: text heard from `start` to `end` seconds of the output file."""

    start: float
    end: float
    text: str
    """The words as written in the book (a whole segment, or a sentence or two of it)."""
    speaker: str | None
    """Who is heard, for dialogue; None for narration, headings and doubtful lines."""
    chapter: int
    key: tuple[int, int]
    """(chapter, index) of the segment the words belong to."""


# --- normalized text -------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _norm_char(ch: str) -> str:
    """What one character contributes to the comparable form: letters and digits only."""
    folded = unicodedata.normalize("NFKC", ch).casefold()
    return "".join(c for c in folded if unicodedata.category(c)[0] in "LN")


@dataclass(frozen=True)
class _Stream:
    """A text's letters and digits in comparable form, each with where it came from."""

    chars: str
    positions: tuple[int, ...]
    """Index in the original text of each character of `chars` (non-decreasing)."""
    weights: tuple[float, ...]
    """Relative time to say each character."""

    def index(self, position: int) -> int:
        """The first stream character at or after `position` of the original text."""
        return bisect_left(self.positions, position)


@lru_cache(maxsize=8192)
def _char_info(ch: str) -> tuple[str, float]:
    """A character's comparable form and the time to say each of its parts."""
    norm = _norm_char(ch)
    return norm, (WIDE_WEIGHT if norm and is_wide(norm[0]) else 1.0)


def _stream(text: str) -> _Stream:
    chars: list[str] = []
    positions: list[int] = []
    weights: list[float] = []
    for i, ch in enumerate(text):
        norm, weight = _char_info(ch)
        for c in norm:
            chars.append(c)
            positions.append(i)
            weights.append(weight)
    return _Stream("".join(chars), tuple(positions), tuple(weights))


def _norm(text: str) -> str:
    return "".join(_norm_char(ch) for ch in html.unescape(text))


def is_cjk(text: str) -> bool:
    """True when the text holds a Han (or other wide) letter: pick full-width punctuation."""
    return any(is_wide(ch) and unicodedata.category(ch)[0] == "L" for ch in text)


# --- aligning boundaries to text ------------------------------------------------------------

_Span = tuple[int, int, float, float]
"""Stream characters [k0, k1) heard from t0 to t1 seconds of the clip."""


def _locate(stream: str, target: str, at: int, reach: int) -> tuple[int, int] | None:
    """Where `target` sits in `stream`, looking from `at` no further than `reach` beyond it."""
    if stream.startswith(target, at):
        return at, at + len(target)
    slack = max(8, len(target) // 2)
    limit = min(len(stream), at + reach + len(target) + slack)
    found = stream.find(target, at, limit)
    if found >= 0 and len(target) >= 2:
        return found, found + len(target)
    window = stream[at:limit]
    if not window:
        return None
    matcher = SequenceMatcher(None, target, window, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks or sum(b.size for b in blocks) < 0.6 * len(target):
        return None
    first, last = blocks[0], blocks[-1]
    return at + max(0, first.b - first.a), at + last.b + last.size


def align(text: str, boundaries: Sequence[Boundary], duration: float) -> list[_Span]:
    """Boundaries placed on `text`'s stream, in order, never overlapping or running backwards.

    A boundary that cannot be found in the text is left out; the text it should have
    covered is timed from its neighbours instead.
    """
    return _align(_stream(text).chars, boundaries, duration)


def _align(stream: str, boundaries: Sequence[Boundary], duration: float) -> list[_Span]:
    spans: list[_Span] = []
    at = 0
    skipped = 0
    last_end_time = 0.0
    for b in boundaries:
        target = _norm(b.text)
        if not target:
            continue
        t0 = min(max(b.offset, 0.0), duration)
        t1 = min(max(b.offset + b.duration, t0), duration)
        if t0 < last_end_time - _BACKWARDS:
            continue  # timings that run backwards are the service's, unreliable
        where = _locate(stream, target, at, skipped)
        if where is None:
            skipped += len(target)
            continue
        t0 = max(t0, last_end_time)
        t1 = max(t1, t0)
        spans.append((where[0], where[1], t0, t1))
        at, skipped, last_end_time = where[1], 0, t1
    return spans


def _char_times(
    weights: Sequence[float], spans: Sequence[_Span], duration: float
) -> tuple[list[float], list[float]]:
    """Start and end second of every stream character: exact within spans, shared between."""
    n = len(weights)
    starts = [0.0] * n
    ends = [0.0] * n

    def share(k0: int, k1: int, t0: float, t1: float) -> None:
        total = sum(weights[k0:k1])
        if k1 <= k0 or total <= 0:
            return
        done = 0.0
        for k in range(k0, k1):
            starts[k] = t0 + (t1 - t0) * done / total
            done += weights[k]
            ends[k] = t0 + (t1 - t0) * done / total

    k, t = 0, 0.0
    for k0, k1, t0, t1 in spans:
        share(k, k0, t, t0)
        share(k0, k1, t0, t1)
        k, t = k1, t1
    share(k, n, t, max(t, duration))
    return starts, ends


# --- cutting a segment into cues ------------------------------------------------------------


def _cut_after(pattern: re.Pattern[str], text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    at = start
    for m in pattern.finditer(text, start, end):
        if m.end() > at:
            pieces.append((at, m.end()))
            at = m.end()
    if at < end:
        pieces.append((at, end))
    return pieces


def _hard_cut(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """`tts.text.hard_cut` of `text[start:end]`, as (start, end) ranges of `text`."""
    pieces: list[tuple[int, int]] = []
    for piece in hard_cut(text[start:end], limit):
        pieces.append((start, start + len(piece)))
        start += len(piece)
    return pieces


def _has_speech(text: str) -> bool:
    return any(_norm_char(ch) for ch in text)


def cue_ranges(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """`text[start:end]` cut into readable cues: whole sentences, packed up to `max_chars`.

    A sentence longer than that is cut after commas, and a clause still too long at a space
    (or anywhere, in Chinese). Pieces with nothing to say ride with their neighbour.
    """
    small: list[tuple[int, int]] = []
    for a, b in _cut_after(_SENTENCE_END, text, start, end):
        if len(text[a:b].strip()) <= max_chars:
            small.append((a, b))
            continue
        for c, d in _cut_after(_CLAUSE_END, text, a, b):
            if len(text[c:d].strip()) <= max_chars:
                small.append((c, d))
            else:
                small.extend(_hard_cut(text, c, d, max_chars))
    packed: list[list[int]] = []
    for a, b in small:
        if packed and (
            len(text[packed[-1][0] : b].strip()) <= max_chars
            or not _has_speech(text[a:b])
            or not _has_speech(text[packed[-1][0] : packed[-1][1]])
        ):
            packed[-1][1] = b
        else:
            packed.append([a, b])
    return [(a, b) for a, b in packed if _has_speech(text[a:b])]


def _flat(text: str) -> str:
    """One line of text: runs of whitespace (newlines included) become one space."""
    return " ".join(text.split())


# --- timing the segments --------------------------------------------------------------------


def _segment_ranges(texts: Sequence[str], request_text: str) -> list[tuple[int, int]] | None:
    """Where each segment's (stripped) text sits in the request's text, if it was joined."""
    if JOINER.join(texts) != request_text:
        return None
    ranges: list[tuple[int, int]] = []
    at = 0
    for text in texts:
        ranges.append((at, at + len(text)))
        at += len(text) + len(JOINER)
    return ranges


def _request_cues(
    placed: Placed,
    found: Sequence[Segment],
    speaker_of: Callable[[Segment], str | None],
    max_chars: int | None,
) -> list[Cue]:
    text = placed.request.text
    clip = placed.clip
    stream = _stream(text)
    spans = _align(stream.chars, clip.boundaries, clip.duration)
    starts, ends = _char_times(stream.weights, spans, clip.duration)

    def timed(a: int, b: int) -> tuple[float, float] | None:
        k0, k1 = stream.index(a), stream.index(b)
        if k1 <= k0:
            return None
        return placed.start + starts[k0], placed.start + ends[k1 - 1]

    texts = [s.text.strip() for s in found]
    ranges = _segment_ranges(texts, text) if len(found) > 1 else [(0, len(text))]
    out: list[Cue] = []
    if ranges is None:
        # Not our join: share the clip among the segments by how long each takes to say.
        weights = [sum(_stream(t).weights) for t in texts]
        total = sum(weights) or 1.0
        at = 0.0
        for segment, weight in zip(found, weights, strict=True):
            begin = placed.start + clip.duration * at / total
            at += weight
            if weight:
                finish = placed.start + clip.duration * at / total
                out.append(_cue(segment, begin, finish, _flat(segment.text), speaker_of))
        return out
    for segment, (start, end) in zip(found, ranges, strict=True):
        limit = max_chars or (CJK_CUE_CHARS if is_cjk(text[start:end]) else LATIN_CUE_CHARS)
        for a, b in cue_ranges(text, start, end, limit):
            times = timed(a, b)
            if times is not None:
                out.append(_cue(segment, *times, _flat(text[a:b]), speaker_of))
    return out


def _cue(
    segment: Segment,
    start: float,
    end: float,
    text: str,
    speaker_of: Callable[[Segment], str | None],
) -> Cue:
    return Cue(
        start=start,
        end=end,
        text=text,
        speaker=speaker_of(segment),
        chapter=segment.chapter,
        key=(segment.chapter, segment.index),
    )


def cues(
    segments: Sequence[Segment],
    placed: Sequence[Placed],
    speaker_of: Callable[[Segment], str | None],
    *,
    max_chars: int | None = None,
) -> list[Cue]:
    """Subtitles for the placed clips: at least one cue per spoken segment, in order.

    Times are seconds of the output file (`placed.start` plus the offset inside the clip).
    A long segment becomes several cues cut at sentence ends, each at most `max_chars`
    characters (default: `CJK_CUE_CHARS` for Chinese, `LATIN_CUE_CHARS` otherwise).
    `speaker_of` names who is heard (e.g. `tts.speakers.scriptfile.heard_speaker` with the cast);
    it is asked once per cue. Cues never overlap: each starts no earlier than the last ends.
    """
    by_key = {(s.chapter, s.index): s for s in segments}
    raw: list[Cue] = []
    for item in placed:
        found = [by_key[k] for k in item.request.keys if k in by_key]
        if len(found) == len(item.request.keys) and found:
            raw.extend(_request_cues(item, found, speaker_of, max_chars))
        elif found:
            # A request whose segments are partly unknown: time it as one cue per known one.
            share = item.clip.duration / len(found)
            for i, segment in enumerate(found):
                begin = item.start + i * share
                raw.append(_cue(segment, begin, begin + share, _flat(segment.text), speaker_of))
    out: list[Cue] = []
    last = 0.0
    for cue in raw:
        start = max(cue.start, last)
        end = max(cue.end, start)
        out.append(Cue(start, end, cue.text, cue.speaker, cue.chapter, cue.key))
        last = end
    return out


# --- writers ----------------------------------------------------------------------------------


def _millis(seconds: float) -> int:
    return max(0, int(round(seconds * 1000)))


def _clock(seconds: float, separator: str) -> str:
    """HH:MM:SS<sep>mmm, hours as many digits as they need (at least two)."""
    ms = _millis(seconds)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def speaker_prefix(speaker: str, text: str) -> str:
    """'王主任：' before Chinese, 'Elizabeth: ' before English."""
    return f"{speaker}：" if is_cjk(speaker) or is_cjk(text) else f"{speaker}: "


def _line(cue: Cue) -> str:
    text = _flat(cue.text)
    speaker = _flat(cue.speaker or "")
    return speaker_prefix(speaker, text) + text if speaker else text


def to_srt(cues: Sequence[Cue]) -> str:
    """SubRip: numbered blocks, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, the speaker before dialogue."""
    blocks = [
        f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{_line(c)}\n"
        for n, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT: `HH:MM:SS.mmm` times, dialogue in a voice span (`<v 王主任>…`)."""
    blocks = ["WEBVTT\n"]
    for c in cues:
        text = _vtt_escape(_flat(c.text))
        speaker = _vtt_escape(_flat(c.speaker or ""))
        body = f"<v {speaker}>{text}" if speaker else text
        blocks.append(f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n{body}\n")
    return "\n".join(blocks)


def _lrc_clock(seconds: float) -> str:
    """mm:ss.xx, minutes past 59 allowed ([75:02.35])."""
    cs = (_millis(seconds) + 5) // 10  # from whole milliseconds, as SRT rounds
    minutes, cs = divmod(cs, 6000)
    secs, cs = divmod(cs, 100)
    return f"{minutes:02d}:{secs:02d}.{cs:02d}"


def _lrc_tag(value: str) -> str:
    return _flat(value).replace("[", "(").replace("]", ")")


def to_lrc(
    cues: Sequence[Cue],
    *,
    title: str | None = None,
    artist: str | None = None,
    album: str | None = None,
) -> str:
    """LRC lyrics: `[ti:]`, `[ar:]`, `[al:]` tags, then one `[mm:ss.xx]` line per cue."""
    lines = [
        f"[{tag}:{_lrc_tag(value)}]"
        for tag, value in (("ti", title), ("ar", artist), ("al", album))
        if value and value.strip()
    ]
    lines += [f"[{_lrc_clock(c.start)}]{_line(c)}" for c in cues]
    return "\n".join(lines) + "\n" if lines else ""


def subtitle_text(cues: Sequence[Cue], fmt: str, **meta: str | None) -> str:
    """The cues in format `fmt` ('srt', 'lrc' or 'vtt'); `meta` (title, artist, album) is
    written into LRC's header and ignored by the others."""
    if fmt == "srt":
        return to_srt(cues)
    if fmt == "vtt":
        return to_vtt(cues)
    if fmt == "lrc":
        unknown = set(meta) - {"title", "artist", "album"}
        if unknown:
            raise TypeError(f"to_lrc takes title, artist and album, not {sorted(unknown)}")
        return to_lrc(cues, **meta)
    choices = ", ".join(SUBTITLE_FORMATS)
    raise ConfigError(f"unknown subtitle format '{fmt}'; choose one of {choices}")


def subtitle_path(audio_path: Path | str, fmt: str) -> Path:
    """Where the subtitles for an audio file go: beside it, `book.mp3` -> `book.srt`."""
    return Path(audio_path).with_suffix(f".{fmt}")


def write_subtitles(path: Path | str, cues: Sequence[Cue], fmt: str, **meta: str | None) -> Path:
    """Write the cues as `fmt` to `path`: UTF-8 without BOM, replaced atomically."""
    target = Path(path)
    write_text(target, subtitle_text(cues, fmt, **meta))
    return target


__all__ = [
    "CJK_CUE_CHARS",
    "LATIN_CUE_CHARS",
    "Cue",
    "align",
    "cue_ranges",
    "cues",
    "is_cjk",
    "subtitle_text",
    "speaker_prefix",
    "subtitle_path",
    "to_lrc",
    "to_srt",
    "to_vtt",
    "write_subtitles",
]
