"""Synth-time shape, replacement triggers, validation and secrets (cdktf.Testing)."""

from __future__ import annotations

import json
from typing import Any

import cdktf
import pytest
from cdktf import App, TerraformStack, TerraformVariable

from helpers import CANARY_PASSWORD
from qingcloud_mysqlplus import MysqlPlusAccount, Privilege, ephemeral_password
from qingcloud_mysqlplus.cdk.account import BLOCK_ID, MysqlPlusAccountError


def new_stack() -> TerraformStack:
    return TerraformStack(cdktf.Testing.app(), "test")


def synth(stack: TerraformStack) -> dict[str, Any]:
    return dict(json.loads(cdktf.Testing.synth(stack)))


def block(doc: dict[str, Any]) -> dict[str, Any]:
    return dict(doc["resource"]["terraform_data"][BLOCK_ID])


def account(stack: TerraformStack, id: str = "acc", **props: Any) -> MysqlPlusAccount:
    defaults: dict[str, Any] = {"cluster_id": "cl-ouhutv70", "zone": "sh1a", "user": "orders_rw"}
    if "password" not in props and "password_env" not in props:
        props["password"] = ephemeral_password(stack, f"{id.replace('-', '_')}_pw")
    return MysqlPlusAccount(stack, id, **{**defaults, **props})


def test_accounts_share_one_for_each_block() -> None:
    stack = new_stack()
    account(stack, "orders-rw", host=["10.0.0.5", "192.168.1.0/24"], database="orders")
    account(stack, "admin", user="dba", privilege=Privilege.SUPERUSER)
    doc = synth(stack)
    assert list(doc["resource"]["terraform_data"]) == [BLOCK_ID]
    data = block(doc)
    assert set(data["for_each"]) == {"cl-ouhutv70/orders_rw", "cl-ouhutv70/dba"}
    orders = data["for_each"]["cl-ouhutv70/orders_rw"]
    assert orders["host"] == "10.0.0.5;192.168.1.0/24"
    assert (orders["database"], orders["priv"], orders["ssl"], orders["password_version"]) == (
        "orders",
        "StandardAccount",
        "NO",
        1,
    )
    assert data["input"] == "${each.value}"
    for name in ("cluster_id", "zone", "user", "host", "database", "priv", "ssl", "password_version"):
        assert f"each.value.{name}" in data["triggers_replace"]
    for name in ("endpoint", "timeout", "keep_on_destroy", "construct"):
        assert f"each.value.{name}" not in data["triggers_replace"]  # changed in place, no replacement


def test_destroy_provisioner_reads_only_self() -> None:
    stack = new_stack()
    account(stack)
    provisioners = block(synth(stack))["provisioner"]
    destroy = [p["local-exec"] for p in provisioners if p["local-exec"].get("when") == "destroy"]
    assert len(destroy) == 1
    text = json.dumps(destroy[0]["environment"])
    assert "self.input." in text and "each." not in text and "var." not in text and "local." not in text
    assert destroy[0]["command"] == "del-user"
    create = [p["local-exec"] for p in provisioners if "when" not in p["local-exec"]]
    assert [c["command"] for c in create] == ["add-user", "replay"]
    assert create[0]["on_failure"] == "continue" and "on_failure" not in create[1]
    assert "local." not in json.dumps(create[1])  # the replay step holds no secret, so its output shows


def test_password_never_synthesized_and_variable_is_ephemeral() -> None:
    stack = new_stack()
    account(stack, password=ephemeral_password(stack, "orders_pw"))
    doc = synth(stack)
    variable = doc["variable"]["orders_pw"]
    assert variable["ephemeral"] is True and variable["sensitive"] is True
    assert doc["locals"][f"{BLOCK_ID}_passwords"] == {"cl-ouhutv70/orders_rw": "${var.orders_pw}"}
    assert "password" not in json.dumps(block(doc)["for_each"]).replace("password_version", "").replace(
        "password_env", ""
    )


