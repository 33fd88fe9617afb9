"""The one history reader and its two interpreters, on histories shaped as QingCloud's pages show them:
the app's jobs on every cluster, other jobs of the same key, directives that name other actions, and
listings deeper than any cap."""

from __future__ import annotations

from typing import Any

import pytest

from fake_cluster import CLUSTER, FakeClient
from qingcloud_mysqlplus.bridge.accounts import Context, Failure, add, delete
from qingcloud_mysqlplus.bridge.evidence import read_history
from qingcloud_mysqlplus.cdk.verdicts import verdict
from qingcloud_mysqlplus.qingcloud.errors import AnswerLost, DeadlineExceeded
from qingcloud_mysqlplus.qingcloud.history import read
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from qingcloud_mysqlplus.rules import AccountSpec

PASSWORD = "Canary@Hist-3141"
SPEC = AccountSpec(user="app_rw", host="%", database="app")
OTHER = "cl-other001"


def noise(client: FakeClient, count: int, cluster: str = OTHER) -> None:
    """``count`` newer jobs of the same key: the same user's account jobs on another cluster, and
    backups and restarts on this one (directives naming another action or service)."""
    for n in range(count):
        kind = n % 4
        if kind == 0:
            client.add("add_user", SPEC.add_params(PASSWORD), cluster=cluster)
        elif kind == 1:
            client.add("del_user", SPEC.del_params(), cluster=cluster)
        elif kind == 2:
            client.add("", {"cluster": CLUSTER}, action="CreateClusterBackup")
        else:
            client.add("restart_node", {"node_id": "cln-0000001"})


def context(client: FakeClient, seconds: float = 600) -> Context:
    return Context(client, CLUSTER, Deadline(seconds))


def made_long_ago(newer: int) -> FakeClient:
    client = FakeClient()
    client.add("add_user", SPEC.add_params(PASSWORD))
    noise(client, newer)
    return client


def test_other_clusters_jobs_for_the_same_user_and_other_actions_are_no_evidence() -> None:
    client = made_long_ago(400)
    facts = read(client, CLUSTER, Deadline(60), ["app_rw"])
    found = facts.of("app_rw")
    assert found.newest_done is not None and found.newest_done.job_id == client.history[-1]["job_id"]
    assert found.unknown == 0 and found.running == ()
    assert facts.depth.records == 401 and facts.depth.complete and facts.depth.pages == 5


def test_a_cluster_named_only_by_resource_ids_or_only_by_the_directive_is_told_apart() -> None:
    client = FakeClient()
    client.add("add_user", SPEC.add_params(PASSWORD))
    other = client.add("del_user", SPEC.del_params(), cluster=OTHER)
    other["resource_ids"] = ""  # only the directive names the other cluster
    hidden = client.add("del_user", SPEC.del_params(), cluster=OTHER, directive=False)  # only resource_ids does
    assert hidden["directive"] == ""
    assert read_history(client, CLUSTER, "app_rw", Deadline(60)).present is True


@pytest.mark.parametrize("where", ["this cluster", "no cluster named"])
def test_a_job_without_a_readable_directive_that_could_be_this_clusters_makes_it_unknown(where: str) -> None:
    client = FakeClient()
    client.add("add_user", SPEC.add_params(PASSWORD))
    blind = client.add("del_user", SPEC.del_params(), directive=False)
    if where == "no cluster named":
        blind["resource_ids"] = ""
    history = read_history(client, CLUSTER, "app_rw", Deadline(60))
    assert history.present is None and "1 job(s) whose directive cannot be read" in history.why
    assert verdict(history.facts).present is None


def test_a_deep_history_is_read_to_the_account_within_the_deadline() -> None:
    client = made_long_ago(2000)
    client.outcomes = ["failed"]
    with pytest.raises(Failure, match="still exists on cl-fake0001"):
        delete(context(client), SPEC)
    assert client.calls["DescribeClusterJobs"] == 1 + 21  # the first look, then the deep read


def test_a_read_stopped_by_the_page_cap_proves_nothing_and_the_delete_fails_with_the_way_forward() -> None:
    client = made_long_ago(1200)
    history = read_history(client, CLUSTER, "app_rw", Deadline(60), max_pages=3)
    assert history.present is None and not history.depth.complete and history.depth.stopped == "page cap"
    assert "read 300 jobs, back to 2026-11-23T10:00:00Z, then stopped (page cap): older ones unknown" in history.why


