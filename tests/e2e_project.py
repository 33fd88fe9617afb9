"""A throwaway CDKTF project for the end-to-end and reliability tests.

Real cdktf-cli and Terraform run tests/e2e_app/main.py against the simulator
(backed by the session's MariaDB); everything they print is kept so that a
test can search it, and every file they leave, for secrets.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymysql

from helpers import ACCESS_KEY, CLUSTER, ROOT, SECRET_KEY, ZONE, MariaDB, Sim, running_sim

SYSTEM_USERS = ("root", "mariadb.sys", "mysql", "PUBLIC", "")


def password_for(user: str, version: int = 1) -> str:
    """A valid canary password per user: every one is searched for in all output."""
    return f"Canary@{version}-{user}"[:32]


class Project:
    def __init__(self, directory: Path, sim: Sim) -> None:
        self.dir, self.sim = directory, sim
        shutil.copy(ROOT / "tests" / "e2e_app" / "main.py", directory / "main.py")
        (directory / "cdktf.json").write_text(json.dumps({
            "language": "python", "app": f"{sys.executable} main.py", "projectId": "e2e-test",
            "sendCrashReports": "false", "terraformProviders": [], "terraformModules": [],
        }))  # fmt: skip
        self.outputs: list[str] = []
        self.passwords: dict[str, str] = {}
        self.extra_env: dict[str, str] = {}
        self.canaries: set[str] = {SECRET_KEY}

    @property
    def stack_dir(self) -> Path:
        return self.dir / "cdktf.out" / "stacks" / "e2e"

    def write(self, accounts: list[dict[str, Any]]) -> None:
        for account in accounts:
            self.passwords.setdefault(account["user"], password_for(account["user"]))
        spec = {"cluster": CLUSTER, "zone": ZONE, "accounts": accounts}
        (self.dir / "spec.json").write_text(json.dumps(spec))

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGCLOUD_", "TF_VAR_"))}
        env.update(
            E2E_SPEC=str(self.dir / "spec.json"), QINGCLOUD_ACCESS_KEY=ACCESS_KEY, QINGCLOUD_SECRET_KEY=SECRET_KEY,
            QINGCLOUD_ENDPOINT=self.sim.url, CI="true", FORCE_COLOR="0", NO_COLOR="1",
        )  # fmt: skip
        env.update({f"TF_VAR_pw_{user}": pw for user, pw in self.passwords.items()})
        env.update(self.extra_env)
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

    def start(self, *args: str) -> subprocess.Popen[str]:
        """``cdktf`` in the background, in a session of its own (as a CI job is)."""
        return subprocess.Popen(
            ["cdktf", *args, "--auto-approve"], cwd=self.dir, env=self.env(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip

    def secrets(self) -> list[str]:
        return sorted({*self.passwords.values(), *self.canaries})


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


def server_users(db: MariaDB) -> set[str]:
    """Every account on the MariaDB server that is not the server's own."""
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT DISTINCT User FROM mysql.user")
        return {row[0] for row in cur.fetchall()} - set(SYSTEM_USERS)


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


def reset_server(db: MariaDB) -> None:
    """Drop what a test left, so the next one starts from an empty cluster."""
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT User, Host FROM mysql.user")
        for user, host in cur.fetchall():
            if user not in SYSTEM_USERS:
                cur.execute("DROP USER %s@%s", (user, host))
        cur.execute("CREATE DATABASE IF NOT EXISTS app")
        cur.execute("DROP TABLE IF EXISTS qingcloud_mysqlplus_sim.accounts")


@contextmanager
def e2e_project(tmp_path: Path, mariadb: MariaDB, job_seconds: float = 0.5) -> Iterator[Project]:
    reset_server(mariadb)
    try:
        with running_sim(job_seconds=job_seconds, mysql_dsn=mariadb.dsn) as sim:
            yield Project(tmp_path, sim)
    finally:
        reset_server(mariadb)


def process_tree(root: int) -> list[int]:
    """``root`` and every process below it, from /proc (children first)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found[::-1]


def kill_like_ci(process: subprocess.Popen[str], grace: float = 3.0) -> None:
    """What a cancelled CI job does: SIGTERM to every process, then SIGKILL to what is left."""
    tree = process_tree(process.pid)
    for pid in tree:
        _signal(pid, signal.SIGTERM)
    time.sleep(grace)
    for pid in {p for root in tree for p in process_tree(root)}:  # orphans too
        _signal(pid, signal.SIGKILL)
    process.wait(timeout=30)


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
