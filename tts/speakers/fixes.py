"""Line fixes: who says a line, as a person corrected it, kept in a small file beside the
book's cast (`output/<book>.fixes.yaml`) and applied to every later reading of the book.

A fix names its line by the chapter and the line's own text (and, for a text the chapter
says more than once, which occurrence), never by a segment's position, so it survives a
rerun, a new version of the reader and edits elsewhere in the book. Texts are compared
without whitespace and quote marks and with full-width forms folded (`normal`), so a
re-cleaned line still matches. A line the reader now splits in two (or more) is matched
by the run of consecutive lines that together read as the fix's text; a line it now joins
to more text, by the one line of its chapter that holds the text. A fix whose line can no
longer be found is reported (`FixReport.stale`), never applied to another line.

The file::

    # Who says which line of the book: corrections made in 'audiobook studio' or by hand.
    fixes:
    - chapter: 1
      text: 谁呀？这么晚了。
      speaker: 老陈
    - chapter: 1
      text: 老陈一边擦手一边问道。
      narration: true        # read by the narrator
    - chapter: 2
      text: 好。
      speaker: 苏婉
      nth: 3                 # the third line of chapter 2 that reads 好。

Every write replaces the file whole (`tts.atomic`); `set_fix` and `remove_fix` read, change
and write it under the file's lock, so two tabs or processes never lose each other's fix
(the last write of one line wins).
"""

from __future__ import annotations

import io
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from tts.atomic import locked, replacing
from tts.errors import ConfigError
from tts.model import Character, Segment
from tts.read.limits import MB, TooLarge, read_capped, short, size_text

FIXED = "fixed"
"""`Segment.method` of a line a fix gave its speaker (its confidence is 1.0)."""

FIXES_LIMIT = 20 * MB
"""The largest fixes file read: some 150,000 fixes, more than a book has lines to fix."""

HEADER = """\
Who says which line of the book: corrections made in 'audiobook studio' or by hand.
'audiobook script' and 'render' apply them. Each names the chapter, the line's text and
who says it (speaker: NAME, or narration: true for the narrator); nth: N picks the Nth
line of the chapter with that text. Delete an entry to undo it."""

_FIX = "write each fix as 'chapter: N', 'text: ...' and 'speaker: NAME' (or 'narration: true')"

_QUOTE_MARKS = frozenset("\"'“”‘’‚‛„‟«»‹›「」『』﹁﹂﹃﹄＂＇")


@dataclass(frozen=True)
class LineFix:
    """Who says one line, as a person said it."""

    chapter: int
    """1-based number of the chapter in the whole book, as `Segment.chapter`."""
    text: str
    """The line's own text, as `Segment.text`."""
    speaker: str | None
    """The character who says it; None: the line is narration (the narrator reads it)."""
    nth: int = 1
    """Which line of the chapter with this text (1: the first)."""

    @property
    def key(self) -> tuple[int, str, int]:
        """What names the line: two fixes with one key are fixes of one line."""
        return (self.chapter, normal(self.text), self.nth)


@dataclass(frozen=True)
class FixReport:
    """What applying fixes did."""

    segments: list[Segment]
    """The segments with the fixes applied (method `FIXED`, confidence 1.0)."""
    applied: int
    """Fixes that found their line."""
    stale: list[LineFix] = field(default_factory=list)
    """Fixes whose line can no longer be found: not applied to any line."""


