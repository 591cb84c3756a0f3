"""How good is the character roster on real, labelled novels? Recall and precision.

    .venv/bin/python bench/roster_quality.py [--corpora ../shared/corpora] [--no-jieba]
                                             [--sets wp-train wp-dev pdnc-dev pdnc-train]

Reads the labelled corpora (never copied into the repository; see their README): WP's
passages with `wp/name_list.txt`, and each PDNC novel with its `character_info.csv`. Each WP
passage is read as a book of its own (as `attribution-eval` runs it); each PDNC novel whole.

- recall: the share of labelled quotes whose speaker is a character of the roster (one of
  the roster's names or aliases is one of the speaker's labelled names, or a shorter form of
  one that fits no other labelled character: 少平 for 孙少平, Poirot for Hercule Poirot);
- precision: the share of the roster's characters that are labelled characters (role nouns
  like 儿子 and stray capitalised words like "Nay" count against it; so does a real person
  the corpus did not label, so read it as a floor);
- stray: the share of the lines of dialogue the attribution gave to characters that are not
  labelled ones (what a listener hears of the roster's mistakes);
- split: the share of labelled quotes whose speaker is two or more of the roster's
  characters that were given lines (Newland, Archer and Newland Archer: one man's lines
  shared among three candidates);
- gender: of the lines given to labelled characters whose gender the corpus gives (WP's
  `name_list.txt`, PDNC's `Gender` M/F), the share whose character the roster gives that
  gender (`swap`: the other one; the rest are undecided): what decides a man's or a woman's
  voice when no voices.yaml says.

`--show` prints, per book, the roster's characters that are not labelled ones (with the lines
they were given), the labelled speakers missed (with their quotes) and the genders swapped.

For Chinese it also measures a finder built on a maintained segmenter with a person-name tag
(jieba's part-of-speech mode: words tagged nr/nrfg/nrt), two ways: every such word in the
passage (`jieba nr`), and those that recur or stand right before a speech verb
(`jieba nr+use`), with jieba's speed in characters per second beside the roster's (the
whole `attribute` call, roster included). jieba is optional: `pip install jieba`.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tts.speakers.attribute as attribution  # noqa: E402
from tts.read.load import load_book  # noqa: E402
from tts.speakers.roster import Roster, fold  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))

from corpora import PDNC_DEV, _tokens  # noqa: E402

_SPEECH_AFTER = re.compile(r"^(?:[说問问喊叫答道笑]|回答|插嘴|对|向|跟)")


def norm(name: str) -> str:
    return re.sub(r"[\s.·]", "", fold(name))


def fits(form: str, aliases: list[str]) -> bool:
    """`form` is a shorter form of one of `aliases` (its words, titles aside; or for Chinese
    two or more of its characters)."""
    f = norm(form)
    for a in aliases:
        if re.search(r"[a-z]", f):
            tf = _tokens(form)
            if tf and tf <= _tokens(a):
                return True
        elif len(f) >= 2 and f in norm(a):
            return True
    return False


def who(forms: set[str], labelled: list[list[str]]) -> set[int]:
    """The labelled characters a roster character with these forms is: an exact name first,
    else the one character a shorter form fits."""
    exact = {i for i, al in enumerate(labelled) for f in forms if norm(f) in {norm(a) for a in al}}
    if exact:
        return exact
    out: set[int] = set()
    for f in forms:
        hit = [i for i, al in enumerate(labelled) if fits(f, al)]
        if len(hit) == 1:
            out.add(hit[0])
    return out


@dataclass
class Tally:
    quotes: int = 0
    found: int = 0
    split: int = 0
    characters: int = 0
    real: int = 0
    lines: int = 0
    stray_lines: int = 0
    sexed_lines: int = 0
    right_sex: int = 0
    wrong_sex: int = 0
    chars: int = 0
    seconds: float = 0.0

    def add(self, other: Tally) -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def row(self, label: str) -> str:
        rec = 100 * self.found / max(1, self.quotes)
        split = 100 * self.split / max(1, self.quotes)
        prec = 100 * self.real / max(1, self.characters)
        stray = f"{100 * self.stray_lines / self.lines:>7.1f}%" if self.lines else f"{'-':>8}"
        speed = self.chars / self.seconds / 1000 if self.seconds else 0
        if self.sexed_lines:
            sex = f"{100 * self.right_sex / self.sexed_lines:>7.1f}%"
            sex += f" {100 * self.wrong_sex / self.sexed_lines:>5.1f}%"
        else:
            sex = f"{'-':>8} {'-':>6}"
        return (
            f"{label:<34} {self.quotes:>6} {rec:>7.1f}% {split:>6.1f}% {self.characters:>6}"
            f" {prec:>8.1f}% {stray} {sex} {speed:>8.0f}k/s"
        )


SHOW = False
"""Print, per book, the roster's characters that are not labelled ones and the speakers missed."""

