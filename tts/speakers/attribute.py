"""Who says each line of dialogue, with how sure we are.

Pure text work over the whole book. Rules, strongest first (method names as in
`Segment.method`, confidences in `_CONF`):

- `tag-after` / `tag-before` / `tag-between`: a speech verb with its subject next to the
  quote (`“…”王主任好奇地問道。`, `Darcy said, "…"`, `“…，”他說，“…”`). The subject is the
  name at the start of the clause; a name after 把/對/向 … or after a verb is an object.
- `colon`: a clause ending in a colon before the quote, with or without a speech verb
  (`祁同偉臉皮子抖了抖：“…”`); `colon-prev-para`: the previous paragraph ends with that colon.
- `pronoun`: 他/她/he/she as that subject, resolved to the latest topical character of
  that gender; `first-person`: 我/I as that subject. A first-person narrator speaks as the
  character '我' (Chinese) or 'I' (English): give it a voice in voices.yaml under that name.
- `action-after` / `action-before`: no speech verb, but the narration next to the quote has
  a subject (`“好的。”採訪記者微微一笑`): that person is usually the speaker.
- `self-name`: the speaker names himself in the quote (`是我，小林！`, `我是林晓峰。`,
  "It's me, Daniel!", "I am Daniel."): stronger than an action beat, weaker than a tag.
- `continuation`: a speech that runs over paragraphs keeps its speaker.
- Quote-only paragraphs: `vocative-turn` (the person addressed in a question answers),
  `alternation` (the other party of a two-person exchange), `monologue` (the same speaker
  goes on: the default in Chinese, where each paragraph of a long answer is quoted
  separately), `action-prev` (the subject of the narration paragraph just before).
- `vocative-back`: a voice no one named (`came a thin voice: "…"`) is the person the reply
  right after it addresses (`"Not yet, Mr. Pell," Rosa called.`).
- `unknown`: no cue, or someone unnamed speaks (有人喊道, "a voice called:"); speaker None,
  confidence 0.

Confidences: explicit tags and colons 0.85-0.95, pronouns and action beats 0.7-0.75, turn
taking 0.4-0.62 (never above the line it follows), unknown 0. The cast sends lines under its
threshold (0.5) to the 'unknown speaker' voice; `bench/attribution.py` reports how often a
wrong guess still clears it. Gender comes from titles (先生, 小姐, Mr, Mrs), he/she near a
name, kinship and address terms, English given names, the characters of a Chinese given name
(美, 玲 / 强, 伟) and rank titles (主任), weighed as in `tts.speakers.roster` (its notes give
the order).

A name at the start or end of a quote (`“祁省長，…”`, `"Lizzy, …"`) is the addressee, never
the speaker of that quote.
"""

from __future__ import annotations

import gc
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from tts.model import Book, Character, Gender, Segment
from tts.speakers.roster import (
    CLAUSE_LEAD_ZH,
    PET_RE,
    RANK_WEIGHT,
    Roster,
    build_roster,
    fold,
    gender_prior,
)
from tts.speakers.segment import Block, Piece, detect_style, segments_from_blocks, split_chapter

FIRST_PERSON_ZH = "我"
"""Speaker name for a first-person narrator's lines in Chinese text."""
FIRST_PERSON_EN = "I"
"""Speaker name for a first-person narrator's lines in English text."""

_CONF = {
    "tag-after": 0.95,
    "tag-before": 0.93,
    "tag-between": 0.95,
    "colon": 0.9,
    "colon-prev-para": 0.85,
    "first-person": 0.9,
    "self-name": 0.85,
    "pronoun": 0.75,
    "action-after": 0.75,
    "action-before": 0.7,
    "continuation": 0.9,
    "vocative-turn": 0.62,
    "alternation": 0.6,
    "monologue": 0.6,
    "action-prev": 0.55,
    "vocative-back": 0.5,
    "unknown": 0.0,
}
_MONOLOGUE_EN = 0.4
"""English closes a quote only when the speaker changes: a closed quote then another is rarely
the same speaker."""
_RECENT = 12
"""Characters remembered for pronoun resolution and turn-taking."""
_GAP = 6
"""Paragraphs of narration after which a conversation is over."""

_ZH_VERB_ALTERNATIVES = "|".join(
    [
        "說道|说道|問道|问道|答道|回答|回道|應道|应道|笑道|喊道|叫道|吼道|嘆道|叹道|歎道|怒道",
        "驚道|惊道|冷笑|嘆息|叹息|補充|补充|插嘴|嘟囔|嘀咕|開口|开口|解釋|解释|表示|反問|反问",
        "追問|追问|總結|总结|介紹|介绍|提醒|吩咐|命令|宣布|喃喃|低語|低语|心想|暗道|想道|暗想",
        "附和|接口|安慰|感嘆|感叹|感慨|讚嘆|赞叹|大喊|大叫|叫嚷|嚷道|喝道|罵道|骂道|答應|答应",
        "(?<![知難难味街頻频軌轨車车渠管隧霸地])道(?![路理歉德具])",
        "(?<![小傳传據据聽听雖虽再不])[說说](?![明服])",
        "[問问](?![題题])|答(?![應应案])|[喊吼嚷]|[罵骂]|叫(?![做作])",
    ]
)


def _first_chars(alternatives: str) -> str:
    """The characters that can start a match of `alternatives` ('|'-joined words, each a
    literal or a [class], after an optional (?<![…]) lookbehind)."""
    chars: set[str] = set()
    for alt in alternatives.split("|"):
        alt = re.sub(r"^\(\?<!\[[^\]]*\]\)", "", alt)
        chars.update(alt[1 : alt.index("]")] if alt.startswith("[") else alt[0])
    return "".join(sorted(chars))


