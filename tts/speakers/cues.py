"""What a line of dialogue, and the narration next to it, say about who speaks.

Stateless readings of one text at a time, whatever the conversation so far: the speech tag
or action beat beside a quote and the subject it names (`“…”王主任好奇地問道。`, `Darcy said,`,
`祁同偉臉皮子抖了抖：`), whom a quote addresses by name (`“祁省長，…”`, `"Lizzy, …"`), a
speaker naming himself (`是我，小林！`, "It's me, Daniel!"), whether it asks something, and
who is named or stands as the subject in a narration sentence. A name is only a surface form
here; a pronoun (他/她/he/she, 我/I) is left for `tts.speakers.turns` to resolve.

Books repeat short lines ("嗯。", "Yes.") and stock narration, so `Cues` reads each distinct
text once and keeps what it found.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from typing import NamedTuple, TypeVar

from tts.model import Gender
from tts.speakers.lazy import lazy_compile
from tts.speakers.roster import (
    CLAUSE_LEAD_ZH,
    DESCRIBED_ZH,
    DESCRIBING_ZH,
    EN_SAID,
    NEWCOMER_ACTS_ZH,
    PET_RE,
    RELATIVE_ZH,
    ROLE_RE,
    SELF_LEAD_ZH,
    WHO_SPOKE_ZH,
    ZH_COVERBS,
    ZH_SPEECH_WORDS,
    Roster,
    clause_lead,
    fold,
    introduced_zh,
    whose_zh,
)

FIRST_PERSON_ZH = "我"
"""Speaker name for a first-person narrator's lines in Chinese text."""
FIRST_PERSON_EN = "I"
"""Speaker name for a first-person narrator's lines in English text."""

