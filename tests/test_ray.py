"""`render --ray`: a book spoken by the machines of a Ray cluster is the book one machine
makes, byte for byte.

One cluster for the module (`ray.cluster_utils.Cluster`: a head with no CPU, so it only
coordinates, and three nodes of one CPU each), small object stores, and an explicit address
always: Ray writes an auth token and a "current cluster" file under $HOME and its temp
folder, and `ray.init()` without an address attaches to whatever it finds there, so both
are the module's own. Each node has a fake Edge service of its own (`tests/ray_nodes.py`),
allowing `LIMIT` connections at once and refusing more with HTTP 429, as the real service
treats one address. Skipped where Ray is not installed (`pip install -e '.[ray]'`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from edge_server import EdgeServer, Latency, decode_mp3, tone_runs
from ray_nodes import EDGE_PORT, TONE_BROKEN, TONE_VERSION

from tts import registry
from tts.cli import main

ray = pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]'")
from ray.cluster_utils import Cluster  # noqa: E402

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "chapter.txt"
TESTS = Path(__file__).resolve().parent
LIMIT = 2
"""Connections each node's fake Edge service allows at once."""
NODES = 3
STORE = 80 * 2**20
"""Bytes of object store per node: Ray's smallest, nothing like its default share of RAM."""


@dataclasses.dataclass
class LiveCluster:
    cluster: Any
    servers: dict[str, EdgeServer]
    """Each node's fake Edge service, by node id."""

    @property
    def address(self) -> str:
        return str(self.cluster.address)

    def add_node(self, **env: str) -> Any:
        node = self.cluster.add_node(num_cpus=1, object_store_memory=STORE, env_vars=env)
        self.cluster.wait_for_nodes()
        return node

    @contextlib.contextmanager
    def extra_node(self, **env: str) -> Iterator[None]:
        """One more machine, with `env` set for its workers, for the length of a block."""
        node = self.add_node(**env)
        try:
            yield
        finally:
            self.cluster.remove_node(node)


