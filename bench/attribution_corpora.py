"""Who-is-speaking accuracy on the labelled corpora, train beside dev, and what confidence means.

    .venv/bin/python bench/attribution_corpora.py [--with-cast] [--sets wp pdnc] [--errors N]

For WP and PDNC (../shared/corpora; nothing of them is kept in the repository), runs the
attribution in process on the train and the dev split and prints the accuracy per quote
category side by side, the methods of the wrong lines, how often the labelled speaker was
among the scorer's candidates at all (the most it could get right), then the confidence
table on dev: each confidence bucket and the share of its lines that are right. A
calibrated confidence reads the same on both columns (0.8 -> about 80%).
`../shared/tools/attribution-eval` gives the same figures through the CLI (the checks use it).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import Outcome, docs, right, run_doc  # noqa: E402

from tts.speakers.scorer import Trace  # noqa: E402

BUCKETS = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


def measure(name: str, with_cast: bool) -> tuple[list[Outcome], int]:
    """Outcomes of every labelled quote of a data set, and how many had the labelled speaker
    among their candidates."""
    out: list[Outcome] = []
    reachable = 0
    for doc in docs(name):
        trace: Trace = []
        outcomes = run_doc(doc, with_cast=with_cast, trace=trace)
        roster = list(doc.characters.values())
        for o in outcomes:
            if o.line is not None and o.line < len(trace):
                cands, _ = trace[o.line]
                reachable += any(right(c, o.label, roster) for c in cands) or o.ok
        out += outcomes
    return out, reachable


def per_category(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    cats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for o in outcomes:
        for c in (o.label.category, "all"):
            cats[c][0] += o.ok
            cats[c][1] += 1
    return {c: (a, b) for c, (a, b) in cats.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--with-cast", action="store_true", help="give the labelled characters")
    ap.add_argument("--sets", nargs="+", default=["wp", "pdnc"])
    ap.add_argument("--errors", type=int, default=0, help="print N wrong dev lines' methods")
    args = ap.parse_args()
    dev_all: list[Outcome] = []
    cast = "with cast" if args.with_cast else "no cast"
    print(f"{'set':6} {'category':10} {'train':>16} {'dev':>16}   ({cast})")
    for s in args.sets:
        train, train_reach = measure(f"{s}-train", args.with_cast)
        dev, dev_reach = measure(f"{s}-dev", args.with_cast)
        dev_all += dev
        a, b = per_category(train), per_category(dev)
        for cat in sorted(set(a) | set(b), key=lambda c: (c == "all", c)):
            cells = []
            for table in (a, b):
                ok, n = table.get(cat, (0, 0))
                cells.append(f"{ok / n:6.1%} ({n:5})" if n else f"{'-':>14}")
            print(f"{s:6} {cat:10} {cells[0]:>16} {cells[1]:>16}")
        print(
            f"{s:6} {'reachable':10} {train_reach / len(train):6.1%} {'':8}"
            f" {dev_reach / len(dev):6.1%}   (labelled speaker among the candidates)"
        )
        wrong = Counter(o.method for o in dev if not o.ok)
        total = Counter(o.method for o in dev)
        print(
            f"{s:6} dev wrong by method: "
            + ", ".join(f"{m} {wrong[m]}/{total[m]}" for m, _ in wrong.most_common(12))
        )
    print("\nconfidence on dev: bucket -> lines, share right")
    for lo, hi in zip(BUCKETS, BUCKETS[1:], strict=False):
        inside = [o for o in dev_all if lo <= o.confidence < hi]
        if inside:
            share = sum(o.ok for o in inside) / len(inside)
            print(f"  {lo:.1f}-{min(hi, 1.0):.1f}  {len(inside):6}  {share:6.1%}")
    if args.errors:
        wrong_lines = [o for o in dev_all if not o.ok]
        for o in random.Random(0).sample(wrong_lines, min(args.errors, len(wrong_lines))):
            print(f"  {o.label.category:9} {o.method:16} got {o.speaker} for {o.label.speaker}")


if __name__ == "__main__":
    main()
