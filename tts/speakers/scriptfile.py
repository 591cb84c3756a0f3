"""The jsonl script: what `audiobook script --format jsonl` writes and `render --script` reads.

One JSON object per segment, in reading order. The contract fields are `chapter`, `index`,
`kind`, `speaker`, `voice`, `text`; `confidence`, `line`, `paragraph`, `method` and `guess`
extend them. In the file, `speaker` is the best guess whenever there is one (a listener hears
a guess either way; a null is a sure miss), and `voice` who will be heard: a line too doubtful
to give its speaker's voice (below the cast's `threshold`) is read in the unknown voice and
also carries its guess in `guess`, so reading the file back keeps that line doubtful. A
reviewer who writes another name into `speaker` makes that line the character's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, get_args

from tts.errors import ScriptError
from tts.model import Cast, Segment, SegmentKind, Voice
from tts.read.limits import TEXT_LIMIT, TooLarge, read_capped, short, size_text

KINDS: tuple[str, ...] = get_args(SegmentKind)


def heard_speaker(cast: Cast, segment: Segment) -> str | None:
    """The character whose voice reads the segment; None for narration and doubtful lines."""
    if segment.kind != "dialogue" or cast.is_doubtful(segment):
        return None
    return cast.canonical(segment.speaker)


def record(cast: Cast, segment: Segment) -> dict[str, Any]:
    """One jsonl object: the contract fields first, then the extensions."""
    voice: Voice | None = cast.voice_for(segment)
    obj: dict[str, Any] = {
        "chapter": segment.chapter,
        "index": segment.index,
        "kind": segment.kind,
        "speaker": cast.canonical(segment.speaker) if segment.kind == "dialogue" else None,
        "voice": voice.name if voice else None,
        "text": segment.text,
        "confidence": segment.confidence,
        "line": segment.line,
        "paragraph": segment.paragraph,
        "method": segment.method,
    }
    if cast.is_doubtful(segment) and segment.speaker is not None:
        obj["guess"] = cast.canonical(segment.speaker)
    return obj


def jsonl_lines(cast: Cast, segments: Iterable[Segment]) -> Iterator[str]:
    """`json.dumps(record(cast, s), ensure_ascii=False)` for each segment, faster.

    A book has about one segment per 20 characters, and building and encoding a dict for
    each took a sixth of `audiobook script`'s time. Who speaks (speaker, voice, guess) takes
    few distinct forms in a book, so each is encoded once, from `record` itself (they depend
    on nothing but the kind, the speaker and the confidence); only the text is encoded per
    line, by json's own string encoder.
    """
    who: dict[tuple[str, str | None, float | None], tuple[str, str, str]] = {}

    def encode_who(segment: Segment) -> tuple[str, str, str]:
        obj = record(cast, segment)
        guess = f', "guess": {encode_basestring(obj["guess"])}' if "guess" in obj else ""
        return _literal(obj["speaker"]), _literal(obj["voice"]), guess

    methods: dict[str | None, str] = {}
    for segment in segments:
        kind, confidence = segment.kind, segment.confidence
        key = (kind, segment.speaker, confidence)
        found = who.get(key)
        if found is None:
            found = who[key] = encode_who(segment)
        speaker, voice, guess = found
        method = methods.get(segment.method)
        if method is None:
            method = methods[segment.method] = _literal(segment.method)
        yield (
            f'{{"chapter": {segment.chapter}, "index": {segment.index}, "kind": "{kind}", '
            f'"speaker": {speaker}, "voice": {voice}, "text": {encode_basestring(segment.text)}, '
            f'"confidence": {"null" if confidence is None else repr(confidence)}, '
            f'"line": {segment.line}, "paragraph": {segment.paragraph}, "method": {method}{guess}}}'
        )


def _literal(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


@dataclass(frozen=True)
class ScriptLine:
    """One line of a jsonl script as read back."""

    number: int
    """1-based line of the file, for messages."""
    segment: Segment
    voice: str | None
    """The `voice` the line names (None: none, or not a name)."""


def read_script_file(path: Path) -> list[Segment]:
    """Segments from a (possibly hand-corrected) jsonl script; `speaker` is authoritative."""
    return [line.segment for line in read_script_lines(path)]


def read_script_lines(path: Path) -> list[ScriptLine]:
    """The lines of a (possibly hand-corrected) jsonl script: each segment, where it stands
    in the file and the voice it names; ScriptError naming the file's line for a line
    that is no script line."""
    make = f"create one with 'audiobook script INPUT --format jsonl > {path.name}'"
    try:
        lines = read_capped(path, TEXT_LIMIT).decode("utf-8-sig").splitlines()
    except FileNotFoundError:
        raise ScriptError(f"{path}: no such script file; {make}") from None
    except TooLarge:
        raise ScriptError(
            f"{path}: larger than {size_text(TEXT_LIMIT)}, the most a script file may be; {make}"
        ) from None
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise ScriptError(
            f"{path}: not a UTF-8 jsonl script ({type(exc).__name__}); {make}"
        ) from None
    segments: list[ScriptLine] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ScriptError(
                f"{path}:{number}: not valid JSON ({exc.msg}); each line must be one JSON object"
            ) from None
        except RecursionError:  # brackets nested thousands deep
            raise ScriptError(
                f"{path}:{number}: not a script line (nested too deep); each line must be one "
                "JSON object"
            ) from None
        segment = _segment(obj, f"{path}:{number}", number)
        voice = obj.get("voice")
        segments.append(ScriptLine(number, segment, voice if isinstance(voice, str) else None))
    if not segments:
        raise ScriptError(f"{path}: the script holds no segments; {make}")
    return segments


def _segment(obj: Any, where: str, number: int) -> Segment:
    if not isinstance(obj, dict):
        raise ScriptError(f"{where}: expected a JSON object per line")
    for key in ("chapter", "index", "kind", "text"):
        if key not in obj:
            raise ScriptError(
                f"{where}: missing field '{key}'; keep the fields 'audiobook script' wrote"
            )
    kind = obj["kind"]
    if kind not in KINDS:
        raise ScriptError(f"{where}: kind '{short(str(kind))}' is not one of {', '.join(KINDS)}")
    if not isinstance(obj["text"], str):
        raise ScriptError(f"{where}: 'text' must be a string")
    speaker = obj.get("speaker")
    if speaker is not None and not isinstance(speaker, str):
        raise ScriptError(f"{where}: 'speaker' must be a name or null")
    try:
        chapter, index = int(obj["chapter"]), int(obj["index"])
        paragraph = int(obj.get("paragraph", index))
        line = int(obj.get("line", number))
    except (TypeError, ValueError):
        raise ScriptError(
            f"{where}: 'chapter', 'index', 'paragraph' and 'line' must be whole numbers"
        ) from None
    named = kind == "dialogue" and bool(speaker)
    confidence = 1.0 if named else (0.0 if kind == "dialogue" else None)
    written = obj.get("confidence")
    if named and speaker == obj.get("guess") and isinstance(written, (int, float)):
        confidence = min(max(float(written), 0.0), 1.0)  # the untouched guess stays doubtful
    return Segment(
        chapter=chapter,
        index=index,
        kind=kind,
        text=obj["text"],
        paragraph=paragraph,
        line=line,
        speaker=speaker if named else None,
        confidence=confidence,
        method="script",
    )
