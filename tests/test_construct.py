"""The construct's props (cdk/account.py): secrets never synthesized, one-line validation errors that
name the construct, accounts declared twice, and tokens left for the bridge to check.

Lookups are off (``QINGCLOUD_MYSQLPLUS_LOOKUPS=0``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cdktf import TerraformVariable

from helpers import CANARY_PASSWORD
from qingcloud_mysqlplus import Privilege, ephemeral_password
from qingcloud_mysqlplus.cdk.account import MysqlPlusAccountError
from qingcloud_mysqlplus.cdk.names import PASSWORDS_ID
from synth_stacks import account, blocks, new_stack, synth

pytestmark = pytest.mark.usefixtures("no_lookups")


def test_password_never_synthesized_and_variable_is_ephemeral() -> None:
    stack = new_stack()
    account(stack, password=ephemeral_password(stack, "orders_pw"))
    doc = synth(stack)
    variable = doc["variable"]["orders_pw"]
    assert variable["ephemeral"] is True and variable["sensitive"] is True
    assert doc["locals"][PASSWORDS_ID] == {"cl-ouhutv70/orders_rw": "${var.orders_pw}"}
    for block in blocks(doc):
        assert "var.orders_pw" not in json.dumps(block)


def test_password_env_only_stack_still_declares_the_passwords_local() -> None:
    stack = new_stack()
    account(stack, password_env="APP_PW")
    doc = synth(stack)
    assert doc["locals"][PASSWORDS_ID] == {}  # the add step's lookup() needs it to exist


def test_literal_password_is_refused_without_echo() -> None:
    stack = new_stack()
    with pytest.raises(MysqlPlusAccountError) as info:
        account(stack, password=CANARY_PASSWORD)
    message = str(info.value)
    assert message.startswith("test/acc: password: received a literal string")
    assert "ephemeral_password" in message and "password_env" in message
    assert CANARY_PASSWORD not in message and len(message.splitlines()) == 1


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
        ({"zone": "SH1A"}, "expected a lower-case zone"),
        ({"password_version": 0}, "password_version"),
        ({"timeout_seconds": -1}, "timeout_seconds"),
        ({"password_env": "NOT A NAME"}, "password_env"),
        ({"password_env": "P" * 129}, "password_env: received a string that is not a variable name (not shown"),
        ({"password_env": CANARY_PASSWORD}, "expected the name of an environment variable"),
        ({"bridge_command": "python3 -m qingcloud_mysqlplus"}, "bridge_command: received 'python3 -m"),
        ({"endpoint": "http://x$(touch /tmp/p)/iaas/"}, "endpoint: received 'http://x$(touch"),
        ({"timeout_seconds": float("nan")}, "timeout_seconds"),
        ({"keep_on_destroy": "yes"}, "keep_on_destroy: received 'yes'; expected True or False"),
        ({"restart_proxies": 1}, "restart_proxies: received 1; expected True or False"),
        ({"host": None}, "host: received None"),
        ({"user": float("nan")}, "user: received a float"),  # once stopped jsii's Node kernel
    ],
)
def test_validation_names_the_construct(props: dict[str, Any], says: str) -> None:
    with pytest.raises(MysqlPlusAccountError) as info:
        account(new_stack(), **props)
    assert str(info.value).startswith("test/acc: ")
    assert says in str(info.value) and len(str(info.value).splitlines()) == 1
    assert CANARY_PASSWORD not in str(info.value)


def test_same_account_twice_and_two_superusers_are_synth_errors() -> None:
    stack = new_stack()
    account(stack, "first")
    with pytest.raises(
        MysqlPlusAccountError, match="test/second: user orders_rw on cl-ouhutv70 is already declared by test/first"
    ):
        account(stack, "second")
    account(stack, "su1", user="dba1", privilege=Privilege.SUPERUSER)
    with pytest.raises(MysqlPlusAccountError, match="second SuperuserAccount on cl-ouhutv70 \\(test/su1 is one\\)"):
        account(stack, "su2", user="dba2", privilege=Privilege.SUPERUSER)
    account(stack, "su3", user="dba3", privilege=Privilege.SUPERUSER, cluster_id="cl-other")  # another cluster: fine


def test_tokens_are_left_for_the_bridge() -> None:
    stack = new_stack()
    user = TerraformVariable(stack, "user", type="string")
    hosts = TerraformVariable(stack, "host", type="string")
    subnet = TerraformVariable(stack, "subnet", type="string")
    acc = account(stack, user=user.string_value, host=hosts.string_value, password_env="APP_PW")
    account(stack, "two", user="two_rw", host=["10.0.0.5", subnet.string_value])
    declared, made, _ = blocks(synth(stack))
    entry = declared["for_each"]["test/acc"]  # the key falls back to the construct path
    assert entry["user"] == "${var.user}" and entry["host"] == "${var.host}"
    assert made["for_each"]["test/acc"]["password_env"] == "APP_PW"
    assert declared["for_each"]["cl-ouhutv70/two_rw"]["host"] == "10.0.0.5;${var.subnet}"
    assert acc.key == "test/acc"
