"""The client's failure classes, the retry checkers and the one resend policy, on an injected clock and sleep."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from local_servers import Server, drop
from qingcloud_mysqlplus.qingcloud.client import Client
from qingcloud_mysqlplus.qingcloud.errors import (
    AnswerLost,
    ApiError,
    DeadlineExceeded,
    MalformedAnswer,
    Misconfigured,
    NotSent,
)
from qingcloud_mysqlplus.qingcloud.retry import Backoff, Deadline, Policy, RetryContext, polling, should_retry

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
        (Misconfigured("the host name does not resolve"), True, False),
        (MalformedAnswer(READ, "the answer's job_set is a str, not a list"), True, False),
        (MalformedAnswer(WRITE, "the answer carried no job_id"), False, False),
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


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once closed


def on_fake_time(client: Client, sleeps: list[float]) -> Callable[[], float]:
    """The client's sleeps move a fake clock (returned), and nothing else."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    client.sleep = sleep
    return lambda: now[0]


def test_a_refused_connection_was_never_sent_and_is_resent() -> None:
    sleeps: list[float] = []
    client = client_at(closed_port(), sleeps)
    clock = on_fake_time(client, sleeps)
    with pytest.raises(DeadlineExceeded) as info:
        client.run_service("cl-x", "add_user", {"user": "u"}, Deadline(30.0, clock=clock))
    assert "connection to 127.0.0.1" in str(info.value)
    assert len(sleeps) >= 5 and max(sleeps) <= 8.0  # resent with growing back-off while the deadline allowed


def test_refusals_for_a_minute_are_a_misconfiguration() -> None:
    sleeps: list[float] = []
    client = client_at(closed_port(), sleeps)
    clock = on_fake_time(client, sleeps)
    with pytest.raises(
        Misconfigured, match=r"^nothing accepts connections at 127\.0\.0\.1:\d+ .* for 60 s\); check the endpoint"
    ):
        client.run_service("cl-x", "add_user", {"user": "u"}, Deadline(600.0, clock=clock))
    assert 60 <= clock() < 70 and client.calls["RunClusterCustomService"] == len(sleeps) + 1


@pytest.mark.parametrize(("code", "fails_fast"), [(socket.EAI_NONAME, True), (socket.EAI_AGAIN, False)])
def test_a_name_that_does_not_resolve_fails_at_once_a_resolver_failing_for_now_is_retried(
    monkeypatch: pytest.MonkeyPatch, code: int, fails_fast: bool
) -> None:
    """The resolver's answer is injected (this machine's may be either); the rest is requests and urllib3."""

    def resolve(host: str, *args: object, **kw: object) -> object:
        raise socket.gaierror(code, "injected")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    sleeps: list[float] = []
    client = Client(access_key="QYKEY", secret_key="Canary-Secret-Key-7f3a9", zone="sh1a",
                    endpoint="https://api.nosuchhost.invalid/iaas/")  # fmt: skip
    clock = on_fake_time(client, sleeps)
    expected = Misconfigured if fails_fast else DeadlineExceeded
    with pytest.raises(expected) as info:
        client.cluster_info("cl-x", Deadline(30.0, clock=clock))
    if fails_fast:
        assert str(info.value).startswith("the host name api.nosuchhost.invalid does not resolve (endpoint ")
        assert "QINGCLOUD_ENDPOINT" in str(info.value) and sleeps == []
    else:
        assert "name lookup failed for now" in str(info.value) and len(sleeps) >= 5


def test_the_policy_pauses_as_told_and_stops_at_the_deadline() -> None:
    now, tries = [0.0], []

    def attempt() -> str:
        tries.append(now[0])
        raise NotSent("refused")

    def sleep(seconds: float) -> None:
        now[0] += seconds

    seen: list[tuple[str, float]] = []
    policy = Policy((lambda ctx: isinstance(ctx.error, NotSent),), lambda ctx: 2.0**ctx.attempt, sleep,
                    on_retry=lambda cause, delay: seen.append((cause, delay)))  # fmt: skip
    with pytest.raises(DeadlineExceeded, match=r"^probe did not finish within 20 s \(last: refused\)$"):
        policy.run("probe", attempt, Deadline(20, clock=lambda: now[0]))
    assert tries == [0.0, 1.0, 3.0, 7.0, 15.0] and [d for _, d in seen] == [1.0, 2.0, 4.0, 8.0]  # 16 s: past 20
    assert {cause for cause, _ in seen} == {"refused"}


def test_a_poll_returns_once_the_attempt_stops_raising() -> None:
    answers, slept = ["busy", "busy", ""], []

    class Busy(Exception):
        pass

    def look() -> str:
        if answers.pop(0):
            raise Busy
        return "idle"

    assert polling(0.5, slept.append, Busy).run("waiting", look, Deadline(10)) == "idle" and slept == [0.5, 0.5]


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
