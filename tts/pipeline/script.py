"""A book read, attributed and cast: the voices.yaml used (`./voices.yaml` only for a book
it is about), who says what (afresh with the book's line fixes applied, or from a corrected
jsonl script), every voice checked against its engine, and the cast kept beside the
output. `studio_script` is the same reading for the studio, without the network."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tts import registry
from tts.cast import castfile, casting, checks
from tts.cast import config as voices_config
from tts.errors import AudiobookError, ConfigError, InputError, ScriptError
from tts.model import Book, Cast, Character, Pauses, Script, Segment, VoiceInfo
from tts.pipeline.engines import engine_choice, engine_for_book, engine_voices
from tts.pipeline.outputs import cast_path_for, default_output, fixes_file_for
from tts.read.decode import file_error
from tts.read.limits import short
from tts.read.load import load_book
from tts.read.selection import select_chapters
from tts.speakers.fixes import FixReport, apply_fixes, describe_report, load_fixes, normal, recount
from tts.speakers.scriptfile import ScriptLine, read_script_file, read_script_lines
from tts.text import close_names, suggest


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
    return characters_of(read_script_file(path), config)


def characters_of(
    segments: Sequence[Segment], config: voices_config.VoicesConfig | None
) -> tuple[list[Segment], list[Character]]:
    """The segments of a corrected script and the characters who speak in them, most lines
    first (a line given to an alias voices.yaml lists counts as the character's)."""
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


def save_cast(path: Path, script: Script) -> None:
    """Persist the cast next to the output so later runs and chapters keep every voice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    castfile.save_cast(path, script.cast)


def read_book(path: Path, chapters: str | None) -> Book:
    return load_book(path, chapters=chapters)


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
    The book's line fixes (`output/<book>.fixes.yaml`) are applied, and `note` hears how
    many (`warn`, of those that no longer match).
    """
    reading = who_speaks(
        source,
        voices_file=voices_file,
        found_voices=found_voices,
        chapters=chapters,
        script_file=None,
        cache_dir=cache_dir,
        warn=warn,
        note=note,
        fixes_file=fixes_file_for(source),
    )
    config, book, segments, characters = (
        reading.config,
        reading.book,
        reading.segments,
        reading.characters,
    )
    cast_file = cast_path_for(default_output(source))
    script_for = caster(book, segments, characters, config, cache_dir, cast_file)
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


def studio_script(
    source: Path,
    *,
    voices_file: Path | None,
    engine: str | None = None,
    cache_dir: Path,
    chapters: str | None = None,
    fixes_file: Path | None = None,
    warn: Callable[[str], None] | None = None,
) -> tuple[Script, FixReport]:
    """The book's script as it stands, for the studio: read, attributed, with the line
    fixes applied and cast, as `script` and `render` would, without the network.

    `voices_file` is the voices.yaml the studio edits (None, or a file not made yet: none).
    `fixes_file` defaults to the book's own (`fixes_file_for`: `output/<book>.fixes.yaml`).
    The engine is `engine`, else voices.yaml's `engine`, else, for `auto`, the one the
    book's saved cast was made with, else the preferred engine (`registry.named_engine`):
    its voices are those at hand offline (Edge's: the list last fetched, else the one
    shipped). The returned FixReport says what the fixes did (`applied`, `stale`); lines a
    fix gave their speaker have method `FIXED` ('fixed') and confidence 1.0. Errors (a
    broken voices.yaml or fixes file, a voice the engine lacks) are `AudiobookError`s, as
    for `script`; `warn` hears what `script` would warn of.
    """
    given = voices_file if voices_file is not None and voices_file.exists() else None
    fixes = fixes_file if fixes_file is not None else fixes_file_for(source)
    reading = who_speaks(
        source,
        voices_file=given,
        found_voices=None,
        chapters=chapters,
        script_file=None,
        cache_dir=cache_dir,
        warn=warn,
        note=None,
        fixes_file=fixes,
    )
    cast_file = cast_path_for(default_output(source))
    chosen = engine_choice(engine, reading.config)
    if chosen == registry.AUTO:
        chosen = _saved_engine(cast_file) or registry.named_engine(chosen)
    script = cast_script(
        reading.book,
        reading.segments,
        reading.characters,
        reading.config,
        chosen,
        cache_dir,
        cast_file,
    )
    check_voices(script, chosen, reading.config, engine_voices(chosen, cache_dir), cast_file)
    report = reading.fixes or FixReport(segments=list(reading.segments), applied=0)
    return script, report


def _saved_engine(cast_file: Path) -> str | None:
    """The engine the book's saved cast was made with, when it is one registered now."""
    if not cast_file.is_file():
        return None
    try:
        engine = castfile.read_cast(cast_file).narrator.engine
    except AudiobookError:
        return None
    return engine if engine in registry.names() else None


@dataclass(frozen=True)
class Reading:
    """Who says what in the chapters of a book that a command reads (`who_speaks`)."""

    config: voices_config.VoicesConfig | None
    """The voices.yaml used (None: none, or one about another book)."""
    book: Book
    """The chapters read."""
    count: int
    """How many chapters the whole book has."""
    segments: list[Segment]
    characters: list[Character]
    fixes: FixReport | None = None
    """What the book's line fixes did (None: there were none to apply, or a corrected
    script said who speaks)."""
    script_lines: list[ScriptLine] | None = None
    """The corrected script's lines, as read (None: the book was attributed afresh)."""
    found: list[Character] | None = None
    """With a corrected script: the characters the book's attribution finds, whose voices
    the script's lines were written with (`written_voices`)."""


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
    fixes_file: Path | None = None,
) -> Reading:
    """The voices.yaml used (the one named, else the one found if it is about this book:
    `pick_voices`), the chapters read, how many the whole book has, and who says what in
    them: attributed afresh with the line fixes of `fixes_file` applied
    (`tts.speakers.fixes`), or as the corrected `script_file` says, with voices.yaml's
    `not_characters` made nobody. `warn` hears of each name voices.yaml lists that nobody
    in the book answers to (when the whole book is read: a selection of chapters may well
    leave some out); `note` hears how many line fixes were applied, `warn` of those that
    no longer match a line."""
    config = load_config(voices_file or found_voices, cache_dir)
    book, count = read_selected(source, chapters)
    if voices_file is None and found_voices is not None and config is not None:
        # Decided before the book is read for who speaks: another book's voices.yaml (the
        # example in a clone of this repository) must not lend its names to this one's
        # people (林主任 is not its 林晓峰).
        if pick_voices(config, found_voices, book, source, chapters) is None:
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
    lines: list[ScriptLine] | None = None
    found: list[Character] | None = None
    if script_file is not None:
        lines = _script_lines(script_file, book, chapters)
        found_segments, found = attribute_book(book, config)
        _check_same_book(script_file, lines, found_segments, source)
        _check_speakers(script_file, lines, found, config, warn)
        segments, characters = characters_of([line.segment for line in lines], config)
        characters = _as_found(characters, found)
        if fixes_file is not None and fixes_file.is_file() and note is not None:
            note(f"{fixes_file} is not applied: the script {script_file} says who speaks")
    else:
        segments, characters = attribute_book(book, config)
    report = None
    if script_file is None and fixes_file is not None:
        segments, characters, report = apply_fixes_file(
            fixes_file, book, segments, characters, chapters is not None, warn, note
        )
    segments, characters = checks.drop_not_characters(segments, characters, config)
    if config is not None and chapters is None and warn is not None:
        for warning in checks.unheard_speakers(config, characters, book):
            warn(warning)
    return Reading(config, book, count, segments, characters, report, lines, found)


