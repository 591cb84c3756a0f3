"""Wires the stages together: what the CLI calls.

read -> segment + attribute -> cast -> plan requests -> synthesize (cached) -> assemble.
Nothing here prints: progress goes through a callback the CLI supplies.

A render never loses what the user had: no output may be one of its inputs, a render of
some chapters gets a name of its own (`output/<book>.ch2-3.mp3`) rather than the whole
book's, `auto` never puts another engine's voices over a book without being asked, and what
a killed run left behind is cleaned up when the next run of the same output starts. The
audio format is the one -o's name says; what it says and what is written always agree.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tts import registry
from tts.atomic import remove_stale
from tts.cast import castfile, casting, checks
from tts.cast import config as voices_config
from tts.errors import (
    AudiobookError,
    ConfigError,
    EngineError,
    InputError,
    RateLimited,
    ServiceUnreachable,
)
from tts.model import (
    AUDIO_FORMATS,
    AudioFormat,
    Book,
    BookInfo,
    Character,
    Clip,
    Pauses,
    Prosody,
    Request,
    Script,
    Segment,
    Silence,
    Stats,
    Voice,
    VoiceInfo,
)
from tts.read.decode import file_error
from tts.read.load import load_book
from tts.read.selection import select_chapters
from tts.speakers.scriptfile import heard_speaker, read_script_file
from tts.speech.engines.base import Engine

if TYPE_CHECKING:
    from tts.audio.timeline import Layout

# The audio stages (synthesis, loudness, assembly, publishing: mutagen, the Edge client) are
# imported by the functions that render, so `script` and `cast` start without them; the
# attribution stage by make_script, so `voices`, `say` and --help start without it.

T = TypeVar("T")

DEFAULT_OUTPUT_DIR = Path("output")

TEXT_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".rst", ".yaml", ".yml", ".json", ".jsonl",
     ".epub", ".html", ".htm", ".xhtml", ".csv", ".tsv", ".srt", ".lrc", ".vtt"}
)  # fmt: skip
"""Suffixes of what the program reads or writes as text (books, voices and cast files,
scripts, subtitles): `-o` never names one, so a slip cannot turn a book or a cast into audio."""

AS_CAST = Prosody()
"""No whole-book prosody: every voice speaks as its cast says."""

AUDIO_SUFFIXES: dict[str, AudioFormat] = {".mp3": "mp3", ".m4b": "m4b", ".m4a": "m4b"}
"""The format each audio name of -o says. `.m4a` is the M4B audiobook (the same AAC in MP4,
chapters and all) under the name music players and some phones expect."""

CHECK_TRIES = 3
"""Tries of an engine's check at the start of a run while its service is busy (429, 503) or
drops the connection; a service that cannot be reached at all gets one quick retry."""
CHECK_WAIT = 0.5
"""Seconds before the first retry of the check; doubled for each further one."""
CHECK_MAX_WAIT = 5.0
"""The longest wait between checks: a service that asks for more is not waited for."""


@dataclass(frozen=True)
class RenderResult:
    path: Path
    """The MP3 written, or the folder of chapter files."""
    seconds: float
    """The length of what was written, read back from the file (or files)."""
    engine: str
    stats: Stats
    files: tuple[Path, ...] = ()
    voice: str | None = None
    """The voice `say` spoke in."""


def default_voices_path() -> Path | None:
    """./voices.yaml when there is one: used for a book it names someone of (`pick_voices`)."""
    here = Path("voices.yaml")
    return here if here.is_file() else None


def load_config(
    voices_path: Path | None, cache_dir: Path | None = None
) -> voices_config.VoicesConfig | None:
    """A checked voices.yaml; Edge voice names are checked against the freshest list at hand."""
    if voices_path is None:
        return None
    if not voices_path.is_file():
        raise InputError(f"{voices_path}: no such voices file; check the path given to --voices")
    return voices_config.load_config(
        voices_path, voices=lambda engine: engine_voices(engine, cache_dir)
    )


# --- engines ---------------------------------------------------------------


def resolve_engine(
    name: str | None,
    config: voices_config.VoicesConfig | None,
    cache_dir: Path,
    *,
    ready: Callable[[Engine], bool] | None = None,
    replaces: tuple[Path, str | None] | None = None,
    proxy: str | None = None,
    scope: str = "this whole book",
) -> tuple[Engine, list[str]]:
    """The engine a render uses, and warnings to show.

    `auto` uses the preferred (online) engine when its service answers now, else the
    offline one; one output never mixes engines, so the choice is made once, here, at the
    start of the run. The check is tried again while the service is busy (`check_engine`).

    `ready(engine)` true means the run needs nothing from that engine's service (every clip
    is cached), so it is used without a check. `replaces` is the output the run would
    replace and the engine that made it (None: unknown); `auto` stops with an error rather
    than put the offline engine's voices over a book another engine made. `proxy` is the
    proxy URL engines reach their service through (None: none); `scope` is what the
    fallback warning says the offline engine speaks.
    """
    chosen = engine_choice(name, config)
    preferred = registry.preferred() if chosen == registry.AUTO else registry.info(chosen)
    engine = _make_engine(preferred.name, cache_dir, proxy)
    if ready is not None and ready(engine):
        return engine, []
    fallback = registry.offline()
    if chosen != registry.AUTO or fallback is None or fallback.name == preferred.name:
        _run(check_engine(engine))
        return engine, []
    try:
        _run(check_engine(engine))
    except EngineError as exc:
        why = _gist(str(exc))
        if replaces is not None and replaces[1] != fallback.name:
            path, made_by = replaces
            made = registry.info(made_by).label if made_by in registry.names() else None
            by = f"was made with {made}" if made else "may have been made with another engine"
            raise EngineError(
                f"{why}, and {path} {by}; retry later, or pass --engine {fallback.name} "
                f"to replace it with the offline {fallback.label} voices"
            ) from None
        warning = (
            f"{why}; using the offline {fallback.label} engine for {scope} "
            f"(pass --engine {preferred.name} to insist on {preferred.label})"
        )
        offline = _make_engine(fallback.name, cache_dir, proxy)
        _run(check_engine(offline))
        return offline, [warning]
    return engine, []


def _gist(message: str) -> str:
    """An engine error's first clause without the details in parentheses (which may nest:
    "cannot reach the service (host: Connect call failed ('127.0.0.1', 80)); ...")."""
    kept: list[str] = []
    depth = 0
    for ch in message.split(";")[0]:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            kept.append(ch)
    return " ".join("".join(kept).split())


async def check_engine(engine: Engine) -> None:
    """`engine.check()`, tried again after a short, growing wait (`CHECK_WAIT`) while it
    fails with a transient error (a busy service, a dropped connection), up to `CHECK_TRIES`
    times; a service that cannot be reached at all is tried once more, and one that asks to
    be left alone for longer than `CHECK_MAX_WAIT` is not waited for. Raises the last error."""
    import asyncio

    attempt = 0
    while True:
        attempt += 1
        try:
            await engine.check()
            return
        except EngineError as exc:
            tries = min(CHECK_TRIES, 2) if isinstance(exc, ServiceUnreachable) else CHECK_TRIES
            if not exc.transient or attempt >= tries:
                raise
            delay = CHECK_WAIT * 2 ** (attempt - 1)
            if isinstance(exc, RateLimited) and exc.retry_after is not None:
                if exc.retry_after > CHECK_MAX_WAIT:
                    raise
                delay = max(delay, exc.retry_after)
            await asyncio.sleep(min(delay, CHECK_MAX_WAIT))


def engine_choice(name: str | None, config: voices_config.VoicesConfig | None) -> str:
    """The engine asked for: --engine, else voices.yaml's `engine`, else 'auto'."""
    chosen = name or (config.engine if config is not None else None) or registry.AUTO
    return registry.check_choice(chosen)


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run the engines' async work to completion (asyncio imported only when it is needed)."""
    import asyncio

    return asyncio.run(work)


