"""The labelled corpora (../shared/corpora, see its README) read for training and measuring
who-is-speaking, in process: each document run through `tts.speakers.attribute.attribute`
as `audiobook script` runs it, and each labelled quote found in the segments by its content.

Shared by `bench/train_attribution.py` (which fits the scorer) and
`bench/attribution_corpora.py` (which reports train and dev accuracy per category and the
confidence table). Nothing here is copied into the repository: the texts and labels are read
from the corpora folder at run time.

A quote counts as right the way `../shared/tools/attribution-eval` counts it: the speaker of
the dialogue segment that holds most of its characters is one of the labelled character's
names, or a shorter form of one of them that fits no other character.
"""

from __future__ import annotations

import ast
import csv
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tts.model import Character, Segment  # noqa: E402
from tts.read.plain import build_book  # noqa: E402
from tts.speakers.attribute import attribute  # noqa: E402
from tts.speakers.scorer import Model, Trace  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
PDNC_DEV = (
    "Emma",
    "TheMysteriousAffairAtStyles",
    "AnneOfGreenGables",
    "TheAgeOfInnocence",
    "TheGambler",
)
NARRATOR_ALIASES = {"narr", "_narr"}

_KEEP = re.compile(r"[0-9A-Za-z\u3400-\u9fff]+")
_TITLES = {
    "mr", "mrs", "miss", "ms", "dr", "sir", "lady", "lord", "madame", "monsieur", "mlle", "mme",
    "m", "captain", "colonel", "professor", "the", "old", "young", "little", "aunt", "uncle",
}  # fmt: skip


def norm(text: str) -> str:
    """Letters, digits and Han characters only, lower case: what finds a quote again."""
    return "".join(_KEEP.findall(text)).lower()


def norm_name(name: str | None) -> str:
    return re.sub(r"[\s.]", "", name or "").lower()


def _tokens(name: str) -> set[str]:
    return {t for t in re.findall(r"[a-z]+", name.lower()) if t not in _TITLES}


@dataclass
class Label:
    key: str
    """The quote's normalized text (its first 40 characters for PDNC)."""
    speaker: str
    aliases: list[str]
    category: str


@dataclass
class Doc:
    """One text to attribute: a WP passage or a whole PDNC novel, with its labels."""

    name: str
    language: str
    text: str
    labels: list[Label]
    characters: dict[str, list[str]]
    """Every labelled character of the book: canonical name -> its names."""
    genders: dict[str, str] = field(default_factory=dict)

    def known(self) -> list[Character]:
        """The characters as a voices.yaml naming them would give them."""
        return [
            Character(name, tuple(a for a in names if a != name))
            for name, names in self.characters.items()
        ]


def right(pred: str | None, label: Label, roster: list[list[str]]) -> bool:
    """`pred` names the labelled speaker (or, for the first-person 'I', the narrator)."""
    p = norm_name(pred)
    if not p:
        return False
    aliases = {norm_name(a) for a in label.aliases}
    if p in ("i", "我"):
        return bool(aliases & NARRATOR_ALIASES)
    if p in aliases:
        return True
    if any(p in {norm_name(a) for a in other} for other in roster):
        return False

    def fits(names: list[str]) -> bool:
        for a in names:
            if re.search(r"[a-z]", p):
                tp = _tokens(pred or "")
                if tp and tp <= _tokens(a):
                    return True
            elif len(p) >= 2 and p in norm_name(a):
                return True
        return False

    return fits(label.aliases) and sum(fits(names) for names in roster) == 1