_ZH_VERB_ALTERNATIVES = "|".join(
    [
        *sorted(ZH_SPEECH_WORDS, key=lambda w: (-len(w), w)),
        "(?<![知難难味街頻频軌轨車车渠管隧霸地])道(?![路理歉德具])",
        "(?<![小傳传據据聽听雖虽再不劝勸叙敘述演游遊])[說说](?![明服])",
        "[問问](?![題题])|答(?![應应案])|[喊吼嚷]|[罵骂]|叫(?![做作])|[讲講](?![座究台义義课課])",
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
# 没说话, 没有问: someone who did not speak; 不知怎么说好: someone who did not know what to say.
_ZH_VERB = re.compile(
    f"(?=[{_first_chars(_ZH_VERB_ALTERNATIVES)}])(?<![没沒怎])(?<!没有)(?<!沒有)(?<!怎么)(?<!怎麼)"
    f"(?<!如何)(?:{_ZH_VERB_ALTERNATIVES})"
)
_RELATIVE_AFTER = re.compile(f"{RELATIVE_ZH}|男人|女人")
"""After a name, a relative of theirs (少安妈, 玉亭婆姨): someone else."""
_RELATIVE_OPENS = frozenset(w[0] for w in _RELATIVE_AFTER.pattern.split("|"))


def _relative_after(text: str, at: int) -> bool:
    """`_RELATIVE_AFTER` stands at `text[at]` (its first character looked at first)."""
    return text[at : at + 1] in _RELATIVE_OPENS and _RELATIVE_AFTER.match(text, at) is not None


_KIN_AFTER_PRONOUN = re.compile(
    f"的?[大二三四五老小]?(?![妈媽]的)(?:{RELATIVE_ZH}|男人|[哥姐弟妹叔伯婶嬸舅姨爷爺奶]|嫂子"
    "|父亲|父親|母亲|母親|丈夫|妻子|老汉|老漢|儿子|兒子|女儿|女兒)"
)
"""After 他/她, a relative of theirs (他父亲, 她二妈, 他哥, 他妈 but not the oath 他妈的): someone
else, named right after it or not at all (他哥金光亮, 他父亲说)."""
_NEAR_VERB = 3
"""Characters at most between a name and the speech verb after it (还, 又, 大声)."""
_HEARD_ZH = re.compile("[听聽]")
"""少安听妻子这么说: the subject hears someone else speak (秀莲, when the tag names whom)."""
_EN_VERBS = (
    EN_SAID + "|"
    "says|say|asks|replies|answers|cries|responded|declared|repeated|insisted|protested|"
    "agreed|explained|suggested|demanded|thought|yelled|screamed|urged|pleaded|hissed|"
    "mumbled|grumbled|admitted|argued|warned|announced|offered|promised|breathed|conceded|"
    "ventured|gasped|told|wondered|cut in|put in|broke in|chimed in|joked|teased|corrected|"
    "persisted|spoke|begged|called out|concluded|assented|mused|reflected|moaned|queried|"
    "questioned|acquiesced|entreated|hazarded|thundered|remonstrated|commanded|implored|"
    "confided|asserted|quavered|wailed|complained|blurted|interjected|commented|bawled|"
    "stated|stuttered|snarled|whimpered|grunted|objected|expostulated|panted|lisped|saying"
)
"""Speech verbs of a tag (the roster's `EN_SAID` and these: says, thought, interjected), as
regex alternatives."""
_EN_VERB = lazy_compile(rf"\b(?:{_EN_VERBS})\b")
_EN_SUBORDINATE = lazy_compile(
    r"\s*(?:While|When|Whilst|As|After|Before|Though|Although|Since|Until|If|Once)\b"
    r"[^,;:.!?\"“”]{3,80},\s*(?:(?:however|then|at last|at length),\s*)?(?=\S)"
)
"""A clause the sentence opens with, before its subject (While he talked to Isabella, however,
Emma found an opportunity of saying,): whoever it names is not the one who speaks."""
_EN_INVERTED = lazy_compile(
    rf"^[\s,;—–-]*(?:(?:then|and|now)\s+)?(?:{_EN_VERBS})\s+(?:the\s+)?$", re.I
)
"""A speech verb before the speaker's name, or before a capitalised description the roster
keeps as a name (said the Jew)."""
_EN_AFTER_SUBJ = lazy_compile(
    rf"\s+(?:\w+ly\s+|had\s+|has\s+|then\s+|at once\s+|at last\s+){{0,2}}(?:{_EN_VERBS})\b"
)
_EN_WHOSE_WORDS = lazy_compile(
    r"^[\s,;—–-]*was\s+(?:(?P<pro>his|her)|(?P<own>[A-Z][\w.' -]{0,40}?)['’]s)\s+"
    r"(?:[a-z-]+\s+){0,3}?(?:reply|answer|response|rejoinder|retort|comment|remark|"
    r"observation|question|inquiry|enquiry|exclamation|explanation|conclusion|assurance|"
    r"amendment|injunction|greeting|speech|thought|reasoning|cry|protest|suggestion|"
    r"verdict|salutation|apology|excuse|entreaty|advice|words?|orders?|command)\b"
)
"""`"…," was Marilla's dry response` and `"…" was his reply`: the quote is what the named
one (or he, she) said, a tag as plain as "said Marilla"."""
_EN_VOICE_OF = lazy_compile(
    r"^[\s,;—–-]*(?P<own>[A-Z][\w.' -]{0,40}?)['’]s\s+(?:[a-z-]+\s+){0,3}?voice\b"
)
"""`"…" Mrs. Cavendish's clear voice startled me.`: whose voice said it. (Not "His voice…"
read as "he said": PDNC lost 5 train lines and 1 dev line that way.)"""
_EN_KIN_TAG = lazy_compile(
    rf"^[\s,;—–-]*(?:{_EN_VERBS})\s+(?:in\s+)?(?P<whose>his|her)\s+(?P<kin>[a-z]+)\b", re.I
)
_EN_KIN_SEX = {
    **dict.fromkeys(("son", "husband", "father", "brother", "uncle", "nephew", "papa"), "he"),
    **dict.fromkeys(("daughter", "wife", "mother", "sister", "aunt", "niece", "mamma"), "she"),
}
"""`"…," broke in her son`: a relative of the one he or she stands for speaks. Of the other
sex (her son, his wife), the speaker is read as "he" or "she" would be: the relative is the
one of that sex in view; of the same sex (her mother) no reading says which."""
_EN_LEAD_CONJ = lazy_compile(r"(?:and|but|then|so|yet|while|when|now)\s+", re.I)
_EN_CLAUSE_SPLIT = lazy_compile(
    r"(?=[,;\s])(?:,\s+(?=(?:and|but|then|so|while|yet)\s)|;\s*|\s+(?=(?:when|while|until)\s)"
    r"|\s+(?=and\s+[A-Z]))"
)
_EN_LAST_CLAUSE = lazy_compile(r"(?:,|;)\s+(?:(?:and|but|then|so)\s+)?(?=\S)")
"""Where a clause starts: the last one before a speech verb, if a name or he/she opens it close
to the verb, says who speaks (`, and he` of "She said nothing, and he continued:")."""
_EN_JOINS_CLAUSE = lazy_compile(r"\s*(?:and|but|then)\s+", re.I)
"""All that comes before the name in a sentence cut at a semicolon (`; and May interposed`)."""
_EN_OBJECT_BEFORE = lazy_compile(
    r"\b(?:to|at|with|for|of|from|on|by|upon|toward|towards|about|and|than|like|asked|told|"
    r"see|saw|watched|heard|called|answered|interrupted)\s+$",
    re.I,
)
_ZH_OBJECT_BEFORE = frozenset(
    "把將将對对向給给跟和與与同被讓让叫問问看見见朝替為为了著着令使請请帶带到找陪扶拉拍抱在住起醒望瞪瞧盯"
)
_SAYS_AFTER_OBJECT = frozenset("说說道")
"""The speech verb right after a pronoun that does not open its clause (劝他说, 问她道): the
pronoun is whom the line is said to."""
_ZH_TO = re.compile("对着|對著|对|對|向|跟|朝|冲|衝|问|問|告诉|告訴")
"""A word before whom a line is spoken to (对少安说, 田福军问乔书记). Each alternative opens
with a character, not a class, so a search skips straight to those (twice as fast)."""
_ZH_TURNED_TO = re.compile(
    "转向|轉向|转头对|轉頭對|看着|看著|望着|望著|看向|盯着|盯著|对着|對著|[对對向朝冲衝]"
)
"""Before whom a line that ends in a colon and no speech verb turns to speak (转向沈清辞：)."""
_ZH_CLAUSE = re.compile(r"[^，。！？；：,.!?;:…]+")
_PASSIVE_AGENT = re.compile(
    r"[被讓让給给]([^，。！？；：,.!?;:…]{1,6}?)(?:[叫喊拦攔打打問问]|給|给)"
)
"""被他叫住, 让王主任问住: the agent of a passive before a colon is the one who speaks."""
_CLAUSE_TAIL = re.compile(r"[，。！？；：,.!?;:…][^，。！？；：,.!?;:…]*$")
"""The last clause break before a position (search with endpos)."""
_ZH_SENT_END = re.compile(r"[。！？!?…]")
EN_SENTENCE = lazy_compile(
    r"(?:[^.!?;:MDSJPCGLR]+|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Mt|Prof|Capt|Col|Gen|Lt|Sgt|Rev)\.\s*"
    r"|[^.!?;:])+[.!?;:]*"
)
"""An English sentence: up to its stop (and the stops after it), an honorific's dot aside. Runs
of characters that cannot open an honorific go in one step (four times faster)."""
_QUESTION = re.compile(r"[？?][”」』\"'’)）]*\s*$|[？?][吗嗎呢吧啊]*$")
_NOBODY = re.compile(
    r"\s*[,，]?\s*(?:[\u4e00-\u9fff]{0,4}?(?:有人|有[個个][聲声]音"
    r"|(?:一个|一個|一道|一阵|一陣)[^，。,！？!?]{0,8}?[声聲]音)|眾人|众人|大家|所有人"
    r"|(?:said|called|cried|shouted|asked)?\s*(?:someone|somebody|a voice)\b)",
    re.I,
)
_UNNAMED_VOICE_ZH = re.compile(
    r"有人|有个人|有個人|传来|傳來|响起|響起|(?:一个|一個|一道|一阵|一陣)[^，。,]{0,8}?[声聲]音"
)
"""In the clause that introduces a quote, a voice no name owns (有人喊道, 传来一个女人的声音,
身后响起一个声音; not 他声音低沉地说, his own)."""
NEWCOMER_RE = re.compile(
    rf"[一那這这][个位名個]{DESCRIBING_ZH}(?P<role>{ROLE_RE.pattern}){NEWCOMER_ACTS_ZH}"
)
"""Someone brought in by what they look like at a clause's start (一个穿着睡衣的中年女人
怯生生地走了过来, 一个蓝袍青年拦住了去路): the role noun is the subject, its description however
long."""
_DESCRIBED_ZH = re.compile(DESCRIBED_ZH)


def _opens_sentence(text: str, start: int) -> bool:
    """Whether a clause at text[start] opens its sentence, or follows only a lead such as 这时候，
    (a later clause's subject is most often the one before it)."""
    begin = max(text.rfind(c, 0, start) for c in "。！？!?…\n") + 1
    before = text[begin:start].rstrip("，, ")
    return not before or CLAUSE_LEAD_ZH.fullmatch(before) is not None


_COVERB_NOUNS = frozenset(
    "同桌 同学 同事 同伴 同志 同乡 同行 对方 对手 向导 冲锋 從前 从前 同學 對方 對手".split()
)
"""Nouns that open with a coverb's character (同桌张浩就凑了过来: the deskmate 张浩)."""
_WHOSE_ZH = re.compile(whose_zh(r"(?P<who>[^，。！？,!?\s]{2,4}?)"))
"""A last sentence that says whose the voice or the call is (手机突然响了。是我妈。)."""


def _whose(text: str) -> re.Match[str] | None:
    """`_WHOSE_ZH` as the whole last sentence of `text` (looked at there alone: a search of
    every paragraph before a quote for it would try each position)."""
    if not text.endswith(("。", "！", "!")) or "是" not in text[-12:]:
        return None
    begin = max(text.rfind(c, 0, len(text) - 1) for c in "。！!？?") + 1
    return _WHOSE_ZH.fullmatch(text, begin)


_REVEAL_ZH = re.compile(r"[，,]\s*(?:只见|只見|原来是|原來是|正是|却是|卻是)")
"""Where a line that turns everyone's head says whom they saw (众人回头，只见苏沐雪…): the
voice was hers."""
_SELF_EN = lazy_compile(
    r"\b(?:(?:[Ii]t's|[Ii]t is) (?:me|I),?|I am|I'm|[Mm]y name is|[Cc]all me)\s+"
)
_SELF_END = frozenset("，,！!。.…？?;；—-\"”」』'’")
"""What may follow a name a speaker calls himself: the end of the clause."""
_SECOND_PERSON = re.compile(
    "你|您|妳|姐姐|哥哥|妹妹|弟弟|嫂子|大哥|大姐|叔叔|阿姨|伯伯|爷爷|奶奶|妈妈|爸爸"
    r"|Y(?<!\wY)[Oo][Uu]\b|y(?<!\wy)[Oo][Uu]\b"
)
"""Whom a question asks: you (in any case), or the kin term Chinese asks a person by in place
of you (姐姐去不去？). Every alternative opens with a character, so the regex engine skips
straight to those (with `\b` or a class first, it tried each position of the line)."""
_SHORT_QUESTION = 12
_VOC_LEAD = re.compile(
    r"(?:[啊哎唉喂嘿哦噢呀]+[，,！!]?"
    r"|(?:(?:oh|ah|well|my dear|dear|now|come|why|yes|no)[,!]?\s+)+)",
    re.I,
)
_VOC_LEAD_OPENS = frozenset("啊哎唉喂嘿哦噢呀OoAaWwMmDdNnCcYy")
"""The characters `_VOC_LEAD` opens with: a quote opening with another is not read with it."""
_ADDRESS_END_EN = lazy_compile(r",\s*(?P<who>[A-Z][^,;:!?\"“”]{0,20}?)[.!?,…]*$")
"""An English name closing a quote, honorific dots and a trailing comma allowed ("Not yet,
Mr. Pell," Rosa called)."""
_VOC_AFTER_EN = lazy_compile(r"\s*(?:[,;!?]|\.(?=\s|$))")
"""What follows a name set off as whom a quote calls (…, Nancy, dear; …, Nance; only)."""
_LIST_AFTER_EN = lazy_compile(
    r"\s*(?:and|or|nor)\b|\s*(?:[A-Z][a-z]*\.?\s+)?[A-Z][a-z]+\s*(?:,|and\b)"
)
"""A name of a list goes on to the next (Tom, Dick, and Harry; Mrs. Jennings, Mrs. Palmer, and
the Middletons)."""
_HONORIFIC_BEFORE_EN = lazy_compile(r"\b(?:Mr|Mrs|Ms|Messrs|Dr|St|Mme|Mlle|Capt|Col|Prof)\.$")
ASKS_NAME = re.compile(
    r"叫什么|什么名字|叫啥|贵姓|貴姓|尊姓|芳名|你是谁|您是谁|你是誰|您是誰|哪位"
    r"|W(?<!\wW)hat(?:'s| is) your name\b|w(?<!\ww)hat(?:'s| is) your name\b"
    r"|W(?<!\wW)ho are you\b|w(?<!\ww)ho are you\b"
)
"""A line that asks someone's name: a name alone in the reply is the one who answers. Every
alternative opens with a character (the English ones' word boundary looked back at after
it): the regex engine then skips straight to those characters, where a pattern that opens
with a look-ahead or a boundary is tried at every position of every line."""
_CALLED_MEN_EN = "sir|boy|lad|son|sonny|young man|my lord|papa|pa|father|dad|daddy|uncle|brother"
_CALLED_WOMEN_EN = (
    "ma'am|madam|mum|miss|girl|lass|my lady|young lady|mamma|mama|mother|mummy|aunt|auntie|"
    "sister|granny|grandmother"
)
_CALLED_EN = lazy_compile(
    rf"(?:^\W*(?:(?:oh|ah|well|yes|no|now|why)\W+)?|,\s*)(?:my\s+(?:dear\s+)?|dear\s+)?"
    rf"(?:(?P<m>{_CALLED_MEN_EN})|(?P<f>{_CALLED_WOMEN_EN}))(?=\s*(?:[,;!?—-]|\.|$))",
    re.I,
)
"""Whom an English line calls by what they are, not their name (", sir", "Yes, ma'am.",
"My boy, …"): a man or a woman."""
_BARE_NAME_MARKS = " 。.！!…，,～~"
_ADDRESS_END = re.compile(r"[，,]\s*(?P<who>[^，,。！？!?.\s][^，,。！？!?.]{0,16}?)[。！？!?.…]*$")
_EN_ASKED = lazy_compile(
    r"\b(?:asked|inquired of|enquired of|questioned|begged|entreated|implored|urged|pressed|"
    r"reminded|assured|informed|told)\s+(?=[A-Zm])"
)
"""A narrated question or telling (Mr. John Knightley asked Emma whether…, Poirot asked me): the
one asked is likely to speak next."""
_EN_OF_TWO = lazy_compile(r"\b[Tt]he (?:latter|former|other(?![ \t]+[a-z]))\b")
"""The latter, the former, the other: one of the two people just named or talking, as a
pronoun stands for one (`tts.speakers.turns` says which); never a character of its own."""
_EN_OF_TWO_SAID = lazy_compile(r"\b([Tt]he (?:latter|former|other))\s+(?:\w+\s+)?$")
"""The latter, the former, the other right before a tag's verb (The other said:, the latter
quickly answered,)."""
_EN_HE = lazy_compile(r"\b(?:he|him|his|himself)\b", re.I)
_EN_SHE = lazy_compile(r"\b(?:she|her|hers|herself)\b", re.I)
_EN_HIS_OWN = lazy_compile(r"\b(?:he|his|himself)\b", re.I)
_EN_HER_OWN = lazy_compile(
    r"\b(?:she|hers|herself)\b|\bher\b(?!\s*[,.;:!?—-]|\s*$|\s+(?:and|or|to|in|at|up|down|out|off|on"
    r"|go|come|be|do|say|that|if|for|with|from|into|as|so|again|away|back|by|about|all|alone|too"
    r"|a|an|the|no|more|once|twice|well|still|now|then)\b)",
    re.I,
)
"""He or she as a sentence says them of its subject: not the one acted on (Holloway watched
her go, Jane followed him): a pronoun, a possessive, a reflexive, and 'her' only where a noun
follows (Jane took her coat)."""


def colon_end(text: str) -> bool:
    """The text ends with a colon (trailing spaces aside): what introduces speech."""
    return text.rstrip()[-1:] in ("：", ":")


def introduces(text: str, english: bool) -> bool:
    """The narration introduces the speech after it: a colon ends it, in English a comma or
    dash after a speech verb ("Mr. John Knightley smiled, and replied,", "saying--"), in
    Chinese a last sentence saying whose the voice or call is (是我妈。)."""
    if colon_end(text):
        return True
    if not english and _whose(text) is not None:
        return True  # 手机突然响了。是我妈。: whose call it is
    tail = max(0, len(text) - 60)  # the last words: where the verb of such a line stands
    end = text.rstrip()[-1:]
    return english and end in (",", "-", "—") and _EN_VERB.search(text, tail) is not None


_BESIDE_ZH = re.compile(
    "(?:旁边|旁邊|身边|身邊|身旁|身后|身後|背后|背後|后面|後面|对面|對面|前面|左边|左邊|右边|右邊)的"
)
"""Where someone stands beside the one named before (他旁边的, 少平身后的): who follows is
another."""


_TITLE_BEFORE_NAME_ZH = re.compile(
    "(?:长|長|主任|书记|書記|秘书|秘書|主席|委员|委員|经理|經理|董事|总裁|總裁|老师|老師|教授|医生|"
    "醫生|大夫|干事|幹事|专干|專干|记者|記者|会计|會計|负责人|負責人)$"
)
"""A title ending what stands before a name (省委常务副秘书长张生民, 民政方面的负责人吴克俭)."""
_TITLE_REACH = 14
"""The longest title, with its office, read before a name at a clause start."""


_SPEECH_COLON_REACH = 6
"""How far back from a colon its speech verb stands (低声说道：)."""


def speech_colon_zh(text: str) -> bool:
    """Chinese narration ending in a speech verb and a colon (才说：, 又问道：)."""
    return (
        colon_end(text)
        and _ZH_VERB.search(text, max(0, len(text) - _SPEECH_COLON_REACH)) is not None
    )


def _sentence_end(text: str, start: int) -> int:
    m = _ZH_SENT_END.search(text, start)
    return m.start() if m else len(text)


class Cue(NamedTuple):
    """Who the narration next to a quote names as its speaker, before the conversation
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


NO_ONE = Cue((), False)
"""The narration says someone unnamed speaks (有人喊道, "a voice called")."""


Quote = tuple[str | None, str | None, bool, bool, int]
"""What a line of dialogue tells about the conversation, whoever says it: `(addressee,
self_named, asked, question, length)`. `addressee`: the person it speaks to by name;
`self_named`: the character the speaker says he is (`是我，小林！`); `asked`: it ends with
a question mark; `question`: it asks the listener something (a question with 你/you, or a
short one); `length`: its length in characters. A plain tuple, as the narration readings
are (see `Cues`)."""
SentenceReading = tuple[str | None, str | None, tuple[str, ...], tuple[str, Gender] | None]
"""An English narration sentence: (the character standing as its subject, or else the
pronoun standing as it; the characters named, in order; the (character, gender) its he/she
stands for)."""
Mention = tuple[str | None, str, bool, bool, bool]
"""A name or pronoun in Chinese narration: (the character a name stands for, None for a
pronoun or a name of no one; the pronoun, '' for a name; standing as its clause's subject; a
sentence ended since the previous mention; nothing before it in its clause)."""

_K = TypeVar("_K")
_V = TypeVar("_V")


class Memo(dict[_K, _V]):
    """A dict that reads the value of a key it lacks with `read(key)`, once, and keeps it."""

    __slots__ = ("read",)

    def __init__(self, read: Callable[[_K], _V]) -> None:
        super().__init__()
        self.read = read

    def __missing__(self, key: _K) -> _V:
        value = self[key] = self.read(key)
        return value


class Cues:
    """The readings of one book's texts, each distinct text read once.

    Index the memos with a text: `names` (a surface form -> the character it names),
    `quotes` (a line of dialogue -> `Quote`), `after` and `before` (the narration right
    after or before a quote -> `Cue`, None when it names no speaker), `sentences` (English
    narration -> a `SentenceReading` per sentence), `walks` (Chinese narration -> its
    `Mention`s) and `told_to` (a Chinese tag -> whom it says the line was spoken to).
    Quotes and narration readings are tuples of plain values, which Python's cycle collector
    stops tracking: the memos keep one for each distinct text of the book.
    """

    def __init__(self, roster: Roster, english: bool) -> None:
        self.roster = roster
        self.english = english
        names = roster.pattern
        # `mention` finds a character's name (group 'name') or a pronoun (group 'pro').
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
        self.names: Memo[str, str | None] = Memo(roster.resolve)
        self.quotes: Memo[str, Quote] = Memo(self.read_quote)
        self.after: Memo[str, Cue | None] = Memo(self.after_cue)
        self.before: Memo[str, Cue | None] = Memo(self.before_cue)
        self.sentences: Memo[str, tuple[SentenceReading, ...]] = Memo(self.read_sentences)
        self.walks: Memo[str, tuple[Mention, ...]] = Memo(self.walk)
        self.told_to: Memo[str, str | None] = Memo(self.tag_addressee)
        self.called_sex: Memo[str, Gender | None] = Memo(self.calls_by_sex)
        first_person = FIRST_PERSON_EN if english else FIRST_PERSON_ZH
        # A known character may be the narrator: voices.yaml lists '我' or 'I' as an alias.
        self.first_person = roster.canon.get(fold(first_person), first_person)
        """The character 我/I stands for."""

    # ------------------------------------------------------------ subjects

    def subject_zh(self, text: str, start: int, end: int) -> tuple[str, bool] | None:
        """The subject at the start of the Chinese clause text[start:end]: (surface,
        is_pronoun)."""
        lead = clause_lead(text, start, end)
        if lead is not None:
            start = lead.end()
        if (
            start < end
            and text[start] in ZH_COVERBS
            and not self.mention.match(text, start, end)
            and text[start : start + 2] not in _COVERB_NOUNS
        ):
            return None  # a coverb opens the clause: its object follows (a name may open so: 向前)
        m = self.mention.search(text, start, min(start + 12, end))
        if (
            m is None
            or m.start() - start > 6
            or text[m.start() - 1 : m.start()] == "的"
            or (m.start() > start and text[m.start() - 1] in _ZH_OBJECT_BEFORE)
        ):
            # 门牙不知怎么缺了半颗的张生民，…说：: what is said of someone, 的, then the name
            # (not in 老太太更急了，指着…吃糖的猫蛋说: the subject came before, 猫蛋 is pointed at)
            described = _DESCRIBED_ZH.match(text, start, end)
            if (
                described is not None
                # (坐在王强旁边的老陈: a name inside the description after 在 is its object)
                and (
                    m is None
                    or m.start() >= described.end()
                    or text[m.start() - 1] in _ZH_OBJECT_BEFORE
                )
                and _opens_sentence(text, start)
            ):
                named = self.mention.match(text, described.end(), end)
                if named is not None and named.lastgroup == "name":
                    if text[named.end() : named.end() + 1] == "的":
                        # 爱耍笑的金俊文的老婆张桂兰: whose, then who
                        whose = self._possessed(text, named.end(), end)
                        return (whose or named.group()), False
                    return named.group(), False
        if m is None:
            return None
        at = m.start()
        if at - start > 6:
            if (newcomer := NEWCOMER_RE.match(text, start, end)) is not None:
                role = self.mention.fullmatch(newcomer.group("role"))
                if role is not None and role.lastgroup == "name":
                    return role.group(), False  # 一个穿着睡衣的中年女人走了过来
            if (
                m.lastgroup == "name"
                and at - start <= _TITLE_REACH
                and _TITLE_BEFORE_NAME_ZH.search(text, start, at) is not None
                and _ZH_VERB.search(text, start, at) is None
                and _opens_sentence(text, start)  # (not …，急得去找二队长金俊武: whom he seeks)
            ):
                return m.group(), False  # 省委常务副秘书长张生民不客气地说: the titled name
            return None
        if (
            at > start
            and (
                text[at - 1] in _ZH_OBJECT_BEFORE
                or _ZH_VERB.search(text, start, at)
                # 就劝他说：a pronoun after a verb and right before the speech verb is spoken to
                or (m.lastgroup == "pro" and text[m.end() : m.end() + 1] in _SAYS_AFTER_OBJECT)
            )
        ):
            return None
        if m.lastgroup == "name" and _relative_after(text, m.end()):
            return None  # 少安妈说: his mother speaks, someone the roster does not name
        if m.lastgroup == "pro" and (kin := _KIN_AFTER_PRONOUN.match(text, m.end())):
            # 他父亲说: his father speaks, not he; 他哥金光亮对大弟说: the name after is who
            named = self.mention.match(text, kin.end(), end)
            return (named.group(), False) if named and named.lastgroup == "name" else None
        if text[m.end() : m.end() + 1] == "的":
            # 俊武的媳妇李玉玲: the name after the possessed noun is the subject (but in
            # 钱立新的语气缓和下来 the possessor's own voice speaks: no name follows).
            whose = self._possessed(text, m.end(), end)
            if whose is not None:
                return whose, False
            if _KIN_AFTER_PRONOUN.match(text, m.end()) is not None:
                return None  # 俊武的媳妇…骂道: his wife speaks, whose name the roster lacks
        elif (beside := _BESIDE_ZH.match(text, m.end(), end)) is not None:
            # 他旁边的安锁子突然大声喊叫说：who stands beside him speaks
            whose = self._possessed(text, beside.end() - 1, end)
            if whose is not None:
                return whose, False
        return m.group(), m.lastgroup == "pro"

    def _possessed(self, text: str, at: int, end: int) -> str | None:
        """The name of whom a possessor's 的 at text[at] goes on to (俊武的媳妇李玉玲: 李玉玲),
        a kin or role noun between and no verb; None when none follows."""
        after = self.mention.search(text, at + 1, min(at + 8, end))
        if after is None or after.lastgroup != "name" or _ZH_VERB.search(text, at, after.start()):
            return None
        return after.group()

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

    # ------------------------------------------------------------ speech tags

    def after_cue(self, text: str) -> Cue | None:
        """The speaker the narration right after a quote names (`NO_ONE`: someone unnamed)."""
        if not self.english and (who := WHO_SPOKE_ZH.match(text)):
            found = self.subject_zh(text, who.end(), _sentence_end(text, who.end()))
            if found and not found[1]:
                return Cue((found,), True)  # 说话的是林动的父亲林啸。
        if _NOBODY.match(text):
            if not self.english and (shown := self.shown(text)) is not None:
                return Cue(((shown, False),), True)  # 众人回头，只见苏沐雪走下楼梯
            return NO_ONE  # 有人喊了一声, someone called: nobody named
        if self.english:
            sent = EN_SENTENCE.match(text)
            first = sent.group() if sent else text
            if (kin := _EN_KIN_TAG.match(first)) and (sex := _EN_KIN_SEX.get(kin["kin"])):
                if (sex == "he") != (kin["whose"].lower() == "his"):
                    return Cue(((sex, True),), True)
                return None
            if "voice" in first and (voice := _EN_VOICE_OF.match(first)):
                m = self.mention.match(first, voice.start("own"))
                if m is not None and m.lastgroup == "name" and m.end() == voice.end("own"):
                    return Cue(((m.group(), False),), True)
            if first[:1] in " ,;w—–-" and (whose := _EN_WHOSE_WORDS.match(first)):
                if pro := whose.group("pro"):
                    return Cue((("he" if pro == "his" else "she", True),), True)
                m = self.mention.match(first, whose.start("own"))
                if m is not None and m.lastgroup == "name" and m.end() == whose.end("own"):
                    return Cue(((m.group(), False),), True)
                return None
            m = self.mention.search(first, 0, 80)
            ref = _EN_OF_TWO.search(first, 0, m.start() if m else 80) if "the" in first else None
            if ref is not None:  # said the latter: the conversation resolves it
                m = ref
            elif m is None:
                return None
            prefix = first[: m.start()]
            verb = False
            if _EN_INVERTED.match(prefix):
                verb = True
            elif prefix.strip(" ,;—–-") == "" or prefix.strip().lower() in ("and", "then", "but"):
                verb = bool(_EN_AFTER_SUBJ.match(first, m.end()))
            elif prefix.strip(" ,;—–-").lower() == "the":  # the Jew said; not the India of…
                verb = bool(_EN_AFTER_SUBJ.match(first, m.end()))
                if not verb:
                    return None
            else:
                return None
            if first[m.end() : m.end() + 2] in ("'s", "’s"):
                if verb:
                    return NO_ONE  # said Elizabeth's sister: someone else
                verb = False  # Elizabeth's voice was cold: her own line, an action beat
            return Cue(((m.group(), m.lastgroup == "pro"),), verb)
        for n, cm in enumerate(_ZH_CLAUSE.finditer(text)):
            end = cm.end()
            found = self.subject_zh(text, cm.start(), end)
            if found:
                said = _ZH_VERB.search(text, cm.start(), _sentence_end(text, end))
                # 他听人说 is heard speech; a 听 in the name itself (夜雨听风问) is not
                at = text.find(found[0], cm.start(), end)
                after = at + len(found[0]) if at >= 0 else cm.start()
                if said is None:
                    return Cue((found,), False)
                heard = _HEARD_ZH.search(text, after, said.start())
                if heard is None:
                    return Cue((found,), True)
                # 他听见丽丽在说话。/ 少安听秀莲这么说: whom the subject hears spoke
                other = self.mention.search(text, heard.end(), said.start())
                if other is not None:
                    return Cue(((other.group(), other.lastgroup == "pro"),), True)
                return Cue((found,), False)
            if n >= 1 or _ZH_SENT_END.match(text, end):
                return None
        return None

    def shown(self, text: str) -> str | None:
        """Whom a Chinese line after a voice says it was (众人回头，只见苏沐雪…; 宝钗忙迎出来，
        原来是宝玉): the name right after 只见, 原来是 or 正是 in its first sentence."""
        found = _REVEAL_ZH.search(text, 0, _sentence_end(text, 0))
        if found is None:
            return None
        m = self.mention.match(text, found.end())
        return m.group() if m is not None and m.lastgroup == "name" else None

    def before_cue(self, text: str) -> Cue | None:
        """The speaker the narration right before a quote names."""
        stripped = text.rstrip()
        colon = colon_end(stripped)
        if self.english:
            sentences = EN_SENTENCE.findall(stripped)
            if not sentences:
                return None
            last = sentences[-1]
            lead = _EN_SUBORDINATE.match(last)
            if lead is not None and _EN_VERB.search(last, lead.end()) is not None:
                # While he talked to Isabella, Emma said,: not he. (After a pause she said,
                # with a chill in her voice: the "clause" held the verb: she.)
                last = last[lead.end() :]
            tail = last.rstrip()
            verb_m = _EN_VERB.search(last)
            if tail.endswith(",") or colon or verb_m:
                if verb_m is not None and "the" in last:
                    ref = _EN_OF_TWO_SAID.search(last, 0, verb_m.start())
                    if ref is not None:
                        # The other said: / the latter answered,: the conversation resolves it
                        return Cue(((ref.group(1), False),), True, colon)
                found = self._en_speaker_around_verb(last, verb_m)
                if found is None:
                    return None
                return Cue((found,), bool(verb_m) or colon, colon)
            found = self.subject_en(last)
            return Cue((found,), False) if found else None
        clauses = list(_ZH_CLAUSE.finditer(stripped))
        if not clauses:
            return None
        whose = _whose(stripped)
        if whose is not None:
            # 手机突然响了。是我妈。: whose call or voice it is, who speaks next
            named = self.mention.fullmatch(whose.group("who"))
            if named is not None and named.lastgroup == "name":
                return Cue(((named.group(), False),), True, colon)
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
                return Cue(((m.group(), m.lastgroup == "pro"),), True, colon)
        unnamed = _UNNAMED_VOICE_ZH.search(stripped, last.start(), last.end())
        if unnamed is not None and (colon or verb):
            named = self.mention.search(stripped, last.start(), unnamed.start())
            if named is None or named.lastgroup != "name":
                # 陈默接通电话，那头传来一个女人的声音：/ 只听有人喊道：someone the clause does
                # not name speaks, not the subject of the clauses before it
                return NO_ONE
        subjects = (
            self.subject_zh(stripped, cm.start(), cm.end()) for cm in reversed(clauses[first:])
        )
        candidates = tuple(found for found in subjects if found is not None)
        if not candidates and colon and verb:
            # 爱耍笑的金俊文的老婆张桂兰还喊叫说：: a long description, then the name right
            # before the speech verb
            said = _last(_ZH_VERB.finditer(stripped, last.start(), last.end()))
            if said is not None:
                near = _last(self.mention.finditer(stripped, last.start(), said.start()))
                if (
                    near
                    and near.lastgroup == "name"
                    and said.start() - near.end() <= _NEAR_VERB
                    and stripped[near.start() - 1 : near.start()] not in ZH_COVERBS  # 对少安说
                ):
                    return Cue(((near.group(), False),), True, colon)
        if not candidates:
            return None
        return Cue(candidates, verb or colon, colon and not verb, weigh=True)

    def _en_speaker_around_verb(
        self, sentence: str, verb: re.Match[str] | None
    ) -> tuple[str, bool] | None:
        if verb is not None:
            # The last clause's own subject (She said nothing, and he went on:), else the
            # subject before the verb (She … offered me a scone:), else one right after it
            # (Then said Elizabeth:).
            nearest = _last(_EN_VERB.finditer(sentence, verb.end())) or verb
            clause = _last(_EN_LAST_CLAUSE.finditer(sentence, 0, nearest.start()))
            if clause is not None:
                m = self.mention.match(sentence, clause.end())
                if m is not None and len(sentence[m.end() : nearest.start()].split()) <= 2:
                    return m.group(), m.lastgroup == "pro"
            near = _last(self.mention.finditer(sentence, 0, verb.start()))
            if (
                near is not None
                and len(sentence[near.end() : verb.start()].split()) <= 1
                and not _EN_OBJECT_BEFORE.search(sentence[: near.start()])
            ):
                return near.group(), near.lastgroup == "pro"  # …, when Mary eagerly interrupted
            for m in self.mention.finditer(sentence, 0, verb.start()):
                before = sentence[: m.start()]
                # "; and May interposed:" opens a clause of its own; "Tom and May" does not
                if not _EN_OBJECT_BEFORE.search(before) or _EN_JOINS_CLAUSE.fullmatch(before):
                    return m.group(), m.lastgroup == "pro"
            after = self.mention.match(sentence, verb.end() + 1)
            if after is not None and not sentence[verb.end() + 1 : after.start()].strip():
                return after.group(), after.lastgroup == "pro"
            return None
        return self.subject_en(sentence)

    def told_by_tag_after(self, text: str) -> str | None:
        """Whom the narration `text`, standing after a quote as its speech tag, says the quote
        was spoken to (“…” / 她对少平说。): not read for a line that is no tag, nor for one ending
        in a colon, which introduces the quote after it."""
        if colon_end(text):
            return None
        cue = self.after[text]
        if cue is None or not cue.verb:
            return None
        return self.told_to[text]

    def tag_addressee(self, text: str) -> str | None:
        """The character a Chinese speech tag says the line was spoken to (田福军问乔书记。,
        对少安说), or English narration says was asked or told (Mr. John Knightley asked
        Emma whether…, Poirot asked me): likely the next speaker, never this line's. (English
        "said Jane to her aunt" was measured too and helped nothing.)"""
        if self.english:
            for asked in _EN_ASKED.finditer(text):
                m = self.mention.match(text, asked.end())
                if m is not None and m.lastgroup == "name":
                    return self.names[m.group()]
                if text.startswith("me", asked.end()):
                    return self.first_person
            return None
        # Most tags speak to no one (少安说。): without a word before whom a line is spoken
        # to, no speech verb need be looked at.
        for verb in _ZH_VERB.finditer(text) if _ZH_TO.search(text) else ():
            start = _clause_start(text, verb.start())
            for to in _ZH_TO.finditer(text, start, verb.end() + 2):
                m = self.mention.match(text, to.end())  # 对向前说: 向 opens the name
                if m is not None and m.lastgroup == "name":
                    return self.names[m.group()]
        if colon_end(text):  # 转向沈清辞：, 看着贵妃： the text ends turning to whom it asks
            stripped = text.rstrip()
            for to in _ZH_TURNED_TO.finditer(stripped, max(0, len(stripped) - 9)):
                m = self.mention.match(stripped, to.end())
                if m is not None and m.lastgroup == "name" and m.end() == len(stripped) - 1:
                    return self.names[m.group()]
        return None

    # ------------------------------------------------------------ the quote itself

    def read_quote(self, text: str) -> Quote:
        """What a line of dialogue tells (`quotes` keeps it per distinct line)."""
        to = self.addressee(text)
        own = self.self_named(text)
        if own is not None and to == own:
            to = None  # "It's me, Daniel!": Daniel speaks
        length = len(text)
        # It ends with a question mark (closing marks and 吗/呢 aside).
        last = text[-12:]  # (a question mark there looked for first: most lines ask nothing)
        asked = ("？" in last or "?" in last) and (
            _QUESTION.search(text, length - len(last)) is not None
        )
        question = asked and (length <= _SHORT_QUESTION or _SECOND_PERSON.search(text) is not None)
        return to, own, asked, question, length

    def addressee(self, quote: str) -> str | None:
        """A name at the start or end of a quote: the person spoken to."""
        lead = _VOC_LEAD.match(quote) if quote[:1] in _VOC_LEAD_OPENS else None
        m = self.mention.match(quote, lead.end() if lead else 0)
        if m is not None and m.lastgroup == "name":
            nxt = quote[m.end() : m.end() + 1]
            if nxt == "" or nxt in "，,！!。.?？你您":
                return self.names[m.group()]
        # A name closing the quote is set off by a comma in its last 24 characters: most
        # lines have none there, and need no regex call.
        last = quote[-24:]
        tail = None
        if "，" in last or "," in last:
            tail = (_ADDRESS_END_EN if self.english else _ADDRESS_END).search(
                quote, max(0, len(quote) - 24)
            )
        if tail is not None:
            m = self.mention.fullmatch(tail.group("who"))
            if m is not None and m.lastgroup == "name":
                return self.names[m.group()]
        if self.english and "," in quote:
            return self._called_within(quote)
        return None

    def _called_within(self, quote: str) -> str | None:
        """A name set off by commas inside an English quote ("What is it, Nancy, dear?", "Left
        in a ditch, Nance; only think!", "Well. Bill, listen."): whom it speaks to, unless the
        name is one of a list (Tom, Dick, and Harry)."""
        for m in self.mention.finditer(quote):
            if m.lastgroup != "name":
                continue
            before = quote[: m.start()].rstrip()
            if before and (before[-1] not in ",.!?" or _HONORIFIC_BEFORE_EN.search(before)):
                continue  # (the mother of Mr. Charles: "Mr." ends no sentence)
            after = _VOC_AFTER_EN.match(quote, m.end())
            if after is None or (not before and after.group() != ","):
                continue
            if _LIST_AFTER_EN.match(quote, after.end()):
                continue
            if (who := self.names[m.group()]) is not None:
                return who
        return None

    def calls_by_sex(self, quote: str) -> Gender | None:
        """The sex of whom an English line calls by what they are (sir, ma'am, my boy), else
        None: the one it speaks to, likely the next to speak. (Chinese 先生, 姑娘 were weighed
        too: the scorer learned next to nothing for them, −0.09 for a candidate of the other
        sex against English's −1.2, and reading every quote for them cost 1.5% of the time.)"""
        if not self.english:
            return None
        m = _CALLED_EN.search(quote)
        return None if m is None else "male" if m.group("m") else "female"

    def bare_name(self, quote: str) -> str | None:
        """The character a quote that is a name and nothing else names (“许念。”, "Anne.")."""
        m = self.mention.fullmatch(quote.strip(_BARE_NAME_MARKS))
        return self.names[m.group()] if m is not None and m.lastgroup == "name" else None

    def self_named(self, quote: str) -> str | None:
        """是我，小林！ / 请叫我苏总 / 我是人事部的刘经理 / It's me, Daniel! / Call me Margaret:
        the character the speaker says he is (and addresses no one by that name)."""
        if self.english:
            if "I" not in quote and "me" not in quote:
                return None
            found = _SELF_EN.search(quote)
        else:
            return self._self_named_zh(quote)
        while found is not None:
            m = self.mention.match(quote, found.end())
            if m is not None and m.lastgroup == "name":
                if quote[m.end() : m.end() + 1] in _SELF_END | {""}:
                    who = self.names[m.group()]
                    if who is not None:
                        return who
            found = _SELF_EN.search(quote, found.end())
        return None

    def _self_named_zh(self, quote: str) -> str | None:
        if quote in self.roster.leadless:  # (the roster looked for a lead in it already)
            return None
        # (searches, not finditer: most lines hold no lead, and finditer builds a scanner
        # object before it looks)
        found = SELF_LEAD_ZH.search(quote)
        while found is not None:
            at = found.end()
            m = self.mention.match(quote, at)
            if m is None or m.lastgroup != "name":
                m = PET_RE.match(quote, at)  # 小林
            if m is not None and quote[m.end() : m.end() + 1] in _SELF_END | {""}:
                if (who := self.names[m.group()]) is not None:
                    return who
            for cand in introduced_zh(quote, at):  # 我是人事部的刘经理, 贫道玄机子
                if (who := self.names[cand]) is not None:
                    return who
            found = SELF_LEAD_ZH.search(quote, at)
        return None

    # ------------------------------------------------------------ narration

    def read_sentences(self, text: str) -> tuple[SentenceReading, ...]:
        """An English narration text sentence by sentence (`sentences` keeps it per distinct
        text)."""
        found: list[SentenceReading] = []
        for sent in EN_SENTENCE.findall(text):
            subject = None
            for clause in _EN_CLAUSE_SPLIT.split(sent):
                subject = self.subject_en(clause) or subject
            named = [
                (who, m.start())
                for m in self.mention.finditer(sent)
                if m.lastgroup == "name" and (who := self.names[m.group()])
            ]
            names = tuple(who for who, _ in named)
            found.append(
                (
                    self.names[subject[0]] if subject and not subject[1] else None,
                    subject[0] if subject and subject[1] else None,
                    names,
                    _pronouns_stand_for(names, sent, named[0][1]) if named else None,
                )
            )
        return tuple(found)

    def walk(self, text: str) -> tuple[Mention, ...]:
        """The names and pronouns of a Chinese narration text, in order (`walks` keeps them
        per distinct text)."""
        found: list[Mention] = []
        prev = 0
        clause = 0
        # (searches, not finditer: a text names no one or one or two, and finditer builds a
        # scanner object before it looks)
        m = self.mention.search(text)
        while m is not None:
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
            elif _relative_after(text, m.end()):  # 少安妈: his mother, not 少安
                found.append((None, "", subject, ended, opens))
            else:
                found.append((self.names[m.group()], "", subject, ended, opens))
            prev = m.end()
            m = self.mention.search(text, prev)
        return tuple(found)

    def subject_at(self, text: str, clause: int, start: int) -> bool:
        """A Chinese mention at `start` stands as its clause's subject (clause from `clause`)."""
        lead = clause_lead(text, clause, start)
        if lead is not None:
            clause = lead.end()
        if start - clause > 6:
            newcomer = NEWCOMER_RE.match(text, clause)
            return newcomer is not None and newcomer.start("role") == start  # 一个…中年女人走了过来
        if start > clause and text[start - 1] in _ZH_OBJECT_BEFORE:
            return False
        return start == clause or _ZH_VERB.search(text, clause, start) is None


def _pronouns_stand_for(
    names: tuple[str, ...], sentence: str, first: int
) -> tuple[str, Gender] | None:
    """A sentence that names one character (`names`: those it names, the first at `first`)
    and uses pronouns of one gender, none before the name: (that character, the gender its
    pronouns say). A pronoun before the name is mostly someone else's ("She looked at
    Henry": Howards End's Henry was a woman by such sentences)."""
    if not names or any(who != names[0] for who in names):
        return None
    he = _EN_HE.search(sentence)
    she = _EN_SHE.search(sentence)
    if (he and he.start() < first) or (she and she.start() < first):
        return None
    he = he and _EN_HIS_OWN.search(sentence, he.start())
    she = she and _EN_HER_OWN.search(sentence, she.start())
    if he and not she:
        return names[0], "male"
    if she and not he:
        return names[0], "female"
    return None


def _clause_start(text: str, pos: int) -> int:
    """Where the Chinese clause holding `pos` begins."""
    return max(text.rfind(mark, 0, pos) for mark in "，。！？；：,!?;:") + 1


def _last(found: Iterator[re.Match[str]]) -> re.Match[str] | None:
    """The last of `found`, None when there is none."""
    tail = deque(found, maxlen=1)
    return tail[0] if tail else None
