"""The bridge's decisions, unit by unit, against a scripted client (no HTTP, no real time).

Each case is one path of the evidence rules: a failed job says nothing of
why, so the newest successful add_user/del_user touching the user decides.
"""

from __future__ import annotations

from typing import Any

import pytest

from fake_cluster import CLUSTER, FakeClient, record
from qingcloud_mysqlplus.bridge.accounts import Context, Failure, add, delete
from qingcloud_mysqlplus.bridge.proxies import restart_proxies
from qingcloud_mysqlplus.qingcloud.clusters import RACE_RESENDS
from qingcloud_mysqlplus.qingcloud.errors import AnswerLost, ApiError, DeadlineExceeded, PermissionDenied
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from qingcloud_mysqlplus.rules import AccountSpec

PASSWORD = "Canary@Unit-4711"
OTHER_PASSWORD = "Canary@Other-0815"
SPEC = AccountSpec(user="app_rw", host="%", database="app")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def context(client: FakeClient) -> Context:
    clock = FakeClock()
    client_sleep = client.sleep

    def sleep(seconds: float) -> None:  # the fake's time moves with its sleeps
        clock.now += seconds
        client_sleep(seconds)

    client.sleep = sleep  # type: ignore[method-assign]
    return Context(client, CLUSTER, Deadline(600, clock=clock))  # type: ignore[arg-type]


def said(*texts: Any) -> str:
    text = " ".join(str(t) for t in texts)
    assert PASSWORD not in text and OTHER_PASSWORD not in text
    return text


def test_add_sends_once_and_waits() -> None:
    client = FakeClient()
    outcome = add(context(client), SPEC, PASSWORD)
    assert outcome.verb == "added" and client.submitted == [("add_user", SPEC.add_params(PASSWORD))]
    assert client.calls["DescribeClusterJobs"] == 1  # one look before sending, which also times the polling


def test_add_adopts_an_account_that_exists_exactly_as_declared_without_a_job() -> None:
    client = FakeClient()
    made = client.add("add_user", SPEC.add_params(PASSWORD))
    outcome = add(context(client), SPEC, PASSWORD)
    assert (outcome.verb, outcome.job_id) == ("adopted", made["job_id"])
    assert client.calls["RunClusterCustomService"] == 0
    said(outcome)


@pytest.mark.parametrize(
    "refusal", ["failed", "done with failure", ApiError("RunClusterCustomService", 2110, "exists")]
)
def test_a_failed_add_of_an_account_made_long_ago_as_declared_is_adopted(refusal: Any) -> None:
    client = FakeClient(outcomes=[refusal])
    made = client.add("add_user", SPEC.add_params(PASSWORD))
    for n in range(150):  # older than the first page the bridge reads before sending
        client.add("add_user", {**SPEC.add_params(PASSWORD), "user": f"other{n}"})
    outcome = add(context(client), SPEC, PASSWORD)
    assert (outcome.verb, outcome.job_id) == ("adopted", made["job_id"])


def test_an_account_with_another_password_is_left_alone_with_the_command() -> None:
    client = FakeClient(outcomes=["failed"])
    for _ in range(120):
        client.add("add_user", {**SPEC.add_params(PASSWORD), "user": "filler"})
    client.history.append(record("add_user", {**SPEC.add_params(OTHER_PASSWORD), "host": "10.0.0.1"}))
    with pytest.raises(Failure) as info:
        add(context(client), SPEC, PASSWORD)
    message = said(info.value)
    assert "app_rw already exists on cl-fake0001 (made by job j-fake" in message and "not as declared" in message
    assert "qingcloud-mysqlplus del-user --zone sh1a --cluster cl-fake0001 --user app_rw --host 10.0.0.1" in message
    assert "replace_existing=True" in message
    assert [s for s, _ in client.submitted] == ["add_user"]  # nothing deleted


def test_replace_existing_deletes_the_hosts_it_was_made_with_then_adds() -> None:
    client = FakeClient()
    client.add("add_user", {**SPEC.add_params(OTHER_PASSWORD), "host": "10.0.0.1"})
    client.add("add_user", {**SPEC.add_params(PASSWORD), "user": "filler"})
    outcome = add(context(client), SPEC, PASSWORD, replace_existing=True)
    assert outcome.verb == "replaced"  # the first look shows it: no add_user that can only fail is sent first
    assert client.submitted == [("del_user", {"host": "10.0.0.1", "user": "app_rw"}),
                                ("add_user", SPEC.add_params(PASSWORD))]  # fmt: skip


