"""Who is in the book: names found in the text, their aliases and gender.

No dictionary: Chinese names are found where names stand (the start of a narration clause, next
to a speech verb) from a list of common surnames, titles (王主任, 祁省長) and role nouns
(採訪記者), and their length is chosen by how often the longer form repeats; and by how the text
uses them: two or three characters that stand before a speech verb in a tag, seen twice in the
book (少安说, 豆豆问); a tag that holds nothing but a name and a speech verb (疯狗说：,
夜雨听风说：, Tom说：, 院长说：, 少平说。 after a quote) makes a name said once, whatever it is;
a name in Latin letters that opens two clauses (Kevin大喊, Kevin气喘吁吁地说) is a name, and so
is a game handle of four characters that stands in two tags, opens three clauses going on
differently and is never written in part (夜雨听风提醒道, 夜雨听风一挥手); the last character
of one name written twice, opening a speech tag, is that character's pet name (糖糖 of 苏小糖;
not the words `zh-doubled-words.txt` lists, 常常, 明明);
a given name alone that opens sentences doing different things and is acted on somewhere
(少平想了一下, 少平给奶奶…; 交给少平) is a name; a full name that opens three clauses, going on
differently each time, is a name without a tag (郝红梅觉察出, 郝红梅按, 郝红梅在), and two names
that share a start (金俊武, 金俊山) are two names, not 金俊; a name whose last character is
also a function word (侯生才: 才 "only then") is whole when the book writes its first two
characters with that one nine times in ten and goes on differently after it. What is found
where names stand but names no person is dropped: places (双水村), families (田家), a name
with the word that joins it (和少安), a word before 地 (迟疑地). A kinship noun (儿子, 妻子;
`zh-kin-nouns.txt`) is no character alone: it joins the name it is written beside (儿子润生)
when the book always puts it beside the same one, or stays when someone is called by it
(“儿子，…”); a role (农业局长, 老人) beside one name joins it too.
English names are capitalised words that are not capitalised common words, with honorifics (Mr.
Darcy, Mlle. Blanche). A capital that opens a sentence counts as a name only when a speech verb
follows (Emma said) or the book uses the word as a name elsewhere; a word that only opens quotes
("Nay, …", "Aye, …"), and one mostly after "the", "at", "in", "to" that never speaks (at
Donwell, the Russians), is no character, nor are sisters named together (the Miss Bertrams).
Names take accented letters (Alcée). A month that is also a given name (May, June) is a name
where it stands mid-sentence and no month stands (said May, May Welland; not "in May", "May
5", "the May morning"). Forms join one character:
a word alone (Archer, Newland) joins the full name it is part of, or among several the one the
book writes with it three times as often as the rest (`_DOMINANT`); never a wife's form (Mrs.
Newland Archer, Lady Elliot by her surname), a Mr never a knight's (Sir Walter Elliot), a Miss
never a Mrs. or Lady form (Miss Bertram is not her mother), and a surname alone never a Miss;
a Miss prefers the full name of a woman (Miss Archer is Janey Archer, not Newland Archer). A
speaker named by a description in a tag ("said the old woman") is a character "the old woman"
(cut before "as", "in", "with": "said the old lady as she rose"), and a capitalised word the
book writes after "the" nine times in ten (the Jew) is kept in `described`: the attribution
joins either to the name the replies call it by (`tts.speakers.attribute.described_names`).
"the latter" and "the former" are never characters. With voices.yaml, the listed characters
are added in the order listed, each under its own name; a form two entries claim is the first
one's, and a listed form joins no other listed character's full name. In Chinese, a given
name that opens with a function word (向前 of 李向前) is a name on more evidence than another.
A passage too short for any of this evidence takes a full name that opens a clause once, or
else the one written most, twice or more, anywhere (等待王世才返回), rather than leave its
lines to no one.

A segmenter with a person-name tag (jieba's part-of-speech mode) was measured against these
rules on the labelled corpora (`bench/roster_quality.py`) and is not used: it finds fewer of
the speakers, far more non-characters, and runs at about 20k characters a second (the
roster must keep attribution above 1M a second); its dictionary tags common words (明白,
阳光) as names and holds the names of the labelled test novel itself, so no word list here is
built from it either.
The word lists are data files in tts/data (read by `tts.speakers.lexicon`); the patterns
that find names are built from them here.
Traditional and Simplified forms of a name are one name (compared through OpenCC t2s).
`known` characters (from voices.yaml) come first: their names are canonical.

Gender, in order of precedence (`gender_prior` gives the priors, `tts.speakers.genders`
weighs them):

1. the gender given in voices.yaml;
2. he/she (他/她) standing for the character in the text, one vote each, plus one prior:
   an English honorific before a name (Mr. Archer, Madame Olenska) decides alone, whatever
   the pronouns around a main character say; a kinship or address term in one of its names
   (先生, 小姐, 陈叔, "the old woman") weighs as three votes; an English given name
   (tts/data/given-names.tsv) and the characters of a Chinese given name (秀, 梅, 婉 … /
   伟, 强 …; also 阿鳳, 小梅, and a given name alone: 润叶) one and a half each; a Chinese
   rank title (主任, 省长, 掌门) half a vote, so a single 她 outweighs it.
   A gender is decided when its side weighs at least twice the other (one and a half times
   with 40 votes or more: a main character is often in sentences with the other sex).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, count
from operator import add, itemgetter

import opencc

from tts.model import Character, Gender
from tts.speakers.lazy import lazy_compile
from tts.speakers.lexicon import (
    EN_GENDERED_NOUNS,
    EN_HONORIFIC_GENDERS,
    EN_HONORIFICS,
    EN_NOT_NAMES,
    EN_NOT_PERSONS,
    EN_ROLE_HONORIFICS,
    ZH_CLAUSE_LEADS,
    ZH_COMMON_WORDS,
    ZH_DOUBLED_WORDS,
    ZH_GENDERED_TERMS,
    ZH_GIVEN_NAME_CHARS,
    ZH_KIN_NOUNS,
    ZH_NOT_NAME_CHARS,
    ZH_NOT_NICKNAMES,
    ZH_NOT_SPEAKERS,
    ZH_PARTICLES,
    ZH_RANKS,
    ZH_ROLES,
    ZH_SURNAMES,
    ZH_TITLES,
    ZH_VERBS_AFTER_NAMES,
    given_names,
    nicknames,
)

_T2S = opencc.OpenCC("t2s")
_S2T = opencc.OpenCC("s2t")


@lru_cache(maxsize=65536)
def fold(name: str) -> str:
    """The comparison form of a name: Simplified, lower case, honorific dots dropped."""
    return _T2S.convert(name).lower().replace(".", "")


def _both(words: Iterable[str]) -> list[str]:
    out: set[str] = set()
    for w in words:
        out.add(w)
        out.add(_S2T.convert(w))
    return sorted(out, key=len, reverse=True)


def _chars_both(chars: str) -> frozenset[str]:
    """The characters of `chars` (Simplified) and of its Traditional form."""
    return frozenset(_S2T.convert(chars) + chars)


def _of_gender(table: dict[str, Gender], gender: Gender) -> list[str]:
    """The words of a word -> gender table that say `gender`."""
    return [word for word, said in table.items() if said == gender]


_ESCAPED = {c: re.escape(c) for c in map(chr, range(128)) if re.escape(c) != c}
"""`re.escape` of each character it changes (ASCII punctuation and spaces): a trie escapes
each of its characters, thousands a book, and a look-up is a fifth of a call."""


def trie_regex(words: Iterable[str]) -> str:
    """One regex for many literal words, as a trie: fast to match, longest form first."""
    escaped = _ESCAPED.get
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alts: list[str] = []
        leaves: list[str] = []
        for ch in sorted(k for k in node if k):
            sub = node[ch]
            if len(sub) == 1 and "" in sub:
                leaves.append(escaped(ch, ch))
            else:
                alts.append(escaped(ch, ch) + emit(sub))
        if len(leaves) >= 3 and leaves[-1] > "\xff" and node is not trie:
            # Below the root, three or more last characters beyond Latin-1 are alternatives,
            # not a class: for such a class Python's regex compiler builds a table of all
            # 65,536 characters (0.1 ms, a million instructions, at each of the hundreds of
            # such nodes the tries of a Chinese book have), where alternatives that each open
            # with their character compile at once and match about as fast. The `(?!)` (it
            # never matches) closing leaves that are all the node has keeps the parser from
            # folding them back into a class. (At the root, a class is what lets the engine
            # skip straight to the words' first characters.)
            alts += leaves
            if len(alts) == len(leaves):
                alts.append("(?!)")
        elif leaves:
            alts.append(leaves[0] if len(leaves) == 1 else "[" + "".join(leaves) + "]")
        if len(alts) == 1 and "" not in node:
            return alts[0]
        body = "(?:" + "|".join(alts) + ")"
        return body + "?" if "" in node else body

    return emit(trie)


def first_chars_ahead(words: Iterable[str], chars: int = 1) -> str:
    """A look-ahead at the first characters of `words`, to put before their trie where it is
    tried at many places (every clause break, each step of a lazy run): one class test turns
    most of them away, where the trie tries each of its alternatives in turn. It changes no
    match. With `chars` 2 it looks at the first two (every word must have two): where a
    common character opens many words (王, 老), the one after it turns most places away."""
    return f"(?={_opening_classes(words, chars)})"


def _opening_classes(words: Iterable[str], chars: int) -> str:
    """A class of the characters each of `words` has at each of its first `chars` places
    (every word has that many): `[王李][主大]`."""
    escaped = _ESCAPED.get
    at: list[set[str]] = [set() for _ in range(chars)]
    for w in words:
        for i, ch in enumerate(w[:chars]):
            at[i].add(escaped(ch, ch))
    return "".join("[" + "".join(sorted(chars_at)) + "]" for chars_at in at)


# The word lists live in tts/data (see `tts.speakers.lexicon`), in Simplified characters:
# here each gets its Traditional forms too, and the patterns that find names are built.
SURNAMES: frozenset[str] = frozenset(_both(ZH_SURNAMES))
TITLES: tuple[str, ...] = tuple(_both(ZH_TITLES))
ROLES: tuple[str, ...] = tuple(_both(ZH_ROLES))
_FEMALE_WORDS = frozenset(_both(_of_gender(ZH_GENDERED_TERMS, "female")))
_MALE_WORDS = frozenset(_both(_of_gender(ZH_GENDERED_TERMS, "male")))
_FEMALE_END = re.compile(f"(?:{trie_regex(_FEMALE_WORDS)})$")
_MALE_END = re.compile(f"(?:{trie_regex(_MALE_WORDS)})$")
_RANK_RE = re.compile(f"(?:{trie_regex(_both(ZH_RANKS))})$")
"""A rank nearly always held by a man (主任, 掌门) ending a name: a weak male prior."""

_SUR_CLASS = "".join(sorted({s for s in SURNAMES if len(s) == 1}))
_SUR2 = "|".join(s for s in SURNAMES if len(s) == 2)
_SURNAME_RE = f"(?:{_SUR2}|[{_SUR_CLASS}])"
_TITLE_RE = "|".join(TITLES)
_SURNAME_TRIE = trie_regex(SURNAMES)
_TITLE_TRIE = trie_regex(TITLES)
_ROLE_TRIE = trie_regex(ROLES)
ROLE_RE = re.compile(_ROLE_TRIE)
"""A role noun (青年, 老者, 记者)."""
DESCRIBING_ZH = "[^，。！？；,!?;“”「」]{0,12}?"
"""What a clause may say of someone between its determiner and its role noun (一个穿着睡衣的
中年女人, 一位白发老者): a regex, up to twelve characters of one clause."""
NEWCOMER_ZH = f"一[个位名個]{DESCRIBING_ZH}"
"""Someone new brought in, up to the role noun that says what they are (一个黑衣青年): a regex
to be followed by that noun."""
_NOT_NAME = _chars_both(ZH_NOT_NAME_CHARS)
"""Characters that neither end nor continue a name: particles, common verbs, numerals."""
_PARTICLES = _chars_both(ZH_PARTICLES)
"""Characters that never begin a given name (楊過 is a name, 王的 is not)."""
_VERBISH = _chars_both(ZH_VERBS_AFTER_NAMES)
"""Verbs that often follow a two-character name at a clause start (李明放下…): a
three-character head seen only once that ends in one of these is a name plus a verb."""
_NOT_NICKNAMES = frozenset(_both(ZH_NOT_NICKNAMES))
"""Words of 阿/小 and one more character that name no one (小声, 小心)."""
_DOUBLED_WORDS = frozenset(_both(ZH_DOUBLED_WORDS))
"""Words of one character written twice that name no one (常常, 明明)."""
_COMMON_WORDS = frozenset(fold(w) for w in ZH_COMMON_WORDS)
"""Common words that start with a surname character (高兴, 马上), folded."""
CLAUSE_LEAD_ZH = re.compile(
    first_chars_ahead(_both(ZH_CLAUSE_LEADS)) + trie_regex(_both(ZH_CLAUSE_LEADS))
)
"""A connective that may open a Chinese clause before its subject (于是, 这时, 只见 …)."""
_CLAUSE_LEAD_OPENS = frozenset(w[0] for w in _both(ZH_CLAUSE_LEADS))


def clause_lead(text: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
    """`CLAUSE_LEAD_ZH` matched at `text[start:end]`. Its first character is looked at first:
    most clauses open with no connective, and a regex call costs a dozen such looks."""
    if text[start : start + 1] not in _CLAUSE_LEAD_OPENS:
        return None
    return CLAUSE_LEAD_ZH.match(text, start, len(text) if end is None else end)


_SURNAME_AHEAD = first_chars_ahead(SURNAMES)
_SURNAME_OPENS = frozenset(s[0] for s in SURNAMES)
_ROLE_OPENS = _opening_classes(ROLES, 2)
"""The first two characters of a role noun (every one has two), as classes: a role's trie
is tried at each of the few characters a clause may open with before it (白发老者), and most
of them open no role, though many are a role's first character (老, 大, 小)."""
_TITLED = f"{_SURNAME_TRIE}{first_chars_ahead(TITLES)}{_TITLE_TRIE}"
"""A surname and a title (王主任, 祁副省长): after a surname, a character that opens no title
is turned away at once, where the title trie would try its ninety-odd alternatives in turn."""
_TITLED_AHEAD = (
    f"(?=[{''.join(sorted({s[0] for s in SURNAMES}))}]"
    f"[{''.join(sorted({s[1] for s in SURNAMES if len(s) > 1} | {t[0] for t in TITLES}))}])"
)
"""A look-ahead at the first two characters of `_TITLED`: a surname's, then a two-character
surname's second or a title's first. Surnames are common characters (高, 白, 文), and most
places one stands open no title: this turns them away before the surname trie is tried."""
# A name at the start of a clause (after a connective like 于是, 这时): where names stand.
_NAME_HEAD = (
    rf"(?P<title>{_TITLED_AHEAD}{_TITLED})"
    rf"|(?P<pet>[老小阿]{_SURNAME_TRIE})"
    rf"|(?P<role>(?=[\u4e00-\u9fff]{{0,3}}?{_ROLE_OPENS})"
    rf"[\u4e00-\u9fff]{{0,3}}?(?={_ROLE_OPENS}){_ROLE_TRIE})"
    rf"|(?P<nick>[阿小][\u4e00-\u9fff])"
    rf"|(?P<name>{_SURNAME_AHEAD}{_SURNAME_TRIE}[\u4e00-\u9fff]{{1,2}})"
)
_HEAD_OPENS = "".join(
    sorted(
        {
            c
            for w in (*SURNAMES, *ROLES, *_both(ZH_CLAUSE_LEADS))
            if not "\u4e00" <= (c := w[0]) <= "\u9fff"
        }
    )
)
"""First characters of surnames, roles and connectives outside U+4E00-U+9FFF (none today)."""
_SPACES = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""What `\\s` matches, written out for a class that opens a pattern: a class that holds `\\s`
tests each position the engine skips over against its characters, then calls the whitespace
test (8% of such a scan's time). `tests/test_roster.py` checks it against `\\s`."""
CLAUSE_HEAD_ZH = re.compile(
    rf"[，。！？；：,.!?;:…—、{_SPACES}“”「」『』‘’\"](?=[\u4e00-\u9fff{re.escape(_HEAD_OPENS)}])"
    rf"(?:{CLAUSE_LEAD_ZH.pattern})?(?:{_NAME_HEAD})"
)
"""A clause break, then a name at the clause's start: search text that begins with a newline.
Matching the break itself (a name never holds one) lets the engine skip fast to the breaks.
Every name head and connective opens with a Han character (or one of `_HEAD_OPENS`): the
lookahead turns away at once the many breaks before a quote mark, another break or a space,
where the engine would otherwise try each connective and each head in turn (a third of the
scan's time on a novel), and changes no match."""

_NOT_SPEAKERS = frozenset(fold(w) for w in ZH_NOT_SPEAKERS)
_BREAKS_ZH = "，。！？；：,.!?;:…—“”「」『』"
"""Marks that end a clause or open a quote: a name may follow."""
_CLAUSE_START_ZH = rf"[{_BREAKS_ZH}{_SPACES}](?:{CLAUSE_LEAD_ZH.pattern})?"
"""A clause break, then perhaps a connective (于是, 这时): where a subject stands. Search text
that begins with a newline (as `counted_matches` builds it): a pattern that opens with a class
of characters lets the engine skip fast to the breaks, where one that may also match at the
start of the text (`^|`) is tried at every position (three times slower)."""
_USED_AS_SPEAKER_ZH = re.compile(
    _CLAUSE_START_ZH + r"(?P<name>[\u4e00-\u9fff]{2,3}?)"
    r"(?:[说說问問喊嚷吼骂罵答]|道(?![路理歉德具])|叫(?![做作])|笑道|追[问問]|回答|插嘴"
    r"|(?:[对對向跟冲衝朝])[^。！？，,]{1,6}?[说說问問喊道讲講])"
)
"""Two or three characters at a clause start, then a speech verb (少安说, 明明喊叫说) or
对/向/跟 someone and one (少平对明明说): a name found by how the text uses it, whatever its
surname (given names alone, nicknames, names no surname list knows)."""
_SUBJECT_OF_SPEECH_ZH = re.compile(
    r"[。！？；\n“”「」]"
    rf"(?:{CLAUSE_LEAD_ZH.pattern})?"
    r"(?P<name>[\u4e00-\u9fff]{2})[^。！？；“”「」\n]{1,24}?(?:[说說问問喊答]|道(?=[：:]))"
)
"""Two characters opening a sentence whose verb, further on, is a speech verb (晓霞赶紧跳下来，
说：; 春桃急得直跺脚，小声道：, a 道 then a colon): a name when the book writes it twice or more
(WP's passages, excerpts of a few hundred words, write 少平 or 爱云 two or three times)."""
_NOT_SPEAKER_START = frozenset("他她我你它这這那谁誰有人大众眾各每某另该該此其")
_NOT_NAME_END = frozenset("地着著了的得声聲又也就便才都还還却卻完罢罷毕畢")


def _han(ch: str) -> bool:
    """A character of the Han blocks a sound said twice is read in (U+3400 to U+9FFF)."""
    return "\u3400" <= ch <= "\u9fff"


def said_twice(text: str) -> set[str]:
    """Runs of two Han characters written twice in a row somewhere in `text` (巴拉巴拉; 哈哈哈
    where six are written), or else of three (嘀咕嘀咕 is two): sounds, not names. Found at
    every position, so a book's every candidate is checked in a set, not by a search of the
    whole book each.

    Where a run starts, each character equals the one two (or three) places on. The text is
    compared with itself shifted so, all at once: written out as one integer of two bytes a
    character, XOR leaves two zero bytes where two characters are equal, and a search of those
    bytes for a run of zeros finds the few places to look at. A regex tried at each of the
    book's positions took four times the instructions (5% of reading a Chinese book)."""
    found: set[str] = set()
    wide = text.encode("utf-16-le")
    width = 2
    if len(wide) != 2 * len(text):  # a character beyond U+FFFF takes two: four bytes each
        wide = text.encode("utf-32-le")
        width = 4
    whole = int.from_bytes(wide, "little")
    size = len(text)
    for shift in (2, 3):
        same = (whole ^ (whole >> 8 * width * shift)).to_bytes(len(wide), "little")
        run = bytes(width * shift)  # `shift` characters in a row, each the one `shift` on
        at = same.find(run)
        while at >= 0:
            if at % width:  # zeros across two characters: look on from the next one
                at = same.find(run, at + width - at % width)
                continue
            i = at // width
            at = same.find(run, at + width)
            if i + 2 * shift > size:
                continue  # (the text's end, compared with the zeros shifted in)
            a, b = text[i], text[i + 1]
            if not (_han(a) and _han(b)):
                continue
            if text.startswith(a + b, i + 2):  # 巴拉巴拉 (found by both shifts at 哈哈哈…)
                found.add(a + b)
                if a == b and text.startswith(a + a, i + 4):
                    found.add(a * 3)  # 哈哈哈哈哈哈: 哈哈 twice, and 哈哈哈 twice at the same place
            elif shift == 3 and _han(text[i + 2]) and text.startswith(text[i : i + 3], i + 3):
                found.add(text[i : i + 3])
    return found


SPEAKER_SEEN = 2
"""How often a book writes a word found standing as the subject of a speech tag before it is
taken for a name."""


def _speakers_by_use(
    roster: Roster, tags: Sequence[str], everything: str, doubled: set[str]
) -> None:
    """Add names that speak in tags as characters: right before a speech verb (少安说), or
    opening a sentence that ends in one (少安一边往家里走，一边对弟弟说：), and seen twice in the
    book. A result complement never ends a name (讲完课回到宾馆后，…说：), nor is a word that
    says how something is done, half the times written or more (迟疑地)."""
    found = {m.group("name") for m, _ in counted_matches(_USED_AS_SPEAKER_ZH, tags)}
    found.update(m.group("name") for m, _ in counted_matches(_SUBJECT_OF_SPEECH_ZH, tags))
    # (省委, 公社: an office, not someone)
    wanted = [c for c in found if c[-1] not in _OFFICE_ENDS and _plausible_zh(roster, c)]
    if not wanted:
        return
    seen: Counter[str] = Counter()
    how: Counter[str] = Counter()  # 迟疑地走到他跟前，小声问：a word that says how
    goes_on: dict[str, set[str]] = defaultdict(set)
    then: dict[str, str] = {}  # the character after the next, where first written
    for cand, nxt, after in re.findall(f"({trie_regex(wanted)})(.?)(?=(.?))", everything):
        seen[cand] += 1
        goes_on[cand].add(nxt)
        then.setdefault(cand, after)
        if nxt in _HOW_MARKS:
            how[cand] += 1
    parts = _parts(fold(name) for name in roster.forms)
    for head in sorted(wanted, key=lambda c: (-seen[c], fold(c))):
        cand, key = head, fold(head)
        if cand in doubled or how[cand] * 2 >= seen[cand]:
            continue  # 巴拉巴拉, 哈哈哈哈: a sound said twice over, not a name
        if _word_head(goes_on[cand]):
            # 宣传部长说：the role is the longer word; 讲故事的人说：no one's name
            (nxt,) = goes_on[cand]
            word = cand + nxt + (then[cand] if _han(then[cand]) else "")
            role = _ROLE_END_RE.search(word) or _BARE_TITLE.search(word, len(cand))
            if role is None:
                continue
            cand = word[: role.end()]
            key = fold(cand)
        if seen[head] >= SPEAKER_SEEN and key not in roster.canon:
            if key not in parts:  # part of a known name (福军 of 田福军)
                roster.add(cand, gender=_title_gender(cand))


def _word_head(goes_on: set[str]) -> bool:
    """Two characters always followed by the same one, which no name is followed by (宣传部长,
    讲故事): the head of a longer word, not a name (少平说, 少平说 is one)."""
    if len(goes_on) != 1:
        return False
    (nxt,) = goes_on
    return _han(nxt) and not (nxt in _NOT_NAME or nxt in _VERBISH or nxt in _PARTICLES)


ZH_SPEECH_WORDS = frozenset(
    """
    說道 说道 問道 问道 答道 回答 回道 應道 应道 笑道 喊道 叫道 吼道 嘆道 叹道
    歎道 怒道 驚道 惊道 冷笑 嘆息 叹息 補充 补充 插嘴 嘟囔 嘀咕 開口 开口 解釋
    解释 表示 反問 反问 追問 追问 總結 总结 介紹 介绍 提醒 吩咐 命令 宣布 喃喃
    低語 低语 心想 暗道 想道 暗想 附和 接口 安慰 感嘆 感叹 感慨 讚嘆 赞叹 大喊
    大叫 叫嚷 嚷道 喝道 罵道 骂道 答應 答应 囑咐 嘱咐 叮囑 叮嘱 叮嚀 叮咛 勸
    劝 反駁 反驳 辯解 辩解 申辯 申辩 央求 懇求 恳求 哀求 乞求 建議 建议 強調
    强调 抱怨 埋怨 囁嚅 嗫嚅 嘟噥 嘟哝 抗議 抗议 糾正 纠正 挖苦 譏諷 讥讽 譴責
    谴责 責備 责备 責怪 责怪 稱讚 称赞 誇獎 夸奖 恭維 恭维 回應 回应 幫腔 帮腔
    告訴 告诉 問候 问候
    """.split()
)
"""Speech verbs written out (说道, 解释, 纠正, 劝): what a tag says someone spoke by, never a
name (恳求说： names no 恳求)."""


def _plausible_zh(roster: Roster, cand: str) -> bool:
    """Whether two or three characters found where a name stands could be a new name: not
    a name already, nor a word that stands there without naming anyone (大家, 低声, 恳求)."""
    return not (
        _named_or_no_name(roster, cand)
        or cand[0] in _PARTICLES
        or any(c in _NOT_NAME for c in cand)
        or cand in ZH_SPEECH_WORDS
    )


def _named_or_no_name(roster: Roster, cand: str) -> bool:
    """A name already, or a word that stands where names do and names no one (大家, 低声)."""
    key = fold(cand)
    return (
        key in roster.canon
        or key in _NOT_SPEAKERS
        or key in _COMMON_WORDS
        or cand[0] in _NOT_SPEAKER_START
        or cand[-1] in _NOT_NAME_END
    )


_SENTENCE_OPENER_ZH = re.compile(
    r"[。！？…\n”」』]"
    rf"(?:{CLAUSE_LEAD_ZH.pattern})?"
    r"(?P<name>[\u4e00-\u9fff]{2})(?=(?P<next>[^\n]))"
)
"""Two characters opening a sentence (after a connective), and what follows them: search
text that begins with a newline (see `_CLAUSE_START_ZH`)."""
_OBJECT_LEAD_ZH = _chars_both("给对和跟把让叫见找向被同使由")
"""Words after which a name stands as the one acted on (借给红梅, 找到金波, 对润叶说, 使向前的,
由向前来)."""


def _given_names_acting(roster: Roster, told: str, doubled: set[str]) -> None:
    """Add a given name used alone (少平, 润叶) that opens sentences again and again, going on
    differently each time (少平想了一下, 少平给奶奶, 少平冷静地), and is also acted on or
    spoken to somewhere (给少平, 对润叶说): how a story uses a person, not a word."""
    lines = "\n" + told  # `told`: the narration, each line once (a break opens the first)
    found = _SENTENCE_OPENER_ZH.findall(lines)
    opens = Counter(map(itemgetter(0), found))
    goes_on: dict[str, set[str]] = defaultdict(set)
    for name, nxt in set(found):
        goes_on[name].add(nxt)
    parts = _parts(fold(name) for forms in roster.forms.values() for name in forms)
    wanted = [
        cand
        for cand, n in opens.items()
        if n >= 2
        and len(goes_on[cand]) >= 2
        and not goes_on[cand] & _HOW_MARKS
        and cand not in doubled
        and fold(cand) not in parts
        and _plausible_zh(roster, cand)
    ]
    # 向前 (of 李向前) opens with a function word: a name only on more evidence (below);
    # clause starts count for it too (润叶知道，向前也没有睡着).
    found = _CLAUSE_OPENER_ZH.findall(lines)
    opens = Counter(map(itemgetter(0), found))
    for name, nxt in set(found):
        goes_on[name].add(nxt)
    led = [
        cand
        for cand, n in opens.items()
        if n >= _FUNCTION_LED_TIMES
        and len(goes_on[cand]) >= _FUNCTION_LED_TIMES
        and not goes_on[cand] & _HOW_MARKS
        and cand not in doubled
        and fold(cand) not in parts
        and _function_led(roster, cand)
    ]
    # 星期天，润叶在轮椅上… / 润叶也加深了… / 润叶赶紧给…: a passage too short to act on her
    # still has her open clause after clause, going on her own way each time
    found = _ANY_CLAUSE_OPENER_ZH.findall(lines)
    clause_opens = {
        cand
        for cand, n in Counter(map(itemgetter(0), found)).items()
        if n >= _FUNCTION_LED_TIMES
        and cand not in doubled
        and fold(cand) not in parts
        and _plausible_zh(roster, cand)
    }
    clause_next: dict[str, set[str]] = defaultdict(set)
    for name, nxt in set(found):
        if name in clause_opens:
            clause_next[name].add(nxt)
    for cand in sorted(clause_opens):
        goes = clause_next[cand]
        if len(goes) >= _FUNCTION_LED_TIMES and not goes & _HOW_MARKS:
            roster.add(cand, gender=_title_gender(cand))
    if not wanted and not led:
        return
    lead = "".join(sorted(_OBJECT_LEAD_ZH))
    acted_on = set(re.findall(f"[{lead}]({trie_regex(wanted + led)})", told))
    # 向前说, 向前对她讲, 在锅台上擀面的秀莲插嘴说
    speaking = f"(?:[对對向跟][^。！？，,]{{1,6}}?|[^。！？，,“”]{{1,2}}?)?(?:{_ZH_SPEECH_VERBS})"
    if wanted:
        speaks = set(re.findall(f"的({trie_regex(wanted)}){speaking}", told))
        for cand in wanted:
            if cand in acted_on or cand in speaks or _has_body(cand, told):
                roster.add(cand, gender=_title_gender(cand))
    led = [cand for cand in led if cand in acted_on]
    if led:
        trie = trie_regex(led)
        speaks = set(
            re.findall(f"({trie})(?:[对對向跟][^。！？，,]{{1,6}}?)?(?:{_ZH_SPEECH_VERBS})", told)
        )
        full = set(re.findall(f"{_SURNAME_TRIE}({trie})", told))
        for cand in led:
            if cand in speaks or cand in full:
                roster.add(cand, gender=_title_gender(cand))


_BODY_PARTS_ZH = frozenset("手脸臉头頭眼肩背腰脚腳嘴胳膊脖耳额額眉")
"""What only a person has (秀莲的手, 少平的肩膀): a word before 的 and one of these is someone."""


def _has_body(cand: str, told: str) -> bool:
    """`told` writes `cand` as the owner of a part of a body (拉着秀莲的手)."""
    owner = cand + "的"
    at = told.find(owner)
    while at >= 0:
        if told[at + len(owner) : at + len(owner) + 1] in _BODY_PARTS_ZH:
            return True
        at = told.find(owner, at + 1)
    return False


_FUNCTION_LED_TIMES = 3
"""A given name that opens with a function word (向前: "forward") is a name when it opens
sentences this many times, going on this many different ways, is acted on (给向前), and
speaks in a tag (向前说) or follows a surname somewhere (李向前)."""


def _function_led(roster: Roster, cand: str) -> bool:
    """Whether two characters that open with a function word (`_CLAUSE_OPENER_ZH`: never
    a plain new name, so never one of `_plausible_zh`'s) could still be a name: 向前, not
    向着 or 大家."""
    return not (_named_or_no_name(roster, cand) or cand[1] in _NEVER_IN_NAME)


def _numbered_names(roster: Roster, called: Iterable[str], told: str) -> None:
    """Add a name that opens with a numeral (一乐, 三毛, 四凤: a family's children counted)
    when a quote calls it (“一乐！一乐！”) and the narration has it open clauses, going on its
    own way each time (一乐从巷子那头跑了过来, 一乐低下头): the numeral keeps it from every other
    reading of names."""
    lines = "\n" + told
    for cand in called:
        if (
            len(cand) != 2
            or cand[0] not in _NUMERALS
            or cand[1] in _NOT_NAME
            or cand[1] in _PARTICLES
            or cand[1] in _PRONOUNS
            or fold(cand) in roster.canon
        ):
            continue
        goes_on = set(re.findall(f"{_CLAUSE_START_ZH}{cand}([\u4e00-\u9fff])", lines))
        if len(goes_on) >= 2 and not goes_on & _HOW_MARKS:
            roster.add(cand)


def _parts(names: Iterable[str]) -> set[str]:
    """Every run of two or more characters inside the names: one set lookup tells whether a
    word is part of a known name."""
    return {k[i:j] for k in names for i in range(len(k)) for j in range(i + 2, len(k) + 1)}


_ZH_SPEECH_VERBS = "|".join(
    _both(
        "说道 问道 答道 笑道 叹道 叫道 喊道 骂道 嚷道 吼道 喝道 斥道 怒道 急道".split()
        + "回答道 回答 插嘴 追问 反问".split()
        + "说 问 道 喊 叫 答 骂 嚷 吼 讲".split()
    )
)
_PLAIN_TAG_ZH = re.compile(
    rf"(?:{CLAUSE_LEAD_ZH.pattern})?"
    r"(?P<name>[A-Za-z][A-Za-z0-9_\-]*(?: [A-Za-z][A-Za-z0-9_\-]*)?|[\u3400-\u9fff·]{2,4}?)"
    r"(?:[低小大轻輕高柔沉厉厲冷急颤顫尖粗]声|[低小大轻輕高柔沉厉厲冷急颤顫尖粗]聲"
    r"|(?P<aa>[\u4e00-\u9fff])(?P=aa)地|[\u4e00-\u9fff]笑[着著])?"
    r"(?:在(?:一)?旁(?:边|邊)?|[连連急慌赶趕]忙|赶紧|趕緊|[忙便又也因遂就才却卻忽])?"
    rf"(?:{_ZH_SPEECH_VERBS})+(?:[他她我你您][们們]?)?\s*[：:，,。.！!]?"
)
"""A tag that is only a name and a speech verb, perhaps with how or where (小声, 冷冷地, 冷笑着,
忙, 连忙, 在旁; not 有点自满地, which would cut 生华 wrong) or whom it asks (疯狗说：, 少平说。,
Tom说：, 青檀小声问。, 袭人忙道：, 亮亮追问她。): the name speaks, whatever it is (a nickname, a
game handle, a foreign name in Latin letters, a doubled pet name, a title alone), even said
once."""
_SPOKEN_TO_ZH = re.compile(
    r"[对對向跟朝](?P<name>[\u4e00-\u9fff]{2,3}?)"
    rf"(?:{_ZH_SPEECH_VERBS})+(?:[他她我你您][们們]?)?\s*[：:，,。.！!]?$"
)
"""A tag that ends speaking to someone (她对少平说。): who is spoken to is a person."""

_VOICE_OF_ZH = re.compile(
    r"(?P<name>[A-Za-z][A-Za-z0-9_\-]*|[\u4e00-\u9fff]{2,4}?)的[声聲]音"
    r"(?:再次|再度|又|忽然|突然|缓缓|緩緩|适时|適時|淡淡)?(?:地)?(?:响起|響起|传来|傳來)(?:了)?\s*[：:，,]"
)
"""A tag that is someone's voice sounding (药老的声音再次响起：): theirs, a name even said once."""
_LATIN_NAME_ZH = re.compile(r"[A-Z][a-z]+(?:[ ·][A-Z][a-z]+)?(?=([\u4e00-\u9fff]))")
"""A foreign name in Latin letters going on in Han characters (Kevin大喊)."""
_CLAUSE_BREAKS = frozenset(_BREAKS_ZH + "\n ")
_HAN4 = re.compile(r"[\u4e00-\u9fff]{4}")
_SPEAKS_AFTER_ZH = re.compile(rf"[^，。！？；“”「」\n]{{0,8}}?(?:{_ZH_SPEECH_VERBS})")


def _speaking_heads(tags: Sequence[str]) -> Counter[str]:
    """The first two and four characters of each tag (a connective aside) that goes on to
    speak in its first clause or ends in a colon (夜雨听风提醒道, 糖糖撇撇嘴：), counted: where
    a name no list knows stands."""
    heads: Counter[str] = Counter()
    for tag, times in Counter(tags).items():
        text = tag.strip()
        lead = clause_lead(text)
        if lead is not None:
            text = text[lead.end() :]
        if len(text) < 3:
            continue
        colon = text.endswith(("：", ":"))
        # only what a handle or a doubled pet name could be: four characters with no
        # grammatical word among them, or one character written twice
        for n in (2, 4) if text[0] == text[1] else (4,):
            head = text[:n]
            if n == 4 and (len(text) <= 4 or not _HAN4.fullmatch(head)):
                continue
            if colon or _SPEAKS_AFTER_ZH.match(text, n):
                heads[head] += times
    return heads


_HANDLE_TIMES = 3
"""Clause starts, each going on differently, that make a handle of four characters a name
(an idiom that opens a clause is followed by a comma: 话音刚落，)."""


def _handles(roster: Roster, told: str, heads: Counter[str], everything: str) -> None:
    """Add the names no surname list knows that web novels use again and again: a foreign
    name in Latin letters that opens two clauses, going on differently (Kevin气喘吁吁地说,
    Kevin大喊), and a game handle of four characters that stands in two speech tags
    (夜雨听风提醒道, 夜雨听风叹了口气，说：), opens three clauses going on differently each
    time, and is never written in part (夜雨 alone, 听风 alone)."""
    goes_on: dict[str, set[str]] = defaultdict(set)
    opens: Counter[str] = Counter()
    for m in _LATIN_NAME_ZH.finditer(told):
        at = m.start()
        if at and told[at - 1] not in _CLAUSE_BREAKS:
            lead = CLAUSE_LEAD_ZH.search(told, max(0, at - 4), at)
            if (
                lead is None
                or lead.end() != at
                or (lead.start() and told[lead.start() - 1] not in _CLAUSE_BREAKS)
            ):
                continue  # not at a clause start (a word inside a sentence: 主T, 点Roll)
        opens[m.group()] += 1
        goes_on[m.group()].add(m.group(1))
    # Or opens a clause once and is called by it (Linda回头打量了她一眼 / 知道了，Linda。): one
    # search of the book for all such names, not one each.
    settled = {name for name, n in opens.items() if n >= 2 and len(goes_on[name]) >= 2}
    called: set[str] = set()
    if once := [name for name in opens if name not in settled]:
        names = trie_regex(once)
        rx = re.compile(rf"[，,]\s*({names})[。！？!?…]|[“「]({names})[，,！!]")
        called = {m.group(1) or m.group(2) for m in rx.finditer(everything)}
    for name in opens:
        if (name in settled or name in called) and fold(name) not in roster.canon:
            roster.add(name)
    wanted = [
        name
        for name, n in heads.items()
        if n >= 2
        and len(name) == 4  # four Han characters (`_speaking_heads`)
        and fold(name) not in roster.canon
        and not _named_or_no_name(roster, name[:2])
        and not any(c in _GRAMMAR_CHARS for c in name)
    ]
    if not wanted:
        return
    # (their first characters looked at first: most clauses open with none of them)
    handle = f"{first_chars_ahead(wanted)}({trie_regex(wanted)})"
    rx = re.compile(rf"{_CLAUSE_START_ZH}{handle}(?=([\u4e00-\u9fff]))")
    opens.clear()
    for name, nxt in rx.findall("\n" + told):  # (a break opens the first line)
        opens[name] += 1
        goes_on[name].add(nxt)
    for name, n in opens.items():
        if (
            n >= _HANDLE_TIMES
            and len(goes_on[name]) >= _HANDLE_TIMES
            and everything.count(name[:2]) == everything.count(name)
            and everything.count(name[2:]) == everything.count(name)
        ):
            roster.add(name, gender=_title_gender(name))


def _doubled_pet_names(roster: Roster, heads: Iterable[str]) -> None:
    """Join a pet name made by writing the last character of a name twice (糖糖 for 苏小糖,
    opening a speech tag: 糖糖撇撇嘴：, or called at the start of a quote: “晚晚，…”) to the
    one character whose name ends so."""
    for pet in heads:
        if len(pet) != 2 or pet[0] != pet[1] or not "\u4e00" <= pet[0] <= "\u9fff":
            continue
        if fold(pet) in roster.canon or pet in _DOUBLED_WORDS:
            continue
        owners = {
            name
            for name, forms in roster.forms.items()
            if any(len(f) >= 2 and f[-1] == pet[0] and f != pet for f in (name, *forms))
        }
        if len(owners) == 1:
            roster.add(owners.pop(), forms=(pet,))


_PLAIN_NOT = _chars_both("的了着地得过又也就便才都还却再在把被给和与跟向对他她我你它们")
"""Characters that put a word in a plain tag that is not a name (他低声地说, 大家都说)."""
KIN_NOUNS = frozenset(_both(ZH_KIN_NOUNS))
_KIN_END_RE = re.compile(f"(?:{trie_regex(KIN_NOUNS)})$")


DESCRIBED_ZH = r"[^，。！？；,.!?;“”「」\s的]{2,16}的"
"""What a clause says of its subject before naming them (门牙不知怎么缺了半颗的张生民, 在锅台上
擀面的秀莲): a regex, up to sixteen characters of one clause, then 的."""
_DESCRIBED_HEAD_ZH = re.compile(rf"{DESCRIBED_ZH}([\u4e00-\u9fff]{{2,3}})[，,]")
"""A tag that opens with what it says of someone, 的, then a name and a comma (门牙不知怎么缺了
半颗的张生民，…)."""


def _speakers_in_plain_tags(
    roster: Roster, tags: Sequence[str], doubled: set[str], everything: str
) -> None:
    """Add the names of tags that hold nothing but a name and a speech verb (X说：“…”)."""
    known = {fold(name) for forms in roster.forms.values() for name in forms}
    parts = _parts(known)
    found = set()
    for tag in dict.fromkeys(tags):
        tag = tag.strip()
        for m in (
            _PLAIN_TAG_ZH.fullmatch(tag),
            _SPOKEN_TO_ZH.search(tag),
            _VOICE_OF_ZH.fullmatch(tag),
        ):
            if m is not None:
                name = m.group("name")
                role = _DETERMINER_ZH.sub("", name)  # 一个胖子嚷道: the fat man
                found.add(role if role != name and _ROLE_END_RE.search(role) else name)
    for cand in sorted(found, key=len):
        key = fold(cand)
        if any(key[:i] in known for i in range(2, len(key))):
            continue  # 少平慌忙说: a name and an adverb or a verb
        if (
            len(cand) == 4
            and cand[:2] not in SURNAMES
            and everything.count(cand[:2]) > everything.count(cand)
        ):
            continue  # 少安推托说, where 少安 stands alone elsewhere: a name and a verb
        if key in roster.canon or cand in doubled or _is_kin(cand):
            continue
        if not cand.isascii() and (
            cand[0] in _NOT_SPEAKER_START
            or cand[0] in _PARTICLES
            or any(c in _PLAIN_NOT for c in cand)
            or CLAUSE_LEAD_ZH.fullmatch(cand)
            or key in _COMMON_WORDS
            or any(fold(cand[i : i + 2]) in _NOT_SPEAKERS for i in range(len(cand) - 1))
            or key in parts  # 少平 of 孙少平: a form already
        ):
            continue
        roster.add(cand, gender=_title_gender(cand))
        known.add(key)


def kin_noun_zh(name: str) -> bool:
    """A Chinese character known by a kinship noun alone (妹妹, 儿子, 他母亲), not a name."""
    return _is_kin(name) or fold(name) in _FAMILY


def _is_kin(name: str) -> bool:
    """A kinship noun alone, or with a numbering or size word or whose it is (儿子, 大女儿,
    二妈, 她父亲)."""
    m = _KIN_END_RE.search(name)
    return m is not None and all(c in _KIN_LEADS for c in name[: m.start()])


_FAMILY = frozenset(
    "哥哥 姐姐 弟弟 妹妹 母亲 父亲 妈妈 爸爸 爷爷 奶奶 外公 外婆 叔叔 婶婶 伯伯 舅舅 姑姑 姑妈 "
    "姨妈 嫂子 大嫂 大哥 大姐 孩子".split()
)
"""Kinship nouns a family calls its own by (哥哥, 妹妹): in a tag (妹妹红着脸说) the named
relative of the scene, as a he or she is."""
_SAY_CHARS = _chars_both("说问道喊叫答")
_KIN_LEADS = _chars_both("大二三四五小老亲他她我你们的")
_HOW_MARKS = frozenset("地着著了")
"""What follows a word that says how something is done (迟疑地, 笑着), never a name."""


_PLACE_END = _chars_both("村镇湾沟屯寨庄乡县")
"""Characters that end a place name (双水村, 金家湾)."""
_JOINERS = _chars_both("和与跟同对给把被让向")
"""Words that join a name to a clause (和少安, 对润叶): never its first character."""


def _not_persons(roster: Roster) -> None:
    """Drop what was found where names stand but names no person: a place (双水村), a
    family or household (田家, 王刚家), a name with the word that joins it (和少安). (A
    kinship noun alone, 儿子, is `_roles_beside_names`'s to join or drop.)"""
    names = set(roster.forms)
    for name in list(roster.forms):
        if name in roster.known or len(name) < 2:
            continue
        rest = name[1:]
        if (
            (name[-1] in _PLACE_END and len(name) >= 3)
            or (name[-1] in "家" and (name[:-1] in SURNAMES or name[:-1] in names))
            or (name[0] in _JOINERS and rest in names)
        ):
            roster.drop(name)


_VOCATIVE_HEAD_ZH = re.compile(r"[\u3400-\u9fff]{1,4}(?=[，,！!])")
_CALL_MARKS = frozenset("，,！!")
"""What ends the words that open a quote and call someone (`_VOCATIVE_HEAD_ZH`): a quote with
none of these among its second to fifth characters is not read with the regex at all."""


def called_zh(dialogue: Sequence[str]) -> set[str]:
    """The words that open a quote before a comma or an exclamation mark (“爷爷，…”,
    “晚晚，…”): the ones addressed, as written."""
    return {
        m.group()
        for q in dict.fromkeys(dialogue)
        if not _CALL_MARKS.isdisjoint(q[1:5]) and (m := _VOCATIVE_HEAD_ZH.match(q))
    }


def vocatives_zh(dialogue: Sequence[str]) -> set[str]:
    """The words that open a quote and are addressed (`called_zh`), folded."""
    return {fold(word) for word in called_zh(dialogue)}


SELF_LEAD_ZH = re.compile(
    r"(?:我(?<!不我)(?:就是|是|叫|名叫)(?![们們])|是(?<!不是)我(?=[，,])|叫(?<!不叫)我(?![们們])"
    r"|贫道|貧道|贫僧|貧僧|在下(?![面一午来來去边邊方])|老夫(?!人)|本座|洒家|灑家|晚辈|晚輩"
    r"|小女子|鄙人|老子(?:就是|是)|弟(?<![\u4e00-\u9fff]弟)子(?![们們])|末将|末將|属下|屬下|臣妾)[，,]?\s*"
)
"""Where a speaker goes on to say who he is (是我，小林 / 我叫苏念 / 贫道玄机子 / 在下令狐冲 /
老子是少林弟子铁牛 / “弟子林尘，拜见师尊。”, 弟子 opening a clause, not 内门弟子赵天宇, someone
else): 我 and the words a speaker of a wuxia or web novel says for "I", not
after 不 (不是我). Every alternative opens with a character of its own (不 is looked back at
after it): the regex engine then skips straight to those characters, where a pattern that
opens with a look-behind is tried at every position of every quote."""
_SELF_RUN_ZH = re.compile(r"[\u4e00-\u9fff]{2,10}(?=[，,。！!？?…；;—\s]|$)")
"""What a speaker calls himself, up to the end of the clause (少林俗家弟子铁牛)."""


def introduced_zh(quote: str, at: int) -> Iterator[str]:
    """The names a speaker may be calling himself at `quote[at]`, after `SELF_LEAD_ZH`:
    the words up to the clause's end (玄机子), or, where a description stands before the name
    and ends in 的 or a role noun (人事部的刘经理, 少林俗家弟子铁牛), its last three characters and
    its last two; longest first."""
    m = _SELF_RUN_ZH.match(quote, at)
    if m is None:
        return
    run = m.group()
    if len(run) <= 3:
        yield run
        return
    for n in (3, 2):
        head = run[:-n]
        if any(c in _PRONOUNS for c in head):
            return  # 是我和你们家玉英的同学: whose, not who
        if head.endswith(("的", "之")) or _ROLE_END_RE.search(head):
            yield run[-n:]


_QUOTED_NAME_ZH = re.compile(
    r"(?:叫|叫做|名叫|名为|名為|I[Dd]|i[Dd]|昵称|暱稱|网名|網名|游戏名|遊戲名|代号|代號|外号|外號"
    r"|绰号|綽號|称号|稱號|会长|會長|团长|團長|队长|隊長|玩家|大神)[是为為]?"
    r"[“「『](?P<name>[\u4e00-\u9fff]{2,6})[”」』]"
)
"""A name written in quotes after what introduces one (角色叫“夜行者”, 会长“狂战天下”, 玩家
“月下独酌”): the handles and epithets of web novels. Each alternative opens with a literal
character (I[Dd]|i[Dd], not [Ii][Dd]): the regex engine skips to those characters alone."""
_CHAT_NAME_ZH = re.compile(
    r"【(?<![^\n]【)[^】\n]{1,8}】\s*(?P<name>[\u4e00-\u9fffA-Za-z0-9_]{2,8}?)\s*[：:]"
)
"""Who writes a line of a game's or a group's chat (【好友】月下独酌：…, 【世界】Sky：…): a 【
that opens a line (nothing but a newline before it), found by skipping to each 【, where a
pattern that opens with ^ is tried at every position of the book."""


_CHAT_WRITER_ZH = re.compile(r"\n(?P<name>[\u4e00-\u9fffA-Za-z0-9_]{2,8}?)[：:](?=[^\s\n])")
"""A line that is a name, a colon and what that name writes or says (赵磊：滚。, 张浩：@赵磊 你小子
别装死！): a chat log or a script, one line each (`told` joins the pieces with newlines)."""
_CHAT_LINES = 2
"""Lines of `_CHAT_WRITER_ZH` that make their name a character when the story also writes it
elsewhere; one more when it does not."""


def _chat_writers(roster: Roster, told: str) -> None:
    """Add the names that open lines of a chat log or a script (赵磊：滚。) twice, and are also
    written elsewhere (赵磊头也不抬), or three times."""
    lines = Counter(m.group("name") for m in _CHAT_WRITER_ZH.finditer("\n" + told))
    for cand, n in lines.items():
        if n < _CHAT_LINES or fold(cand) in roster.canon:
            continue
        if not cand.isascii() and (
            _named_or_no_name(roster, cand)
            or cand[0] in _PARTICLES
            or any(c in _NOT_NAME or c in _GRAMMAR_CHARS or c in _PRONOUNS for c in cand)
        ):
            continue
        if n > _CHAT_LINES or told.count(cand) > n:
            roster.add(cand, gender=_title_gender(cand))


_QUOTED_NAME_STOPS = frozenset("，,。！!？?”」』")
"""What follows a quoted handle where it is only named again, not acting (“狂战天下”，)."""
_SELF_NAME_STOPS = frozenset("，,。！!？?")
"""What follows a self-given name where it is only named again, not acting (铁牛！)."""


def _opens_clause(
    told: str, cand: str, stops: frozenset[str], memo: dict[str, bool] | None = None
) -> bool:
    """Whether `cand` stands in `told` right after a clause break, a space or the text's
    start (what `[{_BREAKS_ZH}\\s]{cand}` finds in "\\n" + told), with none of `stops` right
    after it: a name that opens a clause and goes on to act. Looks only where `cand` is
    written (str.find skips there fast, where a pattern that opens with a class of
    characters is tried at every position of the book), and `memo` keeps each answer, as
    one name is weighed again and again."""
    if memo is not None and cand in memo:
        return memo[cand]
    size = len(cand)
    found = False
    at = told.find(cand)
    while at != -1:
        before = told[at - 1] if at else "\n"
        if (before in _BREAKS_ZH or before.isspace()) and told[
            at + size : at + size + 1
        ] not in stops:
            found = True
            break
        at = told.find(cand, at + 1)
    if memo is not None:
        memo[cand] = found
    return found


def _quoted_names(roster: Roster, told: str) -> None:
    """Add a name the narration introduces in quotes (会长“狂战天下”站在高台上) or as the
    writer of a chat line (【好友】月下独酌：) that it also writes bare at a clause start
    (狂战天下走过来，): a handle acting in the story."""
    for m in (*_QUOTED_NAME_ZH.finditer(told), *_CHAT_NAME_ZH.finditer(told)):
        cand = m.group("name")
        if fold(cand) in roster.canon or _named_or_no_name(roster, cand):
            continue
        if _opens_clause(told, cand, _QUOTED_NAME_STOPS):
            roster.add(cand, gender=_title_gender(cand))


_MY_KIN_ZH = re.compile(
    r"我(?P<kin>妈妈|媽媽|爸爸|老妈|老媽|老爸|[妈媽爸]|哥哥|姐姐|弟弟|妹妹|[哥姐]|爷爷|奶奶|爺爺|外婆|外公|姥姥"
    r"|姥爷|姥爺|叔叔|婶婶|嬸嬸|舅舅|老婆|老公|媳妇|媳婦|男朋友|女朋友|父亲|父親|母亲|母親|丈夫|妻子"
    r"|儿子|兒子|女儿|女兒)(?![的們们])"
)
"""A storyteller's relative, as the narration of a book told in the first person calls them
(我妈, 我爸, 我哥)."""


def whose_zh(who: str) -> str:
    """A regex for a sentence that says whose the voice or the call is (是我妈。, 原来是王五打来
    的。), `who` the pattern of the name."""
    return rf"(?:原来|原來)?是{who}(?:打来的|打來的)?[。！!]"


_IS_MY_KIN_ZH = re.compile(rf"[。！!，,\s]{whose_zh(_MY_KIN_ZH.pattern)}")
"""Such a sentence naming the storyteller's relative (手机突然响了。是我妈。)."""


def _narrators_kin(roster: Roster, told: str, tags: Sequence[str]) -> None:
    """Add the storyteller's relatives that act or speak in the narration (我妈头也不回地说：,
    我爸从书房里探出头来：) as characters under that name: in a book told in the first person
    they are who speaks, where a 他妈 or 她哥 is someone else's relative no one names."""
    if _MY_KIN_ZH.search(told) is None:  # (a literal 我 first: the search skips to it)
        return
    rx = re.compile(_CLAUSE_START_ZH + _MY_KIN_ZH.pattern)
    opens = Counter(m.group("kin") for m in rx.finditer("\n" + told))
    spoken = {m.group("kin") for m in rx.finditer("\n" + "\n".join(dict.fromkeys(tags)))}
    # 手机突然响了。是我妈。/ “…”: whose call it is, who speaks next
    spoken.update(m.group("kin") for m in _IS_MY_KIN_ZH.finditer(told))
    opens.update(dict.fromkeys(spoken, 0))
    for kin, n in opens.items():
        if n >= 2 or kin in spoken:
            name = "我" + kin
            roster.add(name, gender=_title_gender(kin))


_STYLE_TITLES = (
    "真人|道人|道长|道長|上人|散人|真君|老祖|仙尊|尊者|禅师|禪師|法师|法師|师太|師太|仙子|道姑"
)
_STYLE_TITLE_RE = re.compile(_STYLE_TITLES)
_STYLED_ZH = re.compile(
    rf"{_CLAUSE_START_ZH}(?P<name>[\u4e00-\u9fff]{{2}}(?:{_STYLE_TITLES}))"
    r"(?=(?P<next>[\u4e00-\u9fff]))"
)
"""A Taoist's or a monk's name and the title that goes with it (玄清真人, 灭绝师太, 青霞仙子)
opening a clause: the names of wuxia and xianxia novels, which no surname starts."""
_LEAD_REACH = 1 + max(map(len, ZH_CLAUSE_LEADS))
"""How far before a name its clause break may stand: past the longest connective (这回轮到)."""
_BREAK_ZH = re.compile(rf"[{_BREAKS_ZH}\s]")
"""The clause break `_CLAUSE_START_ZH` opens with."""


def _styled_names(roster: Roster, told: str) -> None:
    """Add a Taoist or Buddhist name with its title (`_STYLED_ZH`) that opens two clauses
    going on differently (玄清真人缓缓道, 玄清真人皱眉). Looked for from each title (rare
    words) back to the clause break before it: a scan from every break of the book cost a
    fiftieth of the whole reading."""
    goes_on: dict[str, set[str]] = defaultdict(set)
    text = "\n" + told
    for title in _STYLE_TITLE_RE.finditer(text):
        begin = title.start() - 2
        for at in range(begin - 1, max(begin - 1 - _LEAD_REACH, -1), -1):
            if _BREAK_ZH.match(text, at) is None:
                continue
            m = _STYLED_ZH.match(text, at)
            if m is not None and m.end("name") == title.end():
                goes_on[m.group("name")].add(m.group("next"))
                break
    for name, nexts in goes_on.items():
        if (
            len(nexts) >= 2
            and fold(name) not in roster.canon
            and not any(c in _GRAMMAR_CHARS or c in _PRONOUNS for c in name[:2])
        ):
            roster.add(name, gender=_title_gender(name))


_KIN_TITLED_ZH = re.compile(r"[嫂姐哥叔婶嬸姨伯]")
"""The title of a given name with a kinship title after it (惠英嫂, 润叶姐, 玉亭叔): how the
family and the village call that person. (The title alone: the engine skips to those few
characters, where a pattern that opens with the name, or looks back for it, is tried at
every position.)"""
_KIN_TITLE_SEX: dict[str, Gender] = {
    **dict.fromkeys("嫂姐婶嬸姨", "female"),
    **dict.fromkeys("哥叔伯", "male"),
}
KIN_TITLED_TIMES = 3
"""How often a given name and kinship title must be written before they make a character."""


def _kin_titled(roster: Roster, told: str) -> None:
    """Add a given name with a kinship title (惠英嫂) that the narration writes again and again
    and has open a clause (惠英嫂终于从床上…) where the given name is no character yet: 惠英,
    called so, her sex the title's. (Not 少安妈, 少安's mother: another person.)"""
    counts = Counter(told[m.start() - 2 : m.end()] for m in _KIN_TITLED_ZH.finditer(told, 2))
    for cand, n in counts.items():
        given = cand[:2]
        if (
            n < KIN_TITLED_TIMES
            or not ("\u4e00" <= given[0] <= "\u9fff" and "\u4e00" <= given[1] <= "\u9fff")
            or fold(cand) in roster.canon
            or given[0] in "大二三四五六老小表堂他她你我的"
            or not _plausible_zh(roster, given)
            or not _opens_clause(told, cand, frozenset())
        ):
            continue
        roster.add(given, (cand,), gender=_KIN_TITLE_SEX[cand[2]])


_WIFE_NOUNS = ("妻子", "媳妇", "媳婦", "老婆", "爱人", "愛人", "婆姨")
"""What a story calls a man's wife in his scenes (他听见妻子在说话, 妻子嗔怒地说：)."""


def _the_wife(roster: Roster, told: str) -> None:
    """A wife noun (妻子, 媳妇) where the story writes one woman of the roster and someone
    else besides (a list may name the whole series' cast): her. A
    passage of a couple's evening names her two or three times and then calls her his wife
    (旁边传来妻子轻轻的说话声); a book with more women leaves the noun to the scene."""
    if not any(noun in told for noun in _WIFE_NOUNS):
        return
    women: list[str] = []
    others = 0
    for name, forms in roster.forms.items():
        woman = (roster.gender.get(name) or given_name_gender(name)) == "female"
        if (woman or not others) and any(f in told for f in forms):
            if not woman:
                others += 1
            elif women:
                return  # two women: whose wife is the scene's to say
            else:
                women.append(name)
    if not women or not others:
        return
    for noun in _WIFE_NOUNS:
        if noun in told and fold(noun) not in roster.canon:
            roster.canon[fold(noun)] = women[0]
            roster.forms[women[0]].add(noun)


_SHE_SPEAKS_ZH = re.compile(r"(?:^|[，,。！？；])她[^。！？；\n]{0,16}?[说說问問道喊叫]")
"""A tag whose subject is 她: a woman speaks."""
_SHE_WRITTEN = 3
"""How often a woman's given name, opening a clause once, must be written before a 她 tag
makes it a character."""


def _she_needs_a_woman(roster: Roster, told: str, tags: Sequence[str]) -> None:
    """Where tags say 她 spoke and the roster has no woman, the given name of a woman's look
    (秀莲: 莲) that opens a clause (秀莲把脸贴在他背上) and is written again and again (打了秀莲,
    他听见秀莲不哭了) is she: a passage may write her only so, and her lines went to the one
    man known."""
    if not any(_SHE_SPEAKS_ZH.search(tag) for tag in tags):
        return
    if any((roster.gender.get(n) or given_name_gender(n)) == "female" for n in roster.forms):
        return
    opens = {m.group("name") for m in _ANY_CLAUSE_OPENER_ZH.finditer("\n" + told)}
    parts = _parts(fold(name) for forms in roster.forms.values() for name in forms)
    written = {
        cand: told.count(cand)
        for cand in opens
        if given_name_gender(cand) == "female"
        and _plausible_zh(roster, cand)
        and fold(cand) not in parts  # (武惠 of 武惠良)
        and f"《{cand}" not in told  # (a book's title: 《红岩》)
    }
    if written:
        best = max(sorted(written, key=fold), key=written.__getitem__)
        if written[best] >= _SHE_WRITTEN:
            roster.add(best, gender="female")


_WHOSE_VOICE_ZH = re.compile(r"的(?:声音|聲音)")
"""Whose voice the narration hears (这是运生的声音。, 运生的声音：): someone's."""
VOICE_HEARD_TIMES = 3
"""How often a word must be written, once as whose a voice is, before it is a character."""


def _voices_heard(roster: Roster, told: str) -> None:
    """Add a name written as whose a voice is (运生的声音：) and written again elsewhere (是吴月琴
    和运生): a person the passage hears, who may speak only in the dark and never act. A name:
    a surname first, or given-name characters that say a sex (not 电话的声音, 机器的声音)."""
    for m in _WHOSE_VOICE_ZH.finditer(told):
        at = m.start()
        for size in (3, 2):  # (冯世宽 of 传来冯世宽的声音 first, then 运生)
            cand = told[at - size : at]
            if len(cand) < size or not all("\u4e00" <= c <= "\u9fff" for c in cand):
                continue
            if size == 3 and surname_of(cand) is None:
                continue
            sex = given_name_gender(cand)
            if (
                (sex is not None or surname_of(cand) is not None)  # a name's look: 电话 has none
                and fold(cand) not in roster.canon
                and not any(c in _PRONOUNS or c in _GRAMMAR_CHARS for c in cand)
                and _plausible_zh(roster, cand)
                and told.count(cand) >= VOICE_HEARD_TIMES
            ):
                roster.add(cand, gender=sex)
            break


def _self_introduced(roster: Roster, dialogue: Sequence[str], told: str) -> None:
    """Add a name that a speaker gives as his own (“贫道玄机子，…”, “老子是少林俗家弟子铁牛！”)
    and that the story also uses for someone who acts (玄机子眯起眼睛, 铁牛大怒): names no
    surname list knows, Taoist names, epithets, found where a character says them."""
    opens: dict[str, bool] = {}  # a name is often given again and again (“我是小许…”)
    quotes = dict.fromkeys(dialogue)
    leading = [q for q in quotes if SELF_LEAD_ZH.search(q)]
    roster.leadless = frozenset(quotes).difference(leading)
    for quote in leading:
        for lead in SELF_LEAD_ZH.finditer(quote):
            for cand in introduced_zh(quote, lead.end()):
                if fold(cand) in roster.canon:
                    break
                if (
                    not _named_or_no_name(roster, cand)
                    and cand[0] not in _PARTICLES
                    and not any(c in _NOT_NAME for c in cand.removesuffix("子"))  # 玄机子
                    and not _ROLE_END_RE.search(cand)
                    and not _is_kin(cand)
                    and not any(c in _PRONOUNS or c in _GRAMMAR_CHARS for c in cand)
                    and _opens_clause(told, cand, _SELF_NAME_STOPS, opens)
                ):
                    roster.add(cand, gender=_title_gender(cand))
                    break


def _roles_beside_names(roster: Roster, told: str, dialogue: Sequence[str]) -> None:
    """A role or kinship noun or a title alone written right beside a name (儿子润生, 玉厚老汉,
    农业局长张生民, 乡长刘根民) is that character, when the book always puts it beside the
    same one; a kinship noun beside no name, or beside several, is no character unless
    someone calls them by it (“爷爷，…”: the grandfather of the house, not somebody's son or
    wife)."""
    roles = [
        name
        for name in roster.forms
        if name not in roster.known
        and (_is_kin(name) or _ROLE_END_RE.search(name) or _BARE_TITLE.fullmatch(name))
    ]
    kin = {name for name in roles if _is_kin(name)}
    people: dict[str, str] = {}
    for name, forms in roster.forms.items():
        if name in roles:
            continue
        for form in (name, *forms):
            if len(form) >= 2 and not form.isascii() and not _BARE_TITLE.fullmatch(form):
                people[form] = name  # (not 书记 for 曹书记: 院长书记 are two people)
    beside: dict[str, set[str]] = defaultdict(set)
    if roles and people:
        longest = min(4, max(map(len, people)))  # a Chinese name: four characters at most
        for m in re.finditer(trie_regex(roles), told):
            role, a, b = m.group(), m.start(), m.end()
            for n in range(longest, 1, -1):
                after = told[b : b + n]
                before = told[max(0, a - n) : a]
                for side in (after,) if role in kin else (after, before):
                    if side in people:  # 少安妈 is his mother: a kinship noun after a name
                        beside[role].add(people[side])  # says whose, not who
    alone = [role for role in roles if len(beside[role]) != 1 and role in kin]
    addressed = vocatives_zh(dialogue) if alone else set()
    for role in roles:
        if len(beside[role]) == 1:
            roster.join(role, next(iter(beside[role])))
        elif (
            role in alone
            and not {fold(f) for f in (role, *roster.forms[role])} & addressed
            and not _brought_in(role, told)
        ):
            roster.drop(role)


NEWCOMER_ACTS_ZH = (
    r"(?=[^，。！？；,!?;“”「」]{0,6}?[走跑来來进進站坐冲衝说說问問道喊叫拦攔挡擋挤擠迎])"
)
"""After a newcomer's role noun: the clause goes on to have them come, stand or speak within a
few characters (一个黑衣青年挤出人群, 一个蓝袍青年拦住了去路; not 另一位副主任马国雄附和说, a
role before a name)."""
_NEWCOMER_RE = re.compile(f"{NEWCOMER_ZH}(?P<role>{ROLE_RE.pattern}){NEWCOMER_ACTS_ZH}")


_NAMED_THEN = re.compile("是|叫")
"""In the rest of a paragraph that brings someone in, what names them there and then."""


def _newcomers_who_speak(roster: Roster, tags: Sequence[str]) -> None:
    """Add the role noun of someone brought in right before a quote (一个蓝袍青年拦住了去路。/
    “哟，…”: the attribution counts that paragraph among the tags): the newcomer who speaks,
    whom the chapter may name later (`epithets`)."""
    for tag in dict.fromkeys(tags):
        if "一" not in tag:
            continue
        for m in _NEWCOMER_RE.finditer(tag):
            role = m.group("role")
            if _NAMED_THEN.search(tag, m.end()):
                continue  # 一个中年男人挤了过来，他是死者的上司方志远: named at once
            if fold(role) not in roster.canon:
                roster.add(role, gender=_title_gender(role))


def _brought_in(role: str, told: str) -> bool:
    """Whether the narration brings someone in by this noun (一个穿着睡衣的中年女人走了过来):
    then 女人, 男人 are that stranger, not somebody's wife or husband."""
    if not ROLE_RE.fullmatch(role):
        return False
    return re.search(f"{NEWCOMER_ZH}{role}", told) is not None


RELATIVE_ZH = "妈|媽|娘|爸|爹|婆姨|媳妇|媳婦|老婆"
"""After a name, a relative of theirs (少安妈, 玉亭婆姨). Each alternative opens with a
character, not a class, so a search skips straight to those (twice as fast)."""
_RELATIVE = re.compile(RELATIVE_ZH)


def name_before(roster: Roster, text: str, at: int) -> str | None:
    """The form of a character's name (three characters or two) that ends at `text[at]`,
    where a kin word follows it (润叶姐, 少安妈); None when none does."""
    for n in (3, 2):
        if at >= n and fold(text[at - n : at]) in roster.canon:
            return text[at - n : at]
    return None


WHO_SPOKE_ZH = re.compile(
    r"(?:刚才|剛才)?(?:说话|說話|开口|開口|说这话|說這話|出声|出聲|问话|問話|答话|答話)"
    r"的(?:人)?(?:是|正是|竟是|竟然是|却是|卻是)"
)
"""A line after a quote that says who said it (说话的是林啸, 开口的正是王叔): a tag."""


def _revealed_speakers(roster: Roster, tags: Sequence[str]) -> None:
    """The full name a line says said the quote before (说话的是林动的父亲林啸。), alone or
    after a kinship or a role noun, even named once: a character."""
    for tag in dict.fromkeys(tags):
        who = WHO_SPOKE_ZH.match(tag.strip())
        if who is None:
            continue
        rest = re.split(r"[，,。！!？?；;…]", who.string[who.end() :], maxsplit=1)[0]
        m = _NAME_AT_END_ZH.search(rest)
        if m is None or fold(m.group()) in roster.canon:
            continue
        before = rest[: m.start()]
        if not before or _KIN_END_RE.search(before) or _ROLE_END_RE.search(before):
            roster.add(m.group(), gender=_title_gender(before) if before else None)


def _relatives_named(roster: Roster, told: str, tags: Sequence[str]) -> None:
    """A relative called by a character's name and the kinship (少安妈, his mother; 玉亭婆姨,
    his wife) is a character of her or his own when a tag makes them speak (少安妈说：) or
    the story names them so three times: not the character whose name it holds."""

    def relatives(text: str) -> Iterator[str]:
        for m in _RELATIVE.finditer(text):
            form = name_before(roster, text, m.start())
            if form is not None:
                yield form + m.group()

    times = Counter(relatives(told))
    # One search of the distinct tags joined, as of `told`: no kin word holds a newline, and
    # a name read back across one is no name.
    spoke = set(relatives("\n".join(dict.fromkeys(tags))))
    for relative, n in times.items():
        if (n >= SUBJECT_TIMES or relative in spoke) and fold(relative) not in roster.canon:
            roster.add(relative, gender=_title_gender(relative))


# ---------------------------------------------------------------- English

_HON_RE = "|".join(EN_HONORIFICS)
_HONORIFIC_SET = frozenset(EN_HONORIFICS)
_EN_UPPER = "A-ZÀ-ÖØ-Þ"
_EN_LOWER = "a-zß-öø-ÿā-ſ"
"""Latin letters of names, accented ones too (Alcée, Zoë, Léonce, Šimon's ĺ)."""
_EN_CAP = rf"(?:Ma?c(?=[A-Z]))?[{_EN_UPPER}][{_EN_LOWER}]+"
"""A capitalised word, accented letters too (Alcée, Renée); McBryde and MacLeod too."""
_EN_PARTICLES = frozenset("van von der den de du des la le di da del della ten ter".split())
"""Words in lower case inside a surname (Mr. van der Luyden, Monsieur de Griers), which may
also hold a saint's name (Marquis de St. Eustache, Mr. St. John)."""
_EN_PARTICLE = (
    rf"(?:(?:{'|'.join(sorted(_EN_PARTICLES, key=len, reverse=True))})\s+){{0,2}}(?:St\.?\s+)?"
)
_EN_NAME_RE = lazy_compile(
    rf"(?=[{_EN_UPPER}])\b(?:(?P<hon>{_HON_RE})\.?\s+)?(?P<first>{_EN_PARTICLE}{_EN_CAP}(?:-{_EN_CAP})?)"
    rf"(?:\s+(?!(?:{_HON_RE})\b)(?P<last>{_EN_PARTICLE}{_EN_CAP}(?:-{_EN_CAP})?))?\b"
)
"""A name: an honorific, a first name, a surname, each optional but one (a surname's
particles are read only after an honorific or a first name: the match starts on a capital)."""


@lru_cache(maxsize=65536)
def name_words(name: str) -> tuple[str, ...]:
    """The words of an English name, a surname's particles joined to it in lower case
    ("Henry Van Der Luyden" -> Henry, van der Luyden; "De Griers" -> de Griers; "Mr. St. John"
    -> Mr., St. John)."""
    out: list[str] = []
    glue: list[str] = []
    words = name.split()
    for i, word in enumerate(words):
        if i + 1 < len(words) and (
            word in ("St.", "St") or word.lower() in _EN_PARTICLES and (i > 0 or word[0].isupper())
        ):
            glue.append(word if word in ("St.", "St") else word.lower())
            continue
        out.append(" ".join([*glue, word]))
        glue = []
    return tuple(out)


def is_description(name: str) -> bool:
    """A character the roster knows by a description (the old lady, a stranger) or a kin
    noun alone (Grandmother), not a name."""
    words = name.lower().split()
    return words[0] == "the" or (len(words) == 1 and words[0] in EN_GENDERED_NOUNS)


def english_name_gender(word: str) -> Gender | None:
    """The gender an English given name nearly always has (Margaret, Thomas), else None."""
    return given_names().get(word.lower())


@dataclass
class Roster:
    """The book's characters and how to find them in text."""

    english: bool
    canon: dict[str, str] = field(default_factory=dict)
    """Folded surface form -> canonical name."""
    forms: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Canonical name -> surface forms seen or given."""
    gender: dict[str, Gender | None] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)
    described: set[str] = field(default_factory=set)
    """Characters named by a capitalised description the book writes after "the" (the
    Jew): `tts.speakers.attribute` may join them to a name, as "the beadle"."""
    pattern: str = r"(?!x)x"
    """A regex for any surface form of any character (longest first), built once per book;
    the attribution compiles it with its pronouns."""
    by_surname: dict[str, str | None] = field(default_factory=dict)
    """Folded surname -> the one full name with it (None when two share it)."""
    titled: dict[str, Gender] = field(default_factory=dict)
    """Character -> the sex a role written right before their name says (皇帝萧景琰: male),
    weighed as a kin term is when genders are decided."""
    first_chars: str = ""
    """Characters any name can start with, escaped for a regex class."""
    leadless: frozenset[str] = frozenset()
    """The Chinese lines of dialogue the roster read in which no speaker goes on to say who he
    is (no `SELF_LEAD_ZH`): `tts.speakers.cues` looks for no self-naming in them (a second
    search of every line cost 0.6% of reading a book)."""

    def resolve(self, surface: str) -> str | None:
        """Canonical name for a form found in the text, or None when it names no one."""
        key = fold(surface)
        name = self.canon.get(key)
        if name is not None:
            self.forms[name].add(surface)
            return name
        if not self.english:
            return self._resolve_zh(surface, key)
        return None

    def _resolve_zh(self, surface: str, key: str) -> str | None:
        m = _TITLED_RE.fullmatch(surface)
        if m is None:
            return None
        sur = fold(m.group("sur") or m.group("sur_"))
        full = self.by_surname.get(sur)
        name = full if full else surface
        self.canon[key] = name
        self.forms[name].add(surface)
        if name not in self.gender:  # found late, with no votes: the prior alone
            prior = gender_prior((surface,), False)
            self.gender[name] = prior[0] if prior else None
        return name

    def add(self, name: str, forms: Iterable[str] = (), gender: Gender | None = None) -> str:
        """Add a character under `name`, or under the character one of its forms already
        names (a known character absorbs the forms found in the text)."""
        forms = (name, *forms)
        canonical = next((self.canon[fold(f)] for f in forms if fold(f) in self.canon), name)
        for form in forms:
            self.canon.setdefault(fold(form), canonical)
            self.forms[canonical].add(form)
        if gender and not self.gender.get(canonical):
            self.gender[canonical] = gender
        self.gender.setdefault(canonical, None)
        return canonical

    def add_known(self, name: str, aliases: Iterable[str], gender: Gender | None) -> None:
        """Add a character listed in voices.yaml under its own name. A form that an earlier
        listed character already claims stays that one's: the first listed keeps it (two
        entries naming one alias, as a list may give "Mrs. John Knightley" to a wife and her
        husband, never merge the two, and which one has it never depends on set order)."""
        claimed = {fold(f) for f in (name, *aliases)} & self.canon.keys()
        forms = [f for f in (name, *aliases) if fold(f) not in claimed]
        if name not in forms:  # the name itself is an earlier character's alias: still its own
            self.canon[fold(name)] = name
        self.forms[name].add(name)
        for form in forms:
            self.canon.setdefault(fold(form), name)
            self.forms[name].add(form)
        self.gender[name] = gender
        self.known.add(name)

    def join(self, name: str, into: str) -> None:
        """Make the character `name` a form of the character `into` (a role noun standing
        for a named character: 儿子 for 润生)."""
        if name == into or name not in self.forms or into not in self.forms:
            return
        for form in self.forms.pop(name):
            self.canon[fold(form)] = into
            self.forms[into].add(form)
        self.canon[fold(name)] = into
        self.forms[into].add(name)
        gender = self.gender.pop(name, None)
        if gender and not self.gender.get(into):
            self.gender[into] = gender
        self.known.discard(name)

    def drop(self, name: str) -> None:
        """Forget the character `name` and its forms (a word found where names stand that
        names no one)."""
        for form in self.forms.pop(name, ()):
            if self.canon.get(fold(form)) == name:
                del self.canon[fold(form)]
        if self.canon.get(fold(name)) == name:
            del self.canon[fold(name)]
        self.gender.pop(name, None)

    def compile(self) -> None:
        surfaces: set[str] = set()
        for forms in self.forms.values():
            surfaces.update(forms)
        if not self.english:
            for form in list(surfaces):
                surfaces.add(_S2T.convert(form))
                surfaces.add(_T2S.convert(form))
        surfaces.discard("")
        if self.english:
            # "The Stranger" listed beside Griffin's names in voices.yaml is the text's "the
            # stranger" (said the stranger). A description listed alone ("The Child", "The
            # Croupier") keeps its capitals: the text says "the child" of the heroine too
            # (PDNC dev, with the list, lost 21 lines so and gained none).
            for name in self.known:
                if len(self.forms[name]) < 2:
                    continue
                for w in self.forms[name]:
                    if _LISTED_DESCRIPTION.match(w):
                        lower = "the " + w[4:].lower()
                        surfaces.add(lower)
                        self.canon.setdefault(fold(lower), name)
            # Gran, called so by the family, is the narration's "their grandmother".
            for name, forms in self.forms.items():
                for w in forms:
                    kin = _EN_KIN_NAMES.get(w)
                    if kin is not None and fold(kin) not in self.canon:
                        surfaces.add(kin)
                        self.canon[fold(kin)] = name
            # "the doctor" given in voices.yaml also opens sentences: "The doctor laughed.";
            # "the old woman" is first met as "an old woman" (as for described speakers found
            # in the text).
            for w in [w for w in surfaces if w.startswith("the ") and len(w) > 4]:
                art = "an" if w[4] in "aeiou" else "a"
                for form in ("The" + w[3:], f"{art}{w[3:]}", f"{art.capitalize()}{w[3:]}"):
                    surfaces.add(form)
                    self.canon.setdefault(fold(form), self.canon.get(fold(w), w))
            if surfaces:
                self.first_chars = "".join(sorted({re.escape(w[0]) for w in surfaces}))
                self.pattern = rf"\b(?=[{self.first_chars}]){trie_regex(surfaces)}\b"
            else:
                self.pattern = r"(?!x)x"
        else:
            firsts = (
                {w[0] for w in surfaces} | set(_SUR_CLASS) | {w[0] for w in SURNAMES} | {"老", "小"}
            )
            self.first_chars = "".join(sorted(re.escape(c) for c in firsts))
            head = f"[{self.first_chars}]"
            # 王主任, 祁副省長: any surname, any title; not an office (县贸易经理部, 主任室)
            # (not 闻记者 of 新闻记者, a news reporter: 新闻 is a word)
            titled = f"{_TITLED_AHEAD}(?:(?<!新)|(?![闻聞])){_TITLED}(?![部室])"
            # A title alone (书记 for 曹书记) right after an office (团地委书记) is whoever holds
            # that office: not the character the title stands for elsewhere.
            bare = {w for w in surfaces if _BARE_TITLE.fullmatch(w)}
            # (the names' own first two characters, or the first where a name is one: most
            # places the head lets through open no name, and the trie would try each of its
            # alternatives there)
            named = surfaces - bare
            opening = 2 if all(len(w) >= 2 for w in named) else 1
            names = first_chars_ahead(named, opening) + trie_regex(named) if named else r"(?!x)x"
            alone = rf"|(?<![{_OFFICE_ENDS}]){trie_regex(bare)}" if bare else ""
            self.pattern = rf"(?={head})(?:{names}|{titled}{alone})"

    def characters(self, lines: Counter[str]) -> list[Character]:
        names = set(lines) | self.known
        out = []
        for name in names:
            forms = tuple(sorted(f for f in self.forms.get(name, ()) if f != name))
            out.append(Character(name, forms, self.gender.get(name), lines.get(name, 0)))
        out.sort(key=lambda c: (-c.lines, c.name))
        return out


_ROLE_END_RE = re.compile(f"{_ROLE_TRIE}$")
_BARE_TITLE = re.compile(f"[副]?(?:{_TITLE_TRIE})")
_OFFICE_ENDS = "委局厅部社厂院所站队处科办校司会组县市省乡镇村区矿團鄉鎮廠處辦會組縣區礦"
"""The last character of an office or a place (地委, 公社, 县): a title right after it names
whoever holds that office (团地委书记, 县委书记)."""
_TITLED_RE = re.compile(rf"(?:(?P<sur>{_SURNAME_RE})(?:{_TITLE_RE})|[老小](?P<sur_>{_SURNAME_RE}))")
PET_RE = re.compile(rf"[老小阿]{_SURNAME_TRIE}")
"""老陈, 小林: a surname with 老/小, how friends and elders are called."""
_VOCATIVE_ZH = re.compile(rf"({_TITLED})(?=[，,！!。])")


_FEMALE_GIVEN = frozenset(_both(_of_gender(ZH_GIVEN_NAME_CHARS, "female")))
_MALE_GIVEN = frozenset(_both(_of_gender(ZH_GIVEN_NAME_CHARS, "male")))


def given_name_gender(name: str) -> Gender | None:
    """A weak hint from the given name's characters (美, 玲 … / 强, 伟 …); None if mixed.
    Names of two or three characters (苏婉, 林秀梅), pet names (阿鳳, 小梅) and a given name
    used alone, with no surname (润叶, 少平: how family and friends call each other)."""
    if len(name) == 2 and name[0] in "阿小":
        given = name[1:]
    elif _TITLED_RE.fullmatch(name):
        return None
    else:
        sur = surname_of(name)
        if sur is None and len(name) == 2 and not name.isascii():
            given = name
        elif sur is None or len(name) - len(sur) not in (1, 2):
            return None
        else:
            given = name[len(sur) :]
    female = sum(c in _FEMALE_GIVEN for c in given)
    male = sum(c in _MALE_GIVEN for c in given)
    if female > male:
        return "female"
    if male > female:
        return "male"
    return None


KIN_WEIGHT = 3.0
"""A kinship or address term (先生, 小姐, Mr, Mrs) weighs as much as three he/she votes."""
EN_HONORIFIC_WEIGHT = 1e6
"""An English honorific before a name (Mr. Archer, Madame Olenska, Miss Welland) decides:
the book says it every time it names them, while the he/she of the sentences that name a
main character are often the other person's."""
EN_NAME_WEIGHT = 1.5
ZH_NAME_WEIGHT = 1.5
RANK_WEIGHT = 0.5
"""A rank title (主任, 掌门) is a weak male prior: one 她 for the character outweighs it."""


