"""Finding the cast: what a book's repeated lines count for."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tts.model import Book, Chapter, Character, Gender, Paragraph
from tts.speakers import attribute as attribution
from tts.speakers import lexicon
from tts.speakers.attribute import attribute
from tts.speakers.cues import Cues
from tts.speakers.genders import weigh_gender
from tts.speakers.roster import (
    CLAUSE_HEAD_ZH,
    EN_NAME_WEIGHT,
    Roster,
    build_roster,
    counted_matches,
)

_FOLLOW = re.compile("(?:王刚|李明|王)(?=(.))", re.S)
"""A name and the character after it, as the roster reads how the book continues a name."""

_PIECES = st.lists(
    st.sampled_from(["王刚说", "，李明笑了", "王", "李明", "", "。王刚", "好", "王刚"]),
    min_size=1,
    max_size=12,
)


@given(_PIECES)
def test_each_distinct_line_counts_as_often_as_it_occurs(pieces: list[str]) -> None:
    text = "\n" + "\n".join(pieces)
    for rx in (_FOLLOW, CLAUSE_HEAD_ZH):
        whole = Counter((m.group(), m.groups()) for m in rx.finditer(text))
        weighted: Counter[tuple[str, tuple]] = Counter()
        for m, times in counted_matches(rx, pieces):
            weighted[(m.group(), m.groups())] += times
        assert weighted == whole
        assert list(weighted) == list(whole)  # first found first


def _book(language: str, lines: list[str]) -> Book:
    paras = tuple(Paragraph(t, n) for n, t in enumerate(lines, 1))
    return Book("t.txt", "t", language, (Chapter(1, None, paras),))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "language, lines, names",
    [
        ("zh-Hans", ["“来了。”王刚说。", "李明点点头：“进来吧。”", "雨停了。"], {"王刚", "李明"}),
        (
            "en",
            ['"Here," said Tom.', 'Mrs. Hale nodded: "Come in."', "It rained."],
            {"Tom", "Mrs. Hale"},
        ),
    ],
)
def test_a_book_of_repeated_lines_has_the_cast_of_its_lines(
    language: str, lines: list[str], names: set[str]
) -> None:
    _, once = attribute(_book(language, lines))
    _, many = attribute(_book(language, lines * 50))
    assert {c.name for c in many} == names
    assert [(c.name, c.aliases, c.gender) for c in many] == [
        (c.name, c.aliases, c.gender) for c in once
    ]
    assert [c.lines for c in many] == [50 * c.lines for c in once]


_LISTS = sorted(
    p.name
    for p in (resources.files("tts") / "data").iterdir()
    if p.name.startswith(("zh-", "en-")) or p.name in ("given-names.tsv", "nicknames.tsv")
)
"""The word lists the roster reads (tts.speakers.lexicon)."""


@pytest.mark.parametrize("name", _LISTS)
def test_word_lists_are_clean(name: str) -> None:
    """Each list says what it is, and holds each entry once, without stray spaces."""
    text = (resources.files("tts") / "data" / name).read_text("utf-8")
    assert text.startswith("# ")
    rows = lexicon.read_table(name)
    assert rows
    width = len(rows[0])
    for row in rows:
        assert len(row) == width, row
        assert all(cell and cell == cell.strip() for cell in row), row
    firsts = [row[0] for row in rows]
    assert len(set(firsts)) == len(firsts), "an entry listed twice"


def test_a_sound_said_twice_is_found_wherever_it_starts() -> None:
    """巴拉巴拉 inside 拉巴拉巴拉 too: the search looks at every position, not only after the
    last run it found."""
    from tts.speakers.roster import said_twice

    assert {"巴拉", "拉巴", "哈哈", "嘀咕"} <= said_twice("拉巴拉巴拉一通说，哈哈哈哈，嘀咕嘀咕")
    assert "少安" not in said_twice("少安说：“少安来了。”")


def test_the_spaces_written_out_are_what_backslash_s_matches() -> None:
    """`_SPACES` stands for `\\s` in the classes that open the clause-start patterns: it must
    hold every character `\\s` matches and no other."""
    from tts.speakers.roster import _SPACES

    spaces = re.compile(f"[{_SPACES}]")
    written = {chr(c) for c in range(0x110000) if spaces.fullmatch(chr(c))}
    assert written == {chr(c) for c in range(0x110000) if re.fullmatch(r"\s", chr(c))}


_SAID_TWICE = re.compile(r"(?=([\u3400-\u9fff])([\u3400-\u9fff])(?:\1\2|([\u3400-\u9fff])\1\2\3))")
"""What `said_twice` finds, as the regex it once was, tried at every position: two Han
characters and the same two again, or else three and the same three."""


@given(st.text(alphabet="哈巴拉嘀咕a，\u3400\u9fff\u33ff\ua000\x00😀", max_size=16))
def test_a_sound_said_twice_is_what_a_search_at_every_position_finds(text: str) -> None:
    from tts.speakers.roster import said_twice

    found: set[str] = set()
    for m in _SAID_TWICE.finditer(text):
        a, b, c = m.groups()
        if c is not None:
            found.add(a + b + c)
            continue
        found.add(a + b)
        if a == b and text.startswith(a + a, m.start() + 4):
            found.add(a * 3)  # 哈哈哈哈哈哈: 哈哈哈 twice too
    assert said_twice(text) == found


def _said(paras: list[str], known: Sequence[Character] = ()) -> list[str | None]:
    """Who says each line of a Chinese passage."""
    segments, _ = attribute(_book("zh-Hans", paras), known)
    return [s.speaker for s in segments if s.kind == "dialogue"]


def _speakers_and_sexes(
    language: str, lines: list[str]
) -> tuple[list[str | None], dict[str, Gender | None]]:
    """Who says each line, and the sex of each character given lines."""
    segments, characters = attribute(_book(language, lines))
    said = [s.speaker for s in segments if s.kind == "dialogue"]
    return said, {c.name: c.gender for c in characters}


def _cast_and_speakers(language: str, lines: list[str]) -> tuple[set[str], list[str | None]]:
    """Everyone the roster found in the book (whether given lines or not), and who says each
    line."""
    found: list[Roster] = []

    def keep(*args: Any, **kwargs: Any) -> Roster:
        found.append(build_roster(*args, **kwargs))
        return found[-1]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(attribution, "build_roster", keep)
        segments, _ = attribution.attribute(_book(language, lines))
    return set(found[0].forms), [s.speaker for s in segments if s.kind == "dialogue"]


def test_words_that_open_quotes_are_not_characters() -> None:
    """ "Nay, …" and "Aye, …" look like a name addressed; nobody is called so anywhere else."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            '"Nay, the road is flooded," said Walter.',
            '"Aye, and the bridge too," said Maud.',
            '"Nay, you are wrong," Walter answered.',
            '"Aye, I saw it," Maud said. "Walter, come and look."',
        ],
    )
    assert cast == {"Walter", "Maud"}
    assert speakers == ["Walter", "Maud", "Walter", "Maud", "Maud"]


def test_a_french_title_stays_with_its_name() -> None:
    """Mlle. Odile is one character, not "Mlle". (Who says her line is the cue reader's
    part: it still ends a sentence at "Mlle.")"""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            '"You lost again," Mlle. Odile said. Mme. Roux laughed.',
            '"I shall win tomorrow," said Mr. Pell.',
        ],
    )
    assert cast == {"Mlle. Odile", "Mme. Roux", "Mr. Pell"}
    assert speakers[1] == "Mr. Pell"


def test_places_and_peoples_are_not_characters() -> None:
    """A capitalised word seen after 'at', 'to' or 'the' and never speaking is a place or a
    kind of people (at Ashcombe, the Bavarian), not someone to give lines to."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "They drove to Ashcombe in the rain, and at Ashcombe the Bavarian was waiting.",
            '"You are late," said Clara. The Bavarian bowed to her.',
            "In Ashcombe nobody was ever on time.",
            '"The road was bad," said Tobias. The Bavarian smiled at the two of them.',
        ],
    )
    assert cast == {"Clara", "Tobias"}
    assert speakers == ["Clara", "Tobias"]


def test_a_name_ending_in_hall_park_or_street_is_a_place() -> None:
    """Kellynch Hall, Mansfield Park, James Street: a place however often the narration and the
    talk name it, never someone to give lines to."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "Sir Walter had left Kellynch Hall. Kellynch Hall stood empty all winter.",
            '"Principal seat, Kellynch Hall, in the county of Somerset," said Anne.',
            '"Kellynch Hall is let," said Sir Walter. Mansfield Park was far away.',
            '"To an admiral," said Anne.',
        ],
    )
    assert cast == {"Sir Walter", "Anne"}
    assert speakers == ["Anne", "Sir Walter", "Anne"]


