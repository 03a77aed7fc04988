"""Synthetic frames that carry their own index as a pattern that survives JPEG and H.264."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import av
import numpy as np
import pytest

from vigil.config.recording import RecordingConfig
from vigil.recording.base import WallClock
from vigil.recording.media import MediaFile
from vigil.types import Event, Frame

W, H = 160, 128
FPS = 10
BITS = 8
CELL = 16
CODE_Y = 64  # the code row: below the annotator's header band
EPOCH = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def make_image(index: int) -> np.ndarray:
    """A grey frame with the low 8 bits of ``index`` as black/white 16x16 cells in one row."""
    img = np.full((H, W, 3), 90, np.uint8)
    img[:40, :] = (40, 160, 220)
    for b in range(BITS):
        on = (index >> b) & 1
        img[CODE_Y : CODE_Y + CELL, b * CELL + 8 : (b + 1) * CELL + 8] = 255 if on else 0
    return img


def read_code(img: np.ndarray) -> int:
    code = 0
    for b in range(BITS):
        cell = img[CODE_Y + 4 : CODE_Y + CELL - 4, b * CELL + 12 : (b + 1) * CELL + 4]
        if cell.mean() > 128:
            code |= 1 << b
    return code


def frame(i: int) -> Frame:
    return Frame(make_image(i), i, i / FPS)


def decode(path: Path) -> tuple[list[int], list[float], av.VideoStream]:
    """The codes and times (s) of every frame of a video file, and its stream."""
    codes, times = [], []
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        for f in c.decode(stream):
            codes.append(read_code(f.to_ndarray(format="bgr24")))
            times.append(float(f.time))
    return codes, times, stream


def start(t: float, camera: str = "cam") -> Event:
    return Event("loitering", "start", t, camera, (1,), started=t)


def end(t: float, started: float, camera: str = "cam") -> Event:
    return Event("loitering", "end", t, camera, (1,), started=started)


class Sink:
    """Collects what a recorder reports."""

    def __init__(self) -> None:
        self.media: list[MediaFile] = []

    def __call__(self, m: MediaFile) -> None:
        self.media.append(m)

    def of(self, kind: str) -> list[MediaFile]:
        return [m for m in self.media if m.kind == kind]


@pytest.fixture
def clock() -> WallClock:
    return WallClock(EPOCH)


def config(**kw: object) -> RecordingConfig:
    base: dict[str, object] = {"pre_roll": 1.0, "post_roll": 1.0, "max_clip": 30.0, "annotate_clips": False}
    base.update(kw)
    return RecordingConfig.model_validate(base)
