"""Why a line got its speaker is said in words: every method the attribution code can give
a line has a phrase (read from the code itself, so a rule added later without one fails
here), and a method nobody described still shows a phrase, never its id."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tts.speakers import reasons
from tts.speakers.turns import CONFIDENCE

SPEAKERS = Path(__file__).parent.parent / "tts" / "speakers"


def _method_literals() -> set[str]:
    """Every string the modules of tts/speakers give as a segment's or guess's method:
    `method="x"` (keyword or assignment), the method argument of `Guess(...)` and
    `named_guess(...)`, and what `.method` is compared with."""
    found: set[str] = set()

    def strings(node: ast.AST) -> set[str]:
        """The constant strings a value can be (`"a" if c else "b"` gives both, a module's
        `FIXED = "fixed"` gives its string)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return strings(node.body) | strings(node.orelse)
        if isinstance(node, ast.Name) and node.id in constants:
            return {constants[node.id]}
        return set()

    for path in sorted(SPEAKERS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            t.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "method":
                found |= strings(node.value)
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "method" for t in node.targets
            ):
                found |= strings(node.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in ("Guess", "named_guess") and len(node.args) >= 2:
                    found |= strings(node.args[1])
            elif isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(isinstance(s, ast.Attribute) and s.attr == "method" for s in sides):
                    for side in sides:
                        found |= strings(side)
    return found


METHODS = sorted(set(CONFIDENCE) | _method_literals())


def test_the_code_is_read() -> None:
    # the scan finds what the modules plainly give: tags, turn-taking and the script file
    assert {"tag-after", "alternation", "script", "self-name"} <= set(METHODS)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_the_code_gives_has_words(method: str) -> None:
    assert method in reasons.REASONS, f"say in words what {method!r} means in reasons.REASONS"
    phrase = reasons.reason(method)
    assert len(phrase.split()) >= 3  # words, not a rule id ('colon', 'tag-after')
    assert "-" not in method or method not in phrase


def test_the_other_party_is_named_where_the_rule_is_about_them() -> None:
    assert reasons.reason("alternation", "王主任") == "takes turns with 王主任"
    assert "王主任" not in reasons.reason("tag-after", "王主任")


@pytest.mark.parametrize("method", ["colon-next-para", "zz-new-rule", ""])
def test_a_method_without_words_shows_a_phrase_never_the_id(method: str) -> None:
    phrase = reasons.reason(method)
    assert phrase == reasons.UNKNOWN_REASON
    assert method == "" or method not in phrase
