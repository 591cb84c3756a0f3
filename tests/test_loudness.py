"""Loudness: every voice at one level, and the MP3 join still lossless.

The fake Edge service gives each voice its own level (`edge_server.level_for`), the offline
engine's variants differ by themselves; a listener should hear no jump at a change of speaker.
"""

from __future__ import annotations

import array
import json
import math
import re
import warnings
from pathlib import Path

import pytest
from audio_factory import decode_to_pcm, sine_mp3, sine_pcm
from click.testing import CliRunner
from edge_server import decode_mp3, level_for, tone_mp3, tone_runs

from tts.audio import loudness
from tts.audio.assemble import assemble
from tts.audio.loudness import (
    Measurement,
    book_target,
    level_voices,
    measure_audio,
    measure_clips,
    parse_ebur128,
    sample_clips,
    stepped_gains,
    voice_gains,
    volume_offset_db,
)
from tts.audio.mp3 import MP3_GAIN_STEP_DB, crc16, gain_steps, iter_frames
from tts.cli import main
from tts.model import Clip, Silence, Voice

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

RATE = 24000


def lufs_of(samples: array.array[int] | bytes, rate: int = RATE) -> float:
    data = samples if isinstance(samples, bytes) else samples.tobytes()
    return measure_audio(data, ["-f", "s16le", "-ar", str(rate), "-ac", "1"]).lufs


# --- the bitstream gain --------------------------------------------------------------------