def everyone(reading: Reading) -> list[Character]:
    """The characters of a reading and, with a corrected script, those the book's
    attribution finds that the script leaves no line to."""
    names = {c.name for c in reading.characters}
    return [*reading.characters, *(c for c in reading.found or () if c.name not in names)]


def _script_lines(path: Path, book: Book, chapters: str | None) -> list[ScriptLine]:
    """The lines of the corrected script `path` of the chapters of `book` read: all of
    them, or with `--chapters` those of the chapters chosen (none is an error)."""
    lines = read_script_lines(path)
    if chapters is None:
        return lines
    wanted = {c.number for c in book.chapters}
    chosen = [line for line in lines if line.segment.chapter in wanted]
    if not chosen:
        raise ScriptError(
            f"{path}: has no lines of chapters {chapters}; make a script that holds them "
            f"with 'audiobook script {book.source} --format jsonl > {path.name}', or choose "
            "chapters the script has"
        )
    return chosen


SAME_BOOK_SHARE = 0.5
"""The least share of a corrected script's lines that must be the book's own text (the rest
may be lines the reader now cuts otherwise, or text the user rewrote to be read better)."""


def _check_same_book(
    path: Path, lines: Sequence[ScriptLine], book_segments: Sequence[Segment], source: Path
) -> None:
    """Refuse a script whose lines are mostly not in the book: another book's script, or
    one of this book's chapters given as another (the chapter numbers differ)."""
    as_read = {(segment.chapter, segment.text) for segment in book_segments}
    spoken = [line for line in lines if line.segment.kind != "pause" and line.segment.text.strip()]
    allowed = len(spoken) - SAME_BOOK_SHARE * len(spoken)
    text: dict[int, str] | None = None
    missing: list[ScriptLine] = []
    for line in spoken:
        chapter = line.segment.chapter
        if (chapter, line.segment.text) in as_read:
            continue
        if text is None:  # the chapters as one text each, for lines cut otherwise
            parts: dict[int, list[str]] = {}
            for segment in book_segments:
                parts.setdefault(segment.chapter, []).append(normal(segment.text))
            text = {number: "".join(keys) for number, keys in parts.items()}
        if normal(line.segment.text) in text.get(chapter, ""):
            continue
        missing.append(line)
        if len(missing) > allowed:
            break  # not this book's: enough said
    if missing and len(missing) > allowed:
        first = missing[0]
        where = (
            f"chapter {first.segment.chapter} of {source} has no “{short(first.segment.text, 20)}”"
            if text is not None and first.segment.chapter in text
            else f"{source} has no chapter {first.segment.chapter}"
        )
        raise ScriptError(
            f"{path}:{first.number}: not a script of {source}: more than half of its "
            f"{len(spoken)} lines are not the book's text ({where}); make the script from "
            f"this book with 'audiobook script {source} --format jsonl > {path.name}'"
        )