def test_a_kind_of_person_is_not_a_character_even_when_a_tag_names_it() -> None:
    """An Indian, an Englishman (written after "a" or "an" again and again) are kinds of
    people, and so are the Indians, even where a tag says "said the Indian"."""
    cast, _ = _cast_and_speakers(
        "en",
        [
            "An Indian came to the gate, and an Englishman rode after him.",
            "Aziz had never met an Englishman who listened to an Indian.",
            '"Go in," said the Indian. The Indians at the club laughed.',
            '"Not yet," said Aziz. The Englishman said nothing.',
            '"Then wait," said Aziz.',
        ],
    )
    assert cast == {"Aziz"}


def test_sisters_named_together_are_not_a_character() -> None:
    """ "the Miss Bertrams" is two sisters at once, beside Miss Bertram herself: no one to give
    lines to."""
    cast, _ = _cast_and_speakers(
        "en",
        [
            "The Miss Bertrams came down to dinner together.",
            '"We walked to the village," said Miss Bertram. Julia laughed.',
            "Mrs. Norris praised the Miss Bertrams for their industry.",
            '"So very good of them," said Mrs. Norris.',
        ],
    )
    assert "Miss Bertrams" not in cast and "Miss Bertram" in cast


def test_an_adverb_that_only_opens_sentences_is_not_a_character() -> None:
    """Thence, written only at sentence starts and never in lower case, is no name."""
    cast, _ = _cast_and_speakers(
        "en",
        [
            "He climbed to the ridge. Thence his eyes wandered over the town.",
            "Thence he went down to the inn. Thence the road ran south.",
            '"Who is there?" asked Kemp.',
        ],
    )
    assert cast == {"Kemp"}


def test_a_word_opening_a_tag_sentence_is_not_a_character() -> None:
    """ "Recovering herself, she said": a capital at a sentence start, written in lower case
    elsewhere, says nothing; a speaker named there before a speech verb does."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            '"Who is there?" asked Irene.',
            'Recovering herself, she smiled. "Only the wind."',
            'Quill said nothing. "It was recovering its strength," said Mr. Quill at last.',
        ],
    )
    assert cast == {"Irene", "Mr. Quill"}
    assert speakers == ["Irene", "Irene", "Mr. Quill"]


@pytest.mark.parametrize(
    "lines, speakers",
    [
        # a nickname and a game handle
        (
            ["天色暗了。", "疯狗说：“走吧，别等了。”", "夜雨听风说：“再等一会儿。”"],
            ["疯狗", "夜雨听风"],
        ),
        # a foreign name in Latin letters beside Han characters
        (["Tom说：“我先上。”", "艾琳说：“你小心点。”"], ["Tom", "艾琳"]),
        # a doubled pet name and a title alone
        (["豆豆说：“妈妈，我饿了。”", "院长说：“马上开饭。”"], ["豆豆", "院长"]),
        # given names said once, each in a tag on its own line after the quote
        (["“三千。”", "明远说。", "“太多了。”", "秋燕说。"], ["明远", "秋燕"]),
        # how it is said between the name and the verb, and a name a line says spoke
        (
            ["“一定能赢的，对吧？”青檀小声问。", "“放心吧。”", "说话的是林动的父亲林啸。"],
            ["青檀", "林啸"],
        ),
        (["袭人在旁笑道：“拦也拦不住。”", "麝月忙道：“快去吧。”"], ["袭人", "麝月"]),
    ],
)
def test_a_name_in_a_plain_tag_speaks_whatever_it_is(lines: list[str], speakers: list[str]) -> None:
    """X说：“…”: the tag holds nothing but a name and a speech verb (and how it was said), so
    X is someone, even when no surname list knows the name and it is said once; so is the
    name a line says spoke (说话的是林啸)."""
    cast, said = _cast_and_speakers("zh-Hans", lines)
    assert set(speakers) <= cast
    assert said == speakers


def test_a_kinship_noun_is_the_name_beside_it_or_no_one() -> None:
    """儿子 beside 润生 is 润生; a wife met only as 妻子 is nobody's voice of her own."""
    cast, said = _cast_and_speakers(
        "zh-Hans",
        [
            "老田蹲在门口抽烟，他儿子润生走过来。",
            "润生说：“车在外面。”",
            "儿子说：“爸，车修好了。”",
            "老田点点头：“那就走吧。”",
            "妻子说：“路上慢点。”",
        ],
    )
    assert "儿子" not in cast and "妻子" not in cast
    assert said[:2] == ["润生", "润生"]


def test_places_families_and_joined_words_are_not_characters() -> None:
    cast, said = _cast_and_speakers(
        "zh-Hans",
        [
            "柳树湾的人都知道，田家和李家不和。",
            "田明远说：“柳树湾今年要修路。”",
            "李秋燕说：“修路要钱。”",
            "和明远吵了一架以后，李秋燕说：“算了。”",
            "柳树湾说起来也不大。田家的人都笑了。",
        ],
    )
    assert cast == {"田明远", "李秋燕"}
    assert said == ["田明远", "李秋燕", "李秋燕"]


def test_a_word_that_says_how_is_not_a_character() -> None:
    """迟疑地走过去: a surname-like first character, but 地 makes it an adverb."""
    cast, said = _cast_and_speakers(
        "zh-Hans",
        [
            "王刚站在门口。",
            "迟疑地走到他跟前，小声问：“你找谁？”",
            "王刚说：“找你。”",
            "迟疑地看着他，李梅说：“进来吧。”",
        ],
    )
    assert "迟疑" not in cast
    assert said[1:] == ["王刚", "李梅"]


def test_a_given_name_opening_clause_after_clause_is_a_character_in_a_short_passage() -> None:
    """秀芝 opens three clauses and goes on a different way each time; the passage is too
    short to act on her (给秀芝), yet she is who the story is about. 向东, whose first
    character is a function word, speaks in a tag (向东对她讲) and is acted on (由向东来)."""
    cast, said = _cast_and_speakers(
        "zh-Hans",
        [
            "星期天，秀芝推着车去了集市。",
            "路上，秀芝也遇到了几个熟人。",
            "回到家，秀芝赶紧生火做饭。",
            "不用说，向东也早早下了班。有时候，向东对她讲：",
            "“以后做饭的事都由我来！”",
            "“你能行吗？”她笑着问。",
            "从此，家务就由向东来操持，这使向东很高兴。向东就把饭菜都做好了。",
        ],
    )
    assert {"秀芝", "向东"} <= cast
    assert said == ["向东", "秀芝"]


def test_a_news_reporter_is_no_reporter_surnamed_wen() -> None:
    """新闻记者: a news reporter, not 闻记者 (闻 is a surname, 记者 a title)."""
    cast, _ = _cast_and_speakers(
        "zh-Hans",
        [
            "高朗问她：“你的心情怎样？”",
            "其实，这只是新闻记者的职业习性。",
            "晓霞说：“我的心情很复杂。”",
        ],
    )
    assert "闻记者" not in cast


def test_a_web_novels_manner_words_are_not_characters() -> None:
    """冷哼一声, 温声道, 厉声道: how a web novel's speakers speak; 冷, 温, 厉 are surnames too,
    but these open no name, and the young man in white is the one who snorts."""
    cast, said = _cast_and_speakers(
        "zh-Hans",
        [
            "林凡站在台下。",
            "白衣青年冷哼一声：“就凭我是考官。”",
            "林凡温声道：“师兄息怒。”",
            "白衣青年厉声道：“退下！”",
        ],
    )
    assert not {"冷哼", "温声", "厉声"} & set(cast)
    assert said == ["白衣青年", "林凡", "白衣青年"]


def test_a_role_noun_after_a_determiner_is_the_role() -> None:
    """一个胖子嚷道, 那老者…: the fat man and the old man, not 一个胖子 nor no one."""
    cast, said = _cast_and_speakers(
        "zh-Hans",
        [
            "林凡站在台下。",
            "“凭什么？”一个胖子嚷道。",
            "那老者打量了林凡几眼：“嗯，不错。”",
        ],
    )
    assert "一个胖子" not in cast
    assert said == ["胖子", "老者"]


def test_a_web_novels_given_names_and_epithets_say_the_gender() -> None:
    """赵天宇, 林凡 (宇, 凡: men's names), 苏雨萱 (萱: a woman's), 青年 and 胖子 (a young
    man, a fat man), with no he or she in the text: a man's voice and a woman's."""
    genders = _genders(
        "zh-Hans",
        [
            "赵天宇走上高台。",
            "“今日考核，只取前十。”赵天宇说。",
            "林凡皱了皱眉。",
            "“凭什么？”林凡说。",
            "苏雨萱拉住了他。",
            "“别去。”苏雨萱说。",
            "“我偏要去。”青年说。",
            "“我也去！”胖子说。",
        ],
    )
    assert genders == {
        "赵天宇": "male",
        "林凡": "male",
        "苏雨萱": "female",
        "青年": "male",
        "胖子": "male",
    }