def gender_prior(forms: Iterable[str], english: bool) -> tuple[Gender, float] | None:
    """The gender a character's names suggest and how much it weighs against he/she votes
    (see the module notes for the order). None when the names say nothing or disagree."""
    found: dict[float, set[Gender]] = defaultdict(set)
    for form in forms:
        if english:
            words = form.replace(".", "").split()
            if not words:
                continue
            if len(words) == 2 and words[0] in _HONORIFIC_SET and words[1] in _HONORIFIC_SET:
                continue  # "Madame General": the general's wife, a form joined to him by mistake
            g = _hon_gender(words[0]) if len(words) > 1 or words[0] in _HONORIFIC_SET else None
            if g is not None and len(words) > 1:
                found[EN_HONORIFIC_WEIGHT].add(g)  # Mrs. Welland, Madame Olenska
                continue
            if g is None and (words[0].lower() in ("the", "a", "an") or len(words) == 1):
                g = EN_GENDERED_NOUNS.get(words[-1].lower())  # the old woman; Gran, Mother
            if g is not None:
                found[KIN_WEIGHT].add(g)
            elif words[0] not in _HONORIFIC_SET:
                g = english_name_gender(words[0])
                if g is not None:
                    found[EN_NAME_WEIGHT].add(g)
            continue
        g = _title_gender(form)
        if g is not None:
            found[KIN_WEIGHT].add(g)
            continue
        if (latin := _LATIN_NAME.match(form)) is not None:
            # Kevin, Linda in a Chinese office: an English given name says it as in English
            if (g := english_name_gender(latin.group().capitalize())) is not None:
                found[ZH_NAME_WEIGHT].add(g)
            continue
        g = given_name_gender(form)
        if g is not None:
            found[ZH_NAME_WEIGHT].add(g)
        elif _RANK_RE.search(form) or _OLD_SURNAME.fullmatch(form):
            found[RANK_WEIGHT].add("male")  # 老周, 老陈: how a man is called, now and then a woman
    if not found:
        return None
    weight = max(found)  # the strongest kind of evidence decides, unless it disagrees
    genders = found[weight]
    return (next(iter(genders)), weight) if len(genders) == 1 else None


