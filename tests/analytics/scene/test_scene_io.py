"""SceneModel save/load: one .npz with JSON metadata, no pickle; bad files are ConfigErrors naming them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from scene_synth import Scene

from vigil.analytics.scene import SceneModel, SceneScorer
from vigil.errors import ConfigError


def test_round_trip_keeps_everything_and_scores_identically(
    tmp_path: Path, synth_scene: Scene, synth_model: SceneModel
) -> None:
    path = synth_model.save(tmp_path / "cam")
    assert path.name == "cam.npz"
    with np.load(path, allow_pickle=False) as z:  # loadable without pickle
        assert set(z.files) == {"normal_speed", "metadata"}
    back = SceneModel.load(path)
    assert back.config == synth_model.config
    assert back.working_size == synth_model.working_size and back.source_size == synth_model.source_size
    np.testing.assert_array_equal(back.normal_speed, synth_model.normal_speed)
    np.testing.assert_array_equal(back.center, synth_model.center)
    np.testing.assert_array_equal(back.scale, synth_model.scale)
    assert back.threshold == synth_model.threshold
    assert back.info["clips"] == synth_model.info["clips"]
    frames = list(synth_scene.frames(3.0, t0=40.0, fast_from=41.0))
    a = [SceneScorer(synth_model).score(f).frame_score for f in frames]
    b = [SceneScorer(back).score(f).frame_score for f in frames]
    assert a == b


def test_metadata_is_readable_json(tmp_path: Path, synth_model: SceneModel) -> None:
    path = synth_model.save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["metadata"]))
    assert meta["format"] == "vigil-scene-model" and meta["statistics"] == ["speed", "activity_fall", "activity_rise"]
    assert meta["false_alarms_per_hour"] == 1.0


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, "not found"),
        (b"not a zip", "not a Vigil scene model"),
        ("wrong_format", "format 'other'"),
        ("future_version", "version 99 is not supported"),
        ("bad_config", "metadata is invalid"),
    ],
)
def test_bad_model_files(tmp_path: Path, synth_model: SceneModel, content: object, match: str) -> None:
    path = tmp_path / "model.npz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        meta = synth_model.metadata()
        if content == "wrong_format":
            meta["format"] = "other"
        elif content == "future_version":
            meta["format_version"] = 99
        else:
            meta["config"]["width"] = 5
        np.savez(path, normal_speed=synth_model.normal_speed, metadata=np.array(json.dumps(meta)))
    with pytest.raises(ConfigError, match=match) as info:
        SceneModel.load(path)
    assert str(path) in str(info.value)


def test_object_arrays_are_refused(tmp_path: Path, synth_model: SceneModel) -> None:
    path = tmp_path / "pickled.npz"
    np.savez(path, normal_speed=synth_model.normal_speed, metadata=np.array([{"format": "x"}], dtype=object))
    assert zipfile.is_zipfile(path)
    with pytest.raises(ConfigError, match="not a Vigil scene model"):
        SceneModel.load(path)
