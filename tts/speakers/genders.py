"""Whether each character is a he or a she: the text's pronouns, weighed with the names.

Each he/she (他/她) in the narration votes for the character it most likely stands for.
Chinese: a pronoun opening a clause stands for the sentence's subject, else for what the
same pronoun stood for last, else the latest subject, else the latest name; a pronoun inside
a clause never stands for its own sentence's subject (叶倩推门进来，在他耳边…: 他 is not 叶倩).
Once counted, the Chinese pronouns are read a second time knowing the sex of everyone the
first count made clear, so a 她 skips a subject whose many 他 say he is a man though his name
says nothing (少安…被润叶一把扯住了。她…: 润叶).
English: a sentence naming one character votes with its pronouns. In Chinese, a given name
the book writes with a kin term (润叶姐, 少安哥, 玉亭叔) votes as much as a kin title weighs:
that is how family and friends call her or him (少安妈, his mother, does not). The votes then
meet what the character's names say (`tts.speakers.roster.gender_prior`: 先生, Mrs, a given name, a
rank title, each with its weight): a side that weighs at least twice the other decides.

A character the narration leaves undecided is then weighed again with the speech tags that
name them by a pronoun (`"…," he said.`, `她问道。`): once the dialogue is attributed, each
such tag is a he or a she for the line's speaker (`tag_votes`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tts.model import Gender, Segment
from tts.speakers.cues import Cues, Memo, Mention
from tts.speakers.lazy import lazy_compile
from tts.speakers.roster import KIN_WEIGHT, RANK_WEIGHT, Roster, fold, gender_prior, name_before


def decide_genders(
    cues: Cues, told: Sequence[Sequence[tuple[int, str]]], said: Sequence[str] = ()
) -> dict[str, Gender | None]:
    """The gender of each character of `cues.roster` that voices.yaml does not give, from
    the narration of each chapter (`told`: its pieces, with their paragraph, in order) and,
    in Chinese, the kin terms the book calls them by (润叶姐, in `told` or the lines `said`)."""
    roster = cues.roster
    # What each character's names say, read once: the firm gender while counting, and the
    # prior of each weighing (twice in Chinese), ask it of the same names again and again.
    prior: Memo[str, tuple[Gender, float] | None] = Memo(
        lambda name: gender_prior((name, *roster.forms.get(name, ())), cues.english)
    )
    firm: Memo[str, Gender | None] = Memo(lambda name: _firm_gender(roster, prior, name))
    kin: dict[str, Counter[str]] = defaultdict(Counter)
    if not cues.english:
        pieces = dict.fromkeys(text for chapter_told in told for _, text in chapter_told)
        pieces.update(dict.fromkeys(said))
        _kin_votes(roster, pieces, kin)
    decided, votes = _weigh_all(cues, firm, prior, told, kin)
    if cues.english:
        return decided
    # Once counted, whom a 他/她 stands for is read again knowing the sex of those the
    # pronouns clearly say (被润叶一把扯住了。她…: not 少安, the subject before, whose names say
    # nothing but whose many 他 do).
    sure = {
        name: sex
        for name, sex in decided.items()
        if sex is not None and votes[name][sex] - votes[name][_OTHER[sex]] >= _SURE_VOTES
    }
    again: Memo[str, Gender | None] = Memo(lambda name: firm[name] or sure.get(name))
    return _weigh_all(cues, again, prior, told, kin)[0]


_OTHER: dict[Gender, Gender] = {"male": "female", "female": "male"}
_SURE_VOTES = 3
"""He/she votes one side must lead by for a character's sex to guide the second reading."""


def _weigh_all(
    cues: Cues,
    firm: Memo[str, Gender | None],
    prior: Memo[str, tuple[Gender, float] | None],
    told: Sequence[Sequence[tuple[int, str]]],
    kin: dict[str, Counter[str]],
) -> tuple[dict[str, Gender | None], dict[str, Counter[str]]]:
    """Each character's gender from the pronouns of `told`, read with `firm` as what the
    names say, and the kin terms' votes, weighed with the `prior` of their names; and the
    votes."""
    roster = cues.roster
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for chapter_told in told:
        _count_votes(cues, firm, chapter_told, votes)
    for name, said_so in kin.items():
        votes[name].update(said_so)
    for name, sex in roster.titled.items():
        votes[name][sex] += int(KIN_WEIGHT)  # 皇帝萧景琰
    decided = {
        name: weigh_gender(votes[name], prior[name])
        for name in roster.forms
        if not (name in roster.known and roster.gender.get(name))  # voices.yaml says so
    }
    return decided, votes


