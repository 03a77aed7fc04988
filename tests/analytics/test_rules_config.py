"""Analytics config: defaults, valid files, and errors that name the camera, the rule and the YAML line."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.analytics import AnalyticsEngine
from vigil.config import AnalysisConfig, load_yaml, parse_yaml
from vigil.config.analytics import LoiteringRule, RunningRule, ZoneConfig
from vigil.errors import ConfigError

GOOD = """\
camera: lobby
zones:
  - name: door
    points: [[0.1, 0.1], [0.4, 0.1], [0.4, 0.5], [0.1, 0.5]]
lines:
  - name: entrance
    points: [[0.5, 0.0], [0.5, 1.0]]
calibration:
  image_points: [[0.1, 0.9], [0.9, 0.9], [0.7, 0.4], [0.3, 0.4]]
  ground_points: [[0, 0], [8, 0], [8, 10], [0, 10]]
rules:
  - type: running
    min_speed: 3.0
  - name: loiter-door
    type: loitering
    zone: door
    min_dwell: 45
  - type: intrusion
    zone: door
    classes: [person, car]
    active_hours:
      timezone: Europe/Paris
      windows:
        - {start: "22:00", end: "06:00", days: [mon, tue]}
  - type: line_crossing
    line: entrance
"""


def test_defaults_work_without_zones() -> None:
    cfg = parse_yaml("", AnalysisConfig)
    assert cfg.zones == () and cfg.lines == () and cfg.calibration is None
    assert [r.type for r in cfg.rules] == ["running", "crowd_running", "dispersal", "gathering"]
    assert AnalyticsEngine.from_config(cfg).rule_names == ("running", "crowd_running", "dispersal", "gathering")


def test_a_full_file_is_read() -> None:
    cfg = parse_yaml(GOOD, AnalysisConfig)
    assert isinstance(cfg.rules[0], RunningRule) and cfg.rules[0].min_speed == 3.0
    loiter = cfg.rules[1]
    assert isinstance(loiter, LoiteringRule) and loiter.rule_name == "loiter-door" and loiter.min_dwell == 45
    assert cfg.rules[2].active_hours.windows[0].start_minute == 22 * 60  # type: ignore[union-attr]
    engine = AnalyticsEngine.from_config(cfg)
    assert engine.unit == "m"
    assert engine.rule_names == ("running", "loiter-door", "intrusion", "line_crossing")


LOBBY = "camera: lobby\nzones:\n  - name: door\n    points: [[0.1, 0.1], [0.4, 0.1], [0.4, 0.5]]\n"


@pytest.mark.parametrize(
    ("text", "line", "fragments"),
    [
        # a rule naming a zone that does not exist
        (LOBBY + "rules:\n  - name: loiter-door\n    type: loitering\n    zone: dor\n",
         8, ["rules.0.zone", "camera 'lobby': rule 'loiter-door' (loitering)", "zone 'dor' is not defined", "door"]),
        # a negative duration
        (LOBBY + "rules:\n  - name: loiter-door\n    type: loitering\n    zone: door\n    grace: -2\n",
         9, ["camera 'lobby': rule 'loiter-door' (loitering)", "grace", "greater than or equal to 0"]),
        (LOBBY + "rules:\n  - type: running\n    min_duration: -1\n",
         7, ["camera 'lobby': rule 'running' (running)", "min_duration"]),
        # a self-intersecting polygon (a bow tie)
        ("camera: lobby\nzones:\n  - name: bow\n    points: [[0, 0], [1, 1], [1, 0], [0, 1]]\n",
         4, ["camera 'lobby': zone 'bow'", "self-intersecting"]),
        # points outside [0, 1]
        ("camera: lobby\nzones:\n  - name: big\n    points: [[0, 0], [1.5, 0], [1, 1]]\n",
         4, ["camera 'lobby': zone 'big'", "point 1 has x=1.5, outside [0, 1]"]),
        ("camera: lobby\nlines:\n  - name: l\n    points: [[0, 0], [0, -0.2]]\n",
         4, ["camera 'lobby': line 'l'", "y=-0.2"]),
        # unknown rule type, unknown key, missing zone, unknown line, duplicate names
        ("camera: lobby\nrules:\n  - type: teleporting\n", 3, ["unknown rule type 'teleporting'", "running"]),
        ("camera: lobby\nrules:\n  - type: running\n    speed: 3\n", 4, ["rule 'running' (running)", "unknown key"]),
        ("camera: lobby\nrules:\n  - type: loitering\n    min_dwell: 5\n", 3, ["rule 'loitering' (loitering)", "zone", "required"]),
        ("camera: lobby\nrules:\n  - {type: line_crossing, name: count, line: gate}\n",
         3, ["rule 'count' (line_crossing)", "line 'gate' is not defined"]),
        ("camera: lobby\nrules:\n  - type: gathering\n  - type: gathering\n", 4, ["rule 'gathering'", "used twice"]),
        # unquoted time of day, empty window, unknown class
        (LOBBY + "rules:\n  - type: intrusion\n    zone: door\n    active_hours:\n      windows:\n"
         "        - {start: 22:00, end: '06:00'}\n", 10, ["rule 'intrusion' (intrusion)", "in quotes"]),
        (LOBBY + "rules:\n  - type: intrusion\n    zone: door\n    active_hours:\n      windows:\n"
         "        - {start: '06:00', end: '06:00'}\n", 10, ["the window is empty"]),
        ("camera: lobby\nrules:\n  - type: running\n    classes: [person, dragon]\n", 4, ["unknown class name", "dragon"]),
        # calibration
        ("camera: lobby\ncalibration:\n  image_points: [[0, 0], [1, 0], [1, 1], [0, 1]]\n"
         "  ground_points: [[0, 0], [1, 0], [1, 1]]\n", 4, ["calibration: ground_points", "at least 4"]),
        ("camera: lobby\ncalibration:\n  image_points: [[0, 0], [0.1, 0.1], [0.2, 0.2], [0.3, 0.3]]\n"
         "  ground_points: [[0, 0], [1, 0], [1, 1], [0, 1]]\n", 3, ["calibration", "image_points", "one line"]),
    ],
)  # fmt: skip
def test_bad_rule_configs_name_camera_rule_and_line(text: str, line: int, fragments: list[str]) -> None:
    with pytest.raises(ConfigError) as ei:
        parse_yaml(text, AnalysisConfig, source="cams.yaml")
    msg = str(ei.value)
    assert msg.startswith(f"cams.yaml:{line}:"), msg
    for f in fragments:
        assert f in msg, (f, msg)


def test_load_yaml_file_error_names_camera_rule_and_line(tmp_path: Path) -> None:
    p = tmp_path / "lobby.yaml"
    p.write_text(
        "camera: lobby\n"
        "zones:\n"
        "  - name: door\n"
        "    points: [[0.1, 0.1], [0.4, 0.1], [0.4, 0.5]]\n"
        "rules:\n"
        "  - type: running\n"
        "  - name: loiter-door\n"
        "    type: loitering\n"
        "    zone: door\n"
        "    min_dwell: -30\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as ei:
        load_yaml(p, AnalysisConfig)
    msg = str(ei.value)
    assert msg.startswith(f"{p}:10: rules.1.min_dwell: camera 'lobby': rule 'loiter-door' (loitering): min_dwell:"), msg


def test_errors_outside_analytics_are_unchanged() -> None:
    with pytest.raises(ConfigError) as ei:
        parse_yaml("camera: a\ndetector:\n  threads: many\n", AnalysisConfig, source="c.yaml")
    assert str(ei.value).startswith("c.yaml:3: detector.threads")
    assert "camera 'a'" not in str(ei.value)


def test_engine_checks_references_when_built_directly() -> None:
    zone = ZoneConfig(name="door", points=((0.1, 0.1), (0.4, 0.1), (0.4, 0.5)))
    with pytest.raises(ConfigError, match="camera 'cam': rule 'loitering' \\(loitering\\): zone 'hall' is not defined"):
        AnalyticsEngine("cam", zones=[zone], rules=[LoiteringRule(type="loitering", zone="hall")])


def test_disabled_rules_do_not_run() -> None:
    cfg = parse_yaml("rules:\n  - {type: running, enabled: false}\n  - {type: gathering}\n", AnalysisConfig)
    assert AnalyticsEngine.from_config(cfg).rule_names == ("gathering",)
