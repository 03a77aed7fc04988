"""Detection masks: exactly the configured pixels are filled, only for the detector."""

from __future__ import annotations

import json
import re
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from vigil.config import AnalysisConfig, parse_yaml
from vigil.config.masks import MaskConfig
from vigil.detect.base import StageTimes
from vigil.errors import ConfigError
from vigil.pipeline import analyze as analyze_mod
from vigil.pipeline.analyze import AnalyzeOptions, analyze
from vigil.pipeline.masking import MASK_FILL, FrameMasker, mask_pixels
from vigil.types import Detections, Frame, Image

W, H = 160, 120


def noise(seed: int = 0) -> Image:
    return np.random.default_rng(seed).integers(0, 256, (H, W, 3), dtype=np.uint8)


def rect(x0: float, y0: float, x1: float, y1: float) -> MaskConfig:
    return MaskConfig(points=((x0, y0), (x1, y0), (x1, y1), (x0, y1)))


def test_a_rectangle_masks_exactly_its_pixels_edges_included() -> None:
    frame = Frame(noise(), 3, 1.5)
    before = frame.image.copy()
    masked = FrameMasker([rect(0.25, 0.25, 0.5, 0.5)]).apply(frame)
    expected = np.zeros((H, W), bool)
    expected[30:61, 40:81] = True  # x 0.25-0.5 of 160 = columns 40-80, y 0.25-0.5 of 120 = rows 30-60
    assert np.all(masked.image[expected] == MASK_FILL)
    np.testing.assert_array_equal(masked.image[~expected], before[~expected])
    np.testing.assert_array_equal(frame.image, before)  # the source frame is untouched
    assert (masked.index, masked.pts) == (3, 1.5)


def test_caption_rows_of_the_umn_videos() -> None:
    """UMN burns 'Abnormal Crowd Activity' into rows 0-30 of its 320x240 frames: y = 30 / 240."""
    masker = FrameMasker([rect(0.0, 0.0, 1.0, 30 / 240)])
    img = np.full((240, 320, 3), 7, np.uint8)
    out = masker.apply_image(img)
    assert np.all(out[:31] == MASK_FILL) and np.all(out[31:] == 7)


def test_polygons_follow_their_edges_and_several_masks_add_up() -> None:
    tri = MaskConfig(points=((0.1, 0.1), (0.6, 0.2), (0.2, 0.9)))
    masker = FrameMasker([tri, rect(0.7, 0.7, 0.9, 0.8)])
    covered = masker.pixels((W, H))
    poly = np.array(tri.points) * (W, H)
    ys, xs = np.mgrid[0:H, 0:W]
    dist = np.array([cv2.pointPolygonTest(poly.astype(np.float32), (float(x), float(y)), True)
                     for x, y in zip(xs.ravel(), ys.ravel(), strict=True)]).reshape(H, W)  # fmt: skip
    in_rect = np.zeros((H, W), bool)
    in_rect[84:97, 112:145] = True
    assert np.all(covered[dist > 1.0]) and not np.any(covered[(dist < -1.0) & ~in_rect])
    assert np.all(covered[in_rect])
    out = masker.apply_image(noise(1))
    np.testing.assert_array_equal(out[covered], MASK_FILL)
    np.testing.assert_array_equal(out[~covered], noise(1)[~covered])
    np.testing.assert_array_equal(covered, mask_pixels([tri.points, rect(0.7, 0.7, 0.9, 0.8).points], (W, H)))


def test_without_masks_frames_pass_through_at_no_cost() -> None:
    masker = FrameMasker([])
    frame = Frame(noise(), 0, 0.0)
    assert masker.apply(frame) is frame and not masker and masker.seconds == 0.0


def test_masks_follow_a_change_of_frame_size() -> None:
    masker = FrameMasker([rect(0.0, 0.0, 0.5, 0.5)])
    assert np.all(masker.apply_image(np.zeros((120, 160, 3), np.uint8))[:61, :81] == MASK_FILL)
    out = masker.apply_image(np.zeros((240, 320, 3), np.uint8))
    assert np.all(out[:121, :161] == MASK_FILL) and not np.any(out[122:]) and not np.any(out[:, 162:])


