"""Adding characters to a voices.yaml the user keeps: `cast --write`.

The file is extended, never rewritten from scratch: the user's entries, their order and
comments stay as they were, and each character the file lacks is appended with the voice
the cast gave it. A new file starts with a short header and the narrator's and unknown
voices. Checking the file is `tts.cast.config`'s job; a file with mistakes is not
touched. The file is read, extended and replaced under its lock (`tts.atomic.locked`), as
the studio's edits (`tts.cast.edits`) are.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from tts.atomic import locked, replacing
from tts.cast.casting import reads_as_narrator
from tts.cast.config import VoiceLists, parse_config, read_voices_text, voice_key
from tts.model import Cast, Character, Voice

_NEW_FILE_HEADER = """\
Voices for the audiobook: edit freely, then render again.
Each speaker: aliases (other names), gender (male/female), voice (Edge),
espeak (offline engine), rate "+5%", pitch "-2Hz", volume "+0%".
Run 'audiobook voices --locale zh-CN' (or en-US) to list the voices."""


_STORYTELLER_COMMENT = (
    "the first-person narrator: read in the narrator's voice "
    "(give a voice here, or write 'first_person: own' under narrator:)"
)


def write_voices_yaml(
    path: Path | str,
    characters: Sequence[Character],
    cast: Cast,
    *,
    voices: VoiceLists | None = None,
) -> list[str]:
    """Create or extend a voices.yaml with the characters it lacks; return the names added.

    What the user wrote (entries, order, comments) is kept; new characters get their
    aliases, gender and the voice `cast` gave them, so rendering with the file gives the
    same cast; a first-person narrator read in the narrator's voice is listed without a
    voice, and a comment says how to give them one. A new file also names the narrator and
    unknown voices. A file with mistakes is left alone: the error says what to fix first.
    """
    target = Path(path)
    with locked(target):
        return _extend(target, str(path), characters, cast, voices)


def _extend(
    target: Path,
    source: str,
    characters: Sequence[Character],
    cast: Cast,
    voices: VoiceLists | None,
) -> list[str]:
    existing = read_voices_text(target) if target.exists() else ""
    config = parse_config(existing, source=source, voices=voices)
    yaml, data = round_trip(existing)
    if data is None:
        data = new_document()
        data["narrator"] = _voice_entry(cast.narrator, with_defaults=False)
        data["unknown"] = _voice_entry(cast.unknown, with_defaults=False)
    speakers = data.get("speakers")
    if not isinstance(speakers, CommentedMap):
        speakers = CommentedMap()
        data["speakers"] = speakers

    claimed = set(config.speakers)
    for setting in config.speakers.values():
        claimed.update(setting.aliases)
    added: list[str] = []
    for character in characters:
        name = character.name
        if name in claimed:
            continue
        entry = CommentedMap()
        aliases = [a for a in character.aliases if a not in claimed and a != name]
        if aliases:
            seq = CommentedSeq(aliases)
            seq.fa.set_flow_style()
            entry["aliases"] = seq
        if character.gender is not None:
            entry["gender"] = character.gender
        voice = cast.speakers.get(name)
        storyteller = reads_as_narrator(character, config)
        if voice is not None and not storyteller:
            entry.update(_voice_entry(voice, with_defaults=False))
        speakers[name] = entry
        if storyteller:  # no voice: the narrator's reads them, whatever the narrator's is
            speakers.yaml_add_eol_comment(_STORYTELLER_COMMENT, name)
        claimed.add(name)
        claimed.update(aliases)
        added.append(name)

    _atomic_dump(yaml, data, target)
    return added


def round_trip(text: str) -> tuple[YAML, Any]:
    """A YAML that writes `text` back as it was (indentation, quotes, comments) and the
    document it holds (None for an empty file)."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.allow_unicode = True
    if not text.strip():
        yaml.indent(mapping=2, sequence=4, offset=2)
        return yaml, None
    from ruamel.yaml.util import load_yaml_guess_indent

    yaml.preserve_quotes = True
    data, indent, block_seq_indent = load_yaml_guess_indent(text, yaml=yaml)
    yaml.indent(mapping=indent, sequence=indent, offset=block_seq_indent or 0)
    return yaml, data


def new_document() -> CommentedMap:
    """An empty voices.yaml, its header saying what the file is and how to fill it."""
    data = CommentedMap()
    data.yaml_set_start_comment(_NEW_FILE_HEADER)
    return data


def _voice_entry(voice: Voice, *, with_defaults: bool) -> CommentedMap:
    """A voice as voices.yaml writes it: the name under its engine's key, set prosody only."""
    entry = CommentedMap()
    entry[voice_key(voice.engine)] = voice.name
    neutral = Voice(engine=voice.engine, name=voice.name)
    for key in ("rate", "pitch", "volume"):
        value = getattr(voice, key)
        if with_defaults or value != getattr(neutral, key):
            entry[key] = DoubleQuotedScalarString(value)  # as the docs write "+5%"
    return entry


def _atomic_dump(yaml: YAML, data: Any, target: Path) -> None:
    with replacing(target, fix="check the path given to --write") as tmp:
        with open(tmp, "w", encoding="utf-8") as handle:
            yaml.dump(data, handle)