# One class test rejects most positions before any alternative is tried (ten times faster).
_ZH_VERB = re.compile(f"(?=[{_first_chars(_ZH_VERB_ALTERNATIVES)}])(?:{_ZH_VERB_ALTERNATIVES})")
_EN_VERBS = (
    "said|says|say|asked|asks|replied|replies|answered|answers|cried|cries|exclaimed|added|"
    "whispered|observed|returned|continued|shouted|muttered|murmured|called|remarked|responded|"
    "declared|began|repeated|laughed|sighed|snapped|insisted|protested|agreed|explained|"
    "suggested|demanded|inquired|enquired|thought|yelled|screamed|interrupted|rejoined|retorted|"
    "urged|pleaded|growled|hissed|mumbled|stammered|grumbled|admitted|argued|warned|announced|"
    "offered|promised|breathed|conceded|ventured|gasped|went on|told|wondered|groaned|sobbed|"
    "cut in|put in|chimed in|joked|teased|began|corrected|persisted|spoke|begged|called out"
)
_EN_VERB = re.compile(rf"\b(?:{_EN_VERBS})\b")
_EN_INVERTED = re.compile(rf"^[\s,;—–-]*(?:(?:then|and|now)\s+)?(?:{_EN_VERBS})\s+$", re.I)
_EN_AFTER_SUBJ = re.compile(
    rf"\s+(?:\w+ly\s+|had\s+|has\s+|then\s+|at once\s+|at last\s+){{0,2}}(?:{_EN_VERBS})\b"
)
_EN_LEAD_CONJ = re.compile(r"(?:and|but|then|so|yet|while|when|now)\s+", re.I)
_EN_CLAUSE_SPLIT = re.compile(
    r"(?=[,;\s])(?:,\s+(?=(?:and|but|then|so|while|yet)\s)|;\s*|\s+(?=(?:when|while|until)\s)"
    r"|\s+(?=and\s+[A-Z]))"
)
_EN_OBJECT_BEFORE = re.compile(
    r"\b(?:to|at|with|for|of|from|on|by|upon|toward|towards|about|and|than|like|asked|told|"
    r"see|saw|watched|heard|called|answered|interrupted)\s+$",
    re.I,
)
_ZH_OBJECT_BEFORE = frozenset(
    "把將将對对向給给跟和與与同被讓让叫問问看見见朝替為为了著着令使請请帶带到找陪扶拉拍抱在"
)
_ZH_CLAUSE = re.compile(r"[^，。！？；：,.!?;:…]+")
_PASSIVE_AGENT = re.compile(
    r"[被讓让給给]([^，。！？；：,.!?;:…]{1,6}?)(?:[叫喊拦攔打打問问]|給|给)"
)
"""被他叫住, 让王主任问住: the agent of a passive before a colon is the one who speaks."""
_CLAUSE_TAIL = re.compile(r"[，。！？；：,.!?;:…][^，。！？；：,.!?;:…]*$")
"""The last clause break before a position (search with endpos)."""
_ZH_SENT_END = re.compile(r"[。！？!?…]")
_EN_SENT = re.compile(
    r"(?:[^.!?;:MDSJPCGLR]+|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Mt|Prof|Capt|Col|Gen|Lt|Sgt|Rev)\.\s*"
    r"|[^.!?;:])+[.!?;:]*"
)
"""A sentence: up to its stop (and the stops after it), an honorific's dot aside. Runs of
characters that cannot open an honorific go in one step (four times faster)."""
_QUESTION = re.compile(r"[？?][”」』\"'’)）]*\s*$|[？?][吗嗎呢吧啊]*$")
_NOBODY = re.compile(
    r"\s*[,，]?\s*(?:[\u4e00-\u9fff]{0,4}?(?:有人|有個聲音|有个声音|一個聲音|一个声音)|眾人|众人|大家|所有人"
    r"|(?:said|called|cried|shouted|asked)?\s*(?:someone|somebody|a voice)\b)",
    re.I,
)
_SELF_ZH = re.compile(r"(?<![不])(?:是我|我是|我就是|我叫)[，,]?\s*")
_SELF_EN = re.compile(r"\b(?:(?:[Ii]t's|[Ii]t is) (?:me|I),?|I am|I'm|[Mm]y name is)\s+")
_SELF_END = frozenset("，,！!。.…？?;；—-\"”」』'’")
"""What may follow a name a speaker calls himself: the end of the clause."""
_SECOND_PERSON = re.compile(r"[你您妳]|\byou\b", re.I)


def _colon_end(text: str) -> bool:
    """The text ends with a colon (trailing spaces aside): what introduces speech."""
    return text.rstrip()[-1:] in ("：", ":")


def _question_end(text: str) -> bool:
    """The text ends with a question mark (closing marks and 吗/呢 aside)."""
    return _QUESTION.search(text, max(0, len(text) - 12)) is not None


_SHORT_TURN = 16
_SHORT_QUESTION = 12


class _Guess(NamedTuple):
    speaker: str | None
    method: str
    confidence: float


class _Cue(NamedTuple):
    """Who the narration next to a quote names as its speaker, before the reading state
    resolves a pronoun."""

    candidates: tuple[tuple[str, bool], ...]
    """(surface, is a pronoun), the likeliest first; none: someone unnamed speaks."""
    verb: bool
    """A speech verb (or a colon) names the speaker: a tag, not an action beat."""
    colon: bool = False
    """A colon without a speech verb introduces the quote."""
    weigh: bool = False
    """The candidates are the subjects of a Chinese sentence's clauses, last first: a pronoun
    gives way to an earlier name when no one of its gender is in view."""


_NO_ONE = _Cue((), False)


class _Quote(NamedTuple):
    """What a line of dialogue tells about the conversation, whoever says it."""

    addressee: str | None
    """The person it speaks to by name."""
    own: _Guess | None
    """The speaker naming himself (`self-name`)."""
    asked: bool
    """It ends with a question mark."""
    question: bool
    """It asks the listener something (a question with 你/you, or a short one)."""
    length: int


