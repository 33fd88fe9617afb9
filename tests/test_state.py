"""Reading a stack's state at synth (cdk/state.py): which accounts the state confirms, and a state
kept in another backend pulled with Terraform."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from qingcloud_mysqlplus.cdk import state as tfstate
from state_files import instance, state

pytestmark = pytest.mark.usefixtures("no_lookups")


def test_an_account_is_confirmed_only_when_the_confirmed_block_holds_the_made_token_and_id() -> None:
    made = [instance(k, {"id": f"id-{k}", "input": f"tok-{k}"}) for k in "abcdef"]
    made[2]["status"] = "tainted"
    made.append(instance("d", {"id": "old", "input": "tok-d"}, deposed="00aa"))  # a deposed object is not current
    seen = [
        instance("a", {"id": "x", "input": {"token": "tok-a", "made": "id-a"}}),
        instance("b", {"id": "x", "input": {"token": "tok-b", "made": "id-OLD"}}),  # M replaced, same token, D not yet
        instance("c", {"id": "x", "input": {"token": "tok-c", "made": "id-c"}}),  # M tainted
        instance("d", {"id": "x", "input": {"token": "tok-OLD", "made": "id-d"}}),
        # e: M written, killed before D
        instance("f", {"id": "x", "input": {"token": "tok-f", "made": "id-f"}}, status="tainted"),
    ]
    assert tfstate.confirmed(state(made, seen)) == {"a": "tok-a"}


def test_state_of_another_backend_is_pulled_with_terraform(tmp_path: Path) -> None:
    """Any backend but the default local file goes through ``terraform init`` and ``state pull``."""
    stored = tmp_path / "elsewhere.tfstate"
    stored.write_text(json.dumps({"version": 4, "terraform_version": "1.15.5", "serial": 3, "lineage": "l-1",
                                  "outputs": {}, "resources": []}))  # fmt: skip
    terraform = {"backend": {"local": {"path": str(stored)}}}
    pulled = tfstate._pull(terraform, {**os.environ, "TF_DATA_DIR": str(tmp_path / "not-here")})
    assert isinstance(pulled, dict) and pulled["lineage"] == "l-1"
    assert not (tmp_path / "not-here").exists()
    broken = tfstate._pull({"backend": {"pg": {"conn_str": "postgres://nobody@127.0.0.1:1/x"}}}, dict(os.environ))
    assert isinstance(broken, str) and broken.startswith("terraform init exited") and "nobody" not in broken
