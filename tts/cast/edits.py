"""Cast fixes written into the user's voices.yaml: rename a character, merge two (one
becomes the other's alias), mark a name as nobody (`not_characters`), set a gender, set a
voice. What the studio's "fix the cast" does, and what anyone may do by hand.

Each edit changes the file in place, in the format the README documents: the user's other
entries, their order and comments stay as they were (ruamel's round trip). The file is
read, changed and replaced whole under its lock (`tts.atomic`), so two tabs editing one
book never lose either's change. An edit that would leave a file `tts.cast.config` refuses
(a voice the engine lacks, a bad rate) is refused and writes nothing; a file that already
has mistakes is left alone, with the errors that say what to fix first.

Each edit creates the file at the path given when there is none (the studio passes the
`--voices` file, else `./voices.yaml`), starting with a header that says what it is; the
returned `Edit` says whether it did.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from tts import registry
from tts.atomic import locked, replacing
from tts.cast.config import VoicesConfig, parse_config, read_voices_text, voice_key
from tts.cast.writer import new_document, round_trip
from tts.errors import ConfigError
from tts.model import Gender, ProsodyKey, parse_prosody
from tts.read.limits import short

Role = Literal["narrator", "unknown"]


@dataclass(frozen=True)
class Edit:
    """What an edit did to a voices.yaml."""

    path: Path
    """The file edited (or created)."""
    created: bool = False
    """There was no file: this edit made it."""
    changed: bool = True
    """False when the file already said so and was left as it was."""


class _Unchanged(Exception):
    """An edit found the file already as asked."""


def _edit(path: Path | str, change: Callable[[CommentedMap, VoicesConfig], None]) -> Edit:
    """Read voices.yaml at `path` under its lock, let `change` change its document (given
    the file as checked), check the result and replace the file with it."""
    target = Path(path)
    source = str(path)
    with locked(target):
        existing = read_voices_text(target) if target.exists() else ""
        created = not target.exists()
        config = parse_config(existing, source=source)  # a file with mistakes: fix them first
        yaml, data = round_trip(existing)
        if data is None:
            data = new_document()
        if not isinstance(data, CommentedMap):  # parse_config refused it already
            raise ConfigError(f"{source}: not a voices file; start it with 'speakers:'")
        try:
            change(data, config)
        except _Unchanged:
            return Edit(target, created=False, changed=False)
        out = io.StringIO()
        yaml.dump(data, out)
        text = out.getvalue()
        try:
            parse_config(text, source=source)
        except ConfigError as exc:
            raise ConfigError(
                *(f"{source}: not changed: {_unplaced(p, source)}" for p in exc.problems)
            ) from None
        with replacing(target, fix="check that its folder can be written") as tmp:
            tmp.write_text(text, encoding="utf-8")
    return Edit(target, created=created)


def _unplaced(problem: str, source: str) -> str:
    """A problem of the edited text without its line (a line of a file not written)."""
    return re.sub(rf"^{re.escape(source)}:\d+: ", "", problem)


# --- who is who ------------------------------------------------------------------


def _name(name: str, what: str = "name") -> str:
    clean = name.strip()
    if not clean:
        raise ConfigError(f"the {what} is empty; give the character's name")
    if "\n" in clean:
        raise ConfigError(f"the {what} '{short(clean)}' spans lines; give a name on one line")
    return clean


def _owner(config: VoicesConfig, name: str) -> str | None:
    """The speaker voices.yaml lists under `name` or with `name` among its aliases."""
    if name in config.speakers:
        return name
    return next((s.name for s in config.speakers.values() if name in s.aliases), None)


def _speakers(data: CommentedMap) -> CommentedMap:
    speakers = data.get("speakers")
    if not isinstance(speakers, CommentedMap):
        speakers = CommentedMap()
        data["speakers"] = speakers
    return speakers


def _entry(data: CommentedMap, name: str) -> CommentedMap:
    """The mapping of speaker `name`, made when missing; the shorthand `name: VOICE` (or
    an empty entry) becomes a mapping with the voice under its engine's key."""
    speakers = _speakers(data)
    value = speakers.get(name)
    if isinstance(value, CommentedMap):
        return value
    entry = CommentedMap()
    if isinstance(value, str) and value.strip():
        voice = value.strip()
        entry[voice_key(registry.engine_of(voice))] = voice
    speakers[name] = entry
    return entry


def _aliases(entry: CommentedMap) -> list[str]:
    value = entry.get("aliases")
    if isinstance(value, list):
        return [str(a) for a in value]
    if isinstance(value, str) and value.strip():
        return [value.strip()]
    return []


def _set_aliases(entry: CommentedMap, aliases: list[str], name: str) -> None:
    """The entry's aliases, each once, never its own name; the key goes when none is left.
    A list the user wrote keeps its style; a new one is written [in, brackets]."""
    wanted: list[str] = []
    for alias in aliases:
        if alias != name and alias not in wanted:
            wanted.append(alias)
    current = entry.get("aliases")
    if not wanted:
        if "aliases" in entry:
            del entry["aliases"]
        return
    if isinstance(current, CommentedSeq):
        current[:] = wanted
        return
    seq = CommentedSeq(wanted)
    seq.fa.set_flow_style()
    if "aliases" in entry:
        entry["aliases"] = seq
    else:
        entry.insert(0, "aliases", seq)


