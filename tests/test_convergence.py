"""Convergence with nothing kept on the runner: the state and the cluster are the only evidence.

Real cdktf-cli and Terraform, the bridge, the simulator (MariaDB behind it).
A deploy killed like a cancelled CI job is deployed again from a *fresh*
runner (the checkout and the state file, new HOME and TMPDIR); an account
deleted behind Terraform's back shows in the diff and is re-added; a steady
stack synthesises byte for byte the same.  Each scenario records a row of the
reliability table with how many of its runs passed.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from e2e_project import Backend, Project, can_log_in, e2e_project, kill_like_ci, scan, server_users
from helpers import CLUSTER, ZONE, MariaDB, bridge_env, run_bridge

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb, pytest.mark.reliability]
Record = Callable[..., None]
KILL_POINTS = {"early": 1, "at the 3rd job": 3, "mid": 6, "late": 9}  # the n-th add_user job seen on the cluster
NO_CHANGES = "No changes"


def accounts(*users: str) -> list[dict[str, str]]:
    return [{"id": user.replace("_", "-"), "user": user} for user in users]


def text(result: object) -> str:
    return f"{getattr(result, 'stdout', '')}{getattr(result, 'stderr', '')}"


def synth_line(result: object) -> str:
    """The construct's one line about the stack (from the app's stderr, as the CLI relays it)."""
    found = re.findall(r"qingcloud-mysqlplus: stack e2e: [^\n]*", text(result))
    return found[-1] if found else ""


def logins_ok(project: Project, db: MariaDB, users: list[str]) -> bool:
    return all(can_log_in(db, user, project.passwords[user]) for user in users)


@dataclass
class Run:
    converged: bool
    note: str
    found: set[str]
    state_lost: bool = False  # the kill cut Terraform's in-place write of a local state file mid-JSON
    emptied: bool = False  # ... right after truncating it: Terraform reads an empty file as no state


def state_readable(project: Project) -> bool:
    """Whether Terraform can still read the local state: an empty file is no state to it, half a JSON an error."""
    if project.backend != "local" or not project.state_file.exists():
        return True
    text = project.state_file.read_text()
    try:
        return not text.strip() or bool(json.loads(text))
    except ValueError:
        return False


def killed_then_fresh_runner(project: Project, db: MariaDB, users: list[str], at_job: int) -> Run:
    """Deploy, kill it at the ``at_job``-th job, deploy again on a fresh runner, then diff there."""
    sim = project.sim
    running = project.start("deploy")
    deadline = time.monotonic() + 300
    while len(sim.jobs()) < at_job and time.monotonic() < deadline and running.poll() is None:
        time.sleep(0.05)
    if running.poll() is not None:
        project.finish(running)
        return Run(False, f"the deploy ended (exit {running.returncode}) before job {at_job}", server_users(db))
    kill_like_ci(running, grace=2.0)
    project.finish(running)
    at_kill = len(sim.jobs())
    emptied = project.backend == "local" and project.state_file.exists() and not project.state_file.read_text().strip()
    if not state_readable(project):
        return Run(False, f"killed at {at_kill} jobs: the local state file was left truncated", server_users(db), True)
    runner = project.fresh_runner("after-kill")
    again = runner.cdktf("deploy", ok=False)
    found = server_users(db)
    diff = runner.cdktf("diff", ok=False)
    project.outputs += runner.outputs
    settled = diff.returncode == 0 and NO_CHANGES in text(diff)
    adds = sum(1 for job in sim.jobs() if job["service"] == "add_user")
    made = sorted(j["user"] for j in sim.jobs() if j["service"] == "add_user" and j["status"] == "successful")
    once = made == sorted(users)  # no account made twice: what the killed run made was adopted, not re-made
    ok = again.returncode == 0 and found == set(users) and logins_ok(project, db, users) and settled and once
    note = (f"killed at {at_kill} jobs{' (state file left empty)' if emptied else ''}; fresh runner: "
            f"deploy exit {again.returncode}, {len(found)}/{len(users)} "
            f"found, {adds} add_user jobs in all ({len(made)} successful), diff {'settled' if settled else 'NOT settled'}")  # fmt: skip
    if not ok:
        note += f" | {synth_line(again)} | {text(again)[-1500:]}"
    return Run(ok, note, found, emptied=emptied)


@pytest.mark.parametrize("backend", ["local", pytest.param("pg", marks=pytest.mark.postgres)])
def test_killed_deploy_converges_from_a_fresh_runner(
    request: pytest.FixtureRequest, tmp_path: Path, mariadb: MariaDB, reliability: Record, backend: Backend
) -> None:
    users = [f"conv_{n:02d}" for n in range(1, 11)]
    runs: dict[str, Run] = {}
    hits = 0
    for name, at_job in KILL_POINTS.items():
        conn_str = None
        if backend == "pg":
            postgres = request.getfixturevalue("postgres")
            conn_str = postgres.create_database(f"conv_kill_{at_job}")
        with e2e_project(tmp_path / f"kill{at_job}", mariadb, backend=backend, pg_conn_str=conn_str) as project:
            project.write(accounts(*users))
            runs[name] = killed_then_fresh_runner(project, mariadb, users, at_job)
            hits += len(scan(project))
    passed = sum(run.converged for run in runs.values())
    lost = [name for name, run in runs.items() if run.state_lost]
    emptied = [name for name, run in runs.items() if run.emptied]
    summary = f"{passed}/{len(runs)} kill points converged on a fresh runner, diff settled" + (
        f"; local state file truncated by the kill at: {', '.join(lost)}" if lost else "") + (
        f"; left empty (and converged) at: {', '.join(emptied)}" if emptied else "")  # fmt: skip
    points = ", ".join(str(n) for n in KILL_POINTS.values())
    last = list(runs.values())[-1]
    reliability(f"killed deploy (10), fresh runner, {backend} state", f"SIGTERM+SIGKILL at jobs {points}", summary,
                users, last.found, hits)  # fmt: skip
    failed = {name: run.note for name, run in runs.items() if not run.converged and not run.state_lost}
    assert not failed, failed
    assert hits == 0
    if lost:  # Terraform's own hazard, not ours: nothing can read a half-written state (see the README)
        pytest.xfail(f"the kill truncated the local state file at: {', '.join(lost)}")


def test_account_deleted_behind_terraforms_back_is_re_added(
    tmp_path: Path, mariadb: MariaDB, reliability: Record
) -> None:
    with e2e_project(tmp_path, mariadb) as project:
        users = ["app_rw", "reporting"]
        project.write(accounts(*users))
        project.cdktf("deploy")
        gone = run_bridge(["del-user", "--zone", ZONE, "--cluster", CLUSTER, "--user", "reporting"],
                          bridge_env(project.sim))  # fmt: skip
        assert gone.returncode == 0, gone.stderr
        assert server_users(mariadb) == {"app_rw"}

        diff = project.cdktf("diff", ok=False)
        line = synth_line(diff)
        noticed = NO_CHANGES not in text(diff)
        deploy = project.cdktf("deploy", ok=False)
        found = server_users(mariadb)
        settled = NO_CHANGES in text(project.cdktf("diff", ok=False))
        hits = len(scan(project))
        result = (f"diff noticed: {noticed}; redeploy exit {deploy.returncode}; "
                  f"next diff settled: {settled}")  # fmt: skip
        reliability("account deleted behind Terraform's back", "del_user by hand", result, users, found, hits)
        assert noticed, text(diff)[-3000:]
        assert "re-adding reporting (missing on cl-test0001" in line or not line, line
        assert deploy.returncode == 0, text(deploy)[-3000:]
        assert found == set(users) and logins_ok(project, mariadb, users)
        assert settled
        assert hits == 0


def test_steady_stack_synthesises_identically(tmp_path: Path, mariadb: MariaDB, reliability: Record) -> None:
    with e2e_project(tmp_path, mariadb) as project:
        users = ["app_rw", "reporting", "etl"]
        project.write(accounts(*users))
        project.cdktf("deploy")
        runs = []
        for _ in range(2):
            project.cdktf("synth")
            runs.append((project.stack_dir / "cdk.tf.json").read_bytes())
        jobs_before = len(project.sim.jobs())
        diff = project.cdktf("diff", ok=False)
        same, settled = runs[0] == runs[1], NO_CHANGES in text(diff)
        found = server_users(mariadb)
        result = f"two synths identical: {same}; diff settled: {settled}; jobs during diff {len(project.sim.jobs()) - jobs_before}"
        reliability("steady stack, synth twice", "none", result, users, found, len(scan(project)))
        assert same
        assert settled, text(diff)[-3000:]
        assert found == set(users)