_LATIN_NAME = re.compile(r"[A-Za-z]+")
_EN_PLACE_NOUNS = frozenset(
    "Hall House Park Street Abbey Castle Court Lodge Manor Place Square Road Lane Cottage Farm "
    "Church Chapel Bridge Hill Wood Woods Gardens Garden Terrace Row Crescent Common Green "
    "Station Hotel Inn Club College School Hospital Corner End Rectory Vicarage Grange Priory "
    "Mill Town City Island River Valley Bay Gate Gallery Museum Theatre Theater Cathedral".split()
)
"""Words that end the name of a place (Kellynch Hall, Howards End, Windy Corner), not a person."""
_EN_KIN_NAMES = {
    **dict.fromkeys(("Gran", "Granny", "Grandma", "Nana"), "grandmother"),
    **dict.fromkeys(("Grandpa", "Gramps", "Granddad", "Grandad"), "grandfather"),
}
"""What a family calls a grandparent, and the word the narration uses for them (Gran: "their
grandmother shuffled in")."""
_LISTED_DESCRIPTION = lazy_compile(r"The (?:[A-Z][a-z]+ ?)+$")
"""A listed name that describes someone in capitals (The Stranger, The Old Woman)."""
_OLD_SURNAME = re.compile(rf"老(?:{_SURNAME_RE})")
_SURNAME_OF_RE = re.compile(rf"[老小]?({_SURNAME_RE})")


