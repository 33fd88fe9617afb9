"""The blocks' lifecycle (issue 22, item 1): a settings change updates the declared block (A) in place and
replaces the made block (M), whose add then runs in replace mode; an identity change replaces A.

Lookups are off (``QINGCLOUD_MYSQLPLUS_LOOKUPS=0``).  Real Terraform runs are in tests/test_replace_one_run.py.
"""

from __future__ import annotations

import pytest

from qingcloud_mysqlplus.bridge.fields import field
from qingcloud_mysqlplus.cdk.names import ACCOUNTS_ID
from qingcloud_mysqlplus.cdk.steps import IDENTITY, REPLACING, SETTINGS, TRIGGERS
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


def test_the_add_replaces_when_a_s_settings_moved_since_its_creation() -> None:
    stack = new_stack()
    account(stack)
    _, made, _ = blocks(synth(stack))
    flag = steps(made)[0]["environment"][field("replace_existing").env]
    current = ", ".join(f"{A}.input.{f.input_key}" for f in REPLACING)
    assert flag == (f'${{each.value.replace_existing == "1" || jsonencode({A}.triggers_replace) != '
                    f'jsonencode([{current}]) ? "1" : "0"}}')  # fmt: skip
