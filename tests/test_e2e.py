"""End to end: real cdktf-cli and Terraform, the bridge, the simulator over HTTP, MariaDB.

One story, step by step, as a platform team lives it: deploy three accounts,
change a host, rotate a password, remove an account, destroy the stack; then
search every file and every line of output for the passwords and the secret key.
"""

from __future__ import annotations

import subprocess
import zipfile
from typing import Any

import pytest

from accounts_found import can_log_in, server_hosts
from e2e_project import Project, password_for, scan
from helpers import MariaDB, Sim

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb]


def jobs_for(sim: Sim, user: str) -> list[str]:
    return [f"{j['service']}:{j['status']}" for j in sim.jobs() if j["user"] == user]


Account = dict[str, Any]


def deploy_three(project: Project, mariadb: MariaDB, accounts: list[Account]) -> None:
    project.write(accounts)
    project.cdktf("deploy")
    assert set(project.sim.accounts()) == {"app_rw", "reporting", "dba"}
    for user, password in project.passwords.items():
        assert can_log_in(mariadb, user, password), user
    assert server_hosts(mariadb, "reporting") == {"127.0.0.1", "10.0.0.0/255.0.0.0"}
    with mariadb.connect("app_rw", project.passwords["app_rw"]) as conn, conn.cursor() as cur:
        cur.execute("SHOW GRANTS")
        grants = "\n".join(r[0] for r in cur.fetchall())
    assert "ON `app`.*" in grants and "ALL PRIVILEGES" not in grants


def plan_holds_no_secret(project: Project) -> None:
    plan = subprocess.run(["terraform", "plan", "-input=false", "-out=tfplan"], cwd=project.stack_dir, env=project.env(),
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert plan.returncode == 0, plan.stderr
    project.outputs += [plan.stdout, plan.stderr]
    with zipfile.ZipFile(project.stack_dir / "tfplan") as archive:
        plan_text = "".join(archive.read(n).decode("latin-1") for n in archive.namelist())
    assert "No changes" in plan.stdout
    assert not [s for s in project.secrets() if s in plan_text]


def change_a_host(project: Project, mariadb: MariaDB, accounts: list[Account]) -> None:
    """The account is replaced: deleted, then added."""
    accounts[1]["host"] = ["127.0.0.1"]
    project.write(accounts)
    project.cdktf("deploy")
    assert jobs_for(project.sim, "reporting") == ["add_user:successful", "del_user:successful", "add_user:successful"]
    assert server_hosts(mariadb, "reporting") == {"127.0.0.1"}
    assert can_log_in(mariadb, "reporting", project.passwords["reporting"])


def rotate_a_password(project: Project, mariadb: MariaDB, accounts: list[Account]) -> None:
    """A new password plus password_version + 1."""
    accounts[0]["password_version"] = 2
    first = project.passwords["app_rw"]
    project.canaries.add(first)
    project.passwords["app_rw"] = password_for("app_rw", 2)
    project.write(accounts)
    project.cdktf("deploy")
    assert can_log_in(mariadb, "app_rw", project.passwords["app_rw"])
    assert not can_log_in(mariadb, "app_rw", first)


def remove_then_rename(project: Project, mariadb: MariaDB, accounts: list[Account]) -> None:
    """An account removed from the code is deleted from the cluster; a renamed construct changes nothing."""
    project.write(accounts[:2])
    project.cdktf("deploy")
    assert set(project.sim.accounts()) == {"app_rw", "reporting"}
    assert server_hosts(mariadb, "dba") == set()
    accounts[0]["id"] = "application-rw"
    project.write(accounts[:2])
    before = len(project.sim.jobs())
    project.cdktf("deploy")
    assert len(project.sim.jobs()) == before


def test_deploy_change_rotate_remove_destroy(project: Project, mariadb: MariaDB) -> None:
    accounts: list[Account] = [
        {"id": "app-rw", "user": "app_rw", "database": "app"},
        {"id": "reporting", "user": "reporting", "host": ["127.0.0.1", "10.0.0.0/8"], "database": "app"},
        {"id": "admin", "user": "dba", "privilege": "SuperuserAccount"},
    ]
    deploy_three(project, mariadb, accounts)
    plan_holds_no_secret(project)
    change_a_host(project, mariadb, accounts)
    rotate_a_password(project, mariadb, accounts)
    remove_then_rename(project, mariadb, accounts)

    project.cdktf("destroy")
    assert project.sim.accounts() == {}
    assert server_hosts(mariadb, "app_rw") == server_hosts(mariadb, "reporting") == set()
    hits = scan(project)
    assert hits == [], hits
