"""Zones, lines and masks drawn at the right pixels, and the event state behind the highlights."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from vigil.config import AnalysisConfig, parse_yaml
from vigil.output import Annotator
from vigil.output.overlay import ALERT_BGR, FLASH_BGR, MASK_BGR, SceneActivity, SceneOverlay
from vigil.output.scene import SceneGeometry, Shape, hex_to_bgr, line_colour, zone_colour
from vigil.types import Event, Frame, Tracks

MakeTracks = Callable[..., Tracks]
GREY = 100
W, H = 200, 100
# zone: columns 10-60, rows 20-80; line: x = 120 from row 10 down to row 90 ("in" points left)
ZONE = Shape("z", ((0.05, 0.2), (0.3, 0.2), (0.3, 0.8), (0.05, 0.8)))
LINE = Shape("gate", ((0.6, 0.1), (0.6, 0.9)))
MASK = Shape("screen", ((0.75, 0.5), (0.95, 0.5), (0.95, 0.9), (0.75, 0.9)))  # columns 150-190, rows 50-90
SCENE = SceneGeometry(zones=(ZONE,), lines=(LINE,), masks=(MASK,), counted_lines=frozenset({"gate"}))
ZONE_BGR = hex_to_bgr(zone_colour(0))
LINE_BGR = hex_to_bgr(line_colour(0))


def grey() -> np.ndarray:
    return np.full((H, W, 3), GREY, np.uint8)


def px(img: np.ndarray, x: int, y: int) -> tuple[int, ...]:
    return tuple(int(v) for v in img[y, x])


def test_zone_is_tinted_inside_outlined_and_labelled_and_nothing_else_changes() -> None:
    img = grey()
    ov = SceneOverlay(SceneGeometry(zones=(ZONE,)), (W, H))
    ov.draw(img, counts=[2])
    tinted = tuple(round(0.75 * GREY + 0.25 * c) for c in ZONE_BGR)  # alpha 0.25
    for x, y in [(35, 50), (20, 70), (55, 30)]:
        assert px(img, x, y) == pytest.approx(tinted, abs=1)
    assert px(img, 35, 20) == ZONE_BGR and px(img, 10, 50) == ZONE_BGR and px(img, 60, 70) == ZONE_BGR  # outline
    label = img[2:20, 10:30].reshape(-1, 3)  # above the top-left corner
    assert np.any(np.all(label == ZONE_BGR, axis=1))
    changed = np.any(img != GREY, axis=2)
    assert not changed[:, 65:].any() and not changed[85:].any()  # only the zone and its label


def test_line_is_drawn_with_an_arrow_to_its_in_side_and_counts() -> None:
    img = grey()
    SceneOverlay(SceneGeometry(lines=(LINE,), counted_lines=frozenset({"gate"})), (W, H)).draw(
        img, line_counts={"gate": (3, 1)}
    )
    assert px(img, 120, 70) == LINE_BGR and px(img, 120, 30) == LINE_BGR  # the segment, x = 0.6 * 200
    assert px(img, 120, 95) == (GREY,) * 3  # it ends at row 90
    # a -> b runs down the screen, so its right (the "in" side) is on the left: the arrow
    # crosses the line at mid-height and its head, with both barbs, is on the left
    assert px(img, 105, 50) == LINE_BGR and px(img, 135, 50) == LINE_BGR
    assert px(img, 104, 44) == LINE_BGR and px(img, 104, 56) == LINE_BGR
    assert px(img, 136, 44) == (GREY,) * 3 and px(img, 136, 56) == (GREY,) * 3
    label = img[10:25, 120:200].reshape(-1, 3)  # the label starts at the first point
    assert np.any(np.all(label == LINE_BGR, axis=1))


def test_reversed_line_points_the_arrow_the_other_way() -> None:
    img = grey()
    back = Shape("gate", (LINE.points[1], LINE.points[0]))
    SceneOverlay(SceneGeometry(lines=(back,)), (W, H)).draw(img)
    assert px(img, 136, 44) == LINE_BGR and px(img, 104, 44) == (GREY,) * 3


def test_alert_and_flash_outline_colours() -> None:
    ov = SceneOverlay(SCENE, (W, H))
    img = grey()
    ov.draw(img, alert_zones={"z"})
    assert px(img, 35, 20) == ALERT_BGR
    img = grey()
    ov.draw(img, flash_zones={"z"}, flash_lines={"gate"})
    assert px(img, 35, 20) == FLASH_BGR
    assert px(img, 123, 70) == FLASH_BGR  # the halo of a line just crossed


def test_mask_is_hatched_and_outlined_but_stays_visible() -> None:
    img = grey()
    SceneOverlay(SCENE, (W, H)).draw(img)
    assert px(img, 160, 56) == MASK_BGR  # (160 + 56) % 12 == 0: on a hatch line
    assert px(img, 161, 56) == (GREY,) * 3  # between hatch lines the picture is untouched
    assert px(img, 170, 50) == pytest.approx(MASK_BGR, abs=12)  # top edge (1 px, anti-aliased)
    region = img[52:88, 152:188]
    assert 0.05 < np.mean(np.all(region == MASK_BGR, axis=2)) < 0.2


def test_zone_counts_use_the_zone_pixels() -> None:
    ov = SceneOverlay(SCENE, (W, H))
    feet = np.array([[35, 50], [11, 79], [61.5, 50], [35, 85], [150, 50], [-5, -5]], np.float64)
    assert ov.zone_counts(feet) == [2]
    assert ov.zone_counts(np.zeros((0, 2))) == [0]
    assert SceneOverlay(SceneGeometry(), (W, H)).zone_counts(feet) == []


def test_overlay_rejects_other_image_sizes() -> None:
    with pytest.raises(ValueError, match="200x100"):
        SceneOverlay(SCENE, (W, H)).draw(np.zeros((50, 50, 3), np.uint8))


def ev(kind: str, phase: str, t: float, started: float | None = None, **attrs: str) -> Event:
    attributes: dict[str, float | int | str | list[float]] = {"rule": kind}
    attributes.update(attrs)
    return Event(kind, phase, t, "cam", (1,), started if started is not None else t, attributes)


def test_activity_follows_ongoing_events_and_counts_crossings_once() -> None:
    act = SceneActivity(flash_seconds=1.0)
    act.update(1.0, [ev("intrusion", "start", 1.0, zone="z"), ev("gathering", "start", 1.0, 0.5)])
    assert act.alert_zones() == {"z"}  # gathering named no zone
    act.update(2.0, [ev("intrusion", "update", 2.0, 1.0, zone="z")])
    assert act.alert_zones() == {"z"}
    act.update(3.0, [ev("intrusion", "end", 3.0, 1.0, zone="z")])
    assert act.alert_zones() == frozenset() and act.flash_zones() == frozenset()
    def crossing(rule: str, tid: int, direction: str) -> Event:
        return Event("line_crossing", "instant", 4.0, "cam", (tid,), 4.0,
                     {"rule": rule, "line": "gate", "direction": direction})  # fmt: skip

    cross_in, same, out = crossing("a", 7, "in"), crossing("b", 7, "in"), crossing("a", 8, "out")
    act.update(4.0, [cross_in, same, out, ev("zone_enter", "instant", 4.0, zone="z")])
    assert act.line_counts == {"gate": (1, 1)}  # two rules reporting one crossing count it once
    assert act.flash_lines() == {"gate"} and act.flash_zones() == {"z"} and act.alert_zones() == frozenset()
    act.update(5.5, [])
    assert act.flash_lines() == frozenset() and act.flash_zones() == frozenset()
    assert act.line_counts == {"gate": (1, 1)}


def test_two_overlapping_events_of_one_rule_keep_the_zone_alert_until_both_end() -> None:
    act = SceneActivity()
    act.update(1.0, [ev("loitering", "start", 1.0, 0.2, zone="z")])
    act.update(2.0, [ev("loitering", "start", 2.0, 1.5, zone="z")])
    act.update(3.0, [ev("loitering", "end", 3.0, 0.2, zone="z")])
    assert act.alert_zones() == {"z"}
    act.update(4.0, [ev("loitering", "end", 4.0, 1.5, zone="z")])
    assert act.alert_zones() == frozenset()


def test_annotator_draws_the_scene_under_tracks_and_highlights_events(tracks_of: MakeTracks) -> None:
    ann = Annotator(camera="cam", scene=SCENE)
    frame = Frame(grey(), 0, 0.0)
    person = tracks_of([(25, 40, 45, 70)], [4])  # feet (35, 70): inside the zone
    out = ann.draw(frame, person, [])
    assert np.all(frame.image == GREY)  # drawn on a copy
    # a small frame draws 1 px anti-aliased outlines: colours within a few levels
    assert px(out, 35, 80) == pytest.approx(ZONE_BGR, abs=16) and px(out, 160, 56) == MASK_BGR
    b, g, r = px(out, 120, 80)
    assert b < 40 and g > 170 and r > 210  # the line's yellow, blended with its dark halo
    intrusion = Event("intrusion", "start", 0.1, "cam", (4,), 0.1, {"rule": "i", "zone": "z"})
    out = ann.draw(Frame(grey(), 1, 0.1), person, [intrusion])
    assert px(out, 35, 80) == ALERT_BGR  # the bottom edge: clear of the header and the event banners
    end = Event("intrusion", "end", 0.2, "cam", (4,), 0.1, {"rule": "i", "zone": "z"})
    out = ann.draw(Frame(grey(), 2, 0.2), person, [end])
    assert px(out, 35, 80) == pytest.approx(ZONE_BGR, abs=16)


def test_scene_geometry_from_config() -> None:
    cfg = parse_yaml(
        "zones:\n  - {name: hall, points: [[0, 0], [0.5, 0], [0.5, 0.5]]}\n"
        "lines:\n  - {name: door, points: [[0.1, 0.9], [0.9, 0.9]]}\n  - {name: side, points: [[0, 0], [0, 1]]}\n"
        "masks:\n  - {points: [[0, 0], [1, 0], [1, 0.1]]}\n"
        "rules:\n  - {type: line_crossing, line: door}\n"
        "  - {type: line_crossing, name: spare, line: side, enabled: false}\n",
        AnalysisConfig,
    )
    scene = SceneGeometry.from_config(cfg)
    assert [z.name for z in scene.zones] == ["hall"] and [ln.name for ln in scene.lines] == ["door", "side"]
    assert [m.name for m in scene.masks] == ["mask 1"] and scene.counted_lines == {"door"}
    assert scene and not SceneGeometry.from_config(AnalysisConfig())