@pytest.mark.parametrize("error", [AnswerLost("the answer was lost"), DeadlineExceeded("DescribeClusterJobs", 9, None)])
def test_a_read_cut_by_an_error_or_the_deadline_proves_nothing(error: Any) -> None:
    client = made_long_ago(1200)
    client.page_errors[300] = error
    client.outcomes = ["failed"]
    with pytest.raises(Failure) as info:
        delete(context(client), SPEC)
    text = str(info.value)
    assert "app_rw may still exist on cl-fake0001" in text and "read 300 jobs" in text
    assert "qingcloud-mysqlplus del-user --zone sh1a --cluster cl-fake0001 --user app_rw" in text
    assert PASSWORD not in text


def test_nothing_listed_in_a_complete_read_is_absent_for_the_bridge_and_unknown_for_the_construct() -> None:
    client = FakeClient(outcomes=["failed"])
    noise(client, 150)
    assert delete(context(client), SPEC).verb == "absent"
    history = read_history(client, CLUSTER, "app_rw", Deadline(60))
    assert history.present is False and verdict(history.facts).present is None


def test_an_add_whose_duplicate_is_refused_does_not_adopt_on_an_incomplete_read() -> None:
    client = made_long_ago(1200)
    client.page_errors[100] = AnswerLost("the answer was lost")
    client.outcomes = ["failed"]
    with pytest.raises(Failure, match="whether app_rw exists cannot be told"):
        add(context(client), SPEC, PASSWORD)


def test_pages_shifted_by_a_job_started_meanwhile_count_each_job_once() -> None:
    client = made_long_ago(250)
    pages = client.cluster_jobs

    def shifting(cluster: str, deadline: Deadline, offset: int = 0, limit: int = 100) -> Any:
        if offset == 100:
            client.add("restart_node", {"node_id": "cln-0000001"})  # a new job pushes every page down
        return pages(cluster, deadline, offset, limit)

    client.cluster_jobs = shifting
    facts = read(client, CLUSTER, Deadline(60), ["app_rw"])
    assert facts.of("app_rw").newest_done is not None and facts.depth.records == 251


def test_running_account_jobs_and_the_newest_success_are_reported_per_user() -> None:
    client = FakeClient()
    client.add("add_user", SPEC.add_params(PASSWORD))
    client.add("del_user", SPEC.del_params())
    client.add("add_user", {**SPEC.add_params(PASSWORD), "user": "app_ro"})
    running = client.add("add_user", SPEC.add_params(PASSWORD), status="working")
    facts = read(client, CLUSTER, Deadline(60))
    rw, ro = facts.of("app_rw"), facts.of("app_ro")
    assert [j.job_id for j in rw.running] == [running["job_id"]]
    assert rw.newest_done is not None and rw.newest_done.request is not None
    assert rw.newest_done.request.service == "del_user"
    assert ro.newest_done is not None and facts.depth.complete


def test_a_listing_that_does_not_show_the_job_just_run_proves_nothing() -> None:
    client = FakeClient(outcomes=["failed"])
    client.add("add_user", SPEC.add_params(PASSWORD), cluster=OTHER)  # the only job listed: another app's, say
    pages = client.cluster_jobs
    listed = [client.history[0]["job_id"]]

    def another_listing(cluster: str, deadline: Deadline, offset: int = 0, limit: int = 100) -> Any:
        jobs, _total = pages(cluster, deadline, offset, limit)
        return [j for j in jobs if j.job_id in listed], len(listed)

    client.cluster_jobs = another_listing
    with pytest.raises(Failure, match=r"app_rw may still exist on cl-fake0001 .*the listing does not show job j-"):
        delete(context(client), SPEC)


def test_pages_shorter_than_asked_do_not_end_the_read_before_the_total() -> None:
    client = made_long_ago(250)
    pages = client.cluster_jobs

    def capped(cluster: str, deadline: Deadline, offset: int = 0, limit: int = 100) -> Any:
        return pages(cluster, deadline, offset, min(limit, 20))  # a server that answers 20 at most

    client.cluster_jobs = capped
    facts = read(client, CLUSTER, Deadline(60), ["app_rw"])
    assert facts.of("app_rw").newest_done is not None and facts.depth.records == 251 and facts.depth.complete
    assert client.calls["DescribeClusterJobs"] == 13
