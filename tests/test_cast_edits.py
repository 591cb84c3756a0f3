"""Cast fixes written into voices.yaml (`tts.cast.edits`): each keeps the user's comments and
a file `load_config` takes, and changes what `audiobook script` shows."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from texts import FERRY

from tts.cast.config import load_config
from tts.cast.edits import (
    mark_not_character,
    merge_characters,
    rename_character,
    set_gender,
    set_role_voice,
    set_voice,
    unmark_not_character,
)
from tts.cli import main
from tts.errors import ConfigError

CHAPTER = FERRY

VOICES = """\
# My cast for 渡口
engine: edge   # always Edge
narrator:
  voice: zh-CN-YunyangNeural   # calm
speakers:
  老周:            # the ferryman
    gender: male
    voice: zh-CN-YunjianNeural  # deep
  # the girl
  阿秀: zh-CN-XiaoyiNeural   # shorthand
  赵先生:
    aliases: [赵老板]   # what the boatmen call him

# words that are nobody
not_characters: [Later]   # not people
"""

COMMENTS = [
    "# My cast for 渡口",
    "# always Edge",
    "# calm",
    "# the ferryman",
    "# deep",
    "# shorthand",
    "# the girl",
    "# what the boatmen call him",
    "# words that are nobody",
    "# not people",
]

pytestmark = pytest.mark.usefixtures("in_tmp")


@pytest.fixture
def voices() -> Path:
    path = Path("voices.yaml")
    path.write_text(VOICES, encoding="utf-8")
    Path("渡口.txt").write_text(CHAPTER, encoding="utf-8")
    return path


def script(voices: Path) -> list[dict]:
    args = ["script", "渡口.txt", "--voices", str(voices), "--format", "jsonl"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def speaker_of(records: list[dict], text: str) -> str | None:
    return next(r for r in records if r["text"] == text)["speaker"]


def voice_of(records: list[dict], text: str) -> str | None:
    return next(r for r in records if r["text"] == text)["voice"]


def kept_comments(path: Path, *gone: str) -> None:
    """Every comment of the file is still there (but those on the lines of an entry the
    edit removed, `gone`), and the file is still a good voices.yaml."""
    text = path.read_text(encoding="utf-8")
    assert [c for c in COMMENTS if c not in text] == list(gone)
    assert text.index("# words that are nobody") < text.index("not_characters:")
    load_config(path)


def test_rename_keeps_the_old_name_as_an_alias_and_the_entry_in_place(voices: Path) -> None:
    edit = rename_character(voices, "老周", "周老大")
    assert edit.changed and not edit.created
    kept_comments(voices)
    text = voices.read_text(encoding="utf-8")
    assert "\n  周老大:           # the ferryman\n    aliases: [老周]\n    gender: male" in text
    assert text.index("周老大") < text.index("阿秀")
    config = load_config(voices)
    assert config.speakers["周老大"].aliases == ("老周",)
    assert config.speakers["周老大"].voice.name_for("edge") == "zh-CN-YunjianNeural"
    records = script(voices)
    assert speaker_of(records, "行，坐稳了。") == "周老大"
    assert voice_of(records, "行，坐稳了。") == "zh-CN-YunjianNeural"


def test_rename_of_a_name_not_listed_adds_an_entry(voices: Path) -> None:
    rename_character(voices, "赵老板", "赵大善人")  # an alias: its character is renamed
    assert load_config(voices).speakers["赵大善人"].aliases == ("赵老板", "赵先生")
    with pytest.raises(ConfigError, match="'阿秀' is already a character.*merge"):
        rename_character(voices, "赵大善人", "阿秀")
    rename_character(voices, "船夫", "老船夫")
    assert load_config(voices).speakers["老船夫"].aliases == ("船夫",)
    kept_comments(voices)


def test_merge_makes_one_character_an_alias_of_the_other(voices: Path) -> None:
    merge_characters(voices, "阿秀", "赵先生")
    kept_comments(voices, "# what the boatmen call him")
    config = load_config(voices)
    assert "赵先生" not in config.speakers
    assert config.speakers["阿秀"].aliases == ("赵先生", "赵老板")
    records = script(voices)
    assert speaker_of(records, "钱我加倍付。") == "阿秀"
    assert voice_of(records, "钱我加倍付。") == "zh-CN-XiaoyiNeural"
    assert not merge_characters(voices, "阿秀", "赵老板").changed  # already one


def test_merge_into_a_name_not_listed_takes_the_other_entrys_settings(voices: Path) -> None:
    merge_characters(voices, "周大哥", "老周")
    kept_comments(voices, "# the ferryman", "# deep")
    config = load_config(voices)
    entry = config.speakers["周大哥"]
    assert entry.aliases == ("老周",) and entry.gender == "male"
    assert entry.voice.name_for("edge") == "zh-CN-YunjianNeural"
    assert speaker_of(script(voices), "行，坐稳了。") == "周大哥"


def test_mark_and_unmark_not_a_character(voices: Path) -> None:
    mark_not_character(voices, "赵先生")
    kept_comments(voices, "# what the boatmen call him")
    config = load_config(voices)
    assert config.not_characters == ("Later", "赵先生") and "赵先生" not in config.speakers
    records = script(voices)
    line = next(r for r in records if r["text"] == "钱我加倍付。")
    assert (line["speaker"], line["method"]) == (None, "not-a-character")
    assert unmark_not_character(voices, "赵先生").changed
    assert not unmark_not_character(voices, "赵先生").changed
    assert load_config(voices).not_characters == ("Later",)
    assert speaker_of(script(voices), "钱我加倍付。") == "赵先生"
    kept_comments(voices, "# what the boatmen call him")


def test_set_gender_changes_the_voice_cast(voices: Path) -> None:
    before = voice_of(script(voices), "钱我加倍付。")
    assert before is not None and "Xiao" not in before  # a man's voice
    set_gender(voices, "赵老板", "female")  # by an alias: the character's entry
    kept_comments(voices)
    assert load_config(voices).speakers["赵先生"].gender == "female"
    after = voice_of(script(voices), "钱我加倍付。")
    assert after is not None and after.startswith("zh-CN-Xiao")
    assert not set_gender(voices, "赵先生", "female").changed
    set_gender(voices, "赵先生", None)
    assert load_config(voices).speakers["赵先生"].gender is None


def test_set_voice_of_a_character_and_the_narrator(voices: Path) -> None:
    set_voice(voices, "阿秀", "zh-CN-XiaoxiaoNeural", engine="edge", rate="+10%")
    set_voice(voices, "赵先生", "cmn+m3", engine="espeak", pitch="-2Hz")
    set_role_voice(voices, "narrator", "zh-CN-YunxiNeural", engine="edge")
    kept_comments(voices)
    config = load_config(voices)
    xiu = config.speakers["阿秀"].voice
    assert (xiu.name_for("edge"), xiu.rate) == ("zh-CN-XiaoxiaoNeural", "+10%")
    zhao = config.speakers["赵先生"].voice
    assert (zhao.name_for("espeak"), zhao.pitch) == ("cmn+m3", "-2Hz")
    records = script(voices)
    assert voice_of(records, "必须过。我娘还在对岸等我。") == "zh-CN-XiaoxiaoNeural"
    assert voice_of(records, "船到对岸时，天边已经发白。") == "zh-CN-YunxiNeural"


def test_a_voice_the_engine_lacks_is_refused_and_nothing_written(voices: Path) -> None:
    with pytest.raises(ConfigError, match=r"voices\.yaml: not changed: .*zh-CN-Xiaoxiao"):
        set_voice(voices, "阿秀", "zh-CN-Xiaoxiao", engine="edge")
    with pytest.raises(ConfigError, match="rate '10'"):
        set_voice(voices, "阿秀", "zh-CN-XiaoxiaoNeural", engine="edge", rate="10")
    assert voices.read_text(encoding="utf-8") == VOICES


def test_a_file_with_mistakes_is_left_alone(voices: Path) -> None:
    broken = VOICES.replace("gender: male", "gender: tall")
    voices.write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"voices\.yaml:7: gender 'tall'"):
        set_gender(voices, "阿秀", "female")
    assert voices.read_text(encoding="utf-8") == broken


def test_an_edit_creates_a_missing_voices_file_with_a_header(tmp_path: Path) -> None:
    path = tmp_path / "book" / "voices.yaml"
    edit = merge_characters(path, "祁同偉", "祁省長")
    assert edit.created and edit.path == path
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Voices for the audiobook")
    assert load_config(path).speakers["祁同偉"].aliases == ("祁省長",)
    assert not set_gender(path, "祁同偉", "male").created


def test_edits_from_two_threads_at_once_lose_none(voices: Path) -> None:
    names = [f"角色{n}" for n in range(12)]

    def work(gender: str) -> None:
        for name in names:
            set_gender(voices, f"{name}{gender}", "male" if gender == "男" else "female")

    threads = [threading.Thread(target=work, args=(g,)) for g in ("男", "女")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    listed = load_config(voices).speakers
    assert all(f"{n}{g}" in listed for n in names for g in ("男", "女"))
    kept_comments(voices)
