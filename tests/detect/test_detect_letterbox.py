"""Letterbox: aspect kept, top-left aligned, pad 114, BGR 0-255 float32 NCHW, ratio for mapping back."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vigil.detect.letterbox import PAD_VALUE, Letterbox


def _bgr(h: int, w: int) -> np.ndarray:
    img = np.empty((h, w, 3), np.uint8)
    img[..., 0], img[..., 1], img[..., 2] = 10, 20, 30  # B, G, R
    return img


def test_wide_frame_fills_the_top_rows_and_pads_below() -> None:
    lb = Letterbox(64, 64)
    t = lb(_bgr(100, 200))  # ratio min(64/100, 64/200) = 0.32 -> 64 x 32
    assert t.shape == (1, 3, 64, 64) and t.dtype == np.float32
    assert lb.ratio == pytest.approx(0.32)
    assert [float(t[0, c, :32, :].min()) for c in range(3)] == [10.0, 20.0, 30.0]  # BGR order kept, no /255
    assert [float(t[0, c, :32, :].max()) for c in range(3)] == [10.0, 20.0, 30.0]
    assert (t[0, :, 32:, :] == PAD_VALUE).all()


def test_pixels_are_one_linear_resize_of_the_frame() -> None:
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (576, 768, 3), dtype=np.uint8)
    lb = Letterbox(416, 416)
    t = lb(img)
    ref = cv2.resize(img, (416, 312), interpolation=cv2.INTER_LINEAR)  # YOLOX: int(576 * 416/768) = 312
    np.testing.assert_array_equal(t[0, :, :312, :].transpose(1, 2, 0), ref.astype(np.float32))
    assert (t[0, :, 312:, :] == PAD_VALUE).all()
    assert lb.ratio == pytest.approx(416 / 768)


def test_a_new_frame_size_repads_so_no_stale_pixels_remain() -> None:
    lb = Letterbox(64, 64)
    lb(_bgr(100, 200))  # writes rows 0..31
    t = lb(_bgr(200, 100))  # tall: 32 wide x 64 high, pad on the right
    assert lb.ratio == pytest.approx(0.32)
    assert (t[0, 0, :, :32] == 10).all()
    assert (t[0, :, :, 32:] == PAD_VALUE).all()


def test_small_frames_are_scaled_up_and_exact_fits_are_copied() -> None:
    lb = Letterbox(64, 64)
    lb(_bgr(16, 32))
    assert lb.ratio == pytest.approx(2.0)
    img = np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    t = lb(img)
    np.testing.assert_array_equal(t[0].transpose(1, 2, 0), img.astype(np.float32))


def test_box_maps_back_to_the_source_by_dividing_by_the_ratio() -> None:
    lb = Letterbox(416, 416)
    lb(np.zeros((576, 768, 3), np.uint8))
    box_in_input = np.array([208.0, 104.0, 416.0, 312.0])  # right half of the resized frame
    np.testing.assert_allclose(box_in_input / lb.ratio, [384.0, 192.0, 768.0, 576.0])


def test_non_bgr_images_are_refused() -> None:
    with pytest.raises(ValueError, match="BGR"):
        Letterbox(64, 64)(np.zeros((10, 10), np.uint8))
