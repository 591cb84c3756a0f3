"""One book open in the studio: its script as `script` and `render` see it (voices.yaml and
the line fixes applied), what the page shows of it, and every change made through the files
where fixes live (`tts.speakers.fixes` for lines, `tts.cast.edits` for voices.yaml), never
in memory alone: the studio is optional, and the files are what `render` reads.

Each change bumps `version`; so does a change to either file made elsewhere (another tab, a
text editor), noticed when the page polls. Everything here is called from the server's
worker threads and holds `lock` while it reads or changes the script.
"""

from __future__ import annotations

import colorsys
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tts import pipeline
from tts.cast import casting
from tts.cast.config import VoicesConfig
from tts.errors import AudiobookError, InputError
from tts.model import ProsodyKey, Script, Segment, Voice, parse_prosody
from tts.speakers.reasons import reason
from tts.text import close_names

PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#e6550d",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7b4173",
    "#637939",
    "#3182bd",
    "#843c39",
)
"""Speakers' colours, most lines first; later speakers get a hue of their own name."""

PAGE = 400
"""The most lines of a chapter the page is sent at once."""

DOUBTFUL_SHOWN = 500
"""The most doubtful lines one page of the filter lists (worst first)."""

NEARBY = 30
"""How many lines either side 'the same pattern nearby' looks."""

NAME_LIMIT = 40
"""The longest speaker name the page takes."""


class StudioError(AudiobookError):
    """A change the page asked for that cannot be made; the message says why and what to do."""


def colour_of(name: str, rank: int) -> str:
    """The colour of the speaker with `rank` (0: most lines)."""
    if rank < len(PALETTE):
        return PALETTE[rank]
    hue = int(hashlib.sha1(name.encode("utf-8")).hexdigest()[:4], 16) / 0xFFFF
    r, g, b = colorsys.hls_to_rgb(hue, 0.4, 0.6)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


@dataclass
class RenderJob:
    """A render started from the page, as the page polls it."""

    state: str = "idle"
    """'idle', 'running', 'done' or 'failed'."""
    stage: str = ""
    done: float = 0.0
    total: float = 0.0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None
    seconds: float = 0.0
    chapters: list[dict[str, Any]] = field(default_factory=list)
    started: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "fraction": min(1.0, self.done / self.total) if self.total else 0.0,
            "error": self.error,
            "warnings": self.warnings,
            "file": self.path.name if self.path is not None else None,
            "seconds": round(self.seconds, 2),
            "chapters": self.chapters,
        }


def _stamp(path: Path | None) -> tuple[int, int] | None:
    try:
        info = path.stat() if path is not None else None
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size) if info is not None else None