def test_whom_a_character_acts_on_says_nothing_of_their_own_sex_en() -> None:
    """ "Holloway watched her go, and he sighed": her is the one he watches, so the sentence
    says he of Holloway alone; "Alice took her coat" is hers. The man is a man, the girl a
    girl."""
    genders = _genders(
        "en",
        [
            "Holloway watched her go, and he sighed.",
            '"Good night," said Holloway.',
            "Alice took her coat from the peg.",
            '"Good night," said Alice.',
        ],
    )
    assert genders == {"Holloway": "male", "Alice": "female"}


def test_the_role_written_before_a_name_says_the_gender() -> None:
    """皇帝萧景琰, 贵妃沈清婉: neither given name says a sex (琰, 婉 aside from a list), the
    emperor and the consort do."""
    genders = _genders(
        "zh-Hans",
        [
            "皇帝萧景琰斜倚在龙椅上。",
            "“让她进来。”萧景琰说。",
            "贵妃沈清婉款款走了进来。",
            "“臣妾参见皇上。”沈清婉说。",
        ],
    )
    assert genders == {"萧景琰": "male", "沈清婉": "female"}


def test_a_name_that_acts_again_and_again_is_a_character() -> None:
    """郑秋生 never stands beside a quote, but opens clause after clause and does something
    different each time: a name, whose unattributed line can go to him."""
    cast, _ = _cast_and_speakers(
        "zh-Hans",
        [
            "郑秋生推开门，屋里没有人。",
            "郑秋生在桌边坐下，看着窗外发呆。",
            "天黑了，郑秋生才想起还没吃饭。",
            "“开饭了！”",
        ],
    )
    assert "郑秋生" in cast


def test_a_name_opening_a_sentence_that_ends_in_dao_is_a_character() -> None:
    """春桃 (no surname) opens a sentence whose verb, further on, is 道: written three times,
    a name, and her line is hers."""
    cast, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "沈清辞垂着眼，春桃扶着她，春桃的手心全是汗。",
            "春桃在她身后急得直跺脚，小声道：“小姐，咱们走吧。”",
        ],
    )
    assert "春桃" in cast
    assert speakers == ["春桃"]


def test_two_names_that_share_their_start_are_two_characters() -> None:
    """周文武 and 周文山 are brothers; 周文 is neither of them."""
    cast, said = _cast_and_speakers(
        "zh-Hans",
        [
            "周文武蹲在门口抽烟，周文山从地里回来。",
            "周文武说：“今年收成不好。”",
            "周文山说：“明年再说吧。”",
            "周文武叹了口气，周文山也不吭声了。",
        ],
    )
    assert {"周文武", "周文山"} <= cast and "周文" not in cast
    assert said == ["周文武", "周文山"]


def test_a_given_name_alone_that_acts_and_is_acted_on_is_a_character() -> None:
    """秋燕 never speaks in a tag, but opens sentences doing different things and is given
    something: a person. 其实 opens sentences too, but nobody gives anything to 其实."""
    cast, _ = _cast_and_speakers(
        "zh-Hans",
        [
            "秋燕想了一下，没有说话。其实她早就知道了。",
            "“你去吧。”",
            "秋燕给奶奶倒了一碗水。其实奶奶并不渴。",
            "他把信交给秋燕，转身走了。",
        ],
    )
    assert "秋燕" in cast
    assert "其实" not in cast


def test_a_title_alone_is_the_one_the_book_names_with_it() -> None:
    """ "Mademoiselle" alone is Mademoiselle Vautrin, whom the book calls so again and again,
    not Mademoiselle Odette, named once."""
    _, speakers = _cast_and_speakers(
        "en",
        [
            "Mademoiselle Vautrin sat down at the piano. Mademoiselle Odette had gone home.",
            '"Play it again," said Edna. Mademoiselle Vautrin smiled.',
            '"Not tonight," said Mademoiselle Vautrin.',
            '"Then tomorrow," Edna said.',
            '"Perhaps," said Mademoiselle.',
        ],
    )
    assert speakers == ["Edna", "Mademoiselle Vautrin", "Edna", "Mademoiselle Vautrin"]


def _genders(language: str, lines: list[str]) -> dict[str, str | None]:
    """Each character given a line, with the gender the cast gives it."""
    _, cast = attribute(_book(language, lines))
    return {c.name: c.gender for c in cast}


def test_a_name_called_after_a_first_word_and_a_comma_is_someone_addressed_en() -> None:
    """ "Nobody, Gran," "Yes, Harry": the name at the end is called, whatever word opens the
    line; Gran, a kinship word the family calls her by, is a woman."""
    cast, _ = _cast_and_speakers(
        "en",
        [
            "Nora and Sam sat in the kitchen.",
            '"Who is useless?" came a voice from the door.',
            '"Nobody, Gran," said Sam.',
            "Gran sat down.",
        ],
    )
    assert "Gran" in cast
    assert _genders("en", ['"Nobody, Gran," said Sam.', '"Liar," said Gran.'])["Gran"] == "female"


def test_a_month_that_is_also_a_given_name_is_a_name_mid_sentence() -> None:
    """May is a woman where she speaks and is named mid-sentence (said May, May Tolliver,
    May's); "May I…" opening a line and "in May" name no one."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "May Tolliver came in from the garden in May, when the roses opened.",
            '"May I sit here?" asked Walter.',
            '"If you like," said May.',
            "Walter looked at May's hands. May laughed at him.",
            '"You may," May said, "but only till noon."',
        ],
    )
    may = [name for name in cast if name.startswith("May")]
    assert len(may) == 1, cast
    assert speakers == ["Walter", may[0], may[0], may[0]]


def test_a_surname_or_given_name_alone_joins_the_full_name_not_his_mother() -> None:
    """Pryce and Edward are Edward Pryce; Mrs. Pryce, his mother, stays herself, and Miss
    Pryce, his sister, is not Mrs. Pryce either."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "At the window stood Edward Pryce, and Mrs. Pryce poured the tea.",
            '"It will rain," said Pryce.',
            '"Nonsense," said Mrs. Pryce.',
            '"Edward is right," said Miss Pryce.',
            "Edward shrugged and sat down beside Edward Pryce's old dog.",
            '"Let it rain," said Edward.',
        ],
    )
    roland = [name for name in cast if "Edward" in name]
    assert cast == {*roland, "Mrs. Pryce", "Miss Pryce"} and len(roland) == 1
    assert speakers == [roland[0], "Mrs. Pryce", "Miss Pryce", roland[0]]


def test_a_name_with_accented_letters_is_whole() -> None:
    """Alcée is not "Alc", and Zoë is not "Zo"."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            '"Good evening," said Alcée Arobin.',
            '"Is it?" said Zoë.',
            "Alcée bowed to Zoë and went out.",
        ],
    )
    assert {"Alcée Arobin", "Zoë"} <= cast
    assert not {"Alc", "Zo"} & cast
    assert speakers == ["Alcée Arobin", "Zoë"]


def test_an_honorific_decides_the_gender_whatever_the_pronouns_around() -> None:
    """Madame Varenne is in sentences about the man she talks to: their he's are his."""
    genders = _genders(
        "en",
        [
            "Madame Varenne watched him while he paced; he did not see her.",
            '"Sit down," said Madame Varenne.',
            "He stopped. Madame Varenne saw that he was tired, and he knew it.",
            '"I cannot," said Julian.',
            "Madame Varenne looked at him as he turned; he was pale.",
            '"Then stand," said Madame Varenne.',
        ],
    )
    assert genders["Madame Varenne"] == "female"


@pytest.mark.parametrize(
    ("she", "he", "name_says", "gender"),
    [
        (9, 6, "female", "female"),  # Blanche: the name and most pronouns agree
        (4, 2, "male", None),  # they disagree, and the pronouns lead by little
        (30, 2, "male", "female"),  # they disagree, and the pronouns say it plainly
    ],
    ids=["agree", "disagree-close", "disagree-plain"],
)
def test_a_given_name_and_most_pronouns_agreeing_decide_the_gender(
    she: int, he: int, name_says: Gender, gender: Gender | None
) -> None:
    """A main character is in many sentences with the other sex: the he/she around her name
    lean her way without doubling; where her given name says so too, that is her gender."""
    votes = Counter({"female": she, "male": he})
    assert weigh_gender(votes, (name_says, EN_NAME_WEIGHT)) == gender


def test_a_name_ending_in_a_function_word_is_whole() -> None:
    """罗长才: 才 is also the adverb "only then", but the book writes 罗长 with it every
    time; 少安才明白 is 少安 and the adverb."""
    cast, said = _cast_and_speakers(
        "zh-Hans",
        [
            "罗长才立刻站了起来。",
            "“这事不能拖。”罗长才说。",
            "罗长才惊讶地看着他，少安才明白过来。",
            "他把烟递给罗长才。少安说：“你先回去。”",
            "少安看了看天。",
        ],
    )
    assert "罗长才" in cast and "罗长" not in cast
    assert "少安才" not in cast
    assert said == ["罗长才", "少安"]