def surname_of(surface: str) -> str | None:
    """The surname a Chinese name or pet name starts with (陈 of 陈默, of 老陈), else None."""
    m = _SURNAME_OF_RE.match(surface)
    return m.group(1) if m else None


def _title_gender(surface: str) -> Gender | None:
    """The gender of a kin or address term ending a name (林小姐, 陈叔); female words first.
    A name and 老 (药老, 苏老) is how an old man is honoured; a role ending in 妇 or 女 (寡妇, 妇女)
    or opening with 女 (女青年, 女学生) is a woman's."""
    if (
        _FEMALE_END.search(surface)
        or surface.endswith(("妇", "婦", "女"))
        or (len(surface) >= 3 and surface[0] == "女")
    ):
        return "female"
    if _MALE_END.search(surface) or (len(surface) == 2 and surface[1] == "老"):
        return "male"
    return None


# ---------------------------------------------------------------- discovery


def build_roster(
    narration: Sequence[str],
    tags: Sequence[str],
    dialogue: Sequence[str],
    english: bool,
    known: Sequence[Character] = (),
    calls: Sequence[tuple[str, str]] = (),
) -> Roster:
    """Find the characters of a book.

    `narration`: narration pieces; `tags`: the narration right around quotes (where
    speakers are named); `dialogue`: the lines of dialogue (names addressed, names repeated);
    `calls`: (quote, the tag right after it in its paragraph), where an English speaker who
    calls someone by name says they are two people ("George!" cried Mr. Emerson).
    """
    roster = Roster(english)
    for char in known:
        roster.add_known(char.name, char.aliases, char.gender)
    if english:
        _discover_en(roster, narration, tags, dialogue, calls)
    else:
        _discover_zh(roster, narration, tags, dialogue)
    roster.compile()
    return roster


