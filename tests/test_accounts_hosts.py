"""Replacements in one turn, and a user at more than one host, against a scripted client.

Whether QingCloud takes a second host for an existing user is unknown
(QINGCLOUD_API.md section 4): a host change adds the new host first and
deletes the old one after where it is taken (no gap), and deletes then adds
where it is refused (a failed job or 2110).  Each kill point between the two
jobs leaves a history the next run converges from.  Hints name the host the
history shows.
"""

from __future__ import annotations

from typing import Any

import pytest

from fake_cluster import CLUSTER, FakeClient, context
from qingcloud_mysqlplus.bridge.accounts import Failure, add, delete
from qingcloud_mysqlplus.bridge.evidence import read_history
from qingcloud_mysqlplus.qingcloud.errors import ApiError
from qingcloud_mysqlplus.qingcloud.history import read
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from qingcloud_mysqlplus.rules import AccountSpec

PASSWORD = "Canary@Unit-4711"
OLD_PASSWORD = "Canary@Other-0815"
SPEC = AccountSpec(user="app_rw", host="%", database="app")
OLD = {**SPEC.add_params(OLD_PASSWORD), "host": "10.0.0.1"}
DEL_OLD = ("del_user", {"host": "10.0.0.1", "user": "app_rw"})
ADD_NEW = ("add_user", SPEC.add_params(PASSWORD))
CMD = "qingcloud-mysqlplus del-user --zone sh1a --cluster cl-fake0001 --user app_rw --host"


def said(*texts: Any) -> str:
    text = " ".join(str(t) for t in texts)
    assert PASSWORD not in text and OLD_PASSWORD not in text
    return text


def test_a_host_change_adds_the_new_host_first_where_a_second_host_is_taken() -> None:
    client = FakeClient()
    client.add("add_user", OLD)
    outcome = add(context(client), SPEC, PASSWORD, replace_existing=True)
    assert outcome.verb == "replaced" and "no gap" in said(outcome.note)
    assert client.submitted == [ADD_NEW, DEL_OLD]
    assert client.calls["DescribeClusterJobs"] == 1  # no read between the two jobs


@pytest.mark.parametrize("refusal", ["failed", ApiError("RunClusterCustomService", 2110, "exists")])
def test_a_host_change_deletes_then_adds_where_a_second_host_is_refused(refusal: Any) -> None:
    client = FakeClient(outcomes=[refusal])
    client.add("add_user", OLD)
    assert add(context(client), SPEC, PASSWORD, replace_existing=True).verb == "replaced"
    tried = [ADD_NEW] if refusal == "failed" else []  # a 2110 refusal made no job
    assert client.submitted == [*tried, DEL_OLD, ADD_NEW]
    assert client.calls["DescribeClusterJobs"] == 1  # the refusal changed nothing: no read before the delete


def test_a_same_host_change_deletes_then_adds_at_once() -> None:
    client = FakeClient()
    client.add("add_user", SPEC.add_params(OLD_PASSWORD))
    assert add(context(client), SPEC, PASSWORD, replace_existing=True).verb == "replaced"
    assert client.submitted == [("del_user", SPEC.del_params()), ADD_NEW]
    assert client.calls["DescribeClusterJobs"] == 1


def test_killed_after_adding_the_new_host_the_next_run_deletes_the_old_one() -> None:
    client = FakeClient()
    client.add("add_user", OLD)
    client.add("add_user", SPEC.add_params(PASSWORD))  # the run was killed here, before its del_user
    outcome = add(context(client), SPEC, PASSWORD, replace_existing=True)
    assert outcome.verb == "adopted" and "its other host 10.0.0.1 deleted" in said(outcome.note)
    assert client.submitted == [DEL_OLD]


def test_without_replace_existing_the_other_host_is_named_not_deleted() -> None:
    client = FakeClient()
    client.add("add_user", OLD)
    client.add("add_user", SPEC.add_params(PASSWORD))
    outcome = add(context(client), SPEC, PASSWORD)
    assert outcome.verb == "adopted" and f"{CMD} 10.0.0.1" in said(outcome.note)
    assert client.submitted == []


@pytest.mark.parametrize("old", [OLD, SPEC.add_params(OLD_PASSWORD)], ids=["host", "password"])
def test_killed_between_the_delete_and_the_add_the_next_run_adds(old: dict[str, str]) -> None:
    client = FakeClient()
    client.add("add_user", old)
    client.add("del_user", {"host": old["host"], "user": "app_rw"})  # killed here, before its add_user
    assert add(context(client), SPEC, PASSWORD, replace_existing=True).verb == "added"
    assert client.submitted == [ADD_NEW]


