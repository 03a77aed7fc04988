"""The live event stream (SSE) over a real server: a new event reaches a viewer of its camera
and not a viewer of another camera; changes are sent again. Every wait is bounded."""

from __future__ import annotations

import dataclasses
import json
import time
from contextlib import ExitStack

import httpx
import pytest
from api_helpers import DEADLINE_S, PASSWORD, Api, make_event


class Sse:
    """Reads one SSE response message by message."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        self._lines = response.iter_lines()

    def next_message(self) -> dict[str, str]:
        """The next message's fields; a comment-only message (keepalive) is ``{}``."""
        fields: dict[str, str] = {}
        seen = False
        for line in self._lines:
            if not line:
                if seen:
                    return fields
                continue
            seen = True
            name, _, value = line.partition(":")
            if name:  # a line starting with ":" is a comment
                fields[name] = value.lstrip(" ")
        raise AssertionError("stream ended")

    def next_event(self) -> dict[str, object]:
        while True:
            msg = self.next_message()
            if msg.get("event") == "event":
                data: dict[str, object] = json.loads(msg["data"])
                return data


def test_new_event_reaches_allowed_viewer_only(api: Api, base_url: str) -> None:
    timeout = httpx.Timeout(DEADLINE_S)
    with ExitStack() as stack:
        client = stack.enter_context(httpx.Client(base_url=base_url, timeout=timeout))
        streams = {}
        for user in ("viewer_a", "viewer_b", "admin"):
            r = stack.enter_context(
                client.stream("GET", "/api/events/stream", headers=api.tokens[user])
            )
            streams[user] = Sse(r)
            assert "retry" in streams[user].next_message()  # subscribed
        a = api.deps.events.record(make_event("A", ids=(1,)))
        b = api.deps.events.record(make_event("B", ids=(2,)))

        got_a = streams["viewer_a"].next_event()
        assert (got_a["id"], got_a["camera"]) == (a, "A")
        # viewer_b's first event is B's: A's, recorded first, was never sent to them
        got_b = streams["viewer_b"].next_event()
        assert (got_b["id"], got_b["camera"]) == (b, "B")
        assert [streams["admin"].next_event()["id"] for _ in range(2)] == [a, b]

        # a change (acknowledgement) is sent again to viewers of the camera
        api.deps.events.acknowledge(a, "op")
        again = streams["viewer_a"].next_event()
        assert again["id"] == a and again["acknowledged_by"] == "op"


def test_stream_camera_filter(api: Api, base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=httpx.Timeout(DEADLINE_S)) as client:
        with client.stream(
            "GET",
            "/api/events/stream",
            params={"camera": "B"},
            headers=api.tokens["admin"],
        ) as r:
            sse = Sse(r)
            sse.next_message()
            api.deps.events.record(make_event("A", ids=(1,)))
            b = api.deps.events.record(make_event("B", ids=(2,)))
            assert sse.next_event()["id"] == b
        denied = client.get(
            "/api/events/stream", params={"camera": "B"}, headers=api.tokens["viewer_a"]
        )
        assert denied.status_code == 403


@pytest.mark.parametrize("api", [True, False], indirect=True, ids=["store-with-routes", "store-without-routes"])
def test_stream_wakes_at_once_on_a_new_event(api: Api, base_url: str) -> None:
    # polling alone would take 30 s: the store's listener must wake the stream
    api.app.state.vigil_api = dataclasses.replace(api.deps, stream_poll_s=30.0, stream_recheck_s=30.0)
    waker = api.app.state.vigil_event_waker
    assert not waker.listening
    timeout = httpx.Timeout(DEADLINE_S)
    with (
        httpx.Client(base_url=base_url, timeout=timeout) as client,
        client.stream("GET", "/api/events/stream", headers=api.tokens["viewer_a"]) as r,
    ):
        sse = Sse(r)
        sse.next_message()
        assert waker.listening
        for i in range(3):
            begun = time.monotonic()
            a = api.deps.events.record(make_event("A", ids=(i,), t=float(i)))
            assert sse.next_event()["id"] == a
            assert time.monotonic() - begun < 5.0
        begun = time.monotonic()
        api.deps.events.acknowledge(a, "op")
        got = sse.next_event()
        assert got["id"] == a and got["acknowledged_by"] == "op"
        assert time.monotonic() - begun < 5.0
    deadline = time.monotonic() + DEADLINE_S
    while waker.listening:  # the closed stream unsubscribes from the store
        assert time.monotonic() < deadline, "the stream still listens to the store"
        time.sleep(0.02)


@pytest.mark.parametrize("change", ["revoke", "disable", "rescope"])
def test_stream_ends_when_rights_change(api: Api, base_url: str, change: str) -> None:
    auth = api.deps.auth
    user = auth.get_user_by_name("viewer_a")
    assert user is not None
    with (
        httpx.Client(base_url=base_url, timeout=httpx.Timeout(DEADLINE_S)) as client,
        client.stream("GET", "/api/events/stream", headers=api.tokens["viewer_a"]) as r,
    ):
        sse = Sse(r)
        sse.next_message()
        assert sse.next_message() == {}  # keepalive comments while nothing changes
        if change == "revoke":
            (token,) = auth.list_tokens(user.id)
            auth.revoke_token(token.id, actor="test")
        elif change == "disable":
            auth.update_user(user.id, actor="test", disabled=True)
        else:
            auth.update_user(user.id, actor="test", cameras=["A", "B"])
        with pytest.raises(AssertionError, match="stream ended"):
            while True:
                sse.next_message()


def test_cookie_session_stream_lives_until_logout(api: Api, base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=httpx.Timeout(DEADLINE_S)) as client:
        login = client.post(
            "/api/auth/login", json={"username": "viewer_a", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        with client.stream("GET", "/api/events/stream") as r:
            sse = Sse(r)
            assert "retry" in sse.next_message()
            assert sse.next_message() == {}  # re-checked and still allowed
            assert sse.next_message() == {}
            headers = {"X-CSRF-Token": login.json()["csrf_token"]}
            assert client.post("/api/auth/logout", headers=headers).status_code == 204
            with pytest.raises(AssertionError, match="stream ended"):
                while True:
                    sse.next_message()
