"""A host change where QingCloud takes a second host for a user (the simulator's ``second_host=accept``):
the new host is added first and the old one deleted after (no gap), and the next plan is clean.

Real cdktf-cli and Terraform, the bridge, the simulator (MariaDB behind it).  After the change the old
host's del_user is the user's newest job; the construct's synth-time read folds the history host entry by
host entry and finds the account at the new host, so its add does not run again on every deploy, and
``qingcloud-mysqlplus accounts`` lists it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accounts_found import reset_server, server_hosts
from e2e_project import Project, scan
from helpers import CLUSTER, MariaDB, bridge_env, run_bridge, running_sim
from kill_redeploy import NO_CHANGES, accounts, synth_line, text
from qingcloud_mysqlplus.sim import SimOptions

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb]


@pytest.fixture
def accepting(tmp_path: Path, mariadb: MariaDB) -> Iterator[Project]:
    """An e2e project on a simulator that takes a second host for an existing user."""
    reset_server(mariadb)
    try:
        with running_sim(job_seconds=0.5, mysql_dsn=mariadb.dsn, options=SimOptions(second_host="accept")) as sim:
            yield Project(tmp_path / "project", sim)
    finally:
        reset_server(mariadb)


def test_a_host_change_adds_first_and_the_next_diff_is_clean(accepting: Project, mariadb: Any) -> None:
    project = accepting
    spec = accounts("moved")
    project.write(spec)
    project.cdktf("deploy")
    before = len(project.sim.jobs())

    project.write([dict(a, host="127.0.0.1") for a in spec])
    project.cdktf("deploy")
    jobs = [j for j in project.sim.jobs()[before:] if j["service"] in ("add_user", "del_user")]
    assert [j["service"] for j in jobs] == ["add_user", "del_user"], jobs  # the new host first: no gap
    assert server_hosts(mariadb, "moved") == {"127.0.0.1"}

    diff = project.cdktf("diff", ok=False)
    assert NO_CHANGES in text(diff), text(diff)[-3000:]
    assert "re-adding" not in synth_line(diff) and "to add" not in synth_line(diff), synth_line(diff)

    listed = run_bridge(["accounts", "--cluster", CLUSTER, "--json"], bridge_env(project.sim))
    assert listed.returncode == 0, listed.stderr
    found = [(a["user"], a["host"]) for a in json.loads(listed.stdout)["accounts"]]
    assert found == [("moved", "127.0.0.1")], found
    assert scan(project) == []
