"""Small generated H.264 clips for tests (importable from any test folder as ``videos``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt


def write_h264(path: Path, frames: Iterable[npt.NDArray[np.uint8]], fps: int) -> Path:
    """Encode BGR ``frames`` (all of one size) into an H.264 MP4 at ``path``."""
    with av.open(str(path), "w") as c:
        s = None
        for img in frames:
            if s is None:
                s = c.add_stream("libx264", rate=fps)
                s.width, s.height, s.pix_fmt = img.shape[1], img.shape[0], "yuv420p"
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                c.mux(p)
        if s is None:
            raise ValueError(f"{path}: no frames to write")
        for p in s.encode():
            c.mux(p)
    return path


def moving_block(path: Path, seconds: float, fps: int = 10) -> Path:
    """160x120: a bright block crossing a grey background."""

    def frames() -> Iterable[npt.NDArray[np.uint8]]:
        for i in range(int(seconds * fps)):
            img = np.full((120, 160, 3), 60, np.uint8)
            x = (5 + 4 * i) % 130
            img[30:90, x : x + 20] = 220
            yield img

    return write_h264(path, frames(), fps)
