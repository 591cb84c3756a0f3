"""Who says each line, decided by weighing the evidence with weights learned from real novels.

The rule pass (`tts.speakers.attribute` with `cues` and `turns`) gives every quote a first
guess and the reason for it. This module then reads each chapter again, quote by quote in
order. For each quote it gathers the few characters who could have said it (the
candidates: the rule's guess, the names in the tags around it and on the lines before and
after it, the speakers of the lines before, the people addressed, those recently in view, a
first-person narrator) and what the text says about each (the evidence: a feature name per
fact, such as `a:verb`, "the narration right after the quote makes them the subject of a
speech verb", or `p2:consec`, "they spoke the line before the last, and the talk is going
on"). A linear model weighs the evidence (`Model`: one weight per feature and language, fitted
by `bench/train_attribution.py` on labelled Chinese and English novels and shipped as
`tts/data/attribution-model.json`); the best-scored candidate speaks, so there is a guess
whenever there is a candidate. The softmax share of the winner, mapped through the
calibration table fitted with the weights, is the line's `confidence`: lines at 0.8 are
right about 80% of the time on the labelled books.

The decisions feed the next quote's evidence (who spoke one and two lines before, whom they
addressed, whether they asked something), so turn-taking, a new speaker entering and a
speech reopened over several paragraphs are read over the whole conversation, not one
quote alone. Nor is a close call final: when the runner-up of a line in a conversation has
a fair share of it (`Model.branch`), both readings go on side by side (`_Path`, a beam of at
most three), each scored by how well the lines after it fit (the log shares of its choices),
until the talk ends and the likeliest is kept; a wrong turn taken on one line no longer
decides every turn after it. A name the quote addresses (`“祁省長，…”`, `"Lizzy, …"`) is never
its speaker.

A line whose speaker the text names (`PLAIN`: a speech tag, a name and colon, also ending the
paragraph before, "I said", self-naming), or whose rule method the training books found
right more often than the scorer (`Model.trusted`), keeps the rules' speaker, with the
share of such lines right on the training books as its confidence (`Model.plain`), unless
voices.yaml lists nearly everyone who speaks and not that speaker (`Evidence.listed`); a
paragraph whose every line is so is not weighed at all, which keeps the pass cheap. In Chinese
a speaker a tag introduces in the quote's own paragraph (`王主任問：“…”`) holds the floor
(`FLOOR`): the bare lines after theirs that the rules read as them going on stay theirs until
a line asks the listener something or someone else speaks. Web novels lay one long answer out
a paragraph a point, each in its own quote marks, and introduce every new speaker so; the
labelled novel, one sentence a line with its tags on lines of their own, never does, and its
quick exchanges of bare lines, which the scorer learned, would give every other point to the
one who asked.

`method` says why a line got its speaker: the rule's method when the scorer agrees with the
rule, else the strongest evidence for the chosen candidate (the ids of `turns.CONFIDENCE`,
plus `action-next`: the subject of the narration line right after the quote).
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import repeat

from tts.model import Gender
from tts.speakers.cues import Cue, Cues, Memo, Quote, colon_end, introduces
from tts.speakers.lazy import lazy_compile
from tts.speakers.roster import fold, kin_noun_zh
from tts.speakers.segment import Block, Piece
from tts.speakers.turns import GAP, Guess, to_front

MODEL_FILE = "attribution-model.json"
"""The shipped weights, in `tts/data`."""

_LONG_ZH = 24
_LONG_EN = 80
"""A quote this long (characters) is a speech rather than a reply."""
_GOES_ON = re.compile(
    r"^(?:还有|還有|另外|接下来|接下來|而且|再说|再說|其次|此外|第二|第三|最后|最後|总之|總之|然后|然後"
    r"|(?:And|Besides|Also|Moreover|Then|Besides that|What is more|Another thing)\b)"
)
"""A quote that opens like this goes on with what was being said: the same speaker."""
_GOING_ON = frozenset({"monologue", "continuation"})
"""The rules' methods for one speaker going on (see `decide`)."""
_TAGGED = frozenset({"tag-before", "tag-after", "tag-between", "colon"})
"""Methods of a quote a tag introduces in its own paragraph (`王主任問：“…”`): the web-novel
layout, where each new speaker is introduced so. (A tag ending the paragraph before, `他说：`,
is how the labelled novel's sentence-a-line layout introduces every reply.)"""
_MAX_CANDIDATES = 6
_IN_VIEW = ("rec0", "rec1", "rec2", "rec3")
"""Features of the four characters last in view, latest first."""
_NO_ANCHORS: tuple[tuple[str | None, int], tuple[str | None, int]] = ((None, 0), (None, 0))
_RECENT = 8
_NO_NAMES: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
"""What a narration text naming no one names (`Evidence.names`)."""
_DESCRIPTION = lazy_compile(r"the(?: [a-z-]+)+$")
"""A description in lower case: "the girl", "the old gentleman"."""
_PLAIN_PERSON = frozenset(
    "man woman girl boy lady gentleman child lad lass fellow youth person creature".split()
)
"""Nouns that say only what kind of person someone is: a speech tag naming a description made
of one ("the old gentleman", "the girl") stands for a character the book names nearly nine
times in ten on the PDNC novels, as "she" does; one of what they do ("the barman", "the senior
detective") or with more to it ("the gentleman in the white waistcoat") is the speaker itself
two times in five. Each kind has weights of its own (`gen`, `desc`). "The stranger" is the
second kind: someone the scene does not know ("A stranger knocked at the door."), as often
the speaker itself (The Invisible Man's stranger)."""
_PLAIN_PERSON_ZH = ("孩子",)
"""The Chinese kinship nouns a tag may name someone by (`kin_noun_zh`) that say only what kind
of person, as `_PLAIN_PERSON` do (孩子问：a child, most often the named child in view)."""
_LISTED_SHARE = 0.75
"""A voices.yaml whose characters say this share of the lines the rule pass gave someone
names everyone who speaks (see `Evidence.listed`)."""

