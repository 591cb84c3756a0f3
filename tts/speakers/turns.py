"""Who speaks, as the conversation so far tells: turn-taking through a chapter.

A `Conversation` is what a reader remembers while going through one chapter: who was last
mentioned or stood as the subject (what he/she stand for), who spoke the recent lines and
whom they addressed, whether the last line asked something, and the colon or action beat
just before. With it, a speech tag's pronoun (and "the latter", "the former": the later or
earlier of the two just named) becomes a character (`pronoun`,
`first-person`), and a line with no cue of its own gets a speaker from the flow: the colon
ending the paragraph before (`colon-prev-para`), the subject of the narration just before
(`action-prev`), the person the last line addressed (`vocative-turn`), the other party of a
two-person exchange (`alternation`), or the same speaker going on (`monologue`, the default
in Chinese, where each paragraph of a long answer is quoted separately). A speech that runs
over paragraphs keeps its speaker (`continuation`), and a voice no one named is the person
the reply right after it addresses (`vocative-back`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from tts.speakers.cues import Cues, Quote, colon_end, introduces, speech_colon_zh

CONFIDENCE = {
    "tag-after": 0.95,
    "tag-before": 0.93,
    "tag-between": 0.95,
    "tag-next-line": 0.9,
    "colon": 0.9,
    "colon-prev-para": 0.85,
    "first-person": 0.9,
    "self-name": 0.85,
    "system": 0.9,
    "pronoun": 0.75,
    "action-after": 0.75,
    "action-before": 0.7,
    "continuation": 0.9,
    "vocative-turn": 0.62,
    "alternation": 0.6,
    "monologue": 0.6,
    "action-prev": 0.55,
    "vocative-back": 0.5,
    "in-view": 0.3,
    "unknown": 0.0,
}
"""How sure each method (`Segment.method`) is, at most: turn-taking never says more than the
line it follows."""
_MONOLOGUE_EN = 0.4
"""English closes a quote only when the speaker changes: a closed quote then another is rarely
the same speaker."""
_RECENT = 12
"""Characters remembered for pronoun resolution and turn-taking."""
GAP = 6
"""Paragraphs of narration after which a conversation is over."""
_SHORT_TURN = 16


class Guess(NamedTuple):
    """Who speaks a line, by which method, and how sure that is."""

    speaker: str | None
    method: str
    confidence: float


UNKNOWN = Guess(None, "unknown", 0.0)
"""No cue, or someone unnamed speaks."""


@lru_cache(maxsize=4096)
def named_guess(who: str, method: str) -> Guess:
    """A named speaker's guess depends on nothing else: one record per speaker and method."""
    return Guess(who, method, CONFIDENCE[method])


def continued(prev: Guess) -> Guess:
    """A speech that runs on from the paragraph before: its speaker, no surer than there."""
    return Guess(prev.speaker, "continuation", min(prev.confidence, CONFIDENCE["continuation"]))


def to_front(names: list[str], name: str, limit: int = _RECENT) -> None:
    """Put `name` first in a list of the latest names (at most `limit`)."""
    if name in names:
        names.remove(name)
    elif len(names) >= limit:
        names.pop()
    names.insert(0, name)


