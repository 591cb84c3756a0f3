"""What voices.yaml and the cast say about one book, checked before anything is spoken.

- `voice_problems`: every voice of a cast (narrator, unknown, each character, the voices
  casting picked) against the engine that will speak it, each problem naming the
  voices.yaml line (or the saved cast) the voice came from, so a render stops before its
  first request rather than at the line a bad voice first speaks.
- `unheard_speakers`: names voices.yaml lists that nobody in the book answers to
  (`Marta:` for Martha), with the name most like it.
- `names_anyone`: whether a voices.yaml found in the current folder is about this book.
- `drop_not_characters`: lines attributed to a name under `not_characters` become nobody's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache

from tts import registry
from tts.cast.casting import LANGUAGE_LOCALE
from tts.cast.config import VoicesConfig, VoiceSetting, voice_key
from tts.model import Book, Cast, Character, Language, Segment, Voice
from tts.read.limits import short
from tts.text import suggest

NOT_A_CHARACTER = "not-a-character"
"""The `method` of a line whose attributed speaker voices.yaml says is nobody."""


# --- every voice against its engine ------------------------------------------------------


@dataclass(frozen=True)
class _Origin:
    """Where a voice of the cast came from, for its message."""

    path: str
    """The key path as voices.yaml writes it ('speakers.Martha.espeak'), or the role."""
    where: str
    """'voices.yaml:3', the saved cast's path, or '' for the engine's own choice."""


def voice_problems(
    cast: Cast,
    *,
    engine: str,
    language: Language,
    config: VoicesConfig | None,
    known: Collection[str] | None,
    cast_file: str | None = None,
    previous: Iterable[str] = (),
) -> list[str]:
    """What is wrong with each voice of `cast` for `engine`, which will speak it: the
    engine's own check (`EngineInfo.check_voice`) against `known`, its voice names (None:
    the form only). One problem per voice and place it came from, in the order: narrator,
    unknown, the characters voices.yaml lists (file order), then the others by name.
    `previous` names the characters whose voice came from the saved cast `cast_file`."""
    config = config or VoicesConfig()
    info = registry.info(engine)
    check: Callable[..., str | None] = registry.load(info.check_voice)
    locale = config.language or LANGUAGE_LOCALE.get(language, "zh-CN")
    kept = set(previous)
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    good: set[str] = set()  # names found good: a cast of thousands shares a few voices

    def report(voice: Voice, origin: _Origin) -> None:
        if voice.engine != engine or voice.name in good or (voice.name, origin.where) in seen:
            return
        seen.add((voice.name, origin.where))
        problem = check(voice.name, origin.path, locale, known)
        if problem is None:
            good.add(voice.name)
            return
        problem = problem.replace(voice.name, short(voice.name))
        if origin.where:
            problems.append(f"{origin.where}: {problem}")
        else:
            problems.append(
                f"{problem} (the {info.label} voice casting chose); set a voice for it in "
                f"{config.source}"
            )

    custom = config.defaults.get(locale)
    report(
        cast.narrator,
        _setting_origin(
            cast.narrator,
            engine,
            config,
            ("narrator", config.narrator),
            (f"defaults.{locale}.narrator", custom.narrator if custom else None),
        )
        or _Origin("narrator", ""),
    )
    unknown = _setting_origin(
        cast.unknown,
        engine,
        config,
        ("unknown", config.unknown),
        (f"defaults.{locale}.unknown", custom.unknown if custom else None),
    )
    if unknown is not None or cast.unknown.name != cast.narrator.name:
        report(cast.unknown, unknown or _Origin("unknown", ""))
    listed = [name for name in config.speakers if name in cast.speakers]
    others = sorted(name for name in cast.speakers if name not in config.speakers)
    for name in [*listed, *others]:
        voice = cast.speakers[name]
        setting = config.speakers.get(name)
        origin = None
        if setting is not None:
            origin = _setting_origin(
                voice, engine, config, (f"speakers.{short(name)}", setting.voice), line=setting.line
            )
        if origin is None and custom is not None and voice.name in custom.pool:
            i = custom.pool.index(voice.name)
            line = custom.pool_lines[i] if i < len(custom.pool_lines) else 0
            origin = _Origin(f"defaults.{locale}.pool[{i}]", _at(config.source, line))
        if origin is None and name in kept and cast_file:
            origin = _Origin(f"speakers.{short(name)}", cast_file)
        report(voice, origin or _Origin(f"the voice of {short(name)}", ""))
    return problems


def _at(source: str, line: int) -> str:
    return f"{source}:{line}" if line else source


def _setting_origin(
    voice: Voice,
    engine: str,
    config: VoicesConfig,
    *settings: tuple[str, VoiceSetting | None],
    line: int = 0,
) -> _Origin | None:
    """The first of (path, setting) that names `voice` for `engine`, as an origin."""
    for path, setting in settings:
        if setting is not None and setting.name_for(engine) == voice.name:
            found = setting.lines.get(engine, line)
            key_path = path if setting.bare else f"{path}.{voice_key(engine)}"
            return _Origin(key_path, _at(config.source, found))
    return None


# --- names voices.yaml lists -------------------------------------------------------------


def unheard_speakers(
    config: VoicesConfig, characters: Sequence[Character], book: Book
) -> list[str]:
    """A warning for each speaker voices.yaml lists who speaks no line in `book` and whose
    name (and every alias) the book never writes: most likely a misspelt name, which would
    otherwise sit in the cast with 0 lines while the character it meant is cast anew."""
    lines = {c.name: c.lines for c in characters}
    heard = [c for c in characters if c.lines]
    names = [c.name for c in heard] + [a for c in heard for a in c.aliases]
    text: str | None = None
    warnings: list[str] = []
    for setting in config.speakers.values():
        if lines.get(setting.name):
            continue
        if text is None:
            text = book_text(book)
        if any(form in text for name in (setting.name, *setting.aliases) for form in forms(name)):
            continue  # in the book, silent: listed on purpose
        guess = suggest(setting.name, names) if len(setting.name) <= 100 else None
        fix = (
            f"did you mean {guess}?"
            if guess
            else "write the name the book uses ('audiobook cast' lists them)"
        )
        warnings.append(
            f"{_at(config.source, setting.line)}: '{short(setting.name)}' speaks no line in "
            f"this book; {fix}"
        )
    return warnings


def names_anyone(config: VoicesConfig, book: Book) -> bool:
    """Whether a voices.yaml is about `book`: it lists nobody (settings for any book), or a
    name or alias it lists is written in it (what the book's attribution makes of a name it
    never writes, such as a 林主任 read as a listed 林晓峰, says nothing)."""
    if not config.speakers:
        return True
    text = book_text(book)
    return any(
        form in text
        for setting in config.speakers.values()
        for name in (setting.name, *setting.aliases)
        for form in forms(name)
    )


def book_text(book: Book) -> str:
    """Every heading and paragraph of `book`, one per line, to look names up in."""
    parts: list[str] = []
    for chapter in book.chapters:
        if chapter.title:
            parts.append(chapter.title)
        parts.extend(p.text for p in chapter.paragraphs)
    return "\n".join(parts)


@cache
def _converters() -> tuple[Callable[[str], str], Callable[[str], str]]:
    import opencc  # only books with Chinese names need it

    return opencc.OpenCC("t2s").convert, opencc.OpenCC("s2t").convert


def forms(name: str) -> set[str]:
    """A name as written, and in Simplified and Traditional characters (陳叔, 陈叔): a
    voices.yaml may list either form of a name the book writes in the other."""
    if name.isascii():
        return {name}
    to_simplified, to_traditional = _converters()
    return {name, to_simplified(name), to_traditional(name)}


# --- names that are nobody -----------------------------------------------------------------


def drop_not_characters(
    segments: Sequence[Segment], characters: Sequence[Character], config: VoicesConfig | None
) -> tuple[list[Segment], list[Character]]:
    """Lines attributed to a name voices.yaml lists under `not_characters` become nobody's
    (speaker None, confidence 0, method 'not-a-character': the unknown voice reads them),
    and those names leave the characters."""
    if config is None or not config.not_characters:
        return list(segments), list(characters)
    nobody = {form for name in config.not_characters for form in forms(name)}
    kept = [
        replace(s, speaker=None, confidence=0.0, method=NOT_A_CHARACTER)
        if s.kind == "dialogue" and s.speaker in nobody
        else s
        for s in segments
    ]
    return kept, [c for c in characters if c.name not in nobody]


__all__ = [
    "NOT_A_CHARACTER",
    "book_text",
    "drop_not_characters",
    "forms",
    "names_anyone",
    "unheard_speakers",
    "voice_problems",
]
