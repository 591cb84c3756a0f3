from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import pytest
from audio_factory import decode_to_pcm, sine_mp3, sine_pcm

import tts.audio.assemble as assemble_module
from tts.audio.assemble import assemble, silent_frame
from tts.audio.mp3 import FrameHeader, is_standalone_silence, iter_frames, parse_header
from tts.errors import AudiobookError
from tts.model import Clip, Silence

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

RATE = 24000
FRAME = 0.024


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Clip]:
    d = tmp_path_factory.mktemp("clips")
    return {
        "a": sine_mp3(d / "a.mp3", 440, 1.0),
        "b": sine_mp3(d / "b.mp3", 660, 0.6),
        "tagged": sine_mp3(d / "tagged.mp3", 550, 0.5, tags=True),
        "pcm": sine_pcm(d / "p.pcm", 440, 0.7, level_db=12.04),  # 4 times ffmpeg's sine
        "pcm2": sine_pcm(d / "q.pcm", 880, 0.4, level_db=12.04),
        "stereo": sine_mp3(
            d / "stereo.mp3", 330, 0.8, rate=44100, channels=2, bitrate="128k", tags=True
        ),
    }


def rms(pcm: bytes, start: float, end: float, rate: int = RATE) -> int:
    return int(audioop.rms(pcm[int(start * rate) * 2 : int(end * rate) * 2], 2))


def decoded_seconds(path: Path) -> float:
    return len(decode_to_pcm(path)) / 2 / RATE


# ---------------------------------------------------------------- frame parsing


@pytest.mark.parametrize(
    "header, expected",
    [
        (b"\xff\xf3\x64\xc4", FrameHeader(2, 48000, 24000, 1, False, False)),  # Edge
        (b"\xff\xf3\x66\xc4", FrameHeader(2, 48000, 24000, 1, True, False)),
        (b"\xff\xfb\x90\x64", FrameHeader(1, 128000, 44100, 2, False, False)),
        (b"\xff\xe3\x64\xc4", FrameHeader(25, 48000, 12000, 1, False, False)),
        (b"\xff\xf2\x64\xc4", FrameHeader(2, 48000, 24000, 1, False, True)),
        (b"\xff\xf5\x64\xc4", None),  # layer II
        (b"\xff\xf3\xf4\xc4", None),  # bad bitrate index
        (b"\xff\xf3\x6c\xc4", None),  # reserved sample rate
        (b"\xff\xeb\x64\xc4", None),  # reserved version
        (b"ID3\x04", None),
        (b"\xff\xf3", None),
    ],
)
def test_parse_header(header: bytes, expected: FrameHeader | None) -> None:
    assert parse_header(header) == expected


def test_frame_lengths() -> None:
    edge = parse_header(b"\xff\xf3\x64\xc4")
    assert edge is not None and (edge.length, edge.samples, edge.seconds) == (144, 576, FRAME)
    cd = parse_header(b"\xff\xfb\x90\x64")
    assert cd is not None and cd.length == 417


def test_iter_frames_skips_tags_junk_and_a_cut_tail(clips: dict[str, Clip]) -> None:
    plain = Path(clips["a"].path).read_bytes()
    frames = [bytes(f) for _, f in iter_frames(plain)]
    assert b"".join(frames) == plain  # headerless Edge-like data is all frames
    messy = (
        b"ID3\x03\x00\x00\x00\x00\x00\x05\xff\xfbjunk"
        + plain[:720]
        + b"\xff\x00garbage"
        + plain[:300]
    )
    found = [bytes(f) for _, f in iter_frames(messy)]
    assert found == frames[:5] + frames[:2]  # 300 bytes = 2 whole frames and a cut one
    tagged = Path(clips["tagged"].path).read_bytes()
    assert tagged.startswith(b"ID3")
    assert all(b"Info" not in f and b"Xing" not in f for _, f in iter_frames(tagged))


def test_silent_frame_stands_alone_and_is_silent(clips: dict[str, Clip], tmp_path: Path) -> None:
    frame = silent_frame(24000, 1, 48000)
    header = parse_header(frame)
    assert header is not None and header.length == len(frame) == 144
    assert is_standalone_silence(frame, header)
    path = tmp_path / "s.mp3"
    path.write_bytes(Path(clips["a"].path).read_bytes() + frame * 50)
    pcm = decode_to_pcm(path)
    assert rms(pcm, 1.1, 1.9) == 0


# ---------------------------------------------------------------- frame copy


