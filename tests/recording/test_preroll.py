"""The pre-roll buffer is bounded by seconds and by bytes; memory at 768x576 is measured."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vigil.recording import PrerollBuffer

from .conftest import make_image, read_code


def scene(rng: np.random.Generator, h: int = 576, w: int = 768) -> np.ndarray:
    """A textured 768x576 scene with sensor noise (harder to compress than a flat frame)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([xx * 255 / w, yy * 255 / h, (xx + yy) * 128 / (w + h)], -1)
    texture = cv2.GaussianBlur(rng.normal(0, 40, (h, w, 3)).astype(np.float32), (0, 0), 3)
    return np.clip(base + texture + rng.normal(0, 3, (h, w, 3)), 0, 255).astype(np.uint8)


def test_bounded_by_seconds() -> None:
    buf = PrerollBuffer(2.0, 10**9)
    for i in range(100):
        buf.append(make_image(i), i / 10)
    kept = list(buf.since(-1.0))
    assert [read_code(f.decode()) for f in kept] == list(range(79, 100))  # 7.9 s .. 9.9 s
    assert [f.pts for f in buf.since(9.5)] == pytest.approx([9.5, 9.6, 9.7, 9.8, 9.9])


def test_bounded_by_bytes() -> None:
    rng = np.random.default_rng(1)
    img = scene(rng, 144, 192)
    one = len(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])[1])
    buf = PrerollBuffer(60.0, 5 * one + one // 2)
    for i in range(50):
        buf.append(img, i / 25)
    assert buf.nbytes <= buf.max_bytes
    assert len(buf) == 5
    assert [f.pts for f in buf.since(0)] == pytest.approx([45 / 25, 46 / 25, 47 / 25, 48 / 25, 49 / 25])


def test_time_going_backwards_starts_over() -> None:
    buf = PrerollBuffer(5.0, 10**9)
    for i in range(10):
        buf.append(make_image(i), i / 10)
    buf.append(make_image(99), 0.0)  # a looping file
    assert len(buf) == 1


def test_memory_per_second_at_768x576() -> None:
    """About 1.3 MB/s at 25 fps with quality 85 on this noisy scene (53 kB a frame; OpenCV's
    vtest.avi takes 89 kB), against 33 MB/s of raw BGR frames."""
    rng = np.random.default_rng(0)
    frames = [scene(rng) for _ in range(5)]
    buf = PrerollBuffer(2.0, 64 * 1024**2, quality=85)
    for i in range(75):  # 3 s at 25 fps
        buf.append(frames[i % 5], i / 25)
    assert len(buf) == 51  # the last 2 s
    per_second = buf.nbytes / 2.0
    raw_per_second = 768 * 576 * 3 * 25
    assert 100_000 < per_second < 4_000_000
    assert per_second < raw_per_second / 8
    assert buf.nbytes <= buf.max_bytes


def test_invalid_limits_are_named() -> None:
    with pytest.raises(ValueError, match="pre-roll of -1"):
        PrerollBuffer(-1, 100)
    with pytest.raises(ValueError, match="memory cap"):
        PrerollBuffer(1, 0)


def test_raw_frames_while_the_pre_roll_fits_in_memory() -> None:
    """At 5 frames/s a 2 s pre-roll of 768x576 fits raw in 64 MB: nothing is encoded, nothing is lost."""
    rng = np.random.default_rng(2)
    frames = [scene(rng) for _ in range(3)]
    buf = PrerollBuffer(2.0, 64 * 1024**2)
    for i in range(15):  # 3 s at 5 fps
        buf.append(frames[i % 3], i / 5)
    kept = list(buf.since(-1.0))
    assert len(kept) == 11 and all(f.raw is not None and f.jpeg is None for f in kept)
    assert buf.nbytes == 11 * frames[0].nbytes
    assert np.array_equal(kept[-1].decode(), frames[14 % 3])


def test_switches_to_jpeg_for_good_when_raw_would_push_out_the_pre_roll() -> None:
    rng = np.random.default_rng(3)
    img = scene(rng, 144, 192)  # 82,944 bytes raw
    buf = PrerollBuffer(1.0, 10 * img.nbytes)  # 10 raw frames, but 1 s at 25 fps is 26
    for i in range(9):
        buf.append(img, i / 25)
    assert buf.raw and len(buf) == 9
    for i in range(9, 50):
        buf.append(img, i / 25)
    assert not buf.raw
    kept = list(buf.since(-1.0))
    assert len(kept) == 26 and all(f.jpeg is not None and f.raw is None for f in kept)  # the whole second
    assert buf.nbytes <= buf.max_bytes
    assert np.abs(kept[0].decode().astype(int) - img).mean() < 6  # JPEG, close to the original