def test_a_given_name_alone_says_the_gender_a_full_name_would() -> None:
    """翠莲 and 根生, called by their given names alone as families do: a woman's and a
    man's name, with no he or she in the text to say so."""
    genders = _genders(
        "zh-Hans",
        [
            "翠莲端着碗走进来。",
            "“吃饭了。”翠莲说。",
            "根生放下锄头。",
            "“来了。”根生说。",
        ],
    )
    assert genders == {"翠莲": "female", "根生": "male"}


def test_a_knight_is_never_a_mr_and_a_lady_by_surname_is_a_wife() -> None:
    """Mr Hollis is the cousin, not Sir Edmund Hollis; Lady Hollis is his wife, not their
    daughter Clara Hollis; Lady Clara is Clara."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "Sir Edmund Hollis read by the fire, and Clara Hollis sewed.",
            '"Who is at the door?" said Sir Edmund.',
            '"Only me, cousin," said Mr Hollis.',
            '"Come in," said Lady Hollis.',
            '"We were dull," said Lady Clara. Edmund Hollis laughed.',
        ],
    )
    edmund = [name for name in cast if "Edmund" in name]
    clara = [name for name in cast if "Clara" in name]
    assert len(edmund) == 1 and len(clara) == 1
    assert speakers == [edmund[0], "Mr Hollis", "Lady Hollis", clara[0]]


_LISTED_TWICE = """
import json
from tts.model import Book, Chapter, Character, Paragraph
from tts.speakers.attribute import attribute

lines = [
    "Mrs. Robert Hale came in with her husband, Mr. Robert Hale.",
    '"It is cold," said Mrs. Hale.',
    '"Then sit by the fire," said Mr. Robert Hale.',
    '"I will," said Mrs. Robert Hale. Robert Hale laughed, and Robert sat down.',
]
paras = tuple(Paragraph(t, n) for n, t in enumerate(lines, 1))
book = Book("t.txt", "t", "en", (Chapter(1, None, paras),))
known = [
    Character("Isabel", ("Mrs. Robert Hale", "Isabel Hale"), None, 0),
    Character("Mr. Robert Hale", ("Robert Hale", "Robert", "Mrs. Robert Hale"), None, 0),
]
segments, cast = attribute(book, known)
print(json.dumps([
    [s.speaker for s in segments if s.kind == "dialogue"],
    {c.name: [c.gender, sorted(c.aliases)] for c in cast},
], sort_keys=True))
"""


def test_an_alias_two_listed_characters_claim_is_the_first_ones_whatever_the_hash_seed() -> None:
    """voices.yaml lists "Mrs. Robert Hale" for the wife and (by mistake) for her husband
    too: the first listed keeps it, the husband stays himself and a man, and the result is
    the same under every hash seed (it once depended on set order)."""
    import json
    import os
    import subprocess
    import sys

    outs = set()
    for seed in ("0", "1", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _LISTED_TWICE], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        outs.add(done.stdout)
    assert len(outs) == 1
    speakers, cast = json.loads(outs.pop())
    assert speakers == ["Isabel", "Mr. Robert Hale", "Isabel"]
    assert cast["Mr. Robert Hale"][0] == "male"
    assert "Mrs. Robert Hale" not in cast["Mr. Robert Hale"][1]


def test_the_latter_and_the_former_are_the_two_just_named_never_characters() -> None:
    """ "said the latter" is the more recently named of the two people just mentioned, "the
    former" the other; neither is a character of its own."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "Mrs. Lane and Miss Thorpe came in from the garden together.",
            '"What a morning!" said the latter.',
            '"Too hot for me," said the former, fanning herself.',
            "Mr. Crane looked up at Miss Thorpe from his paper.",
            '"Good morning," said the former.',
        ],
    )
    assert not {name for name in cast if "latter" in name or "former" in name}
    assert speakers == ["Miss Thorpe", "Mrs. Lane", "Mr. Crane"]


_BEADLE = (
    "The beadle came into the parlour and shut the door behind him.",
    '"Good morning, Mr. Crump," said Mrs. Pell. "Will you sit down?"',
    '"I will, ma\'am," said the beadle.',
    '"You look tired, Mr. Crump."',
    '"The parish is a heavy charge," replied the beadle, sighing.',
    '"Some tea, Mr. Crump?" asked Mrs. Pell.',
    '"Just a drop," said the beadle.',
    '"There, Mr. Crump," said Mrs. Pell.',
    "A stranger knocked at the door.",
    '"Is this the workhouse?" asked the stranger.',
    '"It is," said the beadle.',
)


def test_a_description_the_replies_call_by_name_is_that_character() -> None:
    """ "the beadle" is Mr. Crump when the lines answering him call him so, again and again;
    "the stranger", whom nobody names, stays a character of his own."""
    _, cast = attribute(_book("en", list(_BEADLE)))
    lines = {c.name: c.lines for c in cast}
    assert lines == {"Mrs. Pell": 5, "Mr. Crump": 4, "the stranger": 1}
    # voices.yaml listing "the beadle" keeps him as listed.
    _, cast = attribute(_book("en", list(_BEADLE)), [Character("the beadle", (), None, 0)])
    assert {c.name: c.lines for c in cast}["the beadle"] == 4


def test_a_description_in_a_tag_ends_before_what_follows_it() -> None:
    """ "said the old lady as she rose", "replied the old lady looking very tired" and "said
    the grandmother" are the old lady and Grandmother, as the book calls her: no "old lady
    as" or "old lady looking very" of their own."""
    _, cast = attribute(
        _book(
            "en",
            [
                "Grandmother sat by the window with her knitting.",
                '"Is it late?" said the grandmother.',
                '"Not yet," said Tom. "Not for an hour."',
                '"Then I shall stay," said the old lady as she rose. "Or walk."',
                '"Sit down," said Grandmother.',
                '"Nor I," replied the old lady looking very tired.',
            ],
        )
    )
    lines = {c.name: c.lines for c in cast if c.lines}
    # the old lady's lines are hers, or Grandmother's where the scorer takes the description
    # for the woman in view (she is); "the old lady looking very" is no one
    assert set(lines) <= {"Grandmother", "Tom", "the old lady"} and sum(lines.values()) == 7
    assert lines["Tom"] == 2 and lines["Grandmother"] >= 2


def test_a_given_name_opening_with_a_function_word_is_a_name_where_the_book_uses_it_so() -> None:
    """向前 ("forward") is 李向前's given name where it opens sentences doing different things,
    is acted on (给向前) and speaks (向前说); the same word used as "forward" is no one."""
    cast, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "李向前从县上回来了，手里提着一个包。",
            "润叶看了他一眼，没有说话。",
            "“你吃饭了没有？”向前问。",
            "“吃了。”润叶说。",
            "向前把包放在桌上，坐下来。",
            "“明天我还要出车。”向前说。",
            "润叶给向前倒了一杯水。",
            "“路上小心。”润叶说。",
        ],
    )
    assert "向前" in cast and speakers == ["向前", "润叶", "向前", "润叶"]
    cast, _ = _cast_and_speakers(
        "zh-Hans",
        [
            "队伍向前走去。向前走了几步，少平停下来。",
            "“累了？”金波问。",
            "少平摇摇头，向前看了看。向前是一片荒山。",
            "“走吧。”少平说。向前再走一里就到了。",
        ],
    )
    assert "向前" not in cast


def test_a_capitalised_description_after_the_is_joined_like_a_lower_case_one() -> None:
    """ "the Tinker", always written after "the", is Mr. Gale when the replies call him so."""
    _, cast = attribute(
        _book(
            "en",
            [
                "Ruth watched the Tinker set down his pack by the fire.",
                '"Is the kettle mended?" asked Ruth.',
                '"Nearly," said the Tinker.',
                '"You are slow today, Mr. Gale," said Ruth.',
                '"The solder is cold," replied the Tinker.',
                '"Then warm it, Mr. Gale," said Ruth.',
                '"I will," said the Tinker.',
                '"Thank you, Mr. Gale," said Ruth.',
            ],
        )
    )
    assert {c.name: c.lines for c in cast} == {"Ruth": 4, "Mr. Gale": 3}


def test_a_miss_joins_the_full_name_of_her_sex() -> None:
    """Miss Archer is Mary Archer, not her brother Newland Archer, whose given name says no
    sex, though the book writes his name far more often."""
    _, speakers = _cast_and_speakers(
        "en",
        [
            "Newland Archer came home late. Newland Archer was tired, and Newland Archer said"
            " nothing to Mary Archer at dinner. Mary Archer poured the tea.",
            '"You are late," said Miss Archer.',
            '"I know," said Newland Archer.',
        ],
    )
    assert speakers == ["Mary Archer", "Newland Archer"]