def test_killed_between_the_delete_and_the_add_with_an_unreadable_history_fails_naming_the_command() -> None:
    client = FakeClient(outcomes=["failed"])
    client.add("add_user", OLD)
    client.add("del_user", {"host": "10.0.0.1", "user": "app_rw"}, directive=False)  # its request is hidden
    with pytest.raises(Failure) as info:
        add(context(client), SPEC, PASSWORD, replace_existing=True)
    message = said(info.value)
    assert "cannot be told" in message and f"{CMD} 10.0.0.1" in message  # the host the history shows


@pytest.mark.parametrize("done", [[OLD, SPEC.add_params(PASSWORD)], [SPEC.add_params(OLD_PASSWORD), None]],
                         ids=["host change done", "password change done"])  # fmt: skip
def test_a_rerun_after_a_finished_replacement_is_adopted_without_a_job(done: list[Any]) -> None:
    client = FakeClient()
    old, _ = done
    client.add("add_user", old)
    if old is OLD:  # the new host was added, then the old one deleted
        client.add("add_user", SPEC.add_params(PASSWORD))
        client.add("del_user", {"host": "10.0.0.1", "user": "app_rw"})
    else:
        client.add("del_user", SPEC.del_params())
        client.add("add_user", SPEC.add_params(PASSWORD))
    outcome = add(context(client), SPEC, PASSWORD, replace_existing=True)
    assert outcome.verb == "adopted" and client.submitted == []


MADE = {**SPEC.add_params(OLD_PASSWORD), "host": "10.0.0.5;192.168.1.0/24"}


@pytest.mark.parametrize("older", [0, 150], ids=["on the first page", "below it"])
def test_deleting_at_a_host_it_is_not_at_names_the_host_the_history_shows(older: int) -> None:
    client = FakeClient(outcomes=["failed"])
    client.add("add_user", MADE)
    for n in range(older):
        client.add("add_user", {**MADE, "user": f"filler{n}"})
    with pytest.raises(Failure) as info:
        delete(context(client), SPEC)
    message = said(info.value)
    assert f"{CMD} '10.0.0.5;192.168.1.0/24'" in message and "--host %" not in message
    assert [s for s, _ in client.submitted] == ([] if not older else ["del_user"])  # sent only when not seen first


def test_an_account_at_other_hosts_is_named_at_those_hosts_when_not_replaced() -> None:
    client = FakeClient(outcomes=["failed"])
    client.add("add_user", MADE)
    with pytest.raises(Failure) as info:
        add(context(client), SPEC, PASSWORD)
    assert f"{CMD} '10.0.0.5;192.168.1.0/24'" in said(info.value)


def test_the_bridges_fold_finds_what_the_history_reader_finds_per_user() -> None:
    client = FakeClient()
    client.add("add_user", OLD)
    client.add("add_user", SPEC.add_params(PASSWORD), directive=False)  # could be anyone's
    client.add("add_user", SPEC.add_params(PASSWORD), cluster="cl-elsewhere")  # not this cluster's
    client.add("del_user", {"host": "10.0.0.1", "user": "app_rw"}, status="pending")
    for n in range(130):
        client.add("add_user", {**SPEC.add_params(PASSWORD), "user": f"filler{n}"})
    facts = read(client, CLUSTER, Deadline(60), ["app_rw"]).of("app_rw")
    history = read_history(client, CLUSTER, "app_rw", Deadline(60), host="%")
    assert (history.facts.newest_done, history.facts.running, history.facts.unknown) == (
        facts.newest_done, facts.running, facts.unknown)  # fmt: skip
    assert history.present is None and history.present_at("%") is None  # an unreadable newer job: unknown
    assert [job.job_id for job, _ in history.live] == [client.history[-1]["job_id"]]
    assert history.others("%") == ("10.0.0.1",) and history.made("10.0.0.1") is not None


@pytest.mark.parametrize("outcome", ["successful", "failed"], ids=["second host taken", "refused"])
def test_a_replacement_reads_below_the_first_page_before_adding(outcome: str) -> None:
    client = FakeClient(outcomes=[outcome])
    client.add("add_user", OLD)
    for n in range(150):  # the account's jobs are older than the first page
        client.add("add_user", {**SPEC.add_params(PASSWORD), "user": f"filler{n}"})
    assert add(context(client), SPEC, PASSWORD, replace_existing=True).verb == "replaced"
    assert client.submitted == ([ADD_NEW, DEL_OLD] if outcome == "successful" else [ADD_NEW, DEL_OLD, ADD_NEW])
