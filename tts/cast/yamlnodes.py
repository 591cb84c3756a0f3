"""Reading a YAML file by its nodes, so every value keeps the line it came from.

A settings file is checked by walking the nodes ruamel.yaml composes, not the plain data
it loads: each node knows its line, so every problem can say `file:LINE: what; fix`.
`NodeReader` does the parts any such file needs (a document that parses and nests no
deeper than `MAX_DEPTH`, mappings without unknown or repeated keys, text, numbers) and
collects every problem instead of stopping at the first; what the keys mean is the job of
the schema that uses it (tts.cast.config). Messages quote at most the first few dozen
characters of the file's own text (`tts.read.limits.short`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tts.read.limits import short
from tts.text import suggest

MAX_DEPTH = 20
"""The deepest lists and mappings may nest; a settings file needs a handful of levels, and
YAML nested thousands deep (`[[[[...`) would exhaust Python's stack while composing."""


class TooDeep(Exception):
    """Nested past `MAX_DEPTH`, at 1-based `line`."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class DepthLimitedComposer(Composer):
    """ruamel's composer, stopping at `MAX_DEPTH` instead of recursing without end."""

    levels = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.levels += 1
        try:
            if self.levels > MAX_DEPTH:
                raise TooDeep(int(self.parser.peek_event().start_mark.line) + 1)
            return super().compose_node(parent, index)
        finally:
            self.levels -= 1


def line_of(node: Node) -> int:
    """The 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def scalar(node: ScalarNode) -> Any:
    """The plain Python value of a scalar node (str, int, float, bool or None)."""
    tag, value = str(node.tag).rsplit(":", 1)[-1], str(node.value)
    if tag == "null":
        return None
    if tag == "bool":
        return value.lower() in ("true", "yes", "on")
    if tag in ("int", "float"):
        try:
            number = float(value.replace("_", ""))
        except ValueError:
            return value
        return int(number) if tag == "int" and number.is_integer() else number
    return value


def describe(node: Node) -> str:
    """What a node holds, as a message says it: 'a list', 'the number 3', "'high'"."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    value = scalar(node)  # type: ignore[arg-type]
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{short(node.value)}' (true/false)"
    if isinstance(value, (int, float)):
        return f"the number {short(node.value)}"
    return f"'{short(value)}'"


class NodeReader:
    """Walks composed YAML nodes, collecting every problem as `source:LINE: message`.

    The checks return what they could read (or None) and never raise, so one pass finds
    every mistake; `messages()` gives them in file order.
    """

    def __init__(self, source: str, synonyms: Mapping[str, str] | None = None) -> None:
        self.source = source
        """The file as the user named it, first in every message."""
        self.synonyms: Mapping[str, str] = synonyms or {}
        """Words people write for a key (lowercase) -> the key they mean, for suggestions."""
        self.problems: list[tuple[int, str]] = []
        """(line, message), in the order found."""

    def problem(self, line: int, message: str) -> None:
        self.problems.append((line, f"{self.source}:{line}: {message}"))

    def messages(self) -> list[str]:
        """Every problem found, by line (the order found among those on one line)."""
        return [message for _, message in sorted(self.problems, key=lambda p: p[0])]

    def compose(self, text: str) -> Node | None:
        """The document's root node; None when it is empty or not valid YAML (reported)."""
        yaml = YAML(typ="rt")
        yaml.Composer = DepthLimitedComposer
        try:
            root = yaml.compose(text)
        except TooDeep as exc:
            self.problem(
                exc.line,
                f"lists and mappings nested more than {MAX_DEPTH} levels deep; a settings "
                "file needs a few levels at most, so check the brackets and the indentation",
            )
            return None
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = int(mark.line) + 1 if mark is not None else 1
            problem = str(exc.problem or exc.context or "syntax error")
            start = exc.context_mark
            if exc.problem and exc.context and start is not None and start.line + 1 != line:
                problem += f", {exc.context} that starts on line {start.line + 1}"
            fix = (
                "indent with spaces, not tabs"
                if "\\t" in problem or "\t" in problem
                else "check the indentation, colons and quotes on this line and the one above"
            )
            self.problem(line, f"not valid YAML ({problem}); {fix}")
            return None
        except YAMLError as exc:
            self.problem(1, f"not valid YAML ({exc}); check the file's syntax")
            return None
        if root is None or (isinstance(root, ScalarNode) and scalar(root) is None):
            return None
        return root

    def mapping(
        self,
        node: MappingNode,
        path: str,
        allowed: Sequence[str] | None,
        *,
        entry: str = "key",
        merge: bool = False,
    ) -> dict[str, Node]:
        """Keys -> value nodes; unknown, duplicate and non-text keys are reported and dropped.

        `allowed` None takes any name (numbers too, as their text); `entry` is what a key
        is called in messages ('speaker'); `merge` says a repeated entry is to be merged
        into one rather than one of the two kept.
        """
        out: dict[str, Node] = {}
        first_line: dict[str, int] = {}
        where = path or "the top level"
        for key_node, value_node in node.value:
            line = line_of(key_node)
            key = scalar(key_node) if isinstance(key_node, ScalarNode) else None
            if isinstance(key, (int, float)) and not isinstance(key, bool) and allowed is None:
                key = str(key_node.value)
            if not isinstance(key, str) or not key.strip():
                self.problem(
                    line,
                    f"expected a name as the {entry} in {where}, found {describe(key_node)}; "
                    "write it as plain text",
                )
                continue
            key = key.strip()
            if key in first_line:
                if merge:
                    message = (
                        f"{entry} '{short(key)}' is listed twice in {where} (first on line "
                        f"{first_line[key]}); merge the two entries into one"
                    )
                else:
                    message = (
                        f"key '{short(key)}' appears twice in {where} (first on line "
                        f"{first_line[key]}); keep one of them"
                    )
                self.problem(line, message)
                continue
            first_line[key] = line
            if allowed is not None and key not in allowed:
                guess = suggest(key, allowed, self.synonyms) if len(key) <= 100 else None
                fix = (
                    f"did you mean '{guess}'?"
                    if guess
                    else "expected one of: " + ", ".join(allowed)
                )
                self.problem(line, f"unknown key '{short(key)}' in {where}; {fix}")
                continue
            out[key] = value_node
        return out

    def expect_mapping(self, node: Node, path: str, fix: str) -> MappingNode | None:
        """`node` if it is a mapping; None if empty, or after reporting what it is instead."""
        if isinstance(node, MappingNode):
            return node
        if isinstance(node, ScalarNode) and scalar(node) is None:
            return None
        self.problem(line_of(node), f"expected a mapping for {path}, found {describe(node)}; {fix}")
        return None

    def text(self, node: Node, path: str, what: str = "text") -> str | None:
        """A non-empty string value, or None after reporting the problem."""
        value = scalar(node) if isinstance(node, ScalarNode) else node
        if isinstance(value, str) and value.strip():
            return value.strip()
        if value is None:
            self.problem(line_of(node), f"missing value for {path}; write {what} or remove the key")
        else:
            self.problem(
                line_of(node), f"expected {what} for {path}, found {describe(node)}; write {what}"
            )
        return None

    def number(self, node: Node, path: str, low: float, high: float, example: str) -> float | None:
        """A number (the range is for the message; the caller checks it), or None after
        reporting what was found instead."""
        value = scalar(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(
                line_of(node),
                f"expected a number from {low:g} to {high:g} for {path}, found "
                f"{describe(node)}; write a number such as {example}",
            )
            return None
        return float(value)