def test_a_one_character_title_inside_a_full_name_is_the_name() -> None:
    """伯 (uncle) is a title (张伯), but 乔伯年 is a full name: its evidence is weighed as a
    name's, and a title before a name (省委书记乔伯年) leaves the name to act and speak."""
    cast, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "省委书记乔伯年来了，大家都站了起来。",
            "“福军啊，你怎么穿了一双布鞋？”",
            "田福军慌忙说：",
            "“疏忽了！”",
            "“算了，这也体现了艰苦朴素的传统嘛！”",
            "省委书记乔伯年开玩笑说。",
            "乔伯年也笑了。",
        ],
    )
    assert "乔伯年" in cast and "乔伯" not in cast
    assert speakers == ["乔伯年", "田福军", "乔伯年"]


def test_a_full_name_written_again_and_again_is_a_character_zh() -> None:
    """侯玉英 opens one clause, stands next to no quote, yet the passage writes her name four
    times (as someone seen, pulled out, watched): whom it is about, a character."""
    cast, _ = _cast_and_speakers(
        "zh-Hans",
        [
            "孙少平跑到沟底，看见洪水已经漫上了侯玉英站着的那个石崖。",
            "孙少平大声喊道：",
            "“抓紧草！别松手！”",
            "他看见侯玉英两手死死揪着丛草。",
            "洪水已经淹没了侯玉英的下半身。",
            "“救命啊！”",
            "他跳进水里，把侯玉英拖上了土台子。",
            "侯玉英趴在土台子上，放开声嚎了。",
        ],
    )
    assert {"孙少平", "侯玉英"} <= cast


def test_a_given_name_opening_two_speech_tags_or_twice_written_is_a_character_zh() -> None:
    """少平 and 少安 each open a sentence that ends in a speech verb and are written twice in
    the passage: people, where a role noun addressed in the tags (弟弟) was the only one found
    and was given every line. The first line (他…就问弟弟：) is still nobody's known name."""
    cast, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "他进了院子，见弟弟正给两个孩子摘杏花玩，就问弟弟：",
            "“润叶是不是叫我这几天到城里去找她？”",
            "少平看他哥这样颠三倒四又问这事，就说：",
            "“我不是给你说了嘛！你究竟去不去？”",
            "少安一边往家里走，一边对弟弟说：",
            "“我去……”",
            "少平笑了，少安也笑了。",
        ],
    )
    assert {"少平", "少安"} <= cast
    assert speakers[1:] == ["少平", "少安"]


def test_a_given_name_with_hands_of_her_own_is_a_character_zh() -> None:
    """秀莲 opens two sentences, going on differently, and is never acted on by a coverb; but
    兰香 holds 秀莲的手: only a person has a hand. Her 她说： line was the one man's."""
    cast, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "秀莲到少安家，转眼间七八天就过去了，但她还是不愿意走。",
            "少安亲热地对她说：",
            "“你回去吧，我给你家里写封信。”",
            "秀莲红着脸低下了头。",
            "兰香拉着秀莲的手，也不让她走。",
            "她说：",
            "“不要写了。等信到家里，我也快回去了……”",
        ],
    )
    assert "秀莲" in cast
    assert speakers == ["少安", "秀莲"]


def test_the_head_of_a_longer_word_is_not_a_name_but_the_role_is_zh() -> None:
    """宣传 is always written 宣传部长: the character is the head of propaganda, not 宣传; 讲故
    of 讲故事 is no one at all."""
    cast, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "晓霞和少平正说着话，门开了。",
            "宣传部长走进来，笑着对晓霞说：",
            "“田记者，吃饭去吧！”",
            "晓霞笑道：",
            "“这就来。”",
            "宣传部长又回过头，对少平说：",
            "“你也一块去。”",
            "讲故事的老汉清了清嗓子，说：",
            "“从前有座山。”",
            "讲故事的老汉又说：",
            "“山里有座庙。”",
        ],
    )
    assert "宣传" not in cast and "讲故" not in cast
    assert speakers[:3] == ["宣传部长", "晓霞", "宣传部长"]


def test_a_third_full_name_of_a_shared_head_tagged_once_is_a_character_zh() -> None:
    """金光明 and 金光亮 share 金光; 金光辉, written once, stands in a speech tag: a third
    brother, not 金光明 going on."""
    cast, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "金光明和金光亮坐在院子里。",
            "金光明说：",
            "“大哥，你的心情我们都能理解。”",
            "金光亮没有言传，金光明又说：",
            "“咱们还得谨慎一些。”",
            "金光亮叹了一口气。",
            "金光辉也凑话说：",
            "“老人也能体谅活人的难处哩。”",
            "金光亮骂道：",
            "“放你们的臭屁！”",
        ],
    )
    assert {"金光明", "金光亮", "金光辉"} <= cast
    assert speakers == ["金光明", "金光明", "金光辉", "金光亮"]


def test_an_old_mans_name_ends_before_laohan_zh() -> None:
    """万江老汉: 万江 (a surname and a given character), an old man; not a name 万江老."""
    cast, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "少安走进饲养室，看见万江老汉蹲在牲口槽边。",
            "万江老汉吓了一跳，说：",
            "“你怎来了？”",
            "少安笑了，说：",
            "“大叔，我来看看你。”",
            "万江老汉这才笑了，对队长说：",
            "“我睡不踏实，就跑到这里来了。”",
        ],
    )
    assert "万江" in cast and "万江老" not in cast
    assert speakers == ["万江", "少安", "万江"]


def test_a_clause_ending_in_a_kinship_noun_is_no_character() -> None:
    """她抱起儿子 (she picks up her son) ends in a role noun, as 采访记者 does, but a he or
    she is its subject: never a character, nor the speaker of the line after."""
    cast, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "郝红梅看着孩子，眼泪流了下来。",
            "“妈妈，他是谁？”孩子问。",
            "她抱起儿子，哽咽地说：",
            "“这是你的爸爸。”",
            "她抱起儿子，走进了屋里。",
            "她抱起儿子，又亲了亲他的脸。",
        ],
    )
    assert not any("她" in name for name in cast)
    assert "她抱起儿子" not in speakers


def test_a_name_in_a_tag_that_asks_someone_or_speaks_to_someone_is_a_character() -> None:
    """亮亮追问她。 is a plain tag with whom it asks; 她对少平说。 names who is spoken to: both
    are people, even named once in a short passage."""
    cast, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "她把孩子搂在怀里。",
            "“他什么时候回来？我可想他哩！”",
            "亮亮追问她。",
            "她在矿灯房找到了工作。",
            "“你不要再为我们操心了。”",
            "她对少平说。",
            "“你不要担心，嫂子。家里有什么事，都有我哩！”",
        ],
    )
    assert {"亮亮", "少平"} <= cast
    # The reply to 她 is 少平's, but the scorer weighs it a coin flip (0.49 against 0.51)
    # once the line before it, the unnamed woman's, has gone to 亮亮: which of the two the
    # retrained weights prefer is no roster question.
    assert speakers[0] == "亮亮" and speakers[2] in ("亮亮", "少平")


def test_a_he_or_she_before_the_name_is_someone_elses() -> None:
    """Margaret is with Henry in every sentence that names him, and her "she" comes first:
    "She looked at Henry." says nothing of his sex (Howards End's Henry was a woman so)."""
    genders = _genders(
        "en",
        [
            '"Good evening," said Margaret.',
            '"Good evening," said Henry.',
            "She looked at Henry. She took Henry's arm, and she smiled at Henry.",
            "Then she said to Henry that she was tired. She let Henry lead the way.",
            "When she came down, she found Henry in the hall.",
            '"Shall we go?" said Henry.',
        ],
    )
    assert genders["Henry"] == "male"


def test_two_names_joined_by_and_are_two_people() -> None:
    """Charles and Mr. Wilcox, his father, are two people: Mr. Wilcox does not join Charles
    Wilcox, the one full name with that surname the book writes."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "That morning Charles Wilcox drove down, and Charles and Mr. Wilcox talked.",
            '"The car is ready," said Charles.',
            '"Then we go," said Mr. Wilcox.',
            "Later Charles and Mr. Wilcox walked in the garden.",
        ],
    )
    assert speakers == ["Charles", "Mr. Wilcox"]


@pytest.mark.parametrize(
    ("title", "given", "surname", "opening", "named"),
    [
        ("Madame", "Ellen", "Olenska", "Ellen Olenska came with her aunt.", "Ellen Olenska"),
        # Mr. John Knightley is a younger brother: the bare Mr. Knightley is not John
        ("Mr.", "John", "Knightley", "Mr. John Knightley came with his wife.", "Mr. Knightley"),
    ],
    ids=["full-name", "brother"],
)
def test_a_character_called_by_title_and_surname_is_named_by_the_full_name_the_book_gives(
    title: str, given: str, surname: str, opening: str, named: str
) -> None:
    """Madame Olenska is Ellen Olenska when the book says so a few times: the name a reader
    knows her by, and no other Olenska's."""
    _, speakers = _cast_and_speakers(
        "en",
        [
            opening,
            f"Everyone knew {given} {surname}. {given} {surname} smiled at them all.",
            f'"Good evening," said {title} {surname}.',
            f'"You are kind," said {title} {surname}.',
            f'"Not at all," said {title} {surname}.',
            f"{title} {surname} sat down.",
        ],
    )
    assert set(speakers) == {named}


