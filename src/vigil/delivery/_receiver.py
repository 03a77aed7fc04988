"""A webhook endpoint on loopback that checks signatures, for tests and the outage benchmark.

It answers 204 to correctly signed requests and records them; 401 to bad signatures;
``fail_with`` (e.g. 500) makes it refuse everything, to simulate an outage.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vigil.delivery.webhook import (
    EVENT_ID_HEADER,
    MESSAGE_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)


@dataclass(frozen=True, slots=True)
class Received:
    """One accepted request: its parsed body, headers and arrival time (``time.time()``)."""

    body: dict[str, Any]
    headers: dict[str, str]
    arrived: float


class WebhookReceiver:
    """``url`` is where to POST; ``received`` lists accepted requests, ``rejected`` counts refusals."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.fail_with: int | None = None
        self.received: list[Received] = []
        self.rejected = 0
        self.bad_signatures = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver._handle(self, body)

            def log_message(self, *args: Any) -> None:  # silence stderr
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread: threading.Thread | None = None

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        status = self.fail_with
        if status is None:
            ok = verify_signature(self.secret, handler.headers.get(TIMESTAMP_HEADER), body,
                                  handler.headers.get(SIGNATURE_HEADER))
            if ok:
                status = 204
                with self._lock:
                    self.received.append(Received(
                        json.loads(body),
                        {k: handler.headers.get(k, "") for k in (EVENT_ID_HEADER, MESSAGE_ID_HEADER,
                                                                 TIMESTAMP_HEADER, SIGNATURE_HEADER,
                                                                 "Content-Type", "User-Agent")},
                        time.time(),
                    ))
            else:
                status = 401
                with self._lock:
                    self.bad_signatures += 1
        if status >= 300:
            with self._lock:
                self.rejected += 1
        handler.send_response(status)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.body for r in self.received]

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="webhook-receiver", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> WebhookReceiver:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
