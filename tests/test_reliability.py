"""The reliability matrix: faults, interrupts, load and bad input through the whole pipeline.

Each scenario runs real ``cdktf deploy``/``destroy`` (Terraform, the bridge, the
simulator over HTTP, MariaDB behind it), then checks the accounts really on the
server and searches all output and files for secrets.  Each records a row of
the table that ``make reliability`` prints.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from e2e_project import (
    Project,
    add_user_counts,
    can_log_in,
    e2e_project,
    kill_like_ci,
    password_for,
    run_together,
    scan,
    server_hosts,
    server_users,
)
from helpers import OTHER_CLUSTER, MariaDB, Sim

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb, pytest.mark.reliability]
Record = Callable[..., None]
TRANSIENT = [
    ("http500", {"count": 2}),
    ("drop", {}),
    ("slow", {"seconds": 2.5}),  # past the 1 s HTTP time-out set below
    ("retcode5100", {"count": 2}),
    ("busy", {"seconds": 1.5}),  # another actor's job holds the cluster: 1400 "is [updating]"
]


@pytest.fixture
def project(tmp_path: Path, mariadb: MariaDB) -> Iterator[Project]:
    with e2e_project(tmp_path, mariadb) as made:
        yield made


def inject(sim: Sim, faults: list[tuple[str, dict[str, Any]]]) -> None:
    for kind, options in faults:
        sim.fault(kind, **options)


def struck(sim: Sim, before: dict[str, int] | None = None) -> str:
    now, before = sim.struck(), before or {}
    counts = {k: n - before.get(k, 0) for k, n in sorted(now.items()) if n - before.get(k, 0)}
    return ", ".join(f"{k}x{n}" for k, n in counts.items()) or "none"


def logins_ok(project: Project, db: MariaDB, users: list[str]) -> bool:
    return all(can_log_in(db, u, project.passwords[u]) for u in users)


def bridge_lines(result_text: str) -> list[str]:
    """The bridge's own result lines in Terraform's output, without Terraform's prefixes."""
    return [m.group(0) for m in re.finditer(r"qingcloud-mysqlplus: [^\n]*", result_text)]


def output(result: Any) -> str:
    return str(result.stdout) + str(result.stderr)


def test_transient_faults_during_deploy_and_destroy(project: Project, mariadb: MariaDB, reliability: Record) -> None:
    sim, users = project.sim, ["app_rw", "reporting", "etl"]
    project.extra_env["QINGCLOUD_MYSQLPLUS_HTTP_TIMEOUT"] = "1"
    project.write([{"id": u, "user": u} for u in users])
    inject(sim, [*TRANSIENT, ("drop_after", {"on": "add_user"})])
    deploy = project.cdktf("deploy", ok=False)
    found = server_users(mariadb)
    reliability("transient faults, deploy", struck(sim), f"exit {deploy.returncode}", users, found, len(scan(project)))
    assert deploy.returncode == 0, output(deploy)[-3000:]
    assert found == set(users) and logins_ok(project, mariadb, users)

    before = sim.struck()
    inject(sim, [*TRANSIENT, ("drop_after", {"on": "del_user"})])
    destroy = project.cdktf("destroy", ok=False)
    found = server_users(mariadb)
    hits = scan(project)
    reliability("transient faults, destroy", struck(sim, before), f"exit {destroy.returncode}", [], found, len(hits))
    assert destroy.returncode == 0, output(destroy)[-3000:]
    assert found == set() and sim.accounts() == {}
    assert hits == []