def test_replace_existing_found_only_by_the_deep_read_after_a_failed_add() -> None:
    client = FakeClient(outcomes=["failed"])
    client.add("add_user", {**SPEC.add_params(OTHER_PASSWORD), "host": "10.0.0.1"})
    for n in range(150):
        client.add("add_user", {**SPEC.add_params(PASSWORD), "user": f"filler{n}"})
    outcome = add(context(client), SPEC, PASSWORD, replace_existing=True)
    assert outcome.verb == "replaced"
    assert client.submitted[1:] == [("del_user", {"host": "10.0.0.1", "user": "app_rw"}),
                                    ("add_user", SPEC.add_params(PASSWORD))]  # fmt: skip


@pytest.mark.parametrize("newest", [None, "del_user"])
def test_a_failed_add_that_is_no_duplicate_says_what_to_check(newest: str | None) -> None:
    client = FakeClient(outcomes=["failed"])
    if newest:
        client.add("add_user", SPEC.add_params(PASSWORD))
        client.add(newest, SPEC.del_params())
    with pytest.raises(Failure) as info:
        add(context(client), SPEC, PASSWORD)
    message = said(info.value)
    assert "ended failed (error_codes '1') (a job gives no reason)" in message and "exists all the same" in message
    assert "SuperuserAccount" in message and "del-user" in message


def test_replace_existing_replaces_an_account_the_history_does_not_list() -> None:
    client = FakeClient(outcomes=["failed", "successful", "successful"])
    assert add(context(client), SPEC, PASSWORD, replace_existing=True).verb == "replaced"
    assert [s for s, _ in client.submitted] == ["add_user", "del_user", "add_user"]


def test_unreadable_directives_prove_nothing() -> None:
    client = FakeClient(outcomes=["failed"])
    client.add("add_user", SPEC.add_params(PASSWORD), directive=False)
    with pytest.raises(Failure) as info:
        add(context(client), SPEC, PASSWORD)
    assert "cannot be told" in said(info.value) and "del-user" in str(info.value)


def test_a_masked_password_proves_nothing() -> None:
    client = FakeClient(outcomes=["failed"])
    client.add("add_user", SPEC.add_params("******"))
    with pytest.raises(Failure, match="not as declared"):
        add(context(client), SPEC, PASSWORD)


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


def test_delete_then_a_second_delete_is_done_by_evidence() -> None:
    client = FakeClient(outcomes=["successful", "failed"])
    client.add("add_user", SPEC.add_params(PASSWORD))
    assert delete(context(client), SPEC).verb == "deleted"
    again = delete(context(client), SPEC)
    assert again.verb == "absent" and "the newest successful job touching app_rw is del_user" in said(again.note)


def test_delete_of_an_account_never_listed_is_done() -> None:
    client = FakeClient(outcomes=["failed"])
    assert delete(context(client), SPEC).verb == "absent"


def test_delete_that_fails_while_the_account_exists_says_the_way_forward() -> None:
    client = FakeClient(outcomes=["failed"])
    client.add("add_user", SPEC.add_params(PASSWORD))
    with pytest.raises(Failure) as info:
        delete(context(client), SPEC)
    message = said(info.value)
    assert "still exists on cl-fake0001" in message and "keep_on_destroy=True" in message
    assert "qingcloud-mysqlplus del-user --zone sh1a --cluster cl-fake0001 --user app_rw --host %" in message


def test_without_a_cluster_log_the_callers_jobs_serve_as_evidence() -> None:
    client = FakeClient(outcomes=["failed"], cluster_log=False)
    made = client.add("add_user", SPEC.add_params(PASSWORD))
    client.add("add_user", {**SPEC.add_params(PASSWORD), "user": "app_rw"}, cluster="cl-elsewhere")  # not this one's
    assert add(context(client), SPEC, PASSWORD).job_id == made["job_id"]
    assert client.calls["DescribeClusterJobs"] >= 1 and client.calls["DescribeJobs"] >= 1  # the fallback was used


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
