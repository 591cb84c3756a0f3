"""The learned scorer: every line weighed over its candidates, a guess whenever someone could
have said it, a confidence that means what it says, and the shipped weights loaded without
the training libraries."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import replace
from importlib import resources

import pytest

from tts.model import Book, Chapter, Character, Paragraph, Segment
from tts.speakers.attribute import attribute
from tts.speakers.scorer import (
    _BEAM,
    _BEAM_DROP,
    MODEL_FILE,
    PLAIN,
    Trace,
    _Path,
    _prune,
    shipped_model,
)


def book(language: str, *lines: str) -> Book:
    paras = tuple(Paragraph(t, n) for n, t in enumerate(lines, 1))
    return Book("test.txt", "test", language, (Chapter(1, None, paras),))  # type: ignore[arg-type]


def said(b: Book) -> list[Segment]:
    segments, _ = attribute(b)
    return [s for s in segments if s.kind == "dialogue"]


def test_the_shipped_model_is_plain_numbers_for_both_languages() -> None:
    data = json.loads(resources.files("tts").joinpath(f"data/{MODEL_FILE}").read_text("utf-8"))
    weights = [w for scope in data["weights"].values() for w in scope.values()]
    assert weights and all(isinstance(w, float) for w in weights)  # numbers, nothing to run
    for language in ("en", "zh"):
        model = shipped_model(language)
        assert len(model.weights) > 20
        xs, ys = model.calibration
        assert list(xs) == sorted(xs) and list(ys) == sorted(ys)
        assert all(0.0 <= model.confidence(x / 10) <= 1.0 for x in range(11))
        assert all(0.0 < v <= 1.0 for v in model.plain.values())
        assert PLAIN <= set(model.plain)


CONVERSATIONS = [
    (
        "en",
        [
            "Tom and Ann sat on the porch.",
            '"Where were you?" said Tom.',
            '"Out."',
            '"Out where?"',
            '"Just out. Stop asking," said Ann.',
        ],
    ),
    (
        "zh-Hans",
        [
            "周建国和李明坐在院子里。",
            "“你去哪儿了？”周建国问道。",
            "“出去了。”",
            "“去哪儿了？”",
            "“别问了。”李明说。",
        ],
    ),
]


def test_whom_a_line_calls_sir_or_maam_is_weighed_by_sex_for_the_next_line() -> None:
    """ "Yes, sir.": the line speaks to a man, likely the next to speak; the evidence for the
    next line says which candidates are of that sex and which are not."""
    paras = ["Tom and Ann sat by the fire.", '"Is it late?" said Tom.', '"Yes, sir."', '"Go."']
    man, woman = "Tom", "Ann"
    trace: Trace = []
    attribute(book("en", *paras), trace=trace)
    candidates, features = trace[-1]
    weighed = dict(zip(candidates, features, strict=True))
    assert "lsex" in weighed[man] and "lsex-x" in weighed[woman]


def test_a_latin_name_said_once_and_called_by_is_a_candidate_zh() -> None:
    """Linda回头打量了她一眼 and “知道了，Linda。”: a foreign name in Latin letters that opens a
    clause once and is called by in a reply is a character, one who may have said the line
    the reply answers."""
    trace: Trace = []
    attribute(
        book(
            "zh-Hans",
            "林小满走出电梯，陆景深跟在后面。Linda回头打量了林小满一眼。",
            "“陆总，董事会的人已经到了。”",
            "“知道了，Linda。”陆景深头也不回地说。",
        ),
        trace=trace,
    )
    candidates, _ = trace[0]
    assert "Linda" in candidates


def test_a_name_in_a_list_within_a_quote_is_spoken_of_not_to() -> None:
    """ "…Ann, Tom, and the dog" and "the mother of Mr. Tom": names in a list, or after a title's
    dot, are people spoken of; either may still say the line."""
    for quote in ('"We saw Ann, Tom, and the dog."', '"She is the mother of Mr. Tom."'):
        trace: Trace = []
        attribute(book("en", "Tom came in. Ann looked up.", quote), trace=trace)
        candidates, _ = trace[-1]
        assert "Tom" in candidates


@pytest.mark.parametrize(("language", "paras"), CONVERSATIONS, ids=["en", "zh"])
def test_every_line_of_a_conversation_gets_a_guess_with_a_confidence(
    language: str, paras: list[str]
) -> None:
    """A listener hears someone either way: no line where anyone is in view goes unnamed,
    and each confidence is a share between 0 and 1."""
    lines = said(book(language, *paras))
    assert len(lines) == 4
    assert all(s.speaker is not None and s.method for s in lines)
    assert all(s.confidence is not None and 0.0 <= s.confidence <= 1.0 for s in lines)


@pytest.mark.parametrize(("language", "paras"), CONVERSATIONS, ids=["en", "zh"])
def test_a_tag_decides_its_line_and_the_bare_lines_between_take_turns(
    language: str, paras: list[str]
) -> None:
    """The tags name the first and last speaker; the two bare lines between are the other
    one's reply and the first one's question back."""
    lines = said(book(language, *paras))
    tom, ann = ("Tom", "Ann") if language == "en" else ("周建国", "李明")
    assert [s.speaker for s in lines] == [tom, ann, tom, ann]
    assert lines[0].method.startswith("tag") and lines[-1].method.startswith("tag")
    rate = shipped_model("en" if language == "en" else "zh").plain
    assert lines[0].confidence == rate[lines[0].method]


@pytest.mark.parametrize(
    ("language", "paras", "addressed"),
    [
        ("en", ["Tom came in. Ann looked up from her book.", '"Tom, you are late."'], "Tom"),
        ("zh-Hans", ["“谁呀？”李明问道。", "王建国推门进来。", "“王建国，你来晚了。”"], "王建国"),
        ("en", ["Tom came in. Ann looked up from her book.", '"What is it, Tom, dear?"'], "Tom"),
        ("en", ["Tom came in. Ann looked up.", '"Out in the rain, Tom; only think!"'], "Tom"),
        ("en", ["Tom came in. Ann looked up.", '"You are late. Tom, sit down."'], "Tom"),
    ],
    ids=["en", "zh", "en-within", "en-semicolon", "en-second-sentence"],
)
def test_the_person_addressed_does_not_say_the_line(
    language: str, paras: list[str], addressed: str
) -> None:
    """A name that opens a quote, or that commas set off within it (an English "…, Tom, …"),
    is whom it speaks to: never its speaker, and not even a candidate for it."""
    trace: Trace = []
    segments, _ = attribute(book(language, *paras), trace=trace)
    line = [s for s in segments if s.kind == "dialogue"][-1]
    assert line.speaker not in (None, addressed)
    candidates, _ = trace[-1]
    assert addressed not in candidates


@pytest.mark.parametrize(("language", "paras"), CONVERSATIONS, ids=["en", "zh"])
def test_the_trace_holds_each_lines_candidates_and_evidence(
    language: str, paras: list[str]
) -> None:
    """What training reads: one entry per line of dialogue, in order, each candidate with
    its evidence; the line's speaker is one of its candidates."""
    trace: Trace = []
    segments, _ = attribute(book(language, *paras), trace=trace)
    lines = [s for s in segments if s.kind == "dialogue"]
    assert len(trace) == len(lines)
    for line, (candidates, evidence) in zip(lines, trace, strict=True):
        assert line.speaker in candidates
        assert len(evidence) == len(candidates)