@dataclass(slots=True)
class _State:
    """What the reader remembers while going through a chapter."""

    recent: list[str] = field(default_factory=list)
    """Characters most recently mentioned or speaking, latest first."""
    subjects: list[str] = field(default_factory=list)
    """Characters most recently standing as a subject (the topic), latest first."""
    speakers: list[tuple[str, int]] = field(default_factory=list)
    """Recent dialogue paragraphs as (speaker, paragraph), latest last."""
    last_dialogue: int = -99
    last_guess: _Guess | None = None
    last_question: bool = False
    """The last line asked the listener something (a question with 你/you, or a short one)."""
    last_question_any: bool = False
    last_addressee: str | None = None
    last_len: int = 0
    last_turned: bool = False
    prev_colon: _Guess | None = None
    prev_subject: str | None = None
    prev_para: int = -99
    unnamed: tuple[list[_Guess], int, int] | None = None
    """A line said by a voice no one named: (its paragraph's guesses, index, paragraph)."""

    def touch(self, name: str, subject: bool) -> None:
        # Already the latest is the common case in a conversation: nothing to move.
        recent = self.recent
        if not recent or recent[0] != name:
            _to_front(recent, name)
        if subject:
            subjects = self.subjects
            if not subjects or subjects[0] != name:
                _to_front(subjects, name)


_K = TypeVar("_K")
_V = TypeVar("_V")


class _Memo(dict[_K, _V]):
    """A dict that reads the value of a key it lacks with `read(key)`, once, and keeps it."""

    __slots__ = ("read",)

    def __init__(self, read: Callable[[_K], _V]) -> None:
        super().__init__()
        self.read = read

    def __missing__(self, key: _K) -> _V:
        value = self[key] = self.read(key)
        return value


def _named_guess(key: tuple[str, str]) -> _Guess:
    """A named speaker's guess depends on nothing else: one record per speaker and method."""
    who, method = key
    return _Guess(who, method, _CONF[method])


def _to_front(names: list[str], name: str) -> None:
    """Put `name` first in a list of the latest names (at most `_RECENT`)."""
    if name in names:
        names.remove(name)
    elif len(names) == _RECENT:
        names.pop()
    names.insert(0, name)


