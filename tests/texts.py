"""Short chapters written for the tests, and the render most of them get, shared by the test
files that use them."""

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from tts.cli import main

FERRY = """第3章 夜渡
江面上起了雾，老周把船拴在柳树下，点起一盏马灯。
“这么大的雾，今晚还过江吗？”老周问道。
阿秀抱着包袱说：“必须过。我娘还在对岸等我。”
“周大哥，你别劝她了。”赵先生把一块银元放在船头，“钱我加倍付。”
老周叹了口气：“行，坐稳了。”
......
船到对岸时，天边已经发白。
"""
"""A ferry at night: a tag after, a colon before, a quote split by a tag, a vocative
(周大哥) and a scene break; three characters, 老周 speaking twice."""

FERRY_SHORT = """第2章 渡口
雨停了，渡口只剩一盏灯。
“船还来吗？”阿秀问道。
老周摇摇头说：“今晚不来了。”
"""
"""Two lines, a tag after and a colon before: the least a render of Chinese needs."""


def ferry_short_book(folder: Path) -> Path:
    """`FERRY_SHORT` written as 渡口.txt in `folder`."""
    path = folder / "渡口.txt"
    path.write_text(FERRY_SHORT, encoding="utf-8")
    return path


def render_quietly(book: Path, out: Path, tmp_path: Path, *extra: str) -> Result:
    """`audiobook render BOOK -o OUT --quiet` with its cache under `tmp_path`."""
    args = ["render", str(book), "-o", str(out), "--cache-dir", str(tmp_path / "c"), "--quiet"]
    return CliRunner().invoke(main, [*args, *extra], catch_exceptions=False)


def script_lines(book: Path, engine: str = "tone", *more: str) -> list[dict[str, Any]]:
    """`audiobook script BOOK --format jsonl --engine ENGINE`, its lines read back."""
    args = ["script", str(book), "--format", "jsonl", "--engine", engine, *more]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
