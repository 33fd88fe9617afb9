"""Alternating users at synth (cdk/pairs.py, cdk/block.py): which member is active, what each member's
blocks hold, and the refusals.  Real end-to-end runs are in tests/test_alternating_e2e.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cdktf import TerraformOutput

from qingcloud_mysqlplus import MysqlPlusAccountError, Privilege, Rotation
from qingcloud_mysqlplus.cdk import lookups
from qingcloud_mysqlplus.cdk.names import ACCOUNTS_ID, CONFIRMED_ID
from qingcloud_mysqlplus.cdk.pairs import GENERATION, PAIR, members
from qingcloud_mysqlplus.cdk.props import AccountProps
from qingcloud_mysqlplus.cdk.steps import declared_input
from qingcloud_mysqlplus.rules import pair_of, primary_of
from synth_stacks import account, blocks, new_stack, synth

P, S = "cl-ouhutv70/app_rw", "cl-ouhutv70/app_rw_alt"
ALT = Rotation.ALTERNATING_USERS


@pytest.fixture(autouse=True)
def lookups_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Lookups on, in an empty directory (cdktf's default local state path) and HOME: no cluster is read."""
    monkeypatch.delenv(lookups.LOOKUPS_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)


def declared(**props: Any) -> Any:
    given = {"cluster_id": "cl-ouhutv70", "zone": "sh1a", "user": "app_rw", "password_env": "PW", "rotation": ALT}
    return AccountProps(**given | props).validate("s/app")


def stored(user: str, generation: int | None, **settings: Any) -> dict[str, Any]:
    value = dict(declared_input(declared(**settings)), user=user)
    return value | ({PAIR: "app_rw", GENERATION: generation} if generation is not None else {})


def test_the_pair_is_user_and_user_alt_within_26_characters() -> None:
    assert pair_of("app_rw") == ("app_rw", "app_rw_alt") and primary_of("app_rw_alt") == "app_rw"
    assert pair_of("u" * 22)[1] == "u" * 22 + "_alt"
    with pytest.raises(
        MysqlPlusAccountError, match=r"^s/app: user: received 'u{23}'; expected at most 22 .*'u{23}_alt'"
    ):
        declared(user="u" * 23)


def test_first_deploy_makes_the_first_account_only() -> None:
    made, active = members(declared(), {})
    assert active == P and [m.made.key for m in made] == [P]
    assert made[0].input[GENERATION] == 1 and made[0].input[PAIR] == "app_rw"


def test_a_rotation_makes_the_other_member_active_and_keeps_the_previous_as_stored() -> None:
    before = {P: stored("app_rw", 1)}
    made, active = members(declared(password_version=2), before)
    assert active == S
    first, second = made
    assert dict(first.input) == before[P] and not first.current  # written back as stored: no change, no job
    assert second.made["user"] == "app_rw_alt" and second.input["password_version"] == 2
    assert second.input[GENERATION] == 2 and second.current

    before[S] = dict(second.input)
    assert members(declared(password_version=2), before)[1] == S  # steady
    made, active = members(declared(password_version=3, host="10.0.0.1"), before)
    assert active == P and dict(made[1].input) == before[S]
    assert made[0].input["host"] == "10.0.0.1" and made[0].input[GENERATION] == 3


def test_an_existing_single_account_is_the_pair_s_first_as_it_is() -> None:
    before = {P: declared_input(declared(rotation=Rotation.SINGLE_USER))}  # no pair fields: generation 0
    made, active = members(declared(), before)
    assert active == P and [dict(m.input) for m in made] == [before[P]]
    made, active = members(declared(password_version=2), before)
    assert active == S and dict(made[0].input) == before[P] and made[1].input[GENERATION] == 1