@pytest.mark.parametrize("named_once", [True, False], ids=["a-general-of-history", "no-holder"])
def test_a_title_the_book_writes_alone_again_and_again_is_a_character(named_once: bool) -> None:
    """The General, called so at every turn, is not General Perovski of a memoir mentioned
    once; with no General named at all he is still a character: "General" speaks."""
    lines = ["I read them the memoirs of General Perovski."] if named_once else []
    lines += [
        "The General frowned at me. The General was in a bad temper that day.",
        "The General walked to the window, and the General looked down at the square.",
        "The General sat down. The General took up his pen. The General sighed.",
        "Then the General rang for tea, and the General drank it standing.",
        '"You lost again," said the General.',
        '"Only a little," said Polina.',
        '"A little is too much," the General answered.',
    ]
    cast, speakers = _cast_and_speakers("en", lines)
    assert speakers == ["General", "Polina", "General"]
    assert "General Perovski" not in speakers


def test_a_surname_husband_and_wife_share_is_named_with_his_title() -> None:
    """McBryde, mostly called so, and his wife Mrs. McBryde: he is "Mr. McBryde" in the script,
    the name that tells the two apart, since the book never gives his given name."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "Mr. McBryde came in late. McBryde hung up his hat; McBryde was tired.",
            '"The car is outside," said McBryde.',
            '"Then we go at once," said Mrs. McBryde.',
            "McBryde shrugged, and Mrs. McBryde laughed at him.",
        ],
    )
    assert speakers == ["Mr. McBryde", "Mrs. McBryde"]


def test_a_title_right_after_an_office_is_whoever_holds_it_not_the_titled_character() -> None:
    """团地委书记 is the district youth league's secretary, the man in the room: not 曹书记,
    whom voices.yaml lists and the bare title 书记 may stand for elsewhere."""
    known = (Character("曹书记", (), "male"), Character("武惠良", ("惠良",), "male"))
    paras = [
        "曹书记走了以后，武惠良一个人坐在办公室里。",
        "团地委书记拿起电话，大声喊：",
        "“给我接县委！”",
    ]
    assert _said(paras, known) == ["武惠良"]


def test_a_title_alone_written_beside_a_name_is_that_character() -> None:
    """乡长刘根民: the township head is 刘根民, and 乡长 alone says so later."""
    paras = [
        "因为乡长刘根民是少安的同学，少安先去了乡上。",
        "孙玉亭给乡长送上请柬，刘根民也有点激动了。",
        "乡长恍然大悟地说：",
        "“是呀，这是好事！”",
        "刘根民放下话筒，咧开嘴笑了。",
    ]
    segments, cast = attribute(_book("zh-Hans", paras))
    assert [s.speaker for s in segments if s.kind == "dialogue"] == ["刘根民"]
    assert "乡长" in next(c for c in cast if c.name == "刘根民").aliases


def test_a_given_name_with_a_kin_term_says_the_sex() -> None:
    """润叶姐 is sister Runye: a woman, so 她笑着说： is hers, not 少平's. (少安妈 is his
    mother, and says nothing of 少安.)"""
    paras = [
        "“你坐嘛。”润叶说。",
        "“不坐了。”少平说。",
        "少平看着润叶姐，有点不好意思，他低下了头。",
        "她笑着说：",
        "“那你快回去吧。”",
    ]
    segments, cast = attribute(_book("zh-Hans", paras))
    assert [s.speaker for s in segments if s.kind == "dialogue"][-1] == "润叶"
    assert {c.name: c.gender for c in cast}["润叶"] == "female"
    _, cast = attribute(_book("zh-Hans", ["“回来了。”少安说。", "少安妈也很急，看着少安。"]))
    assert {c.name: c.gender for c in cast}["少安"] != "female"


def test_a_name_with_a_relative_after_it_is_that_relative() -> None:
    """少安妈 is 少安's mother: her line is hers (a woman's), not his."""
    paras = ["“我去地里了。”少安说。", "少安妈从窑里出来，说：", "“吃了饭再去！”"]
    segments, cast = attribute(_book("zh-Hans", paras))
    assert [s.speaker for s in segments if s.kind == "dialogue"] == ["少安", "少安妈"]
    assert {c.name: c.gender for c in cast}["少安妈"] == "female"


def test_a_passage_that_names_no_one_by_the_usual_evidence_still_gets_a_guess() -> None:
    """A short passage (a page of a web novel, an excerpt) may name its speaker once, as a
    subject: with no one else found, that full name is a better guess than no speaker."""
    paras = ["溜子停下一会后，王大海又从溜槽上爬过来。", "“走吧！”", "他在黑暗中招呼大家说。"]
    assert _said(paras) == ["王大海"]
    # where the usual evidence finds someone, a name seen once stays no one
    paras = ["“开会吧。”李明说。", *paras]
    _, cast = attribute(_book("zh-Hans", paras))
    assert "王大海" not in {c.name for c in cast}


def test_a_later_she_is_the_subject_whose_name_says_so() -> None:
    """晓霞…，叫人认不出来她是女的: the 她 is 晓霞, the sentence's subject, whose name says
    she is a woman; not 少平, the man named before (a later he/she is mostly someone else)."""
    paras = [
        "“走吧。”少平说。",
        "“好。”晓霞说。",
        "少平拉着晓霞往前走。",
        "晓霞的衣衫已经湿透了，脸黑得叫人认不出来她是女的。",
        "晓霞紧张得没说一句话，心想她怎么也来了这里。",
    ]
    _, cast = attribute(_book("zh-Hans", paras))
    assert {c.name: c.gender for c in cast}["少平"] != "female"
    assert {c.name: c.gender for c in cast}["晓霞"] == "female"


def test_a_title_joins_the_listed_name_the_book_uses_not_one_it_never_names() -> None:
    """A voices.yaml written for the whole novel lists two 徐; this chapter names only 徐治功,
    so 徐主任 is he, not a character of his own."""
    known = (Character("徐治功", (), "male"), Character("徐爱云", (), "female"))
    paras = [
        "徐治功在公社院子里转了一圈。",
        "徐主任捏灭了一个纸烟头，扭过头问孙玉亭：",
        "“你们村的事定了没？”",
    ]
    assert _said(paras, known) == ["徐治功"]
    # where the book names both, the title alone says neither
    paras = ["徐爱云也来了。", *paras]
    assert _said(paras, known) != ["徐爱云"]


def test_whoever_follows_a_coverb_is_no_speaker() -> None:
    """对下棋的徐治功说：, 把老祖母摇醒，…说：: the one spoken to or acted on is the object; the
    subject before speaks."""
    paras = [
        "“将！”徐治功说。",
        "刘根民走过去，对下棋的徐治功说：",
        "“徐主任，今年麦子播种情况普遍好。”",
    ]
    assert _said(paras) == ["徐治功", "刘根民"]
    # nor one in a place phrase: 在副局长面前 is where she stands
    known = (Character("赵副局长", (), "male"), Character("田晓霞", (), "female"))
    paras = [
        "田晓霞找到了公安局的副局长，拿出证件，在副局长面前一晃，说：",
        "“我是记者，请你命令民警撤离群众！”",
    ]
    assert _said(paras, known) == ["田晓霞"]
    # a role noun after one is no character either (跟儿子 is "with the son")
    tags = ["田福堂说。", "田福堂听说是这样，就跟儿子往出走。"]
    roster = build_roster(["田福堂明显地感到自己的腰杆子更硬了。"], tags, ["走吧。"], False)
    assert set(roster.forms) == {"田福堂"}


def test_whom_the_tag_line_after_says_it_was_said_to_did_not_say_it() -> None:
    """“…” / 她对少平说。 where no woman is known yet: whoever said it, not 少平, the one it
    was said to (a line given to him would also vote him a woman's voice)."""
    paras = ["少平看着窗外。", "“你不要再为我们操心了。”", "她对少平说。"]
    assert _cast_and_speakers("zh-Hans", paras)[1] != ["少平"]


def test_a_given_name_with_a_kinship_title_is_a_character() -> None:
    """惠英嫂, written again and again and opening clauses, is 惠英, a woman: the one left
    to say the line her 她 tags (so 少平 is no woman); 少安妈 is someone else's mother."""
    paras = [
        "少平很为惠英嫂高兴。",
        "惠英嫂把饭端上了桌。",
        "“你不要再为我们操心了。”",
        "她对少平说。",
        "少平把明明抱起来，看着惠英嫂笑了。",
    ]
    said, sexes = _speakers_and_sexes("zh-Hans", paras)
    assert said == ["惠英"]
    assert sexes["惠英"] == "female"
    roster = build_roster(["少安妈正坐在炕上。", "少安妈笑了。", "少安妈点点头。"], [], [], False)
    assert "少安" not in roster.forms


def test_his_wife_is_the_one_woman_the_story_names() -> None:
    """A couple's evening: 丽丽 named, then called his wife (他听见妻子在说话。): the line is
    hers; with two women written, the noun is nobody's in particular."""
    paras = [
        "“我回来了。”丽丽说。",
        "“嗯。”武惠良说。",
        "丽丽看了他一眼，进了里屋。",
        "武惠良一个人坐在沙发上抽烟，想了很久很久。",
        "“都好了，你快去洗吧。”",
        "他听见妻子在说话。",
    ]
    assert _cast_and_speakers("zh-Hans", paras)[1] == ["丽丽", "武惠良", "丽丽"]
    roster = build_roster(
        ["丽丽推门进来。", "秀莲推门进来。", "妻子说。"], ["武惠良说。"], ["好。"], False
    )
    assert roster.resolve("妻子") is None


def test_a_speech_verb_before_say_is_no_name_and_a_trade_before_a_name_is_no_name() -> None:
    """恳求说：, 央求说： (a verb of asking, then 说) name no one; 饲养员田万江 and 会计田海民
    are 田万江 and 田海民, with their trade before them, not 饲养 or 会计田."""
    tags = [
        "他把孙少安拉到一边，恳求说：",
        "他又一次恳求说：",
        "饲养员田万江老汉还开玩笑说：",
        "大队会计田海民嬉笑着对孙少安说：",
    ]
    narration = ["饲养员田万江喂完了牲口。", "饲养员田万江坐在炕头上。", "会计田海民笑了。"]
    roster = build_roster(narration, tags, ["好。"], False)
    assert roster.resolve("恳求") is None
    assert {"田万江", "田海民"} <= set(roster.forms)
    assert not {"饲养", "会计田"} & set(roster.forms)


def test_she_who_speaks_is_the_woman_the_passage_writes_when_no_woman_is_known() -> None:
    """秀莲 opens one clause and is written again and again, never beside a tag; 她…说： needs
    a woman, and she is the one: not 少安, the one man known (nor 红岩 of 《红岩》)."""
    paras = [
        "少安在打了秀莲以后，马上就后悔了——秀莲不管怎样，都是为了心疼他。",
        "“睡吧。”少安说。",
        "过了一阵他听见秀莲不哭了。他想起《红岩》，红岩，红岩。",
        "秀莲把脸贴在他背上，又委屈地啜泣起来。",
        "她一边哭，一边说：",
        "“你把人打得这么重……”",
    ]
    sexes = {"少安": "male", "秀莲": "female"}
    assert _speakers_and_sexes("zh-Hans", paras) == (["少安", "秀莲"], sexes)


def test_whose_voice_the_narration_hears_is_someone() -> None:
    """运生 never acts, never stands beside a tag: he is heard in the dark (这是运生的声音。,
    运生的声音：) and named beside her (是吴月琴和运生). He is a character, and speaks."""
    paras = [
        "冯国斌走到院中央，站住了，因为他听见屋里有两个人拉话，是吴月琴和运生。",
        "他的心一沉。",
        "“……准保又是杨立孝造的谣言！现在全公社都在谈论咱们两个哩。”",
        "这是运生的声音。",
        "“你不要管他们。”吴月琴说。",
        "房子里的谈话又开始了。",
        "运生的声音：",
        "“小吴！你一片好心我都领了。可是我不能这样嘛！”",
    ]
    assert _cast_and_speakers("zh-Hans", paras)[1] == ["运生", "吴月琴", "运生"]
    # a telephone's voice is no one's, however often the passage writes the telephone
    narration = ["电话的声音响个不停。", "他拿起电话。", "电话那头没有人说话。", "他放下电话。"]
    assert "电话" not in build_roster(narration, ["他说。"], ["喂？"], False).forms


def test_whom_a_tag_says_the_line_was_spoken_to_answers_it() -> None:
    """“…？” / 田福军问乔书记。 / “…”: the one asked answers (the tag names whom the line was
    spoken to, as a vocative would)."""
    paras = [
        "乔书记、张生民和田福军坐在办公室里。",
        "“任命已经下来了。”张生民说。",
        "田福军感到这个任命很突然。",
        "“那么，黄原地区的班子呢？”",
        "田福军问乔书记。",
        "“由正文接替你的工作，世宽任行署专员。”",
        "田福军沉默了一会。",
    ]
    assert _cast_and_speakers("zh-Hans", paras)[1] == ["张生民", "田福军", "乔书记"]


@pytest.mark.parametrize("turn", ["田福军对乔书记说：", "田福军没有理他，转向乔书记："])
def test_whom_a_colon_line_speaks_to_is_weighed_as_the_next_speaker(turn: str) -> None:
    """田福军对乔书记说： (or turns to him with no speech verb: 转向乔书记：) / “…？” / “…”:
    the reply's candidates count 乔书记 as the one the last line addressed (the evidence a
    vocative gives), whoever else spoke before."""
    paras = [
        "乔书记、张生民和田福军坐在办公室里。",
        "“任命已经下来了。”张生民说。",
        "田福军感到这个任命很突然。",
        turn,
        "“那么，黄原地区的班子呢？”",
        "“由正文接替你的工作，世宽任行署专员。”",
    ]
    trace: list[Any] = []
    attribute(_book("zh-Hans", paras), trace=trace)
    candidates, evidence = trace[-1]
    addressed = dict(zip(candidates, evidence, strict=True))["乔书记"]
    assert {"la", "la:q"} & set(addressed)


def test_a_tag_names_whom_it_was_said_to_even_by_a_name_opening_with_a_coverb() -> None:
    """对向前说: 向 opens 李向前's given name, and he is the one spoken to."""
    known = (Character("李向前", ("向前",), "male"), Character("田润叶", ("润叶",), "female"))
    roster = build_roster([], ["润叶对向前说。"], ["好。"], False, known)
    assert Cues(roster, False).told_to["润叶对向前说："] == "李向前"


def test_a_surname_and_title_inside_an_office_name_is_no_one() -> None:
    """县贸易经理部 is a department (贸易 "trade", 经理部 "the managers' office"): no
    manager called 易 speaks."""
    paras = [
        "他是县贸易经理部的汽车司机，经常跑外面。",
        "“省城可大了！”",
        "“你去过几回？”",
    ]
    _, cast = attribute(_book("zh-Hans", paras))
    assert "易经理" not in {c.name for c in cast}


def test_a_surname_with_a_particle_is_whole_and_joins_its_full_name() -> None:
    """Mr. van der Luyden is one man (not "Luyden", nor "Mr"), the same as Henry van der
    Luyden; Mrs. van der Luyden is his wife; the Marquis de St. Eustache is whole too."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "By the fire stood Henry van der Luyden, and Mrs. van der Luyden sat near him.",
            '"We dine at eight," said Mr. van der Luyden.',
            '"At eight, Henry," said Mrs. van der Luyden.',
            "The Marquis de St. Eustache bowed to the room.",
            '"Then I shall be late," said the Marquis de St. Eustache.',
        ],
    )
    him = [name for name in cast if name.startswith(("Henry", "Mr."))]
    assert len(him) == 1 and "Luyden" in him[0]
    assert not {"Luyden", "Mr", "Marquis de St"} & cast
    assert speakers == [him[0], "Mrs. van der Luyden", "Marquis de St. Eustache"]


def test_a_hyphenated_surname_and_a_saints_name_without_a_stop_are_whole() -> None:
    """Jock Grant-Menzies is not "Jock Grant"; Reggie St Cloud is not "Reggie St"."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "Jock Grant-Menzies came in late, and Reggie St Cloud came with him.",
            '"We walked," said Jock Grant-Menzies.',
            '"In the rain," said Reggie St Cloud.',
        ],
    )
    assert speakers == ["Jock Grant-Menzies", "Reggie St Cloud"]
    assert not {"Jock Grant", "Reggie St"} & cast