def normal(text: str) -> str:
    """A line's text as fixes compare it: full-width forms folded (NFKC), without
    whitespace and quote marks. '“谁呀？ 这么晚了。”' and '谁呀?这么晚了。' read alike."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if not ch.isspace() and ch not in _QUOTE_MARKS)


# --- the file ----------------------------------------------------------------------


def load_fixes(path: Path | str) -> list[LineFix]:
    """The fixes in `path`, in file order ([] when there is no file). A broken file is a
    ConfigError naming its line and the fix; a line fixed twice keeps the later fix."""
    path = Path(path)
    try:
        raw = read_capped(path, FIXES_LIMIT)
    except FileNotFoundError:
        return []
    except TooLarge:
        raise ConfigError(
            f"{path}: larger than {size_text(FIXES_LIMIT)}, the most a fixes file may be; "
            "check that it is the book's fixes file"
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a fixes file; remove or rename it") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror}); check the file") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    return parse_fixes(text, source=str(path))


def parse_fixes(text: str, *, source: str = "fixes.yaml") -> list[LineFix]:
    """`load_fixes` for text already read."""
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        why = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(
            f"{source}{line}: {why}; fix the YAML there, or delete the file to drop every fix"
        ) from None
    except RecursionError:
        raise ConfigError(
            f"{source}: nested too deep to be a fixes file; delete it to drop every fix"
        ) from None
    if data is None:
        return []
    if isinstance(data, CommentedMap):
        unknown = [k for k in data if k != "fixes"]
        if unknown:
            line = data.lc.key(unknown[0])[0] + 1
            raise ConfigError(
                f"{source}:{line}: unknown key '{short(str(unknown[0]))}'; the file holds "
                "one list, under 'fixes:'"
            )
        data = data.get("fixes")
        if data is None:
            return []
    if not isinstance(data, CommentedSeq):
        raise ConfigError(
            f"{source}:1: expected a list of fixes under 'fixes:'; {_FIX}, each starting with '- '"
        )
    found: dict[tuple[int, str, int], LineFix] = {}
    for i, item in enumerate(data):
        fix = _fix(item, f"{source}:{data.lc.item(i)[0] + 1}")
        found.pop(fix.key, None)  # the later fix of a line wins, in its place
        found[fix.key] = fix
    return list(found.values())


def _fix(item: Any, where: str) -> LineFix:
    if not isinstance(item, CommentedMap):
        raise ConfigError(f"{where}: expected a fix, found {_what(item)}; {_FIX}")
    allowed = ("chapter", "text", "speaker", "narration", "nth")
    for key in item:
        if key not in allowed:
            line = item.lc.key(key)[0] + 1
            raise ConfigError(
                f"{where.rsplit(':', 1)[0]}:{line}: unknown key '{short(str(key))}' in a fix; "
                f"use {', '.join(allowed)}"
            )
    for key in ("chapter", "text"):
        if key not in item:
            raise ConfigError(f"{where}: the fix has no '{key}'; {_FIX}")
    chapter, nth = item["chapter"], item.get("nth", 1)
    for key, value in (("chapter", chapter), ("nth", nth)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(
                f"{where}: {key} '{short(str(value))}' is not a number from 1; write the "
                f"{'chapter number, as audiobook chapters lists it' if key == 'chapter' else 'occurrence, such as 2'}"  # noqa: E501
            )
    text = item["text"]
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not normal(text):
        raise ConfigError(f"{where}: the fix's text is empty; write the line's text")
    narration = item.get("narration", False)
    speaker = item.get("speaker")
    if narration is True:
        if speaker is not None:
            raise ConfigError(
                f"{where}: the fix gives both a speaker and 'narration: true'; keep one"
            )
        return LineFix(int(chapter), str(text), None, int(nth))
    if narration is not False:
        raise ConfigError(f"{where}: narration must be true or false; write 'narration: true'")
    if isinstance(speaker, (int, float)) and not isinstance(speaker, bool):
        speaker = str(speaker)
    if not isinstance(speaker, str) or not speaker.strip():
        raise ConfigError(
            f"{where}: the fix names no speaker; write 'speaker: NAME', or 'narration: true' "
            "for the narrator"
        )
    return LineFix(int(chapter), str(text), speaker.strip(), int(nth))


def _what(value: Any) -> str:
    if isinstance(value, CommentedSeq):
        return "a list"
    if value is None:
        return "nothing"
    return f"'{short(str(value))}'"


def dump_fixes(fixes: Iterable[LineFix]) -> str:
    """The text of a fixes file holding `fixes`, by chapter (in their order within one)."""
    entries = CommentedSeq()
    for fix in sorted(fixes, key=lambda f: f.chapter):
        entry = CommentedMap()
        entry["chapter"] = fix.chapter
        entry["text"] = fix.text
        if fix.speaker is None:
            entry["narration"] = True
        else:
            entry["speaker"] = fix.speaker
        if fix.nth != 1:
            entry["nth"] = fix.nth
        entries.append(entry)
    data = CommentedMap()
    data.yaml_set_start_comment(HEADER)
    data["fixes"] = entries
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.allow_unicode = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def save_fixes(path: Path | str, fixes: Iterable[LineFix]) -> None:
    """Write `fixes` to `path` whole (atomically), as `dump_fixes` writes them."""
    text = dump_fixes(fixes)
    with replacing(path, fix="check that its folder can be written") as tmp:
        tmp.write_text(text, encoding="utf-8")


def set_fix(path: Path | str, fix: LineFix) -> None:
    """Add `fix` to the file at `path` (created when missing), replacing any fix of the
    same line: read, changed and written under the file's lock."""
    with locked(path):
        fixes = [f for f in load_fixes(path) if f.key != fix.key]
        save_fixes(path, [*fixes, fix])


