"""The `audiobook` command: the only place that prints, exits or reads the environment."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tts import __version__, pipeline, registry
from tts.errors import AudiobookError, ConfigError, InputError
from tts.model import (
    AUDIO_FORMATS,
    SUBTITLE_FORMATS,
    MachineStats,
    Prosody,
    ProsodyKey,
    Script,
    parse_prosody,
)
from tts.speakers.scriptfile import jsonl_lines
from tts.text import display_width

if TYPE_CHECKING:
    from tts.speech.synth import Progress

F = TypeVar("F", bound=Callable[..., Any])


def _engine_help(what: str) -> str:
    return f"{what}: {' or '.join(registry.choices())}."


ENGINE_OPTION_HELP = _engine_help(
    "Speech engine; auto uses the online engine when its service answers, else an offline one"
)
CASTING_ENGINE_HELP = (
    "Cast this engine's voices; auto (the default unless voices.yaml names one) is resolved "
    "as render resolves it, asking the online service, so naming one is faster"
)


class _Group(click.Group):
    """Turns every AudiobookError into `Error: ...` lines, one per problem (a voices.yaml
    with three mistakes gives three, in file order), and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AudiobookError as exc:
            # the first line of each: a message quoting a library's error can run on
            lines = [p.strip().splitlines()[0] for p in exc.problems if p.strip()]
            for line in lines or [type(exc).__name__]:
                click.echo(f"Error: {line}", err=True)
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


def _voices_option(value: str | None) -> Path | None:
    return Path(value) if value else None


def _found_voices(value: str | None) -> Path | None:
    """./voices.yaml when --voices names no file: the pipeline uses it only for a book it
    is about, and says which it did."""
    return None if value else pipeline.default_voices_path()


def _engine_choice(value: str | None) -> str | None:
    return None if value is None else registry.check_choice(value)


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


def _prosody(key: ProsodyKey) -> Callable[[click.Context, click.Parameter, str], str]:
    """Checks --rate, --pitch or --volume as it comes in, before any engine is asked."""

    def check(ctx: click.Context, param: click.Parameter, value: str) -> str:
        parse_prosody(key, value, label=f"--{key}")
        return value

    return check


def prosody_options(whose: str, *, rate: str) -> Callable[[F], F]:
    """--rate, --pitch and --volume, each checked as it comes in; `whose` ends their help
    ('of the whole book, ...'), `rate` is the example rate."""
    helps = {"rate": ("Speed", rate), "pitch": ("Pitch", "-5Hz"), "volume": ("Loudness", "-20%")}
    neutral = {"rate": "+0%", "pitch": "+0Hz", "volume": "+0%"}

    def decorate(command: F) -> F:
        for key in ("volume", "pitch", "rate"):  # the last applied is listed first
            what, example = helps[key]
            command = click.option(
                f"--{key}",
                default=neutral[key],
                show_default=True,
                callback=_prosody(key),
                help=f'{what}{" " + whose if whose else ""}, e.g. "{example}".',
            )(command)
        return command

    return decorate


PROXY_VARIABLES = ("https_proxy", "HTTPS_PROXY")
"""Where a proxy is found when --proxy is not given; the first set wins (as in curl and
Python's urllib, the lower-case name first)."""