@pytest.mark.parametrize(("language", "paras"), CONVERSATIONS, ids=["en", "zh"])
def test_tracing_a_book_changes_none_of_its_lines(language: str, paras: list[str]) -> None:
    """Training reads the trace, and fits the confidence table to the shares it sees then:
    a traced run gives every line the speaker, method and confidence of a plain run."""
    plain = [(s.speaker, s.method, s.confidence) for s in said(book(language, *paras))]
    trace: Trace = []
    segments, _ = attribute(book(language, *paras), trace=trace)
    traced = [(s.speaker, s.method, s.confidence) for s in segments if s.kind == "dialogue"]
    assert traced == plain


def test_lines_are_the_same_every_run() -> None:
    """Deterministic: the same book gives the same speakers, methods and confidences in
    every process, whatever order Python's string hashing gives sets."""
    code = (
        "import sys; sys.path.insert(0, 'tests'); from test_scorer import book, said, "
        "CONVERSATIONS; print([(s.speaker, s.method, s.confidence) for language, paras in "
        "CONVERSATIONS for s in said(book(language, *paras))])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("0", "1", "2")
    }
    assert len(runs) == 1 and "None" not in next(iter(runs))


def test_a_long_answer_laid_out_a_paragraph_a_point_stays_with_its_speaker() -> None:
    """Web novels lay one long answer out as a paragraph a point, each in its own quote
    marks; turn-taking must not hand every other point to the one who asked."""
    lines = said(
        book(
            "zh-Hant",
            "周局長放下茶杯，問道：“林書記，這個工程最難的地方在哪裡？”",
            "林書記想了想，回答：“我認為難處主要在兩個方面。”",
            "“首先，是資金的籌措與調度，縣裡的財政底子薄，很多項目只能分期分批地推進。”",
            "“這不僅僅是錢的問題，還涉及到各個部門之間的協調，需要花大量的時間去溝通。”",
            "“其次，就是群眾觀念的轉變。”",
            "“很多老百姓一開始並不理解，覺得搬遷會影響生計，我們只能一家一家地上門去做工作。”",
            "周局長點點頭：“林書記辛苦了。”",
        )
    )
    assert [s.speaker for s in lines] == ["周局長"] + ["林書記"] * 5 + ["周局長"]


