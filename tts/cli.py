"""The `audiobook` command: the only place that prints, exits or reads the environment."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tts import __version__, pipeline
from tts.cast.voices import engine_of
from tts.errors import AudiobookError
from tts.model import AUDIO_FORMATS, SUBTITLE_FORMATS, ProsodyKey, Voice, parse_prosody
from tts.speakers.scriptfile import jsonl_lines
from tts.text import display_width

if TYPE_CHECKING:
    from tts.speech.synth import Progress

ENGINE_OPTION_HELP = "Speech engine: auto (Edge when online, else offline espeak), edge or espeak."


class _Group(click.Group):
    """Turns every AudiobookError into one `Error: ...` line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AudiobookError as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            click.echo(f"Error: {message}", err=True)
            ctx.exit(1)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="audiobook")
def main() -> None:
    """Turn a novel chapter or a whole book into one multi-voice MP3."""


def _cache_dir(value: str | None) -> Path:
    """--cache-dir, else $XDG_CACHE_HOME/audiobook, else ~/.cache/audiobook."""
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "audiobook"


def _default_cast_file(source: Path) -> Path:
    """The cast a default `render` of `source` keeps, so script and cast show its voices."""
    return pipeline.cast_path_for(pipeline.DEFAULT_OUTPUT_DIR / f"{source.stem}.mp3")


def _voices_option(value: str | None) -> Path | None:
    return Path(value) if value else pipeline.default_voices_path()


def _engine_choice(value: str | None) -> str | None:
    if value is None:
        return None
    if value not in pipeline.ENGINE_CHOICES:
        raise AudiobookError(
            f"unknown engine '{value}'; choose one of: {', '.join(pipeline.ENGINE_CHOICES)}"
        )
    return value


input_argument = click.argument("input_file", metavar="INPUT", type=str)
voices_option = click.option(
    "--voices",
    "voices_file",
    type=str,
    default=None,
    help="voices.yaml with the cast (default: ./voices.yaml when present).",
)
chapters_option = click.option(
    "--chapters", type=str, default=None, help="Chapters to use: 3, 3-7 or 1,4,6-8."
)
cache_option = click.option(
    "--cache-dir",
    type=str,
    default=None,
    help="Where synthesized clips are kept (default: ~/.cache/audiobook).",
)


@main.command()
@input_argument
@click.option(
    "-o",
    "--output",
    type=str,
    default=None,
    help="MP3 to write (default: output/<input stem>.mp3).",
)
@voices_option
@click.option("--engine", type=str, default=None, help=ENGINE_OPTION_HELP)
@cache_option
@chapters_option
@click.option(
    "--script",
    "script_file",
    type=str,
    default=None,
    help="Render a (corrected) jsonl script instead of reading INPUT afresh.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 16),
    default=4,
    show_default=True,
    help="Requests in flight at once.",
)
@click.option(
    "--format",
    "audio_format",
    type=click.Choice(AUDIO_FORMATS),
    default=None,
    help="mp3 (ID3 chapters) or m4b (AAC audiobook); default from -o's suffix, else mp3.",
)
@click.option(
    "--subtitles",
    type=click.Choice(SUBTITLE_FORMATS),
    default=None,
    help="Also write a transcript timed to the audio, beside it.",
)
@click.option("--cover", "cover_file", type=str, default=None, help="Cover picture (JPEG/PNG).")
@click.option(
    "--split-chapters",
    is_flag=True,
    help="One MP3 per chapter in output/<book>/ instead of one file.",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="No progress bar or summary; only errors and the result path.",
)
def render(
    input_file: str,
    output: str | None,
    voices_file: str | None,
    engine: str | None,
    cache_dir: str | None,
    chapters: str | None,
    script_file: str | None,
    concurrency: int,
    audio_format: str | None,
    subtitles: str | None,
    cover_file: str | None,
    split_chapters: bool,
    quiet: bool,
) -> None:
    """Render INPUT (a text file or EPUB) to one audiobook file."""
    started = time.monotonic()
    source = Path(input_file)
    if audio_format is None:
        audio_format = "m4b" if output and output.lower().endswith(".m4b") else "mp3"
    default_out = pipeline.DEFAULT_OUTPUT_DIR / f"{source.stem}.{audio_format}"
    out = Path(output) if output else default_out
    pipeline.check_output_path(out)
    from tts.audio.tags import load_cover  # mutagen: only a render with --cover reads one

    cover = load_cover(cover_file)[0] if cover_file else None
    cache = _cache_dir(cache_dir)
    config = pipeline.load_config(_voices_option(voices_file), cache)
    book = pipeline.read_book(source, chapters)
    chosen, warnings = pipeline.resolve_engine(_engine_choice(engine), config, cache)
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)
    cast_file = pipeline.cast_path_for(out)
    if script_file is not None:
        script = pipeline.script_from_file(
            Path(script_file),
            book,
            config=config,
            engine_name=chosen.name,
            cache_dir=cache,
            cast_file=cast_file,
        )
    else:
        script = pipeline.make_script(
            book, config=config, engine_name=chosen.name, cache_dir=cache, cast_file=cast_file
        )
    progress = None if quiet else _ProgressLine()
    result = pipeline.render(
        script,
        chosen,
        out,
        cache_dir=cache,
        concurrency=concurrency,
        progress=progress,
        split_chapters=split_chapters,
        audio_format="m4b" if audio_format == "m4b" else "mp3",
        subtitles=subtitles,
        cover=cover,
    )
    pipeline.save_cast(cast_file, script)
    if progress is not None:
        progress.finish()
    if not quiet:
        stats = result.stats
        click.echo(
            f"{stats.requests} requests, {stats.cache_hits} from cache, {stats.retries} retries, "
            f"{time.monotonic() - started:.1f} s",
            err=True,
        )
    what = f"{len(result.files)} chapter files in " if split_chapters else ""
    click.echo(f"Wrote {what}{result.path} ({_clock(result.seconds)}, engine {result.engine})")