Trace = list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]]
"""What `decide` saw, per quote in order: its candidates and each one's features (for
training)."""


@dataclass(frozen=True)
class Model:
    """Weights for one language, and the table mapping the winner's share to how often it
    is right."""

    weights: dict[str, float]
    calibration: tuple[tuple[float, ...], tuple[float, ...]] = ((0.0, 1.0), (0.0, 1.0))
    plain: dict[str, float] = field(default_factory=dict)
    """How often a line whose speaker the text names plainly (a `PLAIN` method) is right."""
    margin: float = 0.0
    """How much better than the rules' guess another candidate must score to be chosen."""
    trusted: frozenset[str] = frozenset()
    """Rule methods whose guess is right more often than the scorer's on those lines: they
    stand as `PLAIN` ones do."""
    branch: float = math.inf
    """A runner-up with at least this share of a line in a conversation starts a reading of
    its own (`_Path`); infinity reads greedily, one line at a time, as training does."""

    def confidence(self, share: float) -> float:
        """Calibrated confidence of a winner with softmax `share` (piecewise linear)."""
        xs, ys = self.calibration
        i = bisect_right(xs, share)
        if i <= 0:
            return ys[0]
        if i >= len(xs):
            return ys[-1]
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        return y0 if x1 <= x0 else y0 + (y1 - y0) * (share - x0) / (x1 - x0)


def model_from_json(data: dict[str, object], language: str) -> Model:
    """The model for `language` ('en' or 'zh') from the parsed model file: the shared
    weights plus that language's own."""
    weights = data["weights"]
    assert isinstance(weights, dict)
    merged: dict[str, float] = dict(weights.get("all", {}))
    for name, w in weights.get(language, {}).items():
        merged[name] = merged.get(name, 0.0) + w
    table = data.get("calibration", [[0.0, 0.0], [1.0, 1.0]])
    assert isinstance(table, list)
    xs = tuple(float(x) for x, _ in table)
    ys = tuple(float(y) for _, y in table)
    plain = data.get("plain", {})
    assert isinstance(plain, dict)
    trusted = data.get("trusted", {})
    assert isinstance(trusted, dict)
    margin = data.get("margin", 0.0)
    assert isinstance(margin, (int, float))
    branches = data.get("branch", {})
    assert isinstance(branches, dict)
    branch = branches.get(language, math.inf)
    return Model(
        merged,
        (xs, ys),
        {m: float(v) for m, v in plain.get(language, {}).items()},
        float(margin),
        frozenset(trusted.get(language, ())),
        float(branch),
    )


@lru_cache(maxsize=2)
def shipped_model(language: str) -> Model:
    """The model in `tts/data/attribution-model.json` for 'en' or 'zh'."""
    text = resources.files("tts").joinpath(f"data/{MODEL_FILE}").read_text("utf-8")
    return model_from_json(json.loads(text), language)


PLAIN = frozenset(
    (
        "tag-after",
        "tag-before",
        "tag-between",
        "tag-next-line",
        "colon",
        "colon-prev-para",
        "self-name",
        "first-person",
    )
)
"""Rule methods where the text names the speaker (a speech tag, a name and colon, also
ending the paragraph before, "I said", "It's me, Daniel"): their guess stands, and the
scorer weighs the rest."""

LAST_RESORT = frozenset(("in-view",))
"""The rules found no evidence at all and name whoever was last in view: the scorer has
nothing more to weigh, so that guess stands too, as sure as such lines are."""

_SHOWN = "tag-next-line"
"""The method of a line someone unnamed says that the next line names (原来是宝玉): read as a
tag on its own line after it."""
FLOOR = "floor"
"""The key in `Model.plain` of lines that went to the speaker holding the floor."""

RULES_MODEL = Model({f"r:{m}": 1.0 for m in ("tag-after", "tag-before")}, ((0.0, 1.0), (0.0, 1.0)))
"""Weights that keep the rule's guess (the first candidate) on every line: the start of
training."""

_METHOD_OF = (
    ("self", "self-name"),
    ("a:verb", "tag-after"),
    ("b:verb", "tag-before"),
    ("b:colon", "colon"),
    ("np:verb", "tag-next-line"),
    ("nl:verb", "tag-next-line"),
    ("pp:colon", "colon-prev-para"),
    ("pp:verb", "colon-prev-para"),
    ("pt:colon", "colon-prev-para"),
    ("a:pro", "pronoun"),
    ("b:pro", "pronoun"),
    ("a:desc0", "description"),
    ("b:desc0", "description"),
    ("a:gen0", "description"),
    ("b:gen0", "description"),
    ("p1:cont", "continuation"),
    ("na", "vocative-back"),
    ("la", "vocative-turn"),
    ("ab:even", "alternation"),
    ("af:even", "alternation"),
    ("alt", "alternation"),
    ("p2:consec", "alternation"),
    ("p2:near", "alternation"),
    ("a:act", "action-after"),
    ("b:act", "action-before"),
    ("pp:act", "action-prev"),
    ("pp:subj", "action-prev"),
    ("pt:act", "action-prev"),
    ("np:act", "action-next"),
    ("nl:act", "action-next"),
    ("p1:consec", "monologue"),
    ("p1:near", "monologue"),
)
"""Which evidence names the method of a line the scorer gave someone else than the rule
did, strongest first."""