def test_a_word_or_two_after_a_line_that_calls_someone_is_their_answer() -> None:
    """The floor a tag gave 苏沐雪 over two lines ends where she calls 叶辰 by name and a bare
    "嗯。" follows: that is his answer, not her going on."""
    lines = said(
        book(
            "zh-Hans",
            "叶辰坐在角落里，苏沐雪走了过来。",
            "“叶辰。”苏沐雪说。",
            "“今晚人多，别走远了。”",
            "她停在他面前，轻声道：“叶先生，你来了。”",
            "“嗯。”",
            "叶辰点了点头。",
        )
    )
    assert [s.speaker for s in lines] == ["苏沐雪", "苏沐雪", "苏沐雪", "叶辰"]


def test_a_question_asking_someone_by_a_kin_term_ends_the_floor() -> None:
    """姐姐去不去？ asks her as 你 would: the bare line after it is not the asker going on."""
    lines = said(
        book(
            "zh-Hans",
            "宝钗和宝玉坐在窗下吃茶。",
            "宝钗道：“这茶好。”",
            "宝玉又问：“明日林妹妹那里的螃蟹宴，姐姐去不去？”",
            "“自然要去的。”",
        )
    )
    assert [s.speaker for s in lines] == ["宝钗", "宝玉", "宝钗"]


def test_a_speaker_who_says_whose_he_is_before_his_name_names_himself() -> None:
    """我是人事部的刘经理 names the speaker, with whose he is first."""
    lines = said(
        book(
            "zh-Hans",
            "林主任和刘经理坐在桌后。",
            "“来了？”林主任问。",
            "“来了。”刘经理说。",
            "“请坐。”",
            "“我是人事部的刘经理。”",
        )
    )
    assert (lines[-1].speaker, lines[-1].method) == ("刘经理", "self-name")


def test_a_long_reply_in_a_bare_back_and_forth_is_a_turn() -> None:
    """Only a speaker a tag introduced holds the floor over several long paragraphs: in an
    exchange of bare lines, a long line after a short one is the other person answering."""
    lines = said(
        book(
            "zh-Hans",
            "“有人在家吗？”赵红梅推开门喊了一声。",
            "李建国站起来问：",
            "“你怎么来了？”",
            "“我做梦都没想到能在这里见到你，厂里正好派我到省城开会，我就顺路过来了。”",
            "“刚到吗？”",
            "“刚刚到，行李还放在车站，连口水都还没顾上喝，就一路打听着找到这里来了。”",
        )
    )
    assert [s.speaker for s in lines] == ["赵红梅", "李建国", "赵红梅", "李建国", "赵红梅"]


def test_a_he_or_she_ending_the_paragraph_before_is_weighed_as_a_pronoun() -> None:
    """`她说：` on its own line names no one: the line is marked a pronoun reading (open to
    review), and it goes to the woman in view, not to the man who spoke last."""
    lines = said(
        book(
            "zh-Hans",
            "“你来了？”李秀英问。",
            "王建国点点头，把茶杯放在桌上。",
            "“这件事你考虑得怎么样了？”王建国问。",
            "李秀英低下头，沉默了很久。",
            "她说：",
            "“我想好了，明天就去县城。”",
        )
    )
    assert [s.speaker for s in lines] == ["李秀英", "王建国", "李秀英"]
    assert lines[2].method == "pronoun"


