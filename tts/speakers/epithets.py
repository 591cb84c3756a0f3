"""Whom a role noun stands for, chapter by chapter, once the narration has named them.

A web novel brings a character in by how they look and names them after (一个身穿白衣的青年走上
高台。此人名叫赵天宇, 身旁的少女…她叫苏小婉, 一个名叫赵天宇的青年); from then on the chapter calls
them by the look as often as by the name (白衣青年冷哼一声, 青年眯起眼睛). The roster keeps 青年
a character of its own, as it must: the next chapter's 青年 may be anyone. Here, within one
chapter and from the naming on, a line the scorer gave such a role noun goes to the one it was
named as, when what stands before the noun (白衣) is part of how the chapter brought them in.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence

from tts.speakers.cues import Cues
from tts.speakers.roster import NEWCOMER_ZH, ROLE_RE, ROLES, fold
from tts.speakers.segment import Block
from tts.speakers.turns import Guess

_ROLE = ROLE_RE
_CALLED = "名叫|名为|名為|叫做"
"""Words that give a name (名叫赵天宇的青年: the name, then 的 and the description)."""
_NAMING = f"{_CALLED}|叫|便是|正是|就是"
"""Words that say whom someone is (她叫苏小婉, 这人正是王腾)."""
_NAMING_CLAUSE = (
    rf"(?:此人|这人|這人|其人|来人|來人|[他她])(?:的名字)?(?:{_NAMING})|(?<=[，,])(?:正是|便是|乃是)"
    r"|(?:认出|認出|看清|原来|原來)?(?:此人|这人|這人|来人|來人)是(?:[^，。！？；,!?;]{0,6}?"
    rf"(?:{_ROLE.pattern}))?|(?:{_ROLE.pattern})(?:{_CALLED})"
)
"""The opening of a clause that names whom the narration just described: 此人名叫…, 她叫…,
这人正是…, the clause after the description itself (一个青衫少年，正是令狐小七), 来人是 and the
name, perhaps after what they are (认出来人是内门弟子赵天宇), or the role noun and 名叫
(少女名叫苏灵儿)."""
_NAMING_OPENS = "".join(sorted({*"此这這其来來他她正便乃认認看原", *(role[0] for role in ROLES)}))
"""The characters `_NAMING_CLAUSE` may open with: its words' first, and each role noun's."""
_NAMED_AS = re.compile(f"(?:{_NAMING_CLAUSE})")
"""`_NAMING_CLAUSE` opening the text."""
_NAMED_AFTER = re.compile(f"[，。！？；,!?;](?=[{_NAMING_OPENS}])(?P<clause>{_NAMING_CLAUSE})")
"""`_NAMING_CLAUSE` after a clause break. The break opens the pattern, so the regex engine skips
straight to the breaks: opening with a look-behind at one, it was tried at every position
(nine tenths of the time it took to read the namings). A look at the character after the
break turns most breaks away before the clause's alternatives are tried one by one (half the
time that took); it changes no match."""
_CALLED_AS = re.compile(_CALLED)
_A_ONE = "一[个位名個]"
_NEWCOMER = re.compile(f"{NEWCOMER_ZH}({_ROLE.pattern})")
"""Someone new brought in by what they look like (一个黑衣青年, 一位白发老者)."""
_CUE = re.compile(f"{_NAMING}|{_A_ONE}|人是")
"""What a narration that names someone or brings someone new in holds (`_NAMED_AS`,
`_CALLED_AS`, `_NEWCOMER`)."""
_NAME_ENDS = frozenset("，。！？；、,!?;的是")
"""What may follow the name in a naming clause (此人名叫赵天宇，是…; 正是赵天宇。)."""
_REACH = 80
"""How far back (characters) a naming clause looks for the role noun it names."""


def named_roles(cues: Cues, blocks: Sequence[Block], decided: list[list[Guess]]) -> None:
    """Give to the named character the lines of a role noun the chapter (`blocks`, with the
    scorer's `decided` speakers, changed in place) has named; only in Chinese."""
    known = cues.roster.known
    named: list[tuple[str, str, str]] = []  # (role noun, the description around it, name)
    scene: list[tuple[int, str]] = []  # the narration since the scene began: (block, text)
    for n, block in enumerate(blocks):
        if block[2]:  # a scene break
            scene.clear()
            continue
        for kind, text, _, _ in block[4:]:
            if kind == "dialogue":
                continue
            if _CUE.search(text):  # (most narration names and brings in no one: read no more)
                window = _window(scene)
                told = "".join(t for _, t in window)[-_REACH:]
                found = _namings(cues, text, told)
                if named:
                    # 一个黑衣青年挤出人群: someone new the chapter calls so, whom no naming names
                    after = max((at for at, _ in found), default=0)
                    new = {fold(m.group(1)) for m in _NEWCOMER.finditer(text, after)}
                    named[:] = [entry for entry in named if entry[0] not in new]
                if found:
                    named[:0] = [entry for _, entry in reversed(found)]  # the latest first
                    # 身旁的少女低声道：“…” / 她叫苏小婉: her line before the naming is hers too
                    latest = [entry for _, entry in found]
                    for m in range(window[0][0] if window else n, n + 1):
                        decided[m] = [_renamed(known, g, latest) for g in decided[m]]
            scene.append((n, text))
        if named and decided[n]:  # (after the paragraph's narration: 一个黑衣青年…道：“…”)
            decided[n] = [_renamed(known, g, named) for g in decided[n]]


def _window(scene: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The narration of the scene a naming looks back over: the longest run of its last
    pieces in which those after the first hold fewer than `_REACH` characters. Found only for
    the narration that holds a naming's words, not kept up piece by piece."""
    first = len(scene) - 1
    after = 0  # the characters after the first piece
    while first > 0 and after + len(scene[first][1]) < _REACH:
        after += len(scene[first][1])
        first -= 1
    return scene[max(first, 0) :]


def _namings(cues: Cues, text: str, told: str) -> list[tuple[int, tuple[str, str, str]]]:
    """The role nouns a narration `text` names (after `told`, the narration before it), each
    with where its naming ends, in order."""
    out: list[tuple[int, tuple[str, str, str]]] = []
    for start, end in _naming_clauses(text):
        named = _name_at(cues, text, end)
        if named is None:
            continue
        who = named[0]
        before = (told + text[:start])[-_REACH:]
        roles = list(_ROLE.finditer(before))
        if roles:
            role = roles[-1]
            clause = max(before.rfind(c, 0, role.start()) for c in "。！？\n") + 1
            out.append((end, (fold(role.group()), before[clause : role.end()], who)))
    for m in _CALLED_AS.finditer(text):
        named = _name_at(cues, text, m.end())
        if named is not None and text.startswith("的", named[1]):
            noun = _ROLE.search(text, named[1] + 1, named[1] + 6)
            if noun is not None:
                described = text[named[1] : noun.end()]
                out.append((m.end(), (fold(noun.group()), described, named[0])))
    out.sort(key=lambda found: found[0])
    return out


def _naming_clauses(text: str) -> Iterator[tuple[int, int]]:
    """Where each clause of `text` that names someone (`_NAMING_CLAUSE`) starts, and where its
    naming words end, in order. (No such clause ends in a clause break, so none hides the break
    that opens the next.)"""
    pos = 0
    m = _NAMED_AS.match(text) if text[:1] in _NAMING_OPENS else None  # (no regex call: most)
    if m is not None:
        yield 0, m.end()
        pos = m.end()
    for m in _NAMED_AFTER.finditer(text, pos):
        yield m.start("clause"), m.end()


def _name_at(cues: Cues, text: str, at: int) -> tuple[str, int] | None:
    """The named character whose name stands at `at` and ends the naming clause, and where
    the name ends."""
    m = cues.mention.match(text, at)
    if m is None or m.lastgroup != "name":
        return None
    if m.end() < len(text) and text[m.end()] not in _NAME_ENDS:
        return None  # 他叫住了她: no name, a verb
    who = cues.names[m.group()]
    if who is None or _ROLE.fullmatch(fold(who)):
        return None
    return who, m.end()


def _renamed(known: Collection[str], g: Guess, named: list[tuple[str, str, str]]) -> Guess:
    """`g`, its speaker the named one when it is a role noun the chapter named."""
    who = g.speaker
    if who is None or who in known:
        return g
    key = fold(who)
    for role, described, name in named:
        if key.endswith(role) and key[: -len(role)] in fold(described):
            return Guess(name, g.method, g.confidence)
    return g
