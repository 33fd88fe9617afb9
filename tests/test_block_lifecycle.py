"""The blocks' lifecycle (issue 22, item 1): a settings change updates the declared block (A) in place and
replaces the made block (M), whose add then runs in replace mode; an identity change replaces A.

Lookups are off (``QINGCLOUD_MYSQLPLUS_LOOKUPS=0``).  Real Terraform runs are in tests/test_replace_one_run.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import CLUSTER, ZONE
from qingcloud_mysqlplus.bridge.fields import field
from qingcloud_mysqlplus.cdk import lookups
from qingcloud_mysqlplus.cdk.names import ACCOUNTS_ID
from qingcloud_mysqlplus.cdk.steps import IDENTITY, REPLACING, SETTINGS, TRIGGERS
from state_files import instance, local_where, write_state
from synth_stacks import account, blocks, new_stack, steps, synth

pytestmark = pytest.mark.usefixtures("no_lookups")
A = f"terraform_data.{ACCOUNTS_ID}[each.key]"


def test_settings_are_ignored_in_a_s_triggers_and_replace_m() -> None:
    stack = new_stack()
    account(stack)
    declared, made, _ = blocks(synth(stack))
    assert declared["triggers_replace"] == TRIGGERS  # byte for byte as 0.4.0 wrote it: an upgrade plans nothing
    names = [f.name for f in REPLACING]
    assert names[:3] == list(IDENTITY) and {f.name for f in SETTINGS} == set(names[3:])
    assert declared["lifecycle"] == {"ignore_changes": [f"triggers_replace[{i}]" for i in range(3, len(names))]}
    assert made["lifecycle"] == {"replace_triggered_by": [f"{A}.input.{f.input_key}" for f in SETTINGS]}
    assert made["triggers_replace"] == ["${each.value.token}", f"${{{A}.id}}"]


def test_without_the_state_the_add_replaces_when_a_s_settings_moved_since_its_creation() -> None:
    """Lookups off here: M's map says ``auto`` and the step compares A's ignored triggers with its input.
    With the state read, the synth decides (``1`` or ``0``): a never-confirmed account is never replaced."""
    stack = new_stack()
    account(stack)
    account(stack, "kept", user="kept", replace_existing=True)
    _, made, _ = blocks(synth(stack))
    flag = steps(made)[0]["environment"][field("replace_existing").env]
    current = ", ".join(f"{A}.input.{f.input_key}" for f in REPLACING)
    word = "each.value.replace_existing"
    assert flag == (f'${{{word} == "1" || {word} == "auto" && jsonencode({A}.triggers_replace) != '
                    f'jsonencode([{current}]) ? "1" : "0"}}')  # fmt: skip
    values = made["for_each"]
    assert (values["cl-ouhutv70/orders_rw"]["replace_existing"], values["cl-ouhutv70/kept"]["replace_existing"]) == (
        "auto", "1")  # fmt: skip


SETTINGS_1 = ("%", "*", "StandardAccount", "NO", "1")
SETTINGS_2 = ("10.0.0.1", "*", "StandardAccount", "NO", "2")


def test_a_token_records_the_settings_its_add_was_for() -> None:
    token = lookups.new_token(SETTINGS_1)
    assert lookups.made_for(token, SETTINGS_2, SETTINGS_1)  # its digest decides, not A's creation
    assert not lookups.made_for(token, SETTINGS_1, SETTINGS_2)
    assert lookups.new_token(None).count(".") == 0 and lookups.made_for("0123abcd", None, SETTINGS_2)
    assert lookups.made_for("0123abcd", SETTINGS_1, SETTINGS_1)  # 0.4.0's token: made when A was created
    assert not lookups.made_for("0123abcd", SETTINGS_1, SETTINGS_2)
    assert lookups.made_for(token, None, None)  # a token among the settings: replace_triggered_by only
    assert lookups.SETTINGS_AT == len(IDENTITY)


def test_a_confirmed_account_whose_settings_changed_since_its_add_is_made_again(tmp_path: Path) -> None:
    """The state after a deploy stopped between A's in-place update and M's replacement: A already holds
    the declaration, M and D the add of the previous settings.  The account gets a fresh token, and its add
    replaces what is there."""
    where = local_where(tmp_path)
    token = lookups.new_token(SETTINGS_1)
    made = [instance("c/a1", {"id": "id-a", "input": token})]
    confirmed = [instance("c/a1", {"id": "x", "input": {"token": token, "made": "id-a"}})]
    write_state(where, made, confirmed)
    lines: list[str] = []
    want = [lookups.Wanted("c/a1", ZONE, CLUSTER, "a1", None, settings=SETTINGS_2)]
    got = lookups.tokens(where, want, {"HOME": str(tmp_path)}, lines.append)
    assert got["c/a1"] != token and got.restore == {"c/a1"} and got.decided
    assert "1 of 1 account confirmed" not in lines[-1] and "re-making with the declared settings: a1" in lines[-1]
    steady = lookups.tokens(where, [lookups.Wanted("c/a1", ZONE, CLUSTER, "a1", None, settings=SETTINGS_1)],
                            {"HOME": str(tmp_path)}, lines.append)  # fmt: skip
    assert steady == {"c/a1": token} and not steady.restore


def test_an_unfinished_add_replaces_only_where_an_add_of_the_stack_once_finished(tmp_path: Path) -> None:
    """A deploy killed mid-replacement leaves M unconfirmed and D from the previous add: the account there
    is the stack's, so its add replaces it.  A key never confirmed (a first add that failed on a foreign
    account) keeps a plain add, which fails loudly again."""
    where = local_where(tmp_path)
    made = [instance("c/ours", {"id": "id-new", "input": "tok-new"}), instance("c/never", {"id": "id-n", "input": "t"})]
    confirmed = [instance("c/ours", {"id": "x", "input": {"token": "tok-old", "made": "id-old"}})]
    write_state(where, made, confirmed)
    want = [lookups.Wanted(k, ZONE, CLUSTER, k[2:], None, settings=SETTINGS_2) for k in ("c/ours", "c/never")]
    got = lookups.tokens(where, want, {"HOME": str(tmp_path)}, lambda _line: None)
    assert got.restore == {"c/ours"} and got.decided
