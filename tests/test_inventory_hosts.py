"""After a no-gap host change on a simulator that takes a second host (``second_host=accept``), over real
HTTP: ``accounts --json`` lists the account at its new host, and the construct's synth-time check finds it
present there (not missing: its add would otherwise run again on every deploy)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from helpers import ACCESS_KEY, CLUSTER, SECRET_KEY, ZONE, Sim, assert_no_secret, password_env, run_bridge, running_sim
from qingcloud_mysqlplus.cdk import lookups
from qingcloud_mysqlplus.cdk.verdicts import Wanted, drift
from qingcloud_mysqlplus.qingcloud.client import Client
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from qingcloud_mysqlplus.sim import SimOptions

ADD = ["add-user", "--cluster", CLUSTER, "--user", "app_rw", "--database", "app"]


@pytest.fixture(params=["accept", "refuse"])
def moved(request: pytest.FixtureRequest) -> Iterator[Sim]:
    """app_rw made at 10.0.0.1, then moved to % (added first, then the old host deleted, where accepted)."""
    with running_sim(job_seconds=0.05, options=SimOptions(second_host=request.param)) as sim:
        assert run_bridge([*ADD, "--host", "10.0.0.1"], password_env(sim)).returncode == 0
        changed = run_bridge([*ADD, "--host", "%", "--replace-existing"], password_env(sim))
        assert changed.returncode == 0, changed.stderr
        services = [j["service"] for j in sim.jobs() if j["service"] in ("add_user", "del_user")]
        no_gap = ["add_user", "add_user", "del_user"]
        assert (services == no_gap) == (request.param == "accept"), services
        yield sim


def test_accounts_lists_the_account_at_its_new_host(moved: Sim) -> None:
    listed = run_bridge(["accounts", "--cluster", CLUSTER, "--json"], password_env(moved))
    assert listed.returncode == 0, listed.stderr
    assert_no_secret(listed.stdout, listed.stderr)
    found = json.loads(listed.stdout)
    assert [(a["user"], a["host"]) for a in found["accounts"]] == [("app_rw", "%")]
    assert found["uncertain"] == [] and found["history_complete"] is True


def test_the_construct_finds_the_account_present_at_its_new_host(moved: Sim) -> None:
    client = Client(access_key=ACCESS_KEY, secret_key=SECRET_KEY, zone=ZONE, endpoint=moved.url)
    declared = {"host": "%", "database": "app", "priv": "StandardAccount", "ssl": "NO"}
    try:
        for hosts in ({"app_rw": "%"}, None):  # the declared host a literal, or a token
            seen = lookups.history(client, CLUSTER, {"app_rw"}, Deadline(30), hosts)["app_rw"]
            assert seen.present is True, seen.words
            assert drift(Wanted("k", ZONE, CLUSTER, "app_rw", None, declared), seen) == ""
    finally:
        client.close()