def _nobody(data: CommentedMap) -> list[str]:
    value = data.get("not_characters")
    if isinstance(value, list):
        return [str(n) for n in value]
    if isinstance(value, str) and value.strip():
        return [value.strip()]
    return []


def _set_nobody(data: CommentedMap, names: list[str]) -> None:
    current = data.get("not_characters")
    if not names:
        if "not_characters" in data:
            del data["not_characters"]
        return
    if isinstance(current, CommentedSeq):
        current[:] = names
        return
    seq = CommentedSeq(names)
    seq.fa.set_flow_style()
    data["not_characters"] = seq


def _unmark(data: CommentedMap, *names: str) -> None:
    """`names` leave `not_characters`: they are someone after all."""
    listed = _nobody(data)
    kept = [n for n in listed if n not in names]
    if kept != listed:
        _set_nobody(data, kept)


def _delete(mapping: CommentedMap, key: str) -> None:
    """Remove `key`'s entry from `mapping`, and its comments on its own lines; the comment
    lines after it, which ruamel keeps with its last value though they stand before what
    follows, stay in their place (at the end of the entry before, or before the next)."""
    keys = list(mapping)
    position = keys.index(key)
    container, slot, index = _tail(mapping, key)
    token = (container.ca.items.get(slot) or [None] * 4)[index]
    rest = ""
    if token is not None:
        text = str(token.value)
        rest = text[text.index("\n") + 1 :] if "\n" in text else ""
    del mapping[key]
    mapping.ca.items.pop(key, None)
    if not rest.strip():
        return
    if position > 0:
        container, slot, index = _tail(mapping, keys[position - 1])
        items = container.ca.items.setdefault(slot, [None] * 4)
        before = items[index]
        value = str(before.value) if before is not None else "\n"
        items[index] = CommentToken(value + rest, CommentMark(0))
    elif position < len(keys) - 1:
        lines = [line.strip() for line in rest.splitlines()]
        text = "\n".join(line[1:].strip() if line.startswith("#") else "" for line in lines)
        column = next((len(x) - len(x.lstrip()) for x in rest.splitlines() if x.strip()), 0)
        mapping.yaml_set_comment_before_after_key(keys[position + 1], before=text, indent=column)


def _tail(container: Any, key: Any) -> tuple[Any, Any, int]:
    """Where ruamel keeps the comment after the last line of `container[key]`: the
    container, the key (or index) and the slot of its comment list (2 in a mapping, 0 in
    a list)."""
    value = container[key]
    if isinstance(value, CommentedMap) and len(value) and not value.fa.flow_style():
        return _tail(value, list(value)[-1])
    if isinstance(value, CommentedSeq) and len(value) and not value.fa.flow_style():
        return _tail(value, len(value) - 1)
    return container, key, 0 if isinstance(container, CommentedSeq) else 2


def _rename_key(mapping: CommentedMap, old: str, new: str) -> None:
    """`old` becomes `new` in its place, with its value and the comments beside it."""
    position = list(mapping).index(old)
    value = mapping.pop(old)
    mapping.insert(position, new, value)
    comment = mapping.ca.items.pop(old, None)
    if comment is not None:
        mapping.ca.items[new] = comment


# --- the edits -------------------------------------------------------------------


def rename_character(path: Path | str, old: str, new: str) -> Edit:
    """Call the character the book names `old` (or whose entry lists it) `new`: the entry
    is renamed in its place, and the old name kept among its aliases so its lines stay
    its. A name voices.yaml does not list gets an entry `new: {aliases: [old]}`. `new` may
    not be another character's name or alias: merge the two instead."""
    old, new = _name(old, "old name"), _name(new, "new name")

    def change(data: CommentedMap, config: VoicesConfig) -> None:
        owner = _owner(config, old)
        other = _owner(config, new)
        if other is not None and other != owner:
            raise ConfigError(
                f"{config.source}: '{short(new)}' is already a character in voices.yaml "
                f"(line {config.speakers[other].line}); merge '{short(old)}' into it instead "
                "of renaming"
            )
        if owner == new:
            raise _Unchanged
        speakers = _speakers(data)
        if owner is None:
            entry = _entry(data, new)
            _set_aliases(entry, [old], new)
        else:
            _entry(data, owner)
            _rename_key(speakers, owner, new)
            entry = speakers[new]
            _set_aliases(entry, [*(a for a in _aliases(entry) if a != new), owner], new)
        _unmark(data, old, new)

    return _edit(path, change)


