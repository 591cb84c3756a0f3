"""Files appear whole or not at all: write beside the target, fsync, then rename.

Every file the program writes for the user (audio, tags, subtitles, casts, voices.yaml,
cached clips) goes through `replacing`, so a crash, a full disk or kill -9 never leaves
half a file where a good one was.

What kill -9 does leave is the temporary file, hidden beside the target and named for it
and for the process writing it (`.book.mp3.<pid>.<random>.part`); `remove_stale` removes
those of processes that no longer run, so the next run cleans up after a killed one.
Work files that are never renamed into place (M4B's assembled MP3) go to a `staging`
folder out of the user's sight.

A file that several writers may change at once (voices.yaml and the line fixes, edited from
two browser tabs or a tab and a text editor's script) is read, changed and replaced inside
`locked`, so no writer's change is lost to another's.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tts.errors import AudiobookError

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

DEFAULT_FIX = "choose another output path with -o or free some disk space"

PART_SUFFIX = ".part"
LEGACY_AGE = 3600.0
"""Seconds a temporary file named without its writer's process id (as earlier versions
named them) must be older than the run before it counts as abandoned."""


@contextmanager
def replacing(target: Path | str, *, what: str = "write", fix: str = DEFAULT_FIX) -> Iterator[Path]:
    """Yield a temporary path beside `target`; it replaces `target` when the block succeeds.

    On any error the temporary file is removed and `target` is left as it was. The new
    file keeps the old one's permissions, or gets those of a newly created file.
    An OSError becomes an AudiobookError: "cannot {what} {target}: {why}; {fix}".
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=_prefix(target), suffix=PART_SUFFIX)
        os.close(fd)
    except OSError as e:
        raise AudiobookError(f"cannot {what} {target}: {e.strerror or e}; {fix}") from e
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as done:
            os.fsync(done.fileno())
        _set_mode(tmp, target)
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise AudiobookError(f"cannot {what} {target}: {e.strerror or e}; {fix}") from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _set_mode(tmp: Path, target: Path) -> None:
    if target.exists():
        shutil.copymode(target, tmp)
        return
    make_readable(tmp)


def make_readable(path: Path) -> None:
    """Give `path` the permissions a new file gets (mkstemp makes it 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def write_bytes(target: Path | str, data: bytes, **kwargs: str) -> None:
    """Replace `target` with `data` atomically (see `replacing`)."""
    with replacing(target, **kwargs) as tmp:
        tmp.write_bytes(data)


def write_text(target: Path | str, text: str, **kwargs: str) -> None:
    """Replace `target` with UTF-8 `text` (no BOM) atomically."""
    write_bytes(target, text.encode("utf-8"), **kwargs)


def _prefix(target: Path) -> str:
    """How a temporary file for `target` begins: hidden, named for it and for this process."""
    return f".{target.name}.{os.getpid()}."


@contextmanager
def staging(target: Path | str, folder: Path | str | None = None) -> Iterator[Path]:
    """Yield a temporary path for work on the way to `target` that is never renamed into
    place (M4B's assembled MP3); it is removed after the block.

    It goes in `folder` (the cache's staging folder, where `remove_stale` finds what a
    killed run left), else, when that cannot be written, in the system's temp folder:
    never beside `target` in the user's folder.
    """
    target = Path(target)
    places: list[Path | None] = [Path(folder)] if folder is not None else []
    failure: OSError | None = None
    for place in [*places, None]:
        try:
            if place is not None:
                place.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=place, prefix=_prefix(target), suffix=PART_SUFFIX)
            os.close(fd)
            break
        except OSError as e:
            failure = e
    else:
        assert failure is not None
        raise AudiobookError(
            f"cannot make a work file for {target}: {failure.strerror or failure}; "
            "free some disk space or choose another --cache-dir"
        ) from failure
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


_PART = re.compile(r"^\.(?P<target>.+?)\.(?:(?P<pid>\d+)\.)?[a-z0-9_]{8}\.part$")
_LEGACY_STAGING = re.compile(r"^\.(?P<stem>.+)\.[a-z0-9_]{8}\.mp3$")


def part_target(name: str) -> tuple[str, tuple[int, ...]] | None:
    """The file a temporary file of ours stands in for, and the processes that wrote it
    (none for a name without one); None for a name that is not ours.

    `.book.mp3.123.k2x0a9zq.part` -> ('book.mp3', (123,)); a temporary file of a temporary
    file (the tags written into a book still being made) names both. An M4B's staging MP3
    as earlier versions left it beside the book (`.book.k2x0a9zq.mp3`) -> ('book.m4b', ()).
    """
    pids: list[int] = []
    found = False
    while (match := _PART.match(name)) is not None:
        found = True
        if match["pid"] is not None:
            pids.append(int(match["pid"]))
        name = match["target"]
    if not found:
        legacy = _LEGACY_STAGING.match(name)
        return (f"{legacy['stem']}.m4b", ()) if legacy else None
    return name, tuple(pids)


def remove_stale(
    folder: Path | str, *, started: float, only: Callable[[str], bool] | None = None
) -> list[Path]:
    """Remove the temporary files that killed runs left in `folder`; returns those removed.

    Only files of ours (named as `replacing` and `staging` name them), for a target whose
    name `only` accepts (any, without it), last written before `started` (a `time.time()`)
    by a process that no longer runs: a run in progress keeps its files. A name that does
    not say its process must be `LEGACY_AGE` older. A file that cannot be removed is left.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        found = part_target(entry.name)
        if found is None or (only is not None and not only(found[0])):
            continue
        pids = found[1]
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            age_limit = started if pids else started - LEGACY_AGE
            if entry.stat(follow_symlinks=False).st_mtime >= age_limit:
                continue
            if any(_running(pid) for pid in pids):
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


@contextmanager
def locked(target: Path | str) -> Iterator[None]:
    """Hold the lock of `target` for a read-modify-write: one holder at a time, across
    threads and processes, so two edits of one file never lose either.

    `replacing` gives the file a new inode on every write, so the lock cannot be the file's
    own: on POSIX it is the folder's (an exclusive `flock`, which leaves nothing on disk and
    serializes the edits of every file in that folder, each a few milliseconds); elsewhere,
    and on a file system that locks no folders, a hidden `.<name>.lock` file beside it. The
    folder is created when missing.
    """
    target = Path(target)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise AudiobookError(
            f"cannot create {folder} for {target.name}: {e.strerror or e}; check the path"
        ) from e
    if sys.platform == "win32":
        with open(folder / f".{target.name}.lock", "a+b") as handle:
            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue  # LK_LOCK gives up after 10 s: keep waiting
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        fd = _locked_fd(folder, target)
        try:
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock


def _locked_fd(folder: Path, target: Path) -> int:
    """A descriptor holding the exclusive lock of `target`: its folder's, or, on a file
    system that locks no folders (some network ones), a hidden lock file's beside it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as e:
        raise AudiobookError(
            f"cannot lock {target}: {e.strerror or e}; check the folder's permissions"
        ) from e
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd
    except OSError:
        os.close(fd)
    try:
        fd = os.open(folder / f".{target.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as e:
        raise AudiobookError(
            f"cannot lock {target}: {e.strerror or e}; check the folder's permissions"
        ) from e
    return fd


def _running(pid: int) -> bool:
    """Whether process `pid` may still be writing its files (when unsure: yes)."""
    if pid == os.getpid():
        return False  # this run has made nothing before it started: an earlier process's
    if os.name != "posix":
        return True  # no harmless way to ask
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True
