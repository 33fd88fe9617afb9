"""Every decision path of the bridge under each reading of what QingCloud leaves open.

DescribeClusterJobs form x add_existing x del_missing x directive, each over real signed HTTP against
the simulator, with background jobs of the same key (the same user names on other clusters of the
app, restarts and backups on this one), a history deeper than any one page, and busy races.
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Iterator

import pytest

from helpers import CANARY_PASSWORD, CLUSTER, ZONE, Sim, assert_no_secret, bridge_env, run_bridge, running_sim
from qingcloud_mysqlplus.sim import SimOptions

COMBOS = list(itertools.product(("documented", "sdk"), ("job_fails", "refused_2110"), ("job_fails", "job_succeeds"),
                                ("clear", "masked", "none")))  # fmt: skip
IDS = ["-".join(combo) for combo in COMBOS]


@pytest.fixture(params=COMBOS, ids=IDS)
def sim(request: pytest.FixtureRequest) -> Iterator[Sim]:
    form, add_existing, del_missing, directive = request.param
    options = SimOptions(cluster_jobs_form=form, add_existing=add_existing, del_missing=del_missing,
                         directive=directive)  # fmt: skip
    with running_sim(job_seconds=0.05, options=options) as s:
        s.background(300, ["app_rw", "deep_rw", "race_rw"], on_target=40)
        yield s


def bridge(sim: Sim, command: str, user: str) -> subprocess.CompletedProcess[str]:
    result = run_bridge([command, "--zone", ZONE, "--cluster", CLUSTER, "--user", user],
                        bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD))  # fmt: skip
    assert_no_secret(result.stdout, result.stderr)
    return result


def last(result: subprocess.CompletedProcess[str]) -> str:
    return result.stderr.strip().splitlines()[-1]


def adds(sim: Sim, user: str) -> int:
    return sum(1 for j in sim.jobs() if j["service"] == "add_user" and j["user"] == user and j["cluster"] == CLUSTER)


def add_twice(sim: Sim, directive: str) -> None:
    first = bridge(sim, "add-user", "app_rw")
    assert first.returncode == 0 and " added app_rw@% to " in last(first), first.stderr
    again = bridge(sim, "add-user", "app_rw")
    if directive == "clear":  # the first look shows it made exactly so: adopted, no second job
        assert again.returncode == 0 and "adopted app_rw@%" in last(again) and adds(sim, "app_rw") == 1
    elif directive == "masked":  # made, but whether with this password cannot be seen: left alone
        assert again.returncode == 1 and "already exists on cl-test0001" in last(again), again.stderr
    else:  # no directive is readable: nothing can be told
        assert again.returncode == 1 and "whether app_rw exists cannot be told" in last(again), again.stderr
    assert "app_rw" in sim.accounts()


def delete_twice(sim: Sim, del_missing: str, directive: str) -> None:
    first = bridge(sim, "del-user", "app_rw")
    assert first.returncode == 0 and " deleted app_rw@% from " in last(first), first.stderr
    assert "app_rw" not in sim.accounts()
    again = bridge(sim, "del-user", "app_rw")
    if del_missing == "job_succeeds":
        assert again.returncode == 0 and " deleted app_rw@% " in last(again), again.stderr
    elif directive != "none":  # the newest successful job touching it is the del_user
        assert again.returncode == 0 and "app_rw@% is not on cl-test0001" in last(again), again.stderr
    else:
        assert again.returncode == 1 and "app_rw may still exist on cl-test0001" in last(again), again.stderr


def deep_delete_that_fails(sim: Sim, directive: str) -> None:
    assert bridge(sim, "add-user", "deep_rw").returncode == 0
    sim.background(1200, ["deep_rw"], on_target=100)
    sim.fault("job_fail", on="del_user")
    failed = bridge(sim, "del-user", "deep_rw")
    state = "may still exist" if directive == "none" else "still exists"
    assert failed.returncode == 1 and f"deep_rw {state} on cl-test0001" in last(failed), failed.stderr
    assert "qingcloud-mysqlplus del-user --zone sh1a --cluster cl-test0001 --user deep_rw" in last(failed)
    assert "deep_rw" in sim.accounts()  # nothing forgotten silently: the account is there and said to be


def add_through_races(sim: Sim) -> None:
    sim.fault("busy_race", count=2, on="add_user")
    raced = bridge(sim, "add-user", "race_rw")
    assert raced.returncode == 0 and " added race_rw@% to " in last(raced), raced.stderr
    assert sim.struck().get("busy_race") == 2 and adds(sim, "race_rw") == 1


def test_every_decision_under_every_reading(sim: Sim, request: pytest.FixtureRequest) -> None:
    _form, _add_existing, del_missing, directive = request.node.callspec.params["sim"]
    add_twice(sim, directive)
    delete_twice(sim, del_missing, directive)
    deep_delete_that_fails(sim, directive)
    add_through_races(sim)
