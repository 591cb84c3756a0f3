"""Benchmark: Edge requests per second on 1 to 4 machines of a Ray cluster (`render --ray`).

    .venv/bin/python bench/ray_cluster.py                     # 1-4 nodes, 4 connections each
    .venv/bin/python bench/ray_cluster.py --nodes 2 --limit 2 --latency 0.3

Needs Ray (`pip install -e '.[ray]'`). A local cluster (`ray.cluster_utils.Cluster`: a
head with no CPU, then one node added per round) stands in for machines: each node has a
fake Edge service of its own (tests/edge_server.py) that takes `--limit` connections at once
and refuses more with HTTP 429, each after `--latency` seconds, as one address is treated by
the real service. The real edge_tts client runs on the nodes, one actor per node around the
adaptive limiter (`tts.speech.cluster`), with `--concurrency` equal to the limit; the driver
sends `--per-node` distinct requests per node and caches every clip.

Timed from the moment every node's worker is ready to the last clip cached (starting Ray and
the workers, a few seconds, is left out: a book takes hours). Target: at least 0.9 x N x K /
latency requests per second on N nodes, no 429, and every node used; the ratio against one
node shows how it scales. Ray's files, and the auth token it may write under $HOME, go to a
temporary folder, and the address is always explicit.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from edge_server import EdgeServer, Latency  # noqa: E402
from ray_nodes import EDGE_PORT  # noqa: E402

from tts import registry  # noqa: E402
from tts.model import Request, Voice  # noqa: E402
from tts.speech.cache import ClipCache  # noqa: E402
from tts.speech.cluster import ClusterSpeaker  # noqa: E402
from tts.speech.engines.edge import EdgeEngine  # noqa: E402
from tts.speech.synth import Progress, synthesize_all  # noqa: E402

STORE = 80 * 2**20
VOICES = ["zh-CN-XiaoxiaoNeural", "zh-CN-YunjianNeural", "zh-CN-XiaoyiNeural"]
DIGITS = "零一二三四五六七八九"


def texts(count: int, round_: int) -> list[str]:
    """`count` distinct short lines (a clip of about half a second each)."""

    def number(n: int) -> str:
        return "".join(DIGITS[int(d)] for d in str(n))

    return [f"第{number(round_)}轮第{number(i)}句。" for i in range(count)]


class TimedSpeaker(ClusterSpeaker):
    """A ClusterSpeaker that notes when its machines are ready."""

    opened: float = 0.0

    async def open(self, progress: Progress) -> None:
        await super().open(progress)
        self.opened = time.monotonic()


async def one_round(
    address: str, engine: EdgeEngine, requests: list[Request], limit: int, cache: Path
) -> tuple[float, Progress]:
    speaker = TimedSpeaker(address, engine, concurrency=limit)
    progress = Progress()
    try:
        await synthesize_all(requests, engine, ClipCache(cache), progress=progress, speaker=speaker)
        return time.monotonic() - speaker.opened, progress
    finally:
        speaker.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=4, help="rounds of 1..N nodes")
    parser.add_argument("--limit", type=int, default=4, help="connections each service allows")
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per request")
    parser.add_argument("--per-node", type=int, default=80, help="requests per node a round")
    args = parser.parse_args()
    try:
        from ray.cluster_utils import Cluster
    except ImportError:
        print("Ray is not installed: pip install -e '.[ray]'", file=sys.stderr)
        return 2

    home = tempfile.mkdtemp(prefix="ray-home-")
    temp = tempfile.mkdtemp(prefix="rt", dir="/tmp")
    os.environ.update(
        HOME=home,
        RAY_TMPDIR=temp,
        RAY_USAGE_STATS_ENABLED="0",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
        NO_PROXY="127.0.0.1,localhost",
    )
    os.environ.pop("RAY_ADDRESS", None)
    original = registry.info("edge")
    registry.register("edge", dataclasses.replace(original, engine="ray_nodes:NodeEdgeEngine"))
    servers: list[EdgeServer] = []
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 0, "object_store_memory": STORE, "include_dashboard": False},
    )
    engine = EdgeEngine()
    failed = False
    first_rate = 0.0
    print(
        f"{'nodes':>5} {'requests':>8} {'seconds':>7} {'req/s':>7} {'target':>7} "
        f"{'x 1 node':>8} {'429s':>4}  per node"
    )
    try:
        for n in range(1, args.nodes + 1):
            server = EdgeServer().start()
            server.max_connections = args.limit
            server.latency = Latency(connect=args.latency)
            servers.append(server)
            cluster.add_node(
                num_cpus=1, object_store_memory=STORE, env_vars={EDGE_PORT: str(server.port)}
            )
            cluster.wait_for_nodes()
            for each in servers:
                each.reset()
                each.max_connections = args.limit
                each.latency = Latency(connect=args.latency)
            count = args.per_node * n
            requests = [
                Request(text, Voice("edge", VOICES[i % len(VOICES)]), ((1, i),))
                for i, text in enumerate(texts(count, n))
            ]
            with tempfile.TemporaryDirectory() as cache:
                seconds, progress = asyncio.run(
                    one_round(cluster.address, engine, requests, args.limit, Path(cache))
                )
            rate = count / seconds
            first_rate = first_rate or rate
            target = 0.9 * n * args.limit / args.latency
            refused = sum(s.refused for s in servers)
            share = "/".join(str(len(s.requests)) for s in servers)
            print(
                f"{n:>5} {count:>8} {seconds:>7.2f} {rate:>7.1f} {target:>7.1f} "
                f"{rate / first_rate:>7.2f}x {refused:>4}  {share}"
            )
            if rate < target or refused or not all(s.requests for s in servers):
                failed = True
            if progress.requests != count:
                failed = True
    finally:
        cluster.shutdown()
        for server in servers:
            server.stop()
        registry.register("edge", original)
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(temp, ignore_errors=True)
    print("FAILED: below target, refused, or a node unused" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
