"""Benchmark: the studio on a 2,000-chapter web novel (generated), in headless Chromium.

    .venv/bin/python bench/studio.py [--chapters 2000] [--scroll-seconds 4]

The book: chapters of about 2,500 characters (a heading, narration, tagged and untagged
dialogue among a few dozen characters), written to a temporary folder. It measures:

- start: reading, attributing and casting the whole book, what `audiobook studio` does
  before it prints its address (once per start, not per page);
- open: from the browser asking for the page to the first chapter shown, with the list of
  every chapter (the issue's target: under 2 s);
- scroll: the script pane scrolled down for --scroll-seconds, loading chapters on demand
  as it goes; frame times from requestAnimationFrame (median, 95th percentile, frames over
  50 ms) and how many chapters were loaded;
- jump: a click in the chapter list to chapter 1,500 until its lines are shown;
- doubtful: the filter of doubtful lines (the whole book's, the least sure first);
- fix: one line given to another speaker, from the request to the answer (the book's
  script is read again with the fix applied).

Needs Chromium (/usr/bin/chromium) and playwright (the test extra).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from chromium import CHROMIUM, FLAGS  # noqa: E402

from tts.studio.server import start  # noqa: E402
from tts.studio.session import Session  # noqa: E402

SURNAMES = "赵钱孙李周吴郑王冯陈卫蒋沈韩杨朱秦许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红"
NARRATION = [
    "夜色渐渐深了，街上的行人越来越少，只有路灯还固执地亮着，把影子拉得很长很长。",
    "远处传来几声狗叫，很快又安静下来，屋里只剩下钟表走动的声音。",
    "他把手里的文件翻到最后一页，又从头看了一遍，眉头越皱越紧。",
    "会议室里烟雾缭绕，十几个人围着长桌坐着，谁也没有先开口。",
    "雨下了一整夜，第二天早上，院子里的积水已经没过了脚踝。",
]
SAID = [
    "这件事你怎么看？我总觉得哪里不对劲。",
    "先别急，等把情况摸清楚了再说。",
    "我明天一早就去市里，把材料交上去。",
    "你放心，这边有我盯着，出不了岔子。",
    "话是这么说，可真要做起来，哪有那么容易。",
    "好，就按你说的办，出了问题我担着。",
]


def book_text(chapters: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    names = list(dict.fromkeys(rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(60)))
    out: list[str] = []
    for number in range(1, chapters + 1):
        out.append(f"第{number}章 风起{number}")
        cast = rng.sample(names, 4)
        while sum(len(p) for p in out[-40:]) < 2500 and len(out) % 60 != 59:
            a, b = rng.sample(cast, 2)
            line = rng.choice(SAID) + f"（{number}-{len(out)}）"
            form = rng.randrange(5)
            if form == 0:
                out.append(rng.choice(NARRATION))
            elif form == 1:
                out.append(f"“{line}”{a}说。")
            elif form == 2:
                out.append(f"{b}看了{a}一眼，问道：“{line}”")
            else:
                out.append(f"“{line}”")
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=2000)
    parser.add_argument("--scroll-seconds", type=float, default=4.0)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    book = folder / "novel.txt"
    book.write_text(book_text(args.chapters), encoding="utf-8")
    size = book.stat().st_size
    print(f"book: {args.chapters} chapters, {size / 1e6:.1f} MB ({folder})")

    began = time.perf_counter()
    session = Session(book, voices_file=None, engine="edge", cache_dir=folder / "cache")
    loaded = time.perf_counter() - began
    segments = len(session.script.segments)
    print(f"start: {loaded:.2f} s to read, attribute and cast ({segments:,} lines)")
    running = start(session, 0)
    try:
        with sync_playwright() as driver:
            context = driver.chromium.launch_persistent_context(
                str(folder / "profile"),
                executable_path=str(CHROMIUM),
                headless=True,
                args=FLAGS,
                viewport={"width": 1280, "height": 800},
            )
            page = context.new_page()
            began = time.perf_counter()
            page.goto(running.url)
            page.wait_for_selector("body[data-ready='1']", timeout=60_000)
            opened = time.perf_counter() - began
            shown = page.locator("#chapter-list li").count()
            print(f"open: {opened:.2f} s to the first chapter shown ({shown} chapters listed)")

            frames = page.evaluate(
                """async (seconds) => {
                    const pane = document.querySelector('#script');
                    const times = [];
                    let last = performance.now();
                    const end = last + seconds * 1000;
                    while (performance.now() < end) {
                        pane.scrollBy(0, 60);
                        await new Promise((r) => requestAnimationFrame(r));
                        const now = performance.now();
                        times.push(now - last);
                        last = now;
                    }
                    return times;
                }""",
                args.scroll_seconds,
            )
            loaded_chapters = page.locator("#lines .chapter").count()
            median = statistics.median(frames)
            p95 = sorted(frames)[int(len(frames) * 0.95)]
            slow = sum(f > 50 for f in frames)
            print(
                f"scroll: {len(frames)} frames in {args.scroll_seconds:.0f} s, median "
                f"{median:.1f} ms, 95th percentile {p95:.1f} ms, {slow} over 50 ms; "
                f"{loaded_chapters} chapters loaded on the way"
            )

            target = min(1500, args.chapters)
            began = time.perf_counter()
            page.click(f'#chapter-list li[data-chapter="{target}"]')
            page.wait_for_selector(f'#lines .chapter[data-chapter="{target}"] .line')
            print(f"jump: {time.perf_counter() - began:.2f} s to chapter {target}")

            began = time.perf_counter()
            page.keyboard.press("d")
            page.wait_for_selector("text=doubtful lines, the least sure first", timeout=60_000)
            total = page.locator("#lines .line").count()
            print(f"doubtful: {time.perf_counter() - began:.2f} s to list them ({total} shown)")

            line = next(s for s in session.script.segments if s.kind == "dialogue")
            began = time.perf_counter()
            page.evaluate(
                """async ([ch, i]) => {
                    const r = await fetch('api/lines', {method: 'POST',
                        headers: {'Content-Type': 'application/json'},
                        body: JSON.stringify({lines: [[ch, i]], speaker: '旁观者'})});
                    if (!r.ok) throw new Error(await r.text());
                }""",
                [line.chapter, line.index],
            )
            print(f"fix: {time.perf_counter() - began:.2f} s for one line fix to be answered")
            context.close()
    finally:
        running.stop()


if __name__ == "__main__":
    main()