_KIN_AFTER_ZH = re.compile(
    "|".join([*(f"{c}(?!夫)" for c in "姐嫂婶嬸"), *(f"{c}(?![们們母娘])" for c in "哥叔伯")])
)
"""A kin term after a given name, calling that person so (润叶姐, 少安哥, 玉亭叔): her or his
sex. (少安妈, 少平姐夫 name a relative: not these.) Each alternative opens with its character,
so a search skips straight to those (a class opening an alternative is tried at every
position: three times slower)."""
_FEMALE_KIN = frozenset("姐嫂婶嬸")


def _kin_votes(roster: Roster, pieces: Iterable[str], votes: dict[str, Counter[str]]) -> None:
    """A he/she vote, as much as a kin term weighs (`KIN_WEIGHT`), for each time the book
    calls a character by a given name and a kin term (润叶姐)."""
    # One search of the pieces joined: no name holds a newline, so none is read across two.
    text = "\n".join(pieces)
    last_of: dict[str, str | None] = {}  # the last character of a name: its one bearer
    for m in _KIN_AFTER_ZH.finditer(text):
        form = name_before(roster, text, m.start())
        who = roster.canon[fold(form)] if form is not None else None
        if who is None and text[m.end() : m.end() + 1] == m.group() and m.start():
            # 靖哥哥, 蓉姐姐: the last character of one name and the kin term doubled
            if not last_of:
                for name in roster.forms:
                    if len(name) >= 2 and not name.isascii():
                        last_of[name[-1]] = None if name[-1] in last_of else name
            who = last_of.get(text[m.start() - 1])
        if who is not None:
            sex = "female" if m.group() in _FEMALE_KIN else "male"
            votes[who][sex] += int(KIN_WEIGHT)


def weigh_gender(votes: Counter[str], prior: tuple[Gender, float] | None) -> Gender | None:
    """He/she votes plus the prior of the names (`roster.gender_prior`): the side the names
    say, when it weighs more than the other (the names and most he/she agree); else a side
    that weighs at least twice the other, or, with many votes (a main character, often in
    sentences with the other sex), one and a half times."""
    m, f = float(votes["male"]), float(votes["female"])
    if prior is not None:
        if prior[0] == "male":
            m += prior[1]
        else:
            f += prior[1]
    ratio = 1.5 if m + f >= _MANY_VOTES else 2.0
    if prior is not None and (m > f) == (prior[0] == "male") and m != f:
        return prior[0]  # the names and most he/she agree (Blanche: 9 she, 6 he)
    if m > f and m >= f * ratio:
        return "male"
    if f > m and f >= m * ratio:
        return "female"
    return None


_MANY_VOTES = 40
"""Votes enough that a 3:2 majority is the character's own pronoun, not chance."""


def _firm_gender(
    roster: Roster, priors: Memo[str, tuple[Gender, float] | None], name: str
) -> Gender | None:
    """The gender a character's names suggest firmly (a kin term or a given name, not a
    rank title; `priors`: `gender_prior` of each character's names), for choosing whom a
    he/she stands for while genders are counted."""
    if name in roster.known and roster.gender.get(name):
        return roster.gender[name]
    prior = priors[name]
    return prior[0] if prior is not None and prior[1] > RANK_WEIGHT else None


@dataclass
class _Votes:
    """What the gender vote remembers between narration pieces of a chapter."""

    last: list[str] = field(default_factory=list)
    """Latest names mentioned, newest last."""
    chain: dict[str, str] = field(default_factory=dict)
    """Pronoun -> what it stood for last."""
    topic: str | None = None
    """The latest name standing as a subject."""
    paragraph: int = -99
    """Where a name was last seen."""