def _check_speakers(
    path: Path,
    lines: Sequence[ScriptLine],
    found: Sequence[Character],
    config: voices_config.VoicesConfig | None,
    warn: Callable[[str], None] | None,
) -> None:
    """A speaker the cast does not know (the book's characters, voices.yaml's names and
    aliases) is an error when it is close to a name the cast has (a typo would make a new
    character with a voice of its own), and a warning otherwise (a new character)."""
    known: set[str] = set()
    for character in [*found, *(voices_config.known_characters(config) if config else [])]:
        known.add(character.name)
        known.update(character.aliases)
    if config is not None:
        known.update(config.not_characters)
    first: dict[str, int] = {}
    for line in lines:
        speaker = line.segment.speaker
        if line.segment.kind == "dialogue" and speaker and speaker not in known:
            first.setdefault(speaker, line.number)
    choices = sorted(known)
    problems: list[str] = []
    for name, number in first.items():
        close = close_names(name, choices)
        if close:
            meant = close[0]
            problems.append(
                f"{path}:{number}: speaker '{short(name)}' is not in the cast; did you mean "
                f"{meant}? write the name as the cast has it, or list '{short(name)}' under "
                "speakers in voices.yaml to make a new character"
            )
        elif warn is not None:
            warn(
                f"{path}:{number}: speaker '{short(name)}' is nobody the book's cast knows, "
                "so they get a voice of their own; list them under speakers in voices.yaml "
                "to say so"
            )
    if problems:
        raise ScriptError(*problems)


