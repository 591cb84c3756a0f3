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

A text that YAML would read otherwise is written in double quotes (`text: "Don't: go"`).

Every write replaces the file whole (`tts.atomic`); `set_fix` and `remove_fix` read, change
and write it under the file's lock, so two tabs or processes never lose each other's fix
(the last write of one line wins).
"""

from __future__ import annotations

import re
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

_QUOTE_MARKS = "\"'“”‘’‚‛„‟«»‹›「」『』﹁﹂﹃﹄＂＇"
_DROP_QUOTES = str.maketrans("", "", _QUOTE_MARKS)
_FOLD: dict[int, int | None] = {
    **{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)},  # full-width ASCII
    **{ord(ch): None for ch in _QUOTE_MARKS + " \t\n\r\v\f\u3000\xa0\u200b"},
}
"""What `normal` does in one pass to the usual line (NFKC only for what is left)."""


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
    folded = text.translate(_FOLD)
    if unicodedata.is_normalized("NFKC", folded):
        return folded if folded.isprintable() else "".join(folded.split())
    folded = unicodedata.normalize("NFKC", folded)
    return "".join(folded.split()).translate(_DROP_QUOTES)


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
    """`load_fixes` for text already read.

    A file as `dump_fixes` writes it (and as a hand edit that keeps its form leaves it) is
    read line by line (`_read_own_form`: 2,000 fixes in milliseconds, where a YAML parser
    takes a second, too long for each click in the studio); any other YAML goes through
    ruamel, which also gives every mistake its line."""
    own = _read_own_form(text)
    if own is not None:
        return _last_per_line(own)
    return parse_yaml(text, source=source)


def parse_yaml(text: str, *, source: str = "fixes.yaml") -> list[LineFix]:
    """`parse_fixes` by a YAML parser, whatever the file's form."""
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
    return _last_per_line(
        _fix(item, f"{source}:{data.lc.item(i)[0] + 1}") for i, item in enumerate(data)
    )


def _last_per_line(fixes: Iterable[LineFix]) -> list[LineFix]:
    """`fixes` in order, a line fixed twice keeping its later fix (in the later place)."""
    found: dict[tuple[int, str, int], LineFix] = {}
    for fix in fixes:
        found.pop(fix.key, None)
        found[fix.key] = fix
    return list(found.values())


# The file's own form: what `dump_fixes` writes, read without a YAML parser. A value is a
# plain scalar only where YAML reads it as the same text (`_plain`), else double-quoted
# with the escapes `_quoted` writes; anything else in the file sends it to ruamel.

_ITEM = re.compile(r"( *)- chapter: ([1-9][0-9]{0,8})")
_FIELD = re.compile(r"( *)(text|speaker|narration|nth): (.+)")
_ESCAPE = re.compile(r'\\(?:(["\\])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))')
_PLAIN_START = re.compile(r"[^\x00-\x7f]")
"""A plain value starts with a character past ASCII ('钱', '“'): no YAML indicator, number,
boolean or null starts so."""


def _plain(value: str) -> bool:
    """Whether YAML reads `value`, written bare after 'key: ', as this very text."""
    return (
        _PLAIN_START.match(value) is not None
        and value.isprintable()
        and value == value.strip()
        and ": " not in value
        and " #" not in value
        and not value.endswith(":")
        and "\ufeff" not in value
    )


def _quoted(value: str) -> str:
    """`value` as a YAML double-quoted scalar: printable characters as they are."""
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable() and ch != "\ufeff":
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def _scalar(raw: str) -> str | None:
    """A text value as `dump_fixes` writes it, read; None for any other form."""
    if not raw.startswith('"'):
        return raw if _plain(raw) else None
    if len(raw) < 2 or not raw.endswith('"'):
        return None
    body = raw[1:-1]
    pieces: list[str] = []
    at = 0
    for match in _ESCAPE.finditer(body):
        plain = body[at : match.start()]
        if '"' in plain or "\\" in plain:
            return None
        pieces.append(plain)
        char, *codes = match.groups()
        code = next((c for c in codes if c), None)
        pieces.append(char if char else chr(int(code or "0", 16)))
        at = match.end()
    rest = body[at:]
    if '"' in rest or "\\" in rest:
        return None
    pieces.append(rest)
    return "".join(pieces)