def test_a_line_ending_in_a_colon_introduces_the_next_quote_not_the_one_before() -> None:
    """`武惠良…大声喊：` after a quote is no tag of that quote: it opens the next one."""
    lines = said(
        book(
            "zh-Hans",
            "“你回来了？”杜丽丽问。",
            "武惠良没有回答，蒙住头睡在被子里。",
            "过了好一会，杜丽丽轻轻扳他的肩膀，小声问：",
            "“你……怎么啦？”",
            "武惠良一把揭开被子，翻身起来，大声喊：",
            "“你自己知道怎么啦！”",
        )
    )
    assert [s.speaker for s in lines] == ["杜丽丽", "杜丽丽", "武惠良"]


def test_persuading_or_recounting_is_no_speech_tag() -> None:
    """劝说 (persuade) and 叙说 (recount) hold 说 but tag no line: the colon before the quote
    names its speaker."""
    lines = said(
        book(
            "zh-Hans",
            "“来了？”李金强问。",
            "王卫红点点头，对他说：",
            "“你先回去，我再想个办法。”",
            "李金强劝说着让他妈喝了一碗米汤。",
        )
    )
    assert [s.speaker for s in lines] == ["李金强", "王卫红"]


@pytest.mark.parametrize(
    ("language", "paras", "speakers", "bystander"),
    [
        (  # the porch conversation, and a passer-by the narration names
            "en",
            [CONVERSATIONS[0][1][0] + " Peter walked past and waved.", *CONVERSATIONS[0][1][1:]],
            ("Tom", "Ann"),
            "Peter",
        ),
        (  # the courtyard conversation, then a passer-by calls out and is answered
            "zh-Hans",
            [*CONVERSATIONS[1][1], "王大海从门口走过，喊道：“晚上开会！”", "“知道了。”"],
            ("周建国", "李明"),
            "王大海",
        ),
    ],
    ids=["en", "zh"],
)
def test_a_list_of_everyone_who_speaks_weighs_against_anyone_unlisted(
    language: str, paras: list[str], speakers: tuple[str, str], bystander: str
) -> None:
    """voices.yaml naming everyone who speaks makes anyone else (a passer-by, a role noun)
    a weaker candidate, even one a tag names; a list of one main character says nothing of
    the others."""

    def read(known: tuple[Character, ...]) -> tuple[dict[str, set[str]], set[str]]:
        """Each candidate's evidence over the passage, and who the text's tags decided."""
        trace: Trace = []
        attribute(book(language, *paras), known, trace=trace)
        evidence: dict[str, set[str]] = {}
        tagged: set[str] = set()
        for candidates, facts in trace:
            for who, theirs in zip(candidates, facts, strict=True):
                evidence.setdefault(who, set()).update(theirs)
                if theirs and theirs[0].startswith("="):
                    tagged.add(who)
        return evidence, tagged

    everyone, tagged = read(tuple(Character(name, (), None) for name in speakers))
    assert "unlisted" in everyone[bystander]
    assert not any("unlisted" in everyone[name] for name in speakers)
    assert tagged <= set(speakers)
    one, _ = read((Character(speakers[0], (), None),))
    assert not any("unlisted" in facts for facts in one.values())


