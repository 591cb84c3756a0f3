"""A studio served for a test: a real server on 127.0.0.1, any free port, over a chapter
written for the tests, spoken by the tone engine; and a small client for its API."""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from texts import script_lines

from tts.model import Cast
from tts.studio.server import Running, start
from tts.studio.session import Session

DATA = Path(__file__).parent / "data"
CHAPTER = DATA / "studio-chapter.txt"
"""Written for these tests in the style of a scraped web-novel chapter (Traditional
Chinese, a heading fused to its first sentence, half-width commas, a site notice, scene
breaks); who says each line, as the reader gets it:

    2  李振國 (colon-prev-para)      19 李振國 (he speaks to 老周)
    5  許曼 (tag-after)              30 老孫 (wrong: 李振國 sends him home)
    34 nobody (unknown, 0.0)         35 老孫 (in view, 0.3: doubtful; 李振國 says it)
    37 nobody (unknown, 0.0: 曼姐, a name the reader does not know, says it)
"""
CHAPTER_EN = DATA / "studio-chapter-en.txt"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Studio:
    running: Running
    session: Session
    folder: Path
    book: Path

    @property
    def url(self) -> str:
        return self.running.url

    def request(
        self, path: str, body: Any = None, *, headers: dict[str, str] | None = None
    ) -> Reply:
        """`path` under the studio's address (with its token), or from the server's root
        when it starts with '/'."""
        root = f"http://127.0.0.1:{self.running.port}"
        url = root + path if path.startswith("/") else self.url + path
        url = urllib.parse.quote(url, safe="/?&=%:+")  # names as the page sends them
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, headers=headers or {})
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return Reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, dict(exc.headers), exc.read())

    def get(self, path: str) -> Any:
        reply = self.request(path)
        assert reply.status == 200, reply.body
        return reply.json()

    def post(self, path: str, body: Any) -> Any:
        reply = self.request(path, body)
        assert reply.status == 200, reply.body
        return reply.json()

    def line(self, index: int, chapter: int = 1) -> dict[str, Any]:
        return self.get(f"api/chapter/{chapter}")["lines"][index]

    def doubtful(self, chapter: int = 1) -> list[int]:
        """The chapter's dialogue lines with no speaker or under the cast's threshold (index
        order), read from `audiobook script --format jsonl`, not from the studio: how many
        there are is the model's to say, and the page must show the same."""
        return [
            x["index"]
            for x in script_lines(self.book)
            if x["chapter"] == chapter
            and x["kind"] == "dialogue"
            and (x["speaker"] is None or x["confidence"] < Cast.threshold)
        ]

    def render(self, timeout: float = 60) -> dict[str, Any]:
        self.post("api/render", {})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get("api/render")
            if job["state"] in ("done", "failed"):
                return job
            time.sleep(0.1)
        raise AssertionError("the render did not finish")


@contextmanager
def served(
    folder: Path,
    engine: str,
    book: Path = CHAPTER,
    voices: Path | None = None,
) -> Iterator[Studio]:
    """The studio over a copy of `book` in `folder` (the current folder), on a free port."""
    copy = folder / book.name
    shutil.copyfile(book, copy)
    session = Session(
        Path(copy.name), voices_file=voices, engine=engine, cache_dir=folder / "cache"
    )
    running = start(session, 0)
    try:
        yield Studio(running, session, folder, Path(copy.name))
    finally:
        running.stop()
