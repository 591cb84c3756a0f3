"""`audiobook cache`: where the clips are and how much room they take; `--prune` frees it.

Pruning is a dry run unless --yes is given: it says what would go (count and size) and
removes nothing, so a mistyped filter costs nothing. With --yes it removes exactly that. A
clip "older than 30d" is one no render has used for 30 days (each use renews it), so the
clips of a book still being listened to and re-rendered survive.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tts.cli import main

BOOK_A = """第1章 渡口
雨停了，渡口只剩一盏灯。
“船还来吗？”阿秀问道。
老周摇摇头说：“今晚不来了。”
"""
BOOK_B = """Chapter 1: The Storm

The wind rose at dusk and the lamp swung on its hook.

"Bring the boat in," said Tom.
"""
DAY = 86400


pytestmark = pytest.mark.usefixtures("in_tmp")


@pytest.fixture
def books(tone_engine: str, tmp_path: Path) -> dict[str, Path]:
    """Two books rendered with the test engine into the cache `c`."""
    found = {}
    for name, text in (("a", BOOK_A), ("b", BOOK_B)):
        path = tmp_path / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        result = render(path, tone_engine)
        assert result.exit_code == 0, result.output
        assert "from cache" in result.output
        found[name] = path
    return found


def render(path: Path, engine: str = "tone"):  # type: ignore[no-untyped-def]
    args = ["render", str(path), "--engine", engine, "--cache-dir", "c"]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def cache(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["cache", "--cache-dir", "c", *args], catch_exceptions=False)


def clips(tmp_path: Path) -> set[str]:
    """The keys of the whole clips in the cache (sidecar and audio)."""
    root = tmp_path / "c" / "clips"
    return {p.stem for p in root.rglob("*.json") if p.with_suffix(".mp3").is_file()}


def requests(result) -> int:  # type: ignore[no-untyped-def]
    found = re.search(r"(\d+) requests, (\d+) from cache", result.output)
    assert found, result.output
    return int(found[1])


def age(tmp_path: Path, keys: set[str], days: float) -> None:
    """Make these clips last used `days` ago."""
    then = time.time() - days * DAY
    for key in keys:
        for path in (tmp_path / "c" / "clips" / key[:2]).glob(f"{key}.*"):
            os.utime(path, (then, then))


def test_cache_shows_its_place_its_size_and_each_engine(
    books: dict[str, Path], tmp_path: Path
) -> None:
    result = cache()
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Cache: c (from --cache-dir)"
    size = sum(p.stat().st_size for p in (tmp_path / "c" / "clips").rglob("*") if p.is_file())
    count = len(clips(tmp_path))
    assert lines[1].startswith(f"Clips: {count} clips, ")
    assert re.fullmatch(rf"\s+tone\s+{count} clips\s+\S+ \S*B", lines[2])
    assert abs(_bytes(lines[1].split(", ")[1]) - size) <= size * 0.01
    assert "--prune" in result.stderr


def _bytes(text: str) -> float:
    number, unit = text.split()
    return float(number) * {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[unit]


def test_the_cache_is_under_xdg_cache_home_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    result = CliRunner().invoke(main, ["cache"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"Cache: {tmp_path / 'xdg' / 'audiobook'} (from $XDG_CACHE_HOME)"
    )
    assert "Clips: 0 clips, 0 B" in result.stdout


def test_prune_is_a_dry_run_until_yes(books: dict[str, Path], tmp_path: Path) -> None:
    before = clips(tmp_path)
    result = cache("--prune", "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Would remove {len(before)} clips (")
    assert "add --yes" in result.stderr
    assert clips(tmp_path) == before

    done = cache("--prune", "--all", "--yes")
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"Removed {len(before)} clips (")
    assert done.stdout.rstrip().endswith("0 clips (0 B) left")
    assert not list((tmp_path / "c" / "clips").rglob("*.*"))
    assert requests(render(books["a"])) > 0  # made again


def test_older_than_removes_only_clips_no_render_used_since(
    books: dict[str, Path], tmp_path: Path
) -> None:
    everything = clips(tmp_path)
    age(tmp_path, everything, days=40)
    assert requests(render(books["a"])) == 0  # book a is used again: its clips are renewed
    result = cache("--prune", "--older-than", "30d", "--yes")
    assert result.exit_code == 0, result.output
    left = clips(tmp_path)
    assert left and left < everything
    assert requests(render(books["a"])) == 0  # all of book a's clips are still there
    assert requests(render(books["b"])) > 0  # book b's were pruned

    young = cache("--prune", "--older-than", "2w")
    assert young.stdout.startswith("No clips to remove")


def test_book_removes_that_books_clips_and_keep_everything_else(
    books: dict[str, Path], tmp_path: Path
) -> None:
    everything = clips(tmp_path)
    result = cache("--prune", "--book", str(books["a"]), "--yes")
    assert result.exit_code == 0, result.output
    after_a = clips(tmp_path)
    assert after_a and after_a < everything
    assert requests(render(books["b"])) == 0
    assert requests(render(books["a"])) > 0

    result = cache("--prune", "--keep", str(books["b"]), "--yes")
    assert result.exit_code == 0, result.output
    assert clips(tmp_path) == after_a  # b's clips stayed, a's went again
    assert requests(render(books["b"])) == 0


def test_keep_keeps_the_clips_of_lines_a_fix_gave_another_voice(
    books: dict[str, Path], tmp_path: Path
) -> None:
    from tts.speakers.fixes import LineFix, set_fix

    set_fix(Path("output/a.fixes.yaml"), LineFix(1, "今晚不来了。", "阿秀"))
    assert requests(render(books["a"])) > 0  # 阿秀's voice says it now
    result = cache("--prune", "--keep", str(books["a"]), "--yes")
    assert result.exit_code == 0, result.output
    assert requests(render(books["a"])) == 0


def test_filters_narrow_each_other(books: dict[str, Path], tmp_path: Path) -> None:
    everything = clips(tmp_path)
    result = cache("--prune", "--book", str(books["a"]), "--older-than", "30d", "--yes")
    assert result.stdout.startswith("Removed 0 clips")  # a's clips are fresh
    assert clips(tmp_path) == everything


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prune"], "say which clips to prune: --older-than 30d, --book BOOK"),
        (["--older-than", "30d"], "choose clips to prune: add --prune"),
        (["--prune", "--older-than", "a month"], "--older-than 'a month' is not an age"),
        (["--prune", "--all", "--older-than", "3d"], "--all prunes every clip: give it alone"),
    ],
)
def test_unclear_prunes_are_one_error_line(args: list[str], message: str) -> None:
    result = cache(*args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_clip_half_written_is_counted_and_pruned(books: dict[str, Path], tmp_path: Path) -> None:
    key = sorted(clips(tmp_path))[0]
    (tmp_path / "c" / "clips" / key[:2] / f"{key}.json").unlink()  # a write cut short
    shown = cache()
    assert "?" in shown.stdout and "cut short" in shown.stdout
    cache("--prune", "--all", "--yes")
    assert not list((tmp_path / "c" / "clips").rglob(f"{key}.*"))


def test_clips_of_an_earlier_version_get_their_engine_noted_when_used(
    books: dict[str, Path], tmp_path: Path
) -> None:
    for sidecar in (tmp_path / "c" / "clips").rglob("*.json"):  # as earlier versions wrote them
        meta = json.loads(sidecar.read_text("utf-8"))
        del meta["engine"]
        sidecar.write_text(json.dumps(meta), encoding="utf-8")
    count = len(clips(tmp_path))
    assert re.search(rf"^\s+\?\s+{count} clips", cache().stdout, re.MULTILINE)
    assert requests(render(books["a"])) == 0
    assert requests(render(books["b"])) == 0
    shown = cache().stdout
    assert re.search(rf"^\s+tone\s+{count} clips", shown, re.MULTILINE)
    assert "?" not in shown
