"""The jsonl script: the fast line writer says exactly what json says about each record."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tts.model import Cast, Segment, Voice
from tts.speakers.scriptfile import jsonl_lines, record

CAST = Cast(
    narrator=Voice("edge", "zh-CN-YunjianNeural"),
    unknown=Voice("edge", "zh-CN-YunjianNeural", pitch="-10Hz"),
    speakers={
        "林晓峰": Voice("edge", "zh-CN-YunxiNeural"),
        "Elizabeth": Voice("edge", "en-GB-SoniaNeural"),
    },
    aliases={"晓峰": "林晓峰", "Lizzy": "Elizabeth"},
    threshold=0.5,
)

TEXTS = st.one_of(
    st.sampled_from(
        ["“你好。”", 'He said "no" \\ then left.', "tab\tand\nnewline", "\u2028\x00é😀"]
    ),
    st.text(max_size=40),
)
SEGMENTS = st.builds(
    Segment,
    chapter=st.integers(1, 500),
    index=st.integers(0, 10_000),
    kind=st.sampled_from(["heading", "narration", "dialogue", "pause"]),
    text=TEXTS,
    paragraph=st.integers(0, 10_000),
    line=st.integers(1, 100_000),
    speaker=st.sampled_from([None, "林晓峰", "晓峰", "Lizzy", "Elizabeth", "路人", 'O"Brien']),
    confidence=st.one_of(st.none(), st.floats(0, 1), st.sampled_from([0.5, 0.49999, 1.0, 1])),
    method=st.sampled_from([None, "tag-after", "vocative", "script"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(SEGMENTS, max_size=12))
def test_lines_are_what_json_writes_for_each_record(segments: list[Segment]) -> None:
    expected = [json.dumps(record(CAST, s), ensure_ascii=False) for s in segments]
    assert list(jsonl_lines(CAST, segments)) == expected


def test_doubtful_line_names_its_guess_and_is_heard_in_the_unknown_voice() -> None:
    """`speaker` is always the best guess (a null is a sure miss); the voice says it is doubtful."""
    sure = Segment(1, 0, "dialogue", "“走吧。”", 0, 3, speaker="晓峰", confidence=0.9)
    doubt = Segment(1, 1, "dialogue", "“嗯。”", 1, 4, speaker="晓峰", confidence=0.2)
    first, second = (json.loads(line) for line in jsonl_lines(CAST, [sure, doubt]))
    assert (first["speaker"], first["voice"], "guess" in first) == (
        "林晓峰",
        "zh-CN-YunxiNeural",
        False,
    )
    assert (second["speaker"], second["voice"], second["guess"]) == (
        "林晓峰",
        "zh-CN-YunjianNeural",
        "林晓峰",
    )


def test_untouched_guess_read_back_stays_doubtful_and_a_correction_is_sure(tmp_path) -> None:
    from tts.speakers.scriptfile import read_script_file

    doubt = Segment(1, 0, "dialogue", "“嗯。”", 0, 4, speaker="晓峰", confidence=0.2)
    path = tmp_path / "script.jsonl"
    line = next(jsonl_lines(CAST, [doubt]))
    corrected = line.replace('"speaker": "林晓峰"', '"speaker": "Elizabeth"')
    path.write_text(line + "\n" + corrected + "\n", encoding="utf-8")
    kept, fixed = read_script_file(path)
    assert (CAST.is_doubtful(kept), kept.speaker) == (True, "林晓峰")
    assert (CAST.is_doubtful(fixed), fixed.speaker) == (False, "Elizabeth")
