"""`vigil analyze` end to end on the first 100 frames of the real vtest.avi."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import av
import numpy as np
import pytest

from vigil.cli import main

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory: pytest.TempPathFactory, data_dir: Path, models_dir: Path) -> Path:
    video = data_dir / "videos" / "vtest.avi"
    if not video.is_file():
        pytest.skip(f"{video} not found")
    out = tmp_path_factory.mktemp("vtest")
    mp = pytest.MonkeyPatch()
    mp.setenv("VIGIL_MODELS", str(models_dir))
    try:
        assert main(["analyze", str(video), "--max-frames", "100", "--out", str(out), "--no-progress"]) == 0
    finally:
        mp.undo()
    return out


def test_tracks_txt_is_mot_format(analyzed: Path) -> None:
    rows = np.loadtxt(analyzed / "tracks.txt", delimiter=",", ndmin=2)
    assert rows.shape[1] == 10
    frames = rows[:, 0].astype(int)
    assert frames.min() >= 1 and frames.max() <= 100
    # vtest.avi shows 4-8 walkers at a time: most frames have several tracked people.
    per_frame = np.bincount(frames, minlength=101)[1:]
    assert np.median(per_frame) >= 3
    ids = rows[:, 1].astype(int)
    assert ids.min() >= 1
    # Identity is stable: far fewer ids than boxes.
    assert len(np.unique(ids)) < 25
    w, h = rows[:, 4], rows[:, 5]
    assert (w > 0).all() and (h > w).mean() > 0.9  # people are taller than wide


def test_events_pair_starts_and_ends(analyzed: Path) -> None:
    events = [json.loads(x) for x in (analyzed / "events.jsonl").read_text().splitlines()]
    starts = {tuple(e["track_ids"]) for e in events if e["kind"] == "track_start"}
    ends = {tuple(e["track_ids"]) for e in events if e["kind"] == "track_end"}
    assert starts and starts == ends
    ids_in_tracks = set(np.loadtxt(analyzed / "tracks.txt", delimiter=",", ndmin=2)[:, 1].astype(int))
    person_starts = {tuple(e["track_ids"]) for e in events if e["kind"] == "track_start"
                     and e["attributes"]["class"] == "person"}
    assert {i for (i,) in person_starts} == ids_in_tracks  # tracks.txt holds pedestrians, as MOTChallenge does
    for e in events:
        if e["kind"] == "track_end":
            assert e["attributes"]["duration"] >= 0
            assert e["t"] <= 100 / 10 + 1e-6  # vtest.avi runs at 10 frames/s


def test_annotated_video_plays_in_browser(analyzed: Path) -> None:
    video = analyzed / "annotated.mp4"
    with av.open(str(video)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.codec_context.pix_fmt == "yuv420p"
        n = sum(1 for _ in c.decode(s))
    assert n == 100
    head = video.read_bytes()[:4096]
    assert head.find(b"moov") != -1 or video.read_bytes().find(b"moov") < video.read_bytes().find(b"mdat")


def test_report_html(analyzed: Path) -> None:
    html = (analyzed / "report.html").read_text()
    HTMLParser().feed(html)
    assert "<svg" in html
    # No outbound references: nothing is loaded from elsewhere (SVG namespaces are not fetched).
    assert not re.search(r"(src|href|action)\s*=\s*[\"']?\s*(https?:)?//", html)
    assert "url(http" not in html and "@import" not in html
    summary = json.loads((analyzed / "summary.json").read_text())
    assert summary["frames"] == 100
    assert summary["unique_tracks"] >= 4
