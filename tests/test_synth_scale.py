"""Synth is linear: each account costs a fixed number of jsii round trips, whatever the stack holds.

Counts, never times: every request the Python side sends to the jsii Node
kernel (calls, property reads, creations, callback answers) is counted by
wrapping the kernel process's ``send``.  Adding N accounts must cost N times
the calls of one, and writing the Terraform JSON must cost the same for 10
accounts as for 1,000 (the maps are produced once per stack, in Python).
An ``ephemeral_password`` costs exactly one call more (its token); its
variable is written with the others, once per stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import cdktf
import pytest
from cdktf import TerraformStack, TerraformVariable
from jsii._kernel.providers import process

from qingcloud_mysqlplus import MysqlPlusAccount, ephemeral_password
from qingcloud_mysqlplus.cdk import lookups
from qingcloud_mysqlplus.cdk.framework import known_token
from qingcloud_mysqlplus.cdk.names import ACCOUNTS_ID, MADE_ID

MOST_PER_ACCOUNT = 2  # its own creation, and a little slack; the old construct took about 40 and O(N) more
PER_ACCOUNT_WITH_PASSWORD = 2  # its own creation and its password's token (Fn.lookup_nested); a TerraformVariable
# per password made it 4 (its creation, its ephemeral override, its string_value)


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def take(self) -> int:
        taken, self.calls = self.calls, 0
        return taken


@pytest.fixture
def kernel_calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Counter]:
    monkeypatch.chdir(tmp_path)  # lookups on: no state here, no credentials in HOME
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(lookups.LOOKUPS_ENV, raising=False)
    counter = Counter()
    send = process._NodeProcess.send

    def counted(self: object, *args: object, **kwargs: object) -> object:
        counter.calls += 1
        return send(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(process._NodeProcess, "send", counted)
    yield counter


def add_accounts(stack: TerraformStack, first: int, last: int, passwords: bool) -> None:
    for n in range(first, last):
        props = {"password": ephemeral_password(stack, f"pw_{n}")} if passwords else {"password_env": "PW"}
        MysqlPlusAccount(stack, f"acc-{n}", cluster_id="cl-scale01", zone="sh1a", user=f"user_{n}", **props)


def construct_and_synth(
    counter: Counter, count: int, passwords: bool = False
) -> tuple[int, int, int, dict[str, object]]:
    """Calls for the first account, for the other ``count - 1``, and for the synth; and the JSON."""
    stack = TerraformStack(cdktf.Testing.app(), f"scale{count}")
    counter.take()
    add_accounts(stack, 0, 1, passwords)
    first = counter.take()
    add_accounts(stack, 1, count, passwords)
    rest = counter.take()
    doc = json.loads(cdktf.Testing.synth(stack))
    return first, rest, counter.take(), doc


def test_each_account_costs_the_same_few_calls_and_synth_costs_the_same_for_any_count(kernel_calls: Counter) -> None:
    runs = {count: construct_and_synth(kernel_calls, count) for count in (10, 100, 1000)}
    first, rest10, synth10, _ = runs[10]
    per_account = rest10 // 9
    assert rest10 == 9 * per_account and 1 <= per_account <= MOST_PER_ACCOUNT
    for count, (first_n, rest, synth, doc) in runs.items():
        assert first_n == first  # the stack's blocks are made once, with the first account
        assert rest == (count - 1) * per_account, count
        assert synth == synth10, count  # the maps are produced once per stack, whatever their size
        assert len(doc["resource"]["terraform_data"][ACCOUNTS_ID]["for_each"]) == count  # type: ignore[index]
        assert len(doc["resource"]["terraform_data"][MADE_ID]["for_each"]) == count  # type: ignore[index]
    assert runs[100][1] - runs[10][1] == 90 * per_account


def test_with_ephemeral_passwords_each_account_costs_two_calls(kernel_calls: Counter) -> None:
    _, rest10, synth10, _ = construct_and_synth(kernel_calls, 10, passwords=True)
    _, rest100, synth100, doc = construct_and_synth(kernel_calls, 100, passwords=True)
    assert (rest10, rest100) == (9 * PER_ACCOUNT_WITH_PASSWORD, 99 * PER_ACCOUNT_WITH_PASSWORD)
    assert synth100 == synth10  # the variables are written once per stack, like the blocks
    assert len(doc["locals"]["qingcloud_mysqlplus_accounts_passwords"]) == 100  # type: ignore[index]
    assert len(doc["variable"]) == 100  # type: ignore[arg-type]


def variable_per_password(stack: TerraformStack, id: str) -> str:
    """What ephemeral_password did before: a TerraformVariable, its override, its value (remembered as a token)."""
    variable = TerraformVariable(stack, id, type="string", sensitive=True, nullable=False)
    variable.add_override("ephemeral", True)
    return known_token(variable.string_value)


def test_the_count_would_see_a_variable_per_password(kernel_calls: Counter) -> None:
    """The assertion above can fail: the former way costs three calls more per account."""
    stack = TerraformStack(cdktf.Testing.app(), "former")
    add_accounts(stack, 0, 1, passwords=True)
    kernel_calls.take()
    for n in range(1, 11):
        MysqlPlusAccount(stack, f"acc-{n}", cluster_id="cl-scale01", zone="sh1a", user=f"user_{n}",
                         password=variable_per_password(stack, f"pw_{n}"))  # fmt: skip
    assert kernel_calls.take() == 10 * (PER_ACCOUNT_WITH_PASSWORD + 2)
