"""The package reads as the pipeline: imports run one way, from the later stages to the
earlier ones and down to the shared records, and never in a circle.

Read from the source (every `import` and `from ... import`, inside functions too, except
those only a type checker sees), so a lazy import cannot hide a wrong turn.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "tts"

RANKS = {
    "tts.model": 0,
    "tts.errors": 0,
    "tts.text": 0,
    "tts.atomic": 0,
    "tts.ffmpeg": 0,
    "tts.registry": 0,
    "tts.read": 1,
    "tts.speakers": 2,
    "tts.cast": 3,
    "tts.speech": 4,
    "tts.audio": 5,
    "tts.pipeline": 6,
    "tts.studio": 7,
    "tts.cli": 8,
    "tts.__main__": 9,
    "tts": 9,
}
"""Where each part stands: the shared records and helpers, then the five stages in the
order a book goes through them, then what wires them, the studio (a web app over the
pipeline) and what drives them."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _rank(module: str) -> int:
    while module not in RANKS:
        module = module.rpartition(".")[0]
    return RANKS[module]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_module(name: str) -> bool:
    return (PACKAGE / f"{name}.py").is_file() or (PACKAGE / name / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """The tts modules a file imports (the module itself for `from tts.x import y`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "tts")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "tts":  # modules only: `from tts import __version__` is a name
                found.update(f"tts.{a.name}" for a in node.names if _is_module(a.name))
            elif node.module.startswith("tts."):
                found.add(node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


GRAPH = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_run_from_later_stages_to_earlier_ones(module: str) -> None:
    wrong = sorted(m for m in GRAPH[module] if _rank(m) > _rank(module))
    assert not wrong, f"{module} (rank {_rank(module)}) imports a later stage: {wrong}"


def test_no_module_imports_itself_in_a_circle() -> None:
    known = {m: {d for d in deps if d in GRAPH} for m, deps in GRAPH.items()}
    state: dict[str, int] = {}
    path: list[str] = []

    def walk(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for dep in sorted(known[module]):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state and (cycle := walk(dep)):
                return cycle
        state[module] = 2
        path.pop()
        return None

    for module in sorted(known):
        if module not in state:
            cycle = walk(module)
            assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_every_module_has_a_place() -> None:
    for module in GRAPH:
        assert _rank(module) >= 0