def _read_own_form(text: str) -> list[LineFix] | None:
    """The fixes of a file in `dump_fixes`'s form; None for a file in any other."""
    lines = text.split("\n")
    at = 0
    while at < len(lines) and (not lines[at].strip() or lines[at].startswith("#")):
        at += 1
    if at == len(lines):
        return []
    if lines[at] == "fixes: []":
        rest = lines[at + 1 :]
        return [] if all(not x.strip() or x.lstrip().startswith("#") for x in rest) else None
    if lines[at] != "fixes:":
        return None
    fixes: list[LineFix] = []
    item: dict[str, str] | None = None
    indent = -1

    def close() -> bool:
        if item is None:
            return True
        fix = _own_fix(item)
        if fix is None:
            return False
        fixes.append(fix)
        return True

    for line in lines[at + 1 :]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        start = _ITEM.fullmatch(line)
        if start is not None:
            if not close() or (indent >= 0 and len(start[1]) != indent):
                return None
            indent = len(start[1])
            item = {"chapter": start[2]}
            continue
        field = _FIELD.fullmatch(line)
        if (
            field is None
            or item is None
            or len(field[1]) != indent + 2
            or field[2] in item
            or "\t" in line
        ):
            return None
        item[field[2]] = field[3]
    return fixes if close() else None


def _own_fix(item: dict[str, str]) -> LineFix | None:
    text = _scalar(item["text"]) if "text" in item else None
    nth = item.get("nth", "1")
    if text is None or not normal(text) or not re.fullmatch(r"[1-9][0-9]{0,8}", nth):
        return None
    narration = item.get("narration")
    if narration is not None:
        if narration != "true" or "speaker" in item:
            return None
        return LineFix(int(item["chapter"]), text, None, int(nth))
    speaker = _scalar(item["speaker"]) if "speaker" in item else None
    if speaker is None or not speaker.strip() or speaker != speaker.strip():
        return None
    return LineFix(int(item["chapter"]), text, speaker, int(nth))


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
    out = [f"# {line}".rstrip() + "\n" for line in HEADER.splitlines()]
    ordered = sorted(fixes, key=lambda f: f.chapter)
    out.append("fixes:\n" if ordered else "fixes: []\n")
    for fix in ordered:
        out.append(f"  - chapter: {fix.chapter}\n    text: {_value(fix.text)}\n")
        if fix.speaker is None:
            out.append("    narration: true\n")
        else:
            out.append(f"    speaker: {_value(fix.speaker)}\n")
        if fix.nth != 1:
            out.append(f"    nth: {fix.nth}\n")
    return "".join(out)


def _value(text: str) -> str:
    return text if _plain(text) else _quoted(text)


def save_fixes(path: Path | str, fixes: Iterable[LineFix]) -> None:
    """Write `fixes` to `path` whole (atomically), as `dump_fixes` writes them."""
    text = dump_fixes(fixes)
    with replacing(path, fix="check that its folder can be written") as tmp:
        tmp.write_text(text, encoding="utf-8")


def set_fix(path: Path | str, fix: LineFix) -> None:
    """Add `fix` to the file at `path` (created when missing), replacing any fix of the
    same line: read, changed and written under the file's lock. A fix with no line to name
    (an empty text, a chapter or nth below 1) or an empty speaker is a ConfigError."""
    if fix.chapter < 1 or fix.nth < 1 or not normal(fix.text):
        raise ConfigError(
            f"no line to fix: chapter {fix.chapter}, nth {fix.nth}, text '{short(fix.text)}'; "
            "give the chapter (from 1) and the line's text"
        )
    if fix.speaker is not None:
        if not fix.speaker.strip() or "\n" in fix.speaker:
            raise ConfigError(
                f"speaker '{short(fix.speaker)}' is no name; give the character's name, or "
                "None for the narrator"
            )
        fix = replace(fix, speaker=fix.speaker.strip())
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
    wanted = [f for f in fixes if chapters is None or f.chapter in chapters]
    fixed_chapters = {f.chapter for f in wanted}
    by_chapter: dict[int, list[int]] = defaultdict(list)
    for position, segment in enumerate(out):
        if segment.chapter in fixed_chapters and _fixable(segment):
            by_chapter[segment.chapter].append(position)
    keys = {p: normal(out[p].text) for positions in by_chapter.values() for p in positions}
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
