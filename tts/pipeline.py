"""Wires the stages together: what the CLI calls.

read -> segment + attribute -> cast -> plan requests -> synthesize (cached) -> assemble.
Nothing here prints: progress goes through a callback the CLI supplies.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tts import casting
from tts import voices as voices_mod
from tts.assemble import assemble
from tts.attribute import attribute
from tts.cache import ClipCache
from tts.engines import Engine, get_engine
from tts.errors import AudiobookError, EngineError, InputError, ScriptError
from tts.load import detect_language, load_book, parse_chapter_selection
from tts.model import (
    Book,
    Cast,
    Character,
    Clip,
    Pauses,
    Segment,
    Silence,
    Voice,
    VoiceInfo,
)
from tts.synth import Progress, Request, Stats, plan_requests, synthesize_all

DEFAULT_OUTPUT_DIR = Path("output")
ENGINE_CHOICES = ("auto", "edge", "espeak")


@dataclass(frozen=True)
class Script:
    """Who says what: the reviewed or computed reading of a book."""

    book: Book
    segments: tuple[Segment, ...]
    characters: tuple[Character, ...]
    cast: Cast
    engine: str
    """The engine whose voice names the cast uses."""
    pauses: Pauses

    def voice_for(self, segment: Segment) -> Voice | None:
        return self.cast.voice_for(segment)


@dataclass(frozen=True)
class RenderResult:
    path: Path
    seconds: float
    engine: str
    stats: Stats
    warnings: tuple[str, ...] = ()


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "audiobook"


def default_voices_path() -> Path | None:
    here = Path("voices.yaml")
    return here if here.is_file() else None


def load_config(
    voices_path: Path | None, cache_dir: Path | None = None
) -> voices_mod.VoicesConfig | None:
    """A checked voices.yaml; Edge voice names are checked against the freshest list at hand."""
    if voices_path is None:
        return None
    if not voices_path.is_file():
        raise InputError(f"{voices_path}: no such voices file; check the path given to --voices")
    return voices_mod.load_config(voices_path, edge_voices=engine_voices("edge", cache_dir))


# --- engines ---------------------------------------------------------------


def resolve_engine(
    name: str | None,
    config: voices_mod.VoicesConfig | None,
    cache_dir: Path,
) -> tuple[Engine, list[str]]:
    """The engine a render uses, and warnings to show.

    `auto` uses Edge when the service answers now, else the offline engine; one output
    never mixes engines, so the choice is made once, here, at the start of the run.
    """
    chosen = name or (config.engine if config is not None else None) or "auto"
    if chosen != "auto":
        engine = _make_engine(chosen, cache_dir)
        asyncio.run(engine.check())
        return engine, []
    edge = _make_engine("edge", cache_dir)
    try:
        asyncio.run(edge.check())
    except EngineError as exc:
        warning = (
            f"Edge speech service unavailable ({exc}); using the offline espeak engine. "
            "Pass --engine edge to insist on Edge."
        )
        offline = _make_engine("espeak", cache_dir)
        asyncio.run(offline.check())
        return offline, [warning]
    return edge, []


def _make_engine(name: str, cache_dir: Path | None) -> Engine:
    if name == "edge":
        return get_engine("edge", cache_dir=str(cache_dir) if cache_dir else None)
    return get_engine(name)


def engine_voices(engine_name: str, cache_dir: Path | None) -> list[VoiceInfo]:
    """The voices casting may use, without touching the network."""
    if engine_name == "edge":
        from tts.engines.edge import EdgeEngine

        return EdgeEngine(cache_dir=cache_dir).known_voices()
    return asyncio.run(get_engine(engine_name).voices())


def list_voices(engine_name: str, cache_dir: Path | None) -> list[VoiceInfo]:
    """Every voice the engine offers now (Edge asks the service, else the list we ship)."""
    engine = _make_engine(engine_name, cache_dir)
    return asyncio.run(engine.voices())


# --- script ------------------------------------------------------------------


def cast_path_for(output: Path) -> Path:
    return output.with_name(output.stem + ".cast.yaml")


def make_script(
    book: Book,
    *,
    config: voices_mod.VoicesConfig | None,
    engine_name: str,
    cache_dir: Path | None,
    cast_file: Path | None = None,
) -> Script:
    """Segment, attribute and cast a book."""
    known = voices_mod.known_characters(config) if config is not None else []
    segments, characters = attribute(book, known)
    cast = _cast(book, characters, config, engine_name, cache_dir, cast_file)
    segments = [_settle_speaker(s, cast) for s in segments]
    return Script(
        book=book,
        segments=tuple(segments),
        characters=tuple(characters),
        cast=cast,
        engine=engine_name,
        pauses=config.pauses if config is not None else Pauses(),
    )


def _cast(
    book: Book,
    characters: Sequence[Character],
    config: voices_mod.VoicesConfig | None,
    engine_name: str,
    cache_dir: Path | None,
    cast_file: Path | None,
) -> Cast:
    previous = None
    if cast_file is not None and cast_file.is_file():
        previous = casting.load_cast(cast_file, engine=engine_name)
    return casting.build_cast(
        characters,
        language=book.language,
        engine=engine_name,
        config=config,
        voices=engine_voices(engine_name, cache_dir),
        previous=previous,
    )


def _settle_speaker(segment: Segment, cast: Cast) -> Segment:
    """Make `speaker` mean who will be heard: doubtful lines lose their name to the unknown voice.

    The guess stays visible through `method` and `confidence`; a reviewer who writes a
    name into `speaker` in the jsonl script makes that line theirs (see `read_script_file`).
    """
    if segment.kind != "dialogue" or segment.speaker is None:
        return segment
    name = cast.canonical(segment.speaker)
    if (segment.confidence or 0.0) < cast.threshold:
        return replace(segment, speaker=None, method=_guess_note(segment))
    return replace(segment, speaker=name)


def _guess_note(segment: Segment) -> str:
    return f"{segment.method or 'guess'}:{segment.speaker}"


def guess_of(segment: Segment) -> str | None:
    """The doubtful speaker guess carried in `method` by `_settle_speaker`, if any."""
    if segment.speaker is None and segment.method and ":" in segment.method:
        return segment.method.split(":", 1)[1]
    return None


def segment_record(script: Script, segment: Segment) -> dict[str, Any]:
    """One jsonl object: the contract fields first, then extensions."""
    voice = script.voice_for(segment)
    record: dict[str, Any] = {
        "chapter": segment.chapter,
        "index": segment.index,
        "kind": segment.kind,
        "speaker": segment.speaker,
        "voice": voice.name if voice else None,
        "text": segment.text,
        "confidence": segment.confidence,
        "line": segment.line,
        "paragraph": segment.paragraph,
    }
    guess = guess_of(segment)
    record["method"] = segment.method.split(":", 1)[0] if segment.method else None
    if guess is not None:
        record["guess"] = guess
    return record


def read_script_file(path: Path) -> list[Segment]:
    """Segments from a (possibly hand-corrected) `script --format jsonl` file.

    `speaker` is authoritative: a name there is voiced as that character, null on a
    dialogue line is voiced by the unknown-speaker voice.
    """
    make = f"create one with 'audiobook script INPUT --format jsonl > {path.name}'"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ScriptError(f"{path}: no such script file; {make}") from None
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise ScriptError(
            f"{path}: not a UTF-8 jsonl script ({type(exc).__name__}); {make}"
        ) from None
    segments: list[Segment] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ScriptError(
                f"{path}:{number}: not valid JSON ({exc.msg}); each line must be one JSON object"
            ) from None
        segments.append(_segment_from_record(obj, path, number))
    if not segments:
        raise ScriptError(f"{path}: the script holds no segments; {make}")
    return segments


_KINDS = ("heading", "narration", "dialogue", "pause")


def _segment_from_record(obj: Any, path: Path, number: int) -> Segment:
    where = f"{path}:{number}"
    if not isinstance(obj, dict):
        raise ScriptError(f"{where}: expected a JSON object per line")
    for key in ("chapter", "index", "kind", "text"):
        if key not in obj:
            raise ScriptError(
                f"{where}: missing field '{key}'; keep the fields 'audiobook script' wrote"
            )
    kind = obj["kind"]
    if kind not in _KINDS:
        raise ScriptError(f"{where}: kind '{kind}' is not one of {', '.join(_KINDS)}")
    if not isinstance(obj["text"], str):
        raise ScriptError(f"{where}: 'text' must be a string")
    speaker = obj.get("speaker")
    if speaker is not None and not isinstance(speaker, str):
        raise ScriptError(f"{where}: 'speaker' must be a name or null")
    try:
        chapter, index = int(obj["chapter"]), int(obj["index"])
    except (TypeError, ValueError):
        raise ScriptError(f"{where}: 'chapter' and 'index' must be whole numbers") from None
    return Segment(
        chapter=chapter,
        index=index,
        kind=kind,
        text=obj["text"],
        paragraph=int(obj.get("paragraph", index) or 0),
        line=int(obj.get("line", number) or number),
        speaker=speaker if kind == "dialogue" else None,
        confidence=1.0 if (kind == "dialogue" and speaker) else None,
        method="script",
    )


def script_from_file(
    path: Path,
    *,
    config: voices_mod.VoicesConfig | None,
    engine_name: str,
    cache_dir: Path | None,
    cast_file: Path | None,
) -> Script:
    segments = read_script_file(path)
    counts: dict[str, int] = {}
    for s in segments:
        if s.kind == "dialogue" and s.speaker:
            counts[s.speaker] = counts.get(s.speaker, 0) + 1
    known = {c.name: c for c in (voices_mod.known_characters(config) if config else [])}
    characters = [
        replace(known[name], lines=n) if name in known else Character(name=name, lines=n)
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    language = detect_language("".join(s.text for s in segments[:400]))
    book = Book(source=str(path), title=path.stem, language=language, chapters=())
    cast = _cast(book, characters, config, engine_name, cache_dir, cast_file)
    return Script(
        book=book,
        segments=tuple(segments),
        characters=tuple(characters),
        cast=cast,
        engine=engine_name,
        pauses=config.pauses if config is not None else Pauses(),
    )


# --- render ------------------------------------------------------------------


def pause_between(prev: Segment, nxt: Segment, pauses: Pauses, scene: bool) -> float:
    """Silence between two spoken segments, from the structure of the text."""
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


def plan(script: Script, engine: Engine) -> list[Request]:
    items = [(s, script.voice_for(s)) for s in script.segments]
    return plan_requests(items, engine.max_request_chars)


def timeline(
    script: Script, requests: Sequence[Request], clips: Sequence[Clip]
) -> Iterator[Clip | Silence]:
    """Clips in reading order with the pauses the structure asks for between them."""
    by_key = {(s.chapter, s.index): s for s in script.segments}
    scene_after: set[tuple[int, int]] = set()
    last_spoken: tuple[int, int] | None = None
    for s in script.segments:
        if s.kind == "pause" and last_spoken is not None:
            scene_after.add(last_spoken)
        elif s.kind != "pause":
            last_spoken = (s.chapter, s.index)
    previous: Segment | None = None
    for request, clip in zip(requests, clips, strict=True):
        first = by_key[request.keys[0]]
        if previous is not None:
            scene = (previous.chapter, previous.index) in scene_after
            yield Silence(pause_between(previous, first, script.pauses, scene))
        yield clip
        previous = by_key[request.keys[-1]]


ProgressCallback = Callable[[Any], None]


def say(
    text: str,
    voice: Voice,
    engine: Engine,
    output: Path,
    *,
    cache_dir: Path,
) -> RenderResult:
    """Speak one line in one voice: for auditioning a voice or a prosody setting."""
    segment = Segment(chapter=1, index=0, kind="narration", text=text, paragraph=0, line=1)
    requests = plan_requests([(segment, voice)], engine.max_request_chars)
    if not requests:
        raise InputError("nothing speakable in the text given to 'say'; give words to read")
    counters = Progress()
    clips = asyncio.run(
        synthesize_all(requests, engine, ClipCache(cache_dir / "clips"), progress=counters)
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    parts: list[Clip | Silence] = []
    for clip in clips:
        if parts:
            parts.append(Silence(0.25))
        parts.append(clip)
    seconds = assemble(parts, output)
    return RenderResult(path=output, seconds=seconds, engine=engine.name, stats=counters.stats())


def engine_of_voice(name: str) -> str:
    """'edge' for Edge short names (zh-CN-XiaoxiaoNeural), else 'espeak' (cmn, en-us+f2)."""
    return "edge" if name.endswith("Neural") else "espeak"


def render(
    script: Script,
    engine: Engine,
    output: Path,
    *,
    cache_dir: Path,
    concurrency: int = 4,
    progress: ProgressCallback | None = None,
) -> RenderResult:
    """Synthesize every line (cached, resumable) and assemble one MP3 at `output`."""
    requests = plan(script, engine)
    if not requests:
        raise InputError(
            f"{script.book.source}: nothing to speak after cleaning; "
            "check that the file holds the chapter's text"
        )
    cache = ClipCache(cache_dir / "clips")
    counters = Progress(listener=progress)
    clips = asyncio.run(
        synthesize_all(requests, engine, cache, concurrency=concurrency, progress=counters)
    )
    stats = counters.stats()
    output.parent.mkdir(parents=True, exist_ok=True)
    seconds = assemble(timeline(script, requests, clips), output)
    return RenderResult(path=output, seconds=seconds, engine=engine.name, stats=stats)


def save_cast(path: Path, script: Script) -> None:
    """Persist the cast next to the output so later runs and chapters keep every voice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    casting.save_cast(path, script.cast)


def read_book(path: Path, chapters: str | None) -> Book:
    return load_book(path, chapters=chapters)


def check_output_path(output: Path) -> None:
    if output.exists() and output.is_dir():
        raise AudiobookError(f"{output}: is a directory; give -o a file name ending in .mp3")


__all__ = [
    "ENGINE_CHOICES",
    "RenderResult",
    "Script",
    "cast_path_for",
    "check_output_path",
    "default_cache_dir",
    "default_voices_path",
    "engine_voices",
    "list_voices",
    "load_config",
    "make_script",
    "parse_chapter_selection",
    "read_book",
    "render",
    "resolve_engine",
    "script_from_file",
    "segment_record",
]