def test_literal_password_is_refused_without_echo() -> None:
    stack = new_stack()
    with pytest.raises(MysqlPlusAccountError) as info:
        account(stack, password=CANARY_PASSWORD)
    message = str(info.value)
    assert message.startswith("test/acc: password: received a literal string")
    assert "ephemeral_password" in message and "password_env" in message
    assert CANARY_PASSWORD not in message


@pytest.mark.parametrize(
    ("props", "says"),
    [
        ({"user": "root"}, "user: received 'root'"),
        ({"user": "x"}, "2 to 26"),
        ({"host": "10.0.0.1/24"}, "10.0.0.0/24"),
        ({"host": ["%", "10.0.0.1"]}, "alone"),
        ({"database": "a,b"}, "database: received 'a,b'"),
        ({"privilege": Privilege.SUPERUSER, "database": "orders"}, "SuperuserAccount"),
        ({"privilege": "Admin"}, "StandardAccount or SuperuserAccount"),
        ({"cluster_id": "orders"}, "cluster_id: received 'orders'"),
        ({"zone": "SH 1"}, "zone: received"),
        ({"password_version": 0}, "password_version"),
        ({"timeout_seconds": -1}, "timeout_seconds"),
        ({"password_env": "NOT A NAME"}, "password_env"),
        ({"endpoint": "http://x$(touch /tmp/p)/iaas/"}, "endpoint: received 'http://x$(touch"),
        ({"timeout_seconds": float("nan")}, "timeout_seconds"),
        ({"keep_on_destroy": "yes"}, "keep_on_destroy: received 'yes'; expected True or False"),
        ({"host": None}, "host: received None"),
        ({"user": float("nan")}, "user: received a float"),  # once stopped jsii's Node kernel
    ],
)
def test_validation_names_the_construct(props: dict[str, Any], says: str) -> None:
    with pytest.raises(MysqlPlusAccountError) as info:
        account(new_stack(), **props)
    assert str(info.value).startswith("test/acc: ")
    assert says in str(info.value)


def test_same_account_twice_and_two_superusers_are_synth_errors() -> None:
    stack = new_stack()
    account(stack, "first")
    with pytest.raises(
        MysqlPlusAccountError, match="test/second: user orders_rw on cl-ouhutv70 is already declared by test/first"
    ):
        account(stack, "second")
    account(stack, "su1", user="dba1", privilege=Privilege.SUPERUSER)
    with pytest.raises(MysqlPlusAccountError, match="second SuperuserAccount on cl-ouhutv70"):
        account(stack, "su2", user="dba2", privilege=Privilege.SUPERUSER)
    account(stack, "su3", user="dba3", privilege=Privilege.SUPERUSER, cluster_id="cl-other")  # another cluster: fine


def test_tokens_are_left_for_the_bridge() -> None:
    stack = new_stack()
    user = TerraformVariable(stack, "user", type="string")
    hosts = TerraformVariable(stack, "host", type="string")
    acc = account(stack, user=user.string_value, host=hosts.string_value, password_env="APP_PW")
    data = block(synth(stack))
    entry = data["for_each"]["test/acc"]  # the key falls back to the construct path
    assert entry["user"] == "${var.user}" and entry["host"] == "${var.host}"
    assert entry["password_env"] == "APP_PW"
    assert acc.key == "test/acc"


def test_attributes_reference_the_account() -> None:
    stack = new_stack()
    acc = account(stack)
    from cdktf import TerraformOutput

    TerraformOutput(stack, "user", value=acc.user)
    TerraformOutput(stack, "db", value=acc.database)
    doc = synth(stack)
    ref = f'terraform_data.{BLOCK_ID}["cl-ouhutv70/orders_rw"].output'
    assert doc["output"]["user"]["value"] == f"${{{ref}.user}}"
    assert doc["output"]["db"]["value"] == f"${{{ref}.database}}"


def test_stacks_in_one_app_get_their_own_block() -> None:
    app = App()
    one, two = TerraformStack(app, "one"), TerraformStack(app, "two")
    account(one)
    account(two)
    assert BLOCK_ID in synth(one)["resource"]["terraform_data"]
    assert BLOCK_ID in synth(two)["resource"]["terraform_data"]
