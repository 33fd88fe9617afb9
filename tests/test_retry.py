"""The client's failure classes and retry checkers, without real waiting."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from local_servers import Server, drop
from qingcloud_mysqlplus.qingcloud.client import Client
from qingcloud_mysqlplus.qingcloud.errors import AnswerLost, ApiError, DeadlineExceeded, NotSent
from qingcloud_mysqlplus.qingcloud.retry import Backoff, Deadline, RetryContext, should_retry

READ = "DescribeJobs"
WRITE = "RunClusterCustomService"


@pytest.mark.parametrize(
    ("error", "idempotent", "retried"),
    [
        (NotSent("refused"), False, True),
        (AnswerLost("dropped"), True, True),
        (AnswerLost("dropped"), False, False),  # a write whose answer was lost: the evidence decides
        (ApiError(WRITE, 5100, "busy"), False, True),
        (ApiError(WRITE, 5000, "internal"), False, True),
        (ApiError(WRITE, 5300, "updating"), False, True),
        (ApiError(WRITE, 2500, "quota"), False, True),
        (ApiError(WRITE, 1400, "PermissionDenied, resource [cl-x] is [updating], please try later"), False, False),
        (ApiError(WRITE, 1200, "auth"), True, False),
        (ApiError(WRITE, 1100, "bad"), True, False),
        (ApiError(WRITE, 2110, "exists"), False, False),
    ],
)  # fmt: skip
def test_retry_checkers(error: Exception, idempotent: bool, retried: bool) -> None:
    assert should_retry(RetryContext(WRITE, 0, error, idempotent)) is retried  # type: ignore[arg-type]


def test_quota_is_tried_a_few_times_only() -> None:
    quota = ApiError(READ, 2500, "quota")
    assert [should_retry(RetryContext(READ, n, quota, True)) for n in range(5)] == [True, True, True, False, False]


def test_backoff_uses_the_random_it_is_given() -> None:
    backoff = Backoff(base=0.25, cap=8.0, rand=lambda low, high: high)
    assert [backoff.delay(n) for n in range(7)] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    low = Backoff(base=0.25, cap=8.0, rand=lambda low, high: low)
    assert low.delay(3) == 0.125


def client_at(port: int, sleeps: list[float]) -> Client:
    return Client(access_key="QYKEY", secret_key="Canary-Secret-Key-7f3a9", zone="sh1a",
                  endpoint=f"http://127.0.0.1:{port}/iaas/", http_timeout=2, sleep=sleeps.append,
                  backoff=Backoff(rand=lambda low, high: low))  # fmt: skip


def test_a_refused_connection_was_never_sent_and_is_resent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens once closed
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    client = client_at(port, sleeps)
    client.sleep = sleep
    with pytest.raises(DeadlineExceeded) as info:
        client.run_service("cl-x", "add_user", {"user": "u"}, Deadline(30.0, clock=lambda: now[0]))
    assert "connection to 127.0.0.1" in str(info.value)
    assert len(sleeps) >= 5 and max(sleeps) <= 8.0  # resent with growing back-off while the deadline allowed


def test_backoff_never_overflows() -> None:
    assert Backoff(rand=lambda low, high: high).delay(5000) == 8.0


def test_a_dropped_answer_to_a_write_goes_to_the_caller_at_once(serve: Callable[..., Server]) -> None:
    sleeps: list[float] = []
    server = serve(drop)
    client = client_at(server.port, sleeps)
    with pytest.raises(AnswerLost):
        client.run_service("cl-x", "add_user", {"user": "u"}, Deadline(30))
    assert client.calls["RunClusterCustomService"] == 1 and sleeps == []
    assert "Canary-Secret" not in repr(client)