def merge_characters(path: Path | str, keep: str, other: str) -> Edit:
    """Make `other` the same person as `keep` ('祁省長' is '祁同偉'): `other`, and the
    aliases of its entry, become aliases of `keep`'s entry (made when missing), and its
    entry goes, `keep`'s taking the settings it lacks (gender, voice, prosody)."""
    keep, other = _name(keep, "name kept"), _name(other, "name merged")

    def change(data: CommentedMap, config: VoicesConfig) -> None:
        kept = _owner(config, keep) or keep
        gone = _owner(config, other)
        if gone == kept or other == kept:
            raise _Unchanged
        speakers = _speakers(data)
        entry = _entry(data, kept)
        moved = [other]
        if gone is not None:
            old = _entry(data, gone)
            moved = [gone, *_aliases(old), other]
            for key, value in old.items():
                if key != "aliases" and key not in entry:
                    entry[key] = value
            _delete(speakers, gone)
        _set_aliases(entry, [*_aliases(entry), *moved], kept)
        _unmark(data, kept, *moved)

    return _edit(path, change)


def mark_not_character(path: Path | str, name: str) -> Edit:
    """`name` is nobody ('Later', 'Nay'): it joins `not_characters`, so its lines go to the
    unknown voice; an entry or alias voices.yaml gave it goes."""
    name = _name(name)

    def change(data: CommentedMap, config: VoicesConfig) -> None:
        if name in config.not_characters:
            raise _Unchanged
        owner = _owner(config, name)
        if owner == name:
            _delete(_speakers(data), name)
        elif owner is not None:
            entry = _entry(data, owner)
            _set_aliases(entry, [a for a in _aliases(entry) if a != name], owner)
        _set_nobody(data, [*_nobody(data), name])

    return _edit(path, change)


def unmark_not_character(path: Path | str, name: str) -> Edit:
    """`name` leaves `not_characters` (`changed` False when it was not there)."""
    name = _name(name)

    def change(data: CommentedMap, config: VoicesConfig) -> None:
        if name not in config.not_characters:
            raise _Unchanged
        _unmark(data, name)

    return _edit(path, change)


def set_gender(path: Path | str, name: str, gender: Gender | None) -> Edit:
    """The character `name` (or whose entry lists it) is a man or a woman; None lets the
    book tell again. Casting then gives them a voice of that gender."""
    name = _name(name)
    if gender not in ("male", "female", None):
        raise ConfigError(f"gender '{short(str(gender))}' is not male or female; choose one")

    def change(data: CommentedMap, config: VoicesConfig) -> None:
        owner = _owner(config, name) or name
        listed = config.speakers.get(owner)
        if listed is not None and listed.gender == gender:
            raise _Unchanged
        if listed is None and gender is None:
            raise _Unchanged
        entry = _entry(data, owner)
        if gender is None:
            entry.pop("gender", None)
        else:
            entry["gender"] = gender
        _unmark(data, name)

    return _edit(path, change)


def set_voice(
    path: Path | str,
    name: str,
    voice: str,
    *,
    engine: str,
    rate: str | None = None,
    pitch: str | None = None,
) -> Edit:
    """The character `name` (or whose entry lists it) speaks with `voice` of `engine`
    (under that engine's key: `voice:` for Edge, `espeak:` for espeak), at `rate` and
    `pitch` when given ('+10%', '-2Hz'; None leaves them as they are). A voice the engine
    lacks is refused with the closest names, as voices.yaml's own check says."""
    name = _name(name)

    def change(data: CommentedMap, config: VoicesConfig) -> None:
        owner = _owner(config, name) or name
        _set_voice_keys(_entry(data, owner), voice, engine, rate, pitch)
        _unmark(data, name)

    return _edit(path, change)


def set_role_voice(
    path: Path | str,
    role: Role,
    voice: str,
    *,
    engine: str,
    rate: str | None = None,
    pitch: str | None = None,
) -> Edit:
    """The narrator's (or the unknown speaker's) voice, as `set_voice` sets a character's."""
    if role not in ("narrator", "unknown"):
        raise ConfigError(f"'{short(str(role))}' is not a role; choose narrator or unknown")

    def change(data: CommentedMap, config: VoicesConfig) -> None:
        value = data.get(role)
        if not isinstance(value, CommentedMap):
            entry = CommentedMap()
            if isinstance(value, str) and value.strip():
                entry[voice_key(registry.engine_of(value.strip()))] = value.strip()
            data[role] = entry
            value = entry
        _set_voice_keys(value, voice, engine, rate, pitch)

    return _edit(path, change)


def _set_voice_keys(
    entry: CommentedMap, voice: str, engine: str, rate: str | None, pitch: str | None
) -> None:
    key = registry.info(engine).voice_key
    entry[key] = _name(voice, "voice name")
    prosody: tuple[tuple[ProsodyKey, str | None], ...] = (("rate", rate), ("pitch", pitch))
    for field, value in prosody:
        if value is None:
            continue
        parse_prosody(field, value, label=field)
        entry[field] = DoubleQuotedScalarString(value)


__all__ = [
    "Edit",
    "merge_characters",
    "mark_not_character",
    "rename_character",
    "set_gender",
    "set_role_voice",
    "set_voice",
    "unmark_not_character",
]
