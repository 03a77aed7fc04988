"""`vigil check-config`: every problem with its line; ok configs summarised; unset secrets warned."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.cli import main
from vigil.config import parse_yaml
from vigil.config.service import ServiceConfig
from vigil.errors import ConfigError

GOOD = """\
storage:
  data_dir: {data}
outputs:
  mqtt:
    host: 127.0.0.1
    username: vigil
    password_env: VIGIL_TEST_MQTT_PASSWORD
cameras:
  - camera: lobby
    source: demo.mp4
    loop: true
    fps: 5
    zones:
      - name: door
        points: [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]]
    rules:
      - {{type: loitering, zone: door, min_dwell: 30}}
    recording: {{pre_roll: 4, post_roll: 4}}
  - camera: yard
    source: rtsp://127.0.0.1:8554/yard
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "vigil.yaml"
    p.write_text(text)
    return p


def test_good_config(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_TEST_MQTT_PASSWORD", "s3cret-from-env")
    p = _write(tmp_path, GOOD.format(data=tmp_path / "data"))
    assert main(["check-config", str(p)]) == 0
    out = capsys.readouterr()
    assert "ok (2 cameras)" in out.out and out.err == ""


def test_unset_secret_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIGIL_TEST_MQTT_PASSWORD", raising=False)
    p = _write(tmp_path, GOOD.format(data=tmp_path / "data"))
    assert main(["check-config", str(p)]) == 0
    assert "VIGIL_TEST_MQTT_PASSWORD is not set" in capsys.readouterr().err


def test_every_error_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = GOOD.format(data=tmp_path / "data").replace("    fps: 5\n", "    fps: five\n").replace(
        "    source: rtsp://127.0.0.1:8554/yard\n", "    source: rtsp://127.0.0.1:8554/yard\n    colour: red\n"
    )
    p = _write(tmp_path, text)
    assert main(["check-config", str(p)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert f"{p}:12: cameras.0.fps: Input should be a valid number, unable to parse string as a number" in err
    assert any(line.startswith(f"{p}:21: cameras.1.colour") for line in err)
    assert len(err) == 2


def test_analysis_config_is_checked_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _write(tmp_path, "camera: gate\ndetector:\n  model: yolox-s\n")
    assert main(["check-config", str(p)]) == 0
    assert "analysis config for camera 'gate'" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("cameras: []\n", "cameras"),
        ("cameras:\n  - {camera: a, source: x.mp4}\n  - {camera: a, source: y.mp4}\n", "used twice"),
        ("cameras:\n  - {camera: a}\n", "cameras.0.source"),
        ("cameras:\n  - {camera: a, source: x.mp4, rtsp_transport: quic}\n", "cameras.0.rtsp_transport"),
        ("server: {port: 70000}\ncameras:\n  - {camera: a, source: x.mp4}\n", "server.port"),
    ],
)
def test_service_config_errors(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        parse_yaml(text, ServiceConfig, source="vigil.yaml")