class _Attributor:
    def __init__(self, roster: Roster, english: bool) -> None:
        self.roster = roster
        self.english = english
        names = roster.pattern
        if english:
            # One class test rejects most positions before any alternative is tried.
            self.mention = re.compile(
                rf"(?=[HhSsI{roster.first_chars}])"
                rf"(?:(?P<name>{names})|\b(?P<pro>[Hh]e|[Ss]he|I)\b)"
            )
        else:
            # One class test rejects most positions before any alternative is tried.
            self.mention = re.compile(
                rf"(?=[他她我{roster.first_chars}])(?:(?P<name>{names})|(?P<pro>[他她我])(?![們们]))"
            )
        # What each distinct text says regardless of the reading state, read once: books
        # repeat short lines ("嗯。", "Yes.") and stock narration.
        self.names: _Memo[str, str | None] = _Memo(roster.resolve)
        """Surface form -> the character it names."""
        self.quotes: _Memo[str, _Quote] = _Memo(self.read_quote)
        self.after_cues: _Memo[str, _Cue | None] = _Memo(self.after_cue)
        self.before_cues: _Memo[str, _Cue | None] = _Memo(self.before_cue)
        self.sentences: _Memo[
            str, list[tuple[str | None, str | None, tuple[str, ...], tuple[str, Gender] | None]]
        ] = _Memo(self.read_sentences)
        self.walks: _Memo[str, list[tuple[str | None, str, bool, bool, bool]]] = _Memo(self.walk)
        self.name_genders: _Memo[str, Gender | None] = _Memo(self.name_gender)
        self._named: _Memo[tuple[str, str], _Guess] = _Memo(_named_guess)
        first_person = FIRST_PERSON_EN if english else FIRST_PERSON_ZH
        # A known character may be the narrator: voices.yaml lists '我' or 'I' as an alias.
        self.first_person = roster.canon.get(fold(first_person), first_person)
        self.lines: Counter[str] = Counter()

    # ------------------------------------------------------------ mentions

    def name_gender(self, name: str) -> Gender | None:
        """The gender a character's names suggest firmly (a kin term or a given name, not a
        rank title), for choosing whom a he/she stands for while genders are counted."""
        if name in self.roster.known and self.roster.gender.get(name):
            return self.roster.gender[name]
        prior = gender_prior((name, *self.roster.forms.get(name, ())), self.english)
        return prior[0] if prior is not None and prior[1] > RANK_WEIGHT else None

    def pronoun(self, word: str, st: _State, exclude: str | None) -> tuple[str | None, float]:
        """Resolve he/she/他/她 to the latest topical character of that gender."""
        w = word.lower()
        if w in ("i", "我"):
            return self.first_person, _CONF["first-person"]
        gender: Gender = "female" if w in ("she", "她") else "male"
        for pool in (st.subjects, st.recent):
            for who in pool:
                if who != exclude and self.roster.gender.get(who) == gender:
                    return who, _CONF["pronoun"]
        for pool in (st.subjects, st.recent):
            for who in pool:
                if who in (exclude, self.first_person) or self.roster.gender.get(who):
                    continue
                return who, _CONF["pronoun"] - 0.2
        return None, 0.0

    def subject_zh(self, text: str, start: int, end: int) -> tuple[str, bool] | None:
        """The subject at the start of the Chinese clause text[start:end]: (surface,
        is_pronoun)."""
        lead = CLAUSE_LEAD_ZH.match(text, start, end)
        if lead is not None:
            start = lead.end()
        m = self.mention.search(text, start, min(start + 12, end))
        if m is None:
            return None
        at = m.start()
        if at - start > 6:
            return None
        if at > start and (text[at - 1] in _ZH_OBJECT_BEFORE or _ZH_VERB.search(text, start, at)):
            return None
        return m.group(), m.lastgroup == "pro"

    def subject_en(self, sentence: str) -> tuple[str, bool] | None:
        s = sentence.lstrip(" ,;—–-\"'“”‘’")
        lead = _EN_LEAD_CONJ.match(s)
        if lead is not None:
            s = s[lead.end() :]
        m = self.mention.search(s, 0, 60)
        if m is None:
            return None
        before = s[: m.start()]
        if len(before.split()) > 3 or _EN_OBJECT_BEFORE.search(before) or _EN_VERB.search(before):
            return None
        return m.group(), m.lastgroup == "pro"

    # ------------------------------------------------------------ cues

    def tag_after(self, text: str, st: _State, exclude: str | None) -> _Guess | None:
        """Speaker from the narration right after a quote."""
        cue = self.after_cues[text]
        if cue is None:
            return None
        if not cue.candidates:
            return _Guess(None, "unknown", 0.0)
        return self._guess(cue.candidates[0], cue.verb, "after", st, exclude)

    def after_cue(self, text: str) -> _Cue | None:
        """The speaker the narration right after a quote names (`_NO_ONE`: someone unnamed)."""
        if _NOBODY.match(text):
            return _NO_ONE  # 有人喊了一声, someone called: nobody named
        if self.english:
            sent = _EN_SENT.match(text)
            first = sent.group() if sent else text
            m = self.mention.search(first, 0, 80)
            if m is None:
                return None
            prefix = first[: m.start()]
            verb = False
            if _EN_INVERTED.match(prefix):
                verb = True
            elif prefix.strip(" ,;—–-") == "" or prefix.strip().lower() in ("and", "then", "but"):
                verb = bool(_EN_AFTER_SUBJ.match(first, m.end()))
            else:
                return None
            if first[m.end() : m.end() + 2] in ("'s", "’s"):
                if verb:
                    return _NO_ONE  # said Elizabeth's sister: someone else
                verb = False  # Elizabeth's voice was cold: her own line, an action beat
            return _Cue(((m.group(), m.lastgroup == "pro"),), verb)
        for n, cm in enumerate(_ZH_CLAUSE.finditer(text)):
            end = cm.end()
            found = self.subject_zh(text, cm.start(), end)
            if found:
                verb = bool(_ZH_VERB.search(text, cm.start(), _sentence_end(text, end)))
                return _Cue((found,), verb)
            if n >= 1 or _ZH_SENT_END.match(text, end):
                return None
        return None

    def tag_before(self, text: str, st: _State, exclude: str | None) -> _Guess | None:
        """Speaker from the narration right before a quote (or ending the paragraph before)."""
        cue = self.before_cues[text]
        if cue is None:
            return None
        if not cue.weigh:
            return self._guess(cue.candidates[0], cue.verb, "before", st, exclude, cue.colon)
        pronoun: tuple[str, bool] | None = None
        for found in cue.candidates:
            if found[1] and found[0] != "我":
                if pronoun is None:
                    pronoun = found
                    who, conf = self.pronoun(found[0], st, exclude)
                    if who is not None and conf >= _CONF["pronoun"]:
                        break  # a character of that gender is in view
                continue  # else a name earlier in the sentence (王海濤趕來，他看了一眼…)
            if pronoun is not None and self.roster.gender.get(self.names[found[0]] or "") not in (
                None,
                "male" if pronoun[0] == "他" else "female",
            ):
                break
            return self._guess(found, cue.verb, "before", st, exclude, cue.colon)
        if pronoun is not None:
            return self._guess(pronoun, cue.verb, "before", st, exclude, cue.colon)
        return None

    def before_cue(self, text: str) -> _Cue | None:
        """The speaker the narration right before a quote names."""
        stripped = text.rstrip()
        colon = _colon_end(stripped)
        if self.english:
            sentences = _EN_SENT.findall(stripped)
            if not sentences:
                return None
            last = sentences[-1]
            tail = last.rstrip()
            verb_m = _EN_VERB.search(last)
            if tail.endswith(",") or colon or verb_m:
                found = self._en_speaker_around_verb(last, verb_m)
                if found is None:
                    return None
                return _Cue((found,), bool(verb_m) or colon, colon)
            found = self.subject_en(last)
            return _Cue((found,), False) if found else None
        clauses = list(_ZH_CLAUSE.finditer(stripped))
        if not clauses:
            return None
        # The last sentence's clauses, at most six (the last ones): back from the end to the
        # first sentence end.
        first = max(0, len(clauses) - 6)
        for i in range(len(clauses) - 2, max(first - 2, -1), -1):
            if _ZH_SENT_END.match(stripped, clauses[i].end()):
                first = i + 1
                break
        last = clauses[-1]
        verb = _ZH_VERB.search(stripped, last.start(), last.end()) is not None
        verb = verb or stripped.endswith(("，", ","))
        agent = _PASSIVE_AGENT.search(stripped, last.start(), last.end())
        if agent is not None:  # 又被他叫住了：the one who calls out speaks
            m = self.mention.match(agent.group(1))
            if m is not None:
                return _Cue(((m.group(), m.lastgroup == "pro"),), True, colon)
        subjects = (
            self.subject_zh(stripped, cm.start(), cm.end()) for cm in reversed(clauses[first:])
        )
        candidates = tuple(found for found in subjects if found is not None)
        if not candidates:
            return None
        return _Cue(candidates, verb or colon, colon and not verb, weigh=True)

    def _en_speaker_around_verb(
        self, sentence: str, verb: re.Match[str] | None
    ) -> tuple[str, bool] | None:
        if verb is not None:
            # The subject before the verb (She … offered me a scone:), else one right after
            # it (Then said Elizabeth:).
            for m in self.mention.finditer(sentence, 0, verb.start()):
                if not _EN_OBJECT_BEFORE.search(sentence[: m.start()]):
                    return m.group(), m.lastgroup == "pro"
            after = self.mention.match(sentence, verb.end() + 1)
            if after is not None and not sentence[verb.end() + 1 : after.start()].strip():
                return after.group(), after.lastgroup == "pro"
            return None
        return self.subject_en(sentence)

    def _guess(
        self,
        found: tuple[str, bool],
        verb: bool,
        side: str,
        st: _State,
        exclude: str | None,
        colon: bool = False,
    ) -> _Guess | None:
        surface, is_pro = found
        if is_pro:
            who, conf = self.pronoun(surface, st, exclude)
        else:
            who, conf = self.names[surface], 1.0
        if who is None:
            return None
        if is_pro:
            method = "first-person" if who == self.first_person else "pronoun"
            if not verb:
                conf = min(conf, _CONF["action-" + side]) - 0.05
            return _Guess(who, method, conf)
        if who == exclude and not verb:
            return None
        method = "colon" if colon else ("tag-" if verb else "action-") + side
        return self._named[who, method]

    def read_quote(self, text: str) -> _Quote:
        """What a line of dialogue tells (`quotes` keeps it per distinct line)."""
        to = self.addressee(text)
        own = self.self_named(text)
        if own is not None and to == own.speaker:
            to = None  # "It's me, Daniel!": Daniel speaks
        asked = _question_end(text)
        question = asked and (
            len(text) <= _SHORT_QUESTION or _SECOND_PERSON.search(text) is not None
        )
        return _Quote(to, own, asked, question, len(text))

    def addressee(self, quote: str) -> str | None:
        """A name at the start or end of a quote: the person spoken to."""
        lead = _VOC_LEAD.match(quote)
        m = self.mention.match(quote, lead.end() if lead else 0)
        if m is not None and m.lastgroup == "name":
            nxt = quote[m.end() : m.end() + 1]
            if nxt == "" or nxt in "，,！!。.?？你您":
                return self.names[m.group()]
        tail = (_ADDRESS_END_EN if self.english else _ADDRESS_END).search(
            quote, max(0, len(quote) - 24)
        )
        if tail is not None:
            m = self.mention.fullmatch(tail.group("who"))
            if m is not None and m.lastgroup == "name":
                return self.names[m.group()]
        return None

    # ------------------------------------------------------------ paragraphs

    def chapter(self, blocks: list[Block]) -> list[list[_Guess]]:
        """A guess for each dialogue piece of each block, in order."""
        st = _State()
        out: list[list[_Guess]] = []
        for block in blocks:
            if block.pause:
                out.append([])
                continue
            out.append(self.paragraph(block, st))
        return out

    def paragraph(self, block: Block, st: _State) -> list[_Guess]:
        pieces = block.pieces
        if len(pieces) == 1:  # the commonest kinds: all narration, or one quote
            if pieces[0].kind == "dialogue":
                return self.quote_only(block, st)
            self.narration_only(block, st)
            return []
        kinds = [p.kind == "dialogue" for p in pieces]
        dialogue = [i for i, d in enumerate(kinds) if d]
        if not dialogue:
            self.narration_only(block, st)
            return []
        n_pieces = len(pieces)
        quotes = {i: self.quotes[pieces[i].text] for i in dialogue}
        addressees = {i: q.addressee for i, q in quotes.items()}
        # In-paragraph cues, per quote: the tag after it, then the tag before it. Narration
        # is remembered as it is read, so a tag after a quote sees only what came before.
        after: list[_Guess | None] = [None] * n_pieces
        before: list[_Guess | None] = [None] * n_pieces
        for j, p in enumerate(pieces):
            if kinds[j]:
                continue
            if j > 0 and kinds[j - 1]:
                after[j - 1] = self.tag_after(p.text, st, addressees[j - 1])
            self.remember(p, st)
            if j + 1 < n_pieces and kinds[j + 1]:
                before[j + 1] = self.tag_before(p.text, st, addressees[j + 1])
        guesses: dict[int, _Guess] = {}
        for i in dialogue:
            g = after[i]
            if g and i + 2 < n_pieces and kinds[i + 2]:
                if g.method.startswith("tag") or g.method == "colon":
                    g = g._replace(method="tag-between")
            b = before[i]
            if b is not None and (
                g is None or (g.method.startswith("action") and b.confidence > g.confidence)
            ):
                g = b
                if i >= 2 and kinds[i - 2] and g.method.startswith("tag"):
                    g = g._replace(method="tag-between")
            own = quotes[i].own
            if own is not None and (g is None or g.confidence < own.confidence):
                g = own
            if g is not None:
                guesses[i] = g
        # One paragraph, one speaker: share the best cue with quotes that have none.
        best = None
        for g in guesses.values():
            if best is None or g.confidence > best.confidence:
                best = g
        if best is None and len(dialogue) > 1 and not pieces[dialogue[0]].continues:
            # No cue anywhere: read the paragraph's speaker from the conversation once, with
            # whoever its quotes address (“陈叔，…”门外的年轻人喊道，“…”).
            spoken_to = next((addressees[i] for i in dialogue if addressees[i]), None)
            best = self.from_flow(block, pieces[dialogue[0]], spoken_to, st)
        first = pieces[dialogue[0]]
        result: list[_Guess] = []
        for n, i in enumerate(dialogue):
            g = guesses.get(i)
            if n == 0 and first.continues and st.last_guess and st.last_guess.speaker:
                prev = st.last_guess
                if g is None or g.confidence < _CONF["tag-before"] or g.speaker == prev.speaker:
                    g = _Guess(
                        prev.speaker,
                        "continuation",
                        min(prev.confidence, _CONF["continuation"]),
                    )
            if g is None and best is not None:
                g = best
            voice = g is None and i > 0 and _colon_end(pieces[i - 1].text)
            if voice:
                g = _Guess(None, "unknown", 0.0)  # "a thin voice came:" someone not named
            if g is None:
                g = self.from_flow(block, pieces[i], addressees[i], st)
            result.append(g)
        self.answered(block, result[0], addressees[dialogue[0]], st)
        if voice:
            st.unnamed = (result, len(result) - 1, block.paragraph)
        if len(dialogue) == 1:
            addressee = addressees[dialogue[0]]
        else:
            addressee = next((addressees[i] for i in reversed(dialogue) if addressees[i]), None)
        last = dialogue[-1]
        self.after_dialogue(block.paragraph, result[-1], quotes[last], addressee, pieces[-1], st)
        return result

    def answered(self, block: Block, first: _Guess, addressee: str | None, st: _State) -> None:
        """A reply that names whom it answers gives an unnamed voice just before its name."""
        if st.unnamed is None:
            return
        lines, k, paragraph = st.unnamed
        st.unnamed = None
        if addressee and addressee != first.speaker and block.paragraph - paragraph == 1:
            lines[k] = _Guess(addressee, "vocative-back", _CONF["vocative-back"])

    def self_named(self, quote: str) -> _Guess | None:
        """是我，小林！ / It's me, Daniel!: the speaker names himself (and addresses no one
        by that name)."""
        if self.english:
            if "I" not in quote and "me" not in quote and "name" not in quote:
                return None
            found = _SELF_EN.search(quote)
        else:
            if "我" not in quote:
                return None
            found = _SELF_ZH.search(quote)
        while found is not None:
            m = self.mention.match(quote, found.end())
            if m is None or m.lastgroup != "name":
                m = None if self.english else PET_RE.match(quote, found.end())  # 小林
            if m is not None and quote[m.end() : m.end() + 1] in _SELF_END | {""}:
                who = self.names[m.group()]
                if who is not None:
                    return _Guess(who, "self-name", _CONF["self-name"])
            found = (_SELF_EN if self.english else _SELF_ZH).search(quote, found.end())
        return None

    def quote_only(self, block: Block, st: _State) -> list[_Guess]:
        """A paragraph that is one quote and nothing else: the commonest kind in dialogue."""
        piece = block.pieces[0]
        quote = self.quotes[piece.text]
        addressee = quote.addressee
        prev = st.last_guess
        own = quote.own
        if own is not None:
            g = own
        elif piece.continues and prev is not None and prev.speaker:
            g = _Guess(prev.speaker, "continuation", min(prev.confidence, _CONF["continuation"]))
        else:
            g = self.from_flow(block, piece, addressee, st)
        self.answered(block, g, addressee, st)
        self.after_dialogue(block.paragraph, g, quote, addressee, piece, st)
        return [g]

    def from_flow(self, block: Block, piece: Piece, addressee: str | None, st: _State) -> _Guess:
        """A quote with no cue in its paragraph: read it from the conversation."""
        if st.prev_colon is not None and st.prev_para == block.paragraph - 1:
            g = st.prev_colon
            return _Guess(g.speaker, "colon-prev-para", min(g.confidence, _CONF["colon-prev-para"]))
        in_talk = block.paragraph - st.last_dialogue <= _GAP and st.last_guess is not None
        prev = st.last_guess.speaker if in_talk and st.last_guess else None
        right_after = st.last_dialogue == st.prev_para and st.prev_para == block.paragraph - 1
        if (
            st.prev_subject
            and st.prev_para == block.paragraph - 1
            and not right_after
            and st.prev_subject != addressee
        ):
            return _Guess(st.prev_subject, "action-prev", _CONF["action-prev"])
        if prev is None:
            if addressee is not None:  # someone speaks to X: the other one present
                for who in st.recent[:3]:
                    if who not in (addressee, self.first_person):
                        return _Guess(who, "alternation", 0.5)
            return _Guess(None, "unknown", 0.0)
        other = self.other_party(prev, st, addressee)
        base = min(st.last_guess.confidence, 1.0) if st.last_guess else 0.0
        turn_conf = min(base, _CONF["alternation"])
        if addressee == prev:  # spoken to the last speaker: whoever they addressed answers
            if st.last_addressee not in (None, prev):
                return _Guess(st.last_addressee, "vocative-turn", min(base, _CONF["vocative-turn"]))
            return (
                _Guess(other, "alternation", turn_conf) if other else _Guess(None, "unknown", 0.0)
            )
        turn_to = st.last_addressee if st.last_addressee not in (None, prev, addressee) else None
        if turn_to and (st.last_question or self.english):
            # English: whoever was just addressed by name answers; Chinese: when asked.
            return _Guess(turn_to, "vocative-turn", min(base, _CONF["vocative-turn"]))
        if self.english:
            if other and other != addressee:
                return _Guess(other, "alternation", turn_conf)
            return _Guess(prev, "monologue", min(base, _MONOLOGUE_EN))
        # Chinese: the same speaker goes on unless the lines read as a back-and-forth.
        asks = self.quotes[piece.text].question and not st.last_question_any
        if other and (st.last_question or asks):
            return _Guess(other, "alternation", turn_conf)
        short = len(piece.text) <= _SHORT_TURN and st.last_len <= _SHORT_TURN
        if short and st.last_turned and other:
            return _Guess(other, "alternation", min(base, _CONF["alternation"] - 0.05))
        return _Guess(prev, "monologue", min(base, _CONF["monologue"]))

    def other_party(self, prev: str, st: _State, addressee: str | None) -> str | None:
        for who, _ in reversed(st.speakers[-8:]):
            if who != prev and who != addressee:
                return who
        if st.last_addressee and st.last_addressee != prev:
            return st.last_addressee
        for who in st.recent[:4]:
            if who != prev and who != addressee and who != self.first_person:
                return who
        return None

    def after_dialogue(
        self,
        paragraph: int,
        last: _Guess,
        quote: _Quote,
        addressee: str | None,
        tail: Piece,
        st: _State,
    ) -> None:
        """Remember a paragraph with dialogue: its last line (`last`, what it says: `quote`),
        whom the paragraph addresses last, and the piece that ends it (`tail`)."""
        prev_speaker = st.last_guess.speaker if st.last_guess else None
        if last.speaker:
            if not st.speakers or st.speakers[-1][0] != last.speaker:
                st.speakers.append((last.speaker, paragraph))
                del st.speakers[:-16]
            st.touch(last.speaker, subject=True)
        st.last_turned = bool(prev_speaker and last.speaker and prev_speaker != last.speaker)
        st.last_guess = last
        st.last_dialogue = paragraph
        st.last_question_any = quote.asked
        st.last_question = quote.question
        st.last_addressee = addressee
        st.last_len = quote.length
        st.prev_para = paragraph
        st.prev_subject = None
        st.prev_colon = None
        if tail.kind == "narration" and _colon_end(tail.text):
            st.prev_colon = self.tag_before(tail.text, st, None)

    def narration_only(self, block: Block, st: _State) -> None:
        text = block.pieces[-1].text if block.pieces else ""
        st.prev_colon = None
        st.prev_subject = None
        if text and _colon_end(text):
            st.prev_colon = self.tag_before(text, st, None)
        for p in block.pieces:
            subj = self.remember(p, st)
            if subj:
                st.prev_subject = subj
        st.prev_para = block.paragraph

    def remember(self, piece: Piece, st: _State) -> str | None:
        """Note who is mentioned in narration; return the last sentence's subject."""
        text = piece.text
        last_subject = None
        if self.english:
            for subject, pronoun, names, _ in self.sentences[text]:
                if subject:
                    st.touch(subject, subject=True)
                    last_subject = subject
                elif pronoun:
                    who, _ = self.pronoun(pronoun, st, None)
                    last_subject = who
                    if who and who != self.first_person:
                        st.touch(who, subject=True)  # He looked up: still the topic
                for who in names:
                    if who != last_subject:
                        st.touch(who, subject=False)
            return last_subject
        for who, pro, subject, _, _ in self.walks[text]:
            if not pro:
                if who is None:
                    continue
                if subject:
                    st.touch(who, subject=True)
                    last_subject = who
                elif who != last_subject:
                    st.touch(who, subject=False)
            elif subject:
                who, _ = self.pronoun(pro, st, None)
                last_subject = who or last_subject
        return last_subject

    def read_sentences(
        self, text: str
    ) -> list[tuple[str | None, str | None, tuple[str, ...], tuple[str, Gender] | None]]:
        """An English narration text sentence by sentence (`sentences` keeps it per distinct
        text): (the character standing as the subject, or else the pronoun standing as it; the
        characters named, in order; the (character, gender) its he/she votes for)."""
        found: list[tuple[str | None, str | None, tuple[str, ...], tuple[str, Gender] | None]] = []
        for sent in _EN_SENT.findall(text):
            subject = None
            for clause in _EN_CLAUSE_SPLIT.split(sent):
                subject = self.subject_en(clause) or subject
            names = tuple(
                who
                for m in self.mention.finditer(sent)
                if m.lastgroup == "name" and (who := self.names[m.group()])
            )
            found.append(
                (
                    self.names[subject[0]] if subject and not subject[1] else None,
                    subject[0] if subject and subject[1] else None,
                    names,
                    _en_vote(names, sent),
                )
            )
        return found

    def walk(self, text: str) -> list[tuple[str | None, str, bool, bool, bool]]:
        """Names and pronouns of a Chinese narration text (`walks` keeps them per distinct
        text): (the character a name stands for, None for a pronoun or a name of no one; the
        pronoun, '' for a name; standing as its clause's subject; a sentence ended since the
        previous one; nothing before it in its clause)."""
        found: list[tuple[str | None, str, bool, bool, bool]] = []
        prev = 0
        clause = 0
        for m in self.mention.finditer(text):
            start = m.start()
            tail = _CLAUSE_TAIL.search(text, prev, start)
            first = tail is not None or prev == 0
            if tail is not None:
                clause = tail.start() + 1
            # A sentence end is a clause break too: none to look for without a break.
            ended = tail is not None and _ZH_SENT_END.search(text, prev, start) is not None
            subject = first and self.subject_at(text, clause, start)
            opens = not text[clause:start].strip()
            if m.lastgroup == "pro":
                found.append((None, m.group(), subject, ended, opens))
            else:
                found.append((self.names[m.group()], "", subject, ended, opens))
            prev = m.end()
        return found

    def subject_at(self, text: str, clause: int, start: int) -> bool:
        """A Chinese mention at `start` stands as its clause's subject (clause from `clause`)."""
        lead = CLAUSE_LEAD_ZH.match(text, clause, start)
        if lead is not None:
            clause = lead.end()
        if start - clause > 6:
            return False
        if start > clause and text[start - 1] in _ZH_OBJECT_BEFORE:
            return False
        return start == clause or _ZH_VERB.search(text, clause, start) is None


