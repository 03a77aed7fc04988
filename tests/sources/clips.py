"""Small synthetic videos and image sequences, made by the tests themselves."""

from __future__ import annotations

import fractions
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from av.video.stream import VideoStream


def scene(i: int, size: tuple[int, int] = (160, 120)) -> np.ndarray:
    """Frame ``i`` of a moving-square scene: a red square moves right; the bottom rows
    hold ``i`` as 8 black/white blocks (read back with ``frame_number``)."""
    w, h = size
    img = np.full((h, w, 3), 60, np.uint8)
    x = (i * 4) % (w - 16)
    img[h // 4: h // 4 + 12, x: x + 12] = (0, 0, 255)
    bw, bh = w // 8, h // 4
    for bit in range(8):
        img[h - bh:, bit * bw: (bit + 1) * bw] = 255 if (i >> bit) & 1 else 0
    return img


def frame_number(image: np.ndarray) -> int:
    """Recover ``i`` from a decoded ``scene(i)`` (i < 256), despite lossy coding."""
    h, w = image.shape[:2]
    bw, bh = w // 8, h // 4
    gray = image[h - bh + 2: h - 2].mean(axis=2)
    return sum(1 << bit for bit in range(8) if gray[:, bit * bw + 2: (bit + 1) * bw - 2].mean() > 128)


def make_video(
    path: Path,
    *,
    n: int = 30,
    fps: int = 25,
    codec: str = "libx264",
    size: tuple[int, int] = (160, 120),
    times: Sequence[float] | None = None,
    garbage_at: int | None = None,
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
) -> Path:
    """Encode ``n`` frames of ``scene`` at ``fps`` into ``path`` (container from the suffix).

    times: explicit presentation times in seconds (variable frame rate).
    garbage_at: replace that packet's payload with random bytes (a corrupt frame).
    """
    out = av.open(str(path), "w", options=container_options or {})
    stream = out.add_stream(codec, rate=fps)
    assert isinstance(stream, VideoStream)
    stream.width, stream.height = size
    stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
    stream.options = {"g": "10", "bf": "0", **(options or {})} if codec == "libx264" else dict(options or {})
    if times is not None:
        tb = fractions.Fraction(1, 1000)
        stream.time_base = tb
        stream.codec_context.time_base = tb
    packets = 0

    def mux(packet: Any) -> None:
        nonlocal packets
        if packets == garbage_at:
            junk = av.Packet(np.random.default_rng(packets).integers(0, 256, packet.size, np.uint8).tobytes())
            junk.pts, junk.dts, junk.time_base = packet.pts, packet.dts, packet.time_base
            junk.stream = packet.stream
            packet = junk
        out.mux(packet)
        packets += 1

    for i in range(n):
        frame = av.VideoFrame.from_ndarray(scene(i, size), format="bgr24")
        if times is not None:
            frame.pts = round(times[i] * 1000)
            frame.time_base = fractions.Fraction(1, 1000)
        for packet in stream.encode(frame):
            mux(packet)
    for packet in stream.encode():
        mux(packet)
    out.close()
    return path


def make_images(
    folder: Path, n: int, *, ext: str = ".png", pattern: str = "{:06d}", size: tuple[int, int] = (64, 48)
) -> list[Path]:
    """Write ``scene(i)`` for i in 0..n-1 as images named ``pattern.format(i + 1) + ext``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / (pattern.format(i + 1) + ext)
        assert cv2.imwrite(str(p), scene(i, size))
        paths.append(p)
    return paths


def write_seqinfo(seq: Path, *, frame_rate: float | str | None, length: int | None = None, name: str = "SEQ") -> None:
    lines = ["[Sequence]", f"name={name}", "imDir=img1"]
    if frame_rate is not None:
        lines.append(f"frameRate={frame_rate}")
    if length is not None:
        lines.append(f"seqLength={length}")
    lines.append("imExt=.png")
    (seq / "seqinfo.ini").write_text("\n".join(lines) + "\n")
