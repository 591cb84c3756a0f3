"""Which engine speaks a book: `--engine`, voices.yaml's `engine:` and the `auto` rule
(the preferred online engine when its service answers, asked a few times, or when the book
is all in the cache for it; else the offline engine, and never over a book another engine
made), and the engines' voices."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any, TypeVar

from tts import registry
from tts.cast import config as voices_config
from tts.errors import AudiobookError, EngineError, RateLimited, ServiceUnreachable
from tts.model import Prosody, Script, VoiceInfo
from tts.pipeline.requests import AS_CAST, plan
from tts.speech.engines.base import Engine

T = TypeVar("T")


CHECK_TRIES = 3
"""Tries of an engine's check at the start of a run while its service is busy (429, 503) or
drops the connection; a service that cannot be reached at all gets one quick retry."""


CHECK_WAIT = 0.5
"""Seconds before the first retry of the check; doubled for each further one."""


CHECK_MAX_WAIT = 5.0
"""The longest wait between checks: a service that asks for more is not waited for."""


def resolve_engine(
    name: str | None,
    config: voices_config.VoicesConfig | None,
    cache_dir: Path,
    *,
    ready: Callable[[Engine], bool] | None = None,
    replaces: tuple[Path, str | None] | None = None,
    proxy: str | None = None,
    scope: str = "this whole book",
) -> tuple[Engine, list[str]]:
    """The engine a render uses, and warnings to show.

    `auto` uses the preferred (online) engine when its service answers now, else the
    offline one; one output never mixes engines, so the choice is made once, here, at the
    start of the run. The check is tried again while the service is busy (`check_engine`).

    `ready(engine)` true means the run needs nothing from that engine's service (every clip
    is cached), so it is used without a check. `replaces` is the output the run would
    replace and the engine that made it (None: unknown); `auto` stops with an error rather
    than put the offline engine's voices over a book another engine made. `proxy` is the
    proxy URL engines reach their service through (None: none); `scope` is what the
    fallback warning says the offline engine speaks.
    """
    chosen = engine_choice(name, config)
    preferred = registry.preferred() if chosen == registry.AUTO else registry.info(chosen)
    engine = make_engine(preferred.name, cache_dir, proxy)
    if ready is not None and ready(engine):
        return engine, []
    fallback = registry.offline()
    if chosen != registry.AUTO or fallback is None or fallback.name == preferred.name:
        run_work(check_engine(engine))
        return engine, []
    try:
        run_work(check_engine(engine))
    except EngineError as exc:
        why = gist(str(exc))
        if replaces is not None and replaces[1] != fallback.name:
            path, made_by = replaces
            made = registry.info(made_by).label if made_by in registry.names() else None
            by = f"was made with {made}" if made else "may have been made with another engine"
            raise EngineError(
                f"{why}, and {path} {by}; retry later, or pass --engine {fallback.name} "
                f"to replace it with the offline {fallback.label} voices"
            ) from None
        warning = (
            f"{why}; using the offline {fallback.label} engine for {scope} "
            f"(pass --engine {preferred.name} to insist on {preferred.label})"
        )
        offline = make_engine(fallback.name, cache_dir, proxy)
        run_work(check_engine(offline))
        return offline, [warning]
    return engine, []


def gist(message: str) -> str:
    """An engine error's first clause without the details in parentheses (which may nest:
    "cannot reach the service (host: Connect call failed ('127.0.0.1', 80)); ...")."""
    kept: list[str] = []
    depth = 0
    for ch in message.split(";")[0]:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            kept.append(ch)
    return " ".join("".join(kept).split())


async def check_engine(engine: Engine) -> None:
    """`engine.check()`, tried again after a short, growing wait (`CHECK_WAIT`) while it
    fails with a transient error (a busy service, a dropped connection), up to `CHECK_TRIES`
    times; a service that cannot be reached at all is tried once more, and one that asks to
    be left alone for longer than `CHECK_MAX_WAIT` is not waited for. Raises the last error."""
    import asyncio

    attempt = 0
    while True:
        attempt += 1
        try:
            await engine.check()
            return
        except EngineError as exc:
            tries = min(CHECK_TRIES, 2) if isinstance(exc, ServiceUnreachable) else CHECK_TRIES
            if not exc.transient or attempt >= tries:
                raise
            delay = CHECK_WAIT * 2 ** (attempt - 1)
            if isinstance(exc, RateLimited) and exc.retry_after is not None:
                if exc.retry_after > CHECK_MAX_WAIT:
                    raise
                delay = max(delay, exc.retry_after)
            await asyncio.sleep(min(delay, CHECK_MAX_WAIT))


def engine_choice(name: str | None, config: voices_config.VoicesConfig | None) -> str:
    """The engine asked for: --engine, else voices.yaml's `engine`, else 'auto'."""
    chosen = name or (config.engine if config is not None else None) or registry.AUTO
    return registry.check_choice(chosen)


