"""Benchmark: synthesizing one chapter, our scheduler against a one-line-at-a-time loop.

    .venv/bin/python bench/synthesis.py             # Chinese chapter, ~4,000 characters
    .venv/bin/python bench/synthesis.py --lang en   # English chapter
    .venv/bin/python bench/synthesis.py --chars 1500 --concurrency 4

Both sides use the real `edge_tts` client (through `tts.speech.engines.edge.EdgeEngine`) against the
local fake Edge service of the test suite (tests/edge_server.py), with its realistic
latency model: 0.3 s before each WebSocket upgrade, audio streamed at 10x real time. The
chapter is written by this script (original sentences, three speakers and a narrator).

- sequential: for each line (a paragraph, or the dialogue or narration part of one), one
  request, awaited before the next; no cache. What a first implementation does.
- ours: `plan_requests` (one request per voice turn; a line repeated in the same voice is
  synthesized once, but the chapter is written so that few repeat) then `synthesize_all` with 4
  connections and a fresh clip cache; then the same again (the rerun: everything cached).

Targets: ours at least 4x faster; requests at most voice turns + length splits; rerun 0.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pytest  # noqa: E402
from edge_server import EdgeServer, Latency, point_client_at  # noqa: E402

from tts.model import Segment, Voice  # noqa: E402
from tts.speech.cache import ClipCache  # noqa: E402
from tts.speech.engines.edge import EdgeEngine  # noqa: E402
from tts.speech.synth import Progress, plan_requests, synthesize_all  # noqa: E402
from tts.text import split_text  # noqa: E402

ZH = {
    "narrator": "zh-CN-XiaoxiaoNeural",
    "speakers": {
        "林远": "zh-CN-YunjianNeural",
        "苏晴": "zh-CN-XiaoyiNeural",
        "老周": "zh-CN-YunxiaNeural",
    },
    "narration": [
        "天刚亮，街上还没有几个人。",
        "风从河面上吹过来，带着一点潮湿的凉意。",
        "他把外套的领子竖起来，沿着石板路慢慢往前走。",
        "茶馆的门半开着，炉子上的水已经烧得咕嘟作响。",
        "远处传来几声狗叫，很快又安静下去。",
        "桌上摊着一张旧地图，边角已经磨得发白。",
        "她没有回答，只是低头看着杯子里的茶叶慢慢沉下去。",
        "窗外的雨越下越大，屋檐下挂起了一道细细的水帘。",
        "这件事过去了很多年，镇上的人却始终没有忘记。",
        "灯光很暗，墙上的影子随着火苗轻轻晃动。",
    ],
    "lines": [
        "你今天怎么来得这么早？",
        "我一夜没睡，总觉得有什么事情要发生。",
        "别想太多了，先坐下来喝口茶。",
        "那张地图你还留着吗？",
        "留着，一直压在箱子最底下。",
        "明天一早我们就出发，不能再等了。",
        "路上要是遇到那些人，千万别说话。",
        "我知道，你放心吧。",
    ],
    "openers": ["", "说真的，", "听我说，", "唉，", "你看，", "其实，", "对了，", "好吧，"],
    "tag": "{name}说。",
    "join": "",
}

EN = {
    "narrator": "en-US-AriaNeural",
    "speakers": {
        "Lin": "en-US-GuyNeural",
        "Sue": "en-GB-SoniaNeural",
        "Zhou": "en-US-BrianNeural",
    },
    "narration": [
        "The street was almost empty when the sun came up.",
        "A damp wind blew in from the river and rattled the shutters.",
        "He turned up his collar and walked slowly along the stone road.",
        "The door of the tea house stood half open, and the kettle was already boiling.",
        "Somewhere far off a dog barked twice, then fell silent.",
        "An old map lay across the table, its corners worn white.",
        "She did not answer, and watched the leaves sink to the bottom of her cup.",
        "The rain grew heavier, and a thin curtain of water hung from the eaves.",
    ],
    "lines": [
        "Why are you here so early today?",
        "I could not sleep. Something is about to happen.",
        "Stop worrying and sit down for a cup of tea.",
        "Do you still have that map?",
        "I kept it at the bottom of the trunk, all these years.",
        "We leave at dawn. We cannot wait any longer.",
        "If we meet those men on the road, say nothing.",
    ],
    "openers": ["", "Listen, ", "Well, ", "Look, ", "Honestly, ", "By the way, ", "Fine, "],
    "tag": "{name} said.",
    "join": " ",
}


def chapter(lang: dict, chars: int, seed: int = 7) -> list[tuple[Segment, Voice | None]]:
    """Paragraphs of narration and of dialogue with a short narration tag, ~`chars` long."""
    rng = random.Random(seed)
    narrator = Voice("edge", lang["narrator"])
    names = list(lang["speakers"])
    items: list[tuple[Segment, Voice | None]] = []
    total, paragraph, index = 0, 0, 0
    pool: list[tuple[str, str]] = []

    def add(kind: str, text: str, voice: Voice, speaker: str | None = None) -> None:
        nonlocal index, total
        seg = Segment(1, index, kind, text, paragraph, paragraph + 1, speaker)  # type: ignore[arg-type]
        items.append((seg, voice))
        index += 1
        total += len(text)

    while total < chars:
        if rng.random() < 0.45:
            sentences = rng.sample(lang["narration"], rng.randint(1, 4))
            add("narration", lang["join"].join(sentences), narrator)
        else:
            name = rng.choice(names)
            if not pool:  # every opener with every line before any repeats
                pool = [(o, t) for o in lang["openers"] for t in lang["lines"]]
                rng.shuffle(pool)
            opener, line = pool.pop()
            if opener and lang is EN:
                line = line[0].lower() + line[1:]
            line = opener + line
            add("dialogue", f"“{line}”", Voice("edge", lang["speakers"][name]), name)
            if rng.random() < 0.6:
                add("narration", lang["tag"].format(name=name), narrator)
        paragraph += 1
    return items


def voice_turns(items: list[tuple[Segment, Voice | None]]) -> int:
    turns, last = 0, None
    for seg, voice in items:
        if voice is not None and (voice, seg.chapter) != last:
            turns += 1
        last = (voice, seg.chapter) if voice is not None else None
    return turns


async def sequential(items: list[tuple[Segment, Voice | None]], engine: EdgeEngine) -> int:
    requests = 0
    for seg, voice in items:
        if voice is not None:
            await engine.synthesize(seg.text, voice)
            requests += 1
    return requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument("--chars", type=int, default=4000, help="chapter length in characters")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    lang = ZH if args.lang == "zh" else EN

    items = chapter(lang, args.chars)
    server = EdgeServer().start()
    try:
        server.latency = Latency.realistic()
        point_client_at(pytest.MonkeyPatch(), server.port)  # for the life of this process
        engine = EdgeEngine()
        plan = plan_requests(items, engine.max_request_chars)
        turns = voice_turns(items)
        splits = sum(
            max(0, len(split_text(s.text, engine.max_request_chars)) - 1) for s, _ in items
        )
        lines = sum(1 for _, v in items if v is not None)
        chars = sum(len(s.text) for s, _ in items)
        print(
            f"chapter ({args.lang}): {lines} lines in {items[-1][0].paragraph + 1} paragraphs, "
            f"{chars} characters, {turns} voice turns, {splits} length splits, "
            f"{len(plan)} planned requests ({len({(r.voice, r.text) for r in plan})} distinct); "
            "latency: "
            f"{server.latency.connect} s connect, {server.latency.speed:g}x real-time streaming"
        )

        start = time.perf_counter()
        seq_requests = asyncio.run(sequential(items, engine))
        seq_wall = time.perf_counter() - start

        with tempfile.TemporaryDirectory(prefix="audiobook-bench-") as tmp:
            cache = ClipCache(Path(tmp))
            first = Progress()
            asyncio.run(
                synthesize_all(plan, engine, cache, concurrency=args.concurrency, progress=first)
            )
            again = Progress()
            asyncio.run(
                synthesize_all(plan, engine, cache, concurrency=args.concurrency, progress=again)
            )
        ours, rerun = first.stats(), again.stats()
    finally:
        server.stop()

    print(f"{'':<34}{'requests':>9}{'wall s':>9}{'audio s':>9}")
    print(f"{'sequential, one per line':<34}{seq_requests:>9}{seq_wall:>9.2f}{'':>9}")
    label = f"ours, {args.concurrency} connections"
    print(f"{label:<34}{ours.requests:>9}{ours.wall_seconds:>9.2f}{ours.audio_seconds:>9.0f}")
    print(
        f"{'ours, rerun (cached)':<34}{rerun.requests:>9}{rerun.wall_seconds:>9.2f}"
        f"{rerun.audio_seconds:>9.0f}"
    )
    speedup = seq_wall / ours.wall_seconds
    print(
        f"speed-up {speedup:.1f}x (target >= 4x: {'met' if speedup >= 4 else 'MISSED'}); "
        f"requests {ours.requests} vs voice turns + splits {turns + splits} "
        f"({'met' if ours.requests <= turns + splits else 'MISSED'}); "
        f"rerun requests {rerun.requests} (target 0: {'met' if rerun.requests == 0 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
