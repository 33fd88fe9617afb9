"""The package users install: built, installed into a fresh venv, used by a new app.

``python -m build`` makes a wheel and an sdist without a warning; the wheel
(with the ``[cdktf]`` extra, dependencies from PyPI) goes into a virtual
environment outside the repository, not editable; an app laid out like
``cdktf init --template=python`` declares one account with an ephemeral
password; cdktf-cli synthesizes and deploys it against the simulator.  The
provisioners must run the installed copy, never this checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest

from helpers import ACCESS_KEY, ROOT, SECRET_KEY
from qingcloud_mysqlplus import __version__
from qingcloud_mysqlplus.sim import serving

pytestmark = [pytest.mark.e2e]

VERSION = __version__  # the wheel is built from pyproject.toml: the two must agree
CLUSTER, ZONE = "cl-pkg00001", "sh1a"

USER_APP = """#!/usr/bin/env python
from constructs import Construct
from cdktf import App, TerraformStack

from qingcloud_mysqlplus import MysqlPlusAccount, ephemeral_password


class MyStack(TerraformStack):
    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id)

        MysqlPlusAccount(
            self, "orders-rw",
            cluster_id="{cluster}", zone="{zone}",
            user="orders_rw", password=ephemeral_password(self, "orders_pw"),
            database="orders",
        )


app = App()
MyStack(app, "user-app")

app.synth()
"""


def run(argv: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False, **kw)


def local_exec_commands(stack_json: dict[str, Any]) -> list[str]:
    """Every local-exec provisioner's command line (command plus interpreter), as text."""
    found = []
    for blocks in stack_json.get("resource", {}).values():
        for block in blocks.values():
            for provisioner in block.get("provisioner", []):
                if "local-exec" in provisioner:
                    step = provisioner["local-exec"]
                    found.append(json.dumps([step.get("interpreter"), step.get("command")]))
    return found


def build(tmp_path: Path) -> Path:
    """``python -m build`` without a warning: the wheel (with py.typed, without tests/ or constructs/) and the sdist."""
    dist = tmp_path / "dist"
    # PYTHONDONTWRITEBYTECODE makes setuptools say "byte-compiling is disabled": a setting, not the package.
    build_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    built = run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], env=build_env)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    noise = [line for line in (built.stdout + built.stderr).splitlines() if "warning" in line.lower()]
    assert not noise, noise
    wheel = dist / f"cdktf_qingcloud_mysqlplus-{VERSION}-py3-none-any.whl"
    assert wheel.exists() and (dist / f"cdktf_qingcloud_mysqlplus-{VERSION}.tar.gz").exists(), list(dist.iterdir())
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "qingcloud_mysqlplus/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "constructs/"))], "the wheel holds files it should not"
    return dist


def install(tmp_path: Path, dist: Path) -> tuple[Path, str]:
    """The wheel with ``[cdktf]`` in a fresh venv, not editable: its python and its site-packages."""
    venv = tmp_path / "venv"
    made = run([sys.executable, "-m", "venv", str(venv)])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed = run([str(python), "-m", "pip", "install", "-q", "--find-links", str(dist),
                     f"cdktf-qingcloud-mysqlplus[cdktf]=={VERSION}"])  # fmt: skip
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    where = run([str(python), "-c", "import sysconfig, qingcloud_mysqlplus as q; print(q.__file__); "
                 "print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path)  # fmt: skip
    assert where.returncode == 0, where.stderr
    module_file, site_packages = where.stdout.split()
    assert Path(module_file).is_relative_to(site_packages), module_file  # installed, not editable
    return python, site_packages


def new_app(tmp_path: Path, python: Path) -> Path:
    """An app laid out like ``cdktf init --template=python``, run by the venv's python."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text(USER_APP.format(cluster=CLUSTER, zone=ZONE))
    (app / "cdktf.json").write_text(json.dumps({
        "language": "python", "app": f"{python} main.py", "projectId": "user-app-test", "sendCrashReports": "false",
        "terraformProviders": [], "terraformModules": [], "codeMakerOutput": "imports", "context": {},
    }, indent=2))  # fmt: skip
    return app


def test_wheel_installed_in_a_fresh_venv_deploys_a_new_app(tmp_path: Path) -> None:
    assert not tmp_path.is_relative_to(ROOT)
    python, site_packages = install(tmp_path, build(tmp_path))
    app = new_app(tmp_path, python)
    home = tmp_path / "home"
    home.mkdir()
    cli = str(ROOT / "node_modules" / ".bin" / "cdktf")
    with serving(clusters=[f"{CLUSTER}@{ZONE}"], job_seconds=0.2, credentials={ACCESS_KEY: SECRET_KEY}) as url:
        env = {
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(home), "TERRAFORM_BINARY_NAME": os.environ["TERRAFORM_BINARY_NAME"],
            "CHECKPOINT_DISABLE": "1", "CDKTF_DISABLE_TELEMETRY": "true", "CI": "true", "NO_COLOR": "1",
            "QINGCLOUD_ACCESS_KEY": ACCESS_KEY, "QINGCLOUD_SECRET_KEY": SECRET_KEY, "QINGCLOUD_ENDPOINT": url,
            "TF_VAR_orders_pw": "Orders@Pw-2718",
        }  # fmt: skip
        synth = run([cli, "synth"], cwd=app, env=env)
        assert synth.returncode == 0, synth.stdout[-3000:] + synth.stderr[-3000:]
        stack = json.loads((app / "cdktf.out" / "stacks" / "user-app" / "cdk.tf.json").read_text())
        commands = local_exec_commands(stack)
        assert commands, "no local-exec provisioner in cdk.tf.json"
        for command in commands:
            assert str(ROOT) not in command, command
        assert any(site_packages in command for command in commands), commands

        deploy = run([cli, "deploy", "--auto-approve"], cwd=app, env=env)
        assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-3000:]
        assert "orders_rw" in accounts(url, CLUSTER)
        destroy = run([cli, "destroy", "--auto-approve"], cwd=app, env=env)
        assert destroy.returncode == 0, destroy.stdout[-3000:] + destroy.stderr[-3000:]
        assert "orders_rw" not in accounts(url, CLUSTER)


def accounts(url: str, cluster: str) -> set[str]:
    """Users on a simulated cluster, from the simulator's control endpoint (``GET /_sim/accounts``)."""
    with urllib.request.urlopen(url.removesuffix("/iaas/") + "/_sim/accounts", timeout=10) as answer:
        clusters = json.load(answer)["clusters"]
    return {account["user"] for account in clusters[cluster]["accounts"]}