_VOC_LEAD = re.compile(
    r"(?:[啊哎唉喂嘿哦噢呀]+[，,！!]?"
    r"|(?:(?:oh|ah|well|my dear|dear|now|come|why|yes|no)[,!]?\s+)+)",
    re.I,
)
_ADDRESS_END_EN = re.compile(r",\s*(?P<who>[A-Z][^,;:!?\"“”]{0,20}?)[.!?,…]*$")
"""An English name closing a quote, honorific dots and a trailing comma allowed ("Not yet,
Mr. Pell," Rosa called)."""
_ADDRESS_END = re.compile(r"[，,]\s*(?P<who>[^，,。！？!?.\s][^，,。！？!?.]{0,16}?)[。！？!?.…]*$")


def _sentence_end(text: str, start: int) -> int:
    m = _ZH_SENT_END.search(text, start)
    return m.start() if m else len(text)


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


def _gender_votes(
    att: _Attributor, told: list[tuple[int, str]], votes: dict[str, Counter[str]]
) -> None:
    """He/she votes for the gender of the character it most likely stands for.

    Chinese: a pronoun opening a clause stands for the sentence's subject, else for what the
    same pronoun stood for last, else the latest subject, else the latest name; a pronoun
    inside a clause never stands for its own sentence's subject (叶倩推门进来，在他耳边…: 他
    is not 叶倩). English: a sentence naming one character votes with its pronouns.
    """
    if att.english:
        for _, text in told:
            for *_, vote in att.sentences[text]:
                if vote is not None:
                    votes[vote[0]][vote[1]] += 1
        return
    mem = _Votes()
    for paragraph, text in told:  # the narration pieces of the chapter, in order
        walk = att.walks[text]
        if not walk:
            continue  # no one named: nothing to remember or vote
        if paragraph - mem.paragraph > 2 and mem.last:
            mem = _Votes()  # a new scene (and nothing to forget without a name seen)
        _zh_gender_votes(att, walk, votes, mem, paragraph)


