"""CDK Terrain (cdktn), the community fork of CDKTF, as well as cdktf.

An app imports its framework first and then the library; the library must
build its constructs with that framework.  The same app synthesizes the same
Terraform JSON under both, and cdktn-cli deploys and destroys it against the
simulator like cdktf-cli does.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from accounts_found import add_user_counts, can_log_in
from e2e_project import Project
from helpers import MariaDB

APP = """
import json, sys
import {framework} as framework  # the framework first, as an app does
from constructs import Construct
from qingcloud_mysqlplus import MysqlPlusAccount, Privilege, ephemeral_password

app = framework.App(outdir={outdir!r})
stack = framework.TerraformStack(app, "accounts")
MysqlPlusAccount(stack, "app-rw", cluster_id="cl-frame001", zone="sh1a", user="app_rw",
                 password=ephemeral_password(stack, "app_rw_pw"), host=["10.0.0.5"], database="app")
MysqlPlusAccount(stack, "admin", cluster_id="cl-frame001", zone="sh1a", user="dba",
                 password=ephemeral_password(stack, "dba_pw"), privilege=Privilege.SUPERUSER)
team = Construct(stack, "team")  # a variable below the stack gets cdktf's hashed name
MysqlPlusAccount(team, "team-rw", cluster_id="cl-frame001", zone="sh1a", user="team_rw",
                 password=ephemeral_password(team, "team_pw"))
app.synth()
print(json.dumps(sorted(m for m in ("cdktf", "cdktn") if m in sys.modules)))
"""


def synth(framework: str, outdir: Path) -> tuple[dict[str, Any], list[str]]:
    """Synthesize the app under ``framework`` in a fresh interpreter: its stack JSON and the frameworks loaded."""
    result = subprocess.run(
        [sys.executable, "-c", APP.format(framework=framework, outdir=str(outdir))],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    stack = json.loads((outdir / "stacks" / "accounts" / "cdk.tf.json").read_text())
    return stack, json.loads(result.stdout.strip().splitlines()[-1])


def comparable(value: Any) -> Any:
    """What Terraform acts on: the stack without the frameworks' ``//`` metadata and ``terraform`` settings.

    A new account's ``token`` is drawn afresh by each synth without state, so only its presence counts.
    """
    if isinstance(value, dict):
        return {
            k: "<token>" if k == "token" and isinstance(v, str) else comparable(v)
            for k, v in value.items()
            if k not in ("//", "terraform")
        }
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


def test_synth_under_cdktn_matches_cdktf(tmp_path: Path) -> None:
    outdir = tmp_path / "cdktf.out"  # one path for both: the stack's directory is part of the commands
    under_cdktn, loaded = synth("cdktn", outdir)
    assert loaded == ["cdktn"], f"a cdktn app loaded {loaded}: the library must use the app's framework"
    block = under_cdktn["resource"]["terraform_data"]["qingcloud_mysqlplus_accounts"]  # the accounts' block
    assert block["for_each"]
    assert any("local-exec" in p for p in block["provisioner"])
    digest = hashlib.md5(b"team/team_pw", usedforsecurity=False).hexdigest()[:8].upper()  # cdktf's makeUniqueId
    team_pw = f"team_team_pw_{digest}"
    assert set(under_cdktn["variable"]) == {"app_rw_pw", "dba_pw", team_pw}
    assert all(v["ephemeral"] is True and v["sensitive"] is True for v in under_cdktn["variable"].values())
    passwords = under_cdktn["locals"]["qingcloud_mysqlplus_accounts_passwords"]
    assert passwords["cl-frame001/team_rw"] == f"${{var.{team_pw}}}"

    shutil.rmtree(outdir)
    under_cdktf, loaded = synth("cdktf", outdir)
    assert loaded == ["cdktf"]
    assert comparable(under_cdktn) == comparable(under_cdktf)


REFUSALS = """
import {framework} as framework
from qingcloud_mysqlplus import ephemeral_password
stack = framework.TerraformStack(framework.Testing.app(), "s")
ephemeral_password(stack, "pw")
framework.TerraformVariable(stack, "pw", type="string")
for refused in (lambda: framework.Testing.synth(stack), lambda: ephemeral_password(stack, "p w")):
    try:
        refused()
    except Exception as err:
        print(type(err).__name__, err)
"""


@pytest.mark.parametrize("framework", ["cdktf", "cdktn"])
def test_ephemeral_password_refuses_a_second_declaration_under_both(framework: str) -> None:
    """A TerraformVariable of the name at synth, and the same name again at once; one line each."""
    done = subprocess.run([sys.executable, "-c", REFUSALS.format(framework=framework)],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == [
        "RuntimeError s/pw: ephemeral_password: id 'pw' makes variable 'pw', which the TerraformVariable at s/pw "
        "declares too; use another id",
        "MysqlPlusAccountError s/p w: ephemeral_password: id 'p w' makes variable 'pw', already declared by "
        "ephemeral_password at s/pw; use another id",
    ]


@pytest.fixture
def project_options() -> dict[str, Any]:
    return {"framework": "cdktn"}


@pytest.mark.e2e
@pytest.mark.mariadb
def test_cdktn_cli_deploys_and_destroys(project: Project, mariadb: MariaDB) -> None:
    sim = project.sim
    project.write([
        {"id": "app-rw", "user": "app_rw", "database": "app"},
        {"id": "reporting", "user": "reporting", "host": ["127.0.0.1"]},
    ])  # fmt: skip
    deploy = project.cdktf("deploy")
    assert project.argv("deploy")[0] == "cdktn"
    assert set(sim.accounts()) == {"app_rw", "reporting"}, deploy.stdout[-2000:]
    for user, password in project.passwords.items():
        assert can_log_in(mariadb, user, password), user
    project.cdktf("destroy")
    assert set(sim.accounts()) == set()
    assert add_user_counts(sim) == {"app_rw": 1, "reporting": 1}
