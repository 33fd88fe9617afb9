"""Stacks for the synth tests: a test app's stack, its Terraform JSON, the three blocks, an account."""

from __future__ import annotations

import json
from typing import Any

import cdktf
from cdktf import TerraformStack
from constructs import Construct

from qingcloud_mysqlplus import MysqlPlusAccount, ephemeral_password
from qingcloud_mysqlplus.cdk.names import ACCOUNTS_ID, CONFIRMED_ID, MADE_ID


def new_stack(id: str = "test") -> TerraformStack:
    return TerraformStack(cdktf.Testing.app(), id)


def synth(stack: TerraformStack) -> dict[str, Any]:
    return dict(json.loads(cdktf.Testing.synth(stack)))


def blocks(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    data = doc["resource"]["terraform_data"]
    return data[ACCOUNTS_ID], data[MADE_ID], data[CONFIRMED_ID]


def account(stack: Construct, id: str = "acc", **props: Any) -> MysqlPlusAccount:
    defaults: dict[str, Any] = {"cluster_id": "cl-ouhutv70", "zone": "sh1a", "user": "orders_rw"}
    if "password" not in props and "password_env" not in props:
        props["password"] = ephemeral_password(stack, f"{id.replace('-', '_')}_pw")
    return MysqlPlusAccount(stack, id, **{**defaults, **props})


def steps(block: dict[str, Any]) -> list[dict[str, Any]]:
    return [p["local-exec"] for p in block["provisioner"]]