def test_fault_outlasting_the_deadline_then_convergence(
    project: Project, mariadb: MariaDB, reliability: Record
) -> None:
    sim = project.sim
    accounts = [{"id": "app", "user": "app_rw", "timeout": 4}]

    def deploy_failing(scenario: str, fault: tuple[str, dict[str, Any]], user: str) -> None:
        before = sim.struck()
        inject(sim, [fault])
        failed = project.cdktf("deploy", ok=False)
        lines = [line for line in bridge_lines(output(failed)) if f"add-user {user}@% on cl-test0001: failed:" in line]
        assert failed.returncode != 0 and len(set(lines)) == 1, output(failed)[-3000:]
        faults = struck(sim, before)
        sim.clear_faults()  # the cause clears (a hung job finishes now)
        converged = project.cdktf("deploy", ok=False)
        declared = [a["user"] for a in accounts]
        found = server_users(mariadb)
        cause = re.search(r"within (\d+ s) \(last: ([^)]*)", lines[0])
        last = re.sub(r"(to )?127\.0\.0\.1:\d+ ", "", cause.group(2)) if cause else ""
        why = f"{last.split(' (')[0][:30]}, {cause.group(1)}" if cause else lines[0].split(": failed: ")[1][:40]
        result = f"failed, 1 line ({why}); next deploy exit {converged.returncode}"
        reliability(scenario, faults, result, declared, found, len(scan(project)))
        assert converged.returncode == 0, output(converged)[-3000:]
        assert found == set(declared) and logins_ok(project, mariadb, declared)

    project.write(accounts)
    deploy_failing("deadline: HTTP 500 on every call", ("http500", {"count": -1}), "app_rw")
    # The hard cases: add_user succeeds on the cluster, the bridge never sees it.
    accounts.append({"id": "hung", "user": "hung_rw", "timeout": 4})
    project.write(accounts)
    deploy_failing("hard case: job outlasts the deadline", ("job_hang", {"on": "add_user"}), "hung_rw")
    assert "adopted hung_rw@% on cl-test0001" in "".join(project.outputs[-2:])  # no second job

    # Every submit processed, no answer ever: the history shows the job, which is waited for.
    accounts.append({"id": "lost", "user": "lost_rw", "timeout": 20})
    project.write(accounts)
    before = sim.struck()
    inject(sim, [("drop_after", {"on": "add_user", "count": -1})])
    lost = project.cdktf("deploy", ok=False)
    sim.clear_faults()
    sent = add_user_counts(sim).get("lost_rw", 0)
    reliability("hard case: every answer lost", struck(sim, before), f"exit {lost.returncode}; add_user jobs {sent}",
                [a["user"] for a in accounts], server_users(mariadb), len(scan(project)))  # fmt: skip
    assert lost.returncode == 0, output(lost)[-3000:]
    assert sent == 1 and "lost_rw" in server_users(mariadb)
    project.cdktf("destroy")
    assert server_users(mariadb) == set()
    assert scan(project) == []


KILL_RUNS = int(os.environ.get("RELIABILITY_KILL_RUNS", "5"))


def killed_then_redeployed(project: Project, mariadb: MariaDB, users: list[str], at_job: int) -> tuple[bool, str]:
    """One run: deploy, kill like a cancelled CI job at the ``at_job``-th job, deploy again on the same machine."""
    sim = project.sim
    project.write([{"id": u, "user": u} for u in users])
    running = project.start("deploy")
    deadline = time.monotonic() + 180
    while len(sim.jobs()) < at_job and time.monotonic() < deadline and running.poll() is None:
        time.sleep(0.05)
    if running.poll() is not None:
        return False, "the deploy ended before it could be killed"
    kill_like_ci(running, grace=2.0)
    project.finish(running)
    at_kill = len(sim.jobs())
    again = project.cdktf("deploy", ok=False)
    found = server_users(mariadb)
    diff = project.cdktf("diff", ok=False)
    ok = again.returncode == 0 and found == set(users) and logins_ok(project, mariadb, users)
    settled = "No changes" in output(diff)
    return (
        ok and settled,
        f"killed after {at_kill} jobs; redeploy exit {again.returncode}; {len(found)} found; diff settled {settled}",
    )


def test_ci_job_killed_in_mid_deploy_then_convergence(tmp_path: Path, mariadb: MariaDB, reliability: Record) -> None:
    users = [f"kill_{n:02d}" for n in range(1, 11)]
    passed, notes, found = 0, [], set()
    for run in range(KILL_RUNS):
        with e2e_project(tmp_path / f"run{run}", mariadb) as project:
            ok, note = killed_then_redeployed(project, mariadb, users, at_job=3)
            found = server_users(mariadb)
            assert scan(project) == []
        passed += ok
        notes.append(note)
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
        assert [r.returncode for r in results] == [0, 0], [output(r)[-2000:] for r in results]
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
        assert deploy.returncode == 0, output(deploy)[-3000:]
        assert found == set(users) and busy == 0
        assert [j["status"] for j in jobs] == ["successful"] * 20