def _proxy(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--proxy, else $https_proxy, else $HTTPS_PROXY, checked as it comes in."""
    label = "--proxy"
    if not value:
        found = next(
            ((name, os.environ[name]) for name in PROXY_VARIABLES if os.environ.get(name)), None
        )
        if found is None:
            return None
        label, value = f"${found[0]}", found[1]
    return _check_proxy(value, label)


def _check_proxy(url: str, label: str) -> str:
    """`url` if it is an http(s) proxy URL the online engine's client can use."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        fine = parts.scheme in ("http", "https") and bool(parts.hostname)
        fine = fine and (parts.port is None or parts.port > 0)
    except ValueError:
        fine = False
    if not fine:
        raise ConfigError(
            f"{label} '{url}': give an http:// proxy URL with a host (and port), "
            "e.g. http://127.0.0.1:7890"
        )
    return url


proxy_option = click.option(
    "--proxy",
    type=str,
    default=None,
    callback=_proxy,
    help="HTTP proxy for the online engine's service, e.g. http://127.0.0.1:7890 "
    "(default: $https_proxy or $HTTPS_PROXY).",
)


@main.command()
@input_argument
@click.option(
    "-o",
    "--output",
    type=str,
    default=None,
    help="File to write, .mp3 or .m4b (.m4a: the M4B under a music player's name); default "
    "output/<input stem>.mp3, output/<input stem>.ch3-7.mp3 for --chapters 3-7.",
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
    help="mp3 (ID3 chapters) or m4b (AAC audiobook); default from -o's suffix (which it "
    "must match), else mp3.",
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
@prosody_options("of the whole book, added to each voice's own", rate="+15%")
@proxy_option
@click.option(
    "--ray",
    "ray_address",
    type=str,
    default=None,
    metavar="ADDRESS",
    help="Speak what is not cached on the machines of a Ray cluster: its address "
    "(HOST:6379), 'local' to start one on this machine, 'auto' for $RAY_ADDRESS "
    "(needs audiobook-tts[ray]; --concurrency is then per machine).",
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
    rate: str,
    pitch: str,
    volume: str,
    proxy: str | None,
    ray_address: str | None,
    quiet: bool,
) -> None:
    """Render INPUT (a text file or EPUB) to one audiobook file."""
    started = time.monotonic()
    ray = _ray_address(ray_address)
    progress = None if quiet else _ProgressLine()
    result = pipeline.render_book(
        Path(input_file),
        output=Path(output) if output else None,
        voices_file=_voices_option(voices_file),
        found_voices=_found_voices(voices_file),
        engine=_engine_choice(engine),
        cache_dir=_cache_dir(cache_dir),
        chapters=chapters,
        script_file=Path(script_file) if script_file else None,
        concurrency=concurrency,
        audio_format=audio_format,
        subtitles=subtitles,
        cover_file=Path(cover_file) if cover_file else None,
        split_chapters=split_chapters,
        prosody=Prosody(
            rate=parse_prosody("rate", rate),
            pitch=parse_prosody("pitch", pitch),
            volume=parse_prosody("volume", volume),
        ),
        proxy=proxy,
        progress=progress,
        warn=_warn,
        note=None if quiet else _note,
        ray=ray,
    )
    if progress is not None:
        progress.finish()
    if not quiet:
        stats = result.stats
        remade = ""
        if stats.damaged_clips:
            remade += f", {_count(stats.damaged_clips, 'damaged clip')} re-made"
        if stats.unverified_clips:
            remade += f", {_count(stats.unverified_clips, 'clip')} from an older cache re-made"
        click.echo(
            f"{stats.requests} requests, {stats.cache_hits} from cache, {stats.retries} retries"
            f"{remade}, {time.monotonic() - started:.1f} s",
            err=True,
        )
        for machine in stats.machines:
            click.echo(_machine_summary(machine), err=True)
    what = f"{len(result.files)} chapter files in " if split_chapters else ""
    click.echo(f"Wrote {what}{result.path} ({_clock(result.seconds)}, engine {result.engine})")


def _ray_address(address: str | None) -> str | None:
    """`--ray`'s address: `auto` is $RAY_ADDRESS (read here, the only place that reads the
    environment), so nothing else ever picks a cluster by chance."""
    if address is None:
        return None
    address = address.strip()
    if address == "auto":
        found = os.environ.get("RAY_ADDRESS", "").strip()
        if not found:
            raise ConfigError(
                "--ray auto takes the cluster's address from $RAY_ADDRESS, which is not set; "
                "give the address (--ray HOST:6379) or start one here with --ray local"
            )
        return found
    if not address:
        raise ConfigError("--ray needs an address: HOST:6379, 'local' or 'auto'")
    return address


def _machine_summary(machine: MachineStats) -> str:
    """One machine's part: '  192.0.2.7: 41 clips, 3.2 min of speech, 44 requests, ...'."""
    lost = ", left the cluster (the others took over)" if machine.lost else ""
    if machine.left_out:
        lost = f", left out: {machine.left_out}"
    return (
        f"  {machine.name}: {_count(machine.clips, 'clip')}, "
        f"{machine.audio_seconds / 60:.1f} min of speech, "
        f"{_count(machine.requests, 'request')}, "
        f"{machine.retries} {'retry' if machine.retries == 1 else 'retries'}{lost}"
    )


def _machines(p: Progress) -> str:
    """'3 machines', or '2 of 3 machines' once one has left the cluster."""
    every = list(p.machines.values())
    working = sum(1 for m in every if not m.lost and not m.left_out)
    if working == len(every):
        return _count(len(every), "machine")
    return f"{working} of {len(every)} machines"


def _warn(warning: str) -> None:
    click.echo(f"Warning: {warning}", err=True)


def _note(note: str) -> None:
    click.echo(note, err=True)


class _ProgressLine:
    """One self-rewriting line on stderr: lines done, minutes of speech (the clips alone,
    without the pauses the book puts between them), ETA; then a line of its own for making
    the file ('assembling 45%', 'encoding M4B 30%')."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last_print = 0.0
        self.last_done = -1
        self.shown = False
        self.stage: tuple[str, int] | None = None

    def __call__(self, p: Progress | pipeline.Assembling) -> None:
        if isinstance(p, pipeline.Assembling):
            self._assembling(p)
            return
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
        text = f"[{bar}] {done}/{total} lines, {p.audio_seconds / 60:.1f} min of speech{eta}"
        if p.machines:
            text += f" on {_machines(p)}"
        self._show(text)

    def _assembling(self, a: pipeline.Assembling) -> None:
        """The stage and how much of it is done: shown at once when a stage starts, then
        as the bar above is (every 0.2 s on a terminal, every 5 s in a log)."""
        now = time.monotonic()
        percent = int(a.fraction * 100)
        if self.stage == (a.stage, percent):
            return
        started = self.stage is None or self.stage[0] != a.stage
        if not started and percent < 100 and now - self.last_print < (0.2 if self.tty else 5):
            return
        if self.stage is None and self.shown and self.tty:
            click.echo("", err=True)  # keep the synthesis line: it says how much was spoken
        self.stage, self.last_print = (a.stage, percent), now
        width = 24
        filled = int(width * a.fraction)
        self._show(f"[{'#' * filled}{'-' * (width - filled)}] {a.stage} {percent}%")

    def _show(self, text: str) -> None:
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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a command reads a book, and what is alive after
    set aside for good.

    A book's records (its paragraphs, the memos of each distinct text's reading, the
    segments, the script's lines) live to the end of the command and hold hardly a cycle,
    but every 700 new containers the collector walks the young ones, and each time the old
    generation grows by a quarter it walks them all: about 0.25 s of `script` on a 2 MB
    Chinese book, to free a few hundred objects. After the block, what is alive is frozen
    (`gc.freeze`): the first collection after would otherwise walk it all once more (0.1 s),
    just before the process exits. A process-wide switch, so the command line, which owns
    its process, is the one place that flips it: the text stages leave the collector alone
    (a caller may run them beside other work) and keep their long-lived records in plain
    tuples it stops tracking. A use inside another leaves it to the outer one."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _count(n: int, noun: str) -> str:
    """'1 damaged clip', '2 damaged clips'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


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
@click.option("--engine", type=str, default=None, help=_engine_help(CASTING_ENGINE_HELP))
@chapters_option
@cache_option
@proxy_option
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
    proxy: str | None,
    stats: bool,
) -> None:
    """Print who says what in INPUT, without synthesizing anything."""
    with _collector_paused():
        result = _reading(input_file, voices_file, engine, chapters, cache_dir, proxy, _note)
        if fmt == "jsonl":
            # JSON escapes every control character: no colour codes for click to look for in
            # a book's megabytes (color=True skips that scan).
            click.echo("\n".join(jsonl_lines(result.cast, result.segments)), color=True)
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
    proxy: str | None,
    note: Callable[[str], None],
    cast_note: Callable[[str], None] | None = None,
) -> Script:
    """INPUT read, attributed and cast as `script` and `cast` show it: with the voices a
    render would use now (the engine resolved the same way, with the same warning, the
    voices checked the same way) and the same voices.yaml."""
    return pipeline.read_script(
        Path(input_file),
        voices_file=_voices_option(voices_file),
        found_voices=_found_voices(voices_file),
        engine=_engine_choice(engine),
        chapters=chapters,
        cache_dir=_cache_dir(cache_dir),
        proxy=proxy,
        warn=_warn,
        note=note,
        cast_note=cast_note,
    )


