"""Letterbox a BGR frame into a preallocated YOLOX input tensor.

YOLOX's preprocessing: resize keeping the aspect ratio so the frame fits the network
input, place it at the top-left corner, pad the rest with 114, keep BGR 0-255 as
float32, NCHW. The tensor is allocated once; the padding is written only when the
frame size changes, so each frame costs one ``cv2.resize`` plus one uint8 -> float32
copy of the resized pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

from vigil.types import FloatArray, Image

PAD_VALUE = 114.0


class Letterbox:
    """Fills ``tensor`` (1, 3, height, width) float32 from frames of any size.

    ``ratio`` is the scale from source pixels to input pixels of the last frame:
    a box in input pixels maps back to the source by dividing by it.
    """

    def __init__(self, height: int, width: int) -> None:
        self.height = height
        self.width = width
        self.tensor: FloatArray = np.full((1, 3, height, width), PAD_VALUE, np.float32)
        self.ratio = 1.0
        self._src_shape: tuple[int, int] | None = None
        self._size = (width, height)  # (w, h) of the resized frame, cv2 order

    def __call__(self, image: Image) -> FloatArray:
        """Write ``image`` (H, W, 3) uint8 BGR into the tensor and return it."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an (H, W, 3) BGR image, got shape {image.shape}")
        h, w = int(image.shape[0]), int(image.shape[1])
        if (h, w) != self._src_shape:
            self._fit(h, w)
        nw, nh = self._size
        resized = cv2.resize(image, self._size, interpolation=cv2.INTER_LINEAR) if (nh, nw) != (h, w) else image
        planes = self.tensor[0]
        for c, plane in enumerate(cv2.split(resized)):
            planes[c, :nh, :nw] = plane
        return self.tensor

    def _fit(self, h: int, w: int) -> None:
        r = min(self.height / h, self.width / w)
        # Same rounding as YOLOX's preproc (int() floors), so boxes map back identically.
        self._size = (max(1, min(self.width, int(w * r))), max(1, min(self.height, int(h * r))))
        self.ratio = r
        self._src_shape = (h, w)
        self.tensor.fill(PAD_VALUE)
