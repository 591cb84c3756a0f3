"""The attribution development set (tests/data/attribution/*.yaml, format in its README).

One reader of the labelled passages and one rule for a right answer, shared by the tests
(tests/test_attribute.py) and the accuracy bench (bench/attribution.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import opencc
from ruamel.yaml import YAML

from tts.model import Book, Chapter, Character, Paragraph
from tts.speakers.roster import fold

DATA = Path(__file__).resolve().parent / "data" / "attribution"
_S2T = opencc.OpenCC("s2t")  # one converter for every passage, not one each


@dataclass
class Label:
    speaker: str
    """As in the passage's `characters`; '-' when nobody named speaks."""
    pattern: str
    fail: bool
    """A known failure ('!fail'), kept visible."""


@dataclass
class Passage:
    id: str
    lang: str
    """zh-Hans, zh-Hant or en; zh-Hant* for a Simplified passage converted by `traditional`."""
    text: str
    characters: list[Character]
    labels: list[Label]
    holdout: bool = False
    """Written after the rules were settled and never tuned on: an estimate for unseen books."""


def load(data: Path = DATA) -> list[Passage]:
    yaml = YAML(typ="safe")
    out: list[Passage] = []
    for path in sorted(data.glob("*.yaml")):
        for raw in yaml.load(path.read_text(encoding="utf-8")) or []:
            chars = [
                Character(c["name"], tuple(c.get("aliases") or ()), c.get("gender"))
                for c in raw.get("characters") or []
            ]
            labels = []
            for q in raw["quotes"]:
                parts = q.split()
                fail = parts[-1] == "!fail"
                if fail:
                    parts.pop()
                labels.append(Label(" ".join(parts[:-1]), parts[-1], fail))
            out.append(
                Passage(
                    raw["id"], raw["lang"], raw["text"], chars, labels, bool(raw.get("holdout"))
                )
            )
    return out


def traditional(p: Passage) -> Passage:
    """The Simplified passage in Traditional characters with 「」 quotes."""
    table = str.maketrans({"“": "「", "”": "」", "‘": "『", "’": "』"})
    text = _S2T.convert(p.text).translate(table)
    chars = [
        Character(_S2T.convert(c.name), tuple(_S2T.convert(a) for a in c.aliases), c.gender)
        for c in p.characters
    ]
    labels = [Label(_S2T.convert(lb.speaker), lb.pattern, lb.fail) for lb in p.labels]
    return Passage(p.id, "zh-Hant*", text, chars, labels, p.holdout)


def book_of(p: Passage) -> Book:
    lang = "zh-Hant" if p.lang.startswith("zh-Hant") else p.lang
    paras = tuple(
        Paragraph(line.strip(), n, scene_break=line.strip() in ("......", "***", "……"))
        for n, line in enumerate(p.text.splitlines(), 1)
        if line.strip()
    )
    return Book(p.id, p.id, lang, (Chapter(1, None, paras),))  # type: ignore[arg-type]


def same_person(predicted: str | None, truth: str, cast: list[Character]) -> bool:
    """The prediction names the speaker (any alias, either script); '-' is nobody named."""
    if truth == "-":
        return predicted is None
    if predicted is None:
        return False
    names = {fold(truth)}
    for c in cast:
        if fold(c.name) == fold(truth):
            names |= {fold(a) for a in c.aliases}
    return fold(predicted) in names
