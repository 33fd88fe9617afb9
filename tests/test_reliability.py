"""The reliability matrix: faults, interrupts, load and bad input through the whole pipeline.

Each scenario runs real ``cdktf deploy``/``destroy`` (Terraform, the bridge, the
simulator over HTTP, MariaDB behind it), then checks the accounts really on the
server and searches all output and files for secrets.  Each records a row of
the table that ``make reliability`` prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from accounts_found import add_user_counts, server_hosts, server_users
from e2e_project import Project, password_for, scan
from helpers import MariaDB, Sim
from kill_redeploy import logins_ok, text

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb, pytest.mark.reliability]
Record = Callable[..., None]
TRANSIENT = [
    ("http500", {"count": 2}),
    ("drop", {}),
    ("slow", {"seconds": 2.5}),  # past the 1 s HTTP time-out set below
    ("retcode5100", {"count": 2}),
    ("busy", {"seconds": 1.5}),  # another actor's job holds the cluster: 1400 "is [updating]"
]


def inject(sim: Sim, faults: list[tuple[str, dict[str, Any]]]) -> None:
    for kind, options in faults:
        sim.fault(kind, **options)


def struck(sim: Sim, before: dict[str, int] | None = None) -> str:
    now, before = sim.struck(), before or {}
    counts = {k: n - before.get(k, 0) for k, n in sorted(now.items()) if n - before.get(k, 0)}
    return ", ".join(f"{k}x{n}" for k, n in counts.items()) or "none"


def bridge_lines(result_text: str) -> list[str]:
    """The bridge's own result lines in Terraform's output, without Terraform's prefixes."""
    return [m.group(0) for m in re.finditer(r"qingcloud-mysqlplus: [^\n]*", result_text)]


def test_transient_faults_during_deploy_and_destroy(project: Project, mariadb: MariaDB, reliability: Record) -> None:
    sim, users = project.sim, ["app_rw", "reporting", "etl"]
    project.extra_env["QINGCLOUD_MYSQLPLUS_HTTP_TIMEOUT"] = "1"
    project.write([{"id": u, "user": u} for u in users])
    inject(sim, [*TRANSIENT, ("drop_after", {"on": "add_user"})])
    deploy = project.cdktf("deploy", ok=False)
    found = server_users(mariadb)
    reliability("transient faults, deploy", struck(sim), f"exit {deploy.returncode}", users, found, len(scan(project)))
    assert deploy.returncode == 0, text(deploy)[-3000:]
    assert found == set(users) and logins_ok(project, mariadb, users)

    before = sim.struck()
    inject(sim, [*TRANSIENT, ("drop_after", {"on": "del_user"})])
    destroy = project.cdktf("destroy", ok=False)
    found = server_users(mariadb)
    hits = scan(project)
    reliability("transient faults, destroy", struck(sim, before), f"exit {destroy.returncode}", [], found, len(hits))
    assert destroy.returncode == 0, text(destroy)[-3000:]
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
        lines = [line for line in bridge_lines(text(failed)) if f"add-user {user}@% on cl-test0001: failed:" in line]
        assert failed.returncode != 0 and len(set(lines)) == 1, text(failed)[-3000:]
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
        assert converged.returncode == 0, text(converged)[-3000:]
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
    assert lost.returncode == 0, text(lost)[-3000:]
    assert sent == 1 and "lost_rw" in server_users(mariadb)
    project.cdktf("destroy")
    assert server_users(mariadb) == set()
    assert scan(project) == []


def test_failed_jobs_are_clear_and_change_nothing_else(project: Project, mariadb: MariaDB, reliability: Record) -> None:
    with mariadb.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE USER 'taken'@'%' IDENTIFIED BY 'x'")  # someone else's account
    project.write([{"id": "ok", "user": "app_rw"}, {"id": "taken", "user": "taken"}])
    result = project.cdktf("deploy", ok=False)
    said = text(result)
    found = server_users(mariadb)
    reliability("failed job: account not ours", "none", f"exit {result.returncode}", ["app_rw", "taken"], found, 0)
    assert result.returncode != 0
    assert "If taken exists all the same (made by SQL, or before the listed history)" in said
    assert "qingcloud-mysqlplus del-user --zone sh1a --cluster cl-test0001 --user taken --host %" in said
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
                     text(result))  # fmt: skip
    assert found == {"app_rw", "taken"}
    converged = project.cdktf("deploy", ok=False)
    assert converged.returncode == 0 and server_users(mariadb) == {"app_rw", "taken", "new_rw"}
    project.cdktf("destroy")
    assert server_users(mariadb) == {"taken"}
    assert scan(project) == []


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
        assert failed.returncode != 0, text(failed)[-2000:]
        assert hits == [], hits
        project.cdktf(command)  # and then it converges

    project.write(accounts)
    step("create", "deploy", ("job_fail", {"on": "add_user"}), [])
    accounts[0]["host"] = "127.0.0.1"
    project.write(accounts)
    # every add fails: a host change tries the new host first, then deletes and adds again
    step("replace", "deploy", ("job_fail", {"on": "add_user", "count": -1}), [])
    step("destroy", "destroy", ("job_fail", {"on": "del_user", "count": -1}), ["app_rw"])
    project.extra_env["QINGCLOUD_SECRET_KEY"] = wrong_key
    project.write(accounts)
    failed = project.cdktf("deploy", ok=False)
    assert failed.returncode != 0 and "check QINGCLOUD_ACCESS_KEY / QINGCLOUD_SECRET_KEY" in text(failed)
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
    refused = [line for line in bridge_lines(text(result)) if ": error: " in line]
    reliability("hostile values in every field", "none", f"exit {result.returncode}; {len(set(refused))} refused",
                [], found, len(scan(project)))  # fmt: skip
    assert result.returncode != 0
    assert not marker.exists()
    assert found == set()  # no account made
    with mariadb.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM mysql.user WHERE User = 'root'")
        assert cur.fetchone()[0] >= 1  # and root is still there
    assert len(set(refused)) == 4, text(result)[-3000:]
    assert project.sim.jobs() == []
    assert password_for("hostile_user") not in text(result)