def test_a_first_name_two_characters_share_is_shown_with_the_surname() -> None:
    """The boy is called John and so is John Beaver: in the script he is John Andrew, the name
    the book also gives him, so a reader tells the two apart; Tony, whom no one shares, stays
    Tony."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "The pony was for John Andrew, and Tony had bought it for John Andrew in May.",
            "That week-end John Beaver came down, and John Andrew did not like him.",
            '"Is he staying long?" said John.',
            '"Till Monday," said Tony.',
            '"I hope not," said John.',
            "John sighed. John went up to the nursery.",
            '"Good morning," said Beaver.',
        ],
    )
    assert speakers == ["John Andrew", "Tony", "John Andrew", "John Beaver"]


def test_a_she_after_a_man_whose_pronouns_say_so_is_the_woman_named_beside_him() -> None:
    """少安…被润叶一把扯住了。她…: the 她 opening the next sentence is 润叶. 少安's name says
    nothing of his sex, but the book's 他 for him do: once they are counted, the 她 is read
    again and does not go to him, the subject before."""
    paras = [
        "少安从地里回来了。他放下镢头。他洗了把脸。他坐在门口抽烟。他想着明天的活。他又站起来。",
        "“今天的活重哩。”少安说。",
        "少安到售票处去买饭，结果被润叶一把扯住了。",
        "她把饭端到饭桌上，说：",
        "“你到我这里就是客人！”",
        "少安吃完了饭，要去付钱，又被润叶拦住了。",
        "她笑着说：",
        "“说了你是客人。”",
    ]
    known = (Character("少安", (), None), Character("润叶", (), None))  # a list with no sexes
    _, cast = attribute(_book("zh-Hans", paras), known)
    assert {c.name: c.gender for c in cast} == {"少安": "male", "润叶": "female"}
    assert _said(paras, known) == ["少安", "润叶", "润叶"]


def test_a_relative_of_he_or_she_in_a_tag_speaks_not_he_or_she() -> None:
    """他父亲说： is his father speaking, not he; 他哥金光亮对大弟说： is 金光亮 (the name after
    the kin word), not 金光明, of whom 他 was said."""
    known = (
        Character("孙少安", ("少安",), "male"),
        Character("孙玉厚", ("玉厚",), "male"),
        Character("金光明", ("光明",), "male"),
        Character("金光亮", ("光亮",), "male"),
    )
    paras = [
        "玉厚老汉坐在院子里抽烟。",
        "少安从地里回来，对玉厚说：",
        "“爸，今年的麦子不错。”",
        "他父亲说：",
        "“那就好。”",
    ]
    assert _said(paras, known) == ["孙少安", "孙玉厚"]
    paras = [
        "光明和光亮从公社回来了。",
        "“路上的雪真厚。”光明说。",
        "他哥金光亮对大弟说：",
        "“明天还得去。”",
    ]
    assert _said(paras, known) == ["金光明", "金光亮"]


def test_a_line_whose_next_paragraph_opens_with_a_tag_and_a_comma_is_that_speakers() -> None:
    """`“地都旱了。”` / `孙玉厚叹了一口气，“怕是要减产哩……”`: one speech laid out a sentence a
    paragraph, its tag opening the next paragraph and running on with a comma; the line
    before it is 孙玉厚 going on, not 金波's turn."""
    paras = [
        "孙玉厚和金波坐在院子里。",
        "孙玉厚对金波说：",
        "“今年的雨水少。”",
        "“地都旱了。”",
        "孙玉厚叹了一口气，“怕是要减产哩……”",
    ]
    assert _said(paras) == ["孙玉厚", "孙玉厚", "孙玉厚"]


