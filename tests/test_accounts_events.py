"""The run's state is explicit: the context does not change during a run, and what the caller reads after
it ends (the job an interrupt names, when the polls saw its jobs end, for the bridges behind) comes from the events sink
it created, against a scripted client (no HTTP, no real time)."""

from __future__ import annotations

import dataclasses

import pytest

from fake_cluster import FakeClient, context
from qingcloud_mysqlplus.bridge.accounts import Context, Events, Failure, add, delete
from qingcloud_mysqlplus.bridge.evidence import History
from qingcloud_mysqlplus.qingcloud.errors import AnswerLost
from qingcloud_mysqlplus.qingcloud.jobs import Job
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from qingcloud_mysqlplus.rules import AccountSpec

PASSWORD = "Canary@Unit-4711"
SPEC = AccountSpec(user="app_rw", host="%", database="app")


def with_events(client: FakeClient) -> tuple[Context, Events, list[str]]:
    said: list[str] = []
    events = Events(on_notice=said.append, on_status=lambda service, job, status: said.append(f"{job} {status}"))
    return dataclasses.replace(context(client), events=events), events, said


def test_the_run_cannot_be_changed_once_made() -> None:
    ctx = context(FakeClient())
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.cluster = "cl-other"  # type: ignore[misc]


def test_a_job_that_succeeds_is_no_longer_running_and_its_time_is_kept() -> None:
    client = FakeClient()
    ctx, events, said = with_events(client)
    outcome = add(ctx, SPEC, PASSWORD)
    assert outcome.verb == "added" and events.running is None
    # when the polls saw it end, from the submit: the fake's jobs are done at the first poll, 0.05 s after it
    assert events.finished == [("add_user", pytest.approx(0.05))]
    assert f"{outcome.job_id} successful" in said


def test_an_interrupt_while_waiting_leaves_the_job_for_the_message() -> None:
    client = FakeClient()
    ctx, events, _said = with_events(client)

    def interrupted(ids: list[str], deadline: Deadline) -> list[Job]:
        raise KeyboardInterrupt

    client.describe_jobs = interrupted  # type: ignore[method-assign, assignment]
    with pytest.raises(KeyboardInterrupt):
        delete(ctx, SPEC)
    assert events.running == client.history[0]["job_id"] and events.finished == []


def test_a_failed_job_stays_the_one_last_waited_for() -> None:
    client = FakeClient(outcomes=["failed"])
    client.add("add_user", {**SPEC.add_params("Other@Pass-2718"), "host": "10.0.0.1"})
    ctx, events, _said = with_events(client)
    with pytest.raises(Failure, match="already exists"):
        add(ctx, SPEC, PASSWORD)
    assert events.running == client.history[0]["job_id"] and events.finished == []


def test_a_history_already_read_is_used_not_read_again() -> None:
    client = FakeClient()
    outcome = add(context(client), SPEC, PASSWORD, first=History(SPEC.user))
    assert outcome.verb == "added" and client.calls["DescribeClusterJobs"] == 0


def test_a_lost_answer_is_said_and_the_one_found_in_the_history_is_waited_for() -> None:
    client = FakeClient()
    original = client.run_service

    def lost_after_creating(*args: object, **kw: object) -> str:
        original(*args, **kw)  # type: ignore[arg-type]  # the cluster made the job
        raise AnswerLost("connection lost")

    client.run_service = lost_after_creating  # type: ignore[method-assign]
    ctx, events, said = with_events(client)
    outcome = add(ctx, SPEC, PASSWORD)
    assert outcome.job_id == client.history[0]["job_id"] and client.calls["RunClusterCustomService"] == 1
    assert any("answer lost (connection lost); reading the cluster's jobs" in line for line in said)
    # the history's 6 s jobs time the polls (5.6 s is the first of the band): the one that saw the end is kept
    assert events.running is None and events.finished == [("add_user", pytest.approx(5.6))]
