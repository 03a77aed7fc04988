"""Our metrics against published py-motmetrics numbers, motmetrics itself, and TrackEval's file pipeline.

Data: ../shared/data/metrics-crosscheck/TUD-Campus (gt.txt + a tracker's test.txt); SOURCES.md
there lists what py-motmetrics' own test expects at IoU >= 0.5.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from vigil.eval.metrics import MotScores, evaluate_sequence
from vigil.eval.motdata import read_mot_file

pytestmark = pytest.mark.data

FRAMES = 71  # TUD-Campus seqLength
# From py-motmetrics' test_motchallenge_files (see metrics-crosscheck/SOURCES.md).
EXPECTED = {
    "MOTA": 0.526462,
    "IDF1": 0.557659,
    "IDSW": 7,
    "FP": 13,
    "FN": 150,
    "MOTP_distance": 0.277201,
    "IDP": 0.729730,
    "IDR": 0.451253,
    "recall": 0.582173,
    "precision": 0.941441,
    "MT": 1,
    "PT": 6,
    "ML": 1,
    "Frag": 7,
}


@pytest.fixture(scope="module")
def crosscheck(data_dir: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    d = data_dir / "metrics-crosscheck" / "TUD-Campus"
    if not (d / "test.txt").is_file():
        pytest.skip(f"{d}/test.txt not found")
    return d, read_mot_file(d / "gt.txt"), read_mot_file(d / "test.txt")


@pytest.fixture(scope="module")
def ours(crosscheck: tuple[Path, np.ndarray, np.ndarray]) -> MotScores:
    _, gt, pred = crosscheck
    return evaluate_sequence(gt, pred, FRAMES, name="TUD-Campus")[0]


def test_agrees_with_published_motmetrics_values(ours: MotScores) -> None:
    # TrackEval's CLEAR counts an IDSW when a gt id is matched to a different tracker id than at its
    # last match, as py-motmetrics does, so IDSW agrees exactly here (no documented offset needed).
    assert (ours.IDSW, ours.FP, ours.FN, ours.MT, ours.PT, ours.ML, ours.Frag) == (
        EXPECTED["IDSW"],
        EXPECTED["FP"],
        EXPECTED["FN"],
        EXPECTED["MT"],
        EXPECTED["PT"],
        EXPECTED["ML"],
        EXPECTED["Frag"],
    )
    for key in ("MOTA", "IDF1", "IDP", "IDR", "recall", "precision"):
        assert getattr(ours, key) == pytest.approx(EXPECTED[key], abs=1e-3), key
    # py-motmetrics' MOTP is the mean IoU *distance*; TrackEval's is the mean IoU.
    assert ours.MOTP == pytest.approx(1 - EXPECTED["MOTP_distance"], abs=1e-3)


def test_agrees_with_motmetrics_run_here(crosscheck: tuple[Path, np.ndarray, np.ndarray], ours: MotScores) -> None:
    mm = pytest.importorskip("motmetrics")
    _, gt, pred = crosscheck
    acc = mm.MOTAccumulator(auto_id=False)
    for f in range(1, FRAMES + 1):
        g = gt[(gt[:, 0] == f) & (gt[:, 6] != 0)]
        p = pred[pred[:, 0] == f]
        # mm.distances.iou_matrix uses np.asfarray (gone in NumPy 2); boxiou is the same formula.
        iou = mm.distances.boxiou(g[:, None, 2:6], p[None, :, 2:6]) if len(g) and len(p) else np.zeros((len(g), len(p)))
        dist = np.where(1 - iou > 0.5, np.nan, 1 - iou)
        acc.update(g[:, 1].astype(int), p[:, 1].astype(int), dist, frameid=f)
    summary = mm.metrics.create().compute(
        acc, metrics=["mota", "idf1", "num_switches", "num_false_positives", "num_misses", "motp"], name="s"
    )
    row = summary.loc["s"]
    assert ours.MOTA == pytest.approx(float(row["mota"]), abs=1e-6)
    assert ours.IDF1 == pytest.approx(float(row["idf1"]), abs=1e-6)
    assert (ours.IDSW, ours.FP, ours.FN) == (
        int(row["num_switches"]),
        int(row["num_false_positives"]),
        int(row["num_misses"]),
    )
    assert ours.MOTP == pytest.approx(1 - float(row["motp"]), abs=1e-6)


def test_agrees_with_trackeval_file_pipeline(
    crosscheck: tuple[Path, np.ndarray, np.ndarray], ours: MotScores, tmp_path: Path
) -> None:
    """TrackEval's own MotChallenge2DBox (BENCHMARK MOT15) reading the same files gives the same HOTA etc."""
    trackeval = pytest.importorskip("trackeval")
    d, _, _ = crosscheck
    seq_dir = tmp_path / "gt" / "TUD-Campus"
    (seq_dir / "gt").mkdir(parents=True)
    shutil.copyfile(d / "gt.txt", seq_dir / "gt" / "gt.txt")
    trk_dir = tmp_path / "trackers" / "test" / "data"
    trk_dir.mkdir(parents=True)
    shutil.copyfile(d / "test.txt", trk_dir / "TUD-Campus.txt")
    dataset = trackeval.datasets.MotChallenge2DBox(
        {
            "GT_FOLDER": str(tmp_path / "gt"),
            "TRACKERS_FOLDER": str(tmp_path / "trackers"),
            "BENCHMARK": "MOT15",
            "SKIP_SPLIT_FOL": True,
            "SEQ_INFO": {"TUD-Campus": FRAMES},
            "TRACKERS_TO_EVAL": ["test"],
            "PRINT_CONFIG": False,
        }
    )
    data = dataset.get_preprocessed_seq_data(dataset.get_raw_seq_data("test", "TUD-Campus"), "pedestrian")
    hota = trackeval.metrics.HOTA().eval_sequence(data)
    clear = trackeval.metrics.CLEAR({"PRINT_CONFIG": False}).eval_sequence(data)
    ident = trackeval.metrics.Identity({"PRINT_CONFIG": False}).eval_sequence(data)
    assert ours.HOTA == pytest.approx(float(np.mean(hota["HOTA"])), abs=1e-12)
    assert ours.DetA == pytest.approx(float(np.mean(hota["DetA"])), abs=1e-12)
    assert ours.AssA == pytest.approx(float(np.mean(hota["AssA"])), abs=1e-12)
    assert ours.MOTA == pytest.approx(float(clear["MOTA"]), abs=1e-12)
    assert ours.IDF1 == pytest.approx(float(ident["IDF1"]), abs=1e-12)
    assert ours.IDSW == int(clear["IDSW"])
    assert 0.3 < ours.HOTA < 0.5  # sanity: a mediocre tracker