class Conversation:
    """What the reader remembers while going through a chapter, and who speaks by it."""

    __slots__ = (
        "cues",
        "gender",
        "first_person",
        "english",
        "recent",
        "named",
        "subjects",
        "speakers",
        "last_dialogue",
        "last_guess",
        "last_question",
        "last_question_any",
        "last_addressee",
        "last_len",
        "last_turned",
        "prev_colon",
        "prev_subject",
        "prev_para",
        "unnamed",
        "tag_between",
        "took_next_line",
        "asked_name",
    )

    def __init__(self, cues: Cues) -> None:
        self.cues = cues
        self.gender = cues.roster.gender
        self.first_person = cues.first_person
        self.english = cues.english
        self.recent: list[str] = []
        """Characters most recently mentioned or speaking, latest first."""
        self.named: list[str] = []
        """The last two characters named in the narration, in the order written (English:
        what "the latter" and "the former" stand for)."""
        self.subjects: list[str] = []
        """Characters most recently standing as a subject (the topic), latest first."""
        self.speakers: list[tuple[str, int]] = []
        """Recent dialogue paragraphs as (speaker, paragraph), latest last."""
        self.last_dialogue = -99
        self.last_guess: Guess | None = None
        self.last_question = False
        """The last line asked the listener something (a question with 你/you, or a short
        one)."""
        self.last_question_any = False
        self.last_addressee: str | None = None
        self.last_len = 0
        self.last_turned = False
        self.prev_colon: Guess | None = None
        self.prev_subject: str | None = None
        self.prev_para = -99
        self.unnamed: tuple[list[Guess], int, int] | None = None
        self.took_next_line = False
        """The quote just read took its speaker from the tag line after it."""
        self.asked_name = -99
        """The paragraph of the last line that asked someone's name (你叫什么名字？)."""
        self.tag_between = False
        """The last line's tag stood alone on the line after it (`“…”` / `少安说。`)."""
        """A line said by a voice no one named: (its paragraph's guesses, index, paragraph)."""

    def touch(self, name: str, subject: bool) -> None:
        # Already the latest is the common case in a conversation: nothing to move.
        recent = self.recent
        if not recent or recent[0] != name:
            to_front(recent, name)
        if subject:
            subjects = self.subjects
            if not subjects or subjects[0] != name:
                to_front(subjects, name)

    # ------------------------------------------------------------ speech tags

    def pronoun(
        self, word: str, exclude: str | None, told: str | None = None
    ) -> tuple[str | None, float]:
        """Resolve he/she/他/她 to the latest topical character of that gender: not `exclude`
        (whom the quote calls) nor `told` (whom the tag says it was said to: 她对少平说)."""
        w = word.lower()
        if w in ("i", "我"):
            return self.first_person, CONFIDENCE["first-person"]
        gender = "female" if w in ("she", "她") else "male"
        if gender == "male" and self.subjects and not self.english:
            # 王满银…站起来。他…对小舅子说：the topic, of no sex known yet, before a man
            # further back (他 says little of sex where 她 says much: not for 她)
            top = self.subjects[0]
            if top not in (exclude, told, self.first_person) and self.gender.get(top) is None:
                return top, CONFIDENCE["pronoun"]
        for pool in (self.subjects, self.recent):
            for who in pool:
                if who != exclude and who != told and self.gender.get(who) == gender:
                    return who, CONFIDENCE["pronoun"]
        for pool in (self.subjects, self.recent):
            for who in pool:
                if who in (exclude, told, self.first_person) or self.gender.get(who):
                    continue
                return who, CONFIDENCE["pronoun"] - 0.2
        return None, 0.0

    def _resolve(self, word: str, exclude: str | None, tag: str | None) -> tuple[str | None, float]:
        """`pronoun` for the he/she of the tag `tag`, who is not whom the tag says they spoke to
        (read only when the one found is written in the tag at all)."""
        who, conf = self.pronoun(word, exclude)
        if who is not None and tag is not None and self._written_in(who, tag):
            told = self.cues.told_to[tag]
            if told == who:
                return self.pronoun(word, exclude, told)
        return who, conf

    def _written_in(self, who: str, text: str) -> bool:
        return who in text or any(form in text for form in self.cues.roster.forms.get(who, ()))

    def of_two(self, which: str) -> str | None:
        """The latter (or the former) of the last two characters mentioned: the more (or
        less) recently named one."""
        two = self.named
        if len(two) < 2:
            return None
        return two[1] if which == "latter" else two[0]

    def the_other(self) -> str | None:
        """ "said the other": of the two talking (or last named), the one who did not just
        speak; None when the text has not yet shown who that is."""
        last = self.last_guess.speaker if self.last_guess is not None else None
        for who, _ in reversed(self.speakers):
            if who != last:
                return who
        others = [who for who in self.named if who != last]
        return others[-1] if others else None

    def speaker_after(self, text: str, exclude: str | None) -> Guess | None:
        """Speaker from the narration right after a quote."""
        cue = self.cues.after[text]
        if cue is None:
            return None
        if not cue.candidates:
            return UNKNOWN
        return self._guess(cue.candidates[0], cue.verb, "after", exclude, tag=text)

    def tag_next_line(self, text: str, exclude: str | None) -> Guess | None:
        """Speaker from a tag standing alone on the line after a quote (`少安说。`, one
        sentence a line): only a speech verb's subject counts, never an action beat. Chinese
        only: English prose puts the tag in the quote's paragraph, and a name with a verb
        opening the next one is someone acting ("Rosa laughed and went back to her notes")."""
        if self.english or colon_end(text):  # `…大声喊：` introduces the quote after it
            return None
        cue = self.cues.after[text]
        if cue is None or not cue.verb or not cue.candidates:
            return None
        g = self._guess(cue.candidates[0], True, "after", exclude, tag=text)
        if g is None or g.speaker is None:
            return None
        if g.method == "tag-after":
            return named_guess(g.speaker, "tag-next-line")
        return g

    def speaker_before(self, text: str, exclude: str | None) -> Guess | None:
        """Speaker from the narration right before a quote (or ending the paragraph before)."""
        cue = self.cues.before[text]
        if cue is None:
            return None
        if not cue.candidates:
            return UNKNOWN  # 只听有人喊道：someone unnamed
        if not cue.weigh:
            return self._guess(cue.candidates[0], cue.verb, "before", exclude, cue.colon, text)
        pronoun: tuple[str, bool] | None = None
        for found in cue.candidates:
            if found[1] and found[0] != "我":
                if pronoun is None:
                    pronoun = found
                    who, conf = self._resolve(found[0], exclude, text)
                    if who is not None and conf >= CONFIDENCE["pronoun"]:
                        break  # a character of that gender is in view
                continue  # else a name earlier in the sentence (王海濤趕來，他看了一眼…)
            if pronoun is not None and self.gender.get(self.cues.names[found[0]] or "") not in (
                None,
                "male" if pronoun[0] == "他" else "female",
            ):
                break
            return self._guess(found, cue.verb, "before", exclude, cue.colon)
        if pronoun is not None:
            return self._guess(pronoun, cue.verb, "before", exclude, cue.colon, text)
        return None

    def _guess(
        self,
        found: tuple[str, bool],
        verb: bool,
        side: str,
        exclude: str | None,
        colon: bool = False,
        tag: str | None = None,
    ) -> Guess | None:
        surface, is_pro = found
        if is_pro:
            who, conf = self._resolve(surface, exclude, tag)
        elif surface[4:] in ("latter", "former"):
            who, conf, is_pro = self.of_two(surface[4:]), CONFIDENCE["pronoun"], True
        elif surface[4:] == "other":
            who, conf, is_pro = self.the_other(), CONFIDENCE["pronoun"], True
        else:
            who, conf = self.cues.names[surface], 1.0
        if who is None:
            return None
        if is_pro:
            method = "first-person" if who == self.first_person else "pronoun"
            if not verb:
                conf = min(conf, CONFIDENCE["action-" + side]) - 0.05
                if who == self.first_person:
                    # "…, sir." / I nodded.: the storyteller's action beside a line is as often
                    # the listener's as the speaker's: weighed, not read as a tag
                    method = "action-" + side
            return Guess(who, method, conf)
        if who == exclude and not verb:
            return None
        method = "colon" if colon else ("tag-" if verb else "action-") + side
        return named_guess(who, method)

    # ------------------------------------------------------------ narration

    def narration(self, paragraph: int, texts: Sequence[str]) -> None:
        """Remember a paragraph of narration alone (`texts`: its pieces)."""
        text = texts[-1] if texts else ""
        self.prev_colon = None
        self.prev_subject = None
        if text and introduces(text, self.english):
            self.prev_colon = self.speaker_before(text, None)
            if (
                self.prev_colon is None
                and not self.english
                and self.subjects
                and speech_colon_zh(text)
            ):
                # 孙玉厚老汉惊得目瞪口呆。…思谋了好一阵，才说：a speech tag with no subject
                # is the topic's, as a he would be
                self.prev_colon = Guess(self.subjects[0], "pronoun", CONFIDENCE["pronoun"])
        for piece in texts:
            subj = self.remember(piece)
            if subj:
                self.prev_subject = subj
        self.prev_para = paragraph

    def tag_line(self, paragraph: int) -> None:
        """The narration paragraph just read was the tag of the quote before it (`少安说。`):
        its subject spoke that quote and acts no more; the talk goes on as if the quote were
        just said."""
        self.prev_subject = None
        self.prev_colon = None
        self.last_dialogue = paragraph
        self.prev_para = paragraph
        self.tag_between = True  # a tag line between two quotes: the next one answers

    def remember(self, text: str) -> str | None:
        """Note who is mentioned in a narration piece; return its last sentence's subject."""
        last_subject = None
        if self.english:
            for subject, pronoun, names, _ in self.cues.sentences[text]:
                if subject:
                    self.touch(subject, subject=True)
                    last_subject = subject
                elif pronoun:
                    who, _ = self.pronoun(pronoun, None)
                    last_subject = who
                    if who and who != self.first_person:
                        self.touch(who, subject=True)  # He looked up: still the topic
                for who in names:
                    if who != last_subject:
                        self.touch(who, subject=False)
                if names:
                    named = self.named
                    for who in names[-2:]:
                        if who in named:
                            named.remove(who)
                        named.append(who)
                    del named[:-2]
            return last_subject
        recent, subjects = self.recent, self.subjects
        for who, pro, is_subject, _, _ in self.cues.walks[text]:
            if not pro:
                if who is None:
                    continue
                if is_subject:  # `touch`, written out: the commonest call of a book
                    if not recent or recent[0] != who:
                        to_front(recent, who)
                    if not subjects or subjects[0] != who:
                        to_front(subjects, who)
                    last_subject = who
                elif who != last_subject and (not recent or recent[0] != who):
                    to_front(recent, who)
            elif is_subject:
                who, _ = self.pronoun(pro, None)
                last_subject = who or last_subject
        return last_subject

    # ------------------------------------------------------------ turn-taking

    def introduced(self, paragraph: int) -> Guess | None:
        """The speaker a line ending the paragraph before in a colon names (她…说：, a he or
        she of a gender in view) for a quote opening `paragraph`: that line introduced it, so
        narration after the quote (its next line, 大家都笑了) is no tag of it."""
        g = self.prev_colon
        if g is None or g.speaker is None or g.confidence < CONFIDENCE["pronoun"]:
            return None
        return self._colon_before(paragraph)

    def _colon_before(self, paragraph: int) -> Guess | None:
        """The guess of a line ending the paragraph right before `paragraph` in a colon: a
        name names the speaker; a he/she there was resolved, and stays as open to weighing as
        any pronoun tag."""
        g = self.prev_colon
        if g is None or self.prev_para != paragraph - 1:
            return None
        method = "pronoun" if g.method == "pronoun" else "colon-prev-para"
        return Guess(g.speaker, method, min(g.confidence, CONFIDENCE["colon-prev-para"]))

    def from_flow(self, paragraph: int, text: str, addressee: str | None) -> Guess:
        """A quote (`text`, addressing `addressee`) with no cue in its paragraph: read it from
        the conversation."""
        introduced = self._colon_before(paragraph)
        if introduced is not None:
            return introduced
        in_talk = paragraph - self.last_dialogue <= GAP and self.last_guess is not None
        prev = self.last_guess.speaker if in_talk and self.last_guess else None
        right_after = self.last_dialogue == self.prev_para and self.prev_para == paragraph - 1
        if (
            self.prev_subject
            and self.prev_para == paragraph - 1
            and not right_after
            and self.prev_subject != addressee
        ):
            return Guess(self.prev_subject, "action-prev", CONFIDENCE["action-prev"])
        if prev is None:
            if addressee is not None:  # someone speaks to X: the other one present
                for who in self.recent[:3]:
                    if who not in (addressee, self.first_person):
                        return Guess(who, "alternation", 0.5)
            # No conversation yet and no cue: whoever is in view, a guess and said so (a
            # listener hears someone either way; no name is a sure miss).
            for pool in (self.subjects, self.recent):
                for who in pool[:3]:
                    if who not in (addressee, self.first_person):
                        return Guess(who, "in-view", CONFIDENCE["in-view"])
            return UNKNOWN
        other = self.other_party(prev, addressee)
        base = min(self.last_guess.confidence, 1.0) if self.last_guess else 0.0
        turn_conf = min(base, CONFIDENCE["alternation"])
        last_addressee = self.last_addressee
        if addressee == prev:  # spoken to the last speaker: whoever they addressed answers
            if last_addressee not in (None, prev):
                return Guess(
                    last_addressee, "vocative-turn", min(base, CONFIDENCE["vocative-turn"])
                )
            return Guess(other, "alternation", turn_conf) if other else UNKNOWN
        turn_to = last_addressee if last_addressee not in (None, prev, addressee) else None
        if turn_to and (self.last_question or self.english):
            # English: whoever was just addressed by name answers; Chinese: when asked.
            return Guess(turn_to, "vocative-turn", min(base, CONFIDENCE["vocative-turn"]))
        if self.english:
            if other and other != addressee:
                return Guess(other, "alternation", turn_conf)
            return Guess(prev, "monologue", min(base, _MONOLOGUE_EN))
        # Chinese: the same speaker goes on unless the lines read as a back-and-forth.
        _, _, _, question, _ = self.cues.quotes[text]
        asks = question and not self.last_question_any
        if other and (self.last_question or asks):
            return Guess(other, "alternation", turn_conf)
        short = len(text) <= _SHORT_TURN and self.last_len <= _SHORT_TURN
        if (self.tag_between or (short and self.last_turned)) and other:
            return Guess(other, "alternation", min(base, CONFIDENCE["alternation"] - 0.05))
        return Guess(prev, "monologue", min(base, CONFIDENCE["monologue"]))

    def other_party(self, prev: str, addressee: str | None) -> str | None:
        """The other person of the exchange the last speaker `prev` is in."""
        for who, _ in reversed(self.speakers[-8:]):
            if who != prev and who != addressee:
                return who
        if self.last_addressee and self.last_addressee != prev:
            return self.last_addressee
        for who in self.recent[:4]:
            if who != prev and who != addressee and who != self.first_person:
                return who
        return None

    def answered(self, paragraph: int, first: Guess, addressee: str | None) -> None:
        """A reply that names whom it answers gives an unnamed voice just before its name."""
        if self.unnamed is None:
            return
        lines, k, said = self.unnamed
        self.unnamed = None
        if addressee and first.speaker and addressee != first.speaker and paragraph - said == 1:
            lines[k] = Guess(addressee, "vocative-back", CONFIDENCE["vocative-back"])

    def spoke(
        self, paragraph: int, last: Guess, quote: Quote, addressee: str | None, tail: str | None
    ) -> None:
        """Remember a paragraph with dialogue: its last line (`last`, what it says: `quote`),
        whom the paragraph addresses last, and the narration that ends it (`tail`, None when
        a quote does)."""
        _, _, asked, question, length = quote
        prev_speaker = self.last_guess.speaker if self.last_guess else None
        speaker = last.speaker
        if speaker:
            speakers = self.speakers
            if not speakers or speakers[-1][0] != speaker:
                speakers.append((speaker, paragraph))
                if len(speakers) > 16:
                    del speakers[0]
            self.touch(speaker, subject=True)
        self.last_turned = bool(prev_speaker and speaker and prev_speaker != speaker)
        self.tag_between = False
        self.last_guess = last
        self.last_dialogue = paragraph
        self.last_question_any = asked
        self.last_question = question
        self.last_addressee = addressee
        self.last_len = length
        self.prev_para = paragraph
        self.prev_subject = None
        self.prev_colon = None
        if tail is not None and introduces(tail, self.english):
            self.prev_colon = self.speaker_before(tail, None)
