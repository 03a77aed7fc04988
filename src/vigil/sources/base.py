"""The Source interface: something that yields timestamped frames."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, runtime_checkable

from vigil.types import Frame


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """What a source reports about itself.

    online: currently delivering frames. frames: delivered so far. corrupt_frames:
    frames that failed to decode and were skipped. reconnects: times a live source
    reconnected. last_error: the last problem seen, or None. last_frame_wall: wall
    clock (time.time()) of the last delivered frame (live sources: the last frame
    received from the stream), or None. dropped_frames: live frames discarded because
    the consumer was slower than the stream (files never drop).
    """

    online: bool
    frames: int
    corrupt_frames: int
    reconnects: int
    last_error: str | None
    last_frame_wall: float | None
    dropped_frames: int = 0


@runtime_checkable
class Source(Protocol):
    """A stream of frames. ``read()`` returns the next frame or None at the end.

    Sources are context managers; ``close()`` releases the decoder. ``fps`` is the
    nominal rate (None when unknown); ``frame_count`` the length when known.
    """

    name: str

    @property
    def fps(self) -> float | None: ...

    @property
    def frame_count(self) -> int | None: ...

    def read(self) -> Frame | None: ...

    def health(self) -> SourceHealth: ...

    def close(self) -> None: ...

    def __iter__(self) -> Iterator[Frame]: ...

    def __enter__(self) -> Source: ...

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...
