"""The bridge's decisions, unit by unit, against a scripted client (no HTTP, no real time).

Each case is one path of the evidence rules: a failed job says nothing of
why, so the newest successful add_user/del_user touching the user decides.  Lost answers and a busy
cluster: test_accounts_waits.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from fake_cluster import FakeClient, context, record
from qingcloud_mysqlplus.bridge.accounts import Failure, add, delete
from qingcloud_mysqlplus.qingcloud.errors import ApiError
from qingcloud_mysqlplus.rules import AccountSpec

PASSWORD = "Canary@Unit-4711"
OTHER_PASSWORD = "Canary@Other-0815"
SPEC = AccountSpec(user="app_rw", host="%", database="app")


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
    client.add("add_user", {**SPEC.add_params(OTHER_PASSWORD), "host": "%"})
    client.add("add_user", {**SPEC.add_params(PASSWORD), "user": "filler"})
    outcome = add(context(client), SPEC, PASSWORD, replace_existing=True)
    assert outcome.verb == "replaced"  # the first look shows it: no add_user that can only fail is sent first
    assert client.submitted == [("del_user", {"host": "%", "user": "app_rw"}),
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