def _make_engine(name: str, cache_dir: Path | None, proxy: str | None = None) -> Engine:
    """Engine `name`, with the options every engine takes (those it has no use for it
    ignores): where it may keep what it fetches, and the proxy to its service."""
    return registry.get_engine(name, cache_dir=_cache_option(cache_dir), proxy=proxy)


def _cache_option(cache_dir: Path | None) -> str | None:
    """Where an engine may keep what it fetches (Edge: the voice list)."""
    return str(cache_dir) if cache_dir else None


def engine_voices(engine_name: str, cache_dir: Path | None) -> list[VoiceInfo]:
    """The voices casting may use, without touching the network."""
    return registry.known_voices(engine_name, cache_dir=_cache_option(cache_dir))


def find_voices(
    engine: str | None,
    *,
    locale: str | None = None,
    gender: str | None = None,
    cache_dir: Path | None = None,
    proxy: str | None = None,
) -> list[VoiceInfo]:
    """The voices an engine offers now (an online engine asks its service, through `proxy`
    when given, else the list at hand), those of `locale` (a prefix: 'zh', 'en-GB') and
    `gender` only."""
    name = registry.named_engine(engine or registry.AUTO)
    found = _run(_make_engine(name, cache_dir, proxy).voices())
    shown = [
        info
        for info in found
        if (not locale or info.locale.lower().startswith(locale.lower()))
        and (not gender or info.gender.lower() == gender.lower())
    ]
    if not shown:
        raise AudiobookError(
            f"no {name} voices match --locale {locale or '*'} --gender {gender or '*'}; "
            "try a shorter locale such as 'zh' or 'en'"
        )
    return shown


# --- script ------------------------------------------------------------------


def cast_path_for(output: Path) -> Path:
    return output.with_name(output.stem + ".cast.yaml")


def make_script(
    book: Book,
    *,
    config: voices_config.VoicesConfig | None,
    engine_name: str,
    cache_dir: Path | None,
    cast_file: Path | None = None,
) -> Script:
    """Segment, attribute and cast a book."""
    segments, characters = checks.drop_not_characters(*attribute_book(book, config), config)
    return cast_script(book, segments, characters, config, engine_name, cache_dir, cast_file)


def attribute_book(
    book: Book, config: voices_config.VoicesConfig | None
) -> tuple[list[Segment], list[Character]]:
    """Who says what in `book`: its segments and characters, before anyone has a voice."""
    from tts.speakers.attribute import (
        attribute,  # its name lists and patterns: only books need them
    )

    known = voices_config.known_characters(config) if config is not None else []
    segments, characters = attribute(book, known)
    return list(segments), list(characters)


def cast_script(
    book: Book,
    segments: Sequence[Segment],
    characters: Sequence[Character],
    config: voices_config.VoicesConfig | None,
    engine_name: str,
    cache_dir: Path | None,
    cast_file: Path | None,
) -> Script:
    """Give everyone a voice (keeping the voices of the last run) and make the script."""
    previous = None
    if cast_file is not None and cast_file.is_file():
        previous = castfile.load_cast(cast_file, engine=engine_name)
    cast = casting.build_cast(
        characters,
        language=book.language,
        engine=engine_name,
        config=config,
        voices=engine_voices(engine_name, cache_dir),
        previous=previous,
    )
    return Script(
        book=book,
        segments=tuple(segments),
        characters=tuple(characters),
        cast=cast,
        pauses=config.pauses if config is not None else Pauses(),
    )


def script_from_file(
    path: Path,
    book: Book,
    *,
    config: voices_config.VoicesConfig | None,
    engine_name: str,
    cache_dir: Path | None,
    cast_file: Path | None,
) -> Script:
    """A corrected jsonl script of `book` (which gives the language and the tags)."""
    segments, characters = checks.drop_not_characters(*read_corrections(path, config), config)
    return cast_script(book, segments, characters, config, engine_name, cache_dir, cast_file)