def counted_matches(
    rx: re.Pattern[str], pieces: Sequence[str]
) -> Iterator[tuple[re.Match[str], int]]:
    """The matches of `rx` in the pieces, each after a newline ("\\n" + "\\n".join(pieces); no
    match may hold a newline but as its first character), with how often the piece it lies
    in occurs. Books repeat lines: one scan of each distinct piece counts them all, in the
    order first found, and the last piece still ends the text."""
    times = Counter(pieces)
    if len(times) == len(pieces):
        for m in rx.finditer("\n" + "\n".join(pieces)):
            yield m, 1
        return
    distinct = list(times)
    counts = list(times.values())
    last = pieces[-1]
    if times[last] > 1:  # its last time ends the text: a piece of its own, at the end
        counts[distinct.index(last)] -= 1
        distinct.append(last)
        counts.append(1)
    # Where each piece ends in the scanned text (each comes after its newline).
    ends = list(map(add, accumulate(map(len, distinct)), count(1)))
    for m in rx.finditer("\n" + "\n".join(distinct)):
        yield m, counts[bisect_right(ends, m.start())]


_NEVER_IN_NAME = _chars_both(
    "和与跟同在是被把给的了着地得之么吗呢吧啊呀哦嗯们个说道问答笑看听不没很更最还再这那"
)
"""Function words that never end a given name; others do (才, 向, 来: 侯生才, 李向前)."""
_CLAUSE_OPENER_ZH = re.compile(
    r"[，,；;。！？…\n”」』]"
    rf"(?P<name>[{''.join(sorted((_PARTICLES | _NOT_NAME) - _NEVER_IN_NAME))}][\u4e00-\u9fff])"
    r"(?=(?P<next>[^\n]))"
)
"""Two characters opening a clause whose first is a function word that may open a given name
(向前): what `_given_names_acting` weighs with more evidence. Search text that begins with a
newline (see `_CLAUSE_START_ZH`)."""
_ANY_CLAUSE_OPENER_ZH = re.compile(
    r"[，,；;。！？…\n”」』]"
    rf"(?P<name>[^{''.join(sorted(_NOT_SPEAKER_START | _PARTICLES | _NOT_NAME))}\s\W]"
    r"[\u4e00-\u9fff])(?=(?P<next>[^\n]))"
)
"""Two characters opening a clause, the first one a name may open with (not 他, 的, 不 …):
search text that begins with a newline (see `_CLAUSE_START_ZH`)."""
_FUNCTION_END_TIMES = 3
"""A surname and a given character followed, nearly every time the book writes them (nine
times in ten), by the same function word, at least this often, and going on differently
after it (侯生才立即, 侯生才是, 侯生才。), are a name ending in it: the adverb 才 follows a
subject now and then, never always."""


