"""Webhooks against a real local HTTP endpoint: JSON body, HMAC signature, status handling."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vigil.delivery import PublishError, WebhookPublisher, sign, verify_signature
from vigil.delivery._receiver import WebhookReceiver
from vigil.events import EventMessage

from .conftest import SECRET

AT = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def message(phase: str = "start", t: float = 12.0) -> EventMessage:
    return EventMessage(
        event_id="0b1c0a86-4a3f-5e0d-9b5e-1c2d3e4f5a6b", message_id=f"m-{phase}-{t}", phase=phase, camera="front door",
        kind="loitering", rule="loiter-door", zone="door", line=None, at=AT, started_at=AT, ended_at=None,
        t=t, started=10.0, track_ids=(3, 5), attributes={"rule": "loiter-door", "dwell": 61.5}, confidence=0.9,
    )


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"id":"x"}'
    expected = hmac.new(b"k", b"1714564800." + body, hashlib.sha256).hexdigest()
    assert sign(b"k", 1714564800, body) == f"sha256={expected}"
    assert verify_signature(b"k", "1714564800", body, f"sha256={expected}", now=1714564800 + 10)
    assert not verify_signature(b"k", "1714564800", body + b" ", f"sha256={expected}", now=1714564800)
    assert not verify_signature(b"other", "1714564800", body, f"sha256={expected}", now=1714564800)
    assert not verify_signature(b"k", "1714564800", body, f"sha256={expected}", now=1714564800 + 301)  # replay
    assert not verify_signature(b"k", "soon", body, f"sha256={expected}")
    assert not verify_signature(b"k", None, body, None)


def test_delivers_signed_json(receiver: WebhookReceiver) -> None:
    with WebhookPublisher("alerts", receiver.url, SECRET, timeout=5) as pub:
        assert pub.name == "webhook:alerts"
        pub.publish(message())
    assert receiver.bad_signatures == 0 and len(receiver.received) == 1
    got = receiver.received[0]
    assert got.body == message().to_json()
    assert got.body["camera"] == "front door" and got.body["track_ids"] == [3, 5]
    assert got.body["at"] == "2024-05-01T12:00:00+00:00"
    assert got.headers["X-Vigil-Event-Id"] == message().event_id
    assert got.headers["X-Vigil-Message-Id"] == "m-start-12.0"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["User-Agent"].startswith("vigil/")
    assert abs(int(got.headers["X-Vigil-Timestamp"]) - time.time()) < 5


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (503, False), (429, False), (408, False),
                                                    (400, True), (404, True)])
def test_error_answers(receiver: WebhookReceiver, status: int, permanent: bool) -> None:
    receiver.fail_with = status
    with WebhookPublisher("alerts", receiver.url, SECRET) as pub, pytest.raises(PublishError) as e:
        pub.publish(message())
    assert e.value.permanent is permanent
    assert f"HTTP {status}" in str(e.value) and "webhook:alerts" in str(e.value)
    assert receiver.received == []


def test_wrong_secret_is_refused(receiver: WebhookReceiver) -> None:
    with WebhookPublisher("alerts", receiver.url, b"not the secret") as pub, pytest.raises(PublishError, match="401"):
        pub.publish(message())
    assert receiver.bad_signatures == 1


def test_unreachable_endpoint_is_a_retryable_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    with WebhookPublisher("gone", f"http://user:pw@127.0.0.1:{port}/x?token=abc", SECRET) as pub, \
            pytest.raises(PublishError) as e:
        pub.publish(message())
    assert not e.value.permanent
    assert "ConnectError" in str(e.value)
    assert "pw" not in str(e.value).replace("127.0.0.1", "") and "abc" not in str(e.value)


def test_slow_endpoint_times_out() -> None:
    release = threading.Event()

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            release.wait(5)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with WebhookPublisher("slow", f"http://127.0.0.1:{server.server_address[1]}/", SECRET, timeout=0.5) as pub:
            t0 = time.monotonic()
            with pytest.raises(PublishError, match=r"no answer within 0\.5 s") as e:
                pub.publish(message())
            assert time.monotonic() - t0 < 3 and not e.value.permanent
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_body_is_valid_json_with_non_finite_attributes(receiver: WebhookReceiver) -> None:
    m = message()
    m = EventMessage(**{**{f: getattr(m, f) for f in m.__slots__}, "attributes": {"speed": float("inf")}})
    with WebhookPublisher("alerts", receiver.url, SECRET) as pub:
        pub.publish(m)
    assert receiver.received[0].body["attributes"] == {"speed": None}
    json.dumps(receiver.received[0].body, allow_nan=False)