@main.command()
@click.option(
    "--engine",
    type=str,
    default=None,
    help=_engine_help("Whose voices (default: the online engine's)"),
)
@click.option(
    "--locale",
    type=str,
    default=None,
    help="Only voices whose locale starts with this (zh-CN, en).",
)
@click.option("--gender", type=click.Choice(["male", "female"], case_sensitive=False), default=None)
@cache_option
@proxy_option
def voices(
    engine: str | None,
    locale: str | None,
    gender: str | None,
    cache_dir: str | None,
    proxy: str | None,
) -> None:
    """List the voices an engine offers."""
    shown = pipeline.find_voices(
        _engine_choice(engine),
        locale=locale,
        gender=gender,
        cache_dir=_cache_dir(cache_dir),
        proxy=proxy,
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
@click.option("--engine", type=str, default=None, help=_engine_help(CASTING_ENGINE_HELP))
@chapters_option
@cache_option
@proxy_option
def cast(
    input_file: str,
    voices_file: str | None,
    write_file: str | None,
    engine: str | None,
    chapters: str | None,
    cache_dir: str | None,
    proxy: str | None,
) -> None:
    """Show the characters of INPUT and the voice each gets."""
    from tts.cast.casting import cast_table

    notes: list[str] = []  # after the table they are about
    result = _reading(
        input_file, voices_file, engine, chapters, cache_dir, proxy, _note, notes.append
    )
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
    added = pipeline.extend_voices_file(Path(write_file), result) if write_file else None
    for note in notes:
        _note(note)
    if added is not None:
        names = ", ".join(added) if added else "nothing new"
        click.echo(f"Wrote {write_file}: added {names}", err=True)


@main.command()
@click.argument("text")
@click.option(
    "--voice",
    "voice_name",
    default=None,
    help="Voice name, e.g. zh-CN-XiaoxiaoNeural or cmn+f2 (default: the engine's narrator "
    "for the text's language).",
)
@click.option(
    "--engine",
    type=str,
    default=None,
    help=_engine_help("Speech engine (default: the --voice's, else auto)"),
)
@click.option(
    "-o", "--output", type=str, default=None, help="MP3 to write (default: output/say.mp3)."
)
@prosody_options("", rate="+10%")
@cache_option
@proxy_option
def say(
    text: str,
    voice_name: str | None,
    engine: str | None,
    output: str | None,
    rate: str,
    pitch: str,
    volume: str,
    cache_dir: str | None,
    proxy: str | None,
) -> None:
    """Speak TEXT in one voice, to audition it or a prosody setting."""
    result = pipeline.say_text(
        text,
        voice_name=voice_name,
        engine=_engine_choice(engine),
        rate=rate,
        pitch=pitch,
        volume=volume,
        output=Path(output) if output else None,
        cache_dir=_cache_dir(cache_dir),
        proxy=proxy,
        warn=_warn,
    )
    click.echo(f"Wrote {result.path} ({_clock(result.seconds)}, {result.voice})")


@main.command()
@input_argument
@voices_option
@click.option("--engine", type=str, default=None, help=_engine_help(CASTING_ENGINE_HELP))
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port on 127.0.0.1 to serve on (0: any free one).",
)
@click.option("--no-browser", is_flag=True, help="Print the address; do not open a browser.")
@cache_option
@proxy_option
def studio(
    input_file: str,
    voices_file: str | None,
    engine: str | None,
    port: int,
    no_browser: bool,
    cache_dir: str | None,
    proxy: str | None,
) -> None:
    """Check and fix who speaks in INPUT in the browser: the script, the cast, listening
    and rendering, on a page served on this computer only (Ctrl+C stops it)."""
    from tts.studio.server import start
    from tts.studio.session import Session

    session = Session(
        Path(input_file),
        voices_file=_voices_option(voices_file),
        engine=_engine_choice(engine),
        cache_dir=_cache_dir(cache_dir),
        proxy=proxy,
        warn=_warn,
    )
    running = start(session, port)
    click.echo(f"Studio for {input_file}: {running.url}")
    click.echo("Open that address in your browser; Ctrl+C stops the studio.", err=True)
    if not no_browser:
        import webbrowser

        webbrowser.open(running.url)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("Studio stopped.", err=True)
    finally:
        running.stop()


