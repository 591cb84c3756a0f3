"""Speaking a book's uncached requests on the machines of a Ray cluster (`render --ray`).

The command stays the driver: reading, who speaks, casting, request planning, the cache and
the assembly all stay on this machine and run as they always do; only the requests whose
clips are not cached (`tts.speech.synth.synthesize_all`'s misses) go out, through a
`ClusterSpeaker`. Each machine speaks with its own copy of the engine:

- an online engine (Edge) as one async actor per machine, pinned to its node, running the
  same `Caller` (adaptive limiter, retries, patience) a render on one machine runs, so each
  machine is polite to the service from its own address: `--concurrency` is per machine;
- an offline engine (espeak) as plain tasks of one CPU each, as many at once on each
  machine as it has CPUs.

Workers send back the clip's bytes with their SHA-256; the driver checks them and stores
the clip in its own cache like any other, so no shared file system is needed and a later
render on this machine is all cache hits. Every machine reports its engine's version first:
clips spoken by another version (another espeak-ng build) would sound different, so a
mismatch is refused. A machine that leaves the cluster mid-run loses only its requests in
flight, which go to the others.

Ray is imported here only, and only when a render asks for a cluster: the core install
does not need it (`pip install 'audiobook-tts[ray]'`). Never connected to unless asked:
the address is always explicit (`local` starts a cluster of this machine alone), so a
cluster left running on this machine, or `RAY_ADDRESS`, is never picked up by chance.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import socket
from dataclasses import dataclass, field
from typing import Any

from tts import registry
from tts.errors import AudiobookError, ClusterError, EngineError, IncompleteAudio
from tts.model import Audio, Request, Voice
from tts.speech.engines.base import Engine
from tts.speech.synth import Caller, Machine, Patience, Progress

LOCAL = "local"
"""The address that starts a cluster of this machine alone (and stops it afterwards)."""

INSTALL_HINT = "pip install 'audiobook-tts[ray]'"

LOCAL_OBJECT_STORE = 200 * 2**20
"""Bytes of shared memory a local cluster reserves for objects: clips are small and few are
in flight, and containers often have a small /dev/shm (Ray's default takes 30 % of RAM)."""

READY_TIMEOUT = 180.0
"""Seconds for every machine to start its worker and report its engine version."""

RESENDS = 3
"""Times one request is sent again after the machine it was on was lost (or after its
clip arrived damaged) before the run stops."""


def import_ray() -> Any:
    """The `ray` module, or the error that says how to install it."""
    try:
        import ray
    except ImportError:
        raise ClusterError(
            f"--ray needs Ray, which is not installed; {INSTALL_HINT} "
            "(on every machine of the cluster, the same version)"
        ) from None
    return ray


# --- what runs on each machine --------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """What a machine says about itself before any request."""

    node: str
    host: str
    version: str
    """Its engine's version (`Engine.version`), which goes into every clip's cache key."""
    problem: str | None = None
    """Why its engine cannot speak now (its `check()` failed), if so."""


@dataclass(frozen=True)
class Spoken:
    """One request's outcome on a machine: the audio and its digest, or the error."""

    node: str
    audio: Audio | None
    digest: str
    error: AudiobookError | None = None
    requests: int = 0
    retries: int = 0
    refusals: int = 0
    limit: int = 0
    """Its connection limit after the request (the adaptive limiter's)."""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _node_id() -> str:
    import ray

    return str(ray.get_runtime_context().get_node_id())


def _build(target: str) -> Engine:
    """The engine `target` ('module:Class', the registry's) names, with the options every
    engine takes: nothing kept on this machine's disk, and the machine's own network."""
    engine: Engine = registry.load(target)(cache_dir=None, proxy=None)
    return engine


async def _report(engine: Engine, check: bool) -> Report:
    problem = None
    if check:
        try:
            await engine.check()
        except EngineError as exc:
            problem = str(exc).split(";")[0]  # what is wrong there; the fix is that machine's
    return Report(_node_id(), socket.gethostname(), engine.version, problem)


async def _speak(caller: Caller, text: str, voice: Voice) -> Spoken:
    tally = Progress()
    try:
        audio = await caller.speak(Request(text, voice, ()), tally)
    except AudiobookError as exc:
        return Spoken(_node_id(), None, "", exc, tally.requests, tally.retries, tally.refusals)
    return Spoken(
        _node_id(),
        audio,
        _digest(audio.data),
        None,
        tally.requests,
        tally.retries,
        tally.refusals,
        caller.limiter.limit,
    )


class NodeWorker:
    """The actor an online engine runs as, one per machine: one engine, one `Caller`, so the
    machine keeps to what the service allows its address (`AdaptiveLimiter`)."""

    def __init__(self, target: str, concurrency: int, patience: Patience) -> None:
        self.engine = _build(target)
        self.caller = Caller(self.engine, concurrency, patience)

    async def ready(self) -> Report:
        return await _report(self.engine, check=True)

    async def speak(self, text: str, voice: Voice) -> Spoken:
        return await _speak(self.caller, text, voice)


_ENGINES: dict[str, Engine] = {}
"""The engine each worker process built, by target: built once, used by every task."""


def _engine_here(target: str) -> Engine:
    engine = _ENGINES.get(target)
    if engine is None:
        engine = _ENGINES[target] = _build(target)
    return engine


def report_task(target: str) -> Report:
    """What a machine's offline engine is (run once on each machine before any request)."""
    return asyncio.run(_report(_engine_here(target), check=True))


def speak_task(target: str, text: str, voice: Voice, patience: Patience) -> Spoken:
    """One request spoken by an offline engine, on one CPU of whichever machine runs it."""
    return asyncio.run(_speak(Caller(_engine_here(target), 1, patience), text, voice))


# --- the driver ---------------------------------------------------------------------------


@dataclass
class _Node:
    """One machine as the driver sees it."""

    id: str
    machine: Machine
    slots: int
    actor: Any = None
    lost: bool = False
    limit: int = 0


@dataclass
class ClusterSpeaker:
    """`tts.speech.synth.Speaker` over the machines of the Ray cluster at `address` (`local`:
    one started on this machine for the run). `engine` is the driver's: the version every
    machine must report, and the name clips are cached under. `concurrency` is per machine
    for an online engine; an offline one runs a task per CPU of each machine. Use as a
    context manager, or call `close()`: the connection (and a local cluster) ends there."""

    address: str
    engine: Engine
    concurrency: int = 4
    patience: Patience = field(default_factory=Patience)
    slots: int = field(default=1, init=False)
    """Requests kept out at once: every working machine's share (set by `open`)."""
    nodes: list[_Node] = field(default_factory=list, init=False)
    _ray: Any = field(default=None, init=False)
    _task: Any = field(default=None, init=False)

    def __enter__(self) -> ClusterSpeaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def where(self) -> str:
        return "a Ray cluster on this machine" if self.address == LOCAL else self.address

    # -- connecting -----------------------------------------------------------------------

    def _connect(self) -> Any:
        ray = import_ray()
        if ray.is_initialized():
            raise ClusterError(
                "this process is already connected to a Ray cluster; render with --ray "
                "from a process of its own"
            )
        quiet: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
        try:
            if self.address == LOCAL:
                ray.init(
                    address=LOCAL,
                    include_dashboard=False,
                    object_store_memory=LOCAL_OBJECT_STORE,
                    **quiet,
                )
            else:
                _check_reachable(self.address)
                ray.init(address=self.address, **quiet)
        except AudiobookError:
            raise
        except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError...
            raise ClusterError(
                f"cannot connect to the Ray cluster at {self.address} ({_first_line(exc)}); "
                "check the address ('ray status' on the head machine prints it), "
                "or use --ray local"
            ) from None
        self._ray = ray
        return ray

    async def open(self, progress: Progress) -> None:
        """Connect, start a worker on every machine with a CPU, and check their engines."""
        ray = self._connect()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        info = registry.info(self.engine.name)
        found = [n for n in ray.nodes() if n.get("Alive") and n["Resources"].get("CPU", 0) > 0]
        if not found:
            raise ClusterError(
                f"{self.where} has no machine with a CPU to speak on; add one "
                "('ray start --address HEAD:6379' on it)"
            )
        names = _machine_names(found)
        for n in found:
            cpus = int(n["Resources"]["CPU"])
            slots = self.concurrency if info.online else max(1, cpus)
            self.nodes.append(_Node(n["NodeID"], Machine(names[n["NodeID"]]), slots))
        reports: list[Any] = []
        worker, probe = ray.remote(NodeWorker), ray.remote(report_task)
        for node in self.nodes:
            pinned = NodeAffinitySchedulingStrategy(node.id, soft=False)
            if info.online:
                node.actor = worker.options(
                    num_cpus=0, max_restarts=0, scheduling_strategy=pinned
                ).remote(info.engine, self.concurrency, self.patience)
                reports.append(node.actor.ready.remote())
            else:
                reports.append(
                    probe.options(num_cpus=0, scheduling_strategy=pinned).remote(info.engine)
                )
        if not info.online:
            self._task = ray.remote(speak_task)
        problems: list[str] = []
        for node, ref in zip(self.nodes, reports, strict=True):
            try:
                report = await asyncio.wait_for(_awaited(ref), READY_TIMEOUT)
            except asyncio.TimeoutError:
                raise ClusterError(
                    f"machine {node.machine.name} did not start its {info.label} worker within "
                    f"{READY_TIMEOUT:.0f} s; check it with 'ray status', or leave it out"
                ) from None
            except Exception as exc:
                raise ClusterError(
                    f"machine {node.machine.name} cannot run the {info.label} worker "
                    f"({_first_line(exc)}); install audiobook-tts[ray] there, the same "
                    "version as here"
                ) from None
            if report.version != self.engine.version:
                raise ClusterError(
                    f"machine {node.machine.name} speaks with {report.version}, this machine "
                    f"with {self.engine.version}: their clips would sound different; install "
                    f"the same version on every machine (or render without --ray)"
                )
            if report.problem is not None:
                problems.append(f"{node.machine.name}: {report.problem}")
                node.lost = True
                node.machine.left_out = report.problem
        if all(node.lost for node in self.nodes):
            raise ClusterError(f"no machine of {self.where} can speak: {problems[0]}")
        self.slots = sum(node.slots for node in self.nodes if not node.lost)
        progress.machines = {node.machine.name: node.machine for node in self.nodes}
        progress.concurrency = self.slots

    # -- speaking -------------------------------------------------------------------------

    async def speak(self, request: Request, progress: Progress) -> Audio:
        resent = 0
        while True:
            node = self._pick()
            node.machine.in_flight += 1
            try:
                spoken = await self._send(node, request)
            except _Lost as lost:
                resent += 1
                self._lose(lost.node, gone=lost.node.actor is not None)
                if resent > RESENDS:
                    raise ClusterError(
                        f"the machines of {self.where} kept failing "
                        f"({lost.why}); check them with 'ray status'"
                    ) from None
                continue
            finally:
                node.machine.in_flight -= 1
            machine = self._machine_of(spoken.node, node)
            machine.requests += spoken.requests
            machine.retries += spoken.retries
            machine.refusals += spoken.refusals
            progress.requests += spoken.requests
            progress.retries += spoken.retries
            progress.refusals += spoken.refusals
            if spoken.error is not None:
                raise _on(spoken.error, machine.name)
            audio = spoken.audio
            problem = _damaged(audio, spoken.digest)
            if audio is None or problem is not None:
                resent += 1
                if resent > RESENDS:
                    raise IncompleteAudio(
                        f"the clips from machine {machine.name} kept arriving damaged "
                        f"({problem}); check that machine, or leave it out"
                    )
                continue
            node.limit = spoken.limit or node.limit
            machine.clips += 1
            machine.chars += len(request.text)
            machine.audio_seconds += audio.duration
            progress.concurrency = sum(n.limit or n.slots for n in self.nodes if not n.lost)
            return audio

    def _pick(self) -> _Node:
        """The machine with the most room: the fewest requests in flight per slot."""
        alive = [node for node in self.nodes if not node.lost]
        if not alive:
            raise ClusterError(
                f"every machine of {self.where} left during the run; rerun the same "
                "command to resume (with --ray local, or without --ray, if the cluster is gone)"
            )
        return min(alive, key=lambda node: node.machine.in_flight / node.slots)

    async def _send(self, node: _Node, request: Request) -> Spoken:
        ray = self._ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        if node.actor is not None:
            ref = node.actor.speak.remote(request.text, request.voice)
        else:  # one CPU of the machine picked: it is counted there, and lost with it
            pinned = NodeAffinitySchedulingStrategy(node.id, soft=False)
            task = self._task.options(num_cpus=1, max_retries=0, scheduling_strategy=pinned)
            info = registry.info(self.engine.name)
            ref = task.remote(info.engine, request.text, request.voice, self.patience)
        try:
            spoken: Spoken = await _awaited(ref)
        except ray.exceptions.RayTaskError as exc:  # the worker's own bug: not a lost machine
            raise ClusterError(
                f"machine {node.machine.name} failed ({_first_line(exc)}); install "
                "audiobook-tts[ray] there, the same version as here"
            ) from None
        except ray.exceptions.RayError as exc:
            raise _Lost(node, _first_line(exc)) from None
        return spoken

    def _machine_of(self, node_id: str, sent_to: _Node) -> Machine:
        for node in self.nodes:
            if node.id == node_id:
                return node.machine
        return sent_to.machine

    def _lose(self, node: _Node, *, gone: bool) -> None:
        """Mark the machines that left: `node` when its worker is `gone` (an actor: it is
        not restarted), and any machine Ray no longer lists as alive. A task's worker that
        died on a machine still alive is replaced by Ray: the machine stays."""
        ray = self._ray
        alive = {n["NodeID"] for n in ray.nodes() if n.get("Alive")}
        for each in self.nodes:
            if (each is node and gone) or each.id not in alive:
                each.lost = each.machine.lost = True

    def close(self) -> None:
        """Disconnect (and stop the cluster `local` started)."""
        ray, self._ray = self._ray, None
        if ray is not None:
            with contextlib.suppress(Exception):
                ray.shutdown()


class _Lost(Exception):
    """A request's machine (or its worker) went away before answering."""

    def __init__(self, node: _Node, why: str) -> None:
        super().__init__(why)
        self.node = node
        self.why = why


async def _awaited(ref: Any) -> Any:
    """A Ray object ref's value, awaited on the running loop."""
    return await asyncio.wrap_future(ref.future())


def _damaged(audio: Audio | None, digest: str) -> str | None:
    """Why a clip that came over the network cannot be stored, or None when it is whole:
    it must be the bytes the worker hashed, and its format must add up."""
    if audio is None:
        return "no audio"
    if _digest(audio.data) != digest:
        return "its bytes differ from those the machine sent"
    if not audio.data or audio.duration <= 0 or audio.sample_rate <= 0 or audio.channels < 1:
        return "empty"
    if audio.codec == "pcm_s16le":
        frame = 2 * audio.channels
        samples = len(audio.data) / frame
        if len(audio.data) % frame or abs(samples / audio.sample_rate - audio.duration) > 0.01:
            return f"{len(audio.data)} bytes of PCM are not {audio.duration:.3f} s"
    elif audio.codec == "mp3":
        if not (audio.data[:3] == b"ID3" or (audio.data[0] == 0xFF and audio.data[1] >= 0xE0)):
            return "not MP3"
    else:
        return f"unknown audio format {audio.codec!r}"
    return None


def _on(error: AudiobookError, machine: str) -> AudiobookError:
    """The worker's error (same class), saying which machine met it."""
    error.args = (f"{error} (on machine {machine})",)
    return error


def _machine_names(nodes: list[dict[str, Any]]) -> dict[str, str]:
    """Each node's name for messages: its address, and the start of its node id where
    several nodes share one address (several Ray nodes on one machine)."""
    addresses = [n["NodeManagerAddress"] for n in nodes]
    names = {}
    for n in nodes:
        address = n["NodeManagerAddress"]
        shared = addresses.count(address) > 1
        names[n["NodeID"]] = f"{address} node {n['NodeID'][:6]}" if shared else address
    return names


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast (Ray itself retries for a minute) when nothing answers at 'host:port'."""
    if "://" in address:
        return  # a Ray Client address: Ray's own connection says what is wrong
    host, colon, port = address.rpartition(":")
    if not colon or not port.isdigit() or not host:
        raise ClusterError(
            f"--ray {address}: give the cluster's address as HOST:PORT (the head machine's "
            "'ray start --head' prints it), 'local' or 'auto'"
        )
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout):
            pass
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise ClusterError(
            f"cannot reach the Ray cluster at {address} ({why}); start it with "
            "'ray start --head' on that machine, or use --ray local"
        ) from None


def _first_line(exc: BaseException) -> str:
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()[:200]
    return type(exc).__name__


__all__ = [
    "LOCAL",
    "ClusterError",
    "ClusterSpeaker",
    "NodeWorker",
    "Report",
    "Spoken",
    "import_ray",
    "report_task",
    "speak_task",
]