def test_fast_path_copies_frames_and_pauses_are_silent(
    clips: dict[str, Clip], tmp_path: Path
) -> None:
    a, b = clips["a"], clips["b"]
    out = tmp_path / "book.mp3"
    seconds = assemble([a, Silence(0.5), b, Silence(1.0), a], out)
    expected = a.duration + 0.5 + b.duration + 1.0 + a.duration
    assert seconds == pytest.approx(expected, abs=FRAME)

    # no re-encode: the output is exactly the clips' frames and silent frames
    silence = silent_frame(24000, 1, 48000)
    data_a, data_b = Path(a.path).read_bytes(), Path(b.path).read_bytes()
    n_short, n_long = round(0.5 / FRAME), round(1.0 / FRAME)
    assert out.read_bytes() == data_a + silence * n_short + data_b + silence * n_long + data_a

    pcm = decode_to_pcm(out)
    assert len(pcm) / 2 / RATE == pytest.approx(expected, abs=3 * FRAME)
    t1 = a.duration
    t2 = t1 + 0.5 + b.duration
    assert rms(pcm, t1 + 0.08, t1 + 0.42) < 30  # the pause is silent ...
    assert rms(pcm, t2 + 0.08, t2 + 0.92) < 30
    assert rms(pcm, 0.1, t1 - 0.1) > 1000  # ... and the voices are not
    assert rms(pcm, t1 + 0.6, t1 + 0.5 + b.duration - 0.1) > 1000
    assert rms(pcm, t2 + 1.1, t2 + 1.0 + a.duration - 0.1) > 1000


def test_fast_path_drops_id3_and_xing_from_clips(clips: dict[str, Clip], tmp_path: Path) -> None:
    out = tmp_path / "tagged.mp3"
    seconds = assemble([clips["tagged"], Silence(0.3), clips["a"]], out)
    data = out.read_bytes()
    assert not data.startswith(b"ID3") and b"Xing" not in data and b"Info" not in data
    assert decoded_seconds(out) == pytest.approx(seconds, abs=3 * FRAME)


def test_many_short_pauses_keep_their_total_length(clips: dict[str, Clip], tmp_path: Path) -> None:
    out = tmp_path / "pauses.mp3"
    timeline: list[Clip | Silence] = [clips["b"]]
    for _ in range(100):
        timeline += [Silence(0.01), clips["b"]]  # each alone would round to 0 frames
    seconds = assemble(timeline, out)
    assert seconds == pytest.approx(101 * clips["b"].duration + 1.0, abs=FRAME)


# ---------------------------------------------------------------- re-encode


def test_pcm_clips_are_encoded_with_silences(clips: dict[str, Clip], tmp_path: Path) -> None:
    p, q = clips["pcm"], clips["pcm2"]
    out = tmp_path / "offline.mp3"
    seconds = assemble([p, Silence(0.6), q], out, bitrate="64k")
    expected = p.duration + 0.6 + q.duration
    assert seconds == pytest.approx(expected, abs=0.001)
    header = next(iter_frames(out.read_bytes()))[0]
    assert header.sample_rate == 22050  # kept the clips' own rate, no resampling
    pcm = decode_to_pcm(out, sample_rate=22050)
    assert len(pcm) / 2 / 22050 == pytest.approx(expected, abs=0.08)
    assert rms(pcm, p.duration + 0.1, p.duration + 0.5, 22050) < 30
    assert rms(pcm, 0.1, p.duration - 0.1, 22050) > 1000


def test_mixed_formats_are_resampled_into_one_stream(
    clips: dict[str, Clip], tmp_path: Path
) -> None:
    items = [clips["a"], Silence(0.4), clips["stereo"], Silence(0.4), clips["pcm"]]
    out = tmp_path / "mixed.mp3"
    seconds = assemble(items, out)
    expected = sum(c.duration for c in items if isinstance(c, Clip)) + 0.8
    assert seconds == pytest.approx(expected, abs=0.1)
    assert next(iter_frames(out.read_bytes()))[0].sample_rate == 24000
    pcm = decode_to_pcm(out)
    assert len(pcm) / 2 / RATE == pytest.approx(expected, abs=0.15)
    t = clips["a"].duration
    assert rms(pcm, t + 0.1, t + 0.3) < 30
    assert rms(pcm, t + 0.5, t + 1.0) > 1000


def test_clip_metadata_that_lies_falls_back_to_re_encoding(
    clips: dict[str, Clip], tmp_path: Path
) -> None:
    liar = replace(clips["stereo"], sample_rate=24000, channels=1)
    out = tmp_path / "liar.mp3"
    seconds = assemble([clips["a"], Silence(0.2), liar], out)
    assert seconds == pytest.approx(clips["a"].duration + 0.2 + 0.8, abs=0.1)
    assert decoded_seconds(out) == pytest.approx(seconds, abs=0.15)


def test_a_pcm_clip_cut_mid_sample_does_not_shift_what_follows(
    clips: dict[str, Clip], tmp_path: Path
) -> None:
    """A stray odd byte would put every later sample out of step: noise for the rest of the
    book. The partial sample is dropped instead."""
    p, q = clips["pcm"], clips["pcm2"]
    cut = tmp_path / "cut.pcm"
    cut.write_bytes(Path(p.path).read_bytes() + b"\x01")
    whole, ragged = tmp_path / "whole.mp3", tmp_path / "ragged.mp3"
    assemble([p, Silence(0.3), q], whole)
    assemble([replace(p, path=str(cut)), Silence(0.3), q], ragged)
    assert ragged.read_bytes() == whole.read_bytes()


# ---------------------------------------------------------------- safety