@pytest.fixture(scope="module")
def cluster() -> Iterator[LiveCluster]:
    home = tempfile.mkdtemp(prefix="ray-home-")
    temp = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's socket paths must fit
    python_path = os.pathsep.join(
        [str(TESTS.parent), str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    servers = [EdgeServer().start() for _ in range(NODES)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", home)  # the auth token Ray may write, and nothing of the user's
        patch.setenv("RAY_TMPDIR", temp)  # its "current cluster" file and sockets
        patch.setenv("RAY_USAGE_STATS_ENABLED", "0")
        patch.delenv("RAY_ADDRESS", raising=False)
        patch.setenv("PYTHONPATH", python_path)  # the workers import tts and these helpers
        made = Cluster(
            initialize_head=True,
            head_node_args={
                "num_cpus": 0,
                "object_store_memory": STORE,
                "include_dashboard": False,
            },
        )
        by_node: dict[str, EdgeServer] = {}
        try:
            for server in servers:
                server.max_connections = LIMIT
                node = made.add_node(
                    num_cpus=1, object_store_memory=STORE, env_vars={EDGE_PORT: str(server.port)}
                )
                by_node[node.node_id] = server
            made.wait_for_nodes()
            yield LiveCluster(made, by_node)
        finally:
            made.shutdown()
            for server in servers:
                server.stop()
            shutil.rmtree(home, ignore_errors=True)
            shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture
def node_edge(edge_server: EdgeServer) -> Iterator[EdgeServer]:
    """Edge as the nodes build it (`NodeEdgeEngine`): each node's own fake service there,
    the test's `edge_server` here."""
    original = registry.info("edge")
    registry.register("edge", dataclasses.replace(original, engine="ray_nodes:NodeEdgeEngine"))
    try:
        yield edge_server
    finally:
        registry.register("edge", original)


@pytest.fixture
def node_tone(tone_engine: str) -> Iterator[str]:
    """The tone engine as the nodes build it (`NodeToneEngine`)."""
    original = registry.info(tone_engine)
    registry.register(tone_engine, dataclasses.replace(original, engine="ray_nodes:NodeToneEngine"))
    yield tone_engine


@pytest.fixture(autouse=True)
def _fresh_servers(cluster: LiveCluster) -> None:
    for server in cluster.servers.values():
        server.reset()
        server.max_connections = LIMIT


def render(out: Path, cache: Path, *extra: str, book: Path = EXAMPLE) -> Any:
    args = ["render", str(book), "-o", str(out), "--cache-dir", str(cache), *extra]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def render_edge_on(cluster: LiveCluster, out: Path, cache: Path) -> Any:
    """`render --engine edge` on the cluster, at each machine's connection limit."""
    return render(
        out, cache, "--engine", "edge", "--ray", cluster.address, "--concurrency", str(LIMIT)
    )


def machine_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.match(r"^  \S.*: \d+ clips?, ", line)]


def requests_made(output: str) -> int:
    found = re.search(r"^(\d+) requests, (\d+) from cache", output, re.M)
    assert found, output
    return int(found.group(1))


def test_tone_book_on_three_machines_is_the_book_one_machine_makes(
    cluster: LiveCluster, node_tone: str, in_tmp: Path
) -> None:
    alone = render(in_tmp / "alone.mp3", in_tmp / "c1", "--engine", node_tone)
    assert alone.exit_code == 0, alone.output

    spread = render(
        in_tmp / "ray.mp3", in_tmp / "c2", "--engine", node_tone, "--ray", cluster.address
    )

    assert spread.exit_code == 0, spread.output
    assert (in_tmp / "ray.mp3").read_bytes() == (in_tmp / "alone.mp3").read_bytes()
    lines = machine_lines(spread.output)
    assert len(lines) == NODES, spread.output  # every node took part, and says what it did
    clips = sum(int(re.search(r": (\d+) clips?", line).group(1)) for line in lines)
    assert clips == requests_made(spread.output) == requests_made(alone.output)
    # The driver cached every clip: a rerun asks nobody, and a render here is all hits.
    again = render(
        in_tmp / "ray.mp3", in_tmp / "c2", "--engine", node_tone, "--ray", cluster.address
    )
    assert again.exit_code == 0, again.output
    assert requests_made(again.output) == 0
    here = render(in_tmp / "here.mp3", in_tmp / "c2", "--engine", node_tone)
    assert requests_made(here.output) == 0
    assert (in_tmp / "here.mp3").read_bytes() == (in_tmp / "alone.mp3").read_bytes()


def test_edge_book_on_three_machines_is_identical_and_polite_to_each_address(
    cluster: LiveCluster, node_edge: EdgeServer, in_tmp: Path
) -> None:
    alone = render(in_tmp / "alone.mp3", in_tmp / "c1", "--engine", "edge")
    assert alone.exit_code == 0, alone.output
    asked_alone = len(node_edge.requests)
    for server in cluster.servers.values():
        server.latency = Latency(connect=0.05)  # long enough for connections to overlap

    spread = render_edge_on(cluster, in_tmp / "ray.mp3", in_tmp / "c2")

    assert spread.exit_code == 0, spread.output
    assert (in_tmp / "ray.mp3").read_bytes() == (in_tmp / "alone.mp3").read_bytes()
    asked = [len(server.requests) for server in cluster.servers.values()]
    assert sum(asked) == asked_alone, asked  # each request went out once, to one machine
    assert all(asked), asked  # all three machines spoke
    # Each machine kept to what its address is allowed: its service never had to refuse.
    assert [server.refused for server in cluster.servers.values()] == [0] * NODES
    assert len(machine_lines(spread.output)) == NODES


def test_a_machine_with_another_engine_version_is_refused(
    cluster: LiveCluster, node_tone: str, in_tmp: Path
) -> None:
    with cluster.extra_node(**{TONE_VERSION: "tone 2"}):
        result = render(
            in_tmp / "ray.mp3", in_tmp / "c", "--engine", node_tone, "--ray", cluster.address
        )

    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert re.search(r"speaks with tone 2, this machine with tone 1: .*same version", errors[0])
    assert "Traceback" not in result.output
    assert not (in_tmp / "ray.mp3").exists()


def test_a_machine_that_cannot_reach_edge_is_left_out_and_the_others_speak(
    cluster: LiveCluster, node_edge: EdgeServer, in_tmp: Path
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        nowhere = sock.getsockname()[1]  # nothing listens there once the socket closes
    with cluster.extra_node(**{EDGE_PORT: str(nowhere)}):
        result = render_edge_on(cluster, in_tmp / "ray.mp3", in_tmp / "c")

    assert result.exit_code == 0, result.output
    lines = machine_lines(result.output)
    left_out = [line for line in lines if "left out: cannot reach the Edge speech service" in line]
    assert len(lines) == NODES + 1 and len(left_out) == 1, result.output
    assert " 0 clips" in left_out[0]
    assert all(server.requests for server in cluster.servers.values())


def test_a_machine_whose_engine_fails_ends_the_run_with_one_error_and_the_rest_cached(
    cluster: LiveCluster, node_tone: str, in_tmp: Path
) -> None:
    with cluster.extra_node(**{TONE_BROKEN: "1"}):
        result = render(
            in_tmp / "ray.mp3", in_tmp / "c", "--engine", node_tone, "--ray", cluster.address
        )

    assert result.exit_code == 1
    (error,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert re.search(r"no tone voice '[^']+' on this machine \(on machine [^)]+\)", error)
    assert "while reading chapter 1" in error and "rerun the same command to resume" in error
    assert "Traceback" not in result.output
    assert not (in_tmp / "ray.mp3").exists()
    # Rerun once the machine is out of the cluster: the book is made, from what was cached.
    again = render(
        in_tmp / "ray.mp3", in_tmp / "c", "--engine", node_tone, "--ray", cluster.address
    )
    assert again.exit_code == 0, again.output
    assert re.search(r"\(\d+ of \d+ lines done and cached", error), error


def test_chapter_files_and_subtitles_are_the_same_from_the_cluster(
    cluster: LiveCluster, node_tone: str, in_tmp: Path
) -> None:
    book = in_tmp / "book.txt"
    book.write_text(
        EXAMPLE.read_text(encoding="utf-8") + "\n第2章 天亮\n天亮了。老陈说：“走吧。”\n",
        encoding="utf-8",
    )
    extra = ("--engine", node_tone, "--split-chapters", "--subtitles", "srt")
    alone = render(in_tmp / "alone" / "b.mp3", in_tmp / "c1", *extra, book=book)
    spread = render(
        in_tmp / "ray" / "b.mp3", in_tmp / "c2", *extra, "--ray", cluster.address, book=book
    )

    assert alone.exit_code == 0, alone.output
    assert spread.exit_code == 0, spread.output
    made = sorted(p.relative_to(in_tmp / "alone") for p in (in_tmp / "alone").rglob("*.*"))
    assert len([p for p in made if p.suffix == ".mp3"]) == 2, made
    for name in made:
        assert (in_tmp / "ray" / name).read_bytes() == (in_tmp / "alone" / name).read_bytes()


def test_a_machine_lost_mid_run_leaves_its_work_to_the_others(
    cluster: LiveCluster, node_edge: EdgeServer, in_tmp: Path
) -> None:
    alone = render(in_tmp / "alone.mp3", in_tmp / "c1", "--engine", "edge")
    assert alone.exit_code == 0, alone.output
    doomed_server = EdgeServer().start()
    try:
        doomed = cluster.add_node(**{EDGE_PORT: str(doomed_server.port)})
        slow = Latency(connect=0.3, speed=20.0)
        for server in [*cluster.servers.values(), doomed_server]:
            server.latency = slow

        def remove_when_busy() -> None:
            deadline = time.monotonic() + 120
            while not doomed_server.requests and time.monotonic() < deadline:
                time.sleep(0.05)
            cluster.cluster.remove_node(doomed)  # mid-request: its worker dies with it

        remover = threading.Thread(target=remove_when_busy)
        remover.start()
        try:
            spread = render_edge_on(cluster, in_tmp / "ray.mp3", in_tmp / "c2")
        finally:
            remover.join()
    finally:
        doomed_server.stop()

    assert spread.exit_code == 0, spread.output
    assert doomed_server.requests  # it had work when it went
    assert (in_tmp / "ray.mp3").read_bytes() == (in_tmp / "alone.mp3").read_bytes()
    lost = [line for line in machine_lines(spread.output) if "left the cluster" in line]
    assert len(lost) == 1, spread.output
    heard = [run.voice for run in tone_runs(decode_mp3((in_tmp / "ray.mp3").read_bytes()))]
    assert heard and None not in heard


def test_ray_local_renders_the_example_chapter_byte_for_byte(
    cluster: LiveCluster, node_edge: EdgeServer, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--ray local` starts a cluster of this machine alone; its worker inherits this
    process's environment, and so speaks to the test's fake service too."""
    monkeypatch.setenv(EDGE_PORT, str(node_edge.port))
    alone = render(in_tmp / "alone.mp3", in_tmp / "c1", "--engine", "edge")
    assert alone.exit_code == 0, alone.output

    local = render(in_tmp / "ray.mp3", in_tmp / "c2", "--engine", "edge", "--ray", "local")

    assert local.exit_code == 0, local.output
    assert (in_tmp / "ray.mp3").read_bytes() == (in_tmp / "alone.mp3").read_bytes()
    assert len(machine_lines(local.output)) == 1
    assert requests_made(local.output) == requests_made(alone.output)
