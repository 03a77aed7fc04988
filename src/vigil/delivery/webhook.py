"""Webhooks: each event record POSTed as JSON, signed with HMAC-SHA256.

Request::

    POST <url>
    Content-Type: application/json
    X-Vigil-Event-Id: <event id>        stable over the event's start, updates and end
    X-Vigil-Message-Id: <message id>    stable per record: de-duplicate deliveries on it
    X-Vigil-Timestamp: <unix seconds>   when this attempt was signed
    X-Vigil-Signature: sha256=<hex>     HMAC-SHA256(secret, "<timestamp>." + raw body)

    {"id": ..., "message_id": ..., "phase": "start", "camera": ..., "kind": ..., "rule": ...,
     "zone": ..., "line": ..., "at": ISO time, "started_at": ..., "ended_at": ...,
     "t": stream s, "started": stream s, "track_ids": [...], "attributes": {...}, "confidence": ...}

To verify, compute the HMAC over the timestamp header, a ``.`` and the body bytes exactly
as received, compare it in constant time with the signature, and refuse timestamps more
than a few minutes old (replays); ``verify_signature`` does this.

Any 2xx answer means delivered. Timeouts, connection errors, 408, 425, 429 and 5xx are
retried with backoff until the endpoint recovers; other answers (4xx) are retried a few
times and then set aside in the outbox (``retry.give_up_after``). Redirects are not
followed, and proxy settings from the environment are not used.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from vigil import __version__
from vigil.errors import PublishError
from vigil.events.records import EventMessage

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Vigil-Signature"
TIMESTAMP_HEADER = "X-Vigil-Timestamp"
EVENT_ID_HEADER = "X-Vigil-Event-Id"
MESSAGE_ID_HEADER = "X-Vigil-Message-Id"
RETRYABLE_STATUS = frozenset({408, 425, 429})
DEFAULT_TOLERANCE = 300.0


def sign(secret: bytes, timestamp: int | str, body: bytes) -> str:
    """The ``X-Vigil-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: bytes, timestamp: str | None, body: bytes, signature: str | None,
    now: float | None = None, tolerance: float = DEFAULT_TOLERANCE,
) -> bool:
    """True if ``signature`` signs ``body`` at ``timestamp`` with ``secret``, and the timestamp
    is within ``tolerance`` seconds of ``now``. For receivers."""
    if not timestamp or not signature:
        return False
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def encode(message: EventMessage) -> bytes:
    return json.dumps(message.to_json(), ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def _where(url: str) -> str:
    """scheme://host[:port]/path without credentials or query, for log lines and errors."""
    p = urlsplit(url)
    host = p.hostname or "?"
    return f"{p.scheme}://{host}{f':{p.port}' if p.port else ''}{p.path}"


class WebhookPublisher:
    """POSTs each message to one URL (``publish`` returns once it answered 2xx)."""

    def __init__(
        self,
        name: str,
        url: str,
        secret: bytes,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret:
            raise ValueError(f"webhook {name}: empty signing secret")
        self.name = f"webhook:{name}"
        self.on_ready: Callable[[], None] | None = None  # no connection to watch: backoff decides
        self.url = url
        self.where = _where(url)
        self._secret = secret
        self._timeout = timeout
        self._transport = transport
        self._clock = clock
        self._client: httpx.Client | None = None

    def start(self) -> None:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self._timeout, follow_redirects=False, trust_env=False, transport=self._transport,
                headers={"User-Agent": f"vigil/{__version__}"},
            )

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> WebhookPublisher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def publish(self, message: EventMessage) -> None:
        if self._client is None:
            self.start()
        assert self._client is not None
        body = encode(message)
        ts = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            EVENT_ID_HEADER: message.event_id,
            MESSAGE_ID_HEADER: message.message_id,
            TIMESTAMP_HEADER: str(ts),
            SIGNATURE_HEADER: sign(self._secret, ts, body),
        }
        what = f"{self.name} ({self.where}): {message.phase} of event {message.event_id}"
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as e:
            raise PublishError(f"{what}: no answer within {self._timeout} s") from e
        except httpx.HTTPError as e:
            raise PublishError(f"{what}: {type(e).__name__}: {e}") from e
        status = response.status_code
        if 200 <= status < 300:
            log.debug("%s: delivered (HTTP %s)", what, status)
            return
        permanent = 400 <= status < 500 and status not in RETRYABLE_STATUS
        raise PublishError(f"{what}: HTTP {status} {response.reason_phrase}".rstrip(), permanent=permanent)
