"""voices.yaml: every mistake a user can make is reported with its line and its fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML
from voice_lists import EDGE_VOICES

from tts import registry
from tts.cast.casting import build_cast
from tts.cast.config import (
    SpeakerSetting,
    VoicesConfig,
    VoicesConfigError,
    VoiceSetting,
    known_characters,
    load_config,
    parse_config,
)
from tts.cast.writer import write_voices_yaml
from tts.errors import ConfigError
from tts.model import Cast, Character, Pauses, Voice, VoiceInfo

DATA = Path(__file__).parent / "data" / "voices"
REPO = Path(__file__).parent.parent

EDGE = [*EDGE_VOICES, VoiceInfo("edge", "zh-CN-XiaomengNeural", "zh-CN", "Female")]
ESPEAK_LANGUAGES = [VoiceInfo("espeak", name, "", "Male") for name in ("cmn", "yue", "en-us")]
"""The voice list names are checked against in these tests (never the network)."""


def load(name: str, monkeypatch: pytest.MonkeyPatch) -> VoicesConfig:
    monkeypatch.chdir(DATA)  # messages name the file as the user gave it
    return load_config(Path(name), voices={"edge": EDGE}.get)


BAD_FILES = [
    (
        "bad-syntax.yaml",
        "bad-syntax.yaml:5: not valid YAML (expected ',' or ']', but got ':', while parsing a "
        "flow sequence that starts on line 4); check the indentation, colons and quotes on this "
        "line and the one above",
    ),
    (
        "bad-tab.yaml",
        "bad-tab.yaml:2: not valid YAML (found character '\\t' that cannot start any token); "
        "indent with spaces, not tabs",
    ),
    (
        "bad-top-list.yaml",
        "bad-top-list.yaml:1: expected settings ('key: value' lines) at the top level, found a "
        "list; start the file with keys such as 'narrator:' or 'speakers:'",
    ),
    (
        "bad-unknown-key.yaml",
        "bad-unknown-key.yaml:3: unknown key 'alias' in speakers.祁同偉; did you mean 'aliases'?",
    ),
    (
        "bad-aliases-comma.yaml",
        "bad-aliases-comma.yaml:3: aliases 'Lizzy, Miss Bennet' for speakers.Elizabeth "
        "Bennet.aliases is one text, not a list; write a list: [Lizzy, Miss Bennet]",
    ),
    (
        "bad-aliases-type.yaml",
        "bad-aliases-type.yaml:3: expected a list of names for speakers.祁同偉.aliases, found "
        "a mapping; write a list such as [祁省長, 祁副省長]",
    ),
    (
        "bad-rate-unsigned.yaml",
        "bad-rate-unsigned.yaml:3: rate '10%' for narrator.rate is not a signed percentage; "
        'write "+10%"',
    ),
    (
        "bad-rate-number.yaml",
        "bad-rate-number.yaml:4: rate '-5' for speakers.Mr Darcy.rate is not a signed "
        'percentage; write "-5%"',
    ),
    (
        "bad-pitch-unit.yaml",
        "bad-pitch-unit.yaml:3: pitch '+2hz' for speakers.王主任.pitch is not a signed number "
        'of hertz; write "+2Hz"',
    ),
    (
        "bad-gender.yaml",
        "bad-gender.yaml:3: gender 'woman' for speakers.高小琴.gender is not male or female; "
        "write male or female (男/女 and M/F also work), or leave it out to let the book tell",
    ),
    (
        "bad-duplicate-speaker.yaml",
        "bad-duplicate-speaker.yaml:6: speaker '王主任' is listed twice in speakers (first on "
        "line 2); merge the two entries into one",
    ),
    (
        "bad-alias-twice.yaml",
        "bad-alias-twice.yaml:5: alias 'Miss Bennet' for speakers.Elizabeth Bennet.aliases is "
        "also an alias of Jane Bennet (line 3); give it to one speaker only",
    ),
    (
        "bad-alias-is-name.yaml",
        "bad-alias-is-name.yaml:5: alias '祁同偉' for speakers.王主任.aliases is the name of "
        "another speaker (line 2); remove the alias, or merge the two speakers into one entry",
    ),
    (
        "bad-threshold.yaml",
        "bad-threshold.yaml:2: threshold 50 is outside 0..1 for threshold; write a number such "
        "as 0.5 (lower lets more guessed lines speak in a character's voice)",
    ),
    (
        "bad-pause.yaml",
        "bad-pause.yaml:3: pause of -1 s for pauses.chapter is negative; write seconds from 0 "
        "to 10, such as 2.5",
    ),
    (
        "bad-pause-long.yaml",
        "bad-pause-long.yaml:2: pause of 30 s for pauses.scene is longer than 10 s; write "
        "seconds from 0 to 10, such as 1.8",
    ),
    (
        "bad-engine.yaml",
        "bad-engine.yaml:1: unknown engine 'azure' for engine; choose one of: auto, edge, espeak",
    ),
    (
        "bad-unknown-voice.yaml",
        "bad-unknown-voice.yaml:4: unknown voice 'zh-CN-XiaomoNeural' for speakers.王主任.voice; "
        "did you mean zh-CN-XiaomengNeural? run 'audiobook voices --locale zh-CN' to list voices",
    ),
    (
        "bad-edge-under-espeak.yaml",
        "bad-edge-under-espeak.yaml:4: 'zh-CN-YunxiNeural' is an Edge voice, not an espeak "
        "voice, for speakers.祁同偉.espeak; move it to 'speakers.祁同偉.voice'",
    ),
    (
        "bad-espeak-under-voice.yaml",
        "bad-espeak-under-voice.yaml:2: 'cmn+m3' is an espeak voice, not an Edge voice, for "
        "narrator.voice; move it to 'narrator.espeak'",
    ),
    (
        "bad-speakers-list.yaml",
        "bad-speakers-list.yaml:2: expected a mapping for speakers, found a list; write each "
        "speaker as 'name:' with its settings indented below it",
    ),
    (
        "bad-language.yaml",
        "bad-language.yaml:1: unknown language 'zh-SG' for language; did you mean zh-TW? "
        "choose one of: zh-CN, zh-TW, zh-HK, en-US, en-GB",
    ),
]


@pytest.mark.parametrize(("name", "expected"), BAD_FILES, ids=[n for n, _ in BAD_FILES])
def test_a_mistake_is_one_line_naming_file_line_key_and_fix(
    name: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(VoicesConfigError) as caught:
        load(name, monkeypatch)
    assert str(caught.value) == expected
    assert caught.value.problems == (expected,)
    assert isinstance(caught.value, ConfigError)  # the CLI's one `Error: ...` line


def test_every_bad_file_is_in_the_table() -> None:
    assert {p.name for p in DATA.glob("bad-*.yaml")} == {n for n, _ in BAD_FILES} | {
        "bad-several.yaml"
    }


def test_all_problems_are_reported_at_once_in_file_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(VoicesConfigError) as caught:
        load("bad-several.yaml", monkeypatch)
    assert caught.value.problems == (
        "bad-several.yaml:3: threshold -0.2 is outside 0..1 for threshold; write a number such "
        "as 0.5 (lower lets more guessed lines speak in a character's voice)",
        "bad-several.yaml:6: unknown key 'gendre' in speakers.Mr Darcy; did you mean 'gender'?",
        "bad-several.yaml:7: rate '+10' for speakers.Mr Darcy.rate is not a signed percentage; "
        'write "+10%"',
    )
    assert str(caught.value) == "\n".join(caught.value.problems)  # the CLI prints each


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "speakers:\n  祁同偉:\n    sex: male\n",
            "unknown key 'sex' in speakers.祁同偉; did you mean 'gender'?",
        ),
        (
            "speakers:\n  Darcy:\n    speed: '+5%'\n",
            "unknown key 'speed' in speakers.Darcy; did you mean 'rate'?",
        ),
        (
            "characters:\n  Darcy: {}\n",
            "unknown key 'characters' in the top level; did you mean 'speakers'?",
        ),
        (
            "narator: zh-CN-YunyangNeural\n",
            "unknown key 'narator' in the top level; did you mean 'narrator'?",
        ),
        (
            "narrator: {voice: zh-cn-yunxineural}\n",
            "unknown voice 'zh-cn-yunxineural' for narrator.voice; did you mean zh-CN-YunxiNeural? "
            "run 'audiobook voices --locale zh-CN' to list voices",
        ),
        (
            "narrator: {voice: Yunxi}\n",
            "unknown voice 'Yunxi' for narrator.voice; did you mean zh-CN-YunxiNeural? "
            "run 'audiobook voices --locale zh-CN' to list voices",
        ),
        (
            "speakers:\n  Darcy: {volume: loud}\n",
            "volume 'loud' for speakers.Darcy.volume is not a signed percentage; write \"+10%\"",
        ),
        (
            "threshold: high\n",
            "expected a number from 0 to 1 for threshold, found 'high'; write a number such as 0.5",
        ),
        (
            "speakers:\n  Darcy:\n    aliases: [Mr Darcy, 3]\n  Jane: {aliases: [~]}\n",
            "expected a name for speakers.Jane.aliases[0], found nothing; write each alias as text",
        ),
        (
            "defaults:\n  zh-SG: {narrator: zh-CN-YunyangNeural}\n",
            "unknown locale 'zh-SG' in defaults; did you mean zh-TW? choose one of: zh-CN, zh-TW, "
            "zh-HK, en-US, en-GB",
        ),
        (
            "defaults:\n  zh-TW: {pool: zh-TW-YunJheNeural}\n",
            "expected a list of voices for defaults.zh-TW.pool, found 'zh-TW-YunJheNeural'; "
            "write [zh-CN-YunxiNeural, zh-CN-XiaoxiaoNeural]",
        ),
        (
            "pauses: 1\n",
            "expected a mapping for pauses, found the number 1; write one 'name: seconds' line "
            "per pause, such as 'chapter: 2.5'",
        ),
        (
            "engine: edge\nengine: espeak\n",
            "key 'engine' appears twice in the top level (first on line 1); keep one of them",
        ),
        (
            "narrator:\n  voice:\n",
            "missing value for narrator.voice; write a voice name or remove the key",
        ),
        (
            "defaults:\n  zh-TW: {borrow: [zh-TW]}\n",
            "defaults.zh-TW.borrow[0] names zh-TW itself, whose voices come first anyway; write "
            "a list of locales such as [zh-CN], or none to keep to zh-TW's voices",
        ),
        (
            "defaults:\n  zh-TW: {borrow: [zh-SG]}\n",
            "unknown language 'zh-SG' for defaults.zh-TW.borrow[0]; did you mean zh-TW? choose "
            "one of: zh-CN, zh-TW, zh-HK, en-US, en-GB",
        ),
        (
            "speakers:\n  Martha: {aliases: [Nay]}\nnot_characters: [Later, Nay]\n",
            "'Nay' in not_characters is also a speaker (line 2); remove it from one of the two",
        ),
        (
            "not_characters: {Later: 1}\n",
            "expected a list of names for not_characters, found a mapping; write a list such as "
            "[Later, Nay]",
        ),
        (
            "pronounce:\n  重庆:\n",
            "expected how to say '重庆' for pronounce.重庆, found nothing; write the word as it "
            "should be read, such as '崇庆' for 重庆",
        ),
        (
            "pronounce: [重庆, 崇庆]\n",
            "expected a mapping for pronounce, found a list; write one 'word: how to say it' line "
            "per word, such as '重庆: 崇庆'",
        ),
        (
            "pronunciation: {Dr.: Doctor}\n",
            "unknown key 'pronunciation' in the top level; did you mean 'pronounce'?",
        ),
        (
            "speakers:\n  Martha: {espeak: en-us+zz9}\n",
            "unknown espeak variant '+zz9' of 'en-us+zz9' for speakers.Martha.espeak; write +m1 "
            "to +m8 or +f1 to +f5 (or leave the variant out); run 'audiobook voices --engine "
            "espeak' to list them",
        ),
    ],
)
def test_more_mistakes_from_text(text: str, expected: str) -> None:
    lists = {"edge": EDGE, "espeak": ESPEAK_LANGUAGES}
    with pytest.raises(VoicesConfigError) as caught:
        parse_config(text, source="voices.yaml", voices=lists.get)
    assert caught.value.problems[0].split(": ", 1)[1] == expected


def test_the_example_in_the_repository_loads_with_the_shipped_voice_list() -> None:
    config = load_config(REPO / "voices.yaml")
    assert config.engine == "auto"
    assert config.pauses == Pauses()
    assert config.defaults["en-US"].narrator == VoiceSetting(
        {"edge": "en-US-AndrewNeural", "espeak": "en-us"}, rate="-5%"
    )
    chen = config.speakers["老陈"]
    assert chen.aliases == ("陈叔", "陈师傅")
    assert chen.gender == "male"
    assert chen.voice == VoiceSetting(
        {"edge": "zh-CN-YunjianNeural", "espeak": "cmn+m3"}, pitch="-2Hz"
    )
    assert config.speakers["林晓峰"].gender == "male"  # written 男
    assert config.speakers["苏婉"].gender == "female"
    assert config.speakers["苏婉"].voice.name_for("edge") is None


FULL = """\
engine: edge
language: zh-Hant          # a book code works as well as a locale
narrator:
  voice: zh-TW-YunJheNeural
  espeak: cmn
  rate: "-5%"