def _count_votes(
    cues: Cues,
    firm: Memo[str, Gender | None],
    told: Sequence[tuple[int, str]],
    votes: dict[str, Counter[str]],
) -> None:
    """Add the he/she votes of one chapter's narration (`told`) to `votes`."""
    if cues.english:
        for _, text in told:
            for *_, vote in cues.sentences[text]:
                if vote is not None:
                    votes[vote[0]][vote[1]] += 1
        return
    mem = _Votes()
    for paragraph, text in told:  # the narration pieces of the chapter, in order
        walk = cues.walks[text]
        if not walk:
            continue  # no one named: nothing to remember or vote
        if paragraph - mem.paragraph > 2 and mem.last:
            mem = _Votes()  # a new scene (and nothing to forget without a name seen)
        _zh_votes(firm, walk, votes, mem, paragraph)


def _zh_votes(
    firm: Memo[str, Gender | None],
    walk: tuple[Mention, ...],
    votes: dict[str, Counter[str]],
    mem: _Votes,
    paragraph: int,
) -> None:
    last = mem.last
    subject: str | None = None  # the current sentence's subject
    for who, w, as_subject, ended, opens in walk:
        if ended:
            subject = None
        if not w:  # a name
            if who is None:
                continue
            if as_subject:
                subject = mem.topic = who
            if who in last:
                last.remove(who)
            last.append(who)
            mem.paragraph = paragraph
            continue
        gender = "male" if w == "他" else "female" if w == "她" else None
        if gender is None or not last:
            continue
        # A later he/she is seldom its sentence's subject, unless the subject's names say its
        # sex (晓霞…，…她是女的).
        subject_says = subject is not None and firm[subject] == gender
        # The first candidate whose names do not say otherwise (她 is not 林晓峰 or Mr. Hale).
        if opens:
            cands = [subject, mem.chain.get(w), mem.topic, *reversed(last)]
            target: str = (
                _fits(firm, cands, gender) or subject or mem.chain.get(w) or mem.topic or last[-1]
            )
            subject = target
        elif subject_says and subject is not None:
            target = subject
        else:
            target = _fits(firm, [c for c in reversed(last) if c != subject], gender) or ""
            if not target:
                target = last[-1]
                if target == subject:
                    target = last[-2] if len(last) > 1 else ""
        if target:
            votes[target][gender] += 1
            mem.chain[w] = target


def _fits(
    firm: Memo[str, Gender | None], candidates: Sequence[str | None], gender: str
) -> str | None:
    """The first candidate whose names do not suggest the other gender."""
    for who in candidates:
        if who and firm[who] in (None, gender):
            return who
    return None


_TAG_PRONOUN_EN = lazy_compile(r"^\W*(?:(he)|(she))\b", re.IGNORECASE)
_TAG_PRONOUN_ZH = re.compile(r"^\W*(?:(他)|(她))")


def tag_votes(segments: Iterable[Segment], english: bool) -> dict[str, Counter[str]]:
    """He/she votes from pronoun speech tags: a line given to its speaker by a pronoun tag
    (method 'pronoun') votes that pronoun's gender for the speaker. The tag is the narration
    right after the line in its paragraph (`"…," he said.`), else right before it (`He
    asked: "…"`)."""
    pattern = _TAG_PRONOUN_EN if english else _TAG_PRONOUN_ZH
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    ordered = list(segments)
    for i, segment in enumerate(ordered):
        if segment.kind != "dialogue" or segment.method != "pronoun" or not segment.speaker:
            continue
        near = [ordered[j] for j in (i + 1, i - 1) if 0 <= j < len(ordered)]
        for tag in near:
            if tag.kind != "narration" or tag.paragraph != segment.paragraph:
                continue
            if tag.chapter != segment.chapter:
                continue
            found = pattern.match(tag.text if tag is near[0] else _last_clause(tag.text))
            if found is not None:
                votes[segment.speaker]["male" if found.group(1) else "female"] += 1
                break
    return votes


def _last_clause(text: str) -> str:
    """The clause a tag before a quote ends with: `Then he asked:` -> `he asked:`."""
    return re.split(r"[.!?。！？，,;；]\s*", text.rstrip(" :：,，"))[-1]
