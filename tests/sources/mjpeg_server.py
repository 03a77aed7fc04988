"""An HTTP MJPEG (multipart/x-mixed-replace) server on loopback for tests, that can be killed and restarted."""

from __future__ import annotations

import http.server
import threading
import time
from types import TracebackType

import cv2
import numpy as np


class MjpegServer:
    """``with MjpegServer() as srv: srv.url`` streams generated JPEG frames at ``fps``.

    ``stop()`` closes the server and every open stream (the camera 'dies'); ``start()``
    brings it back on the same port. Setting ``frozen`` keeps connections open but sends
    nothing (a stalled camera).
    """

    def __init__(self, fps: float = 25.0, size: tuple[int, int] = (64, 48), path: str = "/video") -> None:
        self.fps = fps
        self.size = size
        self.path = path
        self.port = 0
        self.frames_sent = 0
        self.connections = 0
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._alive = threading.Event()
        self.frozen = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def _jpeg(self, i: int) -> bytes:
        w, h = self.size
        img = np.zeros((h, w, 3), np.uint8)
        img[:, :, 0] = (i * 7) % 256
        x = (i * 3) % (w - 8)
        img[h // 3: h // 3 + 8, x: x + 8] = (0, 0, 255)
        ok, buf = cv2.imencode(".jpg", img)
        assert ok
        return bytes(buf)

    def start(self) -> MjpegServer:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path != owner.path:
                    self.send_error(404)
                    return
                owner.connections += 1
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=vigilframe")
                self.end_headers()
                period = 1.0 / owner.fps
                next_t = time.monotonic()
                try:
                    while owner._alive.is_set():
                        if owner.frozen.is_set():
                            time.sleep(0.02)
                            next_t = time.monotonic()
                            continue
                        data = owner._jpeg(owner.frames_sent)
                        self.wfile.write(
                            b"--vigilframe\r\nContent-Type: image/jpeg\r\n"
                            + f"Content-Length: {len(data)}\r\n\r\n".encode() + data + b"\r\n"
                        )
                        self.wfile.flush()
                        owner.frames_sent += 1
                        next_t += period
                        time.sleep(max(0.0, next_t - time.monotonic()))
                except OSError:
                    return

        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._alive.set()
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and end every open stream."""
        self._alive.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        time.sleep(2.5 / self.fps)  # let the stream handlers notice and close their sockets

    def __enter__(self) -> MjpegServer:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