_DETERMINER_ZH = re.compile("^(?:[一这那這][个位名個]|[这那這](?!些))")
"""A determiner before a role noun (那老者, 一个老者, 这位姑娘): not part of what the book
calls the character."""


def _role_phrase(found: str) -> bool:
    """A role noun and what stands before it (采访记者, 白发老人) name someone; a clause that
    ends in one does not (她抱起儿子: a he or she is its subject, not part of a name), nor a
    coverb's object (就跟儿子往出走, 往爷爷嘴巴里塞)."""
    if found[0] in ZH_COVERBS and len(found) > 2:
        return False
    return not any(c in _NOT_NAME or c in _PRONOUNS for c in found[:-2])


_PRONOUNS = _chars_both("他她它我你您")
ZH_COVERBS = _chars_both("把将对向给朝替为让跟同与往在从冲")
"""Coverbs: a clause they open (把老祖母摇醒, 对下棋的徐治功说, 跟儿子往出走) has its object
after them, not its subject."""


def _one_char_title(titled: str) -> bool:
    """A surname and a one-character title (乔伯, 王叔; not 王主任)."""
    m = _TITLED_RE.fullmatch(titled)
    return m is not None and m.group("sur") is not None and len(titled) - len(m["sur"]) == 1


_APPOSED_NAME = re.compile(rf"{_SURNAME_TRIE}[\u4e00-\u9fff]{{1,2}}")
"""A full name right after a title or role (省委书记乔伯年, 副秘书长张生民)."""
_NAME_AT_END_ZH = re.compile(rf"(?:{_APPOSED_NAME.pattern})$")
"""A full name ending a clause (说话的是林动的父亲林啸)."""
_FULL_NAME_ZH = re.compile(rf"{_SURNAME_TRIE}[\u4e00-\u9fff]{{2}}")
"""A surname and two characters (高大年)."""
_NUMERALS = frozenset("一二三四五六七八九十")
"""Numerals: no name holds one, but after 小, 阿 or 老 one ends a name (令狐小七, 王小二)."""
_GRAMMAR_CHARS = frozenset("的了着著过過们們地得是在不")
"""Characters no name holds: what follows a word, not a person (颜色的, 易到了)."""

SUBJECT_TIMES = 3
"""A full name (surname and given name) that opens this many clauses, going on each time
with something else, is a name even if it never stands next to a quote: it acts, again and
again (郝红梅觉察出…, 郝红梅按…, 郝红梅在…)."""

WRITTEN_TIMES = 4
"""A full name that opens a clause once or twice and is written this often in all (as
someone talked about, spoken to, acted on) is a character too."""


_OLD_ROLE = re.compile("老[汉漢头頭婆太爷爺人]")
"""老汉, 老婆, 老太 after a name (万江老汉): an old man, not the end of the name."""


def _name_goes_on(c: str) -> bool:
    """A character that may go on a name (平 of 孙少平), not a word after one (说, 的, 看)."""
    return _han(c) and c not in _NOT_NAME and c not in _VERBISH and c not in _PRONOUNS


def _discover_zh(
    roster: Roster, narration: Sequence[str], tags: Sequence[str], dialogue: Sequence[str]
) -> None:
    starts: Counter[str] = Counter()
    tagged: Counter[str] = Counter()
    short: Counter[str] = Counter()  # surname + one given character, at clause starts
    longer: dict[str, Counter[str]] = defaultdict(Counter)  # ... -> next character -> count
    nicks: Counter[str] = Counter()  # 阿美, 小明
    apposed: dict[str, Gender] = {}  # 皇帝萧景琰 -> male: what the role before a name says
    for pieces, counter in ((narration, starts), (tags, tagged)):
        for m, times in counted_matches(CLAUSE_HEAD_ZH, pieces):
            kind = m.lastgroup
            found = m.group(kind)  # type: ignore[arg-type]
            if kind == "title" and _one_char_title(found):
                # A surname and a one-character title (乔伯, 王叔) may be the head of a full
                # name (乔伯年): the name's evidence is weighed as any name's, below.
                # (a comparison, not a regex: compiling `[\u4e00-\u9fff]` takes Python's
                # regex compiler a step for each of its 21,000 characters)
                next_char = m.string[m.end() : m.end() + 1]
                if "\u4e00" <= next_char <= "\u9fff":
                    counter[found] += times
                    kind, found = "name", found + next_char
            elif kind == "role":
                # A title before a name (省委书记乔伯年说): the name is who acts.
                named = _APPOSED_NAME.match(m.string, m.end())
                if named is not None:
                    if _role_phrase(found):
                        counter[found] += times
                    if (sex := _title_gender(found)) is not None:
                        apposed[named.group()] = sex  # 皇帝萧景琰: a man
                    kind, found = "name", named.group()
            if kind == "name":
                cut = 2 if found[:2] in SURNAMES else 1
                head = found[: cut + 1]
                short[head] += times
                counter[head] += times
                if len(found) > cut + 1 and not _OLD_ROLE.match(m.string, m.end() - 1):
                    longer[head][found[-1]] += times
                    counter[found] += times
            elif kind == "role":
                found = _DETERMINER_ZH.sub("", found)  # 那老者, 一个老者: the old man
                if _role_phrase(found):
                    counter[found] += times
            elif kind == "nick":
                if found[1] not in _PARTICLES and found not in _NOT_NICKNAMES:
                    nicks[found] += times
                    counter[found] += times
            else:
                counter[found] += times
    total = starts + tagged
    # Full names (surname + given name): the longer form when, everywhere in the book, the
    # shorter one is nearly always followed by the same character (祁同 -> 祁同偉, but 郭芙冷笑道
    # and 郭芙臉上 make 郭芙).
    best: dict[str, tuple[str, int]] = {}
    adverbial: set[str] = set()  # 迟疑地走到, 莫名地: a word that describes how, not who
    function_end: set[str] = set()  # heads whose likely last character is also a function word
    for head in short:
        if head[-1] in _PARTICLES or fold(head) in _COMMON_WORDS or fold(head) in roster.canon:
            continue
        nxt, k = max(longer[head].items(), key=lambda kv: kv[1], default=("", 0))
        if nxt and (nxt not in _NOT_NAME or (head[-1] in "小阿老" and nxt in _NUMERALS)):
            best[head] = (nxt, k)
        elif nxt and nxt not in _NEVER_IN_NAME and k >= _FUNCTION_END_TIMES:
            best[head] = (nxt, k)  # 侯生才, 李向前: a name ending in a function word
            function_end.add(head)
        elif nxt in _HOW_MARKS and k * 2 >= short[head]:
            adverbial.add(head)
    follow: dict[str, Counter[str]] = defaultdict(Counter)
    if best:
        # Every alternative of the trie opens with a literal character, so the regex engine
        # skips to those characters by itself (a leading class test would only slow it).
        rx = re.compile(f"{trie_regex(best)}(?=(.))", re.S)
        for m, times in counted_matches(rx, (*narration, *tags, *dialogue)):
            follow[m.group()][m.group(1)] += times
    goes_on: dict[str, set[str]] = defaultdict(set)  # 侯生才立即, 侯生才是, 侯生才。
    if function_end:
        rx = re.compile(f"({trie_regex(h + best[h][0] for h in function_end)})(?=(.))", re.S)
        pieces = "\n".join(dict.fromkeys((*narration, *tags, *dialogue)))
        for name, nxt in set(rx.findall(pieces)):
            goes_on[name].add(nxt)
    full: dict[str, int] = {}
    acting: dict[str, int] = {}  # full names that open clauses again and again, untagged
    seldom: dict[str, int] = {}  # full names that open a clause once or twice, untagged
    splits: dict[str, list[str]] = {}  # a head that several full names share (金俊: 武, 山)
    for head, n in short.items():
        if head[-1] in _PARTICLES or fold(head) in _COMMON_WORDS:
            continue
        if fold(head) in roster.canon:
            continue  # a known name: never extend it (郭芙冷笑道 is 郭芙)
        if head in best:
            nxt, k = best[head]
            seen = sum(follow[head].values()) or n
            kept = follow[head][nxt] or k
            if head in function_end and (
                kept < _FUNCTION_END_TIMES
                or kept * 10 < seen * 9
                or len(goes_on[head + nxt]) < SUBJECT_TIMES
            ):
                pass  # 少安才明白, 李明点点头 (said over and over): the head and a word
            elif kept * 10 >= seen * 8 and (kept >= 2 or nxt not in _VERBISH):
                name = head + nxt
                if tagged[name]:
                    full[name] = k
                elif total[name] >= SUBJECT_TIMES:
                    acting[name] = k
                elif total[name]:
                    seldom[name] = k
                    if kept >= WRITTEN_TIMES:
                        # 田福堂 opens two clauses but the passage writes him twelve times:
                        # whom it is about
                        acting[name] = k
                continue
            # Two names share the head (金俊武, 金俊山): it is neither, and each is a name.
            shared = [
                c
                for c, times in follow[head].items()
                if times >= 2 and c not in _NOT_NAME and c not in _VERBISH
            ]
            ends = any(not ("\u4e00" <= c <= "\u9fff") or c in _SAY_CHARS for c in follow[head])
            if (
                not ends  # 罗娜， 罗娜说: a name that ends where it stops is one name
                and 2 <= len(shared) <= 3
                and sum(follow[head][c] for c in shared) * 10 >= seen * 8
            ):
                splits[head] = shared
                continue
            if (
                not ends
                and len(follow[head]) >= 2
                and max(follow[head].values()) >= 2
                and all(_name_goes_on(c) for c in follow[head])
            ):
                # 孙少平 and, once, 孙少安: the head of full names, never a name itself; a
                # full name standing next to a quote even once is one
                for c, times in follow[head].items():
                    if tagged[head + c]:
                        full[head + c] = times
                continue
        if tagged[head] and head not in adverbial:  # a name stands next to a quote somewhere
            full[head] = n  # (安排, 文件 never do)
    told = "\n".join(dict.fromkeys((*narration, *tags)))  # where a story says who does what
    after: dict[str, set[str]] = defaultdict(set)
    split_names = [head + c for head, shared in splits.items() for c in shared]
    if acting or split_names:
        # A subject goes on to do different things (郝红梅觉察出, 郝红梅按, 郝红梅在); a
        # word that opens clauses goes on the same way (安排好以后, 高速公路).
        rx = re.compile(f"({trie_regex([*acting, *split_names])})(?=(.))", re.S)
        for name, nxt in set(rx.findall(told)):
            after[name].add(nxt)
        full.update({name: k for name, k in acting.items() if len(after[name]) >= SUBJECT_TIMES})
    for head, shared in splits.items():
        if all(len(after[head + c]) >= 2 for c in shared):  # each goes on its own way
            for c in shared:
                name = head + c
                if tagged[name] or (total[name] >= SUBJECT_TIMES and len(after[name]) >= 3):
                    full[name] = follow[head][c]
            for c, times in follow[head].items():  # 金光辉也凑话说：a third, tagged once
                if c not in shared and tagged[head + c] and _name_goes_on(c):
                    full[head + c] = times
        elif tagged[head] and head not in adverbial:  # 罗娜微微, 罗娜沉默: one name, two verbs
            full[head] = short[head]
    for nick in nicks:
        if tagged[nick]:
            full[nick] = total[nick]
    # Full names and role phrases become characters (unless known already).
    everything = "\n".join((*narration, *tags, *dialogue))
    heads = _speaking_heads(tags)
    _handles(roster, told, heads, everything)
    doubled = said_twice(everything)
    handles = [key for key in roster.canon if len(key) == 4]  # (folded)
    for cand in sorted(full, key=lambda c: -full[c]):
        if cand in doubled:
            continue  # 巴拉巴拉一通说: a sound said twice over, not a name
        if fold(cand) not in roster.canon and not any(
            h.startswith(fold(cand)) for h in handles
        ):  # (夜雨 of 夜雨听风)
            sexes = {sex for found, sex in apposed.items() if found.startswith(cand)}
            name = roster.add(cand)
            if len(sexes) == 1:
                roster.titled[name] = sexes.pop()
    for cand, n in total.items():
        if _ROLE_END_RE.search(cand) and not _TITLED_RE.fullmatch(cand):
            if tagged[cand] or n >= 3:
                if fold(cand) not in roster.canon:
                    roster.add(cand, gender=_title_gender(cand))
    # A full name that opens a clause only once or twice (乔伯年这才进了家门) is a character when
    # a title of its surname acts or speaks (乔书记走进…) and no other name carries the surname:
    # the title stands for it, below.
    # A woman's given name (田晓霞) is not whom a title with no sex stands for (田主任).
    titled_surnames: dict[str, set[Gender | None]] = defaultdict(set)
    for cand in total:
        if (t := _TITLED_RE.fullmatch(cand)) is not None and t.group("sur"):
            titled_surnames[fold(t.group("sur"))].add(_title_gender(cand))
    if titled_surnames and seldom:
        borne = {fold(sur) for name in roster.forms if (sur := surname_of(name)) and len(name) > 2}
        for name in seldom:
            sur = surname_of(name)
            if sur is None or fold(sur) in borne or fold(name) in roster.canon:
                continue
            title_sexes = titled_surnames.get(fold(sur))
            if title_sexes and (given_name_gender(name) != "female" or title_sexes == {"female"}):
                roster.add(name)
    # So is one that a tag introducing a quote opens after what it says of them (门牙不知怎么缺
    # 了半颗的张生民，咧开嘴…说：): who speaks.
    if seldom:
        described = {
            head.group(1)
            for tag in dict.fromkeys(tags)
            if tag.endswith(("：", ":")) and (head := _DESCRIBED_HEAD_ZH.match(tag)) is not None
        }
        for name in seldom:
            if name in described and fold(name) not in roster.canon:
                roster.add(name)
    # Surname -> the one full name carrying it. A listed character the book never names (a
    # list written for the whole series) does not stand in the way of one it does: 徐主任 is
    # 徐治功 in a chapter without 徐爱云.
    carriers: dict[str, list[str]] = defaultdict(list)
    for name in roster.forms:
        for form in (name, *roster.forms[name]):
            if _TITLED_RE.fullmatch(form):
                continue
            sur = surname_of(form)
            if sur is None or len(form) < 2:
                continue
            bearers = carriers[fold(sur)]
            if name not in bearers:
                bearers.append(name)
    by_sur: dict[str, str | None] = {}
    for key, bearers in carriers.items():
        if any(name in roster.known for name in bearers):
            # a listed name the book never writes (another book's voices.yaml) is not whom
            # 林主任 stands for
            bearers = [
                name
                for name in bearers
                if name not in roster.known
                or any(form in everything for form in (name, *roster.forms[name]))
            ]
        by_sur[key] = bearers[0] if len(bearers) == 1 else None
    roster.by_surname = by_sur
    # Given names alone (同偉) as aliases of three-character names.
    given_of: dict[str, str] = {}
    for name in roster.forms:
        sur = surname_of(name)
        if sur and len(name) - len(sur) == 2 and not _TITLED_RE.fullmatch(name):
            given_of[name] = name[len(sur) :]
    given = Counter(fold(g) for g in given_of.values())
    for name, g in given_of.items():
        if given[fold(g)] == 1:
            roster.canon.setdefault(fold(g), name)
            roster.forms[name].add(g)
    # A bare role (記者) is the one character whose name ends with it.
    owners: dict[str, list[str]] = defaultdict(list)
    for name in roster.forms:
        role_end = _ROLE_END_RE.search(name)
        if role_end is not None and role_end.start() > 0:
            owners[role_end.group()].append(name)
    for role, names in owners.items():
        if len(names) == 1 and fold(role) not in roster.canon:
            roster.canon[fold(role)] = names[0]
            roster.forms[names[0]].add(role)
    # Surname + title forms seen at clause starts (resolved lazily for the rest).
    # 老周, 小李 only when they stand next to a quote (小米 is millet).
    for cand in total:
        titled = _TITLED_RE.fullmatch(cand)
        if titled is not None and (titled.group("sur") or tagged[cand]):
            roster.resolve(cand)
    # 老陈 with no full name of his surname in the book: 陈叔, 陈师傅 are him too.
    pets: dict[str, str | None] = {}
    for name in roster.forms:
        titled = _TITLED_RE.fullmatch(name)
        if titled is not None and titled.group("sur_"):
            key = fold(titled.group("sur_"))
            pets[key] = None if key in pets else name
    for key, pet in pets.items():
        roster.by_surname.setdefault(key, pet)
    # Titles addressed at the start of a quote (“陈叔，…”): forms of someone, for gender.
    quotes = dict.fromkeys(dialogue)  # each distinct one, in order
    vocatives = {
        v.group(1)
        for q in quotes
        if q[:1] in _SURNAME_OPENS and (v := _VOCATIVE_ZH.match(q)) is not None
    }
    for cand in vocatives:
        roster.resolve(cand)
    _speakers_by_use(roster, tags, everything, doubled)
    _given_names_acting(roster, told, doubled)
    _speakers_in_plain_tags(roster, tags, doubled, everything)
    _not_persons(roster)
    _roles_beside_names(roster, told, dialogue)
    _newcomers_who_speak(roster, tags)
    _relatives_named(roster, told, tags)
    _revealed_speakers(roster, tags)
    _self_introduced(roster, dialogue, told)
    _kin_titled(roster, told)
    _voices_heard(roster, told)
    _styled_names(roster, told)
    _quoted_names(roster, told)
    _chat_writers(roster, told)
    _narrators_kin(roster, told, tags)
    # “晚晚，跟我回去。”, “小林，你先出去。”: a doubled pet name, or 小/老 and a surname,
    # called at the start of a quote names someone too
    called = called_zh(dialogue)
    _numbered_names(roster, called, told)
    for pet in called:
        if PET_RE.fullmatch(pet) and roster.resolve(pet) is None and pet not in doubled:
            roster.add(pet, gender=_title_gender(pet))
    _doubled_pet_names(roster, heads.keys() | {v for v in called if len(v) == 2})
    _she_needs_a_woman(roster, told, tags)
    _the_wife(roster, told)
    if not roster.forms:
        # A passage too short for the evidence above names no one: a full name that opens a
        # clause even once is a better guess than no speaker at all.
        for name in seldom:
            roster.add(name)
    if not roster.forms:
        # Nor one that opens a clause: a full name written twice anywhere in the narration
        # (击倒了高大年, 落榜的高大年), the one written most.
        written = Counter(m.group() for m in _FULL_NAME_ZH.finditer(told))
        for name, n in written.most_common():
            if n < 2:
                break
            key = fold(name)
            if not (
                key in _NOT_SPEAKERS
                or fold(name[:2]) in _COMMON_WORDS
                or name[0] in _NOT_SPEAKER_START
                or any(c in _GRAMMAR_CHARS for c in name)
            ):  # a name may hold 才 or 向 (王世才, 李向前), which a clause start's may not
                roster.add(name, gender=_title_gender(name))
                break


