"""Why a line got its speaker, in words a reader of the book understands.

Every `Segment.method` that attribution (and a script file read back) can give has a
phrase here; the studio shows it beside the line instead of the rule's id. A method this
table does not know (a rule added later) still gets a plain phrase, never its id: the id
means nothing to a reader. Pure: no I/O.
"""

from __future__ import annotations

from typing import NamedTuple


class Reason(NamedTuple):
    """A method's phrase, and the phrase when the other party of the exchange is known
    (`{other}` is replaced by that name)."""

    alone: str
    with_other: str | None = None


REASONS: dict[str, Reason] = {
    "tag-after": Reason("named after the quote"),
    "tag-before": Reason("named before the quote"),
    "tag-between": Reason("named between the two parts of the quote"),
    "tag-next-line": Reason("named on the line after the quote"),
    "colon": Reason("named before a colon that opens the quote"),
    "colon-prev-para": Reason("named before a colon at the end of the paragraph before"),
    "first-person": Reason("the narrator speaks (“I said”)"),
    "self-name": Reason("says their own name in the quote"),
    "system": Reason("a system's message in 【】 brackets (【叮！任务完成。】)"),
    "pronoun": Reason(
        "“he”, “she” or “the latter” beside the quote: the last person of that sex in view,"
        " or the later of the two just named"
    ),
    "description": Reason(
        "a description beside the quote (“said the girl”): the last person of that sex in view"
    ),
    "action-after": Reason("does something right after the quote"),
    "action-before": Reason("does something right before the quote"),
    "continuation": Reason("the same speech goes on from the paragraph before"),
    "vocative-turn": Reason(
        "was spoken to in the line before, so answers",
        "was spoken to by {other} in the line before, so answers",
    ),
    "alternation": Reason(
        "takes turns with the other speaker of the exchange", "takes turns with {other}"
    ),
    "monologue": Reason("keeps talking: no one else spoke in between"),
    "action-prev": Reason("did something in the paragraph just before"),
    "action-next": Reason("does something on the line right after the quote"),
    "vocative-back": Reason("the reply right after speaks to them by name"),
    "in-view": Reason("a guess: the last person in view, with nothing else to go on"),
    "unknown": Reason("nobody named is in view (someone unnamed speaks)"),
    "script": Reason("as the script file says"),
    "fixed": Reason("set by hand: a fix in the book's fixes file"),
}
"""Each method id -> what it means for the line."""

UNKNOWN_REASON = "guessed from the text around the quote"
"""For a method id without a phrase: true of every rule, and no id shown."""

NO_REASON = "no speaker found"
"""Dialogue without any method."""


def reason(method: str | None, other: str | None = None) -> str:
    """The phrase for `method`; `other` is the other party of the exchange where the rule
    is about one (the speaker of the line before, for `alternation`)."""
    if method is None:
        return NO_REASON
    found = REASONS.get(method)
    if found is None:
        return UNKNOWN_REASON
    if other and found.with_other:
        return found.with_other.format(other=other)
    return found.alone
