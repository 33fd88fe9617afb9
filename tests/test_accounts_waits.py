"""The bridge's decisions when answers are lost or the cluster is busy, against a scripted client (no
HTTP, no real time): a lost answer is looked up in the history, not sent again blindly; a busy cluster is
waited for; a transition refusal on an idle cluster is a race, sent again, until it repeats; back-off
until the deadline, never a tight loop.
"""

from __future__ import annotations

from typing import Any

import pytest

from fake_cluster import FakeClient, context
from qingcloud_mysqlplus.bridge.accounts import add
from qingcloud_mysqlplus.bridge.proxies import restart_proxies
from qingcloud_mysqlplus.qingcloud.clusters import RACE_RESENDS
from qingcloud_mysqlplus.qingcloud.errors import AnswerLost, ApiError, DeadlineExceeded, PermissionDenied
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from qingcloud_mysqlplus.rules import AccountSpec

PASSWORD = "Canary@Unit-4711"
SPEC = AccountSpec(user="app_rw", host="%", database="app")


def test_a_lost_answer_is_resolved_from_the_history_not_by_a_second_job() -> None:
    client = FakeClient(outcomes=[AnswerLost("connection lost")])
    original = client.run_service

    def lost_after_creating(*args: Any, **kw: Any) -> str:
        if client.outcomes and isinstance(client.outcomes[0], AnswerLost):
            client.outcomes.pop(0)
            client.add("add_user", SPEC.add_params(PASSWORD), status="working")  # the request did reach it
            raise AnswerLost("connection lost")
        return original(*args, **kw)

    client.run_service = lost_after_creating  # type: ignore[method-assign]
    ctx = context(client)
    job = client.history  # the working job becomes successful when polled
    real_describe = client.describe_jobs

    def finish(ids: list[str], deadline: Deadline) -> Any:
        for j in job:
            j["status"] = "successful"
        return real_describe(ids, deadline)

    client.describe_jobs = finish  # type: ignore[method-assign]
    outcome = add(ctx, SPEC, PASSWORD)
    assert outcome.verb == "added" and outcome.job_id == job[0]["job_id"]
    assert client.submitted == []  # only the lost one was ever sent


def test_a_busy_cluster_is_waited_for_then_the_request_goes() -> None:
    busy = ApiError(
        "RunClusterCustomService", 1400, "PermissionDenied, resource [cl-fake0001] is [updating], please try later"
    )
    client = FakeClient(outcomes=[busy], transitions=["updating", "updating", ""])
    outcome = add(context(client), SPEC, PASSWORD)
    assert outcome.verb == "added" and client.calls["DescribeClusters"] == 3 and client.slept >= 1.0


TRANSITION = "PermissionDenied, resource [cl-fake0001] is [updating], please try later"


@pytest.mark.parametrize("message", [TRANSITION, "PermissionDenied, 资源 [cl-fake0001] 正在 [updating] 中，请稍候再试"])
def test_a_transition_refusal_on_a_cluster_idle_by_the_next_look_is_a_race_and_sent_again(message: str) -> None:
    race = ApiError("RunClusterCustomService", 1400, message)
    client = FakeClient(outcomes=[race, race])
    outcome = add(context(client), SPEC, PASSWORD)
    assert outcome.verb == "added" and client.calls["RunClusterCustomService"] == 3
    assert client.calls["DescribeClusters"] == 2 and 0 < client.slept < 2


def test_the_transition_form_repeated_while_the_cluster_stays_idle_is_a_denial() -> None:
    race = ApiError("RunClusterCustomService", 1400, TRANSITION)
    client = FakeClient(outcomes=[race] * (RACE_RESENDS + 1))
    with pytest.raises(
        PermissionDenied, match=f"stayed idle through {RACE_RESENDS + 1} such refusals, so this is a permission denial"
    ):
        add(context(client), SPEC, PASSWORD)
    assert client.calls["RunClusterCustomService"] == RACE_RESENDS + 1 and client.submitted == []


def test_1400_of_another_form_on_an_idle_cluster_is_a_denial_at_once() -> None:
    denied = ApiError("RunClusterCustomService", 1400, "PermissionDenied, you do not have permission to do this")
    client = FakeClient(outcomes=[denied])
    with pytest.raises(PermissionDenied, match="is idle, so this is a permission denial"):
        add(context(client), SPEC, PASSWORD)
    assert client.calls["RunClusterCustomService"] == 1 and client.slept == 0


def test_answers_lost_before_the_cluster_saw_them_are_resent_with_back_off_until_the_deadline() -> None:
    client = FakeClient(outcomes=[AnswerLost("dropped")] * 1000)
    with pytest.raises(DeadlineExceeded, match="add_user did not finish within 600 s"):
        add(context(client), SPEC, PASSWORD)
    assert client.submitted == [] and 10 < client.calls["RunClusterCustomService"] < 200
    assert client.slept >= 590  # paused between sends, never a tight loop


def test_a_proxy_restart_whose_answers_are_lost_backs_off_until_the_deadline() -> None:
    client = FakeClient(outcomes=[AnswerLost("dropped")] * 1000)
    with pytest.raises(DeadlineExceeded, match="restart_node did not finish within 600 s"):
        restart_proxies(context(client))
    assert 10 < client.calls["RunClusterCustomService"] < 200 and client.slept >= 590