def run_work(work: Coroutine[Any, Any, T]) -> T:
    """Run the engines' async work to completion (asyncio imported only when it is needed)."""
    import asyncio

    return asyncio.run(work)


def make_engine(name: str, cache_dir: Path | None, proxy: str | None = None) -> Engine:
    """Engine `name`, with the options every engine takes (those it has no use for it
    ignores): where it may keep what it fetches, and the proxy to its service."""
    return registry.get_engine(name, cache_dir=_cache_option(cache_dir), proxy=proxy)


def _cache_option(cache_dir: Path | None) -> str | None:
    """Where an engine may keep what it fetches (Edge: the voice list)."""
    return str(cache_dir) if cache_dir else None


def engine_voices(engine_name: str, cache_dir: Path | None) -> list[VoiceInfo]:
    """The voices casting may use, without touching the network."""
    return registry.known_voices(engine_name, cache_dir=_cache_option(cache_dir))


def find_voices(
    engine: str | None,
    *,
    locale: str | None = None,
    gender: str | None = None,
    cache_dir: Path | None = None,
    proxy: str | None = None,
) -> list[VoiceInfo]:
    """The voices an engine offers now (an online engine asks its service, through `proxy`
    when given, else the list at hand), those of `locale` (a prefix: 'zh', 'en-GB') and
    `gender` only."""
    name = registry.named_engine(engine or registry.AUTO)
    found = run_work(make_engine(name, cache_dir, proxy).voices())
    shown = [
        info
        for info in found
        if (not locale or info.locale.lower().startswith(locale.lower()))
        and (not gender or info.gender.lower() == gender.lower())
    ]
    if not shown:
        raise AudiobookError(
            f"no {name} voices match --locale {locale or '*'} --gender {gender or '*'}; "
            "try a shorter locale such as 'zh' or 'en'"
        )
    return shown


def engine_for_book(
    engine: str | None,
    config: voices_config.VoicesConfig | None,
    cache_dir: Path,
    script_for: Callable[[str], Script],
    *,
    prosody: Prosody = AS_CAST,
    pronounce: Mapping[str, str] | None = None,
    proxy: str | None = None,
    replaces: tuple[Path, str | None] | None = None,
) -> tuple[Engine, list[str]]:
    """The engine a book is spoken with, and warnings: the one rule `render`, `script` and
    `cast` share (`resolve_engine`). `auto` takes the preferred (online) engine when its
    service answers or every clip of the book (`script_for` that engine, with `prosody` and
    `pronounce`) is cached for it, else the offline engine, with a warning that says why."""

    def fully_cached(candidate: Engine) -> bool:
        from tts.speech.cache import ClipCache
        from tts.speech.synth import all_cached

        requests = plan(script_for(candidate.name), candidate, prosody, pronounce)
        return all_cached(requests, candidate, ClipCache(cache_dir / "clips"))

    return resolve_engine(
        engine, config, cache_dir, ready=fully_cached, replaces=replaces, proxy=proxy
    )