def test_two_names_joined_by_and_are_two_people_not_one_slip() -> None:
    """Potapitch and Martha are two servants; a "Martha Potapitch" the text writes once
    beside them is a slip, not the full name that would join both into one character."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "Behind the old lady marched Potapitch and Martha Potapitch in his frockcoat.",
            '"Here we are," said Potapitch.',
            "Potapitch and Martha rushed towards her.",
            '"How did you do it, Madame?" Martha exclaimed.',
            "Then Martha and Potapitch went out.",
            '"Well," said Martha.',
        ],
    )
    assert {"Potapitch", "Martha"} <= cast
    assert speakers == ["Potapitch", "Martha", "Martha"]


def test_a_full_name_written_once_or_twice_is_whom_a_title_of_its_surname_stands_for() -> None:
    """乔书记 speaks, 乔伯年 only opens two clauses: one man, not three (乔书记, and 乔伯 read
    off 乔伯年 as a surname and a title).
    田主任 is not 田晓霞, a woman's given name."""
    cast, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "乔伯年到职后，住进了省委大院。",
            "乔书记走进自己的小院子，愣住了。",
            "“谁叫你在我的院子里搞这些东西的？”",
            "他问张生民。",
            "张生民咧开嘴难为情地笑着，说：",
            "“我寻思你院子里光秃秃的……”",
            "“我准备在这地方种点庄稼呀！”",
            "张生民和其他人都楞住了。",
            "乔伯年这才进了家门。",
            "他问老伴：",
            "“药吃了没有？”",
        ],
    )
    assert "乔伯年" in cast and "乔书记" not in cast and "乔伯" not in cast
    assert speakers == ["乔伯年", "张生民", "乔伯年", "乔伯年"]
    cast, _ = _cast_and_speakers(
        "zh-Hans",
        [
            "田晓霞正在屋里看书。田晓霞听见有人敲门。",
            "田主任推开门，说：",
            "“晓霞，吃饭了。”",
        ],
    )
    assert "田主任" in cast


def test_a_name_and_a_verb_before_a_speech_verb_is_not_a_name_of_four_characters() -> None:
    """少安推托说: 少安 stands alone elsewhere (in a line), so 推托 is what he does, not half a
    name, even where 少安 is too little used to be a character himself."""
    cast, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "田福堂接过毛毯说：",
            "“少安给你送东西来了？那你进去坐席嘛！”",
            "“不了，我走累了。”",
            "少安推托说。",
        ],
    )
    assert "少安推托" not in cast and "少安推托" not in speakers


def test_a_given_name_that_opens_sentences_and_speaks_after_a_description_is_a_character() -> None:
    """秀莲 opens two sentences going on differently and speaks after what is said of her
    (在锅台上擀面的秀莲插嘴说：): a person, and the line is hers."""
    _, speakers = _cast_and_speakers(
        "zh-Hans",
        [
            "秀莲一看两个公社领导上了门，赶忙洗手做饭。",
            "徐治功一进院子，就指着三孔新窑洞说：",
            "“这不是个‘冒尖户’是个啥？”",
            "这时候，在锅台上擀面的秀莲插嘴说：",
            "“要把我爸爸的算上大概就够了。”",
            "秀莲白了一眼丈夫。",
        ],
    )
    assert speakers == ["徐治功", "秀莲"]


def test_a_given_name_is_shown_in_full_when_the_book_writes_the_full_name_often() -> None:
    """Dorian, tagged again and again, is Dorian Gray, whom the narration names in full three
    times: the cast and every line say the name in full."""
    cast, speakers = _cast_and_speakers(
        "en",
        [
            "Basil looked up from his easel as Dorian Gray came in.",
            '"You are late," said Basil.',
            '"I am sorry," said Dorian. Then Dorian Gray sat down.',
            '"It does not matter," said Basil. "Sit still."',
            "It amused Dorian Gray, and Basil saw that Dorian Gray was laughing.",
            '"I always sit still," said Dorian.',
            '"Not today," said Basil.',
            '"Then I shall go," said Dorian, and Dorian went to the window.',
            '"Stay," said Basil.',
            '"Why?" asked Dorian.',
        ],
    )
    assert "Dorian Gray" in cast
    assert speakers[:3] == ["Basil", "Dorian Gray", "Basil"]
    assert speakers[-4:] == ["Basil", "Dorian Gray", "Basil", "Dorian Gray"]


def test_a_clause_opening_with_ye_xu_is_no_name() -> None:
    """也许别人会笑掉牙的: 也许 (perhaps) opens the clause, not 也 and a name 许别人 (也 comes
    after a subject in Chinese, not before one)."""
    cast, _ = _cast_and_speakers(
        "zh-Hans",
        [
            "他也不愿给别人叙说他的不幸。",
            "要是说出他为一只死去的猫而悲伤，也许别人会笑掉牙的。",
            "“这几天怎不见猫呢？”",
        ],
    )
    assert not any("别人" in name for name in cast)


def test_common_modern_given_names_say_the_gender() -> None:
    """Claire and Maya, sisters the narration never calls she by name alone: women, as their
    names say, so each gets a woman's voice and a she in a tag can be either of them."""
    genders = _genders(
        "en",
        [
            "Maya stood at the window, and Claire sat at the table.",
            '"You told him," Maya said.',
            '"I didn\'t," said Claire.',
        ],
    )
    assert genders["Maya"] == "female" and genders["Claire"] == "female"


def test_a_beggar_is_a_man_and_a_name_called_with_a_doubled_kin_term_says_the_sex() -> None:
    """乞丐 (a beggar) is a man, as 樵夫 and 书生 are; 靖哥哥 (the last character of 郭靖 and
    哥哥) calls 郭靖 a man, though 靖 alone says nothing and the pronouns go to the beggar."""
    genders = _genders(
        "zh-Hans",
        [
            "郭靖与黄蓉在林中走了半日。",
            "只见一个中年乞丐斜倚在树下。黄蓉低声道：“靖哥哥，这人只怕大有来头。”",
            "郭靖点了点头，上前行礼道：“老前辈请了。”",
            "那乞丐斜眼瞧了他一眼，道：“你这娃娃倒也懂礼。”",
            "那乞丐大喜，说道：“好极！”他顿了一顿，又道：“罢了。”",
        ],
    )
    assert genders["乞丐"] == "male" and genders["郭靖"] == "male"
