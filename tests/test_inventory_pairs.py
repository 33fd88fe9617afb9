"""``accounts --python`` declares a recognised pair of alternating users (``x`` and ``x_alt``) as one
alternating account, which the construct takes (issue 22)."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import CLUSTER, assert_no_secret, bridge_env, run_bridge, running_sim
from qingcloud_mysqlplus import Privilege, Rotation
from qingcloud_mysqlplus.cdk import lookups
from qingcloud_mysqlplus.cdk.props import AccountProps

PASSWORD = "Canary@Pw-pairs-1"
MADE = {"app_rw": ["--database", "app"], "app_rw_alt": ["--database", "app"], "solo": [],
        "dba": ["--priv", "SuperuserAccount"], "dba_alt": []}  # fmt: skip


def declared(code: str) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    names = {"MysqlPlusAccount": lambda _scope, id, **props: made.append({"id": id, **props}),
             "ephemeral_password": lambda _scope, id: f"<{id}>", "Privilege": Privilege, "Rotation": Rotation,
             "self": object()}  # fmt: skip
    exec(compile(code.replace("from qingcloud_mysqlplus import", "# "), "<pasted>", "exec"), names)  # noqa: S102
    return made


def test_a_pair_is_one_alternating_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lookups.LOOKUPS_ENV, raising=False)
    with running_sim(job_seconds=0.05) as sim:
        for user, flags in MADE.items():
            made = run_bridge(["add-user", "--cluster", CLUSTER, "--user", user, *flags],
                              bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=PASSWORD))  # fmt: skip
            assert made.returncode == 0, made.stderr
        listed = run_bridge(["accounts", "--cluster", CLUSTER, "--python"], bridge_env(sim))
    assert listed.returncode == 0, listed.stderr
    assert_no_secret(listed.stdout)
    code = listed.stdout
    assert "import MysqlPlusAccount, Privilege, Rotation, ephemeral_password" in code
    found = {p["id"]: p for p in declared(code)}
    assert sorted(found) == ["app_rw", "dba", "dba_alt", "solo"]  # a superuser is never one of a pair
    assert found["app_rw"]["rotation"] is Rotation.ALTERNATING_USERS and "rotation" not in found["solo"]
    assert "# app_rw_alt: made by add_user job" in code and "the pair's second account" in code
    props = {k: v for k, v in found["app_rw"].items() if k not in ("id", "password")}
    assert AccountProps(**props, password_env="PW").validate("s/app_rw")["rotation"] is Rotation.ALTERNATING_USERS
