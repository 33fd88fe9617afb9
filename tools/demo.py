"""`make demo`: the example stack deployed with real cdktf-cli and Terraform.

Starts the simulator (backed by a private MariaDB when one is installed, else
in memory), runs `cdktf deploy` of main.py, shows the accounts now on the
cluster, logs in as one when MariaDB backs it, then `cdktf destroy`s them.
Passwords are generated for the run and never printed.

FRAMEWORK=cdktn (`make demo FRAMEWORK=cdktn`) does the same with CDK Terrain:
main.py with its one framework import switched to cdktn (all that moving an
app to CDK Terrain takes), in .demo/cdktn/, deployed by cdktn-cli.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from qingcloud_mysqlplus.testing.mariadb import MariaDB, mariadb_binaries, private_mariadb

ROOT = Path(__file__).resolve().parent.parent
CLUSTER, ZONE = "cl-demo0001", "sh1a"
FRAMEWORKS = ("cdktf", "cdktn")  # each is both the Python module and the CLI command


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def password() -> str:
    return "Dm" + secrets.token_hex(6) + "@7q"  # upper, lower, digit, special: 17 characters


@contextlib.contextmanager
def maybe_mariadb() -> Iterator[MariaDB | None]:
    if mariadb_binaries() is None:
        say("MariaDB is not installed: the simulator keeps accounts in memory")
        yield None
        return
    say("starting a private MariaDB in a temporary directory")
    with private_mariadb() as db:
        with db.connect() as conn, conn.cursor() as cur:
            cur.execute("CREATE DATABASE IF NOT EXISTS app")
        yield db


@contextlib.contextmanager
def simulator(db: MariaDB | None) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        url_file = Path(tmp) / "url"
        args = [sys.executable, "-m", "qingcloud_mysqlplus.sim", "--port", "0", "--job-seconds", "1",
                "--cluster", f"{CLUSTER}@{ZONE}", "--url-file", str(url_file)]  # fmt: skip
        if db:
            args += ["--mysql-dsn", db.dsn]
        process = subprocess.Popen(args)
        try:
            deadline = time.monotonic() + 30
            while not url_file.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the simulator did not start")
                time.sleep(0.1)
            yield url_file.read_text()
        finally:
            process.terminate()
            process.wait(timeout=10)


def app_dir(framework: str) -> Path:
    """Where the example app is for ``framework``: the repository for cdktf, a switched copy for cdktn."""
    if framework == "cdktf":
        return ROOT
    source = (ROOT / "main.py").read_text()
    switched = re.sub(r"^from cdktf import ", f"from {framework} import ", source, flags=re.M)
    if switched == source:
        raise SystemExit("main.py has no 'from cdktf import' line to switch")
    target = ROOT / ".demo" / framework
    target.mkdir(parents=True, exist_ok=True)
    (target / "main.py").write_text(switched)
    config = json.loads((ROOT / "cdktf.json").read_text())
    config["app"] = f"{sys.executable} main.py"
    (target / "cdktf.json").write_text(json.dumps(config, indent=2) + "\n")
    return target


def show_accounts(url: str) -> None:
    subprocess.run([sys.executable, "-m", "qingcloud_mysqlplus.sim", "accounts", "--url", url], check=True)


def main() -> int:
    framework = os.environ.get("FRAMEWORK") or "cdktf"
    if framework not in FRAMEWORKS:
        raise SystemExit(f"FRAMEWORK={framework}: expected one of {', '.join(FRAMEWORKS)}")
    app = app_dir(framework)
    passwords = {name: password() for name in ("app_rw_password", "reporting_password", "admin_password")}
    with maybe_mariadb() as db, simulator(db) as url:
        env = {
            **os.environ,
            "QINGCLOUD_ENDPOINT": url,
            "QINGCLOUD_ACCESS_KEY": "QYSIMULATORKEY",
            "QINGCLOUD_SECRET_KEY": "simulator-secret-key",
            "QINGCLOUD_MYSQLPLUS_CLUSTER": CLUSTER,
            "QINGCLOUD_ZONE": ZONE,
            **{f"TF_VAR_{name}": value for name, value in passwords.items()},
        }
        say(f"{framework} deploy of {app.relative_to(ROOT) / 'main.py'} against {url}")
        deployed = subprocess.run([framework, "deploy", "--auto-approve"], cwd=app, env=env, check=False)
        try:
            if deployed.returncode != 0:
                return deployed.returncode
            say("accounts now on the cluster")
            show_accounts(url)
            if db:
                with db.connect("app_rw", passwords["app_rw_password"], "app") as conn, conn.cursor() as cur:
                    cur.execute("SELECT CURRENT_USER(), DATABASE()")
                    who, database = cur.fetchone()
                say(
                    f"logged in to MariaDB as {who} (database {database}) with the password from TF_VAR_app_rw_password"
                )
        finally:
            say(f"{framework} destroy: del_user for each account")
            subprocess.run([framework, "destroy", "--auto-approve"], cwd=app, env=env, check=False)
            show_accounts(url)
    say("done. To use a real QingCloud cluster instead of the simulator:")
    print(
        "   export QINGCLOUD_ACCESS_KEY=... QINGCLOUD_SECRET_KEY=...      # your API key pair\n"
        "   export QINGCLOUD_MYSQLPLUS_CLUSTER=cl-xxxxxxxx QINGCLOUD_ZONE=pek3a\n"
        "   unset QINGCLOUD_ENDPOINT                                       # the public API\n"
        "   export TF_VAR_app_rw_password=... TF_VAR_reporting_password=... TF_VAR_admin_password=...\n"
        "   make setup && PATH=$PWD/.venv/bin:$PWD/node_modules/.bin:$PATH \\\n"
        "     TERRAFORM_BINARY_NAME=$PWD/.venv/bin/terraform cdktf deploy"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
