"""Speed of reading a book: the whole `script` command, and the text stages alone.

    .venv/bin/python bench/script_speed.py [--chars 2000000] [--repeat 3]

The book is built from the development passages (tests/data/attribution), shuffled into
chapters of about 6,000 characters, with character names varied per chapter so the roster
is book-sized, and every line made its own with a sentence drawn from thousands of
combinations (a real novel hardly repeats a paragraph, so a speed that came from meeting the
same text again would not be a speed users see; the bench prints the share of distinct
lines). Two mixes: `dense` is the passages alone (a line of dialogue every ~25
characters, the worst case); `novel` puts a few narration paragraphs between passages, about
as dialogue-heavy as a web-novel chapter (the seed chapter averages ~60 characters a
paragraph). Prints characters per second (best of --repeat): first for the whole
`audiobook script` command on the `novel` books written to a file (a fresh process: start-up,
loading, cleaning, attribution, casting, output as the default screenplay and as jsonl), then
for segment + attribute alone, in process: with Python's cycle collector running, and with it
paused as the `script` command pauses it while it reads a book (`tts.cli._collector_paused`).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from devset import load, traditional  # noqa: E402

from tts.model import Book, Chapter, Paragraph  # noqa: E402
from tts.pipeline import cast_script  # noqa: E402
from tts.read.load import load_book  # noqa: E402
from tts.speakers.attribute import attribute  # noqa: E402
from tts.speakers.scriptfile import jsonl_lines  # noqa: E402

_ZH_SURNAMES = "赵钱孙李周吴郑王冯陈卫蒋沈韩杨朱秦许何吕施张孔曹严华金魏陶姜"
_ZH_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红"
_EN_NAMES = "Adams Baker Clark Davis Evans Foster Green Hughes Irving Jones Knight Lewis".split()


_NARRATION = {
    "zh": [
        "夜色渐渐深了，街上的行人越来越少，只有路灯还固执地亮着，把影子拉得很长很长。远处传来几声狗叫，"
        "很快又安静下来。",
        "这座城市的冬天总是来得很突然。前一天还是秋高气爽，第二天一早推开窗，外面已经是白茫茫的一片，"
        "屋檐下挂满了冰凌。",
        "会议一直开到中午才结束。大家陆续走出会议室，有人低声议论着刚才的决定，有人掏出手机回复消息，"
        "走廊里一时有些嘈杂。",
        "他在这个小镇上住了整整二十年，熟悉这里的每一条街道、每一家店铺，甚至能叫出大多数邻居的名字。",
        "雨停了，空气里弥漫着泥土和青草的气味。几个孩子光着脚在水洼里跑来跑去，笑声传得很远。",
    ],
    "en": [
        "The town had changed little in twenty years. The same shops stood along the high street, "
        "the same bell rang from the church at noon, and the same old men sat on the bench outside "
        "the inn, arguing about the weather.",
        "By evening the wind had dropped and a thin mist rose from the river. Lamps were lit "
        "one by one along the quay, and the smell of wood smoke drifted over the water.",
        "Nobody in the office could remember who had first suggested the idea. It had simply "
        "appeared one morning on the whiteboard, and by the end of the week it had a budget.",
        "She walked home the long way, past the park and the shuttered cinema, turning the "
        "conversation over in her mind until it no longer made any sense at all.",
    ],
}


_FILLER = {
    "zh": (
        "那天早上 昨天夜里 上个月 去年冬天 第二天傍晚 前几天 这些年 刚才 半夜里 周末 开春以后 "
        "下班以后 放假前 雨停以后 天亮之前 临走时 吃完饭 入秋以后 出差回来 散会以后",
        "在车站门口 在老街上 在食堂里 在河边 在办公楼下 在医院走廊 在村口 在码头 在书店里 "
        "在十字路口 在楼梯间 在公园里 在菜市场 在桥头 在院子里 在机场 在山脚下 在操场边",
        "下了一场小雨 来了几个陌生人 停了一辆旧卡车 挂出了新的招牌 堆满了刚到的货 响起了广播 "
        "排起了长队 亮起了一排灯 飘来一阵饭香 贴出了一张通知 聚了不少看热闹的人 关了两家小店 "
        "开出了一趟夜班车 围起了一道木栅栏 摆出了几张桌子 传来一阵锣鼓声 落满了树叶",
    ),
    "en": (
        "That morning|Late last night|Last winter|The next evening|A week earlier|Years ago|"
        "Just before dawn|On Sunday|After the storm|By midday|Before the war|At half past six|"
        "In the spring|Some days later|After supper|Toward evening|Long before that|At noon",
        "a small crowd gathered|the rain came down|a cart rolled past|the lamps were lit|"
        "the bells began to ring|a letter was delivered|the shutters were closed|"
        "the river rose|a dog barked twice|the fire burned low|the last train left|"
        "a band played|the gate was mended|the market emptied|the snow began|the clock stopped",
        "by the station|along the quay|outside the inn|near the old mill|behind the church|"
        "at the crossroads|on the hill road|beside the bridge|in the square|under the elms|"
        "by the harbour|at the school gate|past the bakery|in the long field|near the docks",
    ),
}
"""Three slots of a neutral sentence: Chinese parts split at spaces, English ones at '|'."""


def _sentence(rng: random.Random, english: bool) -> str:
    """A neutral sentence from some 5,000 combinations: no names, no pronouns, no quotes."""
    first, second, third = (
        part.split("|" if english else " ") for part in _FILLER["en" if english else "zh"]
    )
    if english:
        return f"{rng.choice(first)} {rng.choice(second)} {rng.choice(third)}."
    return f"{rng.choice(first)}{rng.choice(second)}{rng.choice(third)}。"


def _own(line: str, rng: random.Random, english: bool) -> str:
    """`line` with a sentence of its own: inside its first speech if it has one, so tags,
    colons and names outside the quotes keep their places; else before the narration."""
    sentence = _sentence(rng, english)
    space = " " if english else ""
    for i, mark in enumerate(line):
        if mark in "“「" or (english and mark in '"‘'):
            return line[: i + 1] + sentence + space + line[i + 1 :]
    return sentence + space + line


def _vary(text: str, names: list[str], rng: random.Random, english: bool) -> str:
    """Swap each cast name for another of the same kind, so chapters differ."""
    for name in names:
        if english:
            if " " in name or len(name) < 4:
                continue
            text = text.replace(name, rng.choice(_EN_NAMES))
        elif len(name) == 3 and name[0] in _ZH_SURNAMES:
            new = rng.choice(_ZH_SURNAMES) + rng.choice(_ZH_GIVEN) + rng.choice(_ZH_GIVEN)
            text = text.replace(name, new)
    return text


def make_book(language: str, chars: int, seed: int = 7, mix: str = "novel") -> Book:
    rng = random.Random(seed)
    passages = [p for p in load() if (p.lang == "en") == (language == "en")]
    if language == "zh-Hant":
        passages = [traditional(p) for p in passages if p.lang == "zh-Hans"]
    chapters: list[Chapter] = []
    total = 0
    while total < chars:
        lines: list[str] = []
        size = 0
        while size < 6000:
            p = rng.choice(passages)
            names = [c.name for c in p.characters]
            english = language == "en"
            text = _vary(p.text, names, rng, english)
            for line in text.splitlines():
                if line.strip():
                    line = _own(line, rng, english)
                lines.append(line)
                size += len(line)
            if mix == "novel":
                pool = _NARRATION["en" if english else "zh"]
                for _ in range(rng.randint(2, 5)):
                    line = _own(rng.choice(pool), rng, english)
                    lines.append(line)
                    size += len(line)
            lines.append("***")
        paras = tuple(
            Paragraph(line, n, scene_break=line == "***") for n, line in enumerate(lines, 1) if line
        )
        number = len(chapters) + 1
        chapters.append(Chapter(number, f"Chapter {number}", paras))
        total += size
    return Book("generated", "generated", language, tuple(chapters))  # type: ignore[arg-type]


def book_text(book: Book) -> str:
    """The generated book as the plain-text file a user would have."""
    out: list[str] = []
    for chapter in book.chapters:
        n = chapter.number
        out.append(f"Chapter {n}" if book.language == "en" else f"第{n}章")
        out.extend(p.text for p in chapter.paragraphs)
    return "\n".join(out) + "\n"


def whole_command(language: str, chars: int, repeat: int) -> None:
    """`audiobook script BOOK` as a user runs it, with its default screenplay and with
    `--format jsonl`: start-up, reading the file, cleaning, chapters, attribution, casting and
    writing the script, in a fresh process.

    Bytecode is written as an installed package has it (pip compiles it at install), and one
    untimed run comes first, so start-up is not charged for compiling the project's source.
    The process imports this checkout's `tts` (PYTHONPATH), not whichever one is installed.
    The two formats are timed in turn, so both see the same machine.
    """
    book = make_book(language, chars, mix="novel")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # This checkout's package, whatever the interpreter has installed: another tree's bench run
    # with one shared venv times its own code in the fresh process too.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    formats = ("text", "jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "book.txt"
        text = book_text(book)
        path.write_text(text, encoding="utf-8")
        best = dict.fromkeys(formats, float("inf"))
        for run in range(repeat + 1):
            for fmt in formats:
                # --engine edge: the reading, not the network (auto first asks whether the
                # online service answers, which costs a round trip, or 0.5 s offline)
                command = [
                    sys.executable, "-m", "tts", "script", str(path), "--engine", "edge",
                    "--format", fmt,
                ]  # fmt: skip
                start = time.perf_counter()
                subprocess.run(command, cwd=tmp, env=env, stdout=subprocess.DEVNULL, check=True)
                if run:
                    best[fmt] = min(best[fmt], time.perf_counter() - start)
        phases = _phases(path, repeat)
    lines = [line for line in text.splitlines() if any(c.isalnum() for c in line)]
    print(
        f"whole  {language:8} {len(text):>9,} chars  "
        f"({len(set(lines)) / len(lines):.0%} of {len(lines):,} lines distinct)"
    )
    for fmt in formats:
        print(
            f"       `audiobook script --engine edge --format {fmt:5}`, fresh process  "
            f"{best[fmt]:6.2f} s  "
            f"{len(text) / best[fmt]:>11,.0f} chars/s"
        )
    print("       jsonl's stages in one process (best of runs): " + phases)


def _phases(path: Path, repeat: int) -> str:
    """Seconds for each stage of the command on `path`: where the time goes."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        times: dict[str, float] = {}
        start = time.perf_counter()
        book = load_book(path)
        times["load"] = time.perf_counter() - start
        start = time.perf_counter()
        segments, characters = attribute(book)
        times["attribute"] = time.perf_counter() - start
        start = time.perf_counter()
        script = cast_script(book, segments, characters, None, "edge", None, None)
        times["cast"] = time.perf_counter() - start
        start = time.perf_counter()
        "\n".join(jsonl_lines(script.cast, script.segments))
        times["jsonl"] = time.perf_counter() - start
        best = {k: min(v, best.get(k, v)) for k, v in times.items()}
    return "  ".join(f"{k} {v:.2f} s" for k, v in best.items())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for language in ("zh-Hans", "en"):
        whole_command(language, args.chars, args.repeat)
    for mix, language in [(m, lang) for m in ("novel", "dense") for lang in ("zh-Hans", "en")]:
        book = make_book(language, args.chars, mix=mix)
        size = sum(len(p.text) for ch in book.chapters for p in ch.paragraphs)
        best = float("inf")
        paused = float("inf")  # as `audiobook script` runs it: the cycle collector paused
        for _ in range(args.repeat):
            start = time.perf_counter()
            segments, cast = attribute(book)
            best = min(best, time.perf_counter() - start)
            del segments, cast
            gc.collect()
            gc.disable()
            start = time.perf_counter()
            segments, cast = attribute(book)
            paused = min(paused, time.perf_counter() - start)
            gc.enable()
        dialogue = sum(s.kind == "dialogue" for s in segments)
        print(
            f"{mix:6} {language:8} {size:>9,} chars  {len(book.chapters):4d} chapters  "
            f"{dialogue:6d} lines  {len(cast):4d} characters  "
            f"{best:6.2f} s  {size / best:>11,.0f} chars/s  "
            f"(collector paused, as the command: {paused:5.2f} s  {size / paused:>11,.0f} chars/s)"
        )


if __name__ == "__main__":
    main()
