from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from vigil.errors import OutputError
from vigil.output import AnnotatedVideoWriter, Annotator, H264Writer
from vigil.output.annotate import ALERT_BGR, id_colour
from vigil.types import Event, Frame, Tracks

MakeFrame = Callable[..., Frame]
MakeTracks = Callable[..., Tracks]

# variable frame rate: a pause, a burst, then steady 25 fps
PTS = [10.0, 10.04, 10.08, 10.5, 10.52, 10.54, 10.6, 10.64, 10.68, 10.72, 10.76, 10.80]


def top_level_boxes(data: bytes) -> list[str]:
    """Types of the top-level MP4 boxes, in file order."""
    boxes, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
        elif size == 0:
            size = len(data) - pos
        assert size >= 8, f"corrupt box at {pos}"
        boxes.append(kind.decode("latin-1"))
        pos += size
    assert pos == len(data)
    return boxes


def decoded(path: Path) -> tuple[str, str, tuple[int, int], list[float]]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        times = [float(f.time) for f in c.decode(s)]
        return s.codec_context.name, s.codec_context.pix_fmt, (s.codec_context.width, s.codec_context.height), times


def test_annotated_video_is_browser_playable_h264_with_source_times(
    tmp_path: Path, frame_of: MakeFrame, tracks_of: MakeTracks
) -> None:
    path = tmp_path / "annotated.mp4"
    with AnnotatedVideoWriter(path, 160, 120, 25.0, camera="cam") as w:
        for i, pts in enumerate(PTS):
            x = 10 + 4 * i
            w.write(frame_of(i, pts), tracks_of([(x, 30, x + 20, 90)], [1]), [])
    assert w.frames == len(PTS)
    codec, pix_fmt, size, times = decoded(path)
    assert (codec, pix_fmt, size) == ("h264", "yuv420p", (160, 120))
    assert times == pytest.approx([p - PTS[0] for p in PTS], abs=1e-3)
    boxes = top_level_boxes(path.read_bytes())
    assert "moov" in boxes and "mdat" in boxes
    assert boxes.index("moov") < boxes.index("mdat"), f"not faststart: {boxes}"


def test_odd_sizes_are_padded_and_other_sizes_resized(tmp_path: Path, frame_of: MakeFrame) -> None:
    path = tmp_path / "odd.mp4"
    with H264Writer(path, 161, 121, 10.0) as w:
        w.write(frame_of(0, 0.0, 161, 121).image, 0.0)
        w.write(frame_of(1, 0.1, 320, 240).image, 0.1)  # resolution changed mid-stream
    codec, pix_fmt, size, times = decoded(path)
    assert (codec, pix_fmt, size) == ("h264", "yuv420p", (162, 122))
    assert times == pytest.approx([0.0, 0.1], abs=1e-3)


def test_times_that_repeat_or_go_backwards_stay_increasing(tmp_path: Path, frame_of: MakeFrame) -> None:
    path = tmp_path / "loop.mp4"
    pts = [0.0, 0.1, 0.2, 0.2, 0.0, 0.1]  # a duplicate, then the file loops
    with H264Writer(path, 160, 120, 10.0) as w:
        for i, p in enumerate(pts):
            w.write(frame_of(i, p).image, p)
    *_, times = decoded(path)
    assert times == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.5], abs=1e-3)


def test_write_after_close_and_unwritable_path_raise(tmp_path: Path, frame_of: MakeFrame) -> None:
    w = H264Writer(tmp_path / "a.mp4", 160, 120, 10.0)
    w.close()
    w.close()
    with pytest.raises(OutputError, match="a.mp4: write after close"):
        w.write(frame_of(0, 0.0).image, 0.0)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="file"):
        H264Writer(blocker / "v.mp4", 160, 120, 10.0)


def test_annotator_draws_on_a_copy_with_id_colours_trails_and_banners(
    frame_of: MakeFrame, tracks_of: MakeTracks
) -> None:
    ann = Annotator(camera="cam", trail_seconds=2.0, banner_seconds=3.0)
    frame = frame_of(0, 0.0)
    before = frame.image.copy()
    out = ann.draw(frame, tracks_of([(40, 50, 80, 110)], [7]), [])
    np.testing.assert_array_equal(frame.image, before)  # the source frame is untouched
    assert out.shape == before.shape
    assert tuple(out[80, 40]) == id_colour(7)  # left edge of the box, below the label
    assert ann.trail_count == 1
    # a running event: red banner under the header, red outline around the named track
    running = Event("running", "start", 0.5, "cam", (7,), 0.5)
    out = ann.draw(frame_of(1, 0.5), tracks_of([(40, 50, 80, 110)], [7]), [running])
    assert tuple(out[80, 37]) == ALERT_BGR
    banner = out[20:40, 2:30].reshape(-1, 3)
    assert np.any(np.all(banner == ALERT_BGR, axis=1))
    # track start/end events draw no banner
    quiet = Annotator().draw(frame_of(1, 0.5), Tracks.empty(), [Event("track_start", "instant", 0.5, "c", (1,))])
    assert not np.any(np.all(quiet[20:40, 2:30].reshape(-1, 3) == ALERT_BGR, axis=1))
    # trails and banners expire: only recent state is kept
    out = ann.draw(frame_of(2, 10.0), Tracks.empty(), [])
    assert ann.trail_count == 0
    assert not np.any(np.all(out[20:40, 2:30].reshape(-1, 3) == ALERT_BGR, axis=1))


def test_id_colours_are_stable_and_distinct() -> None:
    assert id_colour(3) == id_colour(3)
    assert len({id_colour(i) for i in range(1, 30)}) == 29



def test_encoder_failure_in_the_thread_reaches_the_caller(tmp_path: Path, frame_of: MakeFrame) -> None:
    bad = np.zeros((120, 160), np.float64)  # not a BGR uint8 image: fails in the encoder thread
    w = H264Writer(tmp_path / "bad.mp4", 160, 120, 10.0, queue_size=2)
    w.write(bad, 0.0)
    with pytest.raises(OutputError, match="bad.mp4: video encoding failed"):
        for i in range(1, 10):  # raised within queue_size + 1 writes; the producer never blocks
            w.write(frame_of(i, i / 10).image, i / 10)
    with pytest.raises(OutputError, match="bad.mp4"):
        w.write(frame_of(0, 5.0).image, 5.0)  # and on every later write
    w.close()  # already reported: closing does not raise it again
    w = H264Writer(tmp_path / "bad2.mp4", 160, 120, 10.0)
    w.write(bad, 0.0)
    with pytest.raises(OutputError, match="bad2.mp4: video encoding failed"):
        w.close()
