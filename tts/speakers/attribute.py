"""Who says each line of dialogue, with how sure we are.

Pure text work over the whole book. Rules, strongest first (method names as in
`Segment.method`, confidences in `tts.speakers.turns.CONFIDENCE`):

- `tag-after` / `tag-before` / `tag-between`: a speech verb with its subject next to the
  quote (`“…”王主任好奇地問道。`, `Darcy said, "…"`, `“…，”他說，“…”`). The subject is the
  name at the start of the clause; a name after 把/對/向 … or after a verb is an object.
- `tag-next-line` (Chinese): a quote alone on its line and the tag alone on the next
  (`“三千。”` then `少安说。`), as in text laid out one sentence a line.
- `colon`: a clause ending in a colon before the quote, with or without a speech verb
  (`祁同偉臉皮子抖了抖：“…”`); `colon-prev-para`: the previous paragraph ends with that colon.
- `pronoun`: 他/她/he/she as that subject, resolved to the latest topical character of
  that gender; `first-person`: 我/I as that subject. A first-person narrator speaks under the
  name the others address them by most ("Tom, my friend"), when the book is told in the
  first person and someone is so addressed; else as the character '我' (Chinese) or 'I'
  (English). In a book told in the first person that character is marked `first_person`:
  casting reads their lines in the narrator's voice unless voices.yaml says otherwise. In
  English, a speaker the tags name by a description ("said the beadle") is the character the
  lines answering it call by name again and again ("Mr. Crump"): one character, one voice
  (`described_names`); "the latter" / "the former" is the later / earlier of the two
  characters just named.
- `action-after` / `action-before`: no speech verb, but the narration next to the quote has
  a subject (`“好的。”採訪記者微微一笑`): that person is usually the speaker.
- `self-name`: the speaker names himself in the quote (`是我，小林！`, `我是林晓峰。`,
  "It's me, Daniel!", "I am Daniel."): stronger than an action beat, weaker than a tag.
- `continuation`: a speech that runs over paragraphs keeps its speaker.
- After a tag alone on its line (`“…”` / `少安说。` / `“…”`), the next quote is the other
  party's turn (`alternation`).
- Quote-only paragraphs: `vocative-turn` (the person addressed in a question answers),
  `alternation` (the other party of a two-person exchange), `monologue` (the same speaker
  goes on: the default in Chinese, where each paragraph of a long answer is quoted
  separately), `action-prev` (the subject of the narration paragraph just before).
- `vocative-back`: a voice no one named (`came a thin voice: "…"`) is the person the reply
  right after it addresses (`"Not yet, Mr. Pell," Rosa called.`).
- `in-view`: no cue and no conversation going on: whoever is in view (the latest subject), a
  guess at 0.3, so the cast's threshold sends it to the unknown voice but the script names it.
- `unknown`: someone unnamed speaks (有人喊道, "a voice called:"), or no one is in view;
  speaker None, confidence 0.
- `description` (the scorer's): a tag names a description ("said the girl"), and the named
  character of that sex in view is taken for it.

The rules' own confidences (explicit tags and colons 0.85-0.95, pronouns and action beats
0.7-0.75, turn taking 0.4-0.62, unknown 0) are a first pass: `tts.speakers.scorer` then keeps
the lines a tag or colon names and weighs the others' candidates with learned weights, and
every confidence it gives is calibrated (how often such lines are right on labelled dev
novels). The cast sends lines under its threshold (0.4) to the 'unknown speaker' voice;
`bench/attribution.py` reports how often a wrong guess still clears it.

Gender comes from titles (先生, 小姐, Mr, Mrs), he/she near a name, kinship and address
terms, English given names, the characters of a Chinese given name (美, 玲 / 强, 伟) and rank
titles (主任), weighed in `tts.speakers.genders` (the roster's notes give the order).

A name at the start or end of a quote (`“祁省長，…”`, `"Lizzy, …"`) is the addressee, never
the speaker of that quote.

This module reads the book in four passes and wires the parts that do the work: the roster
of characters (`tts.speakers.roster`, its word lists in `tts.speakers.lexicon`) from all the
text; their genders (`tts.speakers.genders`); then each chapter in order, where the cues of
a paragraph (`tts.speakers.cues`: tags, subjects, addressees, self-naming, read once per
distinct text) come first and the conversation so far (`tts.speakers.turns`: pronouns and
turn-taking) fills in the rest. Last, `tts.speakers.scorer` reads each chapter again: a line
whose speaker the text names plainly (a tag, a colon, "I said", self-naming) keeps it; every
other line goes to the best of its candidates as weighed by weights learned from labelled
novels, with the rules' guess as one piece of evidence among the others, and its confidence
is how often such lines are right there (the confidences above are the rules' own, and
what the scorer reads of them).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from tts.model import Book, Chapter, Character, Segment
from tts.speakers.cues import ASKS_NAME, NEWCOMER_RE, Cues, Quote, colon_end
from tts.speakers.epithets import named_roles
from tts.speakers.genders import decide_genders, tag_votes, weigh_gender
from tts.speakers.lazy import lazy_compile
from tts.speakers.roster import Roster, build_roster, gender_prior, is_description, surname_of
from tts.speakers.scorer import Evidence, Model, Trace, decide, shipped_model
from tts.speakers.segment import (
    Block,
    Piece,
    detect_style,
    segments_from_blocks,
    split_chapter,
)
from tts.speakers.turns import CONFIDENCE, UNKNOWN, Conversation, Guess, continued, named_guess


def attribute(
    book: Book,
    known: Sequence[Character] = (),
    *,
    model: Model | None = None,
    trace: Trace | None = None,
) -> tuple[list[Segment], list[Character]]:
    """Segments of the whole book with a speaker for each line of dialogue, and the roster.

    `known` characters (from voices.yaml) take precedence: their names are canonical and any
    of their aliases (in Traditional or Simplified form) maps to them. Neither the book nor
    `known` is changed. `model`: the scorer's weights (default: the shipped ones); `trace`
    collects each quote's candidates and evidence, in order (what training reads).
    """
    english = book.language == "en"
    style = detect_style((p.text for ch in book.chapters for p in ch.paragraphs), book.language)
    chapters = [(ch, split_chapter(ch, style)) for ch in book.chapters]
    narration: list[str] = []  # narration away from quotes
    tags: list[str] = []  # narration next to a quote, or ending in a colon: where speakers stand
    dialogue: list[str] = []
    told: list[list[tuple[int, str]]] = []  # per chapter: its narration, with each paragraph
    calls: list[tuple[str, str]] = []  # (a quote, the tag after it in its paragraph)
    for _, blocks in chapters:
        chapter_told: list[tuple[int, str]] = []
        told.append(chapter_told)
        after_quote = False  # the paragraph before is one quote alone
        for n, block in enumerate(blocks):
            if len(block) == 5:  # one piece
                kind, text, _, _ = block[4]
                if kind == "dialogue":
                    dialogue.append(text)
                    after_quote = True
                    continue
                if (
                    text[-1:] in "：:"
                    or (after_quote and not english)
                    or (not english and _brings_in_a_speaker(blocks, n, text))
                ):
                    # or a tag on its own line after the quote (少安说。), or someone new
                    # brought in right before one speaks (一个蓝袍青年拦住了去路。/ “哟，…”)
                    tags.append(text)
                else:
                    narration.append(text)
                chapter_told.append((block[0], text))
                after_quote = False
                continue
            after_quote = False
            quote = None
            for kind, text, _, _ in block[4:]:
                if kind == "dialogue":
                    dialogue.append(text)
                    quote = text
                else:
                    tags.append(text)
                    chapter_told.append((block[0], text))
                    if quote is not None and english:
                        calls.append((quote, text))
                    quote = None
    roster = build_roster(narration, tags, dialogue, english, known, calls)
    cues = Cues(roster, english)
    roster.gender.update(decide_genders(cues, told, dialogue))
    # The rule pass's guesses per block, each distinct tuple of guesses kept once for the
    # book: a book's 10,000s of lines repeat a few thousand (speaker, method, confidence).
    kept: dict[tuple[Guess, ...], tuple[Guess, ...]] = {(): ()}
    read = [
        (ch, blocks, _read_chapter(Conversation(cues), blocks, kept)) for ch, blocks in chapters
    ]
    if english and described_names(cues, read):  # the conversation read again, joined
        read = [
            (ch, blocks, _read_chapter(Conversation(cues), blocks, kept)) for ch, blocks in chapters
        ]
    del kept
    me = cues.first_person
    heard: Counter[str] = Counter()
    total = 0
    for _, _, guesses in read:
        for gs in guesses:
            total += len(gs)
            for g in gs:
                if g.speaker:
                    heard[g.speaker] += 1
    told_first = heard[me] >= 3 and heard[me] >= total * _NARRATOR_SHARE
    narrator = (
        (_self_introduced(cues, narration) or _narrator_name(cues, read)) if told_first else None
    ) or me
    if narrator != me and narrator in roster.forms:
        # “小满，你什么时候回家？”: a line that calls the storyteller by name is not theirs
        _renamed_in_quotes(cues, {narrator: me})
        _calling_the_narrator(cues, narrator)
    if model is None:
        model = shipped_model("en" if english else "zh")
    evidence = Evidence(cues, model, heard, told_first)
    segments: list[Segment] = []
    lines: Counter[str] = Counter()
    for (ch, blocks, guesses), chapter_told in zip(read, told, strict=True):
        # Each chapter's decisions become its segments at once, and no record is kept
        # between: the cycle collector has 100,000s fewer objects to walk.
        decided = decide(evidence, blocks, guesses, trace)
        if not english:  # 一个身穿白衣的青年…此人名叫赵天宇: the chapter's 青年 is his
            named_roles(cues, blocks, decided)
            bracketed = [p for p, text in chapter_told if text[:1] == "【"]
            if bracketed:
                _system_lines(roster, blocks, decided, bracketed, book.language == "zh-Hant")
            heads = [
                p
                for p, text in chapter_told
                if "：" in text[:_CHAT_HEAD] or ":" in text[:_CHAT_HEAD]
            ]
            if heads:
                _chat_lines(cues, blocks, decided, heads)
        _one_voice_around_a_beat(blocks, decided)
        segments.extend(segments_from_blocks(ch, blocks, _speakers(decided, me, narrator, lines)))
    for name, votes in tag_votes(segments, english).items():
        if roster.gender.get(name) is None and not (name in roster.known and name in roster.gender):
            prior = gender_prior((name, *roster.forms.get(name, ())), english)
            roster.gender[name] = weigh_gender(votes, prior)
    if lines.get(me):
        roster.forms.setdefault(me, set())
    characters = roster.characters(lines)
    if told_first:  # the storyteller is one of the characters: casting reads them as such
        characters = [
            replace(c, first_person=True) if c.name == narrator else c for c in characters
        ]
    return segments, characters


def _brings_in_a_speaker(blocks: Sequence[Block], n: int, text: str) -> bool:
    """Whether a narration paragraph brings someone new in (`NEWCOMER_RE`: 一个蓝袍青年拦住了
    去路) right before a paragraph that opens with a quote: where a web novel has them speak."""
    if n + 1 >= len(blocks):
        return False
    pieces = blocks[n + 1][4:]
    return bool(pieces) and pieces[0][0] == "dialogue" and NEWCOMER_RE.search(text) is not None


_SYSTEM_LINE_ZH = re.compile(
    r"【(?P<said>[^【】]*?(?P<cue>叮|宿主|系统|系統|任务|任務|奖励|獎勵|恭喜)[^【】]*)】"
)
"""A paragraph that is a system's message in a web novel (【叮！恭喜宿主获得新手礼包。】):
brackets round it, and what only such a voice says."""
SYSTEM_ZH = "系统"
"""The character who says them (系統 in a book written in Traditional characters)."""


def _system_lines(
    roster: Roster,
    blocks: list[Block],
    decided: list[list[Guess]],
    bracketed: Sequence[int],
    traditional: bool,
) -> None:
    """Make each paragraph of a chapter that is a system's message (`_SYSTEM_LINE_ZH`) a line
    the system says, in its own voice. The rules and the scorer read it as narration first,
    so it takes no one's turn in the conversation around it. `bracketed`: the paragraphs
    whose narration opens with 【 (a block is its paragraph's, by index)."""
    for n in bracketed:
        block = blocks[n]
        if len(block) != 5 or block[4][0] != "narration":
            continue
        m = _SYSTEM_LINE_ZH.fullmatch(block[4][1])
        if m is None or not m["said"].strip():
            continue
        name = roster.add("系統" if traditional else SYSTEM_ZH)
        blocks[n] = (*block[:4], ("dialogue", m["said"].strip(), False, False))
        decided[n] = [Guess(name, "system", CONFIDENCE["system"])]


_CHAT_LINE_ZH = re.compile(
    r"(?P<head>(?:【[^【】]{1,8}】\s*)?(?P<name>[\u4e00-\u9fffA-Za-z0-9_]{2,8}?)\s*[：:])\s*(?P<said>\S.*)",
    re.S,
)
"""A paragraph that is a line of a chat log or a script: who writes or says it, a colon, and
what (【群聊】张浩：兄弟们，明天谁去？ / 赵磊：滚。)."""
_CHAT_HEAD = 14
"""Characters before a chat line's colon, at most (its channel and name)."""


def _chat_lines(
    cues: Cues, blocks: list[Block], decided: list[list[Guess]], heads: Sequence[int]
) -> None:
    """Make each narration paragraph of a chapter that is a character's chat line or script
    line (`_CHAT_LINE_ZH`, the name one of the roster's) a line that character says after the
    colon; the head (【群聊】张浩：) stays narration, as a tag does. Read as narration first,
    such a line takes no one's turn in the talk around it. `heads`: the paragraphs whose
    narration has a colon near its start (a block is its paragraph's, by index)."""
    for n in heads:
        block = blocks[n]
        if len(block) != 5 or block[4][0] != "narration":
            continue
        text = block[4][1]
        m = _CHAT_LINE_ZH.fullmatch(text)
        if m is None or "“" in text or "「" in text:
            continue
        who = cues.names[m["name"]]
        if who is None:
            continue
        blocks[n] = (
            *block[:4],
            ("narration", m["head"], False, False),
            ("dialogue", m["said"].strip(), False, False),
        )
        decided[n] = [Guess(who, "colon", CONFIDENCE["colon"])]


_OWN_TAG = frozenset(("tag-before", "tag-between", "tag-after", "colon", "self-name", "system"))
"""Methods by which the second part of a quote has a tag of its own: it may be another's."""


def _one_voice_around_a_beat(blocks: Sequence[Block], decided: list[list[Guess]]) -> None:
    """A paragraph of a quote, a beat of narration and a quote (“晚晚，”他的声音忽然软了下来，
    “跟我回去。”; "Unromantic fiddlesticks!" said the unsympathetic Marilla. "Anne is..."): one
    person speaking on, unless the second part has a tag of its own or the beat ends in a colon
    (“…”李建国听完她的话，…说：“…”: it introduces the second part). Where the two parts were
    given different speakers, or one speaker as surely as two readings can differ (‘You’re
    late,’ she said. ‘Your uncle’s been waiting.’: 0.38 and 0.57, one voice neutral and the
    next hers), both get the surer one's reading."""
    for n, block in enumerate(blocks):
        if len(block) != 7 or len(decided[n]) != 2:
            continue
        if block[4][0] != "dialogue" or block[5][0] != "narration" or block[6][0] != "dialogue":
            continue
        first, second = decided[n]
        if first.speaker is None or second.speaker is None or first == second:
            continue
        if second.method in _OWN_TAG or colon_end(block[5][1]):
            continue
        surer = first if first.confidence >= second.confidence else second
        decided[n] = [surer, surer]


def _speakers(
    decided: list[list[Guess]], me: str, narrator: str, lines: Counter[str]
) -> Iterator[tuple[str | None, float, str]]:
    """(speaker, confidence, method) of each line in order, as a segment has them: the
    narrator by name, the confidence to three places; each speaker's lines counted."""
    for gs in decided:
        for who, method, conf in gs:
            if who:
                if who == me:
                    who = narrator
                lines[who] += 1
            yield who, round(conf, 3), method


_NAMED_BY = ("tag", "action", "colon")
"""Methods whose speaker the text itself names (a tag, an action beat, a colon)."""
_DESCRIBED_VOTES = 3
"""Replies that must call a described speaker by one name before it is joined to that name."""


def described_names(
    cues: Cues, read: list[tuple[Chapter, list[Block], list[tuple[Guess, ...]]]]
) -> dict[str, str]:
    """Descriptions that stand for a named character ("the old lady", "the young man",
    "Grandmother"), each joined to that character in the roster: the one the lines right
    before and after the description's tagged lines, said by others, call by name
    (`_DESCRIBED_VOTES` times or more, three times as often as anyone else, and of no other
    sex). A description no one is named for stays a character. Returns description -> name,
    and joins them in `cues.roster` and `cues.names`."""
    roster = cues.roster
    described = {
        name for name in roster.forms if is_description(name) or name in roster.described
    } - roster.known  # voices.yaml's "The General" is a character as listed
    if not described:
        return {}
    votes: dict[str, Counter[str]] = {}
    _apposed(cues, described, read, votes)
    for _, blocks, guesses in read:
        said: list[tuple[str | None, str, bool, int]] = []  # (speaker, quote, tagged, paragraph)
        for (paragraph, _, _, _, *pieces), gs in zip(blocks, guesses, strict=True):
            quotes = [text for kind, text, _, _ in pieces if kind == "dialogue"]
            for text, g in zip(quotes, gs, strict=False):
                said.append((g.speaker, text, g.method.startswith(_NAMED_BY), paragraph))
        for i, (who, _, tagged, paragraph) in enumerate(said):
            if who not in described or not tagged:
                continue
            for j in (i - 1, i + 1):
                if not 0 <= j < len(said):
                    continue
                other, text, _, at = said[j]
                if other == who or abs(at - paragraph) > 2:
                    continue
                to = cues.quotes[text][0]
                if to is not None and to not in (other, who) and to not in described:
                    votes.setdefault(who, Counter())[to] += 1
    joined: dict[str, str] = {}
    for who, counter in votes.items():
        if sex := roster.gender.get(who):  # the girl: no man the replies call is her
            for name in list(counter):
                if (theirs := roster.gender.get(name)) and theirs != sex:
                    del counter[name]
        (top, n), *rest = counter.most_common(2) + [("", 0)]
        if n < _DESCRIBED_VOTES or n < 3 * rest[0][1]:
            continue
        joined[who] = top
    for who, top in joined.items():
        roster.join(who, top)
    if joined:
        for surface, who in list(cues.names.items()):
            if who in joined:
                cues.names[surface] = joined[who]
        _renamed_in_quotes(cues, joined)
        for text, readings in list(cues.sentences.items()):
            cues.sentences[text] = tuple(
                (
                    _joined_name(joined, subject),
                    pronoun,
                    tuple(joined.get(who, who) for who in names),
                    (joined.get(stands[0], stands[0]), stands[1]) if stands else stands,
                )
                for subject, pronoun, names, stands in readings
            )
    return joined


_APPOSED_FAR = 120
"""Characters between a name and the description it is set beside (Mr. Losberne, a surgeon in
the neighbourhood, known through a circuit of ten miles round as "the doctor,")."""
_APPOSED_VOTES = 2 * _DESCRIBED_VOTES
"""What the narration setting a description beside a name weighs: more than the replies
that join a description alone, as it says so outright."""


def _apposed(
    cues: Cues,
    described: set[str],
    read: list[tuple[Chapter, list[Block], list[tuple[Guess, ...]]]],
    votes: dict[str, Counter[str]],
) -> None:
    """Votes (`_APPOSED_VOTES`) for the name the narration sets a description beside: "Mr.
    Losberne, … known … as "the doctor,"", "Mr. Bumble, the beadle,": how a novel brings in
    who a description is."""
    heads = {d.split()[-1].lower(): d for d in described if len(d.split()) == 2}
    heads = {head: d for head, d in heads.items() if d.lower().startswith("the ")}  # the doctor
    if not heads:
        return
    head_rx = re.compile(r"\b(" + "|".join(map(re.escape, sorted(heads, key=len)[::-1])) + r")\b")
    for _, blocks, _ in read:
        for _, _, _, text, *_ in blocks:  # the whole paragraph: `as "the doctor,"` is quoted
            if "," not in text:
                continue
            for m in head_rx.finditer(text):
                who = _apposed_name(cues, text, m)
                if who is not None and who not in described:
                    votes.setdefault(heads[m.group(1)], Counter())[who] += _APPOSED_VOTES


_AFTER_NAME = lazy_compile(
    r",\s+(?:(?:a|an|the)\s+(?:[a-z-]+\s+){0,3}$|[^.;!?\"“”]*\bas\s+[\"“]the\s+$)"
)
"""What stands between a name and its description: ", the old ", ", a ", or a clause that
ends "as "the "."""
_APPOSITION_END = lazy_compile(r"[,.;:”\"]|\s+of\b")
"""What ends a description set beside a name (Mr. Bumble, the beadle, …; Mrs. Corney, the
matron of the workhouse), where a subject would go on with its verb (…Oliver, the girl
pulled him in)."""


def _apposed_name(cues: Cues, text: str, head: re.Match[str]) -> str | None:
    """The character named right before the description whose head noun `head` found (Mr.
    Bumble, the beadle,; …, known as "the doctor,"), else None."""
    start = head.start()
    if text[max(0, start - 4) : start].lower() != "the " or not _APPOSITION_END.match(
        text, head.end()
    ):
        return None
    window = text[max(0, start - _APPOSED_FAR) : start]
    for m in cues.mention.finditer(window):
        if m.lastgroup != "name":
            continue
        if _AFTER_NAME.match(window, m.end()) and (who := cues.names[m.group()]):
            return who
    return None


def _joined_name(joined: dict[str, str], who: str | None) -> str | None:
    """The name `who` now goes by, once the characters in `joined` are joined to others."""
    return joined.get(who, who) if who else who


def _renamed_in_quotes(cues: Cues, joined: dict[str, str]) -> None:
    """What the quotes were read to address or name (`cues.quotes`) now says the `joined`
    names."""
    for text, (addressee, own, asked, question, length) in list(cues.quotes.items()):
        if addressee in joined or own in joined:
            cues.quotes[text] = (
                _joined_name(joined, addressee),
                _joined_name(joined, own),
                asked,
                question,
                length,
            )


def _calling_the_narrator(cues: Cues, narrator: str) -> None:
    """Quotes that open by calling the storyteller (“小满，…”, "Hastings, …") by a name found
    only once the book was read (我叫林小满 near its start) address the storyteller."""
    forms = {narrator, *cues.roster.forms.get(narrator, ())}
    if not cues.english:
        sur = surname_of(narrator)
        if sur and len(narrator) - len(sur) == 2:
            forms.add(narrator[len(sur) :])  # 小满 of 林小满
    else:
        forms.add(narrator.split()[-1])
    called = tuple(f + mark for f in forms if len(f) >= 2 for mark in "，,！!？?")
    me = cues.first_person
    for text, (addressee, own, asked, question, length) in list(cues.quotes.items()):
        if addressee is None and text.startswith(called):
            cues.quotes[text] = (me, own, asked, question, length)


_NARRATOR_SHARE = 0.05
"""A book is told in the first person when at least this share of its lines is the
narrator's own ("I said")."""


_INTRODUCED_ZH = re.compile(
    r"我(?:(?:名|的名字)?叫(?:做)?|的名字是)(?P<name>[\u4e00-\u9fff]{2,3}?)(?=[，,。；;！!\s]|$)"
)
_INTRODUCED_EN = lazy_compile(
    r"\b(?:[Mm]y name is|[Mm]y name's|[Cc]all me|I am called|I was called)\s+"
    r"(?P<name>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\b"
)
_INTRODUCED_WITHIN = 200
"""Narration pieces from the start of a book in which a first-person narrator says their
name (我叫陈默, "My name is Ishmael")."""


def _self_introduced(cues: Cues, narration: Sequence[str]) -> str | None:
    """The name a first-person narrator gives themselves in the narration near the start (我叫
    陈默，今年二十四岁; My name is Ishmael): a character of the roster, or a name of its own
    (a surname and a given name; a capitalised name)."""
    pattern = _INTRODUCED_EN if cues.english else _INTRODUCED_ZH
    for text in narration[:_INTRODUCED_WITHIN]:
        m = pattern.search(text)
        if m is None:
            continue
        name = m.group("name")
        who = cues.names[name]
        if who is not None:
            return who
        if cues.english or surname_of(name) is not None:
            cues.roster.add(name)
            return name
    return None


def _narrator_name(
    cues: Cues, read: list[tuple[Chapter, list[Block], list[tuple[Guess, ...]]]]
) -> str | None:
    """The name of a first-person narrator of a book told in the first person, from how the
    others address them: the character the others' lines address most often, less the lines
    a tag gives that character by name (the narrator's own lines are tagged "I", never by
    name). None when no one is addressed so."""
    me = cues.first_person
    addressed: Counter[str] = Counter()
    named: Counter[str] = Counter()
    for _, blocks, guesses in read:
        for block, gs in zip(blocks, guesses, strict=True):
            if not gs:
                continue  # no line said (most blocks: narration alone)
            if len(block) == 5:  # one quote alone, the commonest (no list of its quotes)
                said: Iterable[tuple[str, Guess]] = ((block[4][1], gs[0]),)
            else:
                quotes = [text for kind, text, _, _ in block[4:] if kind == "dialogue"]
                said = zip(quotes, gs, strict=False)
            for text, (who, method, _) in said:
                if who == me:
                    continue
                if who is not None and method.startswith(("tag", "colon")):
                    named[who] += 1
                to = cues.quotes[text][0]
                if to is not None and to != who:
                    addressed[to] += 1
    best, score = None, 2
    for who, n in addressed.items():
        if who != me and n - 2 * named[who] > score:
            best, score = who, n - 2 * named[who]
    return best


def _read_chapter(
    conv: Conversation, blocks: list[Block], kept: dict[tuple[Guess, ...], tuple[Guess, ...]]
) -> list[tuple[Guess, ...]]:
    """A guess for each dialogue piece of each block, in order; each distinct tuple of
    guesses is the one in `kept`."""
    out: list[list[Guess]] = []
    append = out.append
    tag_line = -1  # a narration paragraph that was the tag of the quote before it
    last = len(blocks) - 1
    for n, block in enumerate(blocks):
        if block[2]:  # a pause
            append([])
            continue
        paragraph = block[0]
        if len(block) == 5 and block[4][0] == "dialogue":  # one quote, nothing else
            _, text, continues, _ = block[4]
            next_line = None
            if n < last:
                # A narration paragraph right after it, one piece not ending in a colon
                # (which would introduce the quote after it): where a tag on a line of its
                # own stands (`“三千。”` then `少安说。`).
                after = blocks[n + 1]
                if len(after) == 5 and not after[2] and after[0] == paragraph + 1:
                    kind, tail, _, _ = after[4]
                    if kind != "dialogue" and not colon_end(tail):
                        next_line = tail
            append(_quote_only(conv, paragraph, text, continues, next_line))
            if conv.took_next_line:
                tag_line = paragraph + 1
            continue
        append(_paragraph(conv, paragraph, block[4:]))
        if paragraph == tag_line:
            conv.tag_line(paragraph)
    # Only now: a line said by a voice no one named takes its speaker from the reply after
    # it (`Conversation.answered` changes the list).
    return [kept.setdefault(gs, gs) for gs in map(tuple, out)]


_NOT_A_QUOTE: Quote = (None, None, False, False, 0)
"""What a narration piece says as a quote: nothing."""


def _paragraph(conv: Conversation, paragraph: int, pieces: Sequence[Piece]) -> list[Guess]:
    """The speakers of a paragraph's quotes: its own cues first, then the conversation."""
    n_pieces = len(pieces)
    if n_pieces == 1:  # the commonest kinds: all narration, or one quote
        kind, text, continues, _ = pieces[0]
        if kind == "dialogue":
            return _quote_only(conv, paragraph, text, continues, None)
        conv.narration(paragraph, (text,))
        return []
    read_quote = conv.cues.quotes
    texts: list[str] = []
    kinds: list[bool] = []
    dialogue: list[int] = []
    quotes: list[Quote] = []  # what each quote says (nothing, for narration)
    for i, (kind, text, _, _) in enumerate(pieces):
        texts.append(text)
        if kind == "dialogue":
            kinds.append(True)
            dialogue.append(i)
            quotes.append(read_quote[text])
        else:
            kinds.append(False)
            quotes.append(_NOT_A_QUOTE)
    if not dialogue:
        conv.narration(paragraph, texts)
        return []
    for i in dialogue:  # (a loop, not any() of a generator: read for most paragraphs)
        if ASKS_NAME.search(texts[i]):
            conv.asked_name = paragraph
            break
    addressees = [q[0] for q in quotes]
    # In-paragraph cues, per quote: the tag after it, then the tag before it. Narration
    # is remembered as it is read, so a tag after a quote sees only what came before.
    after: list[Guess | None] = [None] * n_pieces
    before: list[Guess | None] = [None] * n_pieces
    for j, text in enumerate(texts):
        if kinds[j]:
            continue
        if j > 0 and kinds[j - 1]:
            after[j - 1] = conv.speaker_after(text, addressees[j - 1])
        conv.remember(text)
        if j + 1 < n_pieces and kinds[j + 1]:
            b = conv.speaker_before(text, addressees[j + 1])
            # “周伯，是我，小许！”岸上有人喊，“等等我！”: a voice between two parts of a speech
            # says both; the part before tells whose it is
            before[j + 1] = None if b is UNKNOWN and j > 0 and kinds[j - 1] else b
    guesses: list[Guess | None] = [None] * n_pieces
    best = None  # one paragraph, one speaker: the best cue goes to quotes that have none
    for i in dialogue:
        g = after[i]
        if g and i + 2 < n_pieces and kinds[i + 2]:
            if g.method.startswith("tag") or g.method == "colon":
                g = Guess(g.speaker, "tag-between", g.confidence)
        b = before[i]
        if b is not None and (
            g is None or (g.method.startswith("action") and b.confidence > g.confidence)
        ):
            g = b
            if i >= 2 and kinds[i - 2] and g.method.startswith("tag"):
                g = Guess(g.speaker, "tag-between", g.confidence)
        if i == 0 and (g is None or g.speaker is None or g.method.startswith("action")):
            # “…”大家都笑了。 after 田福堂说：: the colon line introduced the quote
            g = conv.introduced(paragraph) or g
        elif i == 0 and g is not None and g.method == "tag-between" and colon_end(texts[1]):
            # 高老说： / “…”苗凯连忙说：“…”: the colon line introduced the first quote, the
            # tag after it the second, its own answer
            intro = conv.introduced(paragraph)
            if intro is not None and intro.speaker != g.speaker:
                g = intro
        self_named = quotes[i][1]
        if self_named is not None:
            own = named_guess(self_named, "self-name")
            if g is None or g.confidence < own.confidence:
                g = own
        if g is not None:
            guesses[i] = g
            if best is None or g.confidence > best.confidence:
                best = g
    first_continues = pieces[dialogue[0]][2]
    if best is None and len(dialogue) > 1 and not first_continues:
        # No cue anywhere: read the paragraph's speaker from the conversation once, with
        # whoever its quotes address (“陈叔，…”门外的年轻人喊道，“…”).
        spoken_to = next((addressees[i] for i in dialogue if addressees[i]), None)
        best = conv.from_flow(paragraph, texts[dialogue[0]], spoken_to)
    result: list[Guess] = []
    voice = False
    for i in dialogue:
        g = guesses[i]
        if first_continues and not result:
            prev = conv.last_guess
            if prev and prev.speaker:
                if (
                    g is None
                    or g.confidence < CONFIDENCE["tag-before"]
                    or g.speaker == prev.speaker
                ):
                    g = continued(prev)
        if g is None and best is not None:
            g = best
        voice = g is UNKNOWN or (g is None and i > 0 and colon_end(texts[i - 1]))
        if voice:
            g = UNKNOWN  # "a thin voice came:", 有人喊道：someone not named
        if g is None:
            g = conv.from_flow(paragraph, texts[i], addressees[i])
        result.append(g)
    if conv.unnamed is not None:
        conv.answered(paragraph, result[0], addressees[dialogue[0]])
    if voice:
        conv.unnamed = (result, len(result) - 1, paragraph)
    if len(dialogue) == 1:
        addressee = addressees[dialogue[0]]
    else:
        addressee = next((addressees[i] for i in reversed(dialogue) if addressees[i]), None)
    tail = None if kinds[-1] else texts[-1]
    conv.spoke(paragraph, result[-1], quotes[dialogue[-1]], addressee, tail)
    return result


def _quote_only(
    conv: Conversation, paragraph: int, text: str, continues: bool, next_line: str | None
) -> list[Guess]:
    """A paragraph that is one quote and nothing else: the commonest kind in dialogue.
    `next_line`: the narration paragraph right after it, where a tag may stand alone."""
    cues = conv.cues
    quote = cues.quotes[text]
    addressee, self_named, _, _, _ = quote
    prev = conv.last_guess
    if self_named is None and paragraph - conv.asked_name <= 2:
        # “你叫什么名字？” / “许念。”: a name alone in answer is the one who answers
        named = cues.bare_name(text)
        if named is not None and (prev is None or named != prev.speaker):
            self_named = named
            addressee = None
    if ASKS_NAME.search(text):
        conv.asked_name = paragraph
    tag = (
        conv.tag_next_line(next_line, addressee)
        if next_line is not None and conv.introduced(paragraph) is None
        else None
    )
    conv.took_next_line = tag is not None
    if tag is not None:
        g = tag
        if addressee is None and next_line is not None:
            # “…？” / 田福军问乔书记。: whom the tag says was asked answers next
            told = cues.told_to[next_line]
            addressee = told if told != g.speaker else None
    elif self_named is not None:
        g = named_guess(self_named, "self-name")
    elif continues and prev is not None and prev.speaker:
        g = continued(prev)
    else:
        if addressee is None and next_line is not None:
            # “…” / 她对少平说。 with no woman known: whoever said it, not 少平
            addressee = cues.told_by_tag_after(next_line)
        g = conv.from_flow(paragraph, text, addressee)
    if conv.unnamed is not None:  # a voice no one named, just before
        conv.answered(paragraph, g, addressee)
    conv.spoke(paragraph, g, quote, addressee, None)
    return [g]
