"""A throwaway CDKTF project for the end-to-end and reliability tests.

Real cdktf-cli and Terraform run tests/e2e_app/main.py against the simulator
(backed by the session's MariaDB); everything they print is kept so that a
test can search it, and every file they leave, for secrets.

A project picks its framework (``cdktf``: cdktf-cli and ``from cdktf import``;
``cdktn``: CDK Terrain's CLI and ``from cdktn import``) and its state backend
(local, or PostgreSQL through ``PgBackend`` with the connection string in
``PG_CONN_STR``).  ``fresh_runner()`` copies it the way a new CI runner has it:
the checkout and (for the local backend) the state file, nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from accounts_found import reset_server
from helpers import ACCESS_KEY, CLUSTER, ROOT, SECRET_KEY, ZONE, MariaDB, Sim, running_sim


def password_for(user: str, version: int = 1) -> str:
    """A valid canary password per user: every one is searched for in all output."""
    return f"Canary@{version}-{user}"[:32]


Framework = Literal["cdktf", "cdktn"]
Backend = Literal["local", "pg"]
STACK = "e2e"
CHECKOUT_FILES = ("main.py", "cdktf.json", "spec.json")  # what a fresh clone of the app's repository holds
APPROVED = ("deploy", "destroy")  # the commands that take --auto-approve
E2E_APP = ROOT / "tests" / "e2e_app" / "main.py"


class Project:
    def __init__(
        self,
        directory: Path,
        sim: Sim,
        *,
        framework: Framework = "cdktf",
        backend: Backend = "local",
        pg_conn_str: str | None = None,
        env: dict[str, str] | None = None,
        app: Path = E2E_APP,
    ) -> None:
        """``app``: the cdktf app copied in as main.py (the end-to-end tests' own, or the benchmark's)."""
        if backend == "pg" and not pg_conn_str:
            raise ValueError("the pg backend needs pg_conn_str")
        self.dir, self.sim = directory, sim
        self.framework, self.backend, self.pg_conn_str = framework, backend, pg_conn_str
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copy(app, directory / "main.py")
        (directory / "cdktf.json").write_text(json.dumps({
            "language": "python", "app": f"{sys.executable} main.py", "projectId": "e2e-test",
            "sendCrashReports": "false", "terraformProviders": [], "terraformModules": [],
        }))  # fmt: skip
        self.outputs: list[str] = []
        self.passwords: dict[str, str] = {}
        self.extra_env: dict[str, str] = dict(env or {})
        self.canaries: set[str] = {SECRET_KEY}
        self.home: Path | None = None  # a fresh runner's HOME, TMPDIR and XDG_* live below this

    @property
    def stack_dir(self) -> Path:
        return self.dir / "cdktf.out" / "stacks" / STACK

    @property
    def state_file(self) -> Path:
        """The local backend's state (cdktf's default path, beside cdktf.json)."""
        return self.dir / f"terraform.{STACK}.tfstate"

    @property
    def cli(self) -> str:
        return {"cdktf": "cdktf", "cdktn": "cdktn"}[self.framework]

    def write(self, accounts: list[dict[str, Any]]) -> None:
        for account in accounts:
            self.passwords.setdefault(account["user"], password_for(account["user"]))
        spec = {"cluster": CLUSTER, "zone": ZONE, "accounts": accounts, "framework": self.framework,
                "backend": self.backend}  # fmt: skip
        (self.dir / "spec.json").write_text(json.dumps(spec))

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGCLOUD_", "TF_VAR_", "PG_CONN_STR"))}
        env.update(
            E2E_SPEC=str(self.dir / "spec.json"), QINGCLOUD_ACCESS_KEY=ACCESS_KEY, QINGCLOUD_SECRET_KEY=SECRET_KEY,
            QINGCLOUD_ENDPOINT=self.sim.url, CI="true", FORCE_COLOR="0", NO_COLOR="1",
        )  # fmt: skip
        if self.pg_conn_str:
            env["PG_CONN_STR"] = self.pg_conn_str
        if self.home is not None:
            env.update(runner_dirs(self.home))
        env.update({f"TF_VAR_pw_{user}": pw for user, pw in self.passwords.items()})
        env.update(self.extra_env)
        return env

    def argv(self, *args: str) -> list[str]:
        approve = ["--auto-approve"] if args and args[0] in APPROVED else []
        return [self.cli, *args, *approve]

    def cdktf(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the framework's CLI (``deploy``/``destroy`` approved), keep its output; ``ok``: assert exit 0."""
        result = subprocess.run(
            self.argv(*args), cwd=self.dir, env=self.env(), capture_output=True, text=True, timeout=600, check=False
        )
        self.outputs += [result.stdout, result.stderr]
        if ok:
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result

    def start(self, *args: str) -> subprocess.Popen[str]:
        """The CLI in the background, in a session of its own (as a CI job is)."""
        return subprocess.Popen(
            self.argv(*args), cwd=self.dir, env=self.env(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip

    def finish(self, process: subprocess.Popen[str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """Wait for a ``start``ed run; its output is kept like a foreground run's (stdout and stderr merged)."""
        output, _ = process.communicate(timeout=timeout)
        self.outputs.append(output)
        return subprocess.CompletedProcess(process.args, process.returncode, output, "")

    def fresh_runner(self, name: str | None = None) -> Project:
        """This project as a new CI runner checks it out: a new directory with only the checkout files.

        For the local backend the state file comes along (as a CI cache or an
        artifact would bring it); a remote backend needs nothing.  No
        cdktf.out (no status files), no .terraform, and a fresh
        HOME, TMPDIR and XDG_* directories.  Simulator, framework, backend,
        passwords and extra env are the same; outputs are the runner's own.
        """
        base = Path(tempfile.mkdtemp(prefix=f"{name or 'runner'}-", dir=self.dir.parent))
        runner = Project.__new__(Project)
        runner.dir, runner.sim = base / "checkout", self.sim
        runner.framework, runner.backend, runner.pg_conn_str = self.framework, self.backend, self.pg_conn_str
        runner.dir.mkdir()
        for file in CHECKOUT_FILES:
            shutil.copy(self.dir / file, runner.dir / file)
        if self.backend == "local" and self.state_file.exists():
            shutil.copy(self.state_file, runner.state_file)
        runner.outputs, runner.passwords = [], dict(self.passwords)
        runner.extra_env, runner.canaries = dict(self.extra_env), set(self.canaries)
        runner.home = base / "runner"
        for directory in runner_dirs(runner.home).values():
            Path(directory).mkdir(parents=True, mode=0o700)
        return runner

    def secrets(self) -> list[str]:
        return sorted({*self.passwords.values(), *self.canaries})


def runner_dirs(home: Path) -> dict[str, str]:
    """HOME, TMPDIR and the XDG base directories of a runner whose home is ``home``."""
    names = {"HOME": "home", "TMPDIR": "tmp", "XDG_CONFIG_HOME": "config", "XDG_CACHE_HOME": "cache",
             "XDG_DATA_HOME": "data", "XDG_STATE_HOME": "state", "XDG_RUNTIME_DIR": "run"}  # fmt: skip
    return {variable: str(home / sub) for variable, sub in names.items()}


def run_together(
    runs: Sequence[tuple[Project, Sequence[str]]], timeout: float = 900
) -> list[subprocess.CompletedProcess[str]]:
    """Start every (project, CLI args) run at once, then wait for all: two CI jobs on one state."""
    started = [(project, project.start(*args)) for project, args in runs]
    return [project.finish(process, timeout) for project, process in started]


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


@contextmanager
def e2e_project(
    tmp_path: Path,
    mariadb: MariaDB,
    job_seconds: float = 0.5,
    *,
    framework: Framework = "cdktf",
    backend: Backend = "local",
    pg_conn_str: str | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Project]:
    reset_server(mariadb)
    try:
        with running_sim(job_seconds=job_seconds, mysql_dsn=mariadb.dsn) as sim:
            yield Project(tmp_path, sim, framework=framework, backend=backend, pg_conn_str=pg_conn_str, env=env)
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
        signal_process(pid, signal.SIGTERM)
    time.sleep(grace)
    for pid in {p for root in tree for p in process_tree(root)}:  # orphans too
        signal_process(pid, signal.SIGKILL)
    process.wait(timeout=30)


def signal_process(pid: int, sig: signal.Signals) -> None:
    """``sig`` to ``pid``, if it still runs."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
