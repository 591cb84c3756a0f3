"""A render over a clip cache that was damaged on disk, against the fake Edge service.

A cached clip whose bytes changed since they were stored (part of it overwritten, swapped
for another clip of the same size, turned to garbage) is made again in the same run: the
book comes out exactly as the first render wrote it, the summary says how many clips were
re-made, and the run after that asks for nothing. A cache written before clips carried a
digest is re-made once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from edge_server import decode_mp3, tone_runs

from tts.cli import main

CHAPTER = """第1章 夜
天还没亮，码头上已经挤满了人，船晚了两个钟头，说是江上起了大风，谁也不知道什么时候能到。
“我不走。”小梅说。
“你也不走？”老吴问。
小梅点了点头。
"""
"""'我不走。' (小梅's voice) and '小梅说。' (the narrator's) are clips of the same size."""
LONG_LINE = CHAPTER.splitlines()[1]


pytestmark = pytest.mark.usefixtures("in_tmp")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "夜.txt"
    path.write_text(CHAPTER, encoding="utf-8")
    return path


def render(book: Path, tmp_path: Path):
    out, cache = tmp_path / "book.mp3", tmp_path / "cache"
    args = ["render", str(book), "-o", str(out), "--engine", "edge", "--cache-dir", str(cache)]
    return CliRunner().invoke(main, [*args, "--subtitles", "srt"], catch_exceptions=False)


def summary(result) -> str:  # type: ignore[no-untyped-def]
    """The 'N requests, N from cache, ...' line the render prints on stderr."""
    return next(line for line in result.stderr.splitlines() if " requests, " in line)


def clip_of(tmp_path: Path, text: str) -> Path:
    """The cached audio file whose sidecar says it speaks `text`."""
    for sidecar in (tmp_path / "cache" / "clips").rglob("*.json"):
        spoken = "".join(b[2] for b in json.loads(sidecar.read_text("utf-8"))["boundaries"])
        if spoken == text:
            return sidecar.with_suffix(".mp3")
    raise AssertionError(f"no cached clip speaks {text!r}")


def voices_heard(path: Path) -> list[str]:
    heard: list[str] = []
    for run in tone_runs(decode_mp3(path.read_bytes())):
        if not heard or heard[-1] != run.voice:
            heard.append(run.voice or "?")
    return heard


@pytest.fixture
def first(edge_server, book: Path, tmp_path: Path) -> dict[str, bytes]:
    """A complete first render: the book and its subtitles as they should be."""
    result = render(book, tmp_path)
    assert result.exit_code == 0, result.stderr
    done = {
        "book": (tmp_path / "book.mp3").read_bytes(),
        "srt": (tmp_path / "book.srt").read_bytes(),
    }
    edge_server.reset()
    return done


def assert_same_book(tmp_path: Path, first: dict[str, bytes]) -> None:
    book = (tmp_path / "book.mp3").read_bytes()
    assert len(decode_mp3(book)) == len(decode_mp3(first["book"]))  # not a second short
    assert voices_heard(tmp_path / "book.mp3") == voices_heard_in(first["book"], tmp_path)
    assert book == first["book"]
    assert (tmp_path / "book.srt").read_bytes() == first["srt"]


def voices_heard_in(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "expected.mp3"
    path.write_bytes(data)
    return voices_heard(path)


def test_a_clip_overwritten_in_the_middle_is_made_again_in_the_same_run(
    edge_server, first: dict[str, bytes], book: Path, tmp_path: Path
) -> None:
    text = LONG_LINE
    clip = clip_of(tmp_path, text)
    data = clip.read_bytes()
    third = len(data) // 3
    clip.write_bytes(data[:third] + bytes(third) + data[2 * third :])  # same size

    result = render(book, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert [r.text for r in edge_server.requests] == [text]
    assert "1 damaged clip re-made" in summary(result)
    assert_same_book(tmp_path, first)
    assert clip.read_bytes() == data

    edge_server.reset()
    again = render(book, tmp_path)
    assert again.exit_code == 0, again.stderr
    assert edge_server.requests == []
    assert "damaged" not in summary(again)
    assert_same_book(tmp_path, first)


def test_a_clip_swapped_for_another_of_the_same_size_is_made_again(
    edge_server, first: dict[str, bytes], book: Path, tmp_path: Path
) -> None:
    mine, other = clip_of(tmp_path, "我不走。"), clip_of(tmp_path, "小梅说。")
    assert mine.stat().st_size == other.stat().st_size
    mine.write_bytes(other.read_bytes())  # the narrator's voice where 小梅 speaks

    result = render(book, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert [r.text for r in edge_server.requests] == ["我不走。"]
    assert_same_book(tmp_path, first)

    edge_server.reset()
    assert render(book, tmp_path).exit_code == 0
    assert edge_server.requests == []


def test_garbage_clips_are_made_again_without_deleting_anything_by_hand(
    edge_server, first: dict[str, bytes], book: Path, tmp_path: Path
) -> None:
    for text in ("我不走。", "你也不走？"):
        clip = clip_of(tmp_path, text)
        clip.write_bytes(os.urandom(clip.stat().st_size))

    result = render(book, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert sorted(r.text for r in edge_server.requests) == sorted(["我不走。", "你也不走？"])
    assert "2 damaged clips re-made" in summary(result)
    assert_same_book(tmp_path, first)

    edge_server.reset()
    assert render(book, tmp_path).exit_code == 0
    assert edge_server.requests == []


def test_a_clip_whose_audio_file_is_gone_is_made_again(
    edge_server, first: dict[str, bytes], book: Path, tmp_path: Path
) -> None:
    clip_of(tmp_path, "小梅说。").unlink()
    result = render(book, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert [r.text for r in edge_server.requests] == ["小梅说。"]
    assert "1 damaged clip re-made" in summary(result)
    assert_same_book(tmp_path, first)


def test_clips_cached_before_digests_are_made_again_once(
    edge_server, first: dict[str, bytes], book: Path, tmp_path: Path
) -> None:
    sidecars = list((tmp_path / "cache" / "clips").rglob("*.json"))
    for sidecar in sidecars:  # as the cache wrote them before it kept a digest
        meta = json.loads(sidecar.read_text("utf-8"))
        meta.pop("sha256", None)
        sidecar.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    result = render(book, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert len(edge_server.requests) == len(sidecars)
    assert f"{len(sidecars)} clips from an older cache re-made" in summary(result)
    assert "damaged" not in summary(result)
    assert_same_book(tmp_path, first)

    edge_server.reset()
    assert render(book, tmp_path).exit_code == 0
    assert edge_server.requests == []