@pytest.mark.parametrize(("props", "words"), [
    ({"privilege": Privilege.SUPERUSER}, "rotation: ALTERNATING_USERS with privilege SUPERUSER"),
    ({"rotation": "Sometimes"}, "rotation: received 'Sometimes'; expected Rotation.SINGLE_USER or"),
])  # fmt: skip
def test_refused_at_synth_with_one_line(props: dict[str, Any], words: str) -> None:
    with pytest.raises(MysqlPlusAccountError) as info:
        declared(**props)
    assert str(info.value).startswith(f"s/app: {words}") and "\n" not in str(info.value)


def test_refused_when_lookups_are_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(lookups.LOOKUPS_ENV, "0")
    with pytest.raises(MysqlPlusAccountError, match=f"{lookups.LOOKUPS_ENV}=0 turns that read off"):
        declared()


def test_a_pair_s_second_name_is_declared_too() -> None:
    stack = new_stack()
    account(stack, "a", user="app_rw", rotation=ALT)
    with pytest.raises(MysqlPlusAccountError, match="user app_rw_alt on cl-ouhutv70 is already declared by test/a"):
        account(stack, "b", user="app_rw_alt")


def write_state(path: Path, inputs: dict[str, dict[str, Any]]) -> None:
    instances = [{"index_key": k, "attributes": {"input": {"value": v, "type": "dynamic"}}} for k, v in inputs.items()]
    resource = {"mode": "managed", "type": "terraform_data", "name": ACCOUNTS_ID, "instances": instances}
    path.write_text(json.dumps({"version": 4, "resources": [resource]}))


def test_active_user_refers_to_the_active_member_s_confirmed_account(tmp_path: Path) -> None:
    write_state(tmp_path / "terraform.test.tfstate", {P: stored("app_rw", 1)})
    stack = new_stack()
    TerraformOutput(stack, "active", value=account(stack, user="app_rw", rotation=ALT, password_version=2).active_user)
    doc = synth(stack)
    declared_block, made, _ = blocks(doc)
    assert set(declared_block["for_each"]) == set(made["for_each"]) == {P, S}
    assert doc["output"]["active"]["value"] == f'${{terraform_data.{CONFIRMED_ID}["{S}"].output.user}}'
    assert "precondition" not in made["lifecycle"]


def test_a_state_file_left_empty_by_a_killed_run_fails_the_plan_for_the_pair_and_names_the_backup(
    tmp_path: Path,
) -> None:
    """An empty file is what a run killed while Terraform rewrote the state leaves; read as no state, a pair
    mid-rotation would add its first member with the new password over the one its users still log in with."""
    (tmp_path / "terraform.test.tfstate").write_text("")
    stack = new_stack()
    account(stack, user="app_rw", rotation=ALT, password_version=2)
    account(stack, "other", user="other")
    _, made, _ = blocks(synth(stack))
    [refusal] = made["lifecycle"]["precondition"]
    assert refusal["condition"] == f'${{!contains(["{P}"], each.key)}}'
    assert "terraform.test.tfstate is empty" in refusal["error_message"]
    assert "terraform.test.tfstate.backup" in refusal["error_message"]


def test_no_state_file_is_a_new_stack_whose_pair_starts_with_its_first_member(tmp_path: Path) -> None:
    stack = new_stack()
    account(stack, user="app_rw", rotation=ALT)
    _, made, _ = blocks(synth(stack))
    assert set(made["for_each"]) == {P} and "precondition" not in made["lifecycle"]


def test_an_unreadable_state_fails_the_plan_for_the_pair_only(tmp_path: Path) -> None:
    (tmp_path / "terraform.test.tfstate").write_text("{half a state")
    stack = new_stack()
    account(stack, user="app_rw", rotation=ALT)
    account(stack, "other", user="other")
    _, made, _ = blocks(synth(stack))
    [refusal] = made["lifecycle"]["precondition"]
    assert refusal["condition"] == f'${{!contains(["{P}"], each.key)}}'
    assert refusal["error_message"].startswith("rotation=ALTERNATING_USERS (test/acc) chooses the active account")
    assert "could not be read (" in refusal["error_message"] and "\n" not in refusal["error_message"]
