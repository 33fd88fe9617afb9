"""A key's long history on other clusters of the app (``POST /_sim/background``): the same user
names' account jobs elsewhere, restarts and backups, with realistic times, made at once."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from helpers import ACCESS_KEY, CANARY_PASSWORD, CLUSTER, OTHER_CLUSTER, SECRET_KEY, Sim, running_sim
from qingcloud_mysqlplus.sim import SimControlError
from qingcloud_mysqlplus.sim.api import owner_of
from qingcloud_mysqlplus.sim.model import APP_ID
from sim_calls import OTHER_KEY, OTHER_SECRET, OWNER, add, directive, finished

USERS = ["app_rw", "app_ro"]


def history(sim: Sim, **which: Any) -> list[dict[str, Any]]:
    """Every job DescribeClusterJobs lists (documented form unless ``cluster=``), newest first."""
    which = which or {"app": APP_ID}
    jobs: list[dict[str, Any]] = []
    while len(jobs) < (total := sim.api("DescribeClusterJobs", **which, offset=len(jobs), limit=100))["total_count"]:
        jobs += total["job_set"]
    return jobs


def stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def kind(record: dict[str, Any]) -> str:
    return str(directive(record).get("service") or directive(record)["action"])


def test_a_deep_history_of_the_same_user_names_on_other_clusters(sim: Sim) -> None:
    made = finished(sim, add(sim, "app_rw"))
    added = sim.background(1200, USERS)
    assert (added["added"], len(added["job_ids"]), added["target"]) == (1200, 1200, CLUSTER)
    assert len(added["clusters"]) == 3 and CLUSTER not in added["clusters"] and added["backdated_seconds"] == 9600
    jobs = history(sim)
    assert [j["job_id"] for j in jobs] == [*added["job_ids"][::-1], made["job_id"]]  # the account's job is last
    assert {j["resource_ids"] for j in jobs[:-1]} == set(added["clusters"]) and jobs[-1]["resource_ids"] == CLUSTER
    assert Counter(kind(j) for j in jobs[:-1]) == {"add_user": 300, "del_user": 300, "restart_node": 300,
                                                   "CreateClusterBackup": 300}  # fmt: skip
    accounts = [json.loads(directive(j)["service_params"])["user"] for j in jobs[:-1] if kind(j).endswith("_user")]
    assert set(accounts) == set(USERS)
    assert all(j["status"] == "successful" and j["owner"] == OWNER for j in jobs)
    assert {c: set(sim.accounts(c)) for c in added["clusters"]} == {c: set() for c in added["clusters"]}
    assert set(sim.accounts()) == {"app_rw"}  # the target is untouched
    listed = sim.api("DescribeClusters")["cluster_set"]
    assert {c["cluster_id"]: c["app_id"] for c in listed} == dict.fromkeys(
        [CLUSTER, OTHER_CLUSTER, *added["clusters"]], APP_ID
    )
    assert sim.api("DescribeJobs")["total_count"] == 1201  # the key's own jobs everywhere
    sim.set_options(cluster_jobs_form="sdk")
    assert [j["job_id"] for j in history(sim, cluster=CLUSTER)] == [made["job_id"]]


def test_times_are_seconds_apart_newest_first_and_never_ahead() -> None:
    with running_sim(job_seconds=0.05) as sim:
        made = finished(sim, add(sim, "app_rw"))
        before = stamp(made["create_time"])
        sim.background(50, USERS, on_target=5)
        now = datetime.now(timezone.utc)
        jobs = history(sim)
        for newer, older in itertools.pairwise(jobs):
            assert stamp(newer["create_time"]) - stamp(older["status_time"]) == timedelta(seconds=2)
        for record in jobs[:-1]:
            assert stamp(record["status_time"]) - stamp(record["create_time"]) == timedelta(seconds=6)
            assert directive(record)["time_stamp"] == record["create_time"]
        assert now - timedelta(seconds=1) <= stamp(jobs[0]["status_time"]) <= now
        assert stamp(jobs[-1]["create_time"]) <= before - timedelta(seconds=400)  # the earlier history moved back
        clusters = sim.api("DescribeClusters", clusters=[CLUSTER])["cluster_set"][0]
        assert stamp(clusters["create_time"]) <= stamp(jobs[-1]["create_time"])


def test_restarts_and_backups_on_the_target_are_signed_with_the_key(sim: Sim) -> None:
    added = sim.background(40, USERS, on_target=4)
    mine = history(sim)
    on_target = [j for j in mine if j["resource_ids"] == CLUSTER]
    assert Counter(j["job_action"] for j in on_target) == {"RunClusterCustomService": 2, "CreateClusterBackup": 2}
    backup = next(j for j in on_target if j["job_action"] == "CreateClusterBackup")
    shown = directive(backup)
    assert (shown["action"], shown["cluster"], shown["resource_ids"], shown["access_key_id"]) == (
        "CreateClusterBackup", CLUSTER, [CLUSTER], ACCESS_KEY)  # fmt: skip
    assert (backup["resources"], shown["sender"]["channel"]) == ({"clusters": [CLUSTER]}, "api")
    restart = next(j for j in on_target if j["job_action"] == "RunClusterCustomService")
    assert directive(restart)["service"] == "restart_node"
    assert [j["job_id"] for j in on_target] == [
        i for i in added["job_ids"][::-1] if i in {j["job_id"] for j in on_target}
    ]
    assert sim.background(10, USERS)["clusters"] == added["clusters"]  # the hidden clusters are kept
    assert sim.accounts() == {}


def test_given_clusters_keys_and_kinds() -> None:
    credentials = {ACCESS_KEY: SECRET_KEY, OTHER_KEY: OTHER_SECRET}
    with running_sim(
        job_seconds=0.05,
        credentials=credentials,
        clusters=[f"{CLUSTER}@sh1a", f"{OTHER_CLUSTER}@sh1a", "cl-far0001@pek3a"],
    ) as sim:
        added = sim.background(6, ["app_rw"], clusters=[OTHER_CLUSTER], kinds=["account"], access_key=OTHER_KEY)
        assert added["clusters"] == [OTHER_CLUSTER]
        theirs = sim.api("DescribeClusterJobs", app=APP_ID, key=OTHER_KEY, secret=OTHER_SECRET, limit=100)["job_set"]
        assert [kind(j) for j in theirs] == ["del_user", "add_user"] * 3
        assert {j["owner"] for j in theirs} == {owner_of(OTHER_KEY)} and sim.api("DescribeJobs")["total_count"] == 0
        assert {directive(j)["access_key_id"] for j in theirs} == {OTHER_KEY}
        adds = [json.loads(directive(j)["service_params"]) for j in theirs if kind(j) == "add_user"]
        assert len({a["passwd"] for a in adds}) == 3 and CANARY_PASSWORD not in json.dumps(adds)
        assert {(directive(j)["limit"], tuple(directive(j)["status"])) for j in theirs if kind(j) == "add_user"} == {
            ("20", ("running",))
        }
        assert sim.accounts(OTHER_CLUSTER) == {}
        refusals = [({"clusters": ["cl-far0001"]}, "not other clusters"), ({"clusters": [CLUSTER]}, "not other"),
                    ({"kinds": ["scaling"]}, "kinds"), ({"count": 0}, "count"), ({"users": ["root"]}, "users"),
                    ({"colour": "red"}, "received colour"), ({"on_target": 9}, "on_target"),
                    ({"access_key": "QYNOSUCHKEY"}, "access_key"), ({"count": "many"}, "count")]  # fmt: skip
        for bad, message in refusals:
            with pytest.raises(SimControlError, match=message):
                sim.control.background(**({"count": 5, "users": ["app_rw"]} | bad))
        with pytest.raises(SimControlError, match="need users"):
            sim.control.background(5)
        assert len(sim.jobs()) == 6


def test_refused_while_a_cluster_it_would_touch_runs_a_job() -> None:
    with running_sim(job_seconds=1.0) as sim:
        running = add(sim, "u1")
        with pytest.raises(SimControlError, match=f"cluster {CLUSTER} is running a job"):
            sim.background(5, USERS)
        assert sim.background(5, USERS, cluster=OTHER_CLUSTER, kinds=["backup"])["added"] == 5
        assert finished(sim, running)["status"] == "successful"