def wp_docs(split: str) -> Iterator[Doc]:
    """The WP passages of `split` ('train' or 'dev')."""
    names: dict[str, list[str]] = {}
    genders: dict[str, str] = {}
    for line in (CORPORA / "wp" / "name_list.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            names[parts[1]] = parts[1:]
            genders[parts[1]] = "female" if parts[0] == "0" else "male"
    path = CORPORA / "wp" / f"wp_{split}_passages.jsonl"
    for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
        text = row["text"]
        labels = [
            Label(
                norm(text[q["char_start"] : q["char_end"]]),
                q["speaker"],
                list(q["speaker_aliases"]),
                q["category"],
            )
            for q in sorted(row["quotes"], key=lambda q: q["char_start"])
        ]
        yield Doc(row["passage_id"], "zh", text, labels, names, genders)


def pdnc_novels(split: str) -> list[str]:
    """The PDNC novels of the suggested split ('train' or 'dev')."""
    every = sorted(p.name for p in (CORPORA / "pdnc").iterdir() if p.is_dir())
    return [n for n in every if (n in PDNC_DEV) == (split == "dev")]


def pdnc_characters(folder: Path) -> dict[str, list[str]]:
    """A PDNC novel's labelled characters, in the list's order: main name -> its names (the
    main name first, then the aliases sorted)."""
    chars: dict[str, list[str]] = {}
    with open(folder / "character_info.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            main = row["Main Name"]
            raw = row["Aliases"]
            aliases = sorted(ast.literal_eval(raw)) if raw.startswith("{") else [main]
            chars[main] = [main] + [a for a in aliases if a != main]
    return chars


def pdnc_doc(novel: str) -> Doc:
    folder = CORPORA / "pdnc" / novel
    text = (folder / "novel_text.txt").read_text(encoding="utf-8")
    chars = pdnc_characters(folder)
    with open(folder / "quotation_info.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    spans = [(ast.literal_eval(r["quoteByteSpans"])[0], r) for r in rows]
    spans.sort(key=lambda x: x[0][0])
    labels = [
        Label(
            norm(text[a:b])[:40],
            r["speaker"],
            chars.get(r["speaker"], [r["speaker"]]),
            r["quoteType"] or "?",
        )
        for (a, b), r in spans
    ]
    return Doc(novel, "en", text, labels, chars)


def docs(name: str) -> Iterator[Doc]:
    """'wp-train', 'wp-dev', 'pdnc-train', 'pdnc-dev' or 'pdnc:NOVEL'."""
    if name.startswith("wp-"):
        yield from wp_docs(name[3:])
    elif name.startswith("pdnc:"):
        yield pdnc_doc(name[5:])
    elif name.startswith("pdnc-"):
        for novel in pdnc_novels(name[5:]):
            yield pdnc_doc(novel)
    else:
        raise SystemExit(f"unknown data set {name!r}")


@dataclass
class Outcome:
    """One labelled quote after attribution."""

    label: Label
    line: int | None
    """Its dialogue line (index among the dialogue segments), None when not found as one."""
    speaker: str | None
    confidence: float
    method: str
    ok: bool


def run_doc(
    doc: Doc, *, with_cast: bool, model: Model | None = None, trace: Trace | None = None
) -> list[Outcome]:
    """Attribute a document and judge each labelled quote."""
    book = build_book(doc.text, source=doc.name, title=doc.name)
    segments, _ = attribute(book, doc.known() if with_cast else (), model=model, trace=trace)
    return judge(doc, segments)


def judge(doc: Doc, segments: list[Segment]) -> list[Outcome]:
    owner: list[int] = []
    pieces: list[str] = []
    dialogue_index: dict[int, int] = {}
    for i, seg in enumerate(segments):
        n = norm(seg.text)
        pieces.append(n)
        owner.extend([i] * len(n))
        if seg.kind == "dialogue":
            dialogue_index[i] = len(dialogue_index)
    stream = "".join(pieces)
    roster = list(doc.characters.values())
    pos = 0
    out: list[Outcome] = []
    for label in doc.labels:
        at = stream.find(label.key, pos) if label.key else -1
        if at < 0 and label.key:
            at = stream.find(label.key)
        else:
            pos = at + len(label.key)
        if at < 0:
            out.append(Outcome(label, None, None, 0.0, "not-found", False))
            continue
        votes: dict[int, int] = {}
        for i in owner[at : at + len(label.key)]:
            if i in dialogue_index:
                votes[i] = votes.get(i, 0) + 1
        if not votes:
            out.append(Outcome(label, None, None, 0.0, "narration", False))
            continue
        best = max(votes, key=lambda i: (votes[i], -i))
        seg = segments[best]
        ok = right(seg.speaker, label, roster)
        out.append(
            Outcome(
                label,
                dialogue_index[best],
                seg.speaker,
                seg.confidence or 0.0,
                seg.method or "",
                ok,
            )
        )
    return out