LAYOUTS = {
    "MPEG-2 mono (Edge)": (24000, 1, "48k"),
    "MPEG-2 stereo": (24000, 2, "64k"),
    "MPEG-1 mono": (44100, 1, "64k"),
    "MPEG-1 stereo": (44100, 2, "128k"),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(("gain_db", "ratio"), [(6.0, 2.0), (-6.0, 0.5), (1.5, 2**0.25)])
def test_mp3_gain_scales_the_decoded_sound_and_keeps_every_frame(
    layout: str, gain_db: float, ratio: float, tmp_path: Path
) -> None:
    rate, channels, bitrate = LAYOUTS[layout]
    clip = sine_mp3(tmp_path / "tone.mp3", 440, 2.0, rate=rate, channels=channels, bitrate=bitrate)
    plain, louder = tmp_path / "plain.mp3", tmp_path / "louder.mp3"
    assemble([clip], plain)
    assemble([Clip(clip.path, "mp3", rate, channels, clip.duration, gain_db=gain_db)], louder)

    before, after = plain.read_bytes(), louder.read_bytes()
    assert len(after) == len(before)
    assert [len(f) for _, f in iter_frames(after)] == [len(f) for _, f in iter_frames(before)]
    a = decode_to_pcm(plain, sample_rate=rate)
    b = decode_to_pcm(louder, sample_rate=rate)
    assert len(a) == len(b), "same length, to the sample"
    middle = slice(rate // 2 * 2, rate * 3 // 2 * 2)
    measured = audioop.rms(b[middle], 2) / audioop.rms(a[middle], 2)
    assert measured == pytest.approx(ratio, rel=0.05)


@pytest.mark.parametrize("gain_db", [0.0, 0.5, -0.7])
def test_a_gain_under_half_a_step_leaves_the_clip_byte_for_byte(
    gain_db: float, tmp_path: Path
) -> None:
    clip = sine_mp3(tmp_path / "tone.mp3", 440, 2.0)
    out = tmp_path / "out.mp3"
    assemble([Clip(clip.path, "mp3", 24000, 1, clip.duration, gain_db=gain_db)], out)
    assert out.read_bytes() == Path(clip.path).read_bytes()


def test_pauses_stay_silent_and_clips_keep_their_place_under_gain(tmp_path: Path) -> None:
    clip = sine_mp3(tmp_path / "tone.mp3", 440, 1.0)
    loud = Clip(clip.path, "mp3", 24000, 1, clip.duration, gain_db=-4.5)
    out_plain, out_gain = tmp_path / "a.mp3", tmp_path / "b.mp3"
    assemble([clip, Silence(0.5), clip], out_plain)
    assemble([clip, Silence(0.5), loud], out_gain)
    a, b = out_plain.read_bytes(), out_gain.read_bytes()
    assert len(a) == len(b)
    first = len(Path(clip.path).read_bytes())
    pause = int(0.5 / 0.024 + 0.5) * 144
    assert a[: first + pause] == b[: first + pause], "the untouched clip and the pause"
    pcm = decode_to_pcm(out_gain)
    quiet = pcm[int((clip.duration + 0.1) * RATE) * 2 : int((clip.duration + 0.4) * RATE) * 2]
    assert audioop.rms(quiet, 2) < 30


@pytest.mark.parametrize(
    ("gain_db", "steps"),
    [(0.0, 0), (0.74, 0), (-0.74, 0), (0.76, 1), (1.5, 1), (-1.6, -1), (6.0, 4), (-6.1, -4)],
)
def test_gain_rounds_to_whole_global_gain_steps(gain_db: float, steps: int) -> None:
    assert gain_steps(gain_db) == steps


def test_protected_frames_get_the_mpeg_crc() -> None:
    # CRC-16 with polynomial 0x8005 and start 0xFFFF, unreflected: its check value
    assert crc16(b"123456789") == 0xAEE7


def test_re_encoded_clips_get_the_exact_gain(tmp_path: Path) -> None:
    clip = sine_pcm(tmp_path / "a.pcm", 440, 1.0, level_db=-12.0)
    out_plain, out_gain = tmp_path / "a.mp3", tmp_path / "b.mp3"
    assemble([clip], out_plain)
    assemble(
        [Clip(clip.path, clip.codec, clip.sample_rate, 1, clip.duration, gain_db=3.5)], out_gain
    )
    a, b = decode_to_pcm(out_plain), decode_to_pcm(out_gain)
    middle = slice(RATE // 4 * 2, RATE * 3 // 4 * 2)
    ratio = audioop.rms(b[middle], 2) / audioop.rms(a[middle], 2)
    assert 20 * math.log10(ratio) == pytest.approx(3.5, abs=0.1)


# --- measuring -----------------------------------------------------------------------------

SUMMARY = """[Parsed_ebur128_0 @ 0x1] Summary:

  Integrated loudness:
    I:         -21.0 LUFS
    Threshold: -31.0 LUFS

  Loudness range:
    LRA:         0.0 LU
    Threshold: -41.0 LUFS
    LRA low:   -21.0 LUFS
    LRA high:  -21.0 LUFS

  Sample peak:
    Peak:      -18.1 dBFS
"""


def test_parse_the_ebur128_summary() -> None:
    assert parse_ebur128(SUMMARY) == Measurement(-21.0, -18.1)
    silent = SUMMARY.replace("-21.0 LUFS\n    Threshold: -31.0", "-70.0 LUFS\n    Threshold: -70.0")
    silent = silent.replace("-18.1 dBFS", "-inf dBFS")
    assert parse_ebur128(silent) == Measurement(-70.0, -math.inf)
    assert not parse_ebur128(silent).measurable


def test_a_known_signal_measures_as_bs1770_says(tmp_path: Path) -> None:
    # A 997 Hz sine at full scale is -3.01 LUFS; at -18.06 dBFS (ffmpeg's sine) -21.07.
    clips = [sine_pcm(tmp_path / f"{i}.pcm", 997, 2.0, rate=24000) for i in range(3)]
    found = measure_clips(clips)
    assert found.lufs == pytest.approx(-21.07, abs=0.1)
    assert found.peak == pytest.approx(-18.06, abs=0.1)


def test_mp3_clips_measure_as_their_decoded_sound(tmp_path: Path) -> None:
    clips = [sine_mp3(tmp_path / f"{i}.mp3", 220 * (i + 1), 2.0, level_db=2 * i) for i in range(3)]
    decoded = b"".join(decode_to_pcm(c.path) for c in clips)
    found = measure_clips(clips)
    assert found.lufs == pytest.approx(lufs_of(decoded), abs=0.15)


@pytest.mark.parametrize("codec", ["mp3", "pcm"])
def test_a_voice_with_one_short_line_is_measured_too(codec: str, tmp_path: Path) -> None:
    if codec == "mp3":  # the fake service's gapless tone: 13 frames are 0.31 s
        voice = "en-US-JennyNeural"
        (tmp_path / "s.mp3").write_bytes(tone_mp3(voice, 13))
        (tmp_path / "l.mp3").write_bytes(tone_mp3(voice, 125))
        short = Clip(str(tmp_path / "s.mp3"), "mp3", RATE, 1, 13 * 0.024)
        long = Clip(str(tmp_path / "l.mp3"), "mp3", RATE, 1, 125 * 0.024)
    else:
        short = sine_pcm(tmp_path / "s.pcm", 997, 0.3, level_db=-4.0)
        long = sine_pcm(tmp_path / "l.pcm", 997, 3.0, level_db=-4.0)
    found = measure_clips([short])
    assert found.measurable
    assert found.lufs == pytest.approx(measure_clips([long]).lufs, abs=0.5)


def test_mixed_formats_are_measured_together(tmp_path: Path) -> None:
    pcm = sine_pcm(tmp_path / "a.pcm", 997, 2.0)
    mp3 = sine_mp3(tmp_path / "b.mp3", 997, 2.0)
    found = measure_clips([pcm, mp3])
    assert -22.5 < found.lufs < -20.0


def test_sample_is_spread_over_the_book_and_bounded() -> None:
    clips = [Clip(f"{i}.mp3", "mp3", RATE, 1, 2.0 + i % 5) for i in range(400)]
    chosen = sample_clips(clips, seconds=90.0)
    assert 90.0 <= sum(c.duration for c in chosen) < 110.0
    picked = [clips.index(c) for c in chosen]
    assert picked == sorted(picked) and picked[0] < 20 and picked[-1] > 380
    assert sample_clips(clips, seconds=90.0) == chosen, "the same every time"
    few = clips[:5]
    assert sample_clips(few, seconds=90.0) == few


# --- deciding the gains --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        # each voice to -18 LUFS
        ({"a": (-20.0, -6.0), "b": (-14.0, -1.0)}, {"a": 2.0, "b": -4.0}),
        # a voice within 0.3 LU of the target is left alone
        ({"a": (-18.2, -6.0), "b": (-23.0, -9.0)}, {"a": 0.0, "b": 5.0}),
        # one peaky quiet voice lowers the target for everyone, so the voices still match
        ({"a": (-26.0, -5.0), "b": (-18.0, -4.0)}, {"a": 4.0, "b": -4.0}),
        # ...but not below -24 LUFS: then that voice stops at its ceiling
        ({"a": (-32.0, -2.0), "b": (-18.0, -4.0)}, {"a": 1.0, "b": -6.0}),
        # a voice too short or silent to measure is not touched
        ({"a": (-math.inf, -math.inf), "b": (-17.0, -6.0)}, {"a": 0.0, "b": -1.0}),
    ],
)
def test_voice_gains(measured: dict[str, tuple[float, float]], expected: dict[str, float]) -> None:
    found = voice_gains({k: Measurement(*v) for k, v in measured.items()})
    assert found == pytest.approx(expected)


def test_a_voice_keeps_the_volume_its_configuration_asks_for() -> None:
    measured = {"a": Measurement(-20.0, -10.0), "b": Measurement(-20.0, -10.0)}
    gains = voice_gains(
        measured, {"a": 0.0, "b": volume_offset_db(Voice("edge", "b", volume="+20%"))}
    )
    assert gains["b"] - gains["a"] == pytest.approx(20 * math.log10(1.2))
    assert book_target(measured) == -18.0


@pytest.mark.parametrize(
    ("volume", "db"),
    [("+0%", 0.0), ("+100%", 6.02), ("-50%", -6.02), ("loud", 0.0), ("-100%", 0.0)],
)
def test_volume_offset(volume: str, db: float) -> None:
    assert volume_offset_db(Voice("edge", "x", volume=volume)) == pytest.approx(db, abs=0.01)


@pytest.mark.parametrize("gain", [0.6, 1.0, 2.2, -0.9, -3.7, 4.1])
def test_stepped_gains_average_to_the_exact_gain(gain: float) -> None:
    durations = [1.0 + (i * 7 % 11) / 3 for i in range(60)]
    steps = stepped_gains(durations, gain)
    assert all(s / MP3_GAIN_STEP_DB == round(s / MP3_GAIN_STEP_DB) for s in steps)
    assert max(steps) - min(steps) <= MP3_GAIN_STEP_DB, "neighbouring sentences differ by one step"
    power = sum(d * 10 ** (s / 10) for d, s in zip(durations, steps, strict=True)) / sum(durations)
    assert 10 * math.log10(power) == pytest.approx(gain, abs=0.1)


def test_stepped_gains_near_a_step_are_uniform_and_respect_the_ceiling() -> None:
    assert stepped_gains([1.0, 2.0, 3.0], 3.1) == [3.0, 3.0, 3.0]
    assert stepped_gains([1.0, 2.0, 3.0], 0.2) == [0.0, 0.0, 0.0]
    assert set(stepped_gains([1.0] * 10, 2.2, limit=2.5)) == {1.5}


# --- end to end ----------------------------------------------------------------------------

SCRIPTS = {
    "zh": [
        ("heading", None, "第一章 渡口"),
        ("narration", None, "天刚亮，渡口上已经站满了赶集的人，船夫老周正在解缆绳。"),
        ("dialogue", "老周", "都站稳了，船要开了，谁也别往边上挤。"),
        ("dialogue", "阿秀", "周伯，今天的水这么急，船还能过去吗？"),
        ("narration", None, "老周没有回答，只是把竹篙往水里一撑，船慢慢离开了岸边。"),
        ("dialogue", "赵先生", "放心吧，老周撑了三十年的船，从来没出过事。"),
        ("dialogue", "阿秀", "那我就放心了，我娘还在对岸等我回家吃饭呢。"),
        ("narration", None, "船到江心的时候，太阳从云里钻了出来，水面上一片金光。"),
        ("dialogue", "老周", "看，前面就是对岸了，大家准备下船。"),
    ],
    "en": [
        ("heading", None, "Chapter One. The Ferry"),
        (
            "narration",
            None,
            "At dawn the landing was already crowded with people bound for market.",
        ),
        (
            "dialogue",
            "Tom",
            "Stand still, all of you, we are casting off now and nobody leans out.",
        ),
        ("dialogue", "Mary", "The river is running so fast today, can we really get across?"),
        ("narration", None, "The ferryman said nothing and pushed his pole into the brown water."),
        ("dialogue", "Mr Hale", "Do not worry, he has worked this crossing for thirty years."),
        ("dialogue", "Mary", "Then I will stop worrying, my mother is waiting on the other side."),
        ("narration", None, "By midstream the sun broke through and the water turned to gold."),
        ("dialogue", "Tom", "There is the far bank, everybody get ready to step ashore."),
    ],
}


def write_script(tmp_path: Path, language: str) -> tuple[Path, Path]:
    """A chapter text and its reviewed jsonl script (so attribution does not matter here)."""
    rows = SCRIPTS[language]
    text = tmp_path / f"{language}.txt"
    text.write_text("\n".join(t for _, _, t in rows) + "\n", encoding="utf-8")
    script = tmp_path / f"{language}.jsonl"
    records = [
        {"chapter": 1, "index": i, "kind": kind, "speaker": who, "voice": None, "text": t,
         "paragraph": i, "line": i + 1}
        for i, (kind, who, t) in enumerate(rows)
    ]  # fmt: skip
    script.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    return text, script


def render(tmp_path: Path, language: str, engine: str, *extra: str) -> Path:
    tmp_path.mkdir(exist_ok=True)
    text, script = write_script(tmp_path, language)
    out = tmp_path / f"{language}-{engine}.mp3"
    args = ["render", str(text), "--script", str(script), "-o", str(out), "--engine", engine]
    args += ["--cache-dir", str(tmp_path / "cache"), "-q", *extra]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return out


pytestmark = pytest.mark.usefixtures("in_tmp")


def spread(levels: dict[str, float]) -> float:
    return max(levels.values()) - min(levels.values())


@pytest.mark.parametrize("language", ["zh", "en"])
def test_edge_voices_come_out_within_one_lu(edge_server, language: str, tmp_path: Path) -> None:
    extra: list[str] = []
    if language == "en":  # voices the fake service speaks 10 dB apart, whoever casting picks
        pinned = tmp_path / "pinned.yaml"
        pinned.write_text(
            "speakers:\n  Tom: en-US-BrianNeural\n  Mary: en-US-EmmaNeural\n",
            encoding="utf-8",
        )
        extra = ["--voices", str(pinned)]
    out = render(tmp_path, language, "edge", *extra)
    samples = decode_mp3(out.read_bytes())
    by_voice: dict[str, array.array[int]] = {}
    for run in tone_runs(samples):
        assert run.voice is not None
        middle = samples[int(run.start * RATE) + 720 : int(run.end * RATE) - 720]
        by_voice.setdefault(run.voice, array.array("h")).extend(middle)
    assert len(by_voice) >= 4, "narrator and three characters"

    before = {v: measure_audio(tone_mp3(v, 100), ["-f", "mp3"]).lufs for v in by_voice}
    after = {v: lufs_of(pcm) for v, pcm in by_voice.items()}
    assert len({level_for(v) for v in by_voice}) > 1
    assert spread(before) > 3.0, before
    assert spread(after) <= 1.0, after
    assert all(abs(level + 18.0) <= 1.0 for level in after.values()), after
    print(f"edge {language}: before {before}, after {after}")


def test_a_voice_already_at_the_target_is_copied_untouched(tmp_path: Path) -> None:
    """Frames of a voice that needs no correction reach the book exactly as synthesized."""
    at_target = sine_mp3(tmp_path / "a.mp3", 997, 2.0, level_db=3.57)  # -18 LUFS
    quiet = sine_mp3(tmp_path / "b.mp3", 997, 2.0, level_db=-0.93)  # -22.5 LUFS
    narrator, other = Voice("edge", "n"), Voice("edge", "o")
    clips = level_voices([at_target, quiet, at_target], [narrator, other, narrator])
    assert [c.gain_db for c in clips] == [0.0, pytest.approx(4.5), 0.0]
    out = tmp_path / "book.mp3"
    assemble([clips[0]], out)
    assert out.read_bytes() == Path(at_target.path).read_bytes()


def speaker_levels(out: Path) -> dict[str, float]:
    """Loudness of each speaker in a rendered book, found through its WebVTT cues."""
    pcm = decode_to_pcm(out)
    vtt = out.with_suffix(".vtt").read_text(encoding="utf-8")
    by_speaker: dict[str, bytearray] = {}
    cue = re.compile(r"(\d+):(\d\d):(\d\d)\.(\d{3}) --> (\d+):(\d\d):(\d\d)\.(\d{3})\n(.*)")
    for m in cue.finditer(vtt):
        h1, m1, s1, f1, h2, m2, s2, f2 = (int(x) for x in m.groups()[:8])
        start = h1 * 3600 + m1 * 60 + s1 + f1 / 1000 + 0.1
        end = h2 * 3600 + m2 * 60 + s2 + f2 / 1000 - 0.1
        who = re.match(r"<v ([^>]+)>", m[9])
        speaker = who[1] if who else "narrator"
        by_speaker.setdefault(speaker, bytearray()).extend(
            pcm[int(start * RATE) * 2 : int(end * RATE) * 2]
        )
    return {who: lufs_of(bytes(data)) for who, data in by_speaker.items()}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_offline_voices_come_out_within_one_lu(
    language: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    after = speaker_levels(render(tmp_path, language, "espeak", "--subtitles", "vtt"))
    assert len(after) >= 4, "narrator and three characters"
    assert spread(after) <= 1.0, after

    with monkeypatch.context() as patch:
        patch.setattr(loudness, "level_voices", lambda clips, voices: list(clips))
        raw = render(tmp_path / "raw", language, "espeak", "--subtitles", "vtt")
    before = speaker_levels(raw)
    assert spread(before) > 2.0, before
    print(f"espeak {language}: before {before}, after {after}")


def test_say_auditions_a_voice_at_the_level_the_book_gives_it(edge_server, tmp_path: Path) -> None:
    """Two voices the service delivers far apart sound equally loud from `say`, at the
    book's target, so choosing a voice by ear is not choosing the louder one."""
    names = ["en-US-GuyNeural", "en-US-JennyNeural"]
    raw = {v: measure_audio(tone_mp3(v, 100), ["-f", "mp3"]).lufs for v in names}
    assert spread(raw) > 6.0, raw
    heard: dict[str, float] = {}
    for name in names:
        out = tmp_path / f"{name}.mp3"
        args = ["say", "The wind is up; let us go home.", "--voice", name, "-o", str(out)]
        args += ["--cache-dir", str(tmp_path / "cache")]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        (run,) = tone_runs(samples := decode_mp3(out.read_bytes()))
        heard[name] = lufs_of(samples[int(run.start * RATE) + 720 : int(run.end * RATE) - 720])
    assert all(abs(level + 18.0) <= 1.0 for level in heard.values()), heard
