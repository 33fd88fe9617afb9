"""The documented CI job, run verbatim: a fresh runner, state in PostgreSQL, secrets from the environment.

The shell block of docs/ci.md's "The job" section runs as it is written, in a
fresh-runner copy of the end-to-end app (the checkout a CI system clones:
main.py, cdktf.json, spec.json, requirements.txt, package.json and its lock).
Its requirements.txt pins this package, found as a freshly built wheel;
download caches are shared, as docs/ci.md says to cache them.  A second
runner, which never saw the first, must find nothing to do.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from accounts_found import add_user_counts, can_log_in
from e2e_project import Project
from helpers import ROOT, MariaDB
from qingcloud_mysqlplus import __version__

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb, pytest.mark.postgres]

VERSION = __version__  # the wheel is built from pyproject.toml: the two must agree


def docs_ci_block() -> str:
    """The one ``sh`` block of docs/ci.md's "The job" section."""
    page = (ROOT / "docs" / "ci.md").read_text()
    section = re.search(r"^## The job\n(.*?)(?=^## |\Z)", page, re.S | re.M)
    assert section, "docs/ci.md has no '## The job' section"
    blocks = re.findall(r"^```sh\n(.*?)^```", section.group(1), re.S | re.M)
    assert len(blocks) == 1, f"the CI section should have exactly one sh block, found {len(blocks)}"
    return str(blocks[0])


@pytest.fixture(scope="module")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return dist


@pytest.fixture
def project_options(pg_state: dict[str, Any]) -> dict[str, Any]:
    return pg_state


def checkout(project: Project, wheel_dir: Path) -> Project:
    """A fresh runner with the user's repository as CI clones it."""
    runner = project.fresh_runner("ci")
    config = json.loads((runner.dir / "cdktf.json").read_text())
    config["app"] = ".venv/bin/python main.py"  # the venv the job makes, relative to the checkout
    (runner.dir / "cdktf.json").write_text(json.dumps(config, indent=2))
    (runner.dir / "requirements.txt").write_text(f"cdktf-qingcloud-mysqlplus[cdktf]=={VERSION}\n")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(ROOT / name, runner.dir / name)
    caches = {"PIP_CACHE_DIR": Path.home() / ".cache" / "pip", "npm_config_cache": Path.home() / ".npm"}
    runner.extra_env.update({name: str(path) for name, path in caches.items()})  # the job's restored caches
    runner.extra_env["PIP_FIND_LINKS"] = " ".join(filter(None, [str(wheel_dir), os.environ.get("PIP_FIND_LINKS")]))
    return runner


def run_job(runner: Project, script: str) -> subprocess.CompletedProcess[str]:
    job = runner.dir.parent / "job.sh"
    job.write_text(script)
    result = subprocess.run(
        ["bash", str(job)], cwd=runner.dir, env=runner.env(), capture_output=True, text=True, timeout=1200,
        check=False,
    )  # fmt: skip
    runner.outputs += [result.stdout, result.stderr]
    return result


def test_ci_job_deploys_from_a_fresh_runner(project: Project, mariadb: MariaDB, wheel_dir: Path) -> None:
    script = docs_ci_block()
    for needed in ("PG_CONN_STR", 'TF_CLI_ARGS_apply="-lock-timeout=5m"', "cdktf deploy --auto-approve"):
        assert needed in script
    sim = project.sim
    project.write([
        {"id": "app-rw", "user": "app_rw", "database": "app"},
        {"id": "reporting", "user": "reporting", "host": ["127.0.0.1"]},
    ])  # fmt: skip

    first = checkout(project, wheel_dir)
    result = run_job(first, script)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert set(sim.accounts()) == {"app_rw", "reporting"}
    for user, password in project.passwords.items():
        assert can_log_in(mariadb, user, password), user
    assert not first.state_file.exists(), "the state went to a local file, not to PostgreSQL"
    site = next((first.dir / ".venv" / "lib").glob("python*/site-packages"))
    assert (site / "qingcloud_mysqlplus").is_dir(), "the job did not install the package into its venv"

    second = checkout(project, wheel_dir)  # another job later: nothing of the first survives
    again = run_job(second, script)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert add_user_counts(sim) == {"app_rw": 1, "reporting": 1}, "the second job made an account again"

    project.cdktf("destroy")
    assert set(sim.accounts()) == set()