LAST_LINE = [
    # She said nothing, and he went on: the clause next to the quote has its own subject
    (
        "last-clause-en",
        "en",
        [
            "Tom and Ann walked down to the river.",
            '"It is cold," said Ann.',
            'She said nothing more, and he went on: "We should go back before dark."',
        ],
        "Tom",
    ),
    (
        "last-clause-zh",
        "zh-Hans",
        [
            "周建国和李丽走到河边。",
            "“到了。”周建国说。",
            "“好冷啊。”李丽说。",
            "她没再说话，他接着说：“天黑前咱们得回去。”",
        ],
        "周建国",
    ),
    # a colon line introduced the quote: the line after it is narration, not its tag
    (
        "introduced-by-a-colon",
        "zh-Hans",
        [
            "周建国和李丽走进屋里。",
            "“到了。”周建国说。",
            "李丽看了看四周，对他说：",
            "“这屋子真冷。”",
            "周建国笑着骂了一句，转身去生火。",
        ],
        "李丽",
    ),
    # 没说话: she did not say it
    (
        "did-not-speak",
        "zh-Hans",
        [
            "周建国和李丽坐在院子里。",
            "“今天真热。”周建国说。",
            "“是啊。”李丽说。",
            "“你怎么了？”",
            "李丽没说话，低下了头。",
        ],
        "周建国",
    ),
    # 听她这么说: he heard it said
    (
        "heard-it",
        "zh-Hans",
        [
            "周建国和李丽坐在院子里。",
            "“今天真热。”李丽说。",
            "“你在想什么？”周建国问。",
            "“咱们把房子卖了吧。”",
            "周建国听她这么说，愣住了。",
        ],
        "李丽",
    ),
    # 不知怎么说: she did not know what to say, so she did not say it
    (
        "did-not-know-what-to-say",
        "zh-Hans",
        [
            "“今天真热。”周建国说。",
            "“是啊。”李丽说。",
            "“那些女娃娃你认识不认识？”",
            "李丽更奇怪了，一时不知怎么说是好。",
        ],
        "周建国",
    ),
    # everybody laughing after a quote a colon line introduced is no unnamed speaker
    (
        "others-laugh-zh",
        "zh-Hans",
        [
            "田福堂和孙玉亭坐在公窑里。",
            "“开会吧。”孙玉亭说。",
            "田福堂说：",
            "“算了吧！你又不是不知道！”大家都笑了。",
        ],
        "田福堂",
    ),
    (
        "others-laugh-en",
        "en",
        [
            "Tom and Ann sat in the kitchen.",
            '"Shall we start?" said Ann.',
            "Tom said:",
            '"Never mind!" Everybody laughed.',
        ],
        "Tom",
    ),
    # a long description opens the colon line: the name right before the speech verb
    (
        "name-before-the-verb",
        "zh-Hans",
        [
            "“田五，亮开嗓子唱！”有人喊。",
            "“我嗓子哑了。”田五说。",
            "“唱吧唱吧。”张桂兰说。",
            "爱耍笑的金俊文的老婆张桂兰还喊叫说：",
            "“来个酸的！”",
            "田五的兴致来了，放开声唱开了。",
        ],
        "张桂兰",
    ),
]
"""Short passages, one per way the narration around a quote says (or does not say) who
speaks it: (id, language, paragraphs, the last line's speaker)."""


@pytest.mark.parametrize(
    ("language", "paras", "speaker"),
    [case[1:] for case in LAST_LINE],
    ids=[case[0] for case in LAST_LINE],
)
def test_the_narration_around_a_quote_says_who_speaks_it(
    language: str, paras: list[str], speaker: str
) -> None:
    """A speech tag names the speaker only where it is one: the clause next to the quote,
    the line a colon ends, not narration in which nobody speaks, hears someone, or does
    not know what to say."""
    assert said(book(language, *paras))[-1].speaker == speaker


DESCRIBED = [
    # (paragraphs, the description, its evidence, the named one in view, theirs, who speaks)
    (
        [
            "Fagin was toasting a sausage; he did not look up when the door opened.",
            '"It is only me," said Nancy, and sat down by the fire. She was wet through.',
            '"Where have you been, my dear?" said Fagin.',
            '"Out," said the girl.',
        ],
        ("the girl", "gen"),
        ("Nancy", "a:gen0"),
        "Nancy",
    ),
    (
        [
            "Mrs. Elton swept into the tea room. She chose the table by the window.",
            '"Tea for one," said Mrs. Elton, drawing off her gloves. She looked about her.',
            '"We have no tables free by the window," said the waitress.',
        ],
        ("the waitress", "desc"),
        ("Mrs. Elton", "a:desc0"),
        "the waitress",
    ),
]


@pytest.mark.parametrize(("paras", "described", "named", "speaker"), DESCRIBED)
def test_a_description_in_a_tag_is_weighed_by_what_it_says(
    paras: list[str], described: tuple[str, str], named: tuple[str, str], speaker: str
) -> None:
    """ "said the girl" with Nancy just seen and speaking: a description that says only what
    kind of person (girl, old gentleman) is weighed like a "she" (the latest woman in view is
    likeliest) and is a weaker candidate than a name. "said the waitress" with Mrs. Elton in
    view: one by trade (or with more to it, "the gentleman in the white waistcoat") is weighed
    apart, for in the labelled novels' tags it is the speaker itself two times in five, where
    "the girl" stands for someone named nearly nine times in ten. (Chinese: a role noun beside
    a name is joined by the roster.)"""
    trace: Trace = []
    segments, _ = attribute(book("en", *paras), trace=trace)
    candidates, evidence = trace[-1]
    facts = dict(zip(candidates, evidence, strict=True))
    assert described[1] in facts[described[0]] and named[1] in facts[named[0]]
    line = [s for s in segments if s.kind == "dialogue"][-1]
    assert line.speaker == speaker
    if speaker == named[0]:
        assert line.method == "description"


