"""Fit the who-is-speaking scorer on the labelled corpora and write tts/data/attribution-model.json.

    pip install -e '.[train]'
    .venv/bin/python bench/train_attribution.py [--rounds 3] [--out tts/data/attribution-model.json]

Reads WP train and the PDNC train novels from ../shared/corpora (see its README; nothing of
them is kept but the weights), and the project's own labelled passages (tests/data/attribution,
the held-out ones aside). Each document is attributed as `audiobook script` does it, without
a character list and with one (as voices.yaml would give it), and each labelled quote
found among the dialogue lines gives a training group: the candidates `tts.speakers.scorer`
gathered for that line, their evidence, and which of them is the labelled speaker.

The scorer is a conditional logit (softmax over a line's candidates of a linear score, beside
a "someone else" option of score 0, the answer when no candidate is the labelled speaker), its
weights shared by both languages plus one set per language, fitted with an L2 penalty by
scipy's L-BFGS. The evidence of a line includes the speakers the scorer gave the lines before,
so training goes in rounds: the first reads the rule pass's speakers, each later one those of
the model before it, one line at a time. Last, the chosen candidates' softmax shares on the
training lines, read as `audiobook script` reads them (keeping a second reading of the talk
after a close call, `BRANCH`), are mapped to how often they are right (scikit-learn's
isotonic regression): the calibration table that turns a share into the `confidence` a line
shows.

Lines whose speaker a tag names (`tts.speakers.scorer.PLAIN`: a speech tag, a name and
colon, also ending the paragraph before, "I said", self-naming), and those of the rule
methods found right more often than the scorer on the training lines (the file's
`trusted`), keep the rules' speaker and are no training group; how often each such method
is right on the training books is their confidence (the file's `plain`). Lines that went to a
Chinese speaker holding the floor (`tts.speakers.scorer.FLOOR`, the web-novel layout) are
counted on the project's passages as well, since the labelled novels hardly have that layout.

Everything is deterministic (sorted feature names, a fixed start, no sampling, Python's
string hashing pinned): the same corpora and code give the same file. It prints, per round,
how many training lines are right, and per rule method how often the rules and the scorer
are right; `bench/attribution_corpora.py` then reports train beside dev.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.sparse import csr_matrix
from sklearn.isotonic import IsotonicRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import ROOT, Doc, docs, right, run_doc  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))

from devset import Passage, book_of, load, same_person  # noqa: E402

from tts.speakers.attribute import attribute  # noqa: E402
from tts.speakers.scorer import (  # noqa: E402
    FLOOR,
    MODEL_FILE,
    RULES_MODEL,
    Model,
    Trace,
    model_from_json,
)

TRAIN = ("wp-train", "pdnc-train")
WP_WEIGHT = 2.0
"""WP has 2,000 labelled quotes against PDNC train's tens of thousands: each WP group counts
this much, so the shared weights hear Chinese too."""
DEVSET_WEIGHT = 8.0
"""What each group of the project's own labelled passages counts (tests/data/attribution,
held-out ones aside): few lines, each written to show one way a speaker is told."""
L2 = 1.0
L2_LANGUAGE = 10.0
"""A language's own weights may differ from the shared ones only where many lines say so."""
BRANCH = {"en": 0.15}
"""The shipped model's `branch` per language: at run time a runner-up with this share of a
line in a conversation starts a second reading of the talk (see `tts.speakers.scorer._Path`);
Chinese reads greedily (with 0.15, WP train -3 / -3 lines and our held-out Chinese passages
-2 of 47 with a list, against wp-dev 0 / +4). Training itself reads greedily (a line's
evidence is what the greedy reading before it gives): weights fitted on readings with the beam
did worse on train and dev alike (pdnc-train 69.4% / 67.6% against 69.5% / 67.6%, wp-train
82.3% / 87.9% against 82.4% / 88.0%, both read with the beam). On the training books, 0.15
against greedy reading: PDNC +2 / +103 lines (no list / list); 0.25: +4 / +84. The
calibration is read with the decoding that ships."""
MARGINS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
"""How much better than the rules' guess another candidate must score to be chosen: the
training lines choose."""


Group = tuple[str, tuple[tuple[str, ...], ...], tuple[bool, ...], float]
"""(language, each candidate's features, which candidates are the labelled speaker, weight)."""


def collect(
    all_docs: list[Doc], model: Model | None, plain: Counter[tuple[str, bool]] | None = None
) -> tuple[list[Group], list[tuple[float, bool]]]:
    """Training groups from every document (without and with a character list), and each
    scored line's (winner's share, right?) under `model` (whose calibration must be the
    identity, so a line's confidence is its share). Lines a tag decides are no training
    group; `plain` counts them by (method, right?)."""
    groups: list[Group] = []
    shares: list[tuple[float, bool]] = []
    for doc in all_docs:
        roster = list(doc.characters.values())
        weight = WP_WEIGHT if doc.language == "zh" else 1.0
        for with_cast in (False, True):
            trace: Trace = []
            outcomes = run_doc(doc, with_cast=with_cast, model=model, trace=trace)
            for o in outcomes:
                if o.line is None or o.line >= len(trace):
                    continue
                cands, feats = trace[o.line]
                if not cands:
                    continue
                if feats[0][0].startswith("="):  # a tag decided it
                    if plain is not None:
                        plain[(feats[0][0][1:], o.ok)] += 1
                    continue
                shares.append((o.confidence, o.ok))
                gold = tuple(right(c, o.label, roster) for c in cands)
                groups.append((doc.language, feats, gold, weight))
    return groups, shares


