"""End to end: real cdktf-cli and Terraform, the bridge, the simulator over HTTP, MariaDB.

One story, step by step, as a platform team lives it: deploy three accounts,
change a host, rotate a password, remove an account, destroy the stack; then
search every file and every line of output for the passwords and the secret key.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest

from helpers import ACCESS_KEY, CLUSTER, ROOT, SECRET_KEY, ZONE, MariaDB, Sim, running_sim

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb]

PASSWORDS = {"app_rw": "Canary@Pw-app-1", "reporting": "Canary@Pw-rep-1", "dba": "Canary@Pw-dba-1"}
ROTATED = "Canary@Pw-app-2"


class Project:
    """A throwaway CDKTF project running tests/e2e_app/main.py."""

    def __init__(self, directory: Path, sim: Sim) -> None:
        self.dir, self.sim = directory, sim
        shutil.copy(ROOT / "tests" / "e2e_app" / "main.py", directory / "main.py")
        (directory / "cdktf.json").write_text(json.dumps({
            "language": "python", "app": f"{sys.executable} main.py", "projectId": "e2e-test",
            "sendCrashReports": "false", "terraformProviders": [], "terraformModules": [],
        }))  # fmt: skip
        self.outputs: list[str] = []
        self.passwords = dict(PASSWORDS)

    def write(self, accounts: list[dict[str, Any]]) -> None:
        spec = {"cluster": CLUSTER, "zone": ZONE, "accounts": accounts}
        (self.dir / "spec.json").write_text(json.dumps(spec))

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGCLOUD_", "TF_VAR_"))}
        env.update(
            E2E_SPEC=str(self.dir / "spec.json"), QINGCLOUD_ACCESS_KEY=ACCESS_KEY, QINGCLOUD_SECRET_KEY=SECRET_KEY,
            QINGCLOUD_ENDPOINT=self.sim.url, CI="true", FORCE_COLOR="0", NO_COLOR="1",
        )  # fmt: skip
        env.update({f"TF_VAR_pw_{user}": pw for user, pw in self.passwords.items()})
        return env

    def cdktf(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["cdktf", *args, "--auto-approve"], cwd=self.dir, env=self.env(),
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        self.outputs += [result.stdout, result.stderr]
        if ok:
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result

    def secrets(self) -> list[str]:
        return [*self.passwords.values(), *PASSWORDS.values(), ROTATED, SECRET_KEY]


@pytest.fixture
def project(tmp_path: Path, mariadb: MariaDB) -> Iterator[Project]:
    with mariadb.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS app")
    with running_sim(job_seconds=0.5, mysql_dsn=mariadb.dsn) as sim:
        yield Project(tmp_path, sim)


def server_hosts(db: MariaDB, user: str) -> set[str]:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT Host FROM mysql.user WHERE User = %s", (user,))
        return {row[0] for row in cur.fetchall()}


def can_log_in(db: MariaDB, user: str, password: str) -> bool:
    try:
        db.connect(user, password).close()
        return True
    except pymysql.err.OperationalError:
        return False


def jobs_for(sim: Sim, user: str) -> list[str]:
    return [f"{j['service']}:{j['status']}" for j in sim.jobs() if j["user"] == user]


def test_deploy_change_rotate_remove_destroy(project: Project, mariadb: MariaDB) -> None:
    sim = project.sim
    accounts = [
        {"id": "app-rw", "user": "app_rw", "database": "app"},
        {"id": "reporting", "user": "reporting", "host": ["127.0.0.1", "10.0.0.0/8"], "database": "app"},
        {"id": "admin", "user": "dba", "privilege": "SuperuserAccount"},
    ]
    project.write(accounts)
    project.cdktf("deploy")
    assert set(sim.accounts()) == {"app_rw", "reporting", "dba"}
    for user, password in PASSWORDS.items():
        assert can_log_in(mariadb, user, password), user
    assert server_hosts(mariadb, "reporting") == {"127.0.0.1", "10.0.0.0/255.0.0.0"}
    with mariadb.connect("app_rw", PASSWORDS["app_rw"]) as conn, conn.cursor() as cur:
        cur.execute("SHOW GRANTS")
        grants = "\n".join(r[0] for r in cur.fetchall())
    assert "ON `app`.*" in grants and "ALL PRIVILEGES" not in grants

    # A plan file holds no secret either.
    stack_dir = project.dir / "cdktf.out" / "stacks" / "e2e"
    plan = subprocess.run(["terraform", "plan", "-input=false", "-out=tfplan"], cwd=stack_dir, env=project.env(),
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert plan.returncode == 0, plan.stderr
    project.outputs += [plan.stdout, plan.stderr]
    with zipfile.ZipFile(stack_dir / "tfplan") as archive:
        plan_text = "".join(archive.read(n).decode("latin-1") for n in archive.namelist())
    assert "No changes" in plan.stdout
    assert not [s for s in project.secrets() if s in plan_text]

    # Change one host: the account is replaced (delete, then add).
    accounts[1]["host"] = ["127.0.0.1"]
    project.write(accounts)
    project.cdktf("deploy")
    assert jobs_for(sim, "reporting") == ["add_user:successful", "del_user:successful", "add_user:successful"]
    assert server_hosts(mariadb, "reporting") == {"127.0.0.1"}
    assert can_log_in(mariadb, "reporting", PASSWORDS["reporting"])

    # Rotate a password: new password plus password_version + 1.
    accounts[0]["password_version"] = 2
    project.passwords["app_rw"] = ROTATED
    project.write(accounts)
    project.cdktf("deploy")
    assert can_log_in(mariadb, "app_rw", ROTATED)
    assert not can_log_in(mariadb, "app_rw", PASSWORDS["app_rw"])

    # Remove an account from the code: it is deleted from the cluster.
    project.write(accounts[:2])
    project.cdktf("deploy")
    assert set(sim.accounts()) == {"app_rw", "reporting"}
    assert server_hosts(mariadb, "dba") == set()

    # Rename a construct: nothing happens to the account.
    accounts[0]["id"] = "application-rw"
    project.write(accounts[:2])
    before = len(sim.jobs())
    project.cdktf("deploy")
    assert len(sim.jobs()) == before

    project.cdktf("destroy")
    assert sim.accounts() == {}
    assert server_hosts(mariadb, "app_rw") == server_hosts(mariadb, "reporting") == set()

    hits = scan(project)
    assert hits == [], hits


def scan(project: Project) -> list[str]:
    """Every secret in every file the run left and every line it printed: where found."""
    hits = []
    for path in project.dir.rglob("*"):
        if path.is_file() and ".terraform" not in path.parts[len(project.dir.parts) :][:-1]:
            data = path.read_bytes()
            hits += [f"{path}: {s[:6]}..." for s in project.secrets() if s.encode() in data]
    for index, text in enumerate(project.outputs):
        hits += [f"output {index}: {s[:6]}..." for s in project.secrets() if s in text]
    return hits


def test_failed_create_is_shown_and_nothing_else_changes(project: Project, mariadb: MariaDB) -> None:
    with mariadb.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE USER IF NOT EXISTS 'taken'@'%' IDENTIFIED BY 'x'")
    try:
        project.passwords["taken"] = "Canary@Pw-tkn-1"
        project.write([{"id": "ok", "user": "app_rw"}, {"id": "taken", "user": "taken"}])
        result = project.cdktf("deploy", ok=False)
        assert result.returncode != 0
        text = result.stdout + result.stderr
        assert "taken already exists on cl-test0001 and nothing shows this stack created it" in text
        assert set(project.sim.accounts()) == {"app_rw"}
        assert server_hosts(mariadb, "taken") == {"%"}  # the stranger's account is untouched
        project.write([{"id": "ok", "user": "app_rw"}])
        project.cdktf("destroy")
        assert project.sim.accounts() == {}
        assert server_hosts(mariadb, "taken") == {"%"}
        assert scan(project) == []
    finally:
        with mariadb.connect() as conn, conn.cursor() as cur:
            cur.execute("DROP USER IF EXISTS 'taken'@'%'")