@pytest.mark.parametrize(
    ("yaml_text", "line", "fragment"),
    [
        ("camera: a\nmasks:\n  - name: tv\n    points:\n      - [0, 0]\n      - [1.5, 0]\n      - [1, 0.1]\n",
         6, "masks.0.points.1: x=1.5 is outside [0, 1]"),
        ("masks:\n  - points: [[0, 0], [1, 0], [1, -0.1]]\n", 2, "y=-0.1 is outside [0, 1]"),
        ("masks:\n  - points: [[0, 0], [1, 1]]\n", 2, "at least 3 items"),
        ("masks:\n  - points: [[0, 0], [1, 0], [1, 0.1]]\n  - points: [[0, 0], [1, 1], [1, 0], [0, 1]]\n",
         3, "masks.1.points: edges 0-1 and 2-3 cross"),
        ("masks:\n  - points: [[0, 0], [0.5, 0.5], [1, 1]]\n", 2, "enclose no area"),
        ("masks:\n  - points: [[0, 0], [1, 0], [1, 0.1]]\n    fill: black\n", 3, "masks.0.fill: unknown key"),
        ("masks:\n  - name: 'bad/name'\n    points: [[0, 0], [1, 0], [1, 0.1]]\n", 2, "masks.0.name"),
    ],
)
def test_bad_masks_name_the_line(yaml_text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as ei:
        parse_yaml(yaml_text, AnalysisConfig, source="cam.yaml")
    msg = str(ei.value)
    assert msg.startswith(f"cam.yaml:{line}:"), msg
    assert fragment in msg, msg


class BlobDetector:
    """A fake detector: every bright blob is a person. Records every image it is given."""

    def __init__(self) -> None:
        self.times = StageTimes()
        self.seen: list[Image] = []

    def detect(self, image: Image) -> Detections:
        self.seen.append(image.copy())
        bright = (image.min(axis=2) > 200).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(bright)
        boxes = [(x, y, x + w, y + h) for x, y, w, h, area in stats[1:n].tolist() if area >= 20]
        return Detections(np.array(boxes, np.float32).reshape(-1, 4), np.full(len(boxes), 0.95), np.zeros(len(boxes)))


def test_analyze_hides_masked_objects_from_the_detector_but_not_from_the_video(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(15):
        img = np.full((H, W, 3), 40, np.uint8)
        img[5:35, 10 + i : 22 + i] = 255  # a "person" walking inside the masked top-left corner
        img[60:100, 100 - i : 115 - i] = 255  # another one outside it
        cv2.imwrite(str(frames / f"{i:04d}.png"), img)
    detector = BlobDetector()
    monkeypatch.setattr(analyze_mod, "create_detector", lambda cfg: detector)
    cfg = parse_yaml("camera: yard\nmasks:\n  - {name: corner, points: [[0, 0], [0.4, 0], [0.4, 0.3], [0, 0.3]]}\n",
                     AnalysisConfig)  # fmt: skip
    out = tmp_path / "out"
    result = analyze(str(frames), cfg, AnalyzeOptions(out_dir=out, progress=False))
    assert result.frames == 15 and len(detector.seen) == 15
    for seen in detector.seen:
        assert np.all(seen[:37, :65] == MASK_FILL)  # 0.4 x 160 = column 64, 0.3 x 120 = row 36
        assert np.all(seen[60:100, 100:101] == 255)
    rows = np.loadtxt(out / "tracks.txt", delimiter=",", ndmin=2)
    assert set(rows[:, 1].astype(int)) == {1} and rows[:, 3].min() >= 60  # only the unmasked person
    starts = [json.loads(x) for x in (out / "events.jsonl").read_text().splitlines() if "track_start" in x]
    assert len(starts) == 1
    assert "masking" in json.loads((out / "summary.json").read_text())["stage_seconds"]
    with av.open(str(out / "annotated.mp4")) as c:
        first = next(c.decode(video=0)).to_ndarray(format="bgr24")
    assert first[38:60, 14:18].mean() < 80  # below the corner: background
    assert first[12:30, 12:20].mean() > 180  # the masked person is still in the video (the original frame)


def test_the_documented_example_is_valid() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "masks.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    cfg = parse_yaml(example, AnalysisConfig)
    assert [m.name for m in cfg.masks] == ["caption", "tv", "street"]
    caption = FrameMasker(cfg.masks[:1]).pixels((320, 240))
    assert caption[:31].all() and not caption[31:].any()  # the UMN caption rows 0-30
