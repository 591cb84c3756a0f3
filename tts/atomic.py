"""Files appear whole or not at all: write beside the target, fsync, then rename.

Every file the program writes for the user (audio, tags, subtitles, casts, voices.yaml,
cached clips) goes through `replacing`, so a crash, a full disk or kill -9 never leaves
half a file where a good one was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tts.errors import AudiobookError

DEFAULT_FIX = "choose another output path with -o or free some disk space"


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
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
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
