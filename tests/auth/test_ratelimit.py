"""The sliding-window login limiter, on an injected clock."""

from __future__ import annotations

import pytest

from vigil.auth import LoginRateLimiter


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def limiter(clock: Clock, **kwargs: int) -> LoginRateLimiter:
    args = {"max_failures_per_username": 3, "max_failures_per_ip": 5, "window_s": 100.0}
    args.update(kwargs)
    return LoginRateLimiter(clock=clock, **args)  # type: ignore[arg-type]


def test_window_slides() -> None:
    clock = Clock()
    rl = limiter(clock)
    for t in (0, 10, 20):
        clock.t = t
        assert rl.retry_after("vera", "ip1") == 0
        rl.record_failure("vera", "ip1")
    clock.t = 30
    assert rl.retry_after("vera", "ip2") == 70  # the failure at t=0 leaves the window at t=100
    assert rl.retry_after("VERA", "ip2") == 70  # usernames ignore case
    clock.t = 100
    assert rl.retry_after("vera", "ip2") == 0
    rl.record_failure("vera", "ip2")
    assert rl.retry_after("vera", "ip2") == 10  # now t=10 is the oldest of three


def test_fractional_waits_round_up() -> None:
    clock = Clock()
    rl = limiter(clock, max_failures_per_username=1)
    rl.record_failure("vera", "ip")
    clock.t = 99.5
    assert rl.retry_after("vera", "ip") == 1


def test_ip_limit_covers_many_usernames_and_success_clears_only_the_username() -> None:
    clock = Clock()
    rl = limiter(clock)
    for i in range(5):
        rl.record_failure(f"user{i}", "ip1")
    assert rl.retry_after("fresh", "ip1") == 100
    assert rl.retry_after("fresh", "ip2") == 0
    rl.record_failure("vera", "ip3")
    rl.record_failure("vera", "ip3")
    rl.record_success("vera")
    rl.record_failure("vera", "ip3")
    assert rl.retry_after("vera", "ip4") == 0  # one failure after the success, not three


def test_memory_is_bounded() -> None:
    clock = Clock()
    rl = limiter(clock, max_failures_per_username=1, max_keys=10)
    for i in range(100):
        rl.record_failure(f"user{i}", f"ip{i}")
    assert rl.retry_after("user99", "x") > 0
    assert rl.retry_after("user0", "x") == 0  # forgotten: the least recently failed went first
    assert len(rl._users._hits) == 10


@pytest.mark.parametrize(
    "kwargs", [{"max_failures_per_username": 0}, {"max_failures_per_ip": 0}, {"window_s": 0}]
)
def test_bad_limits_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        limiter(Clock(), **kwargs)  # type: ignore[arg-type]