def remove_fix(path: Path | str, chapter: int, text: str, nth: int = 1) -> bool:
    """Drop the fix of one line from the file at `path`, under its lock; False when the
    file has none for that line (nothing is written)."""
    key = LineFix(chapter, text, None, nth).key
    with locked(path):
        fixes = load_fixes(path)
        kept = [f for f in fixes if f.key != key]
        if len(kept) == len(fixes):
            return False
        save_fixes(path, kept)
        return True


def fix_for(segments: Sequence[Segment], segment: Segment, speaker: str | None) -> LineFix:
    """The fix that gives `segment` (one of `segments`, the book's) to `speaker`: its
    chapter, its text and which of the chapter's lines with that text it is."""
    key = normal(segment.text)
    nth = 0
    for other in segments:
        if other.chapter == segment.chapter and normal(other.text) == key and _fixable(other):
            nth += 1
            if other.index == segment.index:
                return LineFix(segment.chapter, segment.text, speaker, nth)
    raise ValueError(f"segment {segment.chapter}:{segment.index} is not a line of `segments`")


# --- applying ----------------------------------------------------------------------


def _fixable(segment: Segment) -> bool:
    """A line a fix may give a speaker: dialogue or narration, not a heading or pause."""
    return segment.kind in ("dialogue", "narration")


def apply_fixes(
    segments: Sequence[Segment], fixes: Iterable[LineFix], chapters: Collection[int] | None = None
) -> FixReport:
    """`segments` with each fix applied to its line; fixes whose line cannot be found are
    `stale`. `chapters` limits the fixes to those chapters (the ones read, with
    `--chapters`): the others are neither applied nor stale.

    A fix finds its line by chapter and text (`normal`): the `nth` line with the text;
    else (the reader now splits the line) the `nth` run of consecutive lines that together
    read as the text, and every line of the run is fixed; else (the reader now joins the
    line to more) the one line of the chapter that holds the text, when only one does and
    `nth` is 1. A line fixed exactly is never taken by another fix's looser match.
    """
    out = list(segments)
    by_chapter: dict[int, list[int]] = defaultdict(list)
    for position, segment in enumerate(out):
        if _fixable(segment):
            by_chapter[segment.chapter].append(position)
    keys = {p: normal(out[p].text) for positions in by_chapter.values() for p in positions}
    wanted = [f for f in fixes if chapters is None or f.chapter in chapters]
    exact: dict[tuple[int, str], list[int]] = defaultdict(list)
    for chapter, positions in by_chapter.items():
        for p in positions:
            exact[(chapter, keys[p])].append(p)

    targets: dict[int, LineFix] = {}
    loose: list[LineFix] = []
    for fix in wanted:
        found = exact.get((fix.chapter, normal(fix.text)), [])
        if len(found) >= fix.nth:
            targets[found[fix.nth - 1]] = fix  # a later fix of one line wins
        else:
            loose.append(fix)
    stale: list[LineFix] = []
    applied = len(wanted) - len(loose)
    for fix in loose:
        positions = _loose_match(fix, by_chapter.get(fix.chapter, []), keys)
        if not positions or any(p in targets for p in positions):
            stale.append(fix)
            continue
        for p in positions:
            targets[p] = fix
        applied += 1
    for p, fix in targets.items():
        out[p] = fixed(out[p], fix.speaker)
    return FixReport(segments=out, applied=applied, stale=stale)