def _discover_en(
    roster: Roster,
    narration: Sequence[str],
    tags: Sequence[str],
    dialogue: Sequence[str],
    calls: Sequence[tuple[str, str]] = (),
) -> None:
    lower: Counter[str] = Counter()
    starts: Counter[str] = Counter()  # at the start of a narration sentence
    mid: Counter[str] = Counter()
    tagged: Counter[str] = Counter()
    placed: Counter[str] = Counter()  # mid-sentence after an article or "in", "at", "to"
    after_the: Counter[str] = Counter()  # mid-sentence after "the" (the Jew, the Dodger)
    kind: Counter[str] = Counter()  # mid-sentence after "a" or "an" (an Indian)
    speaks: Counter[str] = Counter()  # next to a speech verb in a tag (Emma said, said Emma)
    honor: dict[str, str] = {}
    alone: Counter[str] = Counter()  # a title written alone (the General), by role word
    told = Counter(narration)  # books repeat lines: each distinct one read once
    for texts, counter in ((told, mid), (Counter(tags), tagged)):
        for text, times in texts.items():
            for m in _EN_NAME_RE.finditer(text):
                first, last, hon = m.group("first"), m.group("last"), m.group("hon")
                start = m.start()
                common = first.lower() in EN_NOT_NAMES
                if common and hon is None and first.lower() in _EN_MONTHS:
                    common = not _mid_sentence_name(text, start)  # said May, May Welland
                shifted = common and not (hon and first.lower() in _EN_MONTHS)
                if shifted:
                    if hon is not None or last is None or last.lower() in EN_NOT_NAMES:
                        continue
                    first, last, start = last, None, m.start("last")  # "Then Eleanor"
                    name = first
                if hon is None and last is None and first in _HONORIFIC_SET:
                    role = first.lower().rstrip(".")
                    alone[_ROLE_WORD.get(role, role)] += times
                    continue  # "(The) Colonel" alone: a title, matched later to its holder
                if not shifted:
                    if hon is None and last is not None and last.lower() in EN_NOT_NAMES:
                        name = first
                    else:
                        name = text[start : m.end()] if hon is None else m.group()
                        name = " ".join(name.split())
                before = text[max(0, start - 2) : start]
                sentence_start = start == 0 or before.rstrip()[-1:] in ".!?\"“”'‘’:;—"
                if hon is not None:
                    honor[name] = hon
                if sentence_start and hon is None:
                    # A capital at a sentence start says nothing ("Recovering herself, she
                    # said"), in a tag too, unless a speech verb follows it (Emma said).
                    if counter is mid or not _EN_SPEECH_NEXT.match(text, m.end()):
                        starts[name] += times
                        continue
                elif hon is None:
                    prev = _EN_WORD_BEFORE.search(text, max(0, start - 16), start)
                    if prev is not None and prev.group(1).lower() in _EN_PLACE_WORDS:
                        placed[name] += times
                        if prev.group(1).lower() == "the":
                            after_the[name] += times
                        elif prev.group(1).lower() in ("a", "an"):
                            kind[name] += times
                if counter is tagged and (
                    _EN_SPEECH_NEXT.match(text, m.end())
                    or _EN_SPEECH_BEFORE.search(text, max(0, start - 28), start)
                ):
                    speaks[name] += times
                counter[name] += times
    # Words in lower case: each distinct narration once, then the repeats of repeated ones.
    lower.update(_LOWER_WORD_RE.findall(" ".join(told)))
    for text, times in told.items():
        if times > 1:
            for word, n in Counter(_LOWER_WORD_RE.findall(text)).items():
                lower[word] += n * (times - 1)
    # Words that open sentences, found in lower case in the dialogue: a name is not.
    openers = {name.lower() for name in starts if " " not in name}
    spoken: set[str] = set()
    if openers:
        said = " ".join(dict.fromkeys(dialogue))
        spoken.update(re.findall(rf"\b(?:{trie_regex(openers)})\b", said))

    addressed: Counter[str] = Counter()
    opening: Counter[str] = Counter()  # addressed as the first word of a sentence
    for quote, times in Counter(dialogue).items():
        for m in _EN_VOCATIVE_RE.finditer(quote):
            who = " ".join((m.group("head") or m.group("tail")).split())
            if who.split()[-1].lower() in EN_NOT_NAMES or who in _HONORIFIC_SET:
                continue
            if who.split()[0].rstrip(".") in _HONORIFIC_SET and " " in who:
                honor[who] = who.split()[0].rstrip(".")
            addressed[who] += times
            if m.group("head") is not None:
                opening[who] += times
    total = mid + tagged + addressed
    accepted: list[str] = []
    candidates = total + starts
    parts_of_names = {
        word
        for name in total
        if name in honor or " " in name
        for word in name_words(name)
        if word.rstrip(".") not in _HONORIFIC_SET
    }
    # Two names joined by "and" (Potapitch and Martha) are two people: a "Martha Potapitch"
    # seen once beside them is a slip of the text, not the full name of one.
    pairs = {
        frozenset(m.group(2, 3))
        for text in told
        if "and" in text
        for m in _EN_NAME_PAIR_RE.finditer(text)
        if not m.group(1) and not m.group(4)
    }
    # Two names joined by "and" (Charles and Mr. Wilcox) are two people: neither joins the
    # other's full name (Mr. Wilcox is not Charles Wilcox, his son).
    apart = {
        frozenset((" ".join(m.group(1).split()), " ".join(m.group(2).split())))
        for text in told
        if "and" in text
        for m in _EN_TWO_NAMES_RE.finditer(text)
    }
    # "George!" cried Mr. Emerson: whom a speaker calls by name is someone else (his son
    # George, not Mr. Emerson), whatever surname they share.
    for quote, tag in calls:
        tagged_by = _EN_TAG_NAME_RE.match(tag)
        voc = _EN_VOCATIVE_RE.search(quote) if tagged_by is not None else None
        if tagged_by is not None and voc is not None:
            called = " ".join((voc.group("head") or voc.group("tail")).split())
            speaker = " ".join(tagged_by.group("who").split())
            if called != speaker and not set(name_words(called)) & set(name_words(speaker)):
                apart.add(frozenset((speaker, called)))
    kinds = {w for w, k in kind.items() if k >= 2 and k >= _KIND_SHARE * (mid[w] + tagged[w])}
    for name, n in candidates.most_common():
        head = name.split()[0]
        if n == 1 and name not in honor and frozenset(name.split()) in pairs:
            continue
        if honor.get(name, "").lower() == "miss" and name[-1] == "s" and name[:-1] in candidates:
            continue  # "the Miss Bertrams": the sisters together, no one of them
        if name not in honor and lower.get(head.lower(), 0) > n:
            if not (head.lower() in _EN_MONTHS and total[name] >= 2):
                continue  # (may, in lower case, is a verb; May, mid-sentence, a woman)
        if " " in name and name not in honor and not mid[name] and _opener(head, lower):
            continue  # "Presently Tony said": a sentence's first word and a name
        if name not in honor and not mid[name] and not tagged[name] and lower.get(head.lower()):
            continue  # "Exactly, …", "Nay, …": opens quotes, written in lower case elsewhere
        if name not in honor and not speaks[name] and not english_name_gender(head):
            if addressed[name] and opening[name] == addressed[name] and not mid[name]:
                continue  # "Nay, …", "Aye, …" open sentences; nobody is called so elsewhere
            if placed[name] >= 2 and placed[name] * 2 >= mid[name] + tagged[name]:
                continue  # "at Donwell", "the Russian": a place or a kind, never speaking
            if placed[name] and name[-1] == "s" and {name[:-1], name[:-2]} & candidates.keys():
                continue  # "the Knightleys", "the Russians": a family, a people
            if starts[name] > 2 * (mid[name] + tagged[name]) and head.lower() in spoken:
                continue  # "Next", "Certainly": sentence starts, in lower case elsewhere
        if name not in honor and (name in kinds or (name[-1] == "s" and name[:-1] in kinds)):
            continue  # "an Indian", "an Englishman", "the Indians": a kind of person
        if name not in honor and " " in name and name.rsplit(" ", 1)[1] in _EN_PLACE_NOUNS:
            continue  # Kellynch Hall, Mansfield Park, James Street: a place
        # Evidence that a capitalised word is a name: it speaks (a tag), it is addressed,
        # it carries an honorific, it is capitalised mid-sentence and recurs, or it recurs
        # and is never written in lower case.
        if tagged[name] or addressed[name] or name in honor or (total[name] and n >= 2):
            accepted.append(name)
        elif total[name] and english_name_gender(head):
            accepted.append(name)  # a common given name, capitalised mid-sentence
        elif (n >= 2 or english_name_gender(head)) and " " not in name:
            if not lower.get(head.lower()) and head.lower() not in spoken:
                if not (head.endswith("ly") and starts[name] == n):  # "Lastly", "Firstly"
                    accepted.append(name)  # only opens sentences, never written in lower case
        elif name in parts_of_names:
            accepted.append(name)  # "Quill stood up": the surname of Mr. Quill
    # Group forms: honorific + surname, first name alone, nicknames. Full names first (and
    # the known cast's), so that a first name or surname alone can join its full name.
    groups: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    listed_by: dict[str, str] = {}  # a group key -> the listed character it belongs to
    for known_name in [name for name in roster.forms if name in roster.known]:  # as listed
        for form in sorted(roster.forms[known_name]):
            words = [w for w in name_words(form) if w.rstrip(".") not in _HONORIFIC_SET]
            if len(words) == 2:
                key = " ".join(words)
                if form.split()[0].rstrip(".").lower() == "mrs":
                    key = "Mrs " + key  # Mrs. John Knightley is his wife, not John Knightley
                if key not in groups:  # a key two listed characters claim: the first one's
                    groups[key] = []
                    listed_by[key] = known_name
                if listed_by[key] == known_name:
                    groups[key].append(form)
    accepted.sort(
        key=lambda n: -len([w for w in name_words(n) if w.rstrip(".") not in _HONORIFIC_SET])
    )
    nicks: list[tuple[str, str]] = []  # (name, its nickname word: "Sister Bill" -> bill)
    for name in accepted:
        parts = name_words(name)
        hon = honor.get(name)
        core = parts[1:] if hon else parts
        key = name  # a name of three words, or a bare title, is a character of its own
        if len(core) == 2:
            key = " ".join(core)
            if hon and hon.lower().rstrip(".") == "mrs":
                # Mrs. Newland Archer is Newland Archer's wife, never Newland Archer.
                key = "Mrs " + key
        elif len(core) == 1:
            word = core[0]
            matches = [k for k in groups if word in name_words(k)]
            title = hon.lower().rstrip(".") if hon else ""
            if title == "mrs":
                # Mrs. Bennet is not Elizabeth Bennet: a wife joins only another Mrs. form.
                matches = [k for k in matches if any(honor.get(f) == hon for f in groups[k])]
            else:
                # Miss Welland, Welland, Archer are not Mrs. Welland, Mrs. Newland Archer.
                matches = [k for k in matches if not _is_wife(k, groups[k], honor)]
            if title == "miss":
                # Miss Bertram is not Lady Bertram, her mother: a Miss joins a full name.
                matches = [k for k in matches if _titled_as(k) in (None, "Miss")]
            elif title in ("mr", "mister"):
                # Mr Elliot is not Sir Walter Elliot: a knight or a lord is never a Mr.
                matches = [k for k in matches if not _knighted(groups[k])]
            elif title == "lady":
                # Lady Elliot is a wife, not Anne Elliot; Lady Brenda is Brenda.
                matches = [k for k in matches if k.split()[0] == word or _titled_as(k) == hon]
            if not hon:
                # A surname alone (Pryce) is a man's, or a full name's: never Miss Pryce's.
                matches = [k for k in matches if not _only_miss(k, groups[k], honor)]
            elif EN_HONORIFIC_GENDERS.get(title) == "female":
                matches = [  # nor the other way, but Lady Brenda is Brenda
                    k
                    for k in matches
                    if " " in k or k in honor or english_name_gender(k) == "female"
                ]
            if title in EN_HONORIFIC_GENDERS:
                matches = [
                    k
                    for k in matches
                    if _key_gender(k, groups[k], honor) in (None, EN_HONORIFIC_GENDERS[title])
                ]
                of_sex = [  # Miss Archer: Janey Archer, not Newland Archer of no known sex
                    k
                    for k in matches
                    if _key_gender(k, groups[k], honor) == EN_HONORIFIC_GENDERS[title]
                ]
                if EN_HONORIFIC_GENDERS[title] == "female":
                    matches = of_sex or matches  # (a Mr. Hamilton may be Berry Hamilton's)
            if not matches and word.lower() in nicknames():
                nicks.append((name, word))  # joins its full name once all full names are grouped
                continue
            listed = roster.canon.get(fold(name))
            if listed in roster.known:
                # A form voices.yaml lists (Mr. Knightley) joins no other listed character's
                # full name (Mr. John Knightley, his brother).
                matches = [k for k in matches if listed_by.get(k, listed) == listed]
            key = _most_used(word, matches, groups, candidates) or name
            if key != name and any(
                frozenset((name, f)) in apart for f in (*groups[key], name_words(key)[0])
            ):
                key = name  # the full name the word would join is someone written beside it
        if key not in groups:
            groups[key] = []
        groups[key].append(name)
        owner[name] = key
    for name, word in nicks:  # Maggie -> Margaret, Tom -> Thomas: the first full name present
        key = name
        # The diminutive itself first: Miss Nancy is Nancy, and Nance then Nancy's too.
        for full in (word.lower(), *nicknames()[word.lower()]):
            matches = [k for k in groups if full in k.lower().split()]
            if len(matches) == 1:
                key = matches[0]
                break
        groups.setdefault(key, []).append(name)
    in_text = mid + tagged  # mentions in narration and tags
    by_role: dict[str, list[str]] = defaultdict(list)
    # How many characters carry each surname with a title (Mr. McBryde, Mrs. McBryde)
    surname_titled = Counter(
        surname
        for forms in groups.values()
        for surname in {name_words(f)[-1] for f in forms if f in honor and len(name_words(f)) == 2}
    )
    # Which characters each word of a name belongs to (John: John Andrew and John Beaver)
    shared = Counter(
        word
        for forms in groups.values()
        for word in {w for f in forms for w in name_words(f) if w.rstrip(".") not in _HONORIFIC_SET}
    )
    for forms in groups.values():
        # The name the book uses most, a given name before its diminutive (Margaret, not
        # Maggie) where the book gives it (Dolly, not Miss Dolly Fussell, written once).
        given = {w.lower() for f in forms for w in name_words(f)}
        canonical = max(
            forms,
            key=lambda f: (
                given.isdisjoint(nicknames().get(f.lower(), ())),
                candidates[f],
                len(f),
            ),
        )
        if (
            canonical not in honor
            and surname_titled[canonical] > 1
            and not any(f not in honor and len(name_words(f)) == 2 for f in forms)
        ):
            # McBryde, whose wife is Mrs. McBryde and whose given name the book never
            # writes: Mr. McBryde, the name that tells them apart
            canonical = max(
                (f for f in forms if f in honor and name_words(f)[-1] == canonical),
                key=lambda f: (candidates[f], f),
                default=canonical,
            )
        if " " not in canonical and canonical not in honor and shared[canonical] > 1:
            # John, the boy, where John Beaver is another: John Andrew, if the book writes it
            canonical = max(
                (
                    f
                    for f in forms
                    if f not in honor
                    and len(name_words(f)) == 2
                    and canonical in name_words(f)
                    and candidates[f] >= _FULL_NAME_USES
                ),
                key=lambda f: (candidates[f], f),
                default=canonical,
            )
        if " " not in canonical and canonical not in honor:
            # Dorian: Dorian Gray, the name in full, if the book says it often
            in_full = [
                f
                for f in forms
                if f not in honor
                and len(name_words(f)) == 2
                and name_words(f)[0] == canonical
                and candidates[f] >= _FULL_NAME_USES
            ]
            if in_full:
                canonical = max(in_full, key=lambda f: (candidates[f], f))
        if canonical in honor:  # Madame Olenska: Ellen Olenska, if the book says it often
            in_full = [
                f
                for f in forms
                if f not in honor
                and candidates[f] >= _FULL_NAME_USES
                and len(name_words(f)) == 2
                and english_name_gender(f.partition(" ")[0]) is not None
                # Mr. John Knightley is the younger brother: Mr. Knightley is not John
                and not any(candidates[f"{honor[canonical]}{dot} {f}"] for dot in ("", "."))
            ]
            if in_full:
                canonical = max(in_full, key=lambda f: (candidates[f], f))
        gender = None
        for f in forms:
            if f in honor:
                gender = gender or _hon_gender(honor[f])
                role = honor[f].lower().rstrip(".")
                by_role[_ROLE_WORD.get(role, role)].extend([canonical] * max(1, total[f]))
        name = roster.add(canonical, forms, gender)
        if all(_by_the(f, after_the, in_text) for f in forms):
            roster.described.add(name)  # the Jew: a description, if capitalised
    # "the mayor", "the captain", "Mademoiselle": the one character who holds that title, or
    # the one the book names with it nearly every time (Mademoiselle Reisz, not the
    # Mademoiselle Duvigne met once).
    for role in sorted(by_role.keys() | alone.keys()):
        if role not in EN_ROLE_HONORIFICS:
            continue
        titled = (f"the {role}", f"The {role}", role.capitalize())
        names = by_role.get(role, [])
        holder, times = Counter(names).most_common(1)[0] if names else (None, 0)
        if holder is not None and times * _TITLE_ALONE_SHARE >= alone[role]:
            if times * 10 >= len(names) * 9:
                roster.add(holder, titled)
        elif alone[role] >= _TITLE_ALONE_SHARE:
            # the General, 187 times, and General Perovski of the memoirs once: a character
            # the book calls by the title alone
            roster.add(role.capitalize(), titled, _hon_gender(role))
    # Speakers named by a description: "said the old woman", "the stranger replied".
    for text in tags:
        for m in _EN_DESCRIBED_RE.finditer(text):
            words = (m.group("d1") or m.group("d2")).lower().split()[1:]
            for i, word in enumerate(words):
                if word in _EN_DESC_ENDS or (i and len(word) > 5 and word.endswith("ing")):
                    # said the old lady as she…, replied the girl turning red: the old lady,
                    # the girl
                    del words[i:]
                    break
            if not words or words[-1] in EN_NOT_PERSONS or words[-1].endswith("ly"):
                continue
            if fold("the " + " ".join(words)) in roster.canon:
                continue
            rest = " ".join(words)
            forms = [f"{art} {rest}" for art in ("the", "The", "an" if rest[0] in "aeiou" else "a")]
            forms.append(forms[-1].capitalize())
            # "the grandmother" where the book calls her Grandmother: the same character
            named = roster.canon.get(rest) if len(words) == 1 else None
            roster.add(named or f"the {rest}", forms, EN_GENDERED_NOUNS.get(words[-1]))