def written_voices(
    script: Script,
    lines: Sequence[ScriptLine] | None,
    script_for: Callable[[str], Script],
    book_cast_for: Callable[[str], Script],
    engine_name: str,
    offered: Sequence[VoiceInfo] | None,
    path: Path | None,
    warn: Callable[[str], None] | None = None,
    note: Callable[[str], None] | None = None,
) -> Script:
    """`script` with the voices a corrected script's lines name in place of the cast's,
    where the user changed them: an edited `voice` is honoured, never silently ignored.

    A voice belongs to a speaker (the narrator, the unknown voice, or a character): when
    every line of one names the same voice, other than the one the cast gives them (as
    cast for the engine of the voices written), they speak with it, and `note` hears so.
    A line naming the voice another speaker has in the cast is a line whose speaker the
    user changed, leaving the voice as it was: its voice is not a choice (`book_cast_for`
    gives the cast of everyone, the book's characters as attribution finds them and the
    script's, so a character no line is left to still has theirs). A
    speaker whose lines name different voices, or a voice `engine_name` does not offer
    (`offered`; None: not checked), is a ScriptError naming the line. Voices of another
    engine than the render's are not used, and `warn` hears so.
    """
    if not lines or path is None:
        return script
    written = [line for line in lines if line.voice]
    if not written:
        return script
    engines = Counter(registry.engine_of(line.voice or "") for line in written)
    file_engine = engines.most_common(1)[0][0]
    as_written = script_for(file_engine)
    cast = as_written.cast
    by_key = {(line.segment.chapter, line.segment.index): line for line in written}
    everyone = book_cast_for(file_engine).cast
    others = {
        voice.name
        for each in (cast, everyone)
        for voice in (each.narrator, each.unknown, *each.speakers.values())
    }
    heard: dict[tuple[str, str | None], dict[str, list[int]]] = {}
    given: dict[tuple[str, str | None], str] = {}
    for segment in as_written.segments:
        line = by_key.get((segment.chapter, segment.index))
        reads = cast.voice_for(segment)
        if line is None or line.voice is None or reads is None:
            continue
        if line.voice != reads.name and line.voice in others:
            continue  # the voice of the speaker the line had before the user changed it
        role = _role_of(cast, segment)
        heard.setdefault(role, {}).setdefault(line.voice, []).append(line.number)
        given[role] = reads.name
    problems: list[str] = []
    changed: dict[tuple[str, str | None], tuple[str, int]] = {}
    for role, voices in heard.items():
        edited = [(v, numbers) for v, numbers in voices.items() if v != given[role]]
        if not edited:
            continue
        voice, numbers = edited[0]
        if len(voices) > 1:
            other = next(v for v in voices if v != voice)
            problems.append(
                f"{path}:{numbers[0]}: voice '{short(voice)}' for {_who(role)} differs from "
                f"the voice of their other lines ({other}); a voice is a speaker's: write it "
                f"on every line of {_who(role)}, or set it in voices.yaml"
            )
            continue
        changed[role] = (voice, numbers[0])
    if problems:
        raise ScriptError(*problems)
    if not changed:
        return script
    if file_engine != engine_name:
        if warn is not None:
            shown = ", ".join(f"{_who(r)}: {v}" for r, (v, _) in list(changed.items())[:3])
            warn(
                f"{path}: the voices changed in it ({shown}) are "
                f"{registry.info(file_engine).label}'s, and this render speaks with "
                f"{registry.info(engine_name).label}, so they are not used; pass --engine "
                f"{file_engine} to hear them"
            )
        return script
    known = None if offered is None else {v.name for v in offered if v.engine == engine_name}
    for role, (voice, number) in changed.items():
        if known is not None and voice not in known:
            meant = suggest(voice, sorted(known))
            hint = f"did you mean {meant}? " if meant else ""
            problems.append(
                f"{path}:{number}: voice '{short(voice)}' for {_who(role)} is not a voice of "
                f"{registry.info(engine_name).label}; {hint}run 'audiobook voices --engine "
                f"{engine_name}' to list them"
            )
    if problems:
        raise ScriptError(*problems)
    ours = script.cast
    narrator, unknown, speakers = ours.narrator, ours.unknown, dict(ours.speakers)
    for role, (voice, _) in changed.items():
        kind, name = role
        if kind == "narrator":
            narrator = replace(narrator, name=voice)
        elif kind == "unknown":
            unknown = replace(unknown, name=voice)
        elif name is not None:
            speakers[name] = replace(speakers.get(name, ours.unknown), name=voice)
        if note is not None:
            note(f"{path}: {_who(role)} speaks with {voice}, as its lines say")
    return replace(
        script, cast=replace(ours, narrator=narrator, unknown=unknown, speakers=speakers)
    )


