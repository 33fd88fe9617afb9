"""The hard cases, decided from the cluster's job history, under every way QingCloud may behave.

QingCloud leaves two things undocumented: whether add_user of an existing
account is a failed job or a 2110 refusal, and whether del_user of a missing
account is a failed job or a successful no-op.  Each decision path runs under
all four combinations, with the password in clear in every job's directive
(as QingCloud's own sample shows): no output may ever hold it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpers import CANARY_PASSWORD, CLUSTER, Sim, assert_no_secret, bridge_env, run_bridge, running_sim
from qingcloud_mysqlplus.sim import SimOptions

ADD = ["add-user", "--cluster", CLUSTER, "--user", "app_rw", "--http-timeout", "1"]
DEL = ["del-user", "--cluster", CLUSTER, "--user", "app_rw"]
OTHER_PASSWORD = "Canary@Pw-2nd-77"
COMBINATIONS = [(a, d) for a in ("job_fails", "refused_2110") for d in ("job_fails", "job_succeeds")]


@pytest.fixture(params=COMBINATIONS, ids=lambda p: f"add-existing={p[0]},del-missing={p[1]}")
def sim(request: pytest.FixtureRequest) -> Iterator[Sim]:
    add_existing, del_missing = request.param
    with running_sim(options=SimOptions(add_existing=add_existing, del_missing=del_missing)) as s:
        yield s


def env(sim: Sim, password: str = CANARY_PASSWORD, **extra: str) -> dict[str, str]:
    return bridge_env(sim, **{"QINGCLOUD_MYSQLPLUS_PASSWORD": password, **extra})


def adds(sim: Sim) -> list[str]:
    return [j["status"] for j in sim.jobs() if j["service"] == "add_user"]


def test_duplicate_add_as_declared_is_adopted_and_otherwise_left_alone(sim: Sim) -> None:
    first = run_bridge(ADD, env(sim))
    assert first.returncode == 0, first.stderr
    same = run_bridge([*ADD, "--timeout", "20"], env(sim))
    assert same.returncode == 0 and "adopted app_rw@%" in same.stderr
    other = run_bridge(ADD, env(sim, OTHER_PASSWORD))
    assert other.returncode == 1 and "not as declared" in other.stderr and "del-user" in other.stderr
    assert adds(sim) == ["successful"] + (["failed"] if sim.control.options()["add_existing"] == "job_fails" else [])
    assert not [j for j in sim.jobs() if j["service"] == "del_user"]
    assert_no_secret(first.stderr, same.stderr, other.stderr)
    assert OTHER_PASSWORD not in other.stderr


def test_a_second_delete_is_done(sim: Sim) -> None:
    assert run_bridge(ADD, env(sim)).returncode == 0
    assert run_bridge(DEL, env(sim)).returncode == 0
    again = run_bridge(DEL, env(sim))
    assert again.returncode == 0, again.stderr
    if sim.control.options()["del_missing"] == "job_fails":
        assert "is not on cl-test0001: the newest successful job touching app_rw is del_user" in again.stderr
    else:
        assert "deleted app_rw@% from cl-test0001" in again.stderr
    assert sim.accounts() == {}


def test_a_lost_answer_is_found_in_the_history_and_waited_for(sim: Sim) -> None:
    sim.fault("drop_after", on="add_user", count=-1)  # every submit processed, never answered
    result = run_bridge(ADD, env(sim))
    assert result.returncode == 0, result.stderr
    assert "answer lost" in result.stderr and "added app_rw@% to cl-test0001" in result.stderr
    assert adds(sim) == ["successful"]  # one job: never sent twice
    assert_no_secret(result.stderr)


def test_a_job_that_outlived_the_run_is_adopted_by_the_next(sim: Sim) -> None:
    sim.fault("job_hang", on="add_user")
    first = run_bridge([*ADD, "--timeout", "2"], env(sim))
    assert first.returncode == 1 and "may still finish" in first.stderr
    sim.clear_faults()  # the hung job now finishes: the account exists, Terraform does not know
    second = run_bridge(ADD, env(sim))
    assert second.returncode == 0, second.stderr
    assert "adopted app_rw@%" in second.stderr and adds(sim) == ["successful"]


def test_a_delete_refused_while_the_account_exists_says_the_way_forward(sim: Sim) -> None:
    assert run_bridge(ADD, env(sim)).returncode == 0
    sim.fault("job_fail", on="del_user")
    result = run_bridge(DEL, env(sim))
    assert result.returncode == 1
    line = result.stderr.strip().splitlines()[-1]
    assert "app_rw still exists on cl-test0001 (the newest successful job touching app_rw is add_user" in line
    assert "keep_on_destroy=True" in line and "qingcloud-mysqlplus del-user --zone sh1a" in line
    assert "app_rw" in sim.accounts()


@pytest.mark.parametrize("directive", ["masked", "none"])
def test_directives_that_hide_the_request_prove_nothing(directive: str) -> None:
    with running_sim(options=SimOptions(directive=directive)) as sim:
        assert run_bridge(ADD, env(sim)).returncode == 0
        again = run_bridge(ADD, env(sim))
        assert again.returncode == 1  # not adopted: the history cannot show it is as declared
        assert "del-user" in again.stderr.strip().splitlines()[-1]
        assert not [j for j in sim.jobs() if j["service"] == "del_user"]
        assert list(sim.accounts()) == ["app_rw"]


def test_hints_name_the_hosts_the_history_shows(sim: Sim) -> None:
    made = ["--host", "10.0.0.5;192.168.1.0/24"]
    assert run_bridge([*ADD, *made], env(sim)).returncode == 0
    shown = "--user app_rw --host '10.0.0.5;192.168.1.0/24'"
    wrong_host = run_bridge(DEL, env(sim))  # host % by default
    assert wrong_host.returncode == 1 and shown in wrong_host.stderr and "--host %" not in wrong_host.stderr
    assert "nothing was deleted" in wrong_host.stderr
    other = run_bridge(ADD, env(sim, OTHER_PASSWORD))  # another host and password, not replaced
    assert other.returncode == 1 and "not as declared" in other.stderr and shown in other.stderr
    assert not [j for j in sim.jobs() if j["service"] == "del_user"]
    assert sim.accounts()["app_rw"]["hosts"] == ["10.0.0.5", "192.168.1.0/255.255.255.0"]
    assert_no_secret(wrong_host.stderr, other.stderr)
