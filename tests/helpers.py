"""Shared test helpers: a simulator in a thread, a private MariaDB, the bridge as a process."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qingcloud_mysqlplus.sim.faults import Fault
from qingcloud_mysqlplus.sim.server import make_server, url_of

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ACCESS_KEY = "QYTESTACCESSKEY"
SECRET_KEY = "Canary-Secret-Key-7f3a9"  # searched for in every output: must never appear
CANARY_PASSWORD = "Canary@Pw-5150x"  # likewise
CLUSTER = "cl-test0001"
OTHER_CLUSTER = "cl-test0002"
ZONE = "sh1a"


@dataclass
class Sim:
    url: str
    base: str

    def accounts(self, cluster: str = CLUSTER) -> dict[str, dict[str, Any]]:
        with urllib.request.urlopen(f"{self.base}/_sim/accounts", timeout=10) as answer:
            data = json.load(answer)["clusters"]
        return {a["user"]: a for a in data[cluster]["accounts"]}

    def jobs(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.base}/_sim/jobs", timeout=10) as answer:
            return list(json.load(answer)["jobs"])

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base}/_sim/jobs", timeout=10) as answer:
            return dict(json.load(answer))

    def fault(self, kind: str, **options: Any) -> None:
        self._post({"kind": kind, **options})

    def clear_faults(self) -> None:
        self._post({"clear": True})

    def struck(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.base}/_sim/faults", timeout=10) as answer:
            return dict(json.load(answer)["struck"])

    def _post(self, body: dict[str, Any]) -> None:
        request = urllib.request.Request(f"{self.base}/_sim/faults", data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()


@contextmanager
def running_sim(
    job_seconds: float = 0.2, mysql_dsn: str | None = None, faults: list[Fault] | None = None, **kw: Any
) -> Iterator[Sim]:
    server, _ = make_server(
        clusters=[f"{CLUSTER}@{ZONE}", f"{OTHER_CLUSTER}@{ZONE}"],
        job_seconds=job_seconds,
        credentials={ACCESS_KEY: SECRET_KEY},
        mysql_dsn=mysql_dsn,
        faults=faults,
        **kw,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = url_of(server)
    try:
        yield Sim(url, url.removesuffix("/iaas/"))
    finally:
        server.shutdown()
        server.server_close()


def bridge_env(sim: Sim, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGCLOUD_", "TF_VAR_"))}
    env.update(
        QINGCLOUD_ACCESS_KEY=ACCESS_KEY,
        QINGCLOUD_SECRET_KEY=SECRET_KEY,
        QINGCLOUD_ENDPOINT=sim.url,
        QINGCLOUD_ZONE=ZONE,
        HOME=tempfile.gettempdir(),  # no ~/.qingcloud/config.yaml of the machine's
    )
    env.update(extra)
    return env


def run_bridge(
    args: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "qingcloud-mysqlplus"), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert CANARY_PASSWORD not in text
        assert SECRET_KEY not in text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mariadb_binaries() -> tuple[str, str] | None:
    server = shutil.which("mariadbd") or ("/usr/sbin/mariadbd" if os.path.exists("/usr/sbin/mariadbd") else None)
    install = shutil.which("mariadb-install-db")
    return (server, install) if server and install else None


@dataclass
class MariaDB:
    port: int
    socket: str

    @property
    def dsn(self) -> str:
        return f"mysql://root@/?unix_socket={self.socket}"

    def connect(self, user: str = "root", password: str | None = None, database: str | None = None) -> Any:
        import pymysql

        if user == "root":
            return pymysql.connect(unix_socket=self.socket, user="root", autocommit=True)
        return pymysql.connect(
            host="127.0.0.1", port=self.port, user=user, password=password or "", database=database, autocommit=True
        )


@contextmanager
def private_mariadb() -> Iterator[MariaDB]:
    binaries = mariadb_binaries()
    assert binaries is not None
    server, install = binaries
    with tempfile.TemporaryDirectory(prefix="mariadb-") as tmp:
        data, sock = Path(tmp) / "data", str(Path(tmp) / "mysqld.sock")
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run(
            [install, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=socket",
             "--skip-test-db", *user],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        port = free_port()
        process = subprocess.Popen(
            [server, "--no-defaults", f"--datadir={data}", f"--socket={sock}", f"--port={port}",
             "--bind-address=127.0.0.1", "--skip-name-resolve", f"--pid-file={tmp}/mysqld.pid",
             f"--log-error={tmp}/error.log", "--innodb-buffer-pool-size=32M", *user],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            db = MariaDB(port, sock)
            deadline = time.monotonic() + 60
            while True:
                try:
                    db.connect().close()
                    break
                except Exception:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log = Path(tmp, "error.log")
                        raise RuntimeError(f"MariaDB did not start: {log.read_text()[-2000:] if log.exists() else ''}") from None
                    time.sleep(0.2)
            yield db
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
