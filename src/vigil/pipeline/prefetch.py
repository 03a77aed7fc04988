"""Read frames ahead on a background thread so decoding overlaps inference.

FFmpeg and ONNX Runtime release the GIL, so on a 2-core machine decoding the next
frame while the detector runs hides most of the decode time. The queue is small
and bounded: memory does not grow with the video's length.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from types import TracebackType

from vigil.sources.base import Source
from vigil.types import Frame

log = logging.getLogger(__name__)

_END = object()


class Prefetcher:
    """Iterate a Source's frames, decoded ``depth`` frames ahead on a thread.

    ``decode_seconds`` accumulates the time spent inside ``source.read()``.
    Errors raised by the source are re-raised in the consumer.
    """

    def __init__(self, source: Source, depth: int = 4) -> None:
        self._source = source
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"decode-{source.name}", daemon=True)
        self.decode_seconds = 0.0
        self._started = False

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                t0 = time.perf_counter()
                frame = self._source.read()
                self.decode_seconds += time.perf_counter() - t0
                if frame is None:
                    break
                if not self._put(frame):
                    return
        except BaseException as e:  # handed to the consumer, which re-raises it
            self._put(e)
            return
        self._put(_END)

    def __iter__(self) -> Iterator[Frame]:
        if not self._started:
            self._started = True
            self._thread.start()
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, Frame)
            yield item

    def close(self) -> None:
        self._stop.set()
        if self._started:
            self._thread.join(timeout=5.0)
            if self._thread.is_alive():
                log.warning("decoder thread for %s did not stop within 5 s", self._source.name)

    def __enter__(self) -> Prefetcher:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