def _damaged(clip: Clip, folder: Path, how: str) -> Clip:
    """`clip` with part of its audio turned to bytes that are no MP3 frame, size kept."""
    data = Path(clip.path).read_bytes()
    third = len(data) // 3
    if how == "middle third zeroed":
        data = data[:third] + bytes(third) + data[2 * third :]
    elif how == "garbage":
        data = bytes(range(7, 256)) * (len(data) // 249) + b"\x01" * (len(data) % 249)
    else:  # "junk before the first frame"
        data = b"\x00junk" + data[5:]
    path = folder / f"damaged-{how.replace(' ', '-')}.mp3"
    path.write_bytes(data)
    return replace(clip, path=str(path))


@pytest.mark.parametrize("how", ["middle third zeroed", "garbage", "junk before the first frame"])
@pytest.mark.parametrize("path", ["frame copy", "re-encode"])
def test_unreadable_bytes_in_a_clip_are_an_error_not_a_short_book(
    clips: dict[str, Clip], tmp_path: Path, how: str, path: str
) -> None:
    """Every decoder skips what is no MP3 frame, so the book would come out shorter than its
    timeline (and its subtitles) says, with exit 0. The clip passed the cache's check, so
    its bytes are what the engine sent: the error names the clip and says to make it again."""
    bad = _damaged(clips["a"], tmp_path, how)
    other = clips["b"] if path == "frame copy" else clips["pcm"]
    out = tmp_path / "book.mp3"
    out.write_bytes(b"the previous book")
    with pytest.raises(AudiobookError) as caught:
        assemble([other, Silence(0.2), bad, Silence(0.2), other], out)
    message = str(caught.value)
    assert bad.path in message and "not MP3 audio" in message
    assert "delete" in message and "rerun the same command" in message
    assert out.read_bytes() == b"the previous book"
    assert not list(tmp_path.glob("*.part"))


def test_tags_and_a_last_frame_cut_short_are_no_error(
    clips: dict[str, Clip], tmp_path: Path
) -> None:
    """An ID3v2 tag and an encoder's Info frame before the audio, an ID3v1 tag after it, and
    a last frame cut short (under one frame is lost, as in any player) are not damage."""
    tagged = Path(clips["tagged"].path).read_bytes()
    v1 = tmp_path / "v1.mp3"
    v1.write_bytes(tagged + b"TAG" + b"\x00" * 125)
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(Path(clips["a"].path).read_bytes()[:-100])
    timeline = [
        clips["tagged"], Silence(0.2), replace(clips["tagged"], path=str(v1)), Silence(0.2),
        replace(clips["a"], path=str(cut)),
    ]  # fmt: skip
    seconds = assemble(timeline, tmp_path / "book.mp3")
    expected = 2 * clips["tagged"].duration + 0.4 + clips["a"].duration - FRAME
    assert seconds == pytest.approx(expected, abs=FRAME / 2)


@pytest.mark.parametrize("which", ["a", "pcm"])
def test_failure_keeps_the_old_file_and_leaves_no_temp(
    clips: dict[str, Clip], tmp_path: Path, which: str
) -> None:
    out = tmp_path / "book.mp3"
    out.write_bytes(b"the previous book")
    missing = replace(clips[which], path=str(tmp_path / "gone" / "x.mp3"))
    with pytest.raises(AudiobookError, match="rerun the same command"):
        assemble([clips[which], Silence(0.2), missing], out)
    assert out.read_bytes() == b"the previous book"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.mp3"]


def test_success_leaves_only_the_output(clips: dict[str, Clip], tmp_path: Path) -> None:
    out = tmp_path / "book.mp3"
    out.write_bytes(b"old")
    assemble([clips["a"]], out)
    assemble([clips["pcm"]], tmp_path / "other.mp3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.mp3", "other.mp3"]
    assert out.read_bytes() == Path(clips["a"].path).read_bytes()


def test_output_folder_is_made_when_missing(clips: dict[str, Clip], tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "book.mp3"
    assemble([clips["a"]], out)
    assert out.is_file()


def test_output_that_cannot_be_written_is_an_error_with_the_fix(
    clips: dict[str, Clip], tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_bytes(b"not a folder")
    with pytest.raises(AudiobookError, match="-o"):
        assemble([clips["a"]], tmp_path / "a-file" / "book.mp3")


@pytest.mark.parametrize(("first", "second"), [("a", "b"), ("pcm", "pcm2")])
def test_interrupt_midway_leaves_no_temp(
    clips: dict[str, Clip],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    first: str,
    second: str,
) -> None:
    """Ctrl-C while the second clip is read, when the first is already in the temp file."""
    read = assemble_module.read_clip
    at_interrupt: list[str] = []

    def read_then_interrupt(clip: Clip) -> bytes:
        if clip.path == clips[second].path:
            at_interrupt.extend(p.name for p in tmp_path.iterdir())
            raise KeyboardInterrupt
        return read(clip)

    monkeypatch.setattr(assemble_module, "read_clip", read_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        assemble([clips[first], Silence(0.2), clips[second]], tmp_path / "book.mp3")
    assert [name.endswith(".part") for name in at_interrupt] == [True], "it was midway"
    assert list(tmp_path.iterdir()) == []
