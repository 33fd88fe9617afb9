"""Accounts made and deleted in QingCloud's console (``POST /_sim/console``): the same user's jobs,
``sender.channel`` console, no key and no signature, refused like any request while a job runs."""

from __future__ import annotations

import pytest

from helpers import ACCESS_KEY, CANARY_PASSWORD, CLUSTER, OTHER_CLUSTER, SECRET_KEY, Sim, running_sim
from qingcloud_mysqlplus.sim import SimControlError
from qingcloud_mysqlplus.sim.api import owner_of
from qingcloud_mysqlplus.sim.model import APP_ID
from sim_calls import OTHER_KEY, OTHER_SECRET, OWNER, UPDATING, add, directive, finished, idle

SIGNED_ONLY = {"access_key_id", "signature", "signature_method", "signature_version"}


def test_console_adds_and_deletes_as_the_same_user(sim: Sim) -> None:
    added = finished(
        sim, sim.console("c1", password=CANARY_PASSWORD, host="10.0.0.5;10.0.0.6", priv="SuperuserAccount")
    )
    assert (added["status"], added["owner"]) == ("successful", OWNER)
    assert sim.accounts()["c1"] == {"user": "c1", "hosts": ["10.0.0.5", "10.0.0.6"], "database": "*",
                                    "priv": "SuperuserAccount", "ssl": "NO"}  # fmt: skip
    assert not SIGNED_ONLY & set(directive(added)) and directive(added)["sender"]["channel"] == "console"
    deleted = finished(sim, sim.console("c1", service="del_user", host="10.0.0.5;10.0.0.6"))
    assert (deleted["status"], directive(deleted)["service"]) == ("successful", "del_user")
    assert sim.accounts() == {}
    listed = sim.api("DescribeClusterJobs", app=APP_ID)["job_set"]
    assert [j["job_id"] for j in listed] == [deleted["job_id"], added["job_id"]]  # the key's history shows them
    assert [(j["service"], j["user"]) for j in sim.jobs()] == [("add_user", "c1"), ("del_user", "c1")]


def test_console_is_refused_while_a_job_runs_then_accepted() -> None:
    with running_sim(job_seconds=0.8) as sim:
        running = add(sim, "u1")
        assert sim.console("c1", password=CANARY_PASSWORD) == {"ret_code": 1400, "message": UPDATING}
        assert sim.stats()["busy_refusals"] == 1
        finished(sim, running)
        console = sim.console("c1", password=CANARY_PASSWORD)
        assert console["ret_code"] == 0 and add(sim, "u2") == {"ret_code": 1400, "message": UPDATING}
        assert finished(sim, console)["status"] == "successful"
        idle(sim)
        assert set(sim.accounts()) == {"u1", "c1"}


def test_console_jobs_are_the_given_keys_owners() -> None:
    with running_sim(job_seconds=0.05, credentials={ACCESS_KEY: SECRET_KEY, OTHER_KEY: OTHER_SECRET}) as sim:
        answer = sim.console("c1", cluster=OTHER_CLUSTER, password=CANARY_PASSWORD, access_key=OTHER_KEY)
        record = finished(sim, answer, key=OTHER_KEY, secret=OTHER_SECRET)
        assert record["owner"] == owner_of(OTHER_KEY) == directive(record)["sender"]["user_id"]
        assert sim.api("DescribeClusterJobs", app=APP_ID)["total_count"] == 0  # not the first key's


def test_console_answers_as_the_api_and_faults_do_not_strike_it(sim: Sim) -> None:
    sim.fault("job_fail", on="add_user")
    sim.fault("busy_race")
    assert sim.console("root", password=CANARY_PASSWORD)["ret_code"] == 1100
    assert sim.console("c1")["message"] == "service_params lacks [passwd]"
    assert sim.console("c1", password="short")["ret_code"] == 1100
    assert sim.console("c1", cluster="cl-nosuch01", password=CANARY_PASSWORD)["ret_code"] == 2100
    assert finished(sim, sim.console("c1", password=CANARY_PASSWORD))["status"] == "successful"
    assert sim.struck() == {} and len(sim.control.faults()["pending"]) == 2
    assert add(sim, "u1") == {"ret_code": 1400, "message": UPDATING}  # the API's requests meet them instead
    assert finished(sim, add(sim, "u1"))["status"] == "failed"
    assert sim.struck() == {"busy_race": 1, "job_fail": 1}
    for fields, message in (({"colour": "red"}, "received colour"), ({"service": "restart_node"}, "service"),
                            ({"access_key": "QYNOSUCHKEY"}, "access_key")):  # fmt: skip
        with pytest.raises(SimControlError, match=message):
            sim.console("c2", password=CANARY_PASSWORD, **fields)
    assert CLUSTER in sim.control.accounts()
