"""restart_proxies: after an add, every proxy node is restarted (one at a time) and so knows the account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from e2e_project import Project
from helpers import ADD, CANARY_PASSWORD, Sim, assert_no_secret, bridge_env, run_bridge, running_sim
from qingcloud_mysqlplus.sim import SimOptions


@pytest.fixture
def sim() -> Iterator[Sim]:
    with running_sim(options=SimOptions(proxies=2)) as s:
        yield s


def restarts(sim: Sim) -> list[dict[str, object]]:
    return [j for j in sim.jobs() if j["service"] == "restart_node"]


def test_every_proxy_knows_the_account_after_a_restart(sim: Sim) -> None:
    result = run_bridge([*ADD, "--restart-proxies"], bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD))
    assert result.returncode == 0, result.stderr
    proxies = sim.proxies()
    assert len(proxies) == 2 and all(users == ["app_rw"] for users in proxies.values())
    assert [j["status"] for j in restarts(sim)] == ["successful", "successful"]
    assert f"restarted proxies {', '.join(sorted(proxies))}" in result.stderr
    assert_no_secret(result.stderr)


def test_without_the_option_nothing_restarts(sim: Sim) -> None:
    result = run_bridge(ADD, bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD))
    assert result.returncode == 0, result.stderr
    assert restarts(sim) == [] and all(users == [] for users in sim.proxies().values())


def test_a_cluster_without_proxies_says_so() -> None:
    with running_sim() as sim:
        result = run_bridge([*ADD, "--restart-proxies"], bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD))
        assert result.returncode == 0 and "the cluster has no proxy node" in result.stderr


@pytest.mark.e2e
@pytest.mark.mariadb
def test_the_construct_prop_restarts_proxies_in_a_deploy(project: Project) -> None:
    project.sim.set_options(proxies=2)
    project.write([{"id": "a", "user": "app_rw", "restart_proxies": True}, {"id": "b", "user": "plain_rw"}])
    project.cdktf("deploy")
    known = project.sim.proxies()
    assert all(set(users) >= {"app_rw"} for users in known.values())
    assert len(restarts(project.sim)) == 2  # only app_rw asked for it
