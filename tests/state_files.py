"""Terraform state as the synth-time lookups read it: instances of the made and confirmed blocks, a
stack's local state file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qingcloud_mysqlplus.cdk import state as tfstate
from qingcloud_mysqlplus.cdk.names import CONFIRMED_ID, MADE_ID


def instance(key: str, attributes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    wrapped = {name: {"value": value, "type": "dynamic"} if name == "input" else value
               for name, value in attributes.items()}  # fmt: skip
    return {"index_key": key, "schema_version": 0, "attributes": wrapped, **extra}


def state(made: list[dict[str, Any]], confirmed: list[dict[str, Any]]) -> dict[str, Any]:
    def resource(name: str, instances: list[dict[str, Any]]) -> dict[str, Any]:
        return {"mode": "managed", "type": "terraform_data", "name": name, "instances": instances}

    return {"version": 4, "resources": [resource(MADE_ID, made), resource(CONFIRMED_ID, confirmed)]}


def local_where(tmp_path: Path, stack_id: str = "s") -> tfstate.StackWhere:
    path = tmp_path / f"terraform.{stack_id}.tfstate"
    return tfstate.StackWhere(stack_id, {"backend": {"local": {"path": str(path)}}}, tmp_path / "stacks" / stack_id)


def state_path(where: tfstate.StackWhere) -> Path:
    """The local state file ``local_where`` names."""
    assert where.terraform is not None
    return Path(where.terraform["backend"]["local"]["path"])


def write_state(where: tfstate.StackWhere, made: list[dict[str, Any]], confirmed: list[dict[str, Any]]) -> None:
    state_path(where).write_text(json.dumps(state(made, confirmed)))