unknown: {pitch: "-20Hz"}
threshold: 0.35
pauses: {sentence: 0.2, chapter: 3}
defaults:
  en-US:
    narrator: en-US-BrianNeural
    unknown: {voice: en-US-GuyNeural}
    pool: [en-US-EmmaNeural, en-US-EricNeural]
speakers:
  祁同偉:
    aliases: [祁省長, 祁副省長]
    gender: M
    voice: zh-CN-YunxiNeural
    espeak: cmn+m3
    rate: "+5%"
    pitch: "-2Hz"
    volume: "+0%"
  王主任: zh-CN-YunjianNeural        # shorthand: the Edge voice
  老趙: cmn+m2                        # shorthand: an espeak voice
  高小琴:                             # listed, cast automatically
  Elizabeth:
    aliases: Lizzy                    # one alias may be written bare
    gender: 女
"""


def test_a_full_file_loads_into_a_config() -> None:
    config = parse_config(FULL, voices={"edge": EDGE}.get)
    assert config.engine == "edge"
    assert config.language == "zh-TW"
    assert config.narrator == VoiceSetting(
        {"edge": "zh-TW-YunJheNeural", "espeak": "cmn"}, rate="-5%"
    )
    assert config.unknown == VoiceSetting(pitch="-20Hz")
    assert config.threshold == 0.35
    assert config.pauses == Pauses(sentence=0.2, chapter=3.0)
    assert config.defaults["en-US"].narrator == VoiceSetting({"edge": "en-US-BrianNeural"})
    assert config.defaults["en-US"].unknown == VoiceSetting({"edge": "en-US-GuyNeural"})
    assert config.defaults["en-US"].pool == ("en-US-EmmaNeural", "en-US-EricNeural")
    assert list(config.speakers) == ["祁同偉", "王主任", "老趙", "高小琴", "Elizabeth"]
    assert config.speakers["祁同偉"] == SpeakerSetting(
        "祁同偉",
        ("祁省長", "祁副省長"),
        "male",
        VoiceSetting(
            {"edge": "zh-CN-YunxiNeural", "espeak": "cmn+m3"},
            rate="+5%",
            pitch="-2Hz",
            volume="+0%",
        ),
    )
    assert config.speakers["祁同偉"].line == 16
    assert config.speakers["王主任"].voice == VoiceSetting({"edge": "zh-CN-YunjianNeural"})
    assert config.speakers["老趙"].voice == VoiceSetting({"espeak": "cmn+m2"})
    assert config.speakers["高小琴"] == SpeakerSetting("高小琴")
    assert config.speakers["Elizabeth"].aliases == ("Lizzy",)
    assert config.speakers["Elizabeth"].gender == "female"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "~\n"])
def test_an_empty_file_means_all_defaults(text: str) -> None:
    assert parse_config(text, source="v.yaml", voices={"edge": EDGE}.get) == VoicesConfig(
        source="v.yaml"
    )


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no such voices file; check the path given to --voices"):
        load_config(tmp_path / "voices.yaml")


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "voices.yaml"
    path.write_bytes("\ufeffspeakers:\n  王主任: {gender: male}\n".encode())
    assert load_config(path, voices={"edge": EDGE}.get).speakers["王主任"].gender == "male"


def test_voice_names_are_checked_against_the_shipped_edge_list_by_default() -> None:
    with pytest.raises(VoicesConfigError, match="unknown voice 'zh-CN-YunxiiNeural'.*YunxiNeural"):
        parse_config("narrator: {voice: zh-CN-YunxiiNeural}\n")


def test_espeak_names_are_checked_against_a_given_list() -> None:
    text = "narrator: {espeak: cmm+m3}\n"
    assert (
        parse_config(text, voices={"edge": EDGE}.get).narrator.name_for("espeak") == "cmm+m3"
    )  # form only
    with pytest.raises(VoicesConfigError) as caught:
        parse_config(text, voices={"edge": EDGE, "espeak": ESPEAK_LANGUAGES}.get)
    assert str(caught.value) == (
        "voices.yaml:1: unknown espeak voice 'cmm+m3' for narrator.espeak; did you mean cmn? "
        "write a language such as cmn, yue or en-us, optionally with a variant like +m3 or +f2; "
        "run 'audiobook voices --engine espeak' to list them"
    )


def test_known_characters_carry_names_aliases_and_gender() -> None:
    config = parse_config(FULL, voices={"edge": EDGE}.get)
    assert known_characters(config)[0] == Character("祁同偉", ("祁省長", "祁副省長"), "male")
    assert known_characters(config)[-1] == Character("Elizabeth", ("Lizzy",), "female")
    assert [c.name for c in known_characters(VoicesConfig())] == []


# --- write_voices_yaml ---------------------------------------------------------------

USER_FILE = """\
# My cast for 名義 — keep this comment
engine: edge   # I always want Edge

