"""``accounts --python``: declarations that, deployed with the right passwords, adopt each account without a job.

The quick test runs the declarations through the construct's own props
(what it would hand the bridge) and the bridge; the end-to-end one pastes
them into a stack and deploys it with real cdktf-cli and Terraform.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from accounts_found import add_user_counts
from e2e_project import e2e_project, scan
from helpers import CLUSTER, ZONE, MariaDB, Sim, assert_no_secret, bridge_env, run_bridge, running_sim
from qingcloud_mysqlplus import Privilege

PASSWORDS = {"orders_rw": "Canary@Pw-orders-1", "admin": "Canary@Pw-admin-22", "tls_ro": "Canary@Pw-tls-333"}
MADE = {  # user -> add-user flags
    "orders_rw": ["--host", "10.0.0.5;192.168.1.0/24", "--database", "orders"],
    "admin": ["--priv", "SuperuserAccount"],
    "tls_ro": ["--ssl", "--host", "10.1.0.0/16"],
}


def make_accounts(sim: Sim, users: tuple[str, ...] = tuple(MADE)) -> str:
    """The accounts made by the bridge, then ``accounts --python``."""
    for user in users:
        flags = MADE[user]
        made = run_bridge(["add-user", "--cluster", CLUSTER, "--user", user, *flags],
                          bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=PASSWORDS[user]))  # fmt: skip
        assert made.returncode == 0, made.stderr
    listed = run_bridge(["accounts", "--cluster", CLUSTER, "--python"], bridge_env(sim))
    assert listed.returncode == 0, listed.stderr
    assert_no_secret(listed.stdout)
    assert not any(pw in listed.stdout for pw in PASSWORDS.values())
    return listed.stdout


def declared(code: str) -> list[dict[str, Any]]:
    """Run the pasted code with stand-ins that record what each MysqlPlusAccount is given."""
    made: list[dict[str, Any]] = []
    scope = object()

    def account(at: object, id: str, **props: Any) -> None:
        assert at is scope
        made.append({"id": id, **props})

    def password(at: object, id: str) -> str:
        assert at is scope
        return f"<{id}>"

    names = {"MysqlPlusAccount": account, "ephemeral_password": password, "Privilege": Privilege, "self": scope}
    exec(compile(code.replace("from qingcloud_mysqlplus import", "# "), "<pasted>", "exec"), names)  # noqa: S102
    return made


def test_each_declaration_is_exact_so_the_bridge_adopts_it_without_a_job() -> None:
    from qingcloud_mysqlplus.cdk.props import AccountProps

    with running_sim(job_seconds=0.05, ssl_enabled=True) as sim:
        code = make_accounts(sim)
        found = sorted(declared(code), key=lambda p: p["id"])
        assert [(p["id"], p["user"], p["password"]) for p in found] == [(u, u, f"<pw_{u}>") for u in sorted(MADE)]
        jobs = len(sim.jobs())
        for props in found:
            user = props["user"]
            del props["id"], props["password"]
            account = AccountProps(**props, password_env="PW").validate(f"test/{user}")
            assert (account.cluster_id, account.zone) == (CLUSTER, ZONE)
            flags = ["--host", account.host, "--database", account.database, "--priv", account.privilege.value]
            again = run_bridge(["add-user", "--cluster", CLUSTER, "--user", user, *flags] +
                               (["--ssl"] if account.ssl == "YES" else []),
                               bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=PASSWORDS[user]))  # fmt: skip
            assert again.returncode == 0 and f"adopted {user}@" in again.stderr, again.stderr
        assert len(sim.jobs()) == jobs  # no job at all


def test_each_declaration_comments_the_replace_existing_way() -> None:
    with running_sim(job_seconds=0.05, ssl_enabled=True) as sim:
        code = make_accounts(sim)
    for user in MADE:
        assert f"# With replace_existing=True (and a new TF_VAR_pw_{user}) it is re-created with that password" in code
    assert "Not adoptable" not in code
    assert code.count("MysqlPlusAccount(\n") == 3


def stack_app(code: str) -> str:
    """A cdktf app whose stack's __init__ is the pasted code, as a user would paste it."""
    body = textwrap.indent(code, " " * 8)
    return ("from cdktf import App, TerraformStack\n\n\nclass Accounts(TerraformStack):\n"
            "    def __init__(self, scope, id):\n        super().__init__(scope, id)\n"
            f"{body}\n\napp = App()\nAccounts(app, 'e2e')\napp.synth()\n")  # fmt: skip


@pytest.mark.e2e
@pytest.mark.mariadb
def test_pasted_into_a_stack_and_deployed_they_adopt_every_account(tmp_path: Path, mariadb: MariaDB) -> None:
    with e2e_project(tmp_path, mariadb, job_seconds=0.2) as project:
        code = make_accounts(project.sim, ("orders_rw", "admin"))  # e2e clusters have no SSL transport
        (project.dir / "main.py").write_text(stack_app(code))
        project.passwords.update(PASSWORDS)  # TF_VAR_pw_<user>
        before = add_user_counts(project.sim)
        deployed = project.cdktf("deploy")
        assert add_user_counts(project.sim) == before, deployed.stdout[-2000:]
        for user in ("orders_rw", "admin"):
            assert f"adopted {user}@" in deployed.stdout + deployed.stderr
        assert scan(project) == []
