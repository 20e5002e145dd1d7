"""One deadline for all the upstream calls of a page (``dashboard/upstream/deadline.py``).
Time is a fake clock: nothing here sleeps."""

from __future__ import annotations

import pytest
import urllib3.util.retry
from urllib3.response import HTTPResponse
from urllib3.util.retry import RequestHistory

from dashboard.upstream import deadline
from dashboard.upstream.deadline import (
    MIN_CONNECT_TIMEOUT,
    DeadlineRetry,
    DeadlineTimeout,
    call_deadline,
    page_deadline,
    seconds_left,
)


class Clock:
    """Stands in for the ``time`` module: monotonic() reads it, sleep() records and advances."""

    def __init__(self, now: float = 1_000.0):
        self.now = now
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(deadline, "time", fake)
    monkeypatch.setattr(urllib3.util.retry, "time", fake)  # urllib3's own back-off
    return fake


# --- DeadlineTimeout -----------------------------------------------------------------------------


def test_far_from_the_deadline_the_timeouts_are_as_configured(clock):
    timeout = DeadlineTimeout(connect=3.0, read=20.0, deadline=clock.now + 100)

    assert (timeout.connect_timeout, timeout.read_timeout) == (3.0, 20.0)


def test_near_the_deadline_both_shrink_to_what_is_left(clock):
    timeout = DeadlineTimeout(connect=3.0, read=20.0, deadline=clock.now + 10)
    clock.now += 8.5

    assert timeout.read_timeout == pytest.approx(1.5)
    assert timeout.connect_timeout == pytest.approx(1.5)


def test_past_the_deadline_reads_time_out_at_once_and_connects_almost(clock):
    timeout = DeadlineTimeout(connect=3.0, read=20.0, deadline=clock.now - 1)

    assert timeout.read_timeout == 0
    assert timeout.connect_timeout == MIN_CONNECT_TIMEOUT  # never 0: that is non-blocking


def test_a_clone_keeps_the_deadline_and_is_worked_out_anew(clock):
    timeout = DeadlineTimeout(connect=3.0, read=20.0, deadline=clock.now + 10)

    clone = timeout.clone()
    clock.now += 9

    assert isinstance(clone, DeadlineTimeout)
    assert clone.deadline == timeout.deadline
    assert clone.read_timeout == pytest.approx(1.0)


# --- the page and call deadlines -----------------------------------------------------------------


def test_a_page_deadline_is_open_only_inside_its_block(clock):
    assert deadline.current_page_deadline() is None
    with page_deadline(15) as at:
        assert at == clock.now + 15
        assert deadline.current_page_deadline() == at
        with page_deadline(None):
            assert deadline.current_page_deadline() is None
        assert deadline.current_page_deadline() == at
    assert deadline.current_page_deadline() is None


def test_seconds_left(clock):
    assert seconds_left(None) is None
    assert seconds_left(clock.now + 2) == 2
    assert seconds_left(clock.now - 2) == -2


# --- DeadlineRetry -------------------------------------------------------------------------------


def retry(**kwargs) -> DeadlineRetry:
    return DeadlineRetry(**{"total": 3, "backoff_factor": 10, "backoff_max": 120, **kwargs})


def after_failures(count: int, **kwargs) -> DeadlineRetry:
    """A retry policy that has already seen ``count`` failed tries (back-off 10·2^(n-1) s)."""
    history = tuple(RequestHistory("GET", "/x", None, 503, None) for _ in range(count))
    return retry(history=history, **kwargs)


def test_without_a_call_deadline_retries_run_out_as_usual(clock):
    assert not retry().is_exhausted()
    assert retry(total=-1).is_exhausted()


def test_retries_stop_at_the_calls_deadline(clock):
    policy = retry()

    with call_deadline(clock.now + 5):
        assert not policy.is_exhausted()
        clock.now += 5
        assert policy.is_exhausted()
    assert not policy.is_exhausted()  # the deadline was the call's only


def test_call_deadlines_nest_and_restore(clock):
    with call_deadline(clock.now - 1):
        with call_deadline(None):
            assert not retry().is_exhausted()
        assert retry().is_exhausted()


def test_a_back_off_sleeps_as_usual_far_from_the_deadline(clock):
    with call_deadline(clock.now + 100):
        after_failures(3).sleep()

    assert clock.slept == [40]


def test_a_back_off_never_sleeps_past_the_deadline(clock):
    with call_deadline(clock.now + 5):
        after_failures(3).sleep()

    assert clock.slept == [5]


def test_past_the_deadline_a_back_off_does_not_sleep(clock):
    with call_deadline(clock.now - 3):
        after_failures(3).sleep()

    assert clock.slept == [0]


def test_without_a_call_deadline_the_back_off_is_urllib3s(clock):
    after_failures(3).sleep()

    assert clock.slept == [40]


def answer(retry_after: str | None) -> HTTPResponse:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return HTTPResponse(body=b"", headers=headers, status=503, preload_content=False)


def test_retry_after_is_honoured_within_the_deadline(clock):
    with call_deadline(clock.now + 100):
        after_failures(3).sleep(answer("7"))

    assert clock.slept == [7]


def test_retry_after_is_capped_by_the_deadline(clock):
    with call_deadline(clock.now + 2):
        after_failures(1).sleep(answer("30"))

    assert clock.slept == [2]


def test_retry_after_is_capped_by_its_maximum(clock):
    with call_deadline(clock.now + 100):
        after_failures(1, retry_after_max=5).sleep(answer("3600"))

    assert clock.slept == [5]


def test_an_answer_without_retry_after_backs_off(clock):
    with call_deadline(clock.now + 100):
        after_failures(2).sleep(answer(None))

    assert clock.slept == [20]


def test_retry_after_is_ignored_when_told_to(clock):
    with call_deadline(clock.now + 100):
        after_failures(2, respect_retry_after_header=False).sleep(answer("7"))

    assert clock.slept == [20]