def read_corrections(
    path: Path, config: voices_config.VoicesConfig | None
) -> tuple[list[Segment], list[Character]]:
    """The segments of a corrected jsonl script and the characters who speak in it (a line
    given to an alias voices.yaml lists counts as the character's)."""
    segments = read_script_file(path)
    known = {c.name: c for c in (voices_config.known_characters(config) if config else [])}
    alias_of = {alias: c.name for c in known.values() for alias in c.aliases}
    counts = Counter(
        alias_of.get(s.speaker, s.speaker) for s in segments if s.kind == "dialogue" and s.speaker
    )
    characters = [
        replace(known[name], lines=n) if name in known else Character(name=name, lines=n)
        for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return list(segments), characters


# --- render ------------------------------------------------------------------


def plan(
    script: Script,
    engine: Engine,
    prosody: Prosody = AS_CAST,
    pronounce: Mapping[str, str] | None = None,
) -> list[Request]:
    """The requests that speak `script`, as sent to the engine: each voice with the whole
    book's `prosody` added to its own (`Prosody.added_to`), so the cast keeps its own
    settings, and each text with voices.yaml's `pronounce` respellings (`respell`)."""
    return [spoken for _, spoken in planned(script, engine, prosody, pronounce)]


def planned(
    script: Script,
    engine: Engine,
    prosody: Prosody = AS_CAST,
    pronounce: Mapping[str, str] | None = None,
) -> list[tuple[Request, Request]]:
    """Each request that speaks `script` twice: with the book's text (what the subtitles
    and the timeline show) and as sent to the engine (respelled by `pronounce`)."""
    from tts.speech.synth import Respeller, plan_requests

    def voice(segment: Segment) -> Voice | None:
        found = script.voice_for(segment)
        return prosody.added_to(found) if found is not None else None

    items = [(s, voice(s)) for s in script.segments]
    shown = plan_requests(items, engine.max_request_chars)
    respell = Respeller(pronounce or {})
    return [(request, respell.request(request)) for request in shown]


def chapter_titles(segments: Sequence[Segment]) -> dict[int, str]:
    """Each chapter's heading as read aloud (the first heading segment of the chapter)."""
    titles: dict[int, str] = {}
    for s in segments:
        if s.kind == "heading":
            titles.setdefault(s.chapter, s.text)
    return titles


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
    from tts.audio.assemble import assemble
    from tts.speech.synth import plan_requests

    segment = Segment(chapter=1, index=0, kind="narration", text=text, paragraph=0, line=1)
    requests = plan_requests([(segment, voice)], engine.max_request_chars)
    if not requests:
        raise InputError("nothing speakable in the text given to 'say'; give words to read")
    # At the level the book will give it, so what is auditioned is what will be heard; its
    # errors are about one line, with no place in a book and nothing to resume.
    clips, stats = _synthesize(requests, engine, cache_dir, one_line=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    parts: list[Clip | Silence] = []
    for clip in clips:
        if parts:
            parts.append(Silence(0.25))
        parts.append(clip)
    seconds = assemble(parts, output)
    return RenderResult(output, seconds, engine.name, stats, files=(output,), voice=voice.name)


@dataclass(frozen=True)
class Assembling:
    """How far the audio files are made, for the progress callback once every line is
    spoken: the `stage` ('assembling'; for an M4B then 'encoding M4B') and the seconds of
    the render's audio it has done, of `total` (all files together)."""

    stage: str
    done: float
    total: float

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total > 0 else 1.0


def render(
    script: Script,
    engine: Engine,
    output: Path,
    *,
    cache_dir: Path,
    concurrency: int = 4,
    progress: ProgressCallback | None = None,
    split_chapters: bool = False,
    audio_format: AudioFormat = "mp3",
    subtitles: str | None = None,
    cover: bytes | None = None,
    prosody: Prosody = AS_CAST,
    book_chapters: int | None = None,
    pronounce: Mapping[str, str] | None = None,
) -> RenderResult:
    """Synthesize every line (cached, resumable) and assemble the audiobook.

    One file at `output` (MP3 with ID3 chapters, or M4B), or with `split_chapters` one per
    chapter in the folder `output` names without its suffix (`output/<book>/001 <title>.mp3`),
    each titled with its chapter and numbered 'n/total' among the `book_chapters` of the
    whole book (default: those of `script.book`). A chapter without a heading is named in the
    book's language ('第1章', 'Chapter 1'). `subtitles` ('srt', 'lrc', 'vtt') writes a timed
    transcript beside each audio file. Work files (M4B's assembled MP3) are staged in the
    cache, not beside the output. `progress` hears the synthesis (`Progress`), then the
    making of the files (`Assembling`). `prosody` is added to every voice's own (a
    whole-book speed, pitch or volume).
    `pronounce` respells words in what the engine is sent only (voices.yaml's `pronounce`).
    """
    from tts.audio.publish import ASSEMBLING, ENCODING_M4B, Publication, publish
    from tts.audio.timeline import lay_out

    pairs = planned(script, engine, prosody, pronounce)
    if not pairs:
        raise InputError(
            f"{script.book.source}: nothing to speak after cleaning; "
            "check that the file holds the chapter's text"
        )
    requests = [shown for shown, _ in pairs]  # the book's words, for subtitles and timing
    clips, stats = _synthesize(
        [spoken for _, spoken in pairs],
        engine,
        cache_dir,
        concurrency=concurrency,
        progress=progress,
    )
    titles = chapter_titles(script.segments)
    book = script.book
    info = book.info or BookInfo(title=book.title, language=book.language)
    if not info.language:
        info = replace(info, language=book.language)  # the tags follow the book's language
    publication = Publication(info=info, format=audio_format, subtitles=subtitles, cover=cover)

    def speaker_of(segment: Segment) -> str | None:
        return heard_speaker(script.cast, segment)

    def layout_of(pairs: Sequence[tuple[Request, Clip]]) -> Layout:
        return lay_out(
            script.segments,
            script.pauses,
            [request for request, _ in pairs],
            [clip for _, clip in pairs],
            titles,
            language=book.language,
        )

    parts = (
        list(_by_chapter(requests, clips))
        if split_chapters
        else [(0, list(zip(requests, clips, strict=True)))]
    )
    layouts = [(number, layout_of(pairs)) for number, pairs in parts]
    total = sum(layout.seconds for _, layout in layouts)

    def stage_of(offset: float) -> Callable[[str, float], None] | None:
        if progress is None:
            return None
        hear = progress

        def stage(name: str, seconds: float) -> None:
            hear(Assembling(name, offset + seconds, total))

        return stage

    def finished() -> None:
        if progress is not None:
            progress(
                Assembling(ENCODING_M4B if audio_format == "m4b" else ASSEMBLING, total, total)
            )

    if progress is not None:
        progress(Assembling(ASSEMBLING, 0.0, total))
    if not split_chapters:
        seconds = publish(
            layouts[0][1],
            output,
            publication,
            segments=script.segments,
            speaker_of=speaker_of,
            staging_dir=staging_dir(cache_dir),
            progress=stage_of(0.0),
        )
        finished()
        return RenderResult(output, seconds, engine.name, stats, files=(output,))
    folder = output.with_suffix("")
    numbers = [c.number for c in book.chapters]
    tracks = max([book_chapters or 0, len(numbers), *numbers])
    files: list[Path] = []
    written = 0.0
    done = 0.0
    for number, part in layouts:
        title = part.chapters[0].title
        target = folder / _chapter_file_name(number, title, audio_format)
        written += publish(
            part,
            target,
            publication,
            segments=script.segments,
            speaker_of=speaker_of,
            title=title,
            track=(number, tracks),
            staging_dir=staging_dir(cache_dir),
            progress=stage_of(done),
        )
        done += part.seconds
        files.append(target)
    finished()
    return RenderResult(folder, written, engine.name, stats, files=tuple(files))


def _synthesize(
    requests: Sequence[Request],
    engine: Engine,
    cache_dir: Path,
    *,
    concurrency: int = 4,
    progress: ProgressCallback | None = None,
    one_line: bool = False,
) -> tuple[list[Clip], Stats]:
    """Every request spoken (from the clip cache where it can be), and each voice brought to
    the book's loudness. `one_line`: the requests speak one line, not a book, so an error
    names no place in a book and offers no resume."""
    from tts.audio.loudness import level_voices
    from tts.speech.cache import ClipCache
    from tts.speech.synth import Progress, synthesize_all, where_in_book

    counters = Progress(listener=progress)
    clips = _run(
        synthesize_all(
            requests,
            engine,
            ClipCache(cache_dir / "clips"),
            concurrency=concurrency,
            progress=counters,
            where=None if one_line else where_in_book,
            resumable=not one_line,
        )
    )
    return level_voices(clips, [r.voice for r in requests]), counters.stats()


def _by_chapter(
    requests: Sequence[Request], clips: Sequence[Clip]
) -> Iterator[tuple[int, list[tuple[Request, Clip]]]]:
    """The (request, clip) pairs of each chapter, chapter by chapter, in reading order."""
    pairs = zip(requests, clips, strict=True)
    for number, group in itertools.groupby(pairs, key=lambda pair: pair[0].keys[0][0]):
        yield number, list(group)


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _chapter_file_name(number: int, title: str, suffix: str) -> str:
    """'003 第3章 夜渡.mp3': sorts in reading order, readable in a file manager. Characters
    no file system takes become spaces, and spaces (ideographic ones too) never double up
    nor start or end the title."""
    clean = " ".join(_UNSAFE.sub(" ", title).split())[:60].strip(" .")
    return f"{number:03d} {clean}.{suffix}" if clean else f"{number:03d}.{suffix}"


def save_cast(path: Path, script: Script) -> None:
    """Persist the cast next to the output so later runs and chapters keep every voice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    castfile.save_cast(path, script.cast)


def read_book(path: Path, chapters: str | None) -> Book:
    return load_book(path, chapters=chapters)


def check_output_path(output: Path, inputs: Sequence[tuple[str, Path | None]] = ()) -> None:
    """Refuse an output that would destroy what the user has: a folder, a file of a text
    kind (`TEXT_SUFFIXES`: a book, a voices.yaml, a script) or one of `inputs` ((what it
    is, path) pairs), even under another name (a symbolic or hard link)."""
    if output.exists() and output.is_dir():
        raise AudiobookError(f"{output}: is a directory; give -o a file name ending in .mp3")
    for what, given in inputs:
        if given is not None and same_file(output, given):
            raise AudiobookError(
                f"{output}: -o would overwrite {_named(what, output, given)}; give -o a new "
                "file name ending in .mp3 or .m4b"
            )
    if output.suffix.lower() in TEXT_SUFFIXES:
        raise AudiobookError(
            f"{output}: -o names a {output.suffix} file, not audio; give -o a file name "
            "ending in .mp3 or .m4b"
        )


def check_written_beside(
    written: Sequence[tuple[str, Path]], inputs: Sequence[tuple[str, Path | None]]
) -> None:
    """Refuse a render whose files beside the audio (the cast file, subtitles, the chapter
    folder) would be one of its `inputs`."""
    for kind, path in written:
        for what, given in inputs:
            if given is not None and same_file(path, given):
                raise AudiobookError(
                    f"{path}: {kind} of this render would overwrite "
                    f"{_named(what, path, given)}; give -o another name or folder"
                )


def _named(what: str, path: Path, given: Path) -> str:
    """'the book', or 'the book (book.txt)' when `path` reaches it under another name."""
    return what if str(path) == str(given) else f"{what} ({given})"


def same_file(a: Path, b: Path) -> bool:
    """Whether `a` and `b` are one file (or folder): the same path, or, when both exist,
    the same file under two names (links included)."""
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        pass
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return a.absolute() == b.absolute()


def staging_dir(cache_dir: Path) -> Path:
    """Where a render keeps work files that never become output (M4B's assembled MP3)."""
    return cache_dir / "staging"


def clean_up_after_killed_runs(
    output: Path, *, split_chapters: bool, cache_dir: Path, started: float
) -> list[Path]:
    """Remove what runs of `output` that were killed (kill -9, power loss) left: hidden
    temporary files of the output, its cast file and subtitles, the chapter files' folder,
    and the cache's staging folder. Files of a run still going are kept."""
    from tts.model import SUBTITLE_FORMATS

    names = {output.name, cast_path_for(output).name}
    names |= {f"{output.stem}.{fmt}" for fmt in SUBTITLE_FORMATS}
    removed = remove_stale(output.parent, started=started, only=names.__contains__)
    if split_chapters:
        removed += remove_stale(output.with_suffix(""), started=started)
    removed += remove_stale(staging_dir(cache_dir), started=started)
    return removed


def existing_output(output: Path, *, split_chapters: bool) -> tuple[Path, str | None] | None:
    """The book a render to `output` would replace, and the engine that made it as the
    cast file beside it says (None when it cannot tell); None when there is none."""
    if split_chapters:
        folder = output.with_suffix("")
        try:
            present = folder.is_dir() and any(
                p.suffix.lower() in (".mp3", ".m4b") for p in folder.iterdir()
            )
        except OSError:
            present = False
        path = folder
    else:
        present, path = output.is_file(), output
    if not present:
        return None
    cast_file = cast_path_for(output)
    try:
        engine = castfile.read_cast(cast_file).narrator.engine if cast_file.is_file() else None
    except AudiobookError:
        engine = None
    return path, engine


# --- the commands: what the CLI calls, one function each -------------------------


def default_output(source: Path, audio_format: str = "mp3", selection: str | None = None) -> Path:
    """Where a render of `source` goes unless -o says otherwise: output/<stem>.<format>, or
    for some of its chapters (`selection`, as `selection_label` writes it)
    output/<stem>.ch<selection>.<format>, so it never replaces the whole book."""
    part = f".ch{selection}" if selection else ""
    return DEFAULT_OUTPUT_DIR / f"{source.stem}{part}.{audio_format}"


def selection_label(numbers: Sequence[int], count: int) -> str | None:
    """The chapters of a render as its file name gives them: runs as ranges, in order
    ([2, 3] -> '2-3', [1, 4, 6, 7, 8] -> '1,4,6-8', [5] -> '5'), so '2,3' and '2-3' name one
    file; None when they are all `count` chapters of the book (the whole book)."""
    chosen = sorted(set(numbers))
    if chosen == list(range(1, count + 1)):
        return None
    runs: list[list[int]] = []
    for n in chosen:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ",".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def output_format(
    output: Path | None, asked: str | None, *, split_chapters: bool = False
) -> AudioFormat:
    """The format a render writes: the one -o's name says (`AUDIO_SUFFIXES`), which
    `--format` (`asked`) may repeat but not contradict; without -o, `asked`, else mp3.

    Refused, so that a file's name never lies about what it holds: a suffix of no format
    written here (.wav, .ogg), no suffix (except for the folder of --split-chapters), and
    a --format other than the suffix's."""
    if asked is not None and asked not in AUDIO_FORMATS:
        raise AudiobookError(f"--format {asked}: not a format written here; use mp3 or m4b")
    fmt: AudioFormat = "m4b" if asked == "m4b" else "mp3"
    if output is None:
        return fmt
    suffix = output.suffix.lower()
    if not suffix and split_chapters:
        return fmt  # -o names the folder of chapter files
    named = AUDIO_SUFFIXES.get(suffix)
    if named is None:
        what = f"ends in {output.suffix}, which is no" if suffix else "has no suffix to say its"
        raise AudiobookError(
            f"{output}: -o {what} format written here (MP3 or M4B); give -o a name ending "
            "in .mp3 or .m4b"
        )
    if asked is not None and asked != named:
        raise AudiobookError(
            f"{output}: --format {asked} would put {asked.upper()} audio in a {output.suffix} "
            f"file; name it {output.with_suffix('.' + asked).name}, or leave out --format"
        )
    return named


def saved_cast_for(cast_file: Path, source: Path, selection: str | None) -> Path:
    """The saved cast a render takes its characters' voices from: its own (`cast_file`,
    beside its output) when there is one. A render of some chapters without one takes the
    whole book's (output/<stem>.cast.yaml), else the one a render of other chapters of the
    book wrote last, so every chapter keeps the voices the book has."""
    if selection is None or cast_file.is_file():
        return cast_file
    whole = cast_path_for(default_output(source))
    if whole.is_file():
        return whole
    pattern = glob.escape(f"{source.stem}.ch") + "*.cast.yaml"
    others = [p for p in DEFAULT_OUTPUT_DIR.glob(pattern) if p.is_file()]
    return max(others, key=lambda p: p.stat().st_mtime) if others else cast_file


def read_selected(source: Path, chapters: str | None) -> tuple[Book, int]:
    """The chapters of `source` a render reads, and how many the whole book has."""
    whole = load_book(source)
    try:
        book = select_chapters(whole, chapters)
    except InputError as exc:
        raise file_error(source, str(exc)) from None
    return book, len(whole.chapters)


def read_script(
    source: Path,
    *,
    voices_file: Path | None,
    engine: str | None,
    chapters: str | None,
    cache_dir: Path,
    proxy: str | None = None,
    warn: Callable[[str], None] | None = None,
    note: Callable[[str], None] | None = None,
    cast_note: Callable[[str], None] | None = None,
    found_voices: Path | None = None,
) -> Script:
    """`script` and `cast`: a book read, attributed and cast with the voices a default render
    of it would use and keep. An engine named (--engine, else voices.yaml's `engine`) is
    taken as it is, without the network; `auto` is resolved as a render resolves it
    (`engine_for_book`), so offline it shows the offline engine's voices, and `warn` hears
    why, as a render's user would.

    Every voice of the cast is checked as a render checks it (`check_voices`), so what
    would stop the render stops `script` and `cast` too, with the same errors. `warn` also
    hears of names voices.yaml lists that nobody in the book answers to; `note` hears
    which voices.yaml is used when it was found (`found_voices`, see `pick_voices`);
    `cast_note` what casting chose on the user's behalf (`tts.cast.casting.cast_notes`).
    """
    config, book, _, segments, characters = who_speaks(
        source,
        voices_file=voices_file,
        found_voices=found_voices,
        chapters=chapters,
        script_file=None,
        cache_dir=cache_dir,
        warn=warn,
        note=note,
    )
    cast_file = cast_path_for(default_output(source))
    script_for = _caster(book, segments, characters, config, cache_dir, cast_file)
    chosen = engine_choice(engine, config)
    known: list[VoiceInfo] | None = None
    if chosen == registry.AUTO:
        resolved, warnings = engine_for_book(
            chosen,
            config,
            cache_dir,
            script_for,
            pronounce=config.pronounce if config is not None else None,
            proxy=proxy,
        )
        for warning in warnings:
            if warn is not None:
                warn(warning)
        chosen, known = resolved.name, resolved.known_voices()
    script = script_for(chosen)
    offered = known if known is not None else engine_voices(chosen, cache_dir)
    check_voices(script, chosen, config, offered, cast_file)
    if cast_note is not None:
        for line in casting.cast_notes(
            script.characters,
            script.cast,
            language=book.language,
            engine=chosen,
            config=config,
            voices=offered,
        ):
            cast_note(line)
    return script


def who_speaks(
    source: Path,
    *,
    voices_file: Path | None,
    found_voices: Path | None,
    chapters: str | None,
    script_file: Path | None,
    cache_dir: Path,
    warn: Callable[[str], None] | None,
    note: Callable[[str], None] | None,
) -> tuple[voices_config.VoicesConfig | None, Book, int, list[Segment], list[Character]]:
    """The voices.yaml used (the one named, else the one found if it is about this book:
    `pick_voices`), the chapters read, how many the whole book has, and who says what in
    them: attributed afresh, or as the corrected `script_file` says, with voices.yaml's
    `not_characters` made nobody. `warn`
    hears of each name voices.yaml lists that nobody in the book answers to (when the
    whole book is read: a selection of chapters may well leave some out)."""
    config = load_config(voices_file or found_voices, cache_dir)
    book, count = read_selected(source, chapters)
    if script_file is not None:
        segments, characters = read_corrections(script_file, config)
        characters = _with_genders(characters, attribute_book(book, config)[1])
    else:
        segments, characters = attribute_book(book, config)
    if voices_file is None and found_voices is not None and config is not None:
        used = pick_voices(config, found_voices, characters, book, source, chapters)
        if used is None:
            listed = set(config.speakers)
            characters = [c for c in characters if c.name not in listed or c.lines]
            if warn is not None:
                names = ", ".join(list(config.speakers)[:3])
                more = ", ..." if len(config.speakers) > 3 else ""
                warn(
                    f"{_here(found_voices)} names nobody in this book ({names}{more}), so it "
                    f"is not used; pass --voices {found_voices} to use it anyway"
                )
            config = None
        elif note is not None:
            note(f"Using {_here(found_voices)} (pass --voices to choose another file)")
    segments, characters = checks.drop_not_characters(segments, characters, config)
    if config is not None and chapters is None and warn is not None:
        for warning in checks.unheard_speakers(config, characters, book):
            warn(warning)
    return config, book, count, segments, characters


def _with_genders(characters: Sequence[Character], found: Sequence[Character]) -> list[Character]:
    """The characters of a corrected script with the genders the book shows (`found`, by
    attribution), which a script does not record: so each is cast as `script` showed it,
    not as a character of unknown gender."""
    genders = {c.name: c.gender for c in found if c.gender is not None}
    return [
        c if c.gender is not None else replace(c, gender=genders.get(c.name)) for c in characters
    ]


def _here(path: Path) -> str:
    """'./voices.yaml' for a file of the current folder: plainly the one found there."""
    return f"./{path}" if not path.is_absolute() and len(path.parts) == 1 else str(path)


def pick_voices(
    config: voices_config.VoicesConfig,
    path: Path,
    characters: Sequence[Character],
    book: Book,
    source: Path,
    chapters: str | None,
) -> voices_config.VoicesConfig | None:
    """`config`, read from `path` (./voices.yaml, found rather than named), if it is about
    this book: it lists no speakers (settings for any book), or a name it lists speaks in
    the book or is written in it (in the whole book when only some chapters are read);
    None when it is another book's, such as the example in a clone of this repository."""
    if checks.names_anyone(config, characters, book):
        return config
    if chapters is not None and checks.names_anyone(config, (), read_book(source, None)):
        return config
    return None


def check_voices(
    script: Script,
    engine_name: str,
    config: voices_config.VoicesConfig | None,
    offered: Sequence[VoiceInfo] | None,
    cast_file: Path | None = None,
) -> None:
    """Refuse a cast with a voice the engine that will speak it does not have, before the
    first request: a ConfigError with every such voice, each naming the voices.yaml line
    (or the saved cast) it came from. `offered` is the engine's voices (None: the names'
    form only)."""
    previous: set[str] = set()
    if cast_file is not None and cast_file.is_file():
        saved = castfile.load_cast(cast_file, engine=engine_name)
        previous = {n for n, v in saved.items() if script.cast.speakers.get(n) == v}
    problems = checks.voice_problems(
        script.cast,
        engine=engine_name,
        language=script.book.language,
        config=config,
        known=(
            None
            if offered is None
            else frozenset(v.name for v in offered if v.engine == engine_name)
        ),
        cast_file=str(cast_file) if cast_file is not None else None,
        previous=previous,
    )
    if problems:
        raise ConfigError(*problems)


def _caster(
    book: Book,
    segments: Sequence[Segment],
    characters: Sequence[Character],
    config: voices_config.VoicesConfig | None,
    cache_dir: Path,
    cast_file: Path,
) -> Callable[[str], Script]:
    """`book`'s script cast for an engine (by name), cast once per engine."""
    scripts: dict[str, Script] = {}

    def script_for(engine_name: str) -> Script:
        if engine_name not in scripts:
            scripts[engine_name] = cast_script(
                book, segments, characters, config, engine_name, cache_dir, cast_file
            )
        return scripts[engine_name]

    return script_for


def engine_for_book(
    engine: str | None,
    config: voices_config.VoicesConfig | None,
    cache_dir: Path,
    script_for: Callable[[str], Script],
    *,
    prosody: Prosody = AS_CAST,
    pronounce: Mapping[str, str] | None = None,
    proxy: str | None = None,
    replaces: tuple[Path, str | None] | None = None,
) -> tuple[Engine, list[str]]:
    """The engine a book is spoken with, and warnings: the one rule `render`, `script` and
    `cast` share (`resolve_engine`). `auto` takes the preferred (online) engine when its
    service answers or every clip of the book (`script_for` that engine, with `prosody` and
    `pronounce`) is cached for it, else the offline engine, with a warning that says why."""

    def fully_cached(candidate: Engine) -> bool:
        from tts.speech.cache import ClipCache
        from tts.speech.synth import all_cached

        requests = plan(script_for(candidate.name), candidate, prosody, pronounce)
        return all_cached(requests, candidate, ClipCache(cache_dir / "clips"))

    return resolve_engine(
        engine, config, cache_dir, ready=fully_cached, replaces=replaces, proxy=proxy
    )


def extend_voices_file(path: Path, script: Script) -> list[str]:
    """`cast --write`: add the characters a voices.yaml lacks, keeping the user's entries and
    comments; returns the names added."""
    from tts.cast.writer import write_voices_yaml

    return write_voices_yaml(path, script.characters, script.cast)


def render_book(
    source: Path,
    *,
    output: Path | None,
    voices_file: Path | None,
    engine: str | None,
    cache_dir: Path,
    chapters: str | None = None,
    script_file: Path | None = None,
    concurrency: int = 4,
    audio_format: str | None = None,
    subtitles: str | None = None,
    cover_file: Path | None = None,
    split_chapters: bool = False,
    prosody: Prosody = AS_CAST,
    proxy: str | None = None,
    progress: ProgressCallback | None = None,
    warn: Callable[[str], None] | None = None,
    note: Callable[[str], None] | None = None,
    found_voices: Path | None = None,
) -> RenderResult:
    """`render`: read (or take the corrected `script_file`), attribute, cast, speak and
    assemble the book, then keep the cast beside the output for the next run.

    The output is `output`, else `default_output` (a name of its own for some `chapters`);
    `audio_format` is the one `output`'s name says (`output_format`: a contradiction or a
    suffix of no audio format is an error), else mp3. A render of some chapters takes its
    voices from the whole book's cast when it has none of its own (`saved_cast_for`).
    `warn` hears what the user should know but does not stop the render (an engine
    fallback). `prosody` is added to every voice's own (`render --rate +15%`); `proxy` is
    the proxy URL to the online engine's service. Refused before anything is written: an
    output that is one of the inputs (`check_output_path`). A book whose every clip is
    cached renders without asking the engine's service. Every voice of the cast is checked
    against the engine before the first request (`check_voices`). `found_voices` is
    ./voices.yaml, found rather than named with --voices: used only for a book it is about
    (`pick_voices`), which `note` hears; `warn` also hears of names voices.yaml lists that
    nobody in the book answers to.
    """
    started = time.time()
    inputs = [
        ("the book", source),
        ("the voices file", voices_file or found_voices),
        ("the script", script_file),
        ("the cover", cover_file),
    ]
    if output is not None:
        check_output_path(output, inputs)  # a text file named: say so before the suffix
    fmt = output_format(output, audio_format, split_chapters=split_chapters)

    def guard(out: Path) -> None:
        check_output_path(out, inputs)
        beside = [("the cast file", cast_path_for(out))]
        if subtitles:
            beside.append(("the subtitles", out.with_suffix(f".{subtitles}")))
        if split_chapters:
            beside.append(("the chapter folder", out.with_suffix("")))
        check_written_beside(beside, inputs)
        clean_up_after_killed_runs(
            out, split_chapters=split_chapters, cache_dir=cache_dir, started=started
        )

    if output is not None:
        guard(output)
    from tts.audio.tags import load_cover  # mutagen: only a render with --cover reads one

    cover = load_cover(str(cover_file))[0] if cover_file else None
    config, book, count, segments, characters = who_speaks(
        source,
        voices_file=voices_file,
        found_voices=found_voices,
        chapters=chapters,
        script_file=script_file,
        cache_dir=cache_dir,
        warn=warn,
        note=note,
    )
    selection = selection_label([c.number for c in book.chapters], count)
    out = output or default_output(source, fmt, selection)
    if output is None:
        guard(out)
    cast_file = cast_path_for(out)
    saved_cast = saved_cast_for(cast_file, source, selection)
    pronounce = config.pronounce if config is not None else None
    script_for = _caster(book, segments, characters, config, cache_dir, saved_cast)
    chosen, warnings = engine_for_book(
        engine,
        config,
        cache_dir,
        script_for,
        prosody=prosody,
        pronounce=pronounce,
        proxy=proxy,
        replaces=existing_output(out, split_chapters=split_chapters),
    )
    for warning in warnings:
        if warn is not None:
            warn(warning)
    script = script_for(chosen.name)
    check_voices(script, chosen.name, config, chosen.known_voices(), cast_file)
    result = render(
        script,
        chosen,
        out,
        cache_dir=cache_dir,
        concurrency=concurrency,
        progress=progress,
        split_chapters=split_chapters,
        audio_format=fmt,
        subtitles=subtitles,
        cover=cover,
        prosody=prosody,
        book_chapters=count,
        pronounce=pronounce,
    )
    save_cast(cast_file, script)
    return result


def say_text(
    text: str,
    *,
    voice_name: str | None = None,
    engine: str | None = None,
    rate: str = "+0%",
    pitch: str = "+0Hz",
    volume: str = "+0%",
    output: Path | None = None,
    cache_dir: Path,
    proxy: str | None = None,
    warn: Callable[[str], None] | None = None,
) -> RenderResult:
    """`say`: speak one line in one voice.

    A voice named is spoken by its own engine (which `engine`, when it names one, must be).
    Without one, the engine asked for (`auto`: resolved as for a book, falling back to the
    offline engine with a warning to `warn`) speaks with its narrator for the text's
    language (`narrator_for`).
    """
    out = output or DEFAULT_OUTPUT_DIR / "say.mp3"
    check_output_path(out)
    if out.suffix.lower() != ".mp3":  # say writes MP3 only: a name must not say otherwise
        raise AudiobookError(
            f"{out}: 'say' writes MP3; give -o a name ending in .mp3 "
            f"(such as {out.with_suffix('.mp3').name})"
        )
    remove_stale(out.parent, started=time.time(), only=out.name.__eq__)
    asked = registry.check_choice(engine) if engine else registry.AUTO
    if voice_name is None:
        chosen, warnings = resolve_engine(asked, None, cache_dir, proxy=proxy, scope="this line")
        for warning in warnings:
            if warn is not None:
                warn(warning)
        voice_name = narrator_for(chosen.name, text)
        voice = Voice(chosen.name, voice_name, rate=rate, pitch=pitch, volume=volume)
        return say(text, voice, chosen, out, cache_dir=cache_dir)
    if asked == registry.AUTO:
        engine_name = registry.engine_of(voice_name)  # whose check then reports a bad name
    else:
        engine_name = asked
        _check_voice_of(engine_name, voice_name)
    voice = Voice(engine_name, voice_name, rate=rate, pitch=pitch, volume=volume)
    try:
        chosen, _ = resolve_engine(engine_name, None, cache_dir, proxy=proxy)
        return say(text, voice, chosen, out, cache_dir=cache_dir)
    except ServiceUnreachable as exc:
        raise _offline_hint_for_say(exc, engine_name) from None


def narrator_for(engine_name: str, text: str) -> str:
    """The voice `say` uses when none is named: the engine's narrator for the locale of the
    text's language (`tts.read.language`), as a book in that language gets."""
    from tts.read.language import detect_language

    locale = casting.LANGUAGE_LOCALE.get(detect_language(text))
    narrators = registry.info(engine_name).narrators
    return (narrators.get(locale) if locale else None) or next(iter(narrators.values()))


def _check_voice_of(engine_name: str, voice_name: str) -> None:
    """Refuse a --voice that is plainly not a voice of the engine --engine names."""
    engine = registry.info(engine_name)
    if engine.voice_form.match(voice_name):
        return
    owner = registry.info(registry.engine_of(voice_name))
    whose = (
        f"is {owner.label}'s, not {engine.label}'s"
        if owner.name != engine.name and owner.voice_form.match(voice_name)
        else f"is not a voice name of {engine.label}'s"
    )
    raise ConfigError(
        f"--voice {voice_name} {whose}; give one of the voices 'audiobook voices --engine "
        f"{engine.name}' lists, or leave out --voice for its narrator"
    )


def _offline_hint_for_say(exc: ServiceUnreachable, engine_name: str) -> ServiceUnreachable:
    """The engine's "cannot reach the service" with a fix that works for `say --voice`: the
    offline engine with a voice of its own (or none), since the voice named is the online
    engine's."""
    fallback = registry.offline()
    if fallback is None or fallback.name == engine_name:
        return exc
    return ServiceUnreachable(
        f"{_gist(str(exc))}; check your network, or speak offline with --engine "
        f"{fallback.name} and no --voice (or one of 'audiobook voices --engine "
        f"{fallback.name}')"
    )


READING_PACE: dict[str, tuple[float, str]] = {
    "zh-Hans": (250.0, "characters"),
    "zh-Hant": (250.0, "characters"),
    "en": (155.0, "words"),
}
"""A typical audiobook pace, per minute, for `chapters`' estimates: Chinese narrators read
about 250 characters a minute, English ones 150-160 words. Pauses are included."""

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True)
class ChapterLength:
    """A chapter as `audiobook chapters` lists it."""

    number: int
    """Its place in the file: what --chapters takes."""
    title: str | None
    """The heading as written, with the book's own numbering ('第122章 上頭來人')."""
    characters: int
    """Characters of text, heading included, spaces and scene breaks not."""
    minutes: float
    """About how long it takes to read aloud (`READING_PACE`)."""


def list_chapters(source: Path) -> tuple[Book, list[ChapterLength]]:
    """`chapters`: the book's chapters with their length and an estimate of their reading
    time; read and cleaned as `render` reads them, but not attributed (fast)."""
    book = read_book(source, None)
    pace, unit = READING_PACE.get(book.language, READING_PACE["en"])
    found: list[ChapterLength] = []
    for chapter in book.chapters:
        texts = [p.text for p in chapter.paragraphs if not p.scene_break]
        if chapter.title:
            texts.insert(0, chapter.title)
        text = "\n".join(texts)
        characters = sum(1 for ch in text if not ch.isspace())
        if unit == "words":
            spoken = len(_WORD.findall(text))
        else:
            spoken = sum(1 for ch in text if ch.isalnum())
        found.append(ChapterLength(chapter.number, chapter.title, characters, spoken / pace))
    return book, found


CLIPS_FOLDER = "clips"
"""Where the clip cache lives inside the cache folder."""


@dataclass(frozen=True)
class CacheUsage:
    """What `audiobook cache` shows: the clips in a cache folder, and what else is there."""

    place: Path
    clips: int
    bytes: int
    engines: dict[str, tuple[int, int]]
    """(clips, bytes) for each engine; '' for clips an earlier version cached without
    saying which engine spoke them, or which are not whole (a write cut short)."""
    raw: int
    """Clips still kept as raw PCM by an earlier version (made MP3 when next used)."""
    other_bytes: int
    """Everything else in the folder: the Edge voice list, renders' work files."""


def cache_usage(cache_dir: Path) -> CacheUsage:
    """`cache`: how many clips the cache holds, how big they are, by engine."""
    from tts.speech.cache import ClipCache

    engines: dict[str, tuple[int, int]] = {}
    clips = size = raw = 0
    for entry in ClipCache(cache_dir / CLIPS_FOLDER).entries():
        name = entry.engine if entry.engine is not None and entry.whole else ""
        count, total = engines.get(name, (0, 0))
        engines[name] = (count + 1, total + entry.size)
        clips, size = clips + 1, size + entry.size
        raw += entry.codec == "pcm_s16le"
    other = 0
    for folder, _, files in os.walk(cache_dir):
        if Path(folder).relative_to(cache_dir).parts[:1] == (CLIPS_FOLDER,):
            continue
        for name in files:
            with contextlib.suppress(OSError):
                other += (Path(folder) / name).stat().st_size
    return CacheUsage(cache_dir, clips, size, engines, raw, other)


_AGE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([dhw]?)\s*", re.IGNORECASE)
_AGE_UNITS = {"": 86400.0, "d": 86400.0, "h": 3600.0, "w": 7 * 86400.0}


def parse_age(text: str) -> float:
    """'30d', '12h', '2w' or '30' (days) -> seconds."""
    found = _AGE.fullmatch(text)
    if found is None:
        raise InputError(
            f"--older-than {text!r} is not an age; give days, hours or weeks such as 30d, 12h or 2w"
        )
    return float(found[1]) * _AGE_UNITS[found[2].lower()]


@dataclass(frozen=True)
class PruneResult:
    """What `cache --prune` removed (or, without `apply`, would remove)."""

    place: Path
    removed: int
    freed: int
    left: int
    left_bytes: int
    applied: bool


def book_clip_keys(source: Path, *, voices_file: Path | None, cache_dir: Path) -> set[str]:
    """The cache keys of every clip a default `render` of `source` uses now, with each
    engine that can be made: the book read, attributed and cast as `render` does it (with
    the voices file and the cast saved beside output/<stem>.mp3)."""
    from tts.speech.synth import request_key

    config = load_config(voices_file, cache_dir)
    book = read_book(source, None)
    segments, characters = attribute_book(book, config)
    cast_file = cast_path_for(default_output(source))
    keys: set[str] = set()
    for name in registry.names():
        try:
            engine = _make_engine(name, cache_dir)
            script = cast_script(book, segments, characters, config, name, cache_dir, cast_file)
        except AudiobookError:
            continue  # an engine that cannot run here made none of this cache's clips
        keys.update(request_key(request, engine) for request in plan(script, engine))
    return keys


def prune_cache(
    cache_dir: Path,
    *,
    older_than: float | None = None,
    books: Sequence[Path] = (),
    keep: Sequence[Path] = (),
    everything: bool = False,
    voices_file: Path | None = None,
    apply: bool = False,
    now: float | None = None,
) -> PruneResult:
    """`cache --prune`: the clips that match every filter given, removed when `apply`.

    `older_than`: not used for that many seconds; `books`: used by a render of one of these
    books; `keep`: used by none of these books; `everything`: all. Without `apply` nothing
    is removed: the result says what would be.
    """
    from tts.speech.cache import ClipCache, Entry

    if not (everything or older_than is not None or books or keep):
        raise InputError(
            "say which clips to prune: --older-than 30d, --book BOOK, --keep BOOK or --all"
        )
    if everything and (older_than is not None or books or keep):
        raise InputError("--all prunes every clip: give it alone, or drop it to use the others")
    now = time.time() if now is None else now
    used = set().union(
        *(book_clip_keys(b, voices_file=voices_file, cache_dir=cache_dir) for b in books)
    )
    kept = set().union(
        *(book_clip_keys(b, voices_file=voices_file, cache_dir=cache_dir) for b in keep)
    )

    def chosen(entry: Entry) -> bool:
        if everything:
            return True
        if older_than is not None and entry.used >= now - older_than:
            return False
        if books and entry.key not in used:
            return False
        return not (keep and entry.key in kept)

    cache = ClipCache(cache_dir / CLIPS_FOLDER)
    removed = freed = left = left_bytes = 0
    for entry in cache.entries():
        if not chosen(entry):
            left, left_bytes = left + 1, left_bytes + entry.size
            continue
        removed += 1
        freed += cache.remove(entry) if apply else entry.size
    if apply:
        cache.remove_debris()
    return PruneResult(cache_dir, removed, freed, left, left_bytes, apply)


__all__ = [
    "AUDIO_SUFFIXES",
    "Assembling",
    "CacheUsage",
    "ChapterLength",
    "PruneResult",
    "RenderResult",
    "Script",
    "attribute_book",
    "book_clip_keys",
    "cache_usage",
    "cast_path_for",
    "cast_script",
    "check_engine",
    "check_output_path",
    "check_voices",
    "check_written_beside",
    "clean_up_after_killed_runs",
    "default_output",
    "default_voices_path",
    "output_format",
    "read_selected",
    "saved_cast_for",
    "selection_label",
    "engine_choice",
    "engine_for_book",
    "engine_voices",
    "existing_output",
    "extend_voices_file",
    "find_voices",
    "list_chapters",
    "load_config",
    "make_script",
    "narrator_for",
    "parse_age",
    "pick_voices",
    "planned",
    "prune_cache",
    "read_book",
    "read_corrections",
    "read_script",
    "render",
    "render_book",
    "resolve_engine",
    "same_file",
    "say_text",
    "script_from_file",
    "staging_dir",
    "who_speaks",
]
