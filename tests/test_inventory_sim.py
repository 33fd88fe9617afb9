"""``accounts`` on the histories a real key has: console-made accounts, and many jobs on other clusters of
the app (the same user names among them), under each DescribeClusterJobs form, over real HTTP."""

from __future__ import annotations

import json
import time

import pytest

from helpers import CANARY_PASSWORD, CLUSTER, Sim, assert_no_secret, bridge_env, run_bridge, running_sim
from qingcloud_mysqlplus.sim import SimOptions

FORMS = ["documented", "sdk"]


def listed(sim: Sim, *flags: str) -> str:
    result = run_bridge(["accounts", "--cluster", CLUSTER, *flags], bridge_env(sim))
    assert result.returncode == 0, result.stderr
    assert_no_secret(result.stdout, result.stderr)
    assert "signature" not in result.stdout and "access_key" not in result.stdout
    return result.stdout


def console(sim: Sim, user: str, **fields: str) -> None:
    """An account added (or deleted) in the console, sent again while the cluster still runs a job."""
    for _ in range(100):
        answer = sim.control.console(CLUSTER, user, **fields)
        if answer["ret_code"] != 1400:
            break
        time.sleep(0.05)
    assert answer["ret_code"] == 0, answer


def wait_idle(sim: Sim) -> None:
    while any(j["status"] in ("pending", "working") for j in sim.jobs()):
        time.sleep(0.02)


@pytest.mark.parametrize("form", FORMS)
def test_console_made_accounts_are_listed_with_their_channel(form: str) -> None:
    with running_sim(job_seconds=0.05, options=SimOptions(cluster_jobs_form=form)) as sim:
        console(sim, "by_hand", host="10.9.9.9", database="reports", password=CANARY_PASSWORD)
        wait_idle(sim)
        added = run_bridge(["add-user", "--cluster", CLUSTER, "--user", "by_api"],
                           bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD))  # fmt: skip
        assert added.returncode == 0, added.stderr
        data = json.loads(listed(sim, "--json"))
        table, code = listed(sim), listed(sim, "--python")
    channels = {a["user"]: (a["channel"], a["host"], a["database"]) for a in data["accounts"]}
    assert channels == {"by_api": ("api", "%", "*"), "by_hand": ("console", "10.9.9.9", "reports")}
    assert data["history_complete"] and data["uncertain"] == []
    assert [line.split()[-1] for line in table.splitlines()[1:3]] == ["api", "console"]
    assert "(ended " in code and ", through the console)." in code and ", through the api)." in code


@pytest.mark.parametrize("form", FORMS)
def test_a_deep_history_of_other_clusters_changes_nothing(form: str) -> None:
    users = ["orders_rw", "admin", "gone"]
    with running_sim(job_seconds=0.05, options=SimOptions(cluster_jobs_form=form)) as sim:
        for user in users:
            added = run_bridge(["add-user", "--cluster", CLUSTER, "--user", user, "--database", "orders"],
                               bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD))  # fmt: skip
            assert added.returncode == 0, added.stderr
        assert run_bridge(["del-user", "--cluster", CLUSTER, "--user", "gone"], bridge_env(sim)).returncode == 0
        sim.control.background(1200, users=[*users, "other"], on_target=40)  # newer than ours
        data = json.loads(listed(sim, "--json"))
        table = listed(sim)
    assert [(a["user"], a["database"]) for a in data["accounts"]] == [("admin", "orders"), ("orders_rw", "orders")]
    assert data["history_complete"] and data["uncertain"] == []
    assert "read to the end: " in table and "back to " in table
