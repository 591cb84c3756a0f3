"""Where a render writes, and what it may never write over: the output's name and format
(`output/<book>.mp3`, `.ch2-3` for some chapters, the format -o's suffix says), the cast
and line-fixes files beside it, no output that is one of the inputs or a text file, and
the clean-up of what a killed run of the same output left."""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Sequence
from pathlib import Path

from tts.atomic import remove_stale
from tts.cast import castfile
from tts.errors import AudiobookError
from tts.model import AUDIO_FORMATS, AudioFormat

DEFAULT_OUTPUT_DIR = Path("output")


TEXT_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".markdown", ".rst", ".yaml", ".yml", ".json", ".jsonl",
     ".epub", ".html", ".htm", ".xhtml", ".csv", ".tsv", ".srt", ".lrc", ".vtt"}
)  # fmt: skip
"""Suffixes of what the program reads or writes as text (books, voices and cast files,
scripts, subtitles): `-o` never names one, so a slip cannot turn a book or a cast into audio."""


AUDIO_SUFFIXES: dict[str, AudioFormat] = {".mp3": "mp3", ".m4b": "m4b", ".m4a": "m4b"}
"""The format each audio name of -o says. `.m4a` is the M4B audiobook (the same AAC in MP4,
chapters and all) under the name music players and some phones expect."""


def cast_path_for(output: Path) -> Path:
    return output.with_name(output.stem + ".cast.yaml")


def fixes_path_for(output: Path) -> Path:
    """The line fixes of the book rendered to `output`, beside its cast:
    `output/<book>.fixes.yaml` (`tts.speakers.fixes`)."""
    return output.with_name(output.stem + ".fixes.yaml")


def fixes_file_for(source: Path, output: Path | None = None) -> Path:
    """The line fixes `script` and `render` of `source` apply: those beside `-o` (`output`)
    when there are some, else the book's own, beside its default output
    (`output/<book>.fixes.yaml`), whatever chapters are read."""
    if output is not None:
        beside = fixes_path_for(output)
        if beside.is_file():
            return beside
    return fixes_path_for(default_output(source))


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def chapter_file_name(number: int, title: str, suffix: str) -> str:
    """'003 第3章 夜渡.mp3': sorts in reading order, readable in a file manager. Characters
    no file system takes become spaces, and spaces (ideographic ones too) never double up
    nor start or end the title."""
    clean = " ".join(_UNSAFE.sub(" ", title).split())[:60].strip(" .")
    return f"{number:03d} {clean}.{suffix}" if clean else f"{number:03d}.{suffix}"


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

    names = {output.name, cast_path_for(output).name, fixes_path_for(output).name}
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
