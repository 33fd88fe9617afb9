"""The three for_each blocks every stack's accounts share (cdk/block.py): their keys, inputs,
replacement triggers and provisioners, and what they never hold.

Lookups are off (``QINGCLOUD_MYSQLPLUS_LOOKUPS=0``): a new account's token is ``unchecked``.
"""

from __future__ import annotations

import json
import re

import cdktf
import pytest
from cdktf import App, TerraformOutput, TerraformStack, TerraformVariable
from constructs import Construct

from qingcloud_mysqlplus import Privilege
from qingcloud_mysqlplus.bridge import contract
from qingcloud_mysqlplus.cdk import lookups
from qingcloud_mysqlplus.cdk.block import ADD_ENV, construct_path
from qingcloud_mysqlplus.cdk.names import ACCOUNTS_ID, CONFIRMED_ID, MADE_ID, PASSWORDS_ID
from qingcloud_mysqlplus.cdk.props import REPLACES
from qingcloud_mysqlplus.cdk.steps import DEFER_KEY
from synth_stacks import account, blocks, new_stack, steps, synth

pytestmark = pytest.mark.usefixtures("no_lookups")


def test_accounts_share_three_for_each_blocks() -> None:
    stack = new_stack()
    account(stack, "orders-rw", host=["10.0.0.5", "192.168.1.0/24"], database="orders")
    account(stack, "admin", user="dba", privilege=Privilege.SUPERUSER)
    doc = synth(stack)
    assert set(doc["resource"]["terraform_data"]) == {ACCOUNTS_ID, MADE_ID, CONFIRMED_ID}
    declared, made, confirmed = blocks(doc)
    keys = {"cl-ouhutv70/orders_rw", "cl-ouhutv70/dba"}
    assert set(declared["for_each"]) == set(made["for_each"]) == keys
    assert confirmed["for_each"] == f"${{terraform_data.{MADE_ID}}}"  # the same keys, by construction
    orders = declared["for_each"]["cl-ouhutv70/orders_rw"]
    assert (orders["host"], orders["database"], orders["privilege"], orders["ssl"], orders["password_version"]) == (
        "10.0.0.5;192.168.1.0/24", "orders", "StandardAccount", "NO", 1)  # fmt: skip
    assert declared["input"] == "${each.value}"
    assert declared["triggers_replace"] == [f"${{each.value.{name}}}" for name in REPLACES]
    for name in ("endpoint", "timeout", "keep_on_destroy", "construct"):
        assert name in orders and f"each.value.{name}" not in json.dumps(declared["triggers_replace"])


def test_declared_block_has_only_the_destroy_step_and_it_reads_only_self() -> None:
    stack = new_stack()
    account(stack, keep_on_destroy=True)
    declared, _, _ = blocks(synth(stack))
    [destroy] = steps(declared)  # no create step: A's create is instant, so a kill cannot cut it
    assert destroy["when"] == "destroy" and destroy["command"] == "del-user"
    text = json.dumps(destroy["environment"])
    assert re.findall(r"\$\{([a-z_]+)\.", text) and set(re.findall(r"\$\{([a-z_]+)\.", text)) == {"self"}
    assert destroy["environment"][contract.KEEP] == '${self.input.keep_on_destroy ? "1" : "0"}'
    assert declared["for_each"]["cl-ouhutv70/orders_rw"]["keep_on_destroy"] is True


