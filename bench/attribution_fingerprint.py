"""Every line's speaker, method and confidence, written out so a change meant only to make
reading faster can be shown to change nothing (compare two runs byte for byte).

    .venv/bin/python bench/attribution_fingerprint.py OUT.txt [--quick]

Reads: the script_speed bench books (Chinese and English, `dense` and `novel`, a
Traditional one), the development passages (tests/data/attribution, with and without
their characters, and in Traditional), and, where ../shared/corpora is at hand, the WP
passages and the PDNC novels as `audiobook script` reads their files (load_book), PDNC's
development novels also with their labelled characters. For each: every segment (chapter,
kind, speaker, method, confidence, text) and the characters found (name, aliases, gender,
lines). Then the whole `audiobook script` command's output on the sample chapter and on a
bench book, as jsonl and as text. Prints a digest per source and the seconds it took. Runs
with PYTHONHASHSEED=0: a few readings follow the order of a set of strings.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from corpora import CORPORA, PDNC_DEV, pdnc_characters  # noqa: E402
from devset import book_of, load, traditional  # noqa: E402
from script_speed import book_text, make_book  # noqa: E402

import tts  # noqa: E402
from tts.model import Book, Character  # noqa: E402
from tts.read.load import load_book  # noqa: E402
from tts.speakers.attribute import attribute  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "samples" / "seed-chapter.txt"
PDNC_WITH_CAST = PDNC_DEV[:4]
"""The development novels also read with their labelled characters."""


def lines_of(book: Book, known: Sequence[Character] = ()) -> Iterator[str]:
    segments, characters = attribute(book, known)
    for s in segments:
        yield repr((s.chapter, s.kind, s.speaker, s.method, s.confidence, s.text))
    for c in characters:
        yield repr(("character", c.name, c.aliases, c.gender, c.lines))


def file_book(text: str) -> Book:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.txt"
        path.write_text(text, encoding="utf-8")
        return load_book(path)


def sources(quick: bool) -> Iterator[tuple[str, Iterator[str]]]:
    size = 300_000 if quick else 2_000_000
    for language, mix in [("zh-Hans", "dense"), ("en", "dense"), ("zh-Hans", "novel")]:
        yield f"bench {language} {mix}", lines_of(make_book(language, size, mix=mix))
    if not quick:
        yield "bench en novel", lines_of(make_book("en", 1_000_000, mix="novel"))
        yield "bench zh-Hant novel", lines_of(make_book("zh-Hant", 500_000, mix="novel"))
    passages = load()

    def dev() -> Iterator[str]:
        for p in passages:
            variants = [p] + ([traditional(p)] if p.lang == "zh-Hans" else [])
            for v in variants:
                yield f"passage {v.id} {v.lang}"
                yield from lines_of(book_of(v))
                yield from lines_of(book_of(v), v.characters)

    yield "devset", dev()
    if not CORPORA.is_dir():
        return
    for split in ("dev", "train"):
        path = CORPORA / "wp" / f"wp_{split}_passages.jsonl"
        rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
        if quick:
            rows = rows[:20]
        yield (
            f"wp-{split}",
            (line for r in rows for line in lines_of(file_book(r["text"]))),
        )
    novels = sorted(p.name for p in (CORPORA / "pdnc").iterdir() if p.is_dir())
    if quick:
        novels = PDNC_WITH_CAST[:2]
    for novel in novels:
        d = CORPORA / "pdnc" / novel
        book = load_book(d / "novel_text.txt")
        yield f"pdnc {novel}", lines_of(book)
        if novel in PDNC_WITH_CAST:
            cast = [Character(name, tuple(names[1:])) for name, names in pdnc_characters(d).items()]
            yield f"pdnc {novel} with cast", lines_of(book, cast)


def commands(quick: bool) -> Iterator[tuple[str, Iterator[str]]]:
    """The whole command's output, as a user gets it."""
    here = Path(tts.__file__).resolve().parent.parent  # the checkout this run reads
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(here), str(ROOT)))}
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "book.txt"
        book.write_text(book_text(make_book("zh-Hans", 200_000 if quick else 600_000)), "utf-8")
        english = Path(tmp) / "english.txt"
        english.write_text(book_text(make_book("en", 200_000)), "utf-8")
        for path in [p for p in (SAMPLE, book, english) if p.is_file()]:
            for fmt in ("jsonl", "text"):
                command = [sys.executable, "-m", "tts", "script", str(path), "--engine", "edge"]
                command += ["--format", fmt]
                out = subprocess.run(
                    command, cwd=tmp, env=env, capture_output=True, text=True, check=True
                ).stdout
                yield f"command {path.name} {fmt}", iter(out.splitlines())


def main() -> None:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Some readings follow the order of a set of strings (one with a voices.yaml cast,
        # for one): the same hash seed on both runs, or they may differ without a change.
        os.execve(
            sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"}
        )
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--quick", action="store_true", help="smaller books, fewer novels")
    args = ap.parse_args()
    total = hashlib.sha256()
    with args.out.open("w", encoding="utf-8") as f:
        start = time.perf_counter()
        for name, lines in itertools.chain(sources(args.quick), commands(args.quick)):
            digest = hashlib.sha256()
            f.write(f"### {name}\n")
            n = 0
            for line in lines:
                f.write(line + "\n")
                digest.update(line.encode() + b"\n")
                n += 1
            total.update(digest.digest())
            took = time.perf_counter() - start
            print(f"{digest.hexdigest()[:16]}  {n:8,d} lines  {took:6.2f} s  {name}", flush=True)
            start = time.perf_counter()
    print(f"{total.hexdigest()[:16]}  all")


if __name__ == "__main__":
    main()