class Session:
    """The book the studio has open."""

    def __init__(
        self,
        source: Path,
        *,
        voices_file: Path | None,
        engine: str | None,
        cache_dir: Path,
        proxy: str | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        if not source.is_file():
            raise InputError(f"{source}: no such book; check the path given to 'studio'")
        self.source = source
        self.cache_dir = cache_dir
        self.proxy = proxy
        self.warn = warn
        self.voices_path, self.voices_note = _voices_path(source, voices_file)
        self.output = pipeline.default_output(source)
        self.fixes_path = pipeline.fixes_path_for(self.output)
        self.engine_asked = engine
        self.engine_name: str | None = None
        self.lock = threading.RLock()
        self.version = 0
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.job = RenderJob()
        self.problem: str | None = None
        """Why the files as they are now cannot be read (the page shows it)."""
        self.originals: dict[tuple[int, int], Segment] = {}
        """Lines as the reader gave them, before this studio fixed them: undo restores them."""
        self.script: Script
        self.config: VoicesConfig | None = None
        self._stamps: tuple[object, object] = (None, None)
        self.load()

    # --- reading ---------------------------------------------------------------------

    def load(self) -> None:
        """Read the book's current script (both files applied) and what the page needs
        of it; bump the version."""
        with self.lock:
            stamps = (_stamp(self.voices_path), _stamp(self.fixes_path))
            heard: list[str] = []
            voices = self.voices_path if self.voices_path and self.voices_path.is_file() else None
            script, report = pipeline.studio_script(
                self.source,
                voices_file=voices,
                engine=self.engine_name or self.engine_asked,
                cache_dir=self.cache_dir,
                fixes_file=self.fixes_path,
                warn=heard.append,
            )
            self.script = script
            self.notes = []
            if report.applied or report.stale:
                from tts.speakers.fixes import describe_report

                self.notes.append(describe_report(report, self.fixes_path))
            self.config = pipeline.load_config(voices, self.cache_dir) if voices else None
            if self.engine_name is None:
                self.engine_name = self.script.cast.narrator.engine
                for line in heard:
                    if self.warn is not None:
                        self.warn(line)
            self.warnings = heard
            self._index()
            self._stamps = stamps
            self.originals = {}
            self.problem = None
            self.version += 1

    def _index(self) -> None:
        script = self.script
        self.chapters: dict[int, list[Segment]] = {}
        for s in script.segments:
            self.chapters.setdefault(s.chapter, []).append(s)
        self.titles = {c.number: c.title for c in script.book.chapters}
        ranked = sorted(script.characters, key=lambda c: (-c.lines, c.name))
        self.colours = {c.name: colour_of(c.name, i) for i, c in enumerate(ranked)}
        self.ranked = [c.name for c in ranked]

    def check_files(self) -> int:
        """The version, after reading the book again if voices.yaml or the fixes file
        changed on disk since it was read (another tab's change, or a text editor's). A
        file that no longer reads (a mistake made by hand) leaves the script as it was and
        becomes `problem`, until the file changes again."""
        with self.lock:
            stamps = (_stamp(self.voices_path), _stamp(self.fixes_path))
            if stamps != self._stamps:
                try:
                    self.load()
                except AudiobookError as exc:
                    self.problem = _first_line(exc)
                    self._stamps = stamps
                    self.version += 1
            return self.version

    # --- what the page shows -------------------------------------------------------

    def book(self) -> dict[str, Any]:
        with self.lock:
            script = self.script
            cast = script.cast
            chapters = []
            for chapter in script.book.chapters:
                segments = self.chapters.get(chapter.number, [])
                chapters.append(
                    {
                        "number": chapter.number,
                        "title": chapter.title or _untitled(chapter.number, script),
                        "lines": sum(s.kind == "dialogue" for s in segments),
                        "doubtful": sum(cast.is_doubtful(s) for s in segments),
                    }
                )
            return {
                "title": script.book.title,
                "language": script.book.language,
                "locale": casting.book_locale(script.book.language, self.config),
                "engine": self.engine_name,
                "version": self.version,
                "threshold": cast.threshold,
                "narrator": _voice_json(cast.narrator),
                "unknown": _voice_json(cast.unknown),
                "cast": self._cast(),
                "chapters": chapters,
                "voices_file": str(self.voices_path) if self.voices_path else None,
                "voices_note": self.voices_note,
                "fixes_file": str(self.fixes_path),
                "output": str(self.output),
                "notes": self.notes,
                "problem": self.problem,
                "warnings": self.warnings,
                "not_characters": list(self.config.not_characters) if self.config else [],
            }

    def _cast(self) -> list[dict[str, Any]]:
        cast = self.script.cast
        characters = {c.name: c for c in self.script.characters}
        rows = []
        for name in self.ranked:
            c = characters[name]
            voice = cast.speakers.get(name)
            rows.append(
                {
                    "name": name,
                    "colour": self.colours[name],
                    "lines": c.lines,
                    "gender": c.gender,
                    "aliases": list(c.aliases),
                    "voice": _voice_json(voice) if voice is not None else None,
                }
            )
        return rows

    def _line(self, s: Segment, before: str | None) -> dict[str, Any]:
        cast = self.script.cast
        voice = cast.voice_for(s)
        speaker = cast.canonical(s.speaker) if s.kind == "dialogue" else None
        doubtful = cast.is_doubtful(s)
        return {
            "chapter": s.chapter,
            "index": s.index,
            "kind": s.kind,
            "text": s.text,
            "line": s.line,
            "paragraph": s.paragraph,
            "speaker": speaker,
            "colour": self.colours.get(speaker or "", None),
            "voice": voice.name if voice is not None else None,
            "confidence": s.confidence,
            "doubtful": doubtful,
            "fixed": s.method == FIXED_METHOD,
            "method": s.method,
            "why": (
                reason(s.method, before if before != speaker else None)
                if s.kind == "dialogue" or s.method == FIXED_METHOD
                else None
            ),
        }

    def _lines(
        self, segments: Sequence[Segment], before: str | None = None
    ) -> list[dict[str, Any]]:
        """The page's lines, each knowing who spoke the line of dialogue before it
        (`before`: who spoke last before the first)."""
        out = []
        for s in segments:
            out.append(self._line(s, before))
            if s.kind == "dialogue":
                before = self.script.cast.canonical(s.speaker)
        return out

    def chapter(self, number: int, start: int = 0, count: int = PAGE) -> dict[str, Any]:
        """Lines `start` to `start + count` of a chapter (a book without headings is one
        chapter of the whole book, so the page takes it a part at a time); `next` is where
        the next part starts (None at the chapter's end)."""
        with self.lock:
            segments = self.chapters.get(number)
            if segments is None:
                raise StudioError(f"the book has no chapter {number}")
            start = max(0, start)
            count = max(1, min(count, PAGE))
            earlier = (s for s in reversed(segments[:start]) if s.kind == "dialogue")
            last = next(earlier, None)
            before = self.script.cast.canonical(last.speaker) if last is not None else None
            end = min(len(segments), start + count)
            return {
                "number": number,
                "title": self.titles.get(number) or _untitled(number, self.script),
                "version": self.version,
                "start": start,
                "next": end if end < len(segments) else None,
                "total": len(segments),
                "lines": self._lines(segments[start:end], before),
            }

    def doubtful(self, limit: int = DOUBTFUL_SHOWN) -> dict[str, Any]:
        """The doubtful lines of the whole book, the least sure first."""
        with self.lock:
            cast = self.script.cast
            found: list[tuple[float, int, int, Segment, str | None]] = []
            for segments in self.chapters.values():
                before: str | None = None
                for s in segments:
                    if s.kind != "dialogue":
                        continue
                    if cast.is_doubtful(s):
                        found.append((s.confidence or 0.0, s.chapter, s.index, s, before))
                    before = cast.canonical(s.speaker)
            found.sort(key=lambda x: x[:3])
            lines = [self._line(s, before) for *_, s, before in found[:limit]]
            return {"version": self.version, "total": len(found), "lines": lines}

    def segment(self, chapter: int, index: int) -> Segment:
        segments = self.chapters.get(chapter, [])
        if 0 <= index < len(segments) and segments[index].index == index:
            return segments[index]
        for s in segments:
            if s.index == index:
                return s
        raise StudioError(f"chapter {chapter} has no line {index}; reload the page")

    def close(self, name: str) -> list[str]:
        """Cast names a typed `name` is probably meant to be (a typo makes a new voice)."""
        with self.lock:
            known = list(self.ranked)
            known += [a for c in self.script.characters for a in c.aliases]
            return close_names(name, known)

    # --- fixing lines ------------------------------------------------------------------

    def fix_lines(self, keys: Sequence[tuple[int, int]], speaker: str | None) -> int:
        """Give the lines (chapter, index) to `speaker` (None: the narrator reads them)."""
        from tts.speakers.fixes import fix_for, fixed, set_fix

        if speaker is not None:
            speaker = _checked_name(speaker)
        with self.lock:
            self.check_files()  # another's change first: this one is made over it
            segments = self.script.segments
            fixes = []
            for chapter, index in keys:
                s = self.segment(chapter, index)
                if s.kind not in ("dialogue", "narration"):
                    raise StudioError(
                        f"line {s.line} is a {s.kind}: only lines of text have a speaker"
                    )
                fixes.append((s, fix_for(segments, s, speaker)))
            for _, fix in fixes:
                set_fix(self.fixes_path, fix)
            changed = {}
            for s, _ in fixes:
                if s.method != FIXED_METHOD:  # the reader's own: what undo gives back
                    self.originals.setdefault((s.chapter, s.index), s)
                changed[(s.chapter, s.index)] = fixed(s, speaker)
            self._change_lines(changed, new_name=speaker)
            return self.version

    def clear_fix(self, chapter: int, index: int) -> int:
        """Undo the fix of a line: the reader's own guess again."""
        from tts.speakers.fixes import fix_for, remove_fix

        with self.lock:
            self.check_files()
            s = self.segment(chapter, index)
            fix = fix_for(self.script.segments, s, None)
            remove_fix(self.fixes_path, fix.chapter, fix.text, fix.nth)
            original = self.originals.pop((chapter, index), None)
            if original is None:  # fixed before this studio started: read it again
                self.load()
            else:
                self._change_lines({(chapter, index): original}, new_name=None)
            return self.version

    def _change_lines(self, changed: dict[tuple[int, int], Segment], new_name: str | None) -> None:
        """The script with some lines changed as the fixes file now says, without reading
        the book again (a 2,000-chapter book takes seconds to attribute): the lines
        replaced, the characters recounted (`recount`) and the cast made again, as a fresh
        reading makes them. A name voices.yaml says is nobody takes a fresh reading."""
        from tts.speakers.fixes import recount

        nobody = set(self.config.not_characters) if self.config is not None else set()
        if new_name is not None and new_name in nobody:
            self.load()
            return
        script = self.script
        before = list(script.segments)
        after = [changed.get((s.chapter, s.index), s) for s in before]
        characters = recount(script.characters, before, after)
        self.script = pipeline.cast_script(
            script.book,
            after,
            characters,
            self.config,
            self.engine_name or "edge",
            self.cache_dir,
            pipeline.cast_path_for(self.output),
        )
        self._index()
        self._stamps = (_stamp(self.voices_path), _stamp(self.fixes_path))
        self.version += 1

    def similar(self, chapter: int, index: int, method: str | None, speaker: str | None) -> list:
        """Lines near (chapter, index) that the reader gave `speaker` by the same `method`
        and nobody fixed: where the same mistake is likely, offered when the user asks."""
        with self.lock:
            segments = self.chapters.get(chapter, [])
            lines = self._lines(segments)
            near = [
                line
                for s, line in zip(segments, lines, strict=True)
                if s.kind == "dialogue"
                and s.index != index
                and abs(s.index - index) <= NEARBY
                and s.method == method
                and s.method != FIXED_METHOD
                and self.script.cast.canonical(s.speaker) == speaker
            ]
            return near

    # --- fixing the cast -----------------------------------------------------------------

    def edit_cast(self, action: str, args: dict[str, Any]) -> int:
        """One change to voices.yaml (`tts.cast.edits`), then the book read again."""
        from tts.cast import edits

        path = self._voices_for_edits()

        def text(key: str) -> str:
            value = args.get(key)
            if not isinstance(value, str) or not value.strip():
                raise StudioError(f"'{action}' needs '{key}': a name")
            return value.strip()

        def prosody(key: ProsodyKey) -> str | None:
            value = args.get(key) or None
            if value is not None:
                parse_prosody(key, str(value), label=key)
            return value

        engine = self.engine_name or "edge"
        with self.lock:
            if action == "rename":
                edits.rename_character(path, text("name"), _checked_name(text("new")))
            elif action == "merge":
                edits.merge_characters(path, text("keep"), text("other"))
            elif action == "not-character":
                edits.mark_not_character(path, text("name"))
            elif action == "gender":
                gender = args.get("gender") or None
                if gender not in (None, "male", "female"):
                    raise StudioError("gender is male, female, or empty for unknown")
                edits.set_gender(path, text("name"), gender)
            elif action == "voice":
                rate, pitch = prosody("rate"), prosody("pitch")
                edits.set_voice(
                    path, text("name"), text("voice"), engine=engine, rate=rate, pitch=pitch
                )
            elif action == "narrator-voice":
                rate, pitch = prosody("rate"), prosody("pitch")
                edits.set_role_voice(
                    path, "narrator", text("voice"), engine=engine, rate=rate, pitch=pitch
                )
            else:
                raise StudioError(f"unknown change to the cast: '{action}'")
            self.load()
            return self.version

    def _voices_for_edits(self) -> Path:
        if self.voices_path is None:
            raise StudioError(
                f"{self.voices_note}; start the studio with --voices FILE to keep this book's cast"
            )
        return self.voices_path

    def voices(self, name: str | None, show_all: bool = False) -> dict[str, Any]:
        """The engine's voices for the book's language (for `name`'s gender when it is
        known, unless `show_all`), the book's own locale first."""
        from tts.pipeline.engines import engine_voices

        with self.lock:
            engine = self.engine_name or "edge"
            locale = casting.book_locale(self.script.book.language, self.config)
            gender = None
            if name:
                gender = next((c.gender for c in self.script.characters if c.name == name), None)
        language = locale.split("-")[0]
        found = [
            v
            for v in engine_voices(engine, self.cache_dir)
            if v.engine == engine and v.locale.split("-")[0] == language
        ]
        if gender is not None and not show_all:
            found = [v for v in found if v.gender.lower() in (gender, "neutral")]
        found.sort(key=lambda v: (v.locale != locale, v.locale, v.gender, v.name))
        return {
            "engine": engine,
            "locale": locale,
            "gender": gender,
            "voices": [
                {"name": v.name, "locale": v.locale, "gender": v.gender, "about": v.description}
                for v in found
            ],
        }

    # --- listening -----------------------------------------------------------------------

    def line_audio(self, chapter: int, index: int) -> bytes:
        """One line as the render will speak it (MP3 bytes)."""
        with self.lock:
            script = self.script
            s = self.segment(chapter, index)
        return self._speak(script, s, None)

    def audition(
        self,
        name: str | None,
        voice: str | None,
        rate: str | None,
        pitch: str | None,
    ) -> bytes:
        """`name`'s voice (or the `voice` being tried for them) on one of their own lines:
        the surest, a line of some length; `name` None: the narrator's, on a narration
        line."""
        from tts.pipeline.engines import engine_voices

        with self.lock:
            script = self.script
            cast = script.cast
            if name is None:
                theirs = [s for s in script.segments if s.kind == "narration"]
                own = cast.narrator
            else:
                theirs = [
                    s
                    for s in script.segments
                    if s.kind == "dialogue" and cast.canonical(s.speaker) == name
                ]
                own = cast.speakers.get(name, cast.unknown)
            if not theirs:
                who = name or "the narrator"
                raise StudioError(f"{who} has no line in the book to audition a voice on")
            line = max(theirs, key=lambda s: (s.confidence or 0.0, min(len(s.text), 40)))
        if voice and voice not in {v.name for v in engine_voices(own.engine, self.cache_dir)}:
            raise StudioError(
                f"'{voice}' is not a voice of the {own.engine} engine; pick one from the list"
            )
        tried: Voice | None = None
        if voice or rate or pitch:
            for key, value in (("rate", rate), ("pitch", pitch)):
                if value:
                    parse_prosody(key, value, label=key)  # type: ignore[arg-type]
            tried = Voice(
                own.engine,
                voice or own.name,
                rate=rate or own.rate,
                pitch=pitch or own.pitch,
                volume=own.volume,
            )
        else:
            tried = own
        return self._speak(script, line, tried)

    def _speak(self, script: Script, segment: Segment, voice: Voice | None) -> bytes:
        from tts.pipeline.engines import make_engine

        if segment.kind == "pause":
            raise StudioError(f"line {segment.line} is a pause: there is nothing to hear")
        engine = make_engine(self.engine_name or "edge", self.cache_dir, self.proxy)
        folder = self.cache_dir / "studio"
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(suffix=".mp3", dir=folder)
        os.close(handle)
        out = Path(name)
        try:
            pipeline.say_line(
                script,
                segment,
                engine,
                out,
                cache_dir=self.cache_dir,
                voice=voice,
                pronounce=self.config.pronounce if self.config is not None else None,
            )
            return out.read_bytes()
        finally:
            out.unlink(missing_ok=True)

    # --- rendering -----------------------------------------------------------------------

    def start_render(self) -> dict[str, Any]:
        with self.lock:
            if self.job.state == "running":
                return self.job.as_json()
            self.job = RenderJob(state="running", stage="speaking", started=time.time())
            job = self.job
        thread = threading.Thread(target=self._render, args=(job,), daemon=True)
        thread.start()
        return job.as_json()

    def _render(self, job: RenderJob) -> None:
        def progress(p: Any) -> None:
            if isinstance(p, pipeline.Assembling):
                job.stage, job.done, job.total = p.stage, p.done, p.total
            else:
                job.stage, job.done, job.total = "speaking", float(p.done), float(p.total)

        voices = self.voices_path if self.voices_path and self.voices_path.is_file() else None
        try:
            result = pipeline.render_book(
                self.source,
                output=self.output,
                voices_file=voices,
                engine=self.engine_asked,  # as `render` would: auto keeps its guards
                cache_dir=self.cache_dir,
                proxy=self.proxy,
                progress=progress,
                warn=job.warnings.append,
            )
        except AudiobookError as exc:
            job.error = _first_line(exc)
            job.state = "failed"
            return
        except Exception as exc:  # a bug: the page must still stop waiting
            job.error = f"the render stopped: {type(exc).__name__}: {exc}"
            job.state = "failed"
            raise
        job.path = result.path
        job.seconds = result.seconds
        job.chapters = chapter_marks(result.path)
        job.state = "done"

    def rendered_file(self, name: str) -> Path:
        """The file the last render wrote, if `name` is its name; else a StudioError."""
        path = self.job.path
        if self.job.state != "done" or path is None or path.name != name or not path.is_file():
            raise StudioError(f"no rendered file named {name!r}")
        return path


FIXED_METHOD = "fixed"
"""`Segment.method` of a line a fix set (tts.speakers.fixes.FIXED)."""


def chapter_marks(path: Path) -> list[dict[str, Any]]:
    """The chapters a rendered MP3's tags mark: title and start (seconds)."""
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        tags = ID3(str(path))
    except (ID3NoHeaderError, OSError):
        return []
    marks = []
    for frame in tags.getall("CHAP"):
        titles = [str(sub.text[0]) for sub in frame.sub_frames.values() if sub.FrameID == "TIT2"]
        marks.append({"title": titles[0] if titles else "", "start": frame.start_time / 1000})
    return sorted(marks, key=lambda m: m["start"])


def _first_line(exc: AudiobookError) -> str:
    """An error as the command line shows it: the first line of each problem."""
    lines = [p.strip().splitlines()[0] for p in exc.problems if p.strip()]
    return "; ".join(lines) or type(exc).__name__


def _voice_json(voice: Voice) -> dict[str, str]:
    return {"name": voice.name, "rate": voice.rate, "pitch": voice.pitch, "engine": voice.engine}


def _untitled(number: int, script: Script) -> str:
    return f"Chapter {number}" if script.book.language == "en" else f"第{number}章"


def _checked_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise StudioError("the speaker's name is empty; type a name")
    if len(name) > NAME_LIMIT:
        raise StudioError(f"a speaker's name is at most {NAME_LIMIT} characters")
    return name


def _voices_path(source: Path, given: Path | None) -> tuple[Path | None, str | None]:
    """Where cast changes go: the --voices file; else ./voices.yaml when it is this book's
    or there is none yet (created by the first change); and why not, when it is another
    book's."""
    if given is not None:
        return given, None
    here = pipeline.default_voices_path()
    if here is None:
        return Path("voices.yaml"), None
    config = pipeline.load_config(here)
    if config is not None:
        book = pipeline.read_book(source, None)
        if pipeline.pick_voices(config, here, book, source, None) is None:
            return None, "./voices.yaml is another book's"
    return here, None