def test_made_block_adds_then_replays_and_is_replaced_with_its_token_or_the_account() -> None:
    stack = new_stack()
    account(stack, restart_proxies=True, replace_existing=True, ssl=True)
    _, made, _ = blocks(synth(stack))
    assert made["input"] == "${each.value.token}"
    assert made["triggers_replace"] == ["${each.value.token}", f"${{terraform_data.{ACCOUNTS_ID}[each.key].id}}"]
    visible, hidden, replay = steps(made)
    assert [s["command"] for s in (visible, hidden, replay)] == ["add-user", "add-user", "replay"]
    assert visible["on_failure"] == hidden["on_failure"] == "continue" and "on_failure" not in replay
    assert not any("when" in s for s in (visible, hidden, replay))
    status = contract.status_file("${self.id}")
    assert visible["environment"][contract.STATUS_FILE] == hidden["environment"][contract.STATUS_FILE] == status
    assert replay["environment"] == {contract.STATUS_FILE: status}
    # only the hidden step, which adds only when the visible one deferred to it, holds the ephemeral value
    assert "local." not in json.dumps(visible) and contract.PASSWORD not in visible["environment"]
    assert hidden["environment"][contract.PASSWORD] == f'${{lookup(local.{PASSWORDS_ID}, each.key, "")}}'
    assert hidden["environment"][contract.IF_DEFERRED] == "1"
    assert hidden["environment"][contract.PASSWORD_ENV] == visible["environment"][contract.PASSWORD_ENV]
    assert visible["environment"][contract.DEFER] == f"${{each.value.{DEFER_KEY}}}"
    value = made["for_each"]["cl-ouhutv70/orders_rw"]
    for env, field in ADD_ENV.items():  # replace_existing: or A's settings changed (tests/test_block_lifecycle.py)
        start = f"${{each.value.{field}" + ("}" if field != "replace_existing" else ' == "1" || ')
        assert visible["environment"][env].startswith(start) and field in value
    assert set(value) == {*ADD_ENV.values(), DEFER_KEY, "token"}
    words = (value[f] for f in ("restart_proxies", "replace_existing", "ssl"))
    assert list(words) == [contract.flag_word(True)] * 3
    assert value["token"] == lookups.UNCHECKED  # lookups are off here


def test_the_visible_add_step_names_the_password_variable_and_defers_only_for_a_token() -> None:
    stack = new_stack()
    account(stack)
    account(stack, "env", user="env_rw", password=None, password_env="ENV_RW_PW")
    account(stack, "other", user="other_rw", password=TerraformVariable(stack, "plain", type="string").string_value)
    _, made, _ = blocks(synth(stack))
    by_user = {key.split("/")[1]: value for key, value in made["for_each"].items()}
    assert (by_user["orders_rw"]["password_env"], by_user["orders_rw"][DEFER_KEY]) == ("TF_VAR_acc_pw", "1")
    assert (by_user["env_rw"]["password_env"], by_user["env_rw"][DEFER_KEY]) == ("ENV_RW_PW", "0")
    assert (by_user["other_rw"]["password_env"], by_user["other_rw"][DEFER_KEY]) == ("", "1")  # unknown: defers


def test_confirmed_block_holds_the_made_token_and_id_and_the_attributes() -> None:
    stack = new_stack()
    acc = account(stack)
    TerraformOutput(stack, "user", value=acc.user)
    TerraformOutput(stack, "db", value=acc.database)
    doc = synth(stack)
    _, _, confirmed = blocks(doc)
    assert "provisioner" not in confirmed
    assert confirmed["input"]["token"] == "${each.value.output}" and confirmed["input"]["made"] == "${each.value.id}"
    for name in ("user", "host", "database", "cluster_id"):
        assert confirmed["input"][name] == f"${{terraform_data.{ACCOUNTS_ID}[each.key].output.{name}}}"
    ref = f'terraform_data.{CONFIRMED_ID}["cl-ouhutv70/orders_rw"].output'
    assert doc["output"]["user"]["value"] == f"${{{ref}.user}}"
    assert doc["output"]["db"]["value"] == f"${{{ref}.database}}"


def test_no_runner_local_recovery_is_left() -> None:
    stack = new_stack()
    account(stack)
    text = cdktf.Testing.synth(stack)
    for gone in ("generation", "JOURNAL", "journal", "pending"):
        assert gone not in text


def test_two_synths_are_identical() -> None:
    stack = new_stack()
    for n in range(5):
        account(stack, f"a{n}", user=f"user_{n}")
    assert cdktf.Testing.synth(stack) == cdktf.Testing.synth(stack)


def test_stacks_in_one_app_get_their_own_blocks() -> None:
    app = App()
    one, two = TerraformStack(app, "one"), TerraformStack(app, "two")
    account(one)
    account(two)
    nested = Construct(two, "team")
    account(nested, "acc2", user="team_rw")
    assert ACCOUNTS_ID in synth(one)["resource"]["terraform_data"]
    assert set(blocks(synth(two))[0]["for_each"]) == {"cl-ouhutv70/orders_rw", "cl-ouhutv70/team_rw"}


@pytest.mark.parametrize("id", ["plain", "with space", "dots.and-dashes", "a/b", "ünïcode", "tab\there"])
def test_construct_path_matches_the_node_path(id: str) -> None:
    stack = new_stack()
    parent = Construct(stack, "group")
    for scope in (stack, parent):
        made = Construct(scope, id)
        assert construct_path(made, scope, id) == made.node.path