def _role_of(cast: Cast, segment: Segment) -> tuple[str, str | None]:
    """Whose voice reads `segment`: ('narrator', None), ('unknown', None) or
    ('speaker', name)."""
    if segment.kind != "dialogue":
        return ("narrator", None)
    name = cast.canonical(segment.speaker)
    if name is None or cast.is_doubtful(segment) or name not in cast.speakers:
        return ("unknown", None)
    return ("speaker", name)


def _who(role: tuple[str, str | None]) -> str:
    kind, name = role
    if kind == "speaker" and name is not None:
        return short(name)
    return "the narrator" if kind == "narrator" else "the unknown speaker"


def apply_fixes_file(
    path: Path,
    book: Book,
    segments: list[Segment],
    characters: list[Character],
    selected: bool,
    warn: Callable[[str], None] | None,
    note: Callable[[str], None] | None,
) -> tuple[list[Segment], list[Character], FixReport | None]:
    """The line fixes in `path` applied to the chapters of `book` read (all of its
    chapters, unless `selected`), with the characters recounted, and said: how many to
    `note`, those that no longer match to `warn`. Nothing when the file holds none."""
    fixes = load_fixes(path)
    if not fixes:
        return segments, characters, None
    read = {c.number for c in book.chapters} if selected else None
    report = apply_fixes(segments, fixes, read)
    said = describe_report(report, path)
    if report.stale and warn is not None:
        warn(said)
    elif not report.stale and note is not None and report.applied:
        note(said)
    return report.segments, recount(characters, segments, report.segments), report


def _as_found(characters: Sequence[Character], found: Sequence[Character]) -> list[Character]:
    """The characters of a corrected script with what the book shows of them (`found`, by
    attribution) and a script does not record: their gender, and which of them tells the
    book in the first person. So each is cast as `script` showed it, not as a character of
    unknown gender, and the narrator's own lines stay in the narrator's voice."""
    seen = {c.name: c for c in found}
    out = []
    for c in characters:
        book = seen.get(c.name)
        if book is not None:
            c = replace(c, gender=c.gender or book.gender, first_person=book.first_person)
        out.append(c)
    return out


def _here(path: Path) -> str:
    """'./voices.yaml' for a file of the current folder: plainly the one found there."""
    return f"./{path}" if not path.is_absolute() and len(path.parts) == 1 else str(path)


def pick_voices(
    config: voices_config.VoicesConfig,
    path: Path,
    book: Book,
    source: Path,
    chapters: str | None,
) -> voices_config.VoicesConfig | None:
    """`config`, read from `path` (./voices.yaml, found rather than named), if it is about
    this book: it lists no speakers (settings for any book), or a name or alias it lists is
    written in the book (in the whole book when only some chapters are read); None when it
    is another book's, such as the example in a clone of this repository."""
    if checks.names_anyone(config, book):
        return config
    if chapters is not None and checks.names_anyone(config, read_book(source, None)):
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


def caster(
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


def extend_voices_file(path: Path, script: Script) -> list[str]:
    """`cast --write`: add the characters a voices.yaml lacks, keeping the user's entries and
    comments; returns the names added."""
    from tts.cast.writer import write_voices_yaml

    return write_voices_yaml(path, script.characters, script.cast)
