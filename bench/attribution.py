"""Speaker attribution accuracy on the development set, per pattern and language.

    .venv/bin/python bench/attribution.py [--threshold 0.5] [--verbose]

Runs `tts.speakers.attribute.attribute` on every passage of tests/data/attribution/*.yaml twice:
without a character list (the roster is found in the text) and with the passage's list (as
voices.yaml would give it). Simplified passages are also run converted to Traditional with
「」 quotes (language `zh-Hant*`). Prints accuracy per pattern, the accuracy and coverage of
lines at or above the confidence threshold (what the cast gives a character voice), the mean
confidence of right and wrong guesses, the known failures ('!fail') that now pass, and (without
the list) how often the gender found for a labelled character is its labelled gender: what
decides a man's or a woman's voice when nobody wrote a cast.
Held-out passages (`holdout: true`, never tuned on) are reported apart ("held"): they are
the better estimate for books the rules have never seen.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from devset import Label, Passage, book_of, load, same_person, traditional  # noqa: E402

from tts.speakers.attribute import attribute  # noqa: E402
from tts.speakers.roster import fold  # noqa: E402


@dataclass
class Result:
    passage: Passage
    label: Label
    speaker: str | None
    confidence: float
    method: str
    right: bool


def run(p: Passage, with_list: bool) -> list[Result]:
    segments, _ = attribute(book_of(p), p.characters if with_list else ())
    lines = [s for s in segments if s.kind == "dialogue"]
    out = []
    for i, label in enumerate(p.labels):
        seg = lines[i] if i < len(lines) else None
        if seg is None:
            out.append(Result(p, label, None, 0.0, "missing", False))
            continue
        ok = same_person(seg.speaker, label.speaker, p.characters)
        out.append(Result(p, label, seg.speaker, seg.confidence or 0.0, seg.method or "", ok))
    if len(lines) != len(p.labels):
        print(f"! {p.lang} {p.id}: {len(lines)} dialogue segments, {len(p.labels)} labels")
    return out


def genders(p: Passage) -> list[tuple[str, bool | None]]:
    """(labelled name, found gender right?) for each labelled character with a gender, found
    without the list; None when the roster found the character but no gender."""
    _, cast = attribute(book_of(p), ())
    out: list[tuple[str, bool | None]] = []
    for c in p.characters:
        if c.gender is None:
            continue
        names = {fold(c.name)} | {fold(a) for a in c.aliases}
        found = [x for x in cast if names & ({fold(x.name)} | {fold(a) for a in x.aliases})]
        if not found:
            continue
        g = found[0].gender
        out.append((c.name, None if g is None else g == c.gender))
    return out


def report_genders(passages: list[Passage]) -> None:
    print("\n== gender of labelled characters found without the list")
    print(f"{'lang':13} {'n':>4} {'right':>6} {'wrong':>6} {'none':>6}")
    table: dict[str, list[bool | None]] = defaultdict(list)
    for p in passages:
        for _, ok in genders(p):
            table[p.lang + (" held" if p.holdout else "")].append(ok)
    for lang, oks in sorted(table.items()):
        n = len(oks)
        print(f"{lang:13} {n:4d} {oks.count(True):6d} {oks.count(False):6d} {oks.count(None):6d}")


def report(results: list[Result], title: str, threshold: float) -> None:
    print(f"\n== {title}")
    table: dict[tuple[str, str], list[Result]] = defaultdict(list)
    for r in results:
        if r.passage.holdout:
            table[(r.passage.lang + " held", "ALL")].append(r)
            table[("ALL held", "ALL")].append(r)
            continue
        table[(r.passage.lang, r.label.pattern)].append(r)
        table[(r.passage.lang, "ALL")].append(r)
        table[("ALL dev", "ALL")].append(r)
    print(f"{'lang':13} {'pattern':16} {'n':>4} {'acc':>6} {'acc@t':>6} {'cover':>6}")
    for (lang, pattern), rs in sorted(
        table.items(), key=lambda kv: (kv[0][0].startswith("ALL"), "held" in kv[0][0], kv[0])
    ):
        n = len(rs)
        acc = sum(r.right for r in rs) / n
        sure = [r for r in rs if r.confidence >= threshold]
        acc_t = sum(r.right for r in sure) / len(sure) if sure else 0.0
        print(f"{lang:13} {pattern:16} {n:4d} {acc:6.1%} {acc_t:6.1%} {len(sure) / n:6.1%}")
    right = [r.confidence for r in results if r.right]
    wrong = [r.confidence for r in results if not r.right]
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0  # noqa: E731
    print(
        f"mean confidence: right {mean(right):.2f} ({len(right)}), "
        f"wrong {mean(wrong):.2f} ({len(wrong)}); "
        f"wrong at >= {threshold}: {sum(c >= threshold for c in wrong)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--verbose", "-v", action="store_true", help="list every wrong line")
    args = ap.parse_args()
    passages = load()
    passages += [traditional(p) for p in passages if p.lang == "zh-Hans"]
    for with_list in (False, True):
        results = [r for p in passages for r in run(p, with_list)]
        title = "with character list" if with_list else "no character list"
        report(results, title, args.threshold)
        if not with_list:
            fixed = [r for r in results if r.label.fail and r.right]
            broken = [r for r in results if not r.label.fail and not r.right]
            print(f"known failures now right: {len(fixed)}; unexpected failures: {len(broken)}")
        if args.verbose:
            for r in results:
                if not r.right:
                    idx = next(i for i, lb in enumerate(r.passage.labels) if lb is r.label)
                    print(
                        f"  x {r.passage.lang} {r.passage.id}#{idx} {r.label.pattern}: "
                        f"want {r.label.speaker}, got {r.speaker} ({r.method} {r.confidence})"
                        + (" [known]" if r.label.fail else "")
                    )
    report_genders(passages)
    if args.verbose:
        for p in passages:
            for name, ok in genders(p):
                if not ok:
                    print(f"  x {p.lang} {p.id}: {name} gender {'none' if ok is None else 'wrong'}")


if __name__ == "__main__":
    main()
