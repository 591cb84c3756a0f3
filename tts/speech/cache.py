"""Content-addressed clip cache with atomic writes, every clip checked when it is read.

A clip's key is a hash of everything that determines its sound (engine, engine version,
voice, prosody, text) and never its position in the book, so an edited book, a resumed run
or a second book reuse every clip that did not change.

Layout: `<root>/<key[:2]>/<key>.mp3` plus `<key>.json`, a small sidecar with the audio's
format, duration, size, SHA-256, sentence boundaries and the engine that spoke it. Both are
written to a temp file in the same directory, fsynced and renamed into place; the sidecar
goes last, so a clip whose write was interrupted (even by kill -9) is simply not there and
is synthesized again.

Raw PCM (the offline engine's) is stored as the MP3 frames the book is joined from
(`tts.speech.encode`): a seventh of the size, and the assembler copies the frames as it does
Edge's instead of encoding every clip again at every render. A PCM entry left by an earlier
version (`<key>.pcm`) is compressed the first time a render uses it and served from then on
as MP3; a cache that cannot be written keeps serving it as PCM.

Each use (`lookup`; `get` only reads) sets the sidecar's modification time, so the time a
clip was last used is on disk for `cache --prune --older-than`; `entries` lists what the
cache holds and `remove` drops a clip (sidecar first: a clip half removed is missing, never
damaged).

Reading checks the audio against the sidecar's size and SHA-256 (`lookup`): a clip whose
bytes changed since they were stored (part of it overwritten, another clip copied over it,
garbage) or whose audio is gone is "damaged", one whose sidecar is unreadable too. Either
way it is no clip: the caller synthesizes it again and `put` replaces it. Hashing the
clips of a cached book costs little next to reading them, which assembly does anyway.

Entries written before sidecars carried a digest are "unverified" and made again once,
rather than trusted on a weaker check: a frame count cannot tell a clip from another of
the same length (nor anything about raw PCM), and the next read of the new entry is checked
like any other.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tts.atomic import remove_stale, write_bytes
from tts.errors import AudiobookError
from tts.model import Audio, Boundary, Clip, Voice
from tts.speech.encode import pcm_to_mp3

KEY_SCHEMA = 1
"""Bump when the key recipe changes, so old entries are never misread."""

_EXTENSIONS = {"mp3": ".mp3", "pcm_s16le": ".pcm"}


def clip_key(engine: str, engine_version: str, voice: Voice, text: str) -> str:
    """sha256 of what determines a clip's sound: engine, version, voice, prosody and text."""
    fields = [
        KEY_SCHEMA,
        engine,
        engine_version,
        voice.name,
        voice.rate,
        voice.pitch,
        voice.volume,
        text,
    ]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Lookup:
    """What the cache holds under a key."""

    status: Literal["hit", "missing", "damaged", "unverified"]
    """hit: the clip, checked. missing: never stored, or its write was cut short (no sidecar).
    damaged: a sidecar whose audio is gone, differs from what was stored, or which cannot be
    read. unverified: stored before sidecars carried a digest, so it cannot be checked."""
    clip: Clip | None = None
    """The clip, for a hit only."""


_FIX = "free some disk space or choose another --cache-dir"

_MISSING = Lookup("missing")
_DAMAGED = Lookup("damaged")
_UNVERIFIED = Lookup("unverified")


