"""Shared test helpers: a simulator in a thread, a private MariaDB, the bridge as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qingcloud_mysqlplus.sim.faults import Fault
from qingcloud_mysqlplus.sim.server import serving
from qingcloud_mysqlplus.testing.mariadb import MariaDB, mariadb_binaries, private_mariadb  # noqa: F401 - re-exported

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
    journal: str  # the bridge's journal directory for runs against this simulator

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
    with (
        serving(
            clusters=[f"{CLUSTER}@{ZONE}", f"{OTHER_CLUSTER}@{ZONE}"],
            job_seconds=job_seconds,
            credentials={ACCESS_KEY: SECRET_KEY},
            mysql_dsn=mysql_dsn,
            faults=faults,
            **kw,
        ) as url,
        tempfile.TemporaryDirectory(prefix="journal-") as journal,
    ):
        yield Sim(url, url.removesuffix("/iaas/"), journal)


def bridge_env(sim: Sim, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGCLOUD_", "TF_VAR_"))}
    env.update(
        QINGCLOUD_ACCESS_KEY=ACCESS_KEY,
        QINGCLOUD_SECRET_KEY=SECRET_KEY,
        QINGCLOUD_ENDPOINT=sim.url,
        QINGCLOUD_ZONE=ZONE,
        HOME=tempfile.gettempdir(),  # no ~/.qingcloud/config.yaml of the machine's
        QINGCLOUD_MYSQLPLUS_JOURNAL_DIR=sim.journal,
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
