"""The studio's web server: the page and its JSON API over one open book (`Session`).

Bound to 127.0.0.1 only. Every URL starts with a random token (`/<token>/...`), printed
and opened in the browser, so no other page or local user can drive the studio; a request
without it is refused (403), as is one whose Host header is not this server's own address
(a web page whose name was pointed at 127.0.0.1 sends its own) or a change whose Origin is
another page's; any path that is not one of the page's files, the API, or the file the
last render wrote is not found (404): nothing else on the disk is served.

The API (JSON unless said otherwise; a refused change is 400 with {"error": one line}):

    GET  api/book                      title, chapters (lines, doubtful), cast, voices files
    GET  api/chapter/N[?start&count]   the chapter's lines (at most 400 at once)
    GET  api/doubtful                  the book's doubtful lines, the least sure first
    GET  api/version                   a number every change bumps (polled by each tab)
    GET  api/close?name=X              cast names X is close to (a typo warning)
    GET  api/similar?chapter&index&method&speaker   same pattern nearby, on request
    POST api/lines {lines: [[ch, i]...], speaker}   fix lines (speaker null: narration)
    POST api/unfix {chapter, index}                 drop a line's fix
    POST api/cast {action, ...}        rename, merge, not-character, gender, voice,
                                       narrator-voice
    GET  api/voices?name=X[&all=1]     voices for the book's language and X's gender
    GET  api/audio/line/CH/I           the line in its voice (audio/mpeg)
    GET  api/audio/audition?name=X[&voice&rate&pitch]   a voice on one of X's lines
                                       (role=narrator: the narrator's, on narration)
    POST api/render / GET api/render   start a render / its progress
    GET  output/NAME                   the rendered file (audio/mpeg)

Blocking work (reading the book, speaking a line, the render) runs in worker threads.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

from tts.errors import AudiobookError
from tts.studio.session import PAGE, Session, StudioError

STATIC = "static"
"""The page's files: package data beside this module."""

_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _static_files() -> dict[str, tuple[bytes, str]]:
    """The page's files by name, read once: only these are served."""
    folder = resources.files("tts.studio").joinpath(STATIC)
    found = {}
    for entry in folder.iterdir():
        suffix = Path(entry.name).suffix
        if entry.is_file() and suffix in _TYPES:
            found[entry.name] = (entry.read_bytes(), _TYPES[suffix])
    return found