def _age(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    return None if value is None else pipeline.parse_age(value)


@main.command()
@cache_option
@click.option("--prune", is_flag=True, help="Remove clips: those the options below choose.")
@click.option(
    "--older-than",
    type=str,
    default=None,
    callback=_age,
    help="Clips no render has used for this long: 30d, 12h, 2w.",
)
@click.option(
    "--book",
    "books",
    type=str,
    multiple=True,
    help="Clips a render of this book uses (repeatable).",
)
@click.option(
    "--keep",
    "keep",
    type=str,
    multiple=True,
    help="Keep the clips of this book, remove all others (repeatable).",
)
@click.option("--all", "everything", is_flag=True, help="Every clip.")
@voices_option
@click.option("--yes", is_flag=True, help="Remove them; without it, only say what would go.")
def cache(
    cache_dir: str | None,
    prune: bool,
    older_than: float | None,
    books: tuple[str, ...],
    keep: tuple[str, ...],
    everything: bool,
    voices_file: str | None,
    yes: bool,
) -> None:
    """Show where synthesized clips are kept and how much space they take; prune them.

    `--prune` with --older-than, --book, --keep or --all lists what would be removed;
    add --yes to remove it. Given together, the options narrow each other down.
    """
    folder = _cache_dir(cache_dir)
    if not prune:
        if older_than is not None or books or keep or everything or yes:
            raise InputError(
                "--older-than, --book, --keep, --all and --yes choose clips to prune: add --prune"
            )
        if cache_dir:
            origin = "from --cache-dir"
        elif os.environ.get("XDG_CACHE_HOME"):
            origin = "from $XDG_CACHE_HOME"
        else:
            origin = "the default; --cache-dir DIR or $XDG_CACHE_HOME choose another"
        _show_cache(pipeline.cache_usage(folder), origin)
        return
    result = pipeline.prune_cache(
        folder,
        older_than=older_than,
        books=[Path(b) for b in books],
        keep=[Path(b) for b in keep],
        everything=everything,
        voices_file=_voices_option(voices_file),
        apply=yes,
    )
    gone = f"{_count(result.removed, 'clip')} ({_size(result.freed)})"
    left = f"{_count(result.left, 'clip')} ({_size(result.left_bytes)}) left"
    if result.applied:
        click.echo(f"Removed {gone} from {result.place}; {left}")
    elif result.removed:
        click.echo(f"Would remove {gone} from {result.place}; {left}")
        click.echo("Nothing removed yet: add --yes to remove them.", err=True)
    else:
        click.echo(f"No clips to remove in {result.place}; {left}")


def _show_cache(usage: pipeline.CacheUsage, origin: str) -> None:
    click.echo(f"Cache: {usage.place} ({origin})")
    click.echo(f"Clips: {_count(usage.clips, 'clip')}, {_size(usage.bytes)}")
    named = sorted((name, n, size) for name, (n, size) in usage.engines.items() if name)
    unknown = usage.engines.get("")
    rows = [(name, _count(n, "clip"), _size(size)) for name, n, size in named]
    if unknown:
        rows.append(("?", _count(unknown[0], "clip"), _size(unknown[1])))
    widths = [max(display_width(r[i]) for r in rows) for i in range(3)] if rows else []
    for r in rows:
        cells = [_pad(r[0], widths[0]), _pad(r[1], widths[1], right=True)]
        click.echo("  " + "  ".join([*cells, _pad(r[2], widths[2], right=True)]))
    if unknown:
        click.echo("  ?: engine not noted (cached by an earlier version, or cut short)")
    if usage.raw:
        click.echo(
            f"  {_count(usage.raw, 'clip')} still raw PCM from an earlier version, made MP3 "
            "when a render next uses them"
        )
    click.echo(f"Other files: {_size(usage.other_bytes)} (the Edge voice list, work files)")
    if usage.clips:
        click.echo(
            "Prune with: audiobook cache --prune --older-than 30d | --book BOOK | --keep BOOK "
            "| --all",
            err=True,
        )


def _size(n: int) -> str:
    """'0 B', '812 kB', '56.7 MB', '3.20 GB' (powers of 1000, as disks are sold)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            value = n / scale
            return (
                f"{value:.2f} {unit}"
                if value < 10
                else f"{value:.1f} {unit}"
                if value < 100
                else f"{value:.0f} {unit}"
            )
    return f"{n} B"


@main.command()
@input_argument
def chapters(input_file: str) -> None:
    """List the chapters of INPUT with their length, to choose --chapters."""
    book, found = pipeline.list_chapters(Path(input_file))
    rows = [("no.", "chapter", "characters", "minutes")]
    for c in found:
        rows.append(
            (str(c.number), c.title or "(no heading)", f"{c.characters:,}", _minutes(c.minutes))
        )
    widths = [max(display_width(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        cells = [_pad(r[0], widths[0], right=True), _pad(r[1], widths[1])]
        cells += [_pad(r[2], widths[2], right=True), _pad(r[3], widths[3], right=True)]
        click.echo("  ".join(cells).rstrip())
    total = sum(c.minutes for c in found)
    chars = sum(c.characters for c in found)
    pace, unit = pipeline.READING_PACE.get(book.language, pipeline.READING_PACE["en"])
    click.echo(
        f"{_count(len(found), 'chapter')}, {chars:,} characters, about {_minutes(total)} min "
        f"read aloud (at {pace:.0f} {unit} a minute)",
        err=True,
    )
    titled = next((c for c in found if c.title), None)
    if titled is not None:
        click.echo(
            f"--chapters takes the numbers on the left: --chapters {titled.number} is "
            f"{titled.title}",
            err=True,
        )


def _minutes(minutes: float) -> str:
    """'<1', '3', '12', '1:05' (hours and minutes from an hour up)."""
    if minutes < 0.5:
        return "<1"
    whole = round(minutes)
    return f"{whole // 60}:{whole % 60:02d}" if whole >= 60 else str(whole)


if __name__ == "__main__":  # pragma: no cover
    main()