Found = tuple[set[str], int, "str | None"]
"""A character found: its forms, the lines of dialogue it was given (0 when the finder gives
none) and the gender it was given ("male", "female" or None)."""
Finder = Callable[[str, Path], tuple[list[Found], float]]
"""A book's text (and its file) -> the characters found, seconds."""


def roster_finder(text: str, path: Path) -> tuple[list[Found], float]:
    """Today's roster: the one `attribute` builds while reading the book."""
    kept: list[Roster] = []
    build = attribution.build_roster

    def keep(*args, **kwargs):  # type: ignore[no-untyped-def]
        roster = build(*args, **kwargs)
        kept.append(roster)
        return roster

    book = load_book(path)
    attribution.build_roster = keep  # type: ignore[assignment]
    try:
        t = time.perf_counter()
        _, cast = attribution.attribute(book)
        dt = time.perf_counter() - t
    finally:
        attribution.build_roster = build
    roster = kept[0]
    lines = {c.name: c.lines for c in cast}
    sexes = {c.name: c.gender for c in cast}
    found = [
        ({name, *forms}, lines.get(name, 0), sexes.get(name, roster.gender.get(name)))
        for name, forms in roster.forms.items()
    ]
    return found, dt


def jieba_finder(use: bool) -> Finder:
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(60)
    jieba.initialize()

    def find(text: str, path: Path) -> tuple[list[Found], float]:
        t = time.perf_counter()
        words = [(w.word, w.flag) for w in pseg.cut(text)]
        dt = time.perf_counter() - t
        seen: dict[str, int] = {}
        speaks: set[str] = set()
        for i, (w, flag) in enumerate(words):
            if flag in ("nr", "nrfg", "nrt") and len(w) >= 2:
                seen[w] = seen.get(w, 0) + 1
                after = "".join(x for x, _ in words[i + 1 : i + 3])
                if _SPEECH_AFTER.match(after):
                    speaks.add(w)
        names = [w for w, n in seen.items() if not use or n >= 2 or w in speaks]
        return [({w}, 0, None) for w in names], dt

    return find


def score(
    finder: Finder,
    text: str,
    labelled: list[list[str]],
    speakers: list[int],
    path: Path,
    sexes: list[str | None],
) -> Tally:
    """`sexes`: each labelled character's gender ("male", "female", None when not given)."""
    found, dt = finder(text, path)
    tally = Tally(quotes=len(speakers), chars=len(text), seconds=dt)
    covered: set[int] = set()
    speaking: Counter[int] = Counter()  # labelled character -> roster characters given lines
    swapped: list[str] = []
    for forms, lines, sex in found:
        ids = who(forms, labelled)
        covered |= ids
        if lines:
            speaking.update(ids)
        tally.characters += 1
        tally.real += bool(ids)
        tally.lines += lines
        tally.stray_lines += 0 if ids else lines
        truth = {sexes[i] for i in ids} - {None}
        if len(truth) == 1 and lines:
            tally.sexed_lines += lines
            tally.right_sex += lines * (sex in truth)
            tally.wrong_sex += lines * (sex is not None and sex not in truth)
            if sex is not None and sex not in truth:
                swapped.append(f"{min(forms, key=len)}({lines})")
    tally.found = sum(s in covered for s in speakers)
    tally.split = sum(speaking[s] >= 2 for s in speakers if s >= 0)
    if SHOW:
        false = sorted(
            f"{min(forms, key=len)}({lines})" if lines else min(forms, key=len)
            for forms, lines, _ in found
            if not who(forms, labelled)
        )
        quotes = Counter(labelled[s][0] for s in speakers if s >= 0 and s not in covered)
        missed = [f"{name}({n})" for name, n in quotes.most_common()]
        parted = Counter(labelled[s][0] for s in speakers if s >= 0 and speaking[s] >= 2)
        split = [f"{name}({n}×{speaking[i]})" for (name, n), i in _indexed(parted, labelled)]
        print(
            f"    not characters: {' '.join(false)}  |  missed: {' '.join(missed)}"
            f"  |  split: {' '.join(split)}  |  swapped: {' '.join(swapped)}"
        )
    return tally


