"""FileSource: frames, timestamps, trimming, rate limiting and broken inputs, on generated clips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from vigil.errors import ConfigError, SourceFormatError, SourceNotFoundError
from vigil.sources import FileSource, Source

from .clips import frame_number, make_video


@pytest.mark.parametrize("kind", ["mp4", "mkv", "avi"])
def test_every_frame_in_order_with_pts_from_timestamps(clips: dict[str, Path], kind: str) -> None:
    with FileSource(clips[kind]) as src:
        assert isinstance(src, Source)
        assert src.fps == pytest.approx(25.0)
        frames = list(src)
    assert [f.index for f in frames] == list(range(30))
    assert [frame_number(f.image) for f in frames] == list(range(30))
    assert [f.pts for f in frames] == pytest.approx([i * 0.04 for i in range(30)], abs=1e-6)
    f = frames[0]
    assert f.image.shape == (120, 160, 3) and f.image.dtype == np.uint8 and f.image.flags["C_CONTIGUOUS"]


def test_image_is_bgr(clips: dict[str, Path]) -> None:
    with FileSource(clips["mp4"]) as src:
        frame = src.read()
    assert frame is not None
    b, g, r = frame.image[30 + 6, 6].astype(int)  # inside the red square of scene(0)
    assert r > 200 and b < 60 and g < 60


def test_ten_fps_clip(clips: dict[str, Path]) -> None:
    with FileSource(clips["mp4_10"]) as src:
        assert src.fps == pytest.approx(10.0)
        assert src.frame_count == 20
        pts = [f.pts for f in src]
    assert pts == pytest.approx([i / 10 for i in range(20)], abs=1e-6)


def test_variable_frame_rate_keeps_real_times(clips: dict[str, Path]) -> None:
    with FileSource(clips["vfr"]) as src:
        pts = [f.pts for f in src]
    assert pts == pytest.approx([0.0, 0.1, 0.15, 0.3, 0.31, 0.5], abs=1e-6)


def test_start_and_end_seconds(clips: dict[str, Path]) -> None:
    with FileSource(clips["long"], start=0.5, end=1.2) as src:
        assert src.frame_count == 50 and src.fps == pytest.approx(25.0)  # the whole file's
        frames = list(src)
    # 25 fps: frames 13..29 have 0.52 <= pts < 1.2; pts stay on the file's clock
    assert [frame_number(f.image) for f in frames] == list(range(13, 30))
    assert frames[0].pts == pytest.approx(0.52) and frames[-1].pts == pytest.approx(1.16)
    assert [f.index for f in frames] == list(range(17))


def test_start_exactly_on_a_frame_includes_it(clips: dict[str, Path]) -> None:
    with FileSource(clips["long"], start=1.0) as src:
        frames = list(src)
    assert frames[0].pts == pytest.approx(1.0)
    assert frame_number(frames[0].image) == 25 and len(frames) == 25


def test_start_past_the_end_gives_no_frames(clips: dict[str, Path]) -> None:
    with FileSource(clips["mp4"], start=30.0) as src:
        assert src.read() is None


def test_fps_limit_by_pts(clips: dict[str, Path]) -> None:
    with FileSource(clips["long"], fps=10) as src:
        assert src.fps == pytest.approx(25.0)  # nominal rate of the file
        pts = [f.pts for f in src]
    # 2 s of 25 fps video at <= 10 fps: 20 frames, evenly spread, never faster than 10/s on average
    assert len(pts) == 20
    gaps = np.diff(pts)
    assert gaps.min() >= 0.08 - 1e-6 and gaps.max() <= 0.12 + 1e-6
    ticks = [round(p * 25) for p in pts]  # source frame numbers
    assert max(sum(k <= t < k + 25 for t in ticks) for k in range(25)) == 10  # any 1 s window


def test_fps_above_native_rate_keeps_every_frame(clips: dict[str, Path]) -> None:
    with FileSource(clips["mp4"], fps=60) as src:
        assert src.fps == pytest.approx(25.0)
        assert len(list(src)) == 30


def test_fps_limit_on_variable_rate(clips: dict[str, Path]) -> None:
    with FileSource(clips["vfr"], fps=5) as src:  # slots every 0.2 s
        pts = [f.pts for f in src]
    assert pts == pytest.approx([0.0, 0.3, 0.5], abs=1e-6)


def test_corrupt_frame_is_skipped_and_counted(clips: dict[str, Path]) -> None:
    with FileSource(clips["corrupt"]) as src:
        frames = list(src)
        health = src.health()
    numbers = [frame_number(f.image) for f in frames]
    assert numbers == [i for i in range(30) if i != 10]
    assert frames[10].pts == pytest.approx(11 * 0.04)  # times of later frames are untouched
    assert health.corrupt_frames == 1 and health.frames == 29
    assert health.last_error is not None and "corrupt.avi" in health.last_error


def test_truncated_mid_stream_ends_after_last_good_frame(clips: dict[str, Path], tmp_path: Path) -> None:
    data = clips["long_faststart"].read_bytes()  # index first: the start is playable alone
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with FileSource(cut) as src:
        numbers = [frame_number(f.image) for f in src]
    assert 10 <= len(numbers) < 50
    assert numbers == list(range(len(numbers)))


def test_truncated_mkv_ends_cleanly(clips: dict[str, Path], tmp_path: Path) -> None:
    data = clips["mkv"].read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with FileSource(cut) as src:
        numbers = [frame_number(f.image) for f in src]
    assert 5 <= len(numbers) < 30 and numbers == list(range(len(numbers)))


def test_truncated_mp4_with_index_at_end_is_a_format_error(clips: dict[str, Path], tmp_path: Path) -> None:
    data = clips["long"].read_bytes()  # moov written last: without it nothing is playable
    cut = tmp_path / "broken.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(SourceFormatError, match=r"broken\.mp4 is not a video FFmpeg can decode: "):
        FileSource(cut)


def test_container_without_a_decodable_frame(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "all_bad.avi", codec="mjpeg", n=1, garbage_at=0)
    with pytest.raises(SourceFormatError, match=r"all_bad\.avi: no frame could be decoded"):
        FileSource(clip)


def test_audio_only_file(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            out.mux(packet)
    with pytest.raises(SourceFormatError, match=r"tone\.wav has no video stream \(streams: audio\)"):
        FileSource(path)


def test_text_file_named_mp4(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 50)
    with pytest.raises(SourceFormatError) as info:
        FileSource(fake)
    message = str(info.value)
    assert "notes.mp4 is not a video FFmpeg can decode: " in message and "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match=r"missing\.mp4 does not exist"):
        FileSource(tmp_path / "missing.mp4")


def test_folder_is_not_a_video_file(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match="is a folder"):
        FileSource(tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fps": 0}, "fps must be"),
        ({"start": -1.0}, "start must be"),
        ({"start": 2.0, "end": 1.0}, r"end \(1.0 s\) must be after start"),
    ],
)
def test_invalid_options(clips: dict[str, Path], kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        FileSource(clips["mp4"], **kwargs)


def test_health_and_close(clips: dict[str, Path]) -> None:
    src = FileSource(clips["mp4"], name="cam1")
    assert src.name == "cam1" and src.frame_count == 30
    assert src.read() is not None and src.read() is not None
    h = src.health()
    assert h.frames == 2 and h.corrupt_frames == 0 and h.reconnects == 0 and h.last_frame_wall is not None
    src.close()
    assert src.read() is None
    src.close()  # idempotent


@pytest.mark.data
def test_vtest_avi(data_dir: Path) -> None:
    with FileSource(data_dir / "videos" / "vtest.avi", start=10.0, end=20.0) as src:
        frames = list(src)
    assert len(frames) == 100
    assert frames[0].pts == pytest.approx(10.0) and frames[-1].pts == pytest.approx(19.9)
    assert frames[0].image.shape == (576, 768, 3)