def _loose_match(fix: LineFix, positions: Sequence[int], keys: dict[int, str]) -> list[int]:
    """The lines a fix of a line the reader now cuts or joins otherwise stands for: the
    `nth` run of consecutive lines that read as its text, else the one line holding it."""
    want = normal(fix.text)
    runs: list[list[int]] = []
    for i, start in enumerate(positions):
        if not keys[start] or not want.startswith(keys[start]) or keys[start] == want:
            continue
        run, joined = [start], keys[start]
        for p in positions[i + 1 :]:
            if not want.startswith(joined + keys[p]):
                break
            run.append(p)
            joined += keys[p]
            if joined == want:
                runs.append(run)
                break
    if len(runs) >= fix.nth:
        return runs[fix.nth - 1]
    if fix.nth != 1:
        return []
    holding = [p for p in positions if want in keys[p]]
    if len(holding) == 1 and keys[holding[0]].count(want) == 1:
        return holding
    return []


def fixed(segment: Segment, speaker: str | None) -> Segment:
    """`segment` as a fix gives it: `speaker`'s line (dialogue, sure), or narration."""
    if speaker is None:
        return replace(segment, kind="narration", speaker=None, confidence=None, method=FIXED)
    return replace(segment, kind="dialogue", speaker=speaker, confidence=1.0, method=FIXED)


def recount(
    characters: Sequence[Character], before: Sequence[Segment], after: Sequence[Segment]
) -> list[Character]:
    """The characters once fixes changed who speaks (`before` -> `after`): each with its
    new count of lines (an alias's lines are its character's), a name only fixes give
    lines added at the end, and a character whose every line a fix took away dropped."""

    def counts(segments: Sequence[Segment]) -> Counter[str]:
        return Counter(
            alias_of.get(s.speaker, s.speaker)
            for s in segments
            if s.kind == "dialogue" and s.speaker is not None
        )

    alias_of = {alias: c.name for c in characters for alias in c.aliases}
    had, has = counts(before), counts(after)
    kept = [
        replace(c, lines=has[c.name])
        for c in characters
        if has[c.name] or not had[c.name]  # listed, never speaking: as it was
    ]
    known = {c.name for c in characters}
    kept += [Character(name=n, lines=k) for n, k in has.items() if n not in known]
    return kept


def describe_report(report: FixReport, path: Path | str) -> str:
    """What `script` and `render` say of the fixes they applied: '12 line fixes applied
    from output/x.fixes.yaml, 1 no longer matches: ch 3 “…”'."""
    count = report.applied
    said = f"{count} line fix{'' if count == 1 else 'es'} applied from {path}"
    if not report.stale:
        return said
    shown = "; ".join(f"ch {f.chapter} “{short(f.text, 24)}”" for f in report.stale[:3])
    more = f"; and {len(report.stale) - 3} more" if len(report.stale) > 3 else ""
    n = len(report.stale)
    verb = "no longer matches" if n == 1 else "no longer match"
    why = "its line is gone or changed; fix it again, or delete it from the file"
    return f"{said}, {n} {verb}: {shown}{more} ({why})"