def wp(corpora: Path, split: str, finders: dict[str, Finder]) -> dict[str, Tally]:
    rows_ = [
        line.split()
        for line in (corpora / "wp/name_list.txt").read_text("utf-8").splitlines()
        if len(line.split()) >= 2
    ]
    labelled = [row[1:] for row in rows_]
    sexes = [_SEX.get(row[0]) for row in rows_]
    index = {norm(a): i for i, al in enumerate(labelled) for a in al}
    passages = corpora / f"wp/wp_{split}_passages.jsonl"
    rows = [json.loads(x) for x in passages.open(encoding="utf-8")]
    out = {label: Tally() for label in finders}
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "passage.txt"
        for r in rows:
            path.write_text(r["text"], "utf-8")
            speakers = [
                next((index[norm(a)] for a in q["speaker_aliases"] if norm(a) in index), -1)
                for q in r["quotes"]
            ]
            for label, finder in finders.items():
                out[label].add(score(finder, r["text"], labelled, speakers, path, sexes))
    return out


def pdnc(corpora: Path, novel: str) -> Tally:
    d = corpora / "pdnc" / novel
    labelled: list[list[str]] = []
    sexes: list[str | None] = []
    index: dict[str, int] = {}
    for row in csv.DictReader((d / "character_info.csv").open(encoding="utf-8")):
        main = row["Main Name"]
        given = row["Aliases"]
        aliases = set(ast.literal_eval(given)) if given[:1] in "{[" else set()
        index[main] = len(labelled)
        labelled.append([main, *sorted(a for a in aliases if a != main)])
        sexes.append(_SEX.get(row["Gender"]))
    for i, names in enumerate(labelled):  # a quote labelled with an alias (Ellen Olenska)
        for name in names:
            index.setdefault(name, i)
    quotes = list(csv.DictReader((d / "quotation_info.csv").open(encoding="utf-8")))
    speakers = [index.get(q["speaker"], -1) for q in quotes]
    text = (d / "novel_text.txt").read_text("utf-8")
    return score(roster_finder, text, labelled, speakers, d / "novel_text.txt", sexes)


def _indexed(counts: Counter[str], labelled: list[list[str]]) -> list[tuple[tuple[str, int], int]]:
    """Each (name, quotes) of `counts`, most first, with its labelled character's index."""
    first = {names[0]: i for i, names in enumerate(labelled)}
    return [((name, n), first[name]) for name, n in counts.most_common()]


_SEX = {"M": "male", "F": "female", "1": "male", "0": "female"}
"""The corpora's gender labels (PDNC M/F, WP 1/0); X, U: not given."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--no-jieba", action="store_true", help="the roster alone")
    ap.add_argument("--sets", nargs="+", default=["wp-train", "wp-dev", "pdnc-dev", "pdnc-train"])
    ap.add_argument("--show", action="store_true", help="per book: false characters, misses")
    args = ap.parse_args()
    global SHOW
    SHOW = args.show
    corpora = args.corpora
    if not (corpora / "wp").is_dir():
        sys.exit(f"no corpora at {corpora}: pass --corpora")
    finders: dict[str, Finder] = {"roster": roster_finder}
    if not args.no_jieba:
        try:
            finders["jieba nr"] = jieba_finder(use=False)
            finders["jieba nr+use"] = jieba_finder(use=True)
        except ImportError:
            print("(jieba is not installed: pip install jieba; the roster alone)")
    print(
        f"{'set / finder':<34} {'quotes':>6} {'recall':>8} {'split':>7} {'chars':>6}"
        f" {'precision':>9} {'stray':>8} {'gender':>8} {'swap':>6} {'speed':>10}"
    )
    for name in args.sets:
        if name.startswith("wp-"):
            for label, tally in wp(corpora, name[3:], finders).items():
                print(tally.row(f"{name} {label}"))
            continue
        novels = PDNC_DEV if name == "pdnc-dev" else sorted(
            p.name for p in (corpora / "pdnc").iterdir() if p.is_dir() and p.name not in PDNC_DEV
        )  # fmt: skip
        total = Tally()
        for novel in novels:
            tally = pdnc(corpora, novel)
            total.add(tally)
            print(tally.row(f"  {novel}"))
        print(total.row(f"{name} roster (all)"))


if __name__ == "__main__":
    main()