_EN_NAME_PAIR_RE = lazy_compile(
    r"(\b[A-Z][a-z]*\.?\s)?\b([A-Z][a-z]+)\s+and\s+([A-Z][a-z]+)\b(\s[A-Z])?"
)
"""Two capitalised words joined by "and"; with a capitalised word before or after them (Mrs.
Archer and Newland, a mother and her son's given name) they are not two single names."""
_EN_TWO_NAMES_RE = lazy_compile(
    rf"\b((?:(?:{_HON_RE})\.?\s+)?[A-Z][a-z]+)\s+and\s+((?:(?:{_HON_RE})\.?\s+)?[A-Z][a-z]+)\b"
    r"(?!\s[A-Z])"
)
"""Two names joined by "and", each a word with or without an honorific (Charles and Mr.
Wilcox), the second ending there (not Mr. Wilcox and Charles Wilcox's wife: the second is
whole)."""
_EN_DESC_ENDS = frozenset(
    "in with without of to at from who whose which that as after before on by for into upon "
    "again aloud and but when while where than".split()
)
"""Words that end a description in a tag (said the old lady as she rose, said a gentleman in
a white waistcoat): what stands before them describes the speaker."""
_KIND_SHARE = 0.15
"""A capitalised word the narration writes after "a" or "an" at least twice and this share
of the times it writes it mid-sentence (an Indian, an Englishman) is a kind of person, not
someone's name, nor is its plural (the Indians); a Gryphon, the Gryphon, or the Frenchman of
The Gambler are written so far less often."""
_FULL_NAME_USES = 3
"""A character called by title and surname (Madame Olenska) is named by their given name and
surname (Ellen Olenska) when the book uses that at least this often, and never with the same
title (Mr. John Knightley is the younger brother of Mr. Knightley): the name a reader knows
them by, and no other Olenska's."""
_TITLE_ALONE_SHARE = 10
"""The one character holding a title is "the General" only when the book names them with it
at least a tenth as often as it writes the title alone: a general of history named once is
not the one the book calls the General 187 times. A title written alone this often, and no
holder, is a character of its own."""
_ROLE_WORD = {
    "dr": "doctor",
    "prof": "professor",
    "capt": "captain",
    "col": "colonel",
    "mlle": "mademoiselle",
}
"""Abbreviated honorifics and the word a narrator uses for the role ("the doctor")."""
_EN_MONTHS = frozenset({"april", "may", "june", "august"})
"""Months that are also given names: a name after an honorific (Aunt May), or capitalised in
the middle of a sentence where no month stands (said May, May Welland, to May's)."""
_EN_MONTH_BEFORE = frozenset(
    "of in on by since until till during early late last next this that every each the a "
    "mid before after one all whole through throughout first end middle beginning".split()
)
"""Words before a month that make it one (in May, the first of June, last April)."""


def _mid_sentence_name(text: str, start: int) -> bool:
    """Whether the capitalised word at `start` stands in the middle of a sentence, not where
    a month stands: there a month's name (May, June) names a person."""
    before = text[:start].rstrip()
    if not before or before[-1] in ".!?\"“”'‘’:;—(":
        return False  # "May I…", "May came in": a sentence's first word says nothing
    if _EN_DATE_AFTER.match(text, start):
        return False  # May 5, June 1860
    prev = _EN_WORD_BEFORE.search(text, max(0, start - 16), start)
    return prev is None or prev.group(1).lower() not in _EN_MONTH_BEFORE


_EN_DATE_AFTER = lazy_compile(
    r"[A-Z][a-z]+(?:\.?\s+\d|\s+(?:morning|afternoon|evening|night|day|days|week|sun|sunshine"
    r"|moon|weather|air|sky|wind|breeze|rain|twilight|dusk|dawn|noon|holiday|holidays)\b)"
)
"""What follows a month, not a woman: a date (May 5) or a time of it (the yellow August
afternoon)."""


_EN_VOCATIVE_RE = lazy_compile(
    rf"(?:^|(?<=[.!?]\s))\W*(?:(?:Oh|Ah|Well|Now|Dear|My dear|Come|Yes|No),?\s+)?"
    rf"(?P<head>(?:(?:{_HON_RE})\.?\s+)?{_EN_CAP}(?:\s+{_EN_CAP})?)(?=[,!?])"
    rf"|,\s+(?P<tail>(?:(?:{_HON_RE})\.?\s+)?{_EN_CAP}(?:\s+{_EN_CAP})?)[.!?]*\W*$"
)
EN_SAID = (
    "said|asked|replied|answered|cried|called|shouted|whispered|muttered|murmured|exclaimed|"
    "added|returned|continued|snapped|growled|sighed|laughed|remarked|observed|began|went on|"
    "interposed|echoed|pursued|resumed|faltered|ejaculated|sneered|shrieked|roared|croaked|"
    "drawled|stammered|retorted|rejoined|inquired|enquired|interrupted|groaned|sobbed"
)
"""Speech verbs that make the name beside them a speaker (said Emma, the girl faltered), as
regex alternatives; `tts.speakers.cues` reads tags with these and more."""
_EN_DESC = r"[Tt]he\s+(?:[a-z]+\s+){0,2}[a-z]+"
_EN_DESCRIBED_RE = lazy_compile(
    rf"^[\s,;—–-]*(?:(?:{EN_SAID})\s+(?P<d1>{_EN_DESC})\b|(?P<d2>{_EN_DESC})\s+(?:\w+ly\s+)?(?:{EN_SAID})\b)"
)
_LOWER_WORD_RE = lazy_compile(r"\b[a-z]+\b")
_EN_TAG_NAME_RE = lazy_compile(
    rf"[\s,]*(?:{EN_SAID})\s+(?P<who>(?:(?:{_HON_RE})\.?\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\b"
)
"""A tag right after a quote that names its speaker after the verb (cried Mr. Emerson)."""
_EN_SPEECH_NEXT = lazy_compile(rf"\s+(?:[a-z]+ly\s+)?(?:{EN_SAID})\b")
"""A speech verb right after a name (Emma said, Tom quietly replied)."""
_EN_SPEECH_BEFORE = lazy_compile(rf"\b(?:{EN_SAID})\s+(?:the\s+)?$")
"""A speech verb right before a name (said Emma, said the Lory)."""
_EN_WORD_BEFORE = lazy_compile(r"\b([A-Za-z]+)\s+$")
_EN_PLACE_WORDS = frozenset(
    "the a an at in into near from to through towards toward round around across beyond "
    "within outside".split()
)
"""Words before a capitalised word that make it a place or a kind of thing more than a
person (at Donwell, the Russian): a name only there, and never speaking, is not a character."""


def _by_the(form: str, after_the: Counter[str], seen: Counter[str]) -> bool:
    """Whether a capitalised word is written after "the" nine times in ten (the Jew, said
    the Dodger): a description of someone, who may have a name."""
    return " " not in form and seen[form] >= 3 and after_the[form] * 10 >= seen[form] * 9


def _hon_gender(hon: str) -> Gender | None:
    return EN_HONORIFIC_GENDERS.get(hon.lower().rstrip("."))


def _is_wife(key: str, forms: list[str], honor: dict[str, str]) -> bool:
    """Whether a group of forms is a married woman named by her husband's name or her own
    surname with Mrs. (Mrs. Newland Archer, Mrs. Welland): no Miss and no bare name joins it."""
    return key.startswith("Mrs ") or any(
        honor.get(f, "").lower().rstrip(".") == "mrs" for f in forms
    )


def _only_miss(key: str, forms: list[str], honor: dict[str, str]) -> bool:
    """Whether a group is a woman known only by a title and her surname (Miss Pryce)."""
    return key.split()[0].rstrip(".") in _HONORIFIC_SET and _group_gender(forms, honor) == "female"


def _key_gender(key: str, forms: list[str], honor: dict[str, str]) -> Gender | None:
    """The gender a group's honorifics say, else its full name's given name (May Welland)."""
    said = _group_gender(forms, honor)
    if said is None and " " in key:
        said = english_name_gender(key.split()[0])
    return said


_DOMINANT = 3
"""A word alone (Archer, May) joins the one full name it is part of, or, among several, the
one the book uses this many times as often as all the others together (Newland Archer
against a cousin met twice)."""


def _knighted(forms: list[str]) -> bool:
    """Whether a group holds a knight's or a lord's form (Sir Walter, Lord Merton)."""
    return any(f.split()[0] in ("Sir", "Lord") for f in forms)


def _titled_as(key: str) -> str | None:
    """The honorific a group's key opens with (Lady Bertram: Lady), else None (Julia Bertram)."""
    first = key.split()[0].rstrip(".")
    return first if first in _HONORIFIC_SET else None


def _opener(word: str, lower: Counter[str]) -> bool:
    """Whether a capitalised word before a name is a sentence's first word (Then, Presently):
    written in lower case elsewhere, or an adverb in -ly that is no given name (Molly)."""
    return bool(lower.get(word.lower())) or (
        word.endswith("ly") and english_name_gender(word) is None
    )


def _most_used(
    word: str, matches: list[str], groups: dict[str, list[str]], used: Counter[str]
) -> str | None:
    """The full name among `matches` that `word` alone stands for (see `_DOMINANT`): how
    often the book writes each full name with the word (John Beaver, John Andrew), not how
    often it names its holder otherwise."""
    if len(matches) <= 1:
        return matches[0] if matches else None
    times = {
        k: max((used[f] for f in groups[k] if word in name_words(f)), default=0) for k in matches
    }
    top = max(matches, key=times.__getitem__)
    rest = sum(times.values()) - times[top]
    return top if times[top] >= 2 and times[top] >= _DOMINANT * rest else None


def _group_gender(forms: list[str], honor: dict[str, str]) -> Gender | None:
    for f in forms:
        if f in honor:
            g = _hon_gender(honor[f])
            if g:
                return g
    return None