def make_app(session: Session, token: str, hosts: set[str]) -> web.Application:
    """The studio's application. `hosts`: the Host headers it answers (the set is read on
    every request, so a server may fill it in once its port is known)."""
    files = _static_files()

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.host not in hosts:
            return _refused(403, "this studio answers only at its own address (127.0.0.1)")
        parts = request.path.split("/", 2)
        if len(parts) < 2 or not secrets.compare_digest(parts[1], token):
            return _refused(403, "open the studio with the address 'audiobook studio' printed")
        if len(parts) == 2:
            raise web.HTTPFound(f"/{token}/")
        origin = request.headers.get("Origin")
        if request.method != "GET" and origin not in (None, f"http://{request.host}"):
            return _refused(403, "changes come only from the studio's own page")
        try:
            response = await handler(request)
        except AudiobookError as exc:
            lines = [p.strip().splitlines()[0] for p in exc.problems if p.strip()]
            return web.json_response({"error": "; ".join(lines) or str(exc)}, status=400)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def work(call: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, call)

    async def page(request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name") or "index.html"
        if name not in files:
            raise web.HTTPNotFound()
        body, kind = files[name]
        return web.Response(body=body, content_type=kind, charset="utf-8")

    async def book(request: web.Request) -> web.StreamResponse:
        return web.json_response(await work(session.book))

    async def chapter(request: web.Request) -> web.StreamResponse:
        number = _int(request.match_info["number"])
        start = _int(request.query.get("start", "0"))
        count = _int(request.query.get("count", str(PAGE)))
        return web.json_response(await work(lambda: session.chapter(number, start, count)))

    async def doubtful(request: web.Request) -> web.StreamResponse:
        return web.json_response(await work(session.doubtful))

    async def version(request: web.Request) -> web.StreamResponse:
        return web.json_response({"version": await work(session.check_files)})

    async def close(request: web.Request) -> web.StreamResponse:
        name = request.query.get("name", "")
        return web.json_response({"close": await work(lambda: session.close(name))})

    async def similar(request: web.Request) -> web.StreamResponse:
        q = request.query
        ch, i = _int(q.get("chapter", "")), _int(q.get("index", ""))
        found = await work(
            lambda: session.similar(ch, i, q.get("method") or None, q.get("speaker") or None)
        )
        return web.json_response({"lines": found})

    async def lines(request: web.Request) -> web.StreamResponse:
        body = await _json(request)
        keys = body.get("lines")
        if not isinstance(keys, list) or not keys:
            raise StudioError("give 'lines': [[chapter, index], ...]")
        if not all(isinstance(k, list) and len(k) == 2 for k in keys):
            raise StudioError("give 'lines': [[chapter, index], ...]")
        pairs = [(_int(k[0]), _int(k[1])) for k in keys]
        speaker = body.get("speaker")
        if speaker is not None and not isinstance(speaker, str):
            raise StudioError("'speaker' is a name or null")
        done = await work(lambda: session.fix_lines(pairs, speaker))
        return web.json_response({"version": done})

    async def unfix(request: web.Request) -> web.StreamResponse:
        body = await _json(request)
        ch, i = _int(body.get("chapter")), _int(body.get("index"))
        return web.json_response({"version": await work(lambda: session.clear_fix(ch, i))})

    async def cast(request: web.Request) -> web.StreamResponse:
        body = await _json(request)
        action = str(body.get("action", ""))
        return web.json_response({"version": await work(lambda: session.edit_cast(action, body))})

    async def voices(request: web.Request) -> web.StreamResponse:
        q = request.query
        found = await work(lambda: session.voices(q.get("name"), q.get("all") == "1"))
        return web.json_response(found)

    async def line_audio(request: web.Request) -> web.StreamResponse:
        ch, i = _int(request.match_info["chapter"]), _int(request.match_info["index"])
        return _mpeg(await work(lambda: session.line_audio(ch, i)))

    async def audition(request: web.Request) -> web.StreamResponse:
        q = request.query
        data = await work(
            lambda: session.audition(
                q.get("name") if q.get("role") != "narrator" else None,
                q.get("voice") or None, q.get("rate") or None, q.get("pitch") or None,
            )
        )  # fmt: skip
        return _mpeg(data)

    async def render_start(request: web.Request) -> web.StreamResponse:
        return web.json_response(await work(session.start_render))

    async def render_state(request: web.Request) -> web.StreamResponse:
        return web.json_response(session.job.as_json())

    async def output(request: web.Request) -> web.StreamResponse:
        try:
            path = session.rendered_file(request.match_info["name"])
        except AudiobookError:
            raise web.HTTPNotFound() from None
        return web.FileResponse(path, headers={"Content-Type": "audio/mpeg"})

    app = web.Application(middlewares=[guard], client_max_size=1024 * 1024)
    t = f"/{token}"
    app.router.add_get(f"{t}/", page)
    app.router.add_get(f"{t}/static/{{name}}", page)
    app.router.add_get(f"{t}/api/book", book)
    app.router.add_get(f"{t}/api/chapter/{{number}}", chapter)
    app.router.add_get(f"{t}/api/doubtful", doubtful)
    app.router.add_get(f"{t}/api/version", version)
    app.router.add_get(f"{t}/api/close", close)
    app.router.add_get(f"{t}/api/similar", similar)
    app.router.add_post(f"{t}/api/lines", lines)
    app.router.add_post(f"{t}/api/unfix", unfix)
    app.router.add_post(f"{t}/api/cast", cast)
    app.router.add_get(f"{t}/api/voices", voices)
    app.router.add_get(f"{t}/api/audio/line/{{chapter}}/{{index}}", line_audio)
    app.router.add_get(f"{t}/api/audio/audition", audition)
    app.router.add_post(f"{t}/api/render", render_start)
    app.router.add_get(f"{t}/api/render", render_state)
    app.router.add_get(f"{t}/output/{{name}}", output)
    return app


def _refused(status: int, why: str) -> web.Response:
    return web.Response(status=status, text=f"{why}\n", content_type="text/plain")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StudioError(f"expected a number, got {value!r}") from None


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise StudioError("the request's body is not JSON") from None
    if not isinstance(body, dict):
        raise StudioError("the request's body is not a JSON object")
    return body


def _mpeg(data: bytes) -> web.Response:
    return web.Response(body=data, content_type="audio/mpeg")


@dataclass
class Running:
    """A studio serving in a thread of its own: its address, and how to stop it."""

    url: str
    port: int
    token: str
    _loop: asyncio.AbstractEventLoop
    _thread: threading.Thread
    _runner: web.AppRunner

    def stop(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


HOST = "127.0.0.1"


def start(session: Session, port: int = 0) -> Running:
    """Serve `session` on 127.0.0.1:`port` (0: any free port) in a background thread."""
    token = secrets.token_urlsafe(18)
    loop = asyncio.new_event_loop()
    ready: dict[str, Any] = {}
    started = threading.Event()

    async def open_site() -> None:
        hosts: set[str] = set()  # known once the port is
        app = make_app(session, token, hosts)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, HOST, port)
        await site.start()
        bound = runner.addresses[0][1]
        hosts.update({f"{HOST}:{bound}", f"localhost:{bound}"})
        ready.update(runner=runner, port=bound)

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(open_site())
        except BaseException as exc:  # the port is taken: said by the caller
            ready["error"] = exc
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=run, name="studio", daemon=True)
    thread.start()
    started.wait()
    if "error" in ready:
        error = ready["error"]
        if isinstance(error, OSError):
            raise AudiobookError(
                f"cannot listen on {HOST}:{port} ({error.strerror or error}); "
                "choose another port with --port, or 0 for any free one"
            )
        raise error
    bound = ready["port"]
    return Running(
        url=f"http://{HOST}:{bound}/{token}/",
        port=bound,
        token=token,
        _loop=loop,
        _thread=thread,
        _runner=ready["runner"],
    )