def _kept(
    g: Guess, key: str, plain: dict[tuple[Guess, str], Guess], rate: dict[str, float]
) -> Guess:
    """The rules' guess `g` standing, as sure as lines kept for `key` (its method, or
    `FLOOR`) are on the training books; one record per distinct guess and key."""
    found = plain.get((g, key))
    if found is None:
        found = plain[(g, key)] = Guess(g.speaker, g.method, rate.get(key, 0.9))
    return found


def _see(names: list[str], seen: Sequence[str]) -> None:
    """Each of `seen` in turn to the front of `names` (the latest first, at most `_RECENT`)."""
    for name in seen:
        if not names or names[0] != name:
            to_front(names, name, _RECENT)


class Evidence:
    """What `decide` needs of a book: its cue readings, genders, who the rule pass heard
    most, and whether it is told in the first person."""

    def __init__(
        self,
        cues: Cues,
        model: Model,
        lines: dict[str, int],
        first_person_book: bool,
    ) -> None:
        self.cues = cues
        self.model = model
        self.gender = cues.roster.gender
        self.me = cues.first_person
        self.first_person_book = first_person_book
        # (ties by the names' Simplified forms: a Traditional text ranks as its Simplified
        # self does)
        ranked = sorted(lines, key=lambda w: (-lines[w], fold(w)))
        self.major: dict[str, str] = {}
        for n, who in enumerate(ranked):
            self.major[who] = "maj1" if n < 2 else "maj2" if n < 6 else "maj3"
        self.leads = tuple(ranked[:2])
        """The two characters the rule pass heard most: candidates for any line."""
        known = cues.roster.known
        heard = sum(n for who, n in lines.items() if who != self.me)
        listed = sum(n for who, n in lines.items() if who in known)
        self.listed = (
            known | {self.me} if heard and listed >= heard * _LISTED_SHARE else frozenset()
        )
        """The characters voices.yaml lists, when it lists nearly everyone the rule pass
        heard: then anyone else (a role noun, a word the roster took for a name) is less
        likely to speak (`unlisted`). A list of a few main characters says nothing of the
        others. The first-person narrator ("I") counts as listed: their name is read only
        after."""
        self.described = frozenset(
            name
            for name in cues.roster.forms
            if name not in known
            and (_DESCRIPTION.match(name) if cues.english else kin_noun_zh(name))
        )
        """Characters known by a description ("the girl", "the old gentleman"): a tag naming
        one may mean the named character of that sex in view, as "she" does (`desc`, `gen`). A
        capitalised word the book calls someone by (Grandmother, the Jew) is their name."""
        self.plain_person = frozenset(name for name in self.described if _plain_person(name))
        """Descriptions that say only what kind of person (`_PLAIN_PERSON`)."""
        self.names: Memo[str, tuple[tuple[str, ...], tuple[str, ...]]] = Memo(self._names)
        """Index with a narration text: the characters it names, in order, and those standing
        as a subject."""
        self.named_in_quote: Memo[str, tuple[str, ...]] = Memo(self._named_in_quote)
        """Index with a quote: the characters it names (as someone talked about or to,
        rarely the speaker). A plain tuple, as the cue memos keep (see `Cues`): a quote names
        one or two at most, and the cycle collector stops tracking a tuple of names, where a
        set per quote of the book would be walked at every full collection."""

    def settles(self, who: str) -> bool:
        """A tag naming `who` decides the line: not one whom a list of everyone leaves out,
        nor a description (both are weighed with the other candidates)."""
        return (not self.listed or who in self.listed) and who not in self.described

    def see(self, text: str, recent: list[str], subjects: list[str]) -> None:
        """The characters a narration text names come into view, its subjects into focus."""
        named, subj = self.names[text]
        if named:  # (much narration names no one: nothing to move)
            _see(recent, named)
        if subj:
            _see(subjects, subj)

    def _names(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if self.cues.english:
            named: list[str] = []
            subjects: list[str] = []
            for subject, _, in_sentence, _ in self.cues.sentences[text]:
                named.extend(in_sentence)
                if subject:
                    subjects.append(subject)
            return (tuple(named), tuple(subjects))
        walk = self.cues.walks[text]
        if not walk:
            return _NO_NAMES
        # lists built in C and made tuples: twice as fast as tuples from generators
        return (
            tuple([who for who, _, _, _, _ in walk if who]),
            tuple([who for who, _, subj, _, _ in walk if who and subj]),
        )

    def _named_in_quote(self, text: str) -> tuple[str, ...]:
        names = self.cues.names
        return tuple(
            [who for name, _ in self.cues.mention.findall(text) if name and (who := names[name])]
        )

    def tag(self, cue: Cue | None, side: str, out: dict[str, list[str]]) -> bool:
        """Evidence from a tag cue (`side`: 'a' after the quote, 'b' before it, 'pp' the
        paragraph before, 'np' the paragraph after): the named subject, or the gender a
        pronoun subject says. True when the tag says someone unnamed speaks (`said the
        landlord's wife`, 有人喊道)."""
        if cue is None:
            return False
        if not cue.candidates:
            return True
        kind = "colon" if cue.colon else "verb" if cue.verb else "act"
        names = self.cues.names
        pronoun = None
        for n, (surface, is_pro) in enumerate(cue.candidates):
            if is_pro:
                if pronoun is None:
                    pronoun = surface
                continue
            if n == 0 and surface in _THE_OTHER:  # said the other: not the one who just spoke
                out.setdefault("", []).append(f"{side}:other")
                return False
            who = names[surface]
            if who is not None:
                out.setdefault(who, []).append(f"{side}:{kind}" if n == 0 else f"{side}:{kind}2")
                if n == 0 and who in self.described and (sex := self.gender.get(who)):
                    word = "gen" if who in self.plain_person else "desc"
                    out.setdefault("", []).append(f"{side}:{word}-{sex}")
                break
        if pronoun is None:
            return False
        word = pronoun.lower()
        if word in ("i", "我"):  # "I said": the narrator, as plainly as a name
            out.setdefault(self.me, []).append(f"{side}:{kind}")
            return False
        gender = "female" if word in ("she", "她") else "male"
        out.setdefault("", []).append(f"{side}:pro-{gender}")
        return False


_THE_OTHER = frozenset(("the other", "The other"))
_BEAM = 3
"""Readings of a conversation kept side by side (see `_Path`)."""
_BEAM_DROP = math.log(0.1)
"""A reading this much less likely than the best one is dropped."""
_BEAM_REACH = 40
"""Blocks after which the likeliest reading is kept alone even if the talk goes on."""

History = list[tuple[str | None, int, str | None, bool, int, Gender | None]]
"""Per dialogue paragraph, latest last: (speaker, paragraph, addressee, asked something,
length of its last quote, the sex of whom it called by what they are: sir, 姑娘)."""


class _Path:
    """One reading of the talk so far: who said each line, and what that leaves for the next
    one (who spoke one, two, three lines back and to whom, who holds the floor, who is in
    view). A line whose best candidate wins by little starts a second reading with the
    runner-up; the lines after score each reading (the sum of the log shares of its choices
    on the lines it weighs; the tags' speakers, weighed the same way, moved WP the wrong way
    and are not counted). Readings end, the likeliest kept, when the conversation does (a
    scene break, or a new run of talk) or after `_BEAM_REACH` blocks."""

    __slots__ = ("floor", "hist", "out", "recent", "score", "subjects", "trace")

    def __init__(
        self,
        hist: History,
        floor: str | None,
        recent: list[str],
        subjects: list[str],
        out: list[list[Guess]],
        trace: Trace | None,
        score: float,
    ) -> None:
        self.hist = hist
        self.floor = floor  # see `_floor_after`
        self.recent = recent
        self.subjects = subjects
        self.out = out  # decisions per block since the readings last met
        self.trace = trace
        self.score = score

    def fork(self) -> _Path:
        trace = None if self.trace is None else self.trace.copy()
        return _Path(
            self.hist.copy(),
            self.floor,
            self.recent.copy(),
            self.subjects.copy(),
            self.out.copy(),
            trace,
            self.score,
        )

    def state(self) -> tuple[object, ...]:
        """What the next lines' evidence reads of this reading: two that agree on it go on
        alike, and only the likelier is kept."""
        hist = self.hist
        return (tuple(h[0] for h in hist[-3:]), hist[-1][2] if hist else None, self.floor)


def _likelihood(path: _Path) -> float:
    return path.score


def _prune(paths: list[_Path]) -> list[_Path]:
    """The likeliest readings, at most `_BEAM`, none far below the best and no two alike."""
    if len(paths) == 1:
        return paths
    paths.sort(key=_likelihood, reverse=True)  # stable: the greedy reading first of equals
    best = paths[0].score
    kept: list[_Path] = []
    seen: set[tuple[object, ...]] = set()
    for path in paths:
        if path.score - best < _BEAM_DROP:
            break
        state = path.state()
        if state not in seen:
            seen.add(state)
            kept.append(path)
            if len(kept) == _BEAM:
                break
    return kept


def decide(
    ev: Evidence,
    blocks: Sequence[Block],
    guesses: Sequence[Sequence[Guess]],
    trace: Trace | None = None,
) -> list[list[Guess]]:
    """The speaker of each dialogue piece of a chapter's blocks, weighing the evidence; the
    rule pass's `guesses` (one list per block) are part of it."""
    cues = ev.cues
    read_quote = cues.quotes
    weights = ev.model.weights
    me = ev.me
    listed = ev.listed
    described = ev.described
    anchors = _Anchors(blocks, guesses)
    keep = PLAIN | LAST_RESORT | ev.model.trusted
    weight_of = weights.get
    exp = math.exp
    major_of = ev.major.get
    gender_of = ev.gender.get
    called_sex_of = cues.called_sex
    english = cues.english
    plain_rate = ev.model.plain
    branch_share = ev.model.branch
    plain: dict[tuple[Guess, str], Guess] = {}  # a guess that stands: one record each
    long_quote = _LONG_EN if english else _LONG_ZH
    out: list[list[Guess]] = []
    paths = [_Path([], None, [], [], [], None if trace is None else [], 0.0)]

    def commit() -> _Path:
        """Keep the likeliest reading alone, its decisions final."""
        if len(paths) == 1:  # the common case: after every paragraph of a lone reading
            path = paths[0]
        else:
            path = max(paths, key=_likelihood)  # the first of equals: the greedy reading
            paths[:] = [path]
        out.extend(path.out)
        path.out = []
        if trace is not None and path.trace is not None:
            trace.extend(path.trace)
            path.trace = []
        path.score = 0.0
        return path

    n_blocks = len(blocks)
    for n, (paragraph, _, pause, _, *pieces) in enumerate(blocks):
        rule = guesses[n]
        if pause:  # a scene break: whoever talked or was seen before is not in this scene
            path = commit()
            path.hist.clear()
            path.floor = None
            path.recent.clear()
            path.subjects.clear()
            out.append([])
            continue
        if not rule:
            for path in paths:
                hist = path.hist
                for _, text, _, _ in pieces:
                    ev.see(text, path.recent, path.subjects)
                    if path.floor is not None and not english:
                        # 林小满低头一看，…: someone else acts between the lines, and the one
                        # who held the floor holds it no more
                        acting = ev.names[text][1]
                        if acting and path.floor not in acting:
                            path.floor = None
                if hist and hist[-1][2] is None and hist[-1][1] == paragraph - 1:
                    # a tag on its own line after a quote (田福军问乔书记。): whom it was said to
                    to = _told_to(cues, (text for _, text, _, _ in pieces), hist[-1][0])
                    if to is not None:
                        hist[-1] = (hist[-1][0], hist[-1][1], to, *hist[-1][3:])
                path.out.append([])
            continue
        if len(paths) > 1 and all(
            not path.hist or paragraph - path.hist[-1][1] > GAP for path in paths
        ):
            commit()  # a new conversation: the readings of the last one part no more
        texts: list[str] = []
        kinds: list[bool] = []
        dialogue_idx: list[int] = []
        told: list[str] = []  # its narration pieces, in order (read once per reading)
        for i, (kind, text, _, _) in enumerate(pieces):
            texts.append(text)
            if kind == "dialogue":
                kinds.append(True)
                dialogue_idx.append(i)
            else:
                kinds.append(False)
                told.append(text)
        for g in rule:  # (a loop, not all() of a generator: read for every dialogue block)
            if g.speaker is None or g.method not in keep or not ev.settles(g.speaker):
                plain_only = False
                break
        else:
            plain_only = True
        if not plain_only:  # what the narration around the paragraph says: the same for all
            prev_text = _narration_at(blocks, n - 1, paragraph - 1)
            next_text = _narration_at(blocks, n + 1, paragraph + 1)
            para_ev: dict[str, list[str]] = {}
            if prev_text is not None:
                # A line of narration between two quotes is often the tag of the one before
                # (`“…”` / `少安说。` / `“…”`): its evidence weighs differently then.
                side = "pt" if _dialogue_at(blocks, n - 2, paragraph - 2) else "pp"
                if introduces(prev_text, english):  # read by the rules already
                    ev.tag(cues.before[prev_text], side, para_ev)
                named, subj = ev.names[prev_text]
                for who in named:
                    para_ev.setdefault(who, []).append(f"{side}:name")
                if subj:
                    para_ev.setdefault(subj[-1], []).append(f"{side}:subj")
            if next_text is not None:
                if not colon_end(next_text):  # `润叶笑着说：` introduces the quote after it
                    ev.tag(cues.after[next_text], "np", para_ev)
                for who in ev.names[next_text][0]:
                    para_ev.setdefault(who, []).append("np:name")
            if not english and (lead := _lead_in_at(blocks, n + 1, paragraph + 1)):
                # `“…”` / `孙玉厚说，“…”`: a line laid out one sentence a paragraph, whose next
                # paragraph opens with a tag and a comma, is mostly the first part of that
                # speech (WP: 29 of 43), not a turn of its own.
                ev.tag(cues.before[lead], "nl", para_ev)
            # The next quote's addressee: likely who speaks here (the reply names them).
            next_quote = _first_quote(blocks, n + 1, min(n + 3, n_blocks))
            # One paragraph, one speaker: whoever its quotes address says none of them.
            spoken_to = {read_quote[texts[i]][0] for i in dialogue_idx}
            if not english and next_text is not None and kinds[-1]:
                # “…” / 她对少平说。: whom the tag line after says it was said to said none of it
                spoken_to.add(cues.told_by_tag_after(next_text))
        grown: list[_Path] = []
        for path in paths:
            hist, recent, subjects, floor = path.hist, path.recent, path.subjects, path.floor
            traced = path.trace
            branch: list[tuple[Guess, float]] = []  # other readings of the paragraph's last line
            gain = 0.0
            decided: list[Guess] = []
            if plain_only:
                # The text names every speaker of the paragraph: nothing to weigh.
                for g in rule:
                    decided.append(_kept(g, g.method, plain, plain_rate))
                    if traced is not None:
                        traced.append(((g.speaker,), ((f"={g.method}",),)))  # type: ignore[arg-type]
            else:
                in_talk = bool(hist) and paragraph - hist[-1][1] <= GAP
                p1 = hist[-1][0] if in_talk else None
                p2 = hist[-2][0] if in_talk and len(hist) > 1 else None
                p3 = hist[-3][0] if in_talk and len(hist) > 2 else None
                gap = paragraph - hist[-1][1] if in_talk else 99
                last_addr = hist[-1][2] if in_talk else None
                last_asked = hist[-1][3] if in_talk else False
                last_len = hist[-1][4] if in_talk else 0
                last_sex = hist[-1][5] if in_talk else None  # whom it called sir, 姑娘
                holder = floor if in_talk and not english else None
                near = "consec" if gap == 1 else "near" if gap <= 2 else "far"
                p1_feature, p2_feature = "p1:" + near, "p2:" + near
                rank_in_view = dict(zip(recent[:4], _IN_VIEW, strict=False))
                for pos, i in enumerate(dialogue_idx):
                    g = rule[pos]
                    text = texts[i]
                    self_named = read_quote[text][1]
                    continues = pieces[i][2]
                    nxt = (
                        texts[dialogue_idx[pos + 1]] if pos + 1 < len(dialogue_idx) else next_quote
                    )
                    next_addr = read_quote[nxt][0] if nxt is not None else None
                    if pos and not english:
                        before = read_quote[texts[dialogue_idx[pos - 1]]]
                        holder = _floor_after(holder, decided[-1], before)
                    holds = g.speaker == holder and g.method in _GOING_ON
                    if holds and not pos and last_addr not in (None, holder):
                        # “叶先生，你来了。” / “嗯。”: a word or two after a line that called
                        # someone is their answer, not the caller going on
                        holds = read_quote[text][4] * 3 >= long_quote
                    if (
                        g.speaker is not None
                        and (g.method in keep or holds)
                        and ev.settles(g.speaker)
                    ):
                        # The text names the speaker: that decides; how often it is right, the
                        # corpora tell. So does the floor: a Chinese web novel introduces each
                        # speaker with a tag and lays one answer out as a paragraph a point, each
                        # in its own quote marks, and the rules read the speaker going on.
                        kept = g.method if g.method in keep else FLOOR
                        decided.append(_kept(g, kept, plain, plain_rate))
                        if traced is not None:
                            traced.append(((g.speaker,), ((f"={kept}",),)))
                        continue
                    local: dict[str, list[str]] = {}
                    nobody = False
                    if i + 1 < len(texts) and not kinds[i + 1]:
                        nobody = ev.tag(cues.after[texts[i + 1]], "a", local)
                        for who in ev.names[texts[i + 1]][0]:
                            local.setdefault(who, []).append("a:name")
                    hearers: tuple[str, ...] = ()
                    if i > 0 and not kinds[i - 1]:
                        if ev.tag(cues.before[texts[i - 1]], "b", local):
                            # 陈默回头，身后响起一个声音：a voice no one it names: not theirs
                            nobody = True
                            hearers = ev.names[texts[i - 1]][0]
                        else:
                            for who in ev.names[texts[i - 1]][0]:
                                local.setdefault(who, []).append("b:name")
                    if g.method == "unknown" and i > 0 and not kinds[i - 1]:
                        # "有人喊了一声：" / "came a thin voice:": a colon and no one it names
                        nobody = nobody or colon_end(texts[i - 1])
                    if nobody and g.speaker is None:
                        # The tag says someone unnamed speaks: no one to guess, unless the next
                        # line says who it was (有人笑道：“…” / 宝钗忙迎出来，原来是宝玉).
                        shown = None
                        if pos == len(dialogue_idx) - 1 and next_text and not english:
                            shown = cues.shown(next_text)
                        if shown is not None:
                            g = _kept(Guess(shown, _SHOWN, 0.0), _SHOWN, plain, plain_rate)
                        decided.append(g)
                        if traced is not None:
                            traced.append(((), ()))
                        continue
                    inside = ev.named_in_quote[text]
                    same = decided[-1] if decided else None
                    back, ahead = anchors(n)
                    # The candidates, likeliest sources first (the first mention counts).
                    pool: list[str | None] = [g.speaker, *local]
                    if same is not None:
                        pool.append(same.speaker)
                    pool += (p1, p2, back[0], ahead[0], last_addr, next_addr, *para_ev, self_named)
                    pool += recent[:4]
                    pool += subjects[:2]
                    pool.append(p3)
                    if ev.first_person_book:
                        pool.append(me)
                    pool += ev.leads  # no one in view: the book's main speakers
                    cands: list[str] = [
                        who
                        for who in dict.fromkeys(pool)
                        if who and who not in spoken_to and who not in hearers
                    ]
                    if not cands:  # no one named yet: whoever the narration names next
                        for m in range(n + 1, min(n + 12, n_blocks)):
                            for _, later, _, _ in blocks[m][4:]:
                                if later not in read_quote:  # narration (a quote was read as one)
                                    for who in ev.names[later][0]:
                                        if who and who not in spoken_to and who not in cands:
                                            cands.append(who)
                            if cands:
                                break
                    del cands[_MAX_CANDIDATES:]
                    if not cands:
                        decided.append(g)
                        if traced is not None:
                            traced.append(((), ()))
                        continue
                    pronouns = [*local.get("", ()), *para_ev.get("", ())]
                    # What holds for every candidate weighs against "someone else" alone: no talk
                    # going on, a lone candidate, a long speech after a long one (one speaker going
                    # on) or a short reply after a short line (a back-and-forth).
                    common: list[str] = []
                    if not in_talk:
                        common.append("cold")
                    if len(cands) == 1:
                        common.append("lone")
                    length = read_quote[text][4]
                    goes_on = _GOES_ON.match(text) is not None
                    if in_talk and length >= long_quote and last_len >= long_quote:
                        common.append("long2")
                    elif in_talk and length * 3 < long_quote and last_len * 3 < long_quote:
                        common.append("short2")
                    shared = sum(map(weight_of, common, repeat(0.0)))
                    feats_all: list[tuple[str, ...]] = []
                    scores: list[float] = []
                    for who in cands:
                        f: list[str] = []
                        if who == g.speaker:
                            f.append(f"r:{g.method}")
                            if g.confidence < 0.6:
                                f.append("r:weak")
                        f.extend(local.get(who, ()))
                        f.extend(para_ev.get(who, ()))
                        if pronouns:
                            f.extend(_pronoun_features(who, pronouns, ev, recent))
                        if same is not None and who == same.speaker:
                            f.append("sp")
                        if who == p1:
                            f.append(p1_feature)
                            if goes_on:
                                f.append("p1:goes-on")
                            if "long2" in common:
                                f.append("p1:long2")
                            elif "short2" in common:
                                f.append("p1:short2")
                            if continues:
                                f.append("p1:cont")
                            if last_asked:
                                f.append("p1:q")
                            if who == holder:
                                f.append("p1:tagged")
                        if who == p2:
                            f.append(p2_feature)
                            if p1 is not None and p1 != p2 and gap <= 2:
                                f.append("alt")
                                if last_asked:
                                    f.append("alt:q")
                                if last_addr is not None and last_addr != who:
                                    f.append("alt:other")  # the last line spoke to someone else
                        if who == p3:
                            f.append("p3")
                        if who == back[0]:
                            f.append("ab:odd" if back[1] % 2 else "ab:even")
                        if who == ahead[0]:
                            f.append("af:odd" if ahead[1] % 2 else "af:even")
                        if who == last_addr:
                            f.append("la:q" if last_asked else "la")
                        if last_sex is not None and (sex := gender_of(who)) is not None:
                            f.append("lsex" if sex == last_sex else "lsex-x")
                        if who == next_addr:
                            f.append("na")
                        if who == self_named:
                            f.append("self")
                        if who in inside:
                            f.append("inq")
                        in_view = rank_in_view.get(who)
                        if in_view is not None:
                            f.append(in_view)
                        if subjects and who == subjects[0]:
                            f.append("sub0")
                        f.append(major_of(who, "silent"))
                        if listed and who not in listed:
                            f.append("unlisted")
                        if who in described:
                            f.append("gen" if who in ev.plain_person else "desc")
                        scores.append(shared + sum(map(weight_of, f, repeat(0.0))))
                        # the trace has what holds for all too (training weighs it per line)
                        feats_all.append((*f, *common) if traced is not None else tuple(f))
                    if traced is not None:
                        traced.append((tuple(cands), tuple(feats_all)))
                    if cands[0] == g.speaker:  # the rules' guess stands unless clearly beaten
                        scores[0] += ev.model.margin
                    best = scores.index(max(scores))  # the first of equals
                    if cands[0] == g.speaker:
                        scores[0] -= ev.model.margin
                    top = scores[best]

                    # The winner's share beside every candidate and "someone else" (score 0): a
                    # lone candidate with little evidence is no sure thing.
                    total = sum([exp(s - top) for s in scores]) + exp(min(-top, 50.0))
                    conf = ev.model.confidence(1.0 / total)
                    decided.append(
                        Guess(cands[best], _why(cands[best], feats_all[best], g, same, me), conf)
                    )
                    if in_talk and pos == len(dialogue_idx) - 1:
                        # Other readings of the last line worth keeping: the talk after it
                        # may fit one of them better (see `_Path`).
                        gain = -math.log(total)
                        for c, sc in enumerate(scores):
                            share = exp(sc - top) / total
                            if c != best and share >= branch_share:
                                conf = ev.model.confidence(share)
                                who = cands[c]
                                other = Guess(who, _why(who, feats_all[c], g, same, me), conf)
                                branch.append((other, math.log(share)))
            readings = [(path, decided, gain)]
            for other, other_gain in branch:
                readings.append((path.fork(), [*decided[:-1], other], other_gain))
            for path, decided, gain in readings:
                path.score += gain
                hist, recent, subjects, floor = path.hist, path.recent, path.subjects, path.floor
                path.out.append(decided)
                for text in told:
                    ev.see(text, recent, subjects)
                last = decided[-1]
                _, _, asked_last, _, length = read_quote[texts[dialogue_idx[-1]]]
                # whom its last quote that calls someone speaks to (“晚晚，”他说，“跟我回去。”)
                to = None
                called_sex = None
                if english:  # (Chinese reads no sir, ma'am: see `Cues.calls_by_sex`)
                    for i in dialogue_idx:
                        called_sex = called_sex_of[texts[i]] or called_sex
                for i in reversed(dialogue_idx):
                    if called := read_quote[texts[i]][0]:
                        to = called
                        break
                if to is None and told:
                    # the paragraph's tag may say (“…”少安对秀莲说。)
                    to = _told_to(cues, told, last.speaker)
                elif to is None:
                    # or the colon line before a paragraph of quotes (少安对秀莲说： / “…”)
                    intro = _narration_at(blocks, n - 1, paragraph - 1)
                    if intro is not None and colon_end(intro):
                        to = _told_to(cues, (intro,), last.speaker)
                # (`_see` of one name, written out: every dialogue block of every reading)
                if to is not None and to != last.speaker:  # whom they spoke to is here too
                    if not recent or recent[0] != to:
                        to_front(recent, to, _RECENT)
                if said_by := last.speaker:
                    if not recent or recent[0] != said_by:
                        to_front(recent, said_by, _RECENT)
                    if not subjects or subjects[0] != said_by:
                        to_front(subjects, said_by, _RECENT)
                if not hist or paragraph - hist[-1][1] > GAP:
                    floor = None  # a new conversation
                for g, i in zip(decided, dialogue_idx, strict=False):
                    floor = _floor_after(floor, g, read_quote[texts[i]])
                path.floor = floor
                hist.append((last.speaker, paragraph, to, asked_last, length, called_sex))
                if len(hist) > 8:
                    del hist[0]
                grown.append(path)
        paths[:] = _prune(grown)
        if len(paths) == 1 or len(paths[0].out) > _BEAM_REACH:
            commit()  # one reading left, or an old fork: its decisions stand
    commit()
    return out


_ANCHORS = PLAIN
"""The fixed points of a run of talk."""
_RUN_GAP = 2
"""Dialogue paragraphs at most this far apart (a tag line between them) are one run."""
_ANCHOR_REACH = 8


Anchor = tuple[str | None, int]
"""A line whose speaker a tag names: (speaker, how many dialogue paragraphs away)."""


class _Anchors:
    """For a block with dialogue: the nearest line before it and after it, in the same run of
    talk, whose speaker a tag names (`Anchor`s). In a two-person exchange the parity of that
    distance says whether it is the same speaker: a tag after a run of bare quotes decides the
    run backwards. Looked up only for the lines the scorer weighs, by walking the blocks from
    there (a run ends two paragraphs on: a few steps), not read from a list of every block."""

    def __init__(self, blocks: Sequence[Block], guesses: Sequence[Sequence[Guess]]) -> None:
        self.blocks = blocks
        self.guesses = guesses

    def __call__(self, n: int) -> tuple[Anchor, Anchor]:
        if not self.guesses[n]:
            return _NO_ANCHORS
        return self._nearest(n, -1), self._nearest(n, 1)

    def _nearest(self, n: int, step: int) -> Anchor:
        blocks, guesses = self.blocks, self.guesses
        end = len(guesses)
        at = n
        for d in range(1, _ANCHOR_REACH + 1):
            # the next block with dialogue, if the run reaches it (paragraphs go up block by
            # block, so none further on would be nearer)
            paragraph = blocks[at][0]
            nxt = at + step
            while 0 <= nxt < end and abs(blocks[nxt][0] - paragraph) <= _RUN_GAP:
                if guesses[nxt]:
                    break
                nxt += step
            else:
                break
            at = nxt
            for g in guesses[at]:
                if g.method in _ANCHORS:
                    if g.speaker is not None:
                        return (g.speaker, d)
                    break
        return (None, 0)


def _first_quote(blocks: Sequence[Block], start: int, stop: int) -> str | None:
    """The first quote of blocks `start` to `stop` (not included), none past a scene break."""
    for m in range(start, stop):
        if blocks[m][2]:
            break
        for kind, text, _, _ in blocks[m][4:]:
            if kind == "dialogue":
                return text
    return None


def _floor_after(holder: str | None, said: Guess, quote: Quote) -> str | None:
    """Who holds the floor after a line: its speaker when a tag introduced it, the holder
    still when they said it, no one once a line asks the listener something (the one asked
    answers) or someone else spoke."""
    if quote[3]:
        return None
    if said.method in _TAGGED:
        return said.speaker
    return holder if said.speaker == holder else None


def _told_to(cues: Cues, texts: Iterable[str], speaker: str | None) -> str | None:
    """Whom the first of the narration `texts` that says so says a line was spoken to
    (`Cues.told_to`), unless that is its `speaker`."""
    for text in texts:
        to = cues.told_to[text]
        if to is not None and to != speaker:
            return to
    return None


def _pronoun_features(
    who: str, pronouns: Sequence[str], ev: Evidence, recent: list[str]
) -> list[str]:
    """What the he/she tags (`a:pro-female`) and descriptions (`b:desc-male`, "said the
    girl") around a line say of `who`: the narrator (`-me`), of no known sex (`-unk`), of the
    other sex (`-x`), or where they stand among those of that sex in view (`a:pro0`: the
    latest). A description says nothing of a character known by one."""
    sex = ev.gender.get(who)
    out: list[str] = []
    for p in pronouns:
        side, _, rest = p.partition(":")
        if rest == "other":
            out.append(f"{side}:other-last" if recent and who == recent[0] else f"{side}:other")
            continue
        word, _, pg = rest.partition("-")
        if word != "pro" and who in ev.described:
            continue  # a description ("said the girl") says nothing of one known by one
        if who == ev.me:
            out.append(f"{side}:{word}-me")
        elif sex is None:
            out.append(f"{side}:{word}-unk")
        elif sex == pg:
            # the latest of that gender in view is likeliest
            out.append(f"{side}:{word}{_gender_rank(recent, ev.gender, pg, who)}")
        else:
            out.append(f"{side}:{word}-x")
    return out


def _plain_person(description: str) -> bool:
    """ "the old gentleman", not "the barman" nor "the gentleman in the white waistcoat";
    孩子, not 妹妹."""
    if description.isascii():
        return description.split()[-1] in _PLAIN_PERSON
    return description.endswith(_PLAIN_PERSON_ZH)


def _gender_rank(
    recent: list[str], gender_of: dict[str, Gender | None], gender: str, who: str
) -> int:
    """Where `who` stands among the characters of `gender` in view, latest first (2: further
    back or not in view)."""
    rank = 0
    for name in recent:
        if name == who:
            return rank
        if gender_of.get(name) == gender:
            rank += 1
            if rank >= 2:
                break
    return 2


def _why(who: str, feats: Sequence[str], rule: Guess, same: Guess | None, me: str) -> str:
    """The `method` of a line the scorer gave `who` (with `feats`)."""
    if who == rule.speaker:
        return rule.method
    if who == me:
        return "first-person"
    if same is not None and who == same.speaker and "sp" in feats:
        return same.method
    return _method_for(feats)


def _method_for(feats: Sequence[str]) -> str:
    for feature, method in _METHOD_OF:
        if feature in feats:
            return method
    return "in-view"


def _pieces_at(blocks: Sequence[Block], m: int, paragraph: int) -> tuple[Piece, ...]:
    """The pieces of block `m` when it is paragraph `paragraph` (no scene break), else none."""
    if m < 0 or m >= len(blocks):
        return ()
    block = blocks[m]
    return () if block[2] or block[0] != paragraph else block[4:]


def _lead_in_at(blocks: Sequence[Block], m: int, paragraph: int) -> str | None:
    """The narration opening block `m`, paragraph `paragraph`, when it runs into a quote
    after a comma (`孙玉厚说，“…”`, `徐国强点着头，“…”`)."""
    pieces = _pieces_at(blocks, m, paragraph)
    if len(pieces) < 2 or pieces[0][0] == "dialogue" or pieces[1][0] != "dialogue":
        return None
    text = pieces[0][1]
    return text if text.rstrip().endswith(("，", ",")) else None


def _dialogue_at(blocks: Sequence[Block], m: int, paragraph: int) -> bool:
    """Block `m` is paragraph `paragraph` and holds a quote."""
    return any(p[0] == "dialogue" for p in _pieces_at(blocks, m, paragraph))


def _narration_at(blocks: Sequence[Block], m: int, paragraph: int) -> str | None:
    """The text of block `m` when it is the narration-only paragraph `paragraph`."""
    if m < 0 or m >= len(blocks):
        return None
    block = blocks[m]  # (one piece: a block of five; read for every quote, so no copies)
    if len(block) != 5 or block[2] or block[0] != paragraph or block[4][0] == "dialogue":
        return None
    return block[4][1]
