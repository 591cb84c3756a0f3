"""A tiny HTTP proxy for tests: what a reader behind a proxy has between them and Edge.

It listens on a random port of 127.0.0.1, from a background thread with its own event loop,
and passes each connection on: `CONNECT host:port` (a tunnel, as clients make for TLS) and
requests in absolute form (`GET http://host:port/path`, `GET ws://...`, which it forwards
in origin form), then copies bytes both ways until either side closes. `seen` lists
(method, target) of every request it was asked to pass on, in order.
"""

from __future__ import annotations

import asyncio
import threading
from urllib.parse import urlsplit


class HttpProxy:
    """Start with `start()` (or `with HttpProxy() as proxy:`); `url` is what to pass on."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HttpProxy:
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop

        async def serve() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(serve())
            loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(5)
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> HttpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        request_line, *headers = head.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ", 2)
        with self._lock:
            self.seen.append((method, target))
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = await asyncio.open_connection(host, int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
        else:
            parts = urlsplit(target)
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            upstream = await asyncio.open_connection(parts.hostname, parts.port or 80)
            kept = [h for h in headers if h and not h.lower().startswith("proxy-")]
            forwarded = "\r\n".join([f"{method} {path} {version}", *kept]) + "\r\n\r\n"
            upstream[1].write(forwarded.encode("latin-1"))
            await upstream[1].drain()
        await asyncio.gather(_pipe(reader, upstream[1]), _pipe(upstream[0], writer))


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            sink.close()
        except (ConnectionError, OSError):
            pass