speakers:
    # the hero
    祁同偉:
        aliases:
          - 祁省長
        gender: male
        voice: zh-CN-YunxiNeural   # chosen by ear
    王主任: {gender: male}
"""


def _cast(speakers: dict[str, Voice]) -> Cast:
    return Cast(
        narrator=Voice("edge", "zh-CN-YunyangNeural"),
        unknown=Voice("edge", "zh-CN-YunyangNeural", pitch="-10Hz"),
        speakers=speakers,
    )


def test_extending_a_file_keeps_comments_and_entries(tmp_path: Path) -> None:
    path = tmp_path / "voices.yaml"
    path.write_text(USER_FILE, encoding="utf-8")
    characters = [
        Character("祁同偉", ("祁省長",), "male", 12),
        Character("王主任", (), "male", 9),
        Character("高小琴", ("高總", "祁省長"), "female", 4),
        Character("祁省長", (), "male", 1),  # an alias of a listed speaker: not a new entry
    ]
    cast = _cast(
        {
            "祁同偉": Voice("edge", "zh-CN-YunxiNeural"),
            "王主任": Voice("edge", "zh-CN-YunjianNeural"),
            "高小琴": Voice("edge", "zh-CN-XiaoxiaoNeural", pitch="+8Hz", rate="-6%"),
        }
    )
    added = write_voices_yaml(path, characters, cast, voices={"edge": EDGE}.get)
    assert added == ["高小琴"]
    text = path.read_text(encoding="utf-8")
    for comment in (
        "# My cast for 名義 — keep this comment",
        "# I always want Edge",
        "# the hero",
        "# chosen by ear",
    ):
        assert comment in text
    assert text.startswith(USER_FILE.rstrip("\n").rsplit("\n", 1)[0])  # untouched above
    config = load_config(path, voices={"edge": EDGE}.get)
    assert config.speakers["王主任"] == SpeakerSetting("王主任", gender="male")  # not filled in
    assert config.speakers["高小琴"] == SpeakerSetting(
        "高小琴",
        aliases=("高總",),  # 祁省長 already belongs to 祁同偉
        gender="female",
        voice=VoiceSetting({"edge": "zh-CN-XiaoxiaoNeural"}, rate="-6%", pitch="+8Hz"),
    )
    assert write_voices_yaml(path, characters, cast, voices={"edge": EDGE}.get) == []  # idempotent
    assert path.read_text(encoding="utf-8") == text


def test_a_new_file_reproduces_the_cast(tmp_path: Path) -> None:
    characters = [
        Character("Elizabeth", ("Lizzy", "Eliza"), "female", 30),
        Character("Mr Darcy", ("Darcy",), "male", 20),
        Character("Mrs Bennet", (), "female", 8),
        Character("A servant", (), None, 1),
    ]
    first = build_cast(characters, language="en", engine="edge", voices=EDGE)
    path = tmp_path / "voices.yaml"
    assert write_voices_yaml(path, characters, first, voices={"edge": EDGE}.get) == [
        "Elizabeth",
        "Mr Darcy",
        "Mrs Bennet",
        "A servant",
    ]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Voices for the audiobook")
    config = load_config(path, voices={"edge": EDGE}.get)
    assert config.speakers["Elizabeth"].aliases == ("Lizzy", "Eliza")
    again = build_cast(characters, language="en", engine="edge", config=config, voices=EDGE)
    assert again == first


def test_espeak_casts_are_written_under_espeak(tmp_path: Path) -> None:
    path = tmp_path / "voices.yaml"
    cast = Cast(
        Voice("espeak", "cmn"),
        Voice("espeak", "cmn", pitch="-10Hz"),
        {"老趙": Voice("espeak", "cmn+m2")},
    )
    write_voices_yaml(path, [Character("老趙", gender="male")], cast, voices={"edge": EDGE}.get)
    config = load_config(path, voices={"edge": EDGE}.get)
    assert config.narrator == VoiceSetting({"espeak": "cmn"})
    assert config.speakers["老趙"].voice == VoiceSetting({"espeak": "cmn+m2"})


def test_a_broken_file_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "voices.yaml"
    path.write_text("speakers:\n  祁同偉:\n    alias: [祁省長]\n", encoding="utf-8")
    with pytest.raises(VoicesConfigError, match="did you mean 'aliases'"):
        write_voices_yaml(path, [Character("王主任")], _cast({}), voices={"edge": EDGE}.get)
    assert path.read_text(encoding="utf-8") == "speakers:\n  祁同偉:\n    alias: [祁省長]\n"


def test_written_yaml_is_plain_data(tmp_path: Path) -> None:
    path = tmp_path / "voices.yaml"
    cast = _cast({"王主任": Voice("edge", "zh-CN-YunjianNeural", pitch="-8Hz")})
    write_voices_yaml(path, [Character("王主任", gender="male")], cast, voices={"edge": EDGE}.get)
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    assert data["speakers"] == {
        "王主任": {"gender": "male", "voice": "zh-CN-YunjianNeural", "pitch": "-8Hz"}
    }


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("rate: +10%", VoiceSetting(rate="+10%")),  # YAML reads these as text unquoted
        ("pitch: -2Hz", VoiceSetting(pitch="-2Hz")),
        ("volume: '-20%'", VoiceSetting(volume="-20%")),
        ('rate: "+0%"', VoiceSetting(rate="+0%")),
    ],
)
def test_prosody_may_be_written_quoted_or_not(line: str, expected: VoiceSetting) -> None:
    config = parse_config(f"speakers:\n  Jane:\n    {line}\n", voices={"edge": EDGE}.get)
    assert config.speakers["Jane"].voice == expected


@pytest.mark.parametrize(
    ("word", "gender"),
    [
        ("male", "male"),
        ("Male", "male"),
        ("M", "male"),
        ("男", "male"),
        ("female", "female"),
        ("F", "female"),
        ("f", "female"),
        ("女", "female"),
        ("女性", "female"),
    ],
)
def test_gender_words(word: str, gender: str) -> None:
    config = parse_config(f"speakers:\n  某人: {{gender: {word}}}\n", voices={"edge": EDGE}.get)
    assert config.speakers["某人"].gender == gender


def test_with_an_empty_voice_list_only_the_form_of_edge_names_is_checked() -> None:
    config = parse_config("narrator: zh-CN-XiaomoNeural\n", voices={"edge": []}.get)
    assert config.narrator.name_for("edge") == "zh-CN-XiaomoNeural"
    with pytest.raises(VoicesConfigError, match="unknown voice 'Xiaomo' for narrator.voice"):
        parse_config("narrator: {voice: Xiaomo}\n", voices={"edge": []}.get)


@pytest.mark.parametrize(
    ("name", "engine"),
    [
        ("zh-CN-XiaoxiaoNeural", "edge"),
        ("zh-CN-liaoning-XiaobeiNeural", "edge"),
        ("cmn", "espeak"),
        ("en-us+f2", "espeak"),
        ("XiaoxiaoNeural", "edge"),  # a mistyped Edge name: Edge's check names the close ones
        ("en-US-Emma", "edge"),  # the 'Neural' left out: Edge's, not an espeak language
        ("en-GB-Ryan", "edge"),
        ("en-gb-scotland", "espeak"),
    ],
)
def test_one_rule_tells_a_voice_names_engine(name: str, engine: str) -> None:
    """`say --voice`, voices.yaml keys and custom pools all go by this."""
    assert registry.engine_of(name) == engine


def test_the_words_a_book_may_need_are_read_into_the_config() -> None:
    config = parse_config(
        "not_characters: [Later, Nay, Later]\n"
        "pronounce:\n  重庆: 崇庆\n  Dr.: Doctor\n  2: two\n"
        "defaults:\n  zh-TW: {borrow: none}\n  zh-HK: {borrow: zh-CN}\n  en-GB: {borrow: []}\n",
        voices={"edge": EDGE}.get,
    )
    assert config.not_characters == ("Later", "Nay")
    assert config.pronounce == {"重庆": "崇庆", "Dr.": "Doctor", "2": "two"}
    assert config.defaults["zh-TW"].borrow == ()
    assert config.defaults["zh-HK"].borrow == ("zh-CN",)
    assert config.defaults["en-GB"].borrow == ()
    assert parse_config("defaults: {zh-TW: {pool: []}}\n").defaults["zh-TW"].borrow is None