class ClipCache:
    """Clips on disk under `root`, found by key."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _dir(self, key: str) -> Path:
        if len(key) < 3 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a clip key: {key!r}")
        return self.root / key[:2]

    def sidecar_path(self, key: str) -> Path:
        return self._dir(key) / f"{key}.json"

    def lookup(self, key: str, *, use: bool = True, engine: str | None = None) -> Lookup:
        """The clip under `key` if its audio is exactly what was stored; else why not.

        `use`: the clip is about to be used, so its last use is noted, and an earlier
        version's PCM entry is compressed now (seconds for an hour of speech, once);
        without it the cache is only read. `engine` (whose clip the key names) is noted in
        a sidecar an earlier version wrote without it."""
        try:
            sidecar = self.sidecar_path(key).read_bytes()
        except (OSError, ValueError):
            return _MISSING
        try:
            meta = json.loads(sidecar)
            if not isinstance(meta, dict):
                return _DAMAGED
            if "sha256" not in meta:
                return _UNVERIFIED
            audio_path = self._dir(key) / f"{key}{_EXTENSIONS[meta['codec']]}"
            data = audio_path.read_bytes()
            if len(data) != meta["bytes"] or _digest(data) != meta["sha256"]:
                return _DAMAGED
            clip = _clip(audio_path, meta)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return _DAMAGED
        if not use:
            return Lookup("hit", clip)
        if engine is not None and "engine" not in meta:
            meta["engine"] = engine
            if clip.codec != "pcm_s16le":  # (a compressed clip gets a new sidecar anyway)
                with contextlib.suppress(AudiobookError):
                    self._write_sidecar(key, meta)
        if clip.codec == "pcm_s16le":
            clip = self._compressed(key, data, meta) or clip
        with contextlib.suppress(OSError):  # when it was last used; a read-only cache keeps none
            os.utime(self.sidecar_path(key))
        return Lookup("hit", clip)

    def _compressed(self, key: str, data: bytes, meta: dict[str, Any]) -> Clip | None:
        """An earlier version's PCM entry stored again as MP3; None when it cannot be written."""
        audio = Audio(
            data=data,
            codec="pcm_s16le",
            sample_rate=int(meta["sample_rate"]),
            channels=int(meta["channels"]),
            duration=float(meta["duration"]),
            boundaries=_boundaries(meta),
        )
        try:
            return self.put(key, audio, engine=meta.get("engine"))
        except AudiobookError:
            return None

    def get(self, key: str) -> Clip | None:
        """The checked clip, or None when it is missing, damaged or unverified (`lookup`);
        reading only (not a use)."""
        return self.lookup(key, use=False).clip

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def put(self, key: str, audio: Audio, *, engine: str | None = None) -> Clip:
        """Store `audio` under `key` (atomically, replacing what was there) and return the
        stored clip; raw PCM is stored as MP3 frames (`tts.speech.encode`). `engine` (who
        spoke it) is kept for `entries`."""
        if audio.codec == "pcm_s16le":
            audio = pcm_to_mp3(audio)
        directory = self._dir(key)
        audio_path = directory / f"{key}{_EXTENSIONS[audio.codec]}"
        meta: dict[str, Any] = {
            "codec": audio.codec,
            "sample_rate": audio.sample_rate,
            "channels": audio.channels,
            "duration": audio.duration,
            "bytes": len(audio.data),
            "sha256": _digest(audio.data),
            "boundaries": [[b.offset, b.duration, b.text] for b in audio.boundaries],
        }
        if engine is not None:
            meta["engine"] = engine
        # the sidecar goes last: a clip without one is a miss, never half a clip
        write_bytes(audio_path, audio.data, what="write the clip", fix=_FIX)
        self._write_sidecar(key, meta)
        for other in _EXTENSIONS.values():  # the entry it replaces may have had another format
            if other != audio_path.suffix:
                with contextlib.suppress(OSError):
                    (directory / f"{key}{other}").unlink(missing_ok=True)
        return _clip(audio_path, meta)

    def _write_sidecar(self, key: str, meta: dict[str, Any]) -> None:
        sidecar = json.dumps(meta, ensure_ascii=False).encode("utf-8")
        write_bytes(self.sidecar_path(key), sidecar, what="write the clip", fix=_FIX)

    def entries(self) -> Iterator[Entry]:
        """Every clip in the cache, and the files of any that is not whole (audio without a
        sidecar, a sidecar that cannot be read: `Entry.whole` is False)."""
        for folder in _folders(self.root):
            files: dict[str, list[os.DirEntry[str]]] = {}
            with contextlib.suppress(OSError), os.scandir(folder) as found:
                for item in found:
                    stem, dot, ext = item.name.partition(".")
                    if dot and ext in _SUFFIXES and _is_key(stem) and item.is_file():
                        files.setdefault(stem, []).append(item)
            for key, items in sorted(files.items()):
                yield _entry(key, items)

    def remove(self, entry: Entry) -> int:
        """Delete a clip's files (its sidecar first); returns the bytes freed."""
        freed = 0
        for path in sorted(entry.files, key=lambda p: p.suffix != ".json"):
            try:
                size = path.stat().st_size
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as e:
                raise AudiobookError(
                    f"cannot remove {path}: {e.strerror or e}; check the permissions of {self.root}"
                ) from e
            freed += size
        return freed

    def remove_debris(self) -> int:
        """Remove what writes cut short by killed runs left (their temporary files);
        returns how many."""
        started = time.time()
        return sum(len(remove_stale(folder, started=started)) for folder in _folders(self.root))