def _zh_gender_votes(
    att: _Attributor,
    walk: list[tuple[str | None, str, bool, bool, bool]],
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
        # The first candidate whose names do not say otherwise (她 is not 林晓峰 or Mr. Hale).
        if opens:
            cands = [subject, mem.chain.get(w), mem.topic, *reversed(last)]
            target = _fits(att, cands, gender) or subject or mem.chain.get(w) or mem.topic
            target = target or last[-1]
            subject = target
        else:
            target = _fits(att, [c for c in reversed(last) if c != subject], gender) or ""
            if not target:
                target = last[-1]
                if target == subject:
                    target = last[-2] if len(last) > 1 else ""
        if target:
            votes[target][gender] += 1
            mem.chain[w] = target


def _fits(att: _Attributor, candidates: Sequence[str | None], gender: str) -> str | None:
    """The first candidate whose names do not suggest the other gender."""
    for who in candidates:
        if who and att.name_genders[who] in (None, gender):
            return who
    return None


_EN_HE = re.compile(r"\b(?:he|him|his|himself)\b", re.I)
_EN_SHE = re.compile(r"\b(?:she|her|hers|herself)\b", re.I)


def _en_vote(names: tuple[str, ...], sentence: str) -> tuple[str, Gender] | None:
    """A sentence that names one character (`names`: those it names) and uses pronouns of one
    gender votes for it: (character, gender)."""
    if not names or any(who != names[0] for who in names):
        return None
    he = _EN_HE.search(sentence) is not None
    she = _EN_SHE.search(sentence) is not None
    if he and not she:
        return names[0], "male"
    if she and not he:
        return names[0], "female"
    return None


def _weigh_gender(votes: Counter[str], prior: tuple[Gender, float] | None) -> Gender | None:
    """He/she votes plus the prior of the names (`roster.gender_prior`): a side that weighs
    at least twice the other decides."""
    m, f = float(votes["male"]), float(votes["female"])
    if prior is not None:
        if prior[0] == "male":
            m += prior[1]
        else:
            f += prior[1]
    if m > f and m >= f * 2:
        return "male"
    if f > m and f >= m * 2:
        return "female"
    return None


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a book is read.

    Reading a book allocates millions of small records and keeps them; each automatic full
    collection walks all of them, so the collector alone costs a quarter of the time on a
    2 MB book. Nothing here forms reference cycles (refcounting frees everything) but one: the
    attributor and the memos that read with its methods, left for the collector to free once
    it is back. The collector is restored, as it was, on the way out.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def attribute(book: Book, known: Sequence[Character] = ()) -> tuple[list[Segment], list[Character]]:
    """Segments of the whole book with a speaker for each line of dialogue, and the roster.

    `known` characters (from voices.yaml) take precedence: their names are canonical and any
    of their aliases (in Traditional or Simplified form) maps to them.
    """
    with _cycle_collector_paused():
        return _attribute(book, known)


def _attribute(book: Book, known: Sequence[Character]) -> tuple[list[Segment], list[Character]]:
    english = book.language == "en"
    style = detect_style((p.text for ch in book.chapters for p in ch.paragraphs), book.language)
    chapters = [(ch, split_chapter(ch, style)) for ch in book.chapters]
    narration: list[str] = []  # narration away from quotes
    tags: list[str] = []  # narration next to a quote, or ending in a colon: where speakers stand
    dialogue: list[str] = []
    told: list[list[tuple[int, str]]] = []  # per chapter: its narration, with each paragraph
    for _, blocks in chapters:
        chapter_told: list[tuple[int, str]] = []
        told.append(chapter_told)
        for block in blocks:
            pieces = block.pieces
            if len(pieces) == 1:
                text = pieces[0].text
                if pieces[0].kind == "dialogue":
                    dialogue.append(text)
                    continue
                if text[-1:] in "：:":
                    tags.append(text)
                else:
                    narration.append(text)
                chapter_told.append((block.paragraph, text))
                continue
            for p in pieces:
                if p.kind == "dialogue":
                    dialogue.append(p.text)
                else:
                    tags.append(p.text)
                    chapter_told.append((block.paragraph, p.text))
    roster = build_roster(narration, tags, dialogue, english, known)
    att = _Attributor(roster, english)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for chapter_told in told:
        _gender_votes(att, chapter_told, votes)
    for name in roster.forms:
        if name in roster.known and roster.gender.get(name):
            continue  # voices.yaml says so
        roster.gender[name] = _weigh_gender(
            votes[name], gender_prior((name, *roster.forms[name]), english)
        )
    segments: list[Segment] = []
    for ch, blocks in chapters:
        guesses = att.chapter(blocks)
        flat = [(who, round(conf, 3), method) for gs in guesses for who, method, conf in gs]
        att.lines.update([who for who, _, _ in flat if who])
        segments.extend(segments_from_blocks(ch, blocks, flat))
    if att.lines.get(att.first_person):
        roster.forms.setdefault(att.first_person, set())
    return segments, roster.characters(att.lines)
