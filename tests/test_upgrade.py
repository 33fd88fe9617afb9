"""Upgrading is not a rotation (issue 22, item 3): a stack deployed with 0.4.0 and deployed again with this
version runs no add_user and no del_user, and its diff is clean.

The 0.4.0 library comes from the repository's own history (``git archive`` of the commit "Version 0.4.0"),
so CI, which has a clean clone with history, needs nothing else; the app and its state are this test's.
Real cdktf-cli and Terraform, the bridge of each version, the simulator (MariaDB behind it).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accounts_found import server_users
from e2e_project import Project, scan
from helpers import ROOT
from kill_redeploy import NO_CHANGES, logins_ok, text

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb]
RELEASE = "Version 0.4.0"  # the commit that released it


def release_commit(message: str = RELEASE) -> str:
    found = subprocess.run(["git", "-C", str(ROOT), "log", "--format=%H", "-1", f"--grep=^{message}$"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    commit = found.stdout.strip()
    if found.returncode != 0 or not commit:
        pytest.fail(f"no commit {message!r} in this clone's history (a shallow clone? fetch with history)")
    return commit


@pytest.fixture(scope="module")
def v040(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The 0.4.0 library's source root (its ``constructs/``), from git history."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", release_commit(), "constructs"],
                             capture_output=True, check=True)  # fmt: skip
    where = tmp_path_factory.mktemp("v040")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(where, filter="data")
    root = where / "constructs"
    assert '__version__ = "0.4.0"' in (root / "qingcloud_mysqlplus" / "__init__.py").read_text()
    yield root


def jobs_of(project: Project, before: int) -> list[tuple[str, str]]:
    return [(j["service"], j["user"]) for j in project.sim.jobs()[before:] if j["service"] in ("add_user", "del_user")]


def deploy_with(project: Project, library: Path | None) -> None:
    """Deploy with the library at ``library`` (None: this checkout's) on PYTHONPATH: synth and the bridge."""
    if library is None:
        project.extra_env.pop("PYTHONPATH", None)
    else:
        project.extra_env["PYTHONPATH"] = str(library)
    project.cdktf("deploy")


SPEC: list[dict[str, Any]] = [
    {"id": "plain", "user": "up_plain"},
    {"id": "hosts", "user": "up_hosts", "host": "127.0.0.1;10.0.0.0/8", "database": "app"},
    {"id": "rotated", "user": "up_rotated", "password_version": 3, "keep_on_destroy": True},
]


def test_upgrading_from_0_4_0_runs_no_job_and_diffs_clean(project: Project, mariadb: Any, v040: Path) -> None:
    users = [a["user"] for a in SPEC]
    project.write(SPEC)
    deploy_with(project, v040)
    assert server_users(mariadb) == set(users)
    assert "replace_triggered_by" not in (project.stack_dir / "cdk.tf.json").read_text()  # 0.4.0's blocks
    before = len(project.sim.jobs())

    project.extra_env.pop("PYTHONPATH", None)
    assert NO_CHANGES in text(project.cdktf("diff", ok=False))  # the upgrade itself plans nothing
    deploy_with(project, None)
    assert "replace_triggered_by" in (project.stack_dir / "cdk.tf.json").read_text()
    assert jobs_of(project, before) == []
    assert NO_CHANGES in text(project.cdktf("diff", ok=False))
    assert logins_ok(project, mariadb, users)

    changed = [dict(a, host="127.0.0.1") if a["id"] == "plain" else a for a in SPEC]
    project.write(changed)
    deploy_with(project, None)  # an account made by 0.4.0, changed after the upgrade: one del+add run
    # (a host change tries the new host first; the simulator's default refuses a second host)
    assert jobs_of(project, before) == [("add_user", "up_plain"), ("del_user", "up_plain"), ("add_user", "up_plain")]

    before = len(project.sim.jobs())  # an account made by 0.4.0 switched to alternating users: kept as it is
    project.write([dict(a, rotation="AlternatingUsers") if a["id"] == "hosts" else a for a in changed])
    deploy_with(project, None)
    assert jobs_of(project, before) == [] and logins_ok(project, mariadb, ["up_hosts"])
    assert NO_CHANGES in text(project.cdktf("diff", ok=False))
    assert scan(project) == []