class _ProgressLine:
    """One self-rewriting line on stderr: lines done, audio minutes, ETA."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last_print = 0.0
        self.last_done = -1
        self.shown = False

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        done, total = p.done, p.total
        if done == self.last_done and done == total:
            return
        if self.tty and now - self.last_print < 0.2 and done < total:
            return
        if not self.tty and now - self.last_print < 5 and done < total:
            return
        self.last_print = now
        self.last_done = done
        left = p.eta_seconds() if done < total else None  # at the pace of fresh synthesis
        eta = f", ETA {_clock(left)}" if left else ""
        width = 24
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        text = f"[{bar}] {done}/{total} lines, {p.audio_seconds / 60:.1f} min of audio{eta}"
        if self.tty:
            click.echo("\r" + text.ljust(78), nl=False, err=True)
        else:
            click.echo(text, err=True)
        self.shown = True

    def finish(self) -> None:
        if self.shown and self.tty:
            click.echo("", err=True)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@main.command()
@input_argument
@voices_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "jsonl", "html"]),
    default="text",
    show_default=True,
)
@click.option(
    "--engine",
    type=str,
    default=None,
    help="Name voices of this engine (default: from voices.yaml, else edge).",
)
@chapters_option
@cache_option
@click.option(
    "--stats", is_flag=True, help="Also print what cleaning did and the cast (to stderr)."
)
def script(
    input_file: str,
    voices_file: str | None,
    fmt: str,
    engine: str | None,
    chapters: str | None,
    cache_dir: str | None,
    stats: bool,
) -> None:
    """Print who says what in INPUT, without synthesizing anything."""
    result = _reading(input_file, voices_file, engine, chapters, cache_dir)
    if fmt == "jsonl":
        click.echo("\n".join(jsonl_lines(result.cast, result.segments)))
    elif fmt == "html":
        from tts.speakers.review import review_html

        click.echo(review_html(result))
    else:
        from tts.speakers.review import screenplay

        click.echo(screenplay(result))
    if stats:
        from tts.speakers.review import stats_lines

        for line in stats_lines(result):
            click.echo(line, err=True)


def _reading(
    input_file: str,
    voices_file: str | None,
    engine: str | None,
    chapters: str | None,
    cache_dir: str | None,
) -> pipeline.Script:
    """INPUT read, attributed and cast as `script` and `cast` show it: with the voices a
    default render of it keeps, of the engine asked for (`auto` names Edge's voices)."""
    cache = _cache_dir(cache_dir)
    config = pipeline.load_config(_voices_option(voices_file), cache)
    source = Path(input_file)
    book = pipeline.read_book(source, chapters)
    chosen = pipeline.engine_choice(_engine_choice(engine), config)
    return pipeline.make_script(
        book,
        config=config,
        engine_name="edge" if chosen == "auto" else chosen,
        cache_dir=cache,
        cast_file=_default_cast_file(source),
    )


@main.command()
@click.option("--engine", type=str, default="edge", show_default=True, help="edge or espeak.")
@click.option(
    "--locale",
    type=str,
    default=None,
    help="Only voices whose locale starts with this (zh-CN, en).",
)
@click.option("--gender", type=click.Choice(["male", "female"], case_sensitive=False), default=None)
@cache_option
def voices(engine: str, locale: str | None, gender: str | None, cache_dir: str | None) -> None:
    """List the voices an engine offers."""
    name = "edge" if _engine_choice(engine) == "auto" else engine
    cache = _cache_dir(cache_dir)
    found = pipeline.list_voices(name, cache)
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
    widths = [max(len(getattr(v, key)) for v in shown) for key in ("name", "locale", "gender")]
    for v in shown:
        cells = [v.name.ljust(widths[0]), v.locale.ljust(widths[1]), v.gender.ljust(widths[2])]
        click.echo("  ".join([*cells, v.description]).rstrip())


@main.command()
@input_argument
@voices_option
@click.option(
    "--write",
    "write_file",
    type=str,
    default=None,
    help="Create or extend this voices.yaml with the characters it lacks.",
)
@click.option(
    "--engine",
    type=str,
    default=None,
    help="Cast voices of this engine (default: from voices.yaml, else edge).",
)
@chapters_option
@cache_option
def cast(
    input_file: str,
    voices_file: str | None,
    write_file: str | None,
    engine: str | None,
    chapters: str | None,
    cache_dir: str | None,
) -> None:
    """Show the characters of INPUT and the voice each gets."""
    from tts.cast.casting import cast_table
    from tts.cast.voices import write_voices_yaml

    result = _reading(input_file, voices_file, engine, chapters, cache_dir)
    rows = cast_table(result.characters, result.cast)
    table = [("character", "lines", "gender", "aliases", "voice")]
    for row in rows:
        lines = "" if row.lines is None else str(row.lines)
        gender = row.gender or ("" if row.role != "character" else "?")
        table.append((row.name, lines, gender, "/".join(row.aliases), row.voice))
    widths = [max(display_width(r[i]) for r in table) for i in range(4)]
    for r in table:
        cells = [_pad(r[0], widths[0]), _pad(r[1], widths[1], right=True)]
        cells += [_pad(r[2], widths[2]), _pad(r[3], widths[3]), r[4]]
        click.echo("  ".join(cells).rstrip())
    if write_file:
        added = write_voices_yaml(Path(write_file), result.characters, result.cast)
        names = ", ".join(added) if added else "nothing new"
        click.echo(f"Wrote {write_file}: added {names}", err=True)


def _prosody(key: ProsodyKey) -> Callable[[click.Context, click.Parameter, str], str]:
    """Checks --rate, --pitch or --volume as it comes in, before any engine is asked."""

    def check(ctx: click.Context, param: click.Parameter, value: str) -> str:
        parse_prosody(key, value, label=f"--{key}")
        return value

    return check


@main.command()
@click.argument("text")
@click.option(
    "--voice", "voice_name", required=True, help="Voice name, e.g. zh-CN-XiaoxiaoNeural or cmn+f2."
)
@click.option(
    "-o", "--output", type=str, default=None, help="MP3 to write (default: output/say.mp3)."
)
@click.option(
    "--rate",
    default="+0%",
    show_default=True,
    callback=_prosody("rate"),
    help='Speed, e.g. "+10%".',
)
@click.option(
    "--pitch",
    default="+0Hz",
    show_default=True,
    callback=_prosody("pitch"),
    help='Pitch, e.g. "-5Hz".',
)
@click.option(
    "--volume",
    default="+0%",
    show_default=True,
    callback=_prosody("volume"),
    help='Loudness, e.g. "-20%".',
)
@cache_option
def say(
    text: str,
    voice_name: str,
    output: str | None,
    rate: str,
    pitch: str,
    volume: str,
    cache_dir: str | None,
) -> None:
    """Speak TEXT in one voice, to audition it or a prosody setting."""
    cache = _cache_dir(cache_dir)
    engine_name = engine_of(voice_name)
    chosen, _ = pipeline.resolve_engine(engine_name, None, cache)
    voice = Voice(engine=engine_name, name=voice_name, rate=rate, pitch=pitch, volume=volume)
    out = Path(output) if output else pipeline.DEFAULT_OUTPUT_DIR / "say.mp3"
    pipeline.check_output_path(out)
    result = pipeline.say(text, voice, chosen, out, cache_dir=cache)
    click.echo(f"Wrote {result.path} ({_clock(result.seconds)}, {voice_name})")


if __name__ == "__main__":  # pragma: no cover
    main()