@dataclass(frozen=True)
class Entry:
    """One clip on disk, as `ClipCache.entries` finds it."""

    key: str
    engine: str | None
    """The engine that spoke it; None when the sidecar does not say (a clip cached by an
    earlier version) or is missing or unreadable."""
    codec: str | None
    """How the audio is stored ('mp3'; 'pcm_s16le' for an earlier version's raw PCM, made
    MP3 when next used); None when the sidecar cannot be read."""
    whole: bool
    """Audio and sidecar are both there (False: what a cut-short write or removal left)."""
    size: int
    """Bytes on disk: audio and sidecar."""
    used: float
    """When it was last stored or used (the sidecar's modification time, else the audio's)."""
    files: tuple[Path, ...]


_SUFFIXES = frozenset({"json", *(ext.lstrip(".") for ext in _EXTENSIONS.values())})


def _is_key(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def _folders(root: Path) -> list[str]:
    """The cache's two-letter folders."""
    try:
        with os.scandir(root) as found:
            return sorted(
                f.path
                for f in found
                if len(f.name) == 2 and all(c in "0123456789abcdef" for c in f.name) and f.is_dir()
            )
    except OSError:
        return []


def _entry(key: str, items: list[os.DirEntry[str]]) -> Entry:
    size, used = 0, 0.0
    sidecar: os.DirEntry[str] | None = None
    for item in items:
        with contextlib.suppress(OSError):
            stat = item.stat()
            size += stat.st_size
            if item.name.endswith(".json"):
                sidecar, used = item, stat.st_mtime
            elif sidecar is None:
                used = max(used, stat.st_mtime)
    engine: str | None = None
    codec: str | None = None
    whole = False
    if sidecar is not None:
        try:
            meta = json.loads(Path(sidecar.path).read_bytes())
            engine = meta.get("engine") if isinstance(meta.get("engine"), str) else None
            codec = str(meta["codec"])
            whole = any(i.name == f"{key}{_EXTENSIONS[codec]}" for i in items)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            engine, codec, whole = None, None, False
    return Entry(key, engine, codec, whole, size, used, tuple(Path(i.path) for i in items))


def _clip(audio_path: Path, meta: dict[str, Any]) -> Clip:
    """The Clip a sidecar describes (`put` and `lookup` build it the same way)."""
    return Clip(
        path=str(audio_path),
        codec=meta["codec"],
        sample_rate=int(meta["sample_rate"]),
        channels=int(meta["channels"]),
        duration=float(meta["duration"]),
        boundaries=_boundaries(meta),
    )


def _boundaries(meta: dict[str, Any]) -> tuple[Boundary, ...]:
    return tuple(Boundary(float(b[0]), float(b[1]), str(b[2])) for b in meta["boundaries"])
