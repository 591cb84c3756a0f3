"""Speaking and assembling: `render_book` (read, attribute, cast, speak, assemble, keep the
cast), `say` (one line in one voice) and `say_line` (one line of a book as the render
would speak it, for the studio), with the summary a render returns."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tts import registry
from tts.atomic import remove_stale
from tts.cast import casting
from tts.errors import AudiobookError, ConfigError, InputError, ServiceUnreachable
from tts.model import (
    AudioFormat,
    BookInfo,
    Clip,
    Prosody,
    Request,
    Script,
    Segment,
    Silence,
    Stats,
    Voice,
)
from tts.speakers.scriptfile import heard_speaker
from tts.speech.engines.base import Engine

if TYPE_CHECKING:
    from tts.audio.timeline import Layout


from tts.pipeline.engines import engine_for_book, gist, resolve_engine, run_work
from tts.pipeline.outputs import (
    DEFAULT_OUTPUT_DIR,
    cast_path_for,
    chapter_file_name,
    check_output_path,
    check_written_beside,
    clean_up_after_killed_runs,
    default_output,
    existing_output,
    fixes_file_for,
    output_format,
    saved_cast_for,
    selection_label,
    staging_dir,
)
from tts.pipeline.requests import AS_CAST, planned
from tts.pipeline.script import (
    caster,
    check_voices,
    everyone,
    save_cast,
    who_speaks,
    written_voices,
)


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
    from tts.speech.synth import plan_requests

    segment = Segment(chapter=1, index=0, kind="narration", text=text, paragraph=0, line=1)
    requests = plan_requests([(segment, voice)], engine.max_request_chars)
    if not requests:
        raise InputError("nothing speakable in the text given to 'say'; give words to read")
    return _say_requests(requests, voice, engine, output, cache_dir=cache_dir)


def say_line(
    script: Script,
    segment: Segment,
    engine: Engine,
    output: Path,
    *,
    cache_dir: Path,
    voice: Voice | None = None,
    pronounce: Mapping[str, str] | None = None,
) -> RenderResult:
    """One line of a book as a render speaks it: in the voice that reads it in `script`
    (or `voice`, to audition another on it), with voices.yaml's `pronounce` respellings,
    through the same engine, clip cache and loudness. The studio's Listen."""
    from tts.speech.synth import Respeller, plan_requests

    spoken = voice or script.voice_for(segment)
    if spoken is None:
        raise InputError(
            f"line {segment.line} is a pause: there is nothing to hear; pick a line of text"
        )
    respell = Respeller(pronounce or {})
    requests = [
        respell.request(r) for r in plan_requests([(segment, spoken)], engine.max_request_chars)
    ]
    if not requests:
        raise InputError(f"line {segment.line} has nothing speakable; pick a line with words")
    return _say_requests(requests, spoken, engine, output, cache_dir=cache_dir)


def _say_requests(
    requests: Sequence[Request], voice: Voice, engine: Engine, output: Path, *, cache_dir: Path
) -> RenderResult:
    """The requests of one line spoken and joined into `output` (MP3)."""
    from tts.audio.assemble import assemble

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
    ray: str | None = None,
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
    `ray` is the address of a Ray cluster whose machines speak what is not cached
    (`tts.speech.cluster`; 'local' starts one on this machine); None speaks here.
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
        ray=ray,
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
        target = folder / chapter_file_name(number, title, audio_format)
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
    ray: str | None = None,
) -> tuple[list[Clip], Stats]:
    """Every request spoken (from the clip cache where it can be), and each voice brought to
    the book's loudness. `one_line`: the requests speak one line, not a book, so an error
    names no place in a book and offers no resume. `ray`: the Ray cluster address whose
    machines speak what is not cached (connected to only if something is not)."""
    from tts.audio.loudness import level_voices
    from tts.speech.cache import ClipCache
    from tts.speech.synth import Progress, Speaker, synthesize_all, where_in_book

    counters = Progress(listener=progress)
    speaker: Speaker | None = None
    cluster = None
    if ray is not None:
        from tts.speech.cluster import ClusterSpeaker, import_ray

        import_ray()  # not installed: say so before anything is read from the cache
        cluster = speaker = ClusterSpeaker(ray, engine, concurrency=concurrency)
    try:
        clips = run_work(
            synthesize_all(
                requests,
                engine,
                ClipCache(cache_dir / "clips"),
                concurrency=concurrency,
                progress=counters,
                where=None if one_line else where_in_book,
                resumable=not one_line,
                speaker=speaker,
            )
        )
    finally:
        if cluster is not None:
            cluster.close()
    return level_voices(clips, [r.voice for r in requests]), counters.stats()


def _by_chapter(
    requests: Sequence[Request], clips: Sequence[Clip]
) -> Iterator[tuple[int, list[tuple[Request, Clip]]]]:
    """The (request, clip) pairs of each chapter, chapter by chapter, in reading order."""
    pairs = zip(requests, clips, strict=True)
    for number, group in itertools.groupby(pairs, key=lambda pair: pair[0].keys[0][0]):
        yield number, list(group)


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
    ray: str | None = None,
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
    nobody in the book answers to. The book's line fixes (`fixes_file_for`: beside `output`
    when there are some, else `output/<book>.fixes.yaml`) are applied, and said; a corrected
    `script_file` is checked against the book (`who_speaks`), and the voices its lines
    name are honoured (`written_voices`). `ray` is the address of a Ray cluster ('local': one
    started on this machine) whose machines speak the clips that are not cached; all else
    runs here, as without it.
    """
    started = time.time()
    if ray is not None:
        from tts.speech.cluster import import_ray

        import_ray()  # not installed: say so before reading the book
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
    reading = who_speaks(
        source,
        voices_file=voices_file,
        found_voices=found_voices,
        chapters=chapters,
        script_file=script_file,
        cache_dir=cache_dir,
        warn=warn,
        note=note,
        fixes_file=fixes_file_for(source, output),
    )
    config, book, count = reading.config, reading.book, reading.count
    segments, characters = reading.segments, reading.characters
    selection = selection_label([c.number for c in book.chapters], count)
    out = output or default_output(source, fmt, selection)
    if output is None:
        guard(out)
    cast_file = cast_path_for(out)
    saved_cast = saved_cast_for(cast_file, source, selection)
    pronounce = config.pronounce if config is not None else None
    script_for = caster(book, segments, characters, config, cache_dir, saved_cast)
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
    script = written_voices(
        script_for(chosen.name),
        reading.script_lines,
        script_for,
        caster(book, segments, everyone(reading), config, cache_dir, saved_cast),
        chosen.name,
        chosen.known_voices(),
        script_file,
        warn,
        note,
    )
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
        ray=ray,
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
        f"{gist(str(exc))}; check your network, or speak offline with --engine "
        f"{fallback.name} and no --voice (or one of 'audiobook voices --engine "
        f"{fallback.name}')"
    )
