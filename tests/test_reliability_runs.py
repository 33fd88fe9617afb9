"""The reliability matrix, continued: deploys killed, run side by side, loaded, and reshaped.

Each scenario runs real ``cdktf deploy``/``destroy`` (Terraform, the bridge, the
simulator over HTTP, MariaDB behind it), then checks the accounts really on the
server.  Each records a row of the table that ``make reliability`` prints.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest

from accounts_found import add_user_counts, server_users
from e2e_project import Project, e2e_project, run_together, scan
from helpers import OTHER_CLUSTER, MariaDB
from kill_redeploy import killed_then_redeployed, text

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb, pytest.mark.reliability]
Record = Callable[..., None]


# `make reliability` repeats the kill 5 times (RELIABILITY_FULL=1); `make test` 3 times, for its time budget
KILL_RUNS = int(os.environ.get("RELIABILITY_KILL_RUNS", "5" if os.environ.get("RELIABILITY_FULL") else "3"))


def test_ci_job_killed_in_mid_deploy_then_convergence(tmp_path: Path, mariadb: MariaDB, reliability: Record) -> None:
    users = [f"kill_{n:02d}" for n in range(1, 11)]
    passed, notes, found = 0, [], set()
    for n in range(KILL_RUNS):
        with e2e_project(tmp_path / f"run{n}", mariadb) as project:
            project.write([{"id": u, "user": u} for u in users])
            run = killed_then_redeployed(project, mariadb, users, at_job=3, fresh=False)
            found = server_users(mariadb)
            assert scan(project) == []
        passed += run.converged
        notes.append(run.note)
    result = f"{passed}/{KILL_RUNS} runs converged; last: {notes[-1]}"
    reliability("SIGTERM+SIGKILL mid-deploy (10), same machine", "kill at job 3", result, users, found, 0)
    assert passed == KILL_RUNS, notes


def test_two_machines_deploy_to_one_cluster(tmp_path: Path, mariadb: MariaDB, reliability: Record) -> None:
    """Two CI runners (separate lock directories, separate stacks) share one cluster: the loser of each
    race waits for the cluster to be idle rather than failing, and the cluster idles little between jobs."""
    job_seconds = 1.0
    with e2e_project(tmp_path / "a", mariadb, job_seconds=job_seconds,
                     env={"QINGCLOUD_MYSQLPLUS_LOCK_DIR": str(tmp_path / "lock-a")}) as first:  # fmt: skip
        second = Project(tmp_path / "b", first.sim, env={"QINGCLOUD_MYSQLPLUS_LOCK_DIR": str(tmp_path / "lock-b")})
        users = {first: [f"ma_{n:02d}" for n in range(8)], second: [f"mb_{n:02d}" for n in range(8)]}
        for project, names in users.items():
            project.write([{"id": u, "user": u} for u in names])
        results = run_together([(first, ["deploy"]), (second, ["deploy"])])
        stats = first.sim.stats()
        spans = sorted((start, end) for start, end in stats["job_spans"]["cl-test0001"] if end is not None)
        gaps = [max(0.0, nxt[0] - prev[1]) for prev, nxt in pairwise(spans)]
        busy = sum(end - start for start, end in spans)
        wanted = users[first] + users[second]
        found = server_users(mariadb)
        result = (f"exits {[r.returncode for r in results]}; {len(spans)} jobs; idle between jobs: mean "
                  f"{statistics.mean(gaps):.2f} s, max {max(gaps):.2f} s; busy refusals {stats['busy_refusals']}; "
                  f"span {spans[-1][1] - spans[0][0]:.1f} s for {busy:.1f} s of jobs")  # fmt: skip
        reliability("two machines, one cluster (8+8)", f"none ({job_seconds:g} s jobs)", result, wanted, found, 0)
        assert [r.returncode for r in results] == [0, 0], [text(r)[-2000:] for r in results]
        assert found == set(wanted) and add_user_counts(first.sim) == dict.fromkeys(wanted, 1)


def test_twenty_accounts_at_default_parallelism(tmp_path: Path, mariadb: MariaDB, reliability: Record) -> None:
    job_seconds = 2.0
    with e2e_project(tmp_path, mariadb, job_seconds=job_seconds) as project:
        sim, users = project.sim, [f"load_{n:02d}" for n in range(1, 21)]
        project.write([{"id": u, "user": u} for u in users])
        deploy = project.cdktf("deploy", ok=False)
        found = server_users(mariadb)
        jobs = sim.jobs()
        span = max(j["finished"] or 0 for j in jobs) - min(j["started"] for j in jobs)
        busy = sim.stats()["busy_refusals"]
        ratio = span / (len(users) * job_seconds)
        result = f"exit {deploy.returncode}; busy refusals {busy}; jobs took {span:.1f} s = {ratio:.2f}x 20 jobs"
        reliability("20 accounts, parallelism 10", f"none ({job_seconds:g} s jobs)", result, users, found, 0)
        assert deploy.returncode == 0, text(deploy)[-3000:]
        assert found == set(users) and busy == 0
        assert [j["status"] for j in jobs] == ["successful"] * 20


def test_remove_rename_and_move_to_another_cluster(project: Project, mariadb: MariaDB, reliability: Record) -> None:
    sim = project.sim
    project.write(
        [{"id": "keep", "user": "keep_rw"}, {"id": "gone", "user": "gone_rw"}, {"id": "mv", "user": "move_rw"}]
    )
    project.cdktf("deploy")
    assert server_users(mariadb) == {"keep_rw", "gone_rw", "move_rw"}
    jobs_before = len(sim.jobs())
    project.write(
        [{"id": "kept-renamed", "user": "keep_rw"}, {"id": "mv", "user": "move_rw", "cluster": OTHER_CLUSTER}]
    )
    project.cdktf("deploy")
    found, moved = server_users(mariadb), set(sim.accounts(OTHER_CLUSTER))
    new_jobs = [f"{j['service']} {j['user']}" for j in sim.jobs()[jobs_before:]]
    result = f"jobs: {', '.join(sorted(new_jobs))}"
    reliability("remove, rename, move cluster", "none", result, ["keep_rw", "move_rw@2"], [*found, *(f"{u}@2" for u in moved)], 0)  # fmt: skip
    assert found == {"keep_rw"} and moved == {"move_rw"}
    assert sorted(new_jobs) == ["add_user move_rw", "del_user gone_rw", "del_user move_rw"]
    project.cdktf("destroy")
    assert server_users(mariadb) == set() and sim.accounts(OTHER_CLUSTER) == {}