def test_a_line_ending_in_a_colon_after_a_quote_is_no_evidence_for_that_quote() -> None:
    """`润叶笑着说：` after a quote introduces the next quote: 润叶 speaking there says
    nothing of the quote before it."""
    paras = [
        "“你坐嘛。”润叶说。",
        "“不坐了。”少平说。",
        "等润叶把碗筷送到厨房返回来的时候，他赶快对她说：",
        "“姐，没什么事我就走呀……”",
        "润叶看出了他的窘迫，笑着说：",
        "“我还没跟你说话呢！”",
    ]
    trace: Trace = []
    attribute(book("zh-Hans", *paras), trace=trace)
    candidates, evidence = trace[-2]
    assert not any(f.startswith("np:verb") for f in evidence[candidates.index("润叶")])


def _reading(speakers: list[str], score: float) -> _Path:
    hist = [(who, n, None, False, 10) for n, who in enumerate(speakers)]
    return _Path(hist, None, [], [], [], None, score)


def test_the_readings_kept_are_the_likeliest_different_ones() -> None:
    """Side-by-side readings of a conversation: the likeliest first, at most `_BEAM`, none far
    below the best, and of two that leave the next line the same evidence (the same last
    three speakers, addressee and floor) only the likelier."""
    best = _reading(["Anna", "Beth", "Anna"], -0.1)
    same_end = _reading(["Anna", "Beth", "Anna"], -0.5)
    other = _reading(["Anna", "Carl", "Anna"], -0.9)
    far = _reading(["Beth", "Carl", "Beth"], -0.1 + _BEAM_DROP - 0.01)
    kept = _prune([far, other, same_end, best])
    assert kept == [best, other]
    many = [_reading(["Anna", who, "Anna"], -0.01 * n) for n, who in enumerate("BCDEFG")]
    assert _prune(many) == many[:_BEAM]


def test_every_line_gets_one_speaker_however_many_readings_are_kept() -> None:
    """Read greedily (`branch` infinite, as training reads) or with a second reading for
    every candidate, each line gets one speaker and a confidence, and the tags stand."""
    text = book(
        "en",
        "Anna, Beth and Carl sat at the table.",
        '"Is it late?" said Anna.',
        '"Not yet."',
        '"Then we wait."',
        '"For what?"',
        '"For the rain to stop," said Carl.',
    )
    greedy = replace(shipped_model("en"), branch=math.inf)
    beam = replace(shipped_model("en"), branch=0.0)  # every candidate starts a reading
    for model in (greedy, beam):
        said = [s for s in attribute(text, model=model)[0] if s.kind == "dialogue"]
        assert len(said) == 5
        assert all(s.speaker and 0.0 <= s.confidence <= 1.0 for s in said)
        assert said[0].speaker == "Anna" and said[-1].speaker == "Carl"


def test_characters_tied_in_lines_rank_alike_in_simplified_and_traditional() -> None:
    """Who was heard most ranks the candidates (`maj1`…); among those heard as often, a
    Traditional text ranks its characters as its Simplified self does (蘭香 sorts after 妹妹
    where 兰香 sorts before it: wp-dev-web read one line otherwise than wp-dev)."""
    from types import SimpleNamespace

    from tts.speakers.scorer import Evidence, shipped_model

    def ranks(names: list[str]) -> list[str]:
        roster = SimpleNamespace(gender={}, known=frozenset(), forms={n: {n} for n in names})
        cues = SimpleNamespace(roster=roster, first_person="我", english=False)
        ev = Evidence(cues, shipped_model("zh"), dict.fromkeys(names, 1), False)  # type: ignore[arg-type]
        return [ev.major[n] for n in names]

    assert ranks(["妹妹", "兰香", "吴仲平"]) == ranks(["妹妹", "蘭香", "吳仲平"])