def collect_devset(
    passages: list[Passage], model: Model, plain: Counter[tuple[str, bool]] | None = None
) -> list[Group]:
    """Training groups from the project's labelled passages (their lines in order); `plain`
    counts the lines that went to the speaker holding the floor (by right?)."""
    groups: list[Group] = []
    for p in passages:
        lang = "en" if p.lang == "en" else "zh"
        for known in ((), tuple(p.characters)):
            trace: Trace = []
            segments, _ = attribute(book_of(p), known, model=model, trace=trace)
            said = [s for s in segments if s.kind == "dialogue"]
            for label, (cands, feats), seg in zip(p.labels, trace, said, strict=False):
                if plain is not None and feats and feats[0][0] == f"={FLOOR}":
                    plain[(FLOOR, same_person(seg.speaker, label.speaker, p.characters))] += 1
                if not cands or feats[0][0].startswith("=") or label.speaker == "-":
                    continue
                gold = tuple(same_person(c, label.speaker, p.characters) for c in cands)
                groups.append((lang, feats, gold, DEVSET_WEIGHT))
    return groups


def fit(groups: list[Group]) -> dict[str, dict[str, float]]:
    """Conditional-logit weights: {'all': …, 'en': …, 'zh': …}."""
    names = sorted(
        {
            f"{scope}|{f}"
            for lang, feats, _, _ in groups
            for fs in feats
            for f in fs
            for scope in ("all", lang)
        }
    )
    index = {n: i for i, n in enumerate(names)}
    rows: list[int] = []
    cols: list[int] = []
    starts: list[int] = []
    y: list[float] = []
    gw: list[float] = []
    r = 0
    for lang, feats, gold, weight in groups:
        starts.append(r)
        n_gold = sum(gold)
        for fs, g in zip(feats, gold, strict=True):
            for f in fs:
                for scope in ("all", lang):
                    rows.append(r)
                    cols.append(index[f"{scope}|{f}"])
            y.append(1.0 / n_gold if g else 0.0)
            r += 1
        # "someone else": no evidence, score 0; the answer when no candidate is the speaker
        y.append(0.0 if n_gold else 1.0)
        r += 1
        gw.append(weight)
    x = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(r, len(names)))
    x.sum_duplicates()
    starts_a = np.array(starts)
    ya = np.array(y)
    sizes = np.diff(np.append(starts_a, r))
    row_w = np.repeat(np.array(gw), sizes)
    group_w = np.array(gw)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        top = np.maximum.reduceat(s, starts_a)
        e = np.exp(s - np.repeat(top, sizes))
        z = np.add.reduceat(e, starts_a)
        p = e / np.repeat(z, sizes)
        gold_score = np.add.reduceat(ya * s, starts_a)
        nll = float(np.sum(group_w * (np.log(z) + top - gold_score)))
        grad = x.T @ (row_w * (p - ya))
        return nll + 0.5 * L2 * float(w @ w), grad + L2 * w

    penalty = np.array([L2 if n.startswith("all|") else L2_LANGUAGE for n in names])

    def penalized(w: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = loss(w)
        extra = penalty - L2
        return value + 0.5 * float(extra @ (w * w)), grad + extra * w

    res = minimize(
        penalized, np.zeros(len(names)), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    )
    out: dict[str, dict[str, float]] = {"all": {}, "en": {}, "zh": {}}
    for name, w in zip(names, res.x, strict=True):
        scope, _, feature = name.partition("|")
        if abs(w) >= 1e-4:
            out[scope][feature] = round(float(w), 4)
    print(f"  fitted {len(names)} weights on {len(groups)} lines: loss {res.fun:.1f}", flush=True)
    return out


def pick_margin(groups: list[Group], data: dict[str, object]) -> float:
    """The margin (of `MARGINS`) that gets the most training lines right, the evidence as
    the last round read it."""
    models = {lang: model_from_json(data, lang) for lang in ("en", "zh")}
    best, best_right = 0.0, -1.0
    for margin in MARGINS:
        got = 0.0
        for lang, feats, gold, weight in groups:
            w = models[lang].weights
            scores = [sum(w.get(f, 0.0) for f in fs) for fs in feats]
            top = max(range(len(scores)), key=scores.__getitem__)
            rule = next(
                (i for i, fs in enumerate(feats) if any(f.startswith("r:") for f in fs)), None
            )
            if rule is not None and scores[top] - scores[rule] <= margin:
                top = rule
            got += weight * gold[top]
        print(f"  margin {margin}: {got:.0f} weighted lines right", flush=True)
        if got > best_right:
            best, best_right = margin, got
    return best


def trusted_methods(groups: list[Group], data: dict[str, object]) -> dict[str, list[str]]:
    """Per language, the rule methods whose guess is right on more training lines than the
    scorer's choice on those same lines: there the rules' guess stands."""
    models = {lang: model_from_json(data, lang) for lang in ("en", "zh")}
    tally: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for lang, feats, gold, weight in groups:
        w = models[lang].weights
        scores = [sum(w.get(f, 0.0) for f in fs) for fs in feats]
        top = max(range(len(scores)), key=scores.__getitem__)
        for i, fs in enumerate(feats):
            method = next((f[2:] for f in fs if f.startswith("r:") and f != "r:weak"), None)
            if method is not None:
                t = tally[(lang, method)]
                t[0] += weight * gold[i]
                t[1] += weight * gold[top]
                break
    out: dict[str, list[str]] = {"en": [], "zh": []}
    for (lang, method), (rule_right, model_right) in sorted(tally.items()):
        keep = rule_right > model_right
        print(
            f"  {lang} {method:16} rules {rule_right:7.0f}  scorer {model_right:7.0f}"
            + ("  (the rules' guess stands)" if keep else "")
        )
        if keep:
            out[lang].append(method)
    return out


def calibrate(shares: list[tuple[float, bool]]) -> list[list[float]]:
    """Points (share, how often right) of an isotonic fit, at most about 24."""
    xs = np.array([s for s, _ in shares])
    ys = np.array([1.0 if ok else 0.0 for _, ok in shares])
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(xs, ys)
    grid = np.unique(np.concatenate([[0.0, 1.0], np.quantile(xs, np.linspace(0, 1, 23))]))
    return [[round(float(g), 4), round(float(iso.predict([g])[0]), 4)] for g in grid]


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # One order for every set of strings: with a character list, the roster of one
        # training novel (SenseAndSensibility) came out differently from run to run.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "tts" / "data" / MODEL_FILE)
    args = ap.parse_args()
    started = time.perf_counter()
    all_docs = [d for name in TRAIN for d in docs(name)]
    passages = [p for p in load() if not p.holdout]
    data: dict[str, object] = {}
    models: dict[str, Model] = {"en": RULES_MODEL, "zh": RULES_MODEL}
    shares: list[tuple[float, bool]] = []
    trusted: dict[str, list[str]] | None = None
    for n in range(args.rounds):
        print(f"round {n + 1}: reading {len(all_docs)} documents", flush=True)
        groups, shares = [], []
        for lang in ("en", "zh"):
            g, s = collect([d for d in all_docs if d.language == lang], models[lang])
            groups += g
            shares += s
            mine = [p for p in passages if (p.lang == "en") == (lang == "en")]
            groups += collect_devset(mine, models[lang])
        right_n = sum(ok for _, ok in shares)
        print(f"  lines right before this round's fit: {right_n}/{len(shares)}", flush=True)
        weights = fit(groups)
        data = {
            "about": "who-is-speaking weights: bench/train_attribution.py writes this file",
            "weights": weights,
            "calibration": [[0.0, 0.0], [1.0, 1.0]],
        }
        data["margin"] = pick_margin(groups, data)
        if trusted is None:  # once, while every rule method's lines are still groups
            trusted = trusted_methods(groups, data)
        data["trusted"] = trusted
        models = {lang: model_from_json(data, lang) for lang in ("en", "zh")}
    print("calibrating", flush=True)
    # The confidence a line shows is read off the decoding that ships, the beam's in English:
    # a runner-up it keeps shows its own share, which the table must map to how often such
    # lines are right.
    data["branch"] = BRANCH
    models = {lang: model_from_json(data, lang) for lang in ("en", "zh")}
    shares = []
    plain: Counter[tuple[str, bool]] = Counter()
    for lang in ("en", "zh"):
        shares += collect([d for d in all_docs if d.language == lang], models[lang], plain)[1]
        # The floor is the web-novel layout, which the labelled novels hardly have (WP lays
        # its tags on lines of their own): the project's passages count too.
        mine = [p for p in passages if (p.lang == "en") == (lang == "en")]
        collect_devset(mine, models[lang], plain)
    # Both languages together: Chinese tags in the quote's own paragraph are few in WP.
    rates = {
        m: round((plain[(m, True)] + 1) / (plain[(m, True)] + plain[(m, False)] + 2), 3)
        for m in sorted({m for m, _ in plain})
    }
    # "I said" is a tag like any other; the training books label no narrator's lines as
    # such (DaisyMiller's narrator has no name to label them with), so it is sure as tags are.
    tags = ("tag-after", "tag-before", "tag-between")
    hits = sum(plain[(m, True)] for m in tags)
    rates["first-person"] = round((hits + 1) / (hits + sum(plain[(m, False)] for m in tags) + 2), 3)
    data["calibration"] = calibrate(shares)
    data["plain"] = {"en": rates, "zh": rates}
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text)} bytes) in {time.perf_counter() - started:.0f}s")
    a, b = sum(ok for _, ok in shares), len(shares)
    print(f"train lines right before calibration (both cast settings): {a}/{b} = {a / b:.1%}")


if __name__ == "__main__":
    main()
