"""Shared test helpers: a simulator in a thread, a private MariaDB, the bridge as a process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from qingcloud_mysqlplus.qingcloud.signing import sign
from qingcloud_mysqlplus.sim import Fault, SimControl, SimOptions, serving
from qingcloud_mysqlplus.testing.mariadb import MariaDB, mariadb_binaries, private_mariadb  # noqa: F401 - re-exported

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ACCESS_KEY = "QYTESTACCESSKEY"  # every directive holds the access key id: searched for too
SECRET_KEY = "Canary-Secret-Key-7f3a9"  # searched for in every output: must never appear
CANARY_PASSWORD = "Canary@Pw-5150x"  # likewise
CANARY_SIGNATURE = "Canary+Signature/7x2Q4mZ9="  # the request signature in tests/fake_cluster.py's directives
# A directive's own keys, as JSON or a Python repr writes them (also escaped inside service_params):
# a line holding one printed (part of) a job record.  Messages name parameters without the quotes.
DIRECTIVE_KEY = re.compile(r"""\\?["'](?:service_params|access_key_id|signature|passwd|sender)\\?["']\s*:""")
CLUSTER = "cl-test0001"
OTHER_CLUSTER = "cl-test0002"
ZONE = "sh1a"


@dataclass
class Sim:
    url: str
    base: str
    control: SimControl = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.control = SimControl(self.url)

    def accounts(self, cluster: str = CLUSTER) -> dict[str, dict[str, Any]]:
        return {a["user"]: a for a in self.control.accounts()[cluster]["accounts"]}

    def jobs(self) -> list[dict[str, Any]]:
        return self.control.jobs()

    def stats(self) -> dict[str, Any]:
        return self.control.stats()

    def fault(self, kind: str, **options: Any) -> None:
        self.control.add_fault(kind, **options)

    def clear_faults(self) -> None:
        self.control.clear_faults()

    def struck(self) -> dict[str, int]:
        return self.control.struck()

    def set_options(self, **changes: Any) -> dict[str, Any]:
        return self.control.set_options(**changes)

    def proxies(self, cluster: str = CLUSTER) -> dict[str, list[str]]:
        return self.control.proxies()[cluster]

    def console(self, user: str, *, cluster: str = CLUSTER, **fields: Any) -> dict[str, Any]:
        """An account job made in the console (SimControl.console); RunClusterCustomService's answer."""
        return self.control.console(cluster, user, **fields)

    def background(self, count: int, users: list[str], *, cluster: str = CLUSTER, **fields: Any) -> dict[str, Any]:
        """``count`` finished jobs of the test key on other clusters of the app (SimControl.background)."""
        return self.control.background(count, users, cluster=cluster, **fields)

    def api(
        self, action: str, *, key: str = ACCESS_KEY, secret: str = SECRET_KEY, verb: str = "GET", **params: Any
    ) -> dict[str, Any]:
        """One signed ``/iaas/`` call (zone ``ZONE`` unless given), its JSON answer."""
        signed = sign({"action": action, "zone": ZONE, **params}, access_key=key, secret_key=secret, verb=verb)
        if verb == "GET":
            return dict(requests.get(self.url, params=signed, timeout=10).json())
        return dict(requests.post(self.url, data=signed, timeout=10).json())


@contextmanager
def running_sim(
    job_seconds: float = 0.2,
    mysql_dsn: str | None = None,
    faults: list[Fault] | None = None,
    options: SimOptions | None = None,
    clusters: list[str] | None = None,
    credentials: dict[str, str] | None = None,
    **kw: Any,
) -> Iterator[Sim]:
    with serving(
        clusters=clusters or [f"{CLUSTER}@{ZONE}", f"{OTHER_CLUSTER}@{ZONE}"],
        job_seconds=job_seconds,
        credentials=credentials or {ACCESS_KEY: SECRET_KEY},
        mysql_dsn=mysql_dsn,
        faults=faults,
        options=options,
        **kw,
    ) as url:
        yield Sim(url, url.removesuffix("/iaas/"))


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


ADD = ["add-user", "--cluster", CLUSTER, "--user", "app_rw"]  # the bridge's commands for the tests' account
DEL = ["del-user", "--cluster", CLUSTER, "--user", "app_rw"]


def password_env(sim: Sim, **extra: str) -> dict[str, str]:
    """``bridge_env`` with the canary password in QINGCLOUD_MYSQLPLUS_PASSWORD (``extra`` may replace it)."""
    return bridge_env(sim, **{"QINGCLOUD_MYSQLPLUS_PASSWORD": CANARY_PASSWORD, **extra})


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


def assert_no_secret(*texts: str, access_key: bool = True) -> None:
    """No password, secret key, access key id or signature, and no piece of a directive, in any text.
    ``access_key=False`` only where the access key id is announced on purpose (the simulator's banner)."""
    for text in texts:
        assert CANARY_PASSWORD not in text
        assert SECRET_KEY not in text
        assert CANARY_SIGNATURE not in text
        assert not access_key or ACCESS_KEY not in text
        assert DIRECTIVE_KEY.search(text) is None, DIRECTIVE_KEY.search(text)