def test_failed_jobs_are_clear_and_change_nothing_else(project: Project, mariadb: MariaDB, reliability: Record) -> None:
    with mariadb.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE USER 'taken'@'%' IDENTIFIED BY 'x'")  # someone else's account
    project.write([{"id": "ok", "user": "app_rw"}, {"id": "taken", "user": "taken"}])
    result = project.cdktf("deploy", ok=False)
    text = output(result)
    found = server_users(mariadb)
    reliability("failed job: account not ours", "none", f"exit {result.returncode}", ["app_rw", "taken"], found, 0)
    assert result.returncode != 0
    assert "If taken exists all the same (made by SQL, or before the listed history)" in text
    assert "qingcloud-mysqlplus del-user --zone sh1a --cluster cl-test0001 --user taken --host %" in text
    assert found == {"app_rw", "taken"} and set(project.sim.accounts()) == {"app_rw"}
    assert server_hosts(mariadb, "taken") == {"%"}  # untouched

    project.sim.fault("job_fail", on="add_user")
    project.write([{"id": "ok", "user": "app_rw"}, {"id": "new", "user": "new_rw"}])
    result = project.cdktf("deploy", ok=False)
    found = server_users(mariadb)
    reliability(
        "failed job: injected failure", "job_failx1", f"exit {result.returncode}", ["app_rw", "taken"], found, 0
    )
    assert result.returncode != 0
    assert re.search(r"add-user new_rw@% on cl-test0001: failed: job j-\w+ ended failed .*a job gives no reason",
                     output(result))  # fmt: skip
    assert found == {"app_rw", "taken"}
    converged = project.cdktf("deploy", ok=False)
    assert converged.returncode == 0 and server_users(mariadb) == {"app_rw", "taken", "new_rw"}
    project.cdktf("destroy")
    assert server_users(mariadb) == {"taken"}
    assert scan(project) == []


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


def test_secrets_under_forced_failures_in_every_step(project: Project, mariadb: MariaDB, reliability: Record) -> None:
    sim = project.sim
    wrong_key = "Canary-Wrong-Secret-31f9"
    project.canaries.add(wrong_key)
    accounts = [{"id": "a", "user": "app_rw"}]

    def step(name: str, command: str, fault: tuple[str, dict[str, Any]] | None, expected: list[str]) -> None:
        if fault:
            inject(sim, [fault])
        failed = project.cdktf(command, ok=False)
        sim.clear_faults()
        found = server_users(mariadb)
        hits = scan(project)
        reliability(f"secrets: {name} fails", fault[0] if fault else "bad secret key", f"exit {failed.returncode}",
                    expected, found, len(hits))  # fmt: skip
        assert failed.returncode != 0, output(failed)[-2000:]
        assert hits == [], hits
        project.cdktf(command)  # and then it converges

    project.write(accounts)
    step("create", "deploy", ("job_fail", {"on": "add_user"}), [])
    accounts[0]["host"] = "127.0.0.1"
    project.write(accounts)
    step("replace", "deploy", ("job_fail", {"on": "add_user"}), [])
    step("destroy", "destroy", ("job_fail", {"on": "del_user", "count": -1}), ["app_rw"])
    project.extra_env["QINGCLOUD_SECRET_KEY"] = wrong_key
    project.write(accounts)
    failed = project.cdktf("deploy", ok=False)
    assert failed.returncode != 0 and "check QINGCLOUD_ACCESS_KEY / QINGCLOUD_SECRET_KEY" in output(failed)
    found, hits = server_users(mariadb), scan(project)
    reliability("secrets: bad credentials", "wrong secret key", f"exit {failed.returncode}", [], found, len(hits))
    assert hits == [] and found == set()
    del project.extra_env["QINGCLOUD_SECRET_KEY"]
    project.cdktf("destroy")
    assert server_users(mariadb) == set()
    assert scan(project) == []


HOSTILE = {
    "user": "u$(touch {marker})",
    "host": "10.0.0.1;`touch {marker}`",
    "database": "db'; DROP USER root; -- \n" + "ü" * 300,
    "endpoint": "http://x$(touch {marker})/iaas/",
}


def test_hostile_values_reach_no_shell_and_no_sql(
    project: Project, mariadb: MariaDB, tmp_path: Path, reliability: Record
) -> None:
    marker = tmp_path / "pwned"
    accounts = [{"id": f"h-{prop}", "user": f"hostile_{prop}", "from_variables": [prop]} for prop in HOSTILE]
    project.write(accounts)
    for prop, value in HOSTILE.items():
        project.extra_env[f"TF_VAR_v_h_{prop}_{prop}"] = value.format(marker=marker)
    result = project.cdktf("deploy", ok=False)
    found = server_users(mariadb)
    refused = [line for line in bridge_lines(output(result)) if ": error: " in line]
    reliability("hostile values in every field", "none", f"exit {result.returncode}; {len(set(refused))} refused",
                [], found, len(scan(project)))  # fmt: skip
    assert result.returncode != 0
    assert not marker.exists()
    assert found == set()  # no account made
    with mariadb.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM mysql.user WHERE User = 'root'")
        assert cur.fetchone()[0] >= 1  # and root is still there
    assert len(set(refused)) == 4, output(result)[-3000:]
    assert project.sim.jobs() == []
    assert password_for("hostile_user") not in output(result)
