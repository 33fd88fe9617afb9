"""The props table (bridge/fields.py): the construct's keyword arguments, the docs, the blocks and the bridge agree with it."""

from __future__ import annotations

import inspect
import io
import re
from enum import Enum
from pathlib import Path

import cdktf  # noqa: F401 - the framework first, as an app imports it
import pytest

from helpers import CANARY_PASSWORD, ROOT
from qingcloud_mysqlplus import MysqlPlusAccount
from qingcloud_mysqlplus.bridge import contract
from qingcloud_mysqlplus.bridge.fields import ADD, BOTH, DELETE, FIELDS, REQUIRED, docs_table, field
from qingcloud_mysqlplus.bridge.options import DEFAULT_TIMEOUT, UsageError, build_parser, parse_request
from qingcloud_mysqlplus.cdk.account import MysqlPlusAccountError
from qingcloud_mysqlplus.cdk.props import DOCS, PROP_NAMES, REPLACES
from qingcloud_mysqlplus.cdk.steps import ADD_ENV, DEL_ENV
from qingcloud_mysqlplus.rules import AccountRuleError
from synth_stacks import account, new_stack

BRIDGE_ENV = {"QINGCLOUD_ACCESS_KEY": "AK", "QINGCLOUD_SECRET_KEY": "SK"}
ADD_ARGV = ["add-user", "--zone", "sh1a", "--cluster", "cl-ouhutv70", "--user", "app_rw"]


def test_docs_table_is_the_props_table() -> None:
    page = (ROOT / "docs" / "construct.md").read_text()
    assert docs_table() in page
    signature = list(inspect.signature(MysqlPlusAccount.__init__).parameters)[3:]
    assert signature == list(PROP_NAMES) == list(DOCS)
    assert set(REPLACES) <= set(PROP_NAMES)


def test_keyword_arguments_are_the_table() -> None:
    """Names, order, defaults and annotations of MysqlPlusAccount.__init__, keyword only, row by row."""
    scope, id, *props = list(inspect.signature(MysqlPlusAccount.__init__).parameters.values())[1:]
    assert (scope.name, id.name) == ("scope", "id")
    assert [p.name for p in props] == [f.name for f in FIELDS]
    for p, f in zip(props, FIELDS, strict=True):
        assert p.kind is inspect.Parameter.KEYWORD_ONLY, p.name
        assert p.default == (inspect.Parameter.empty if f.default is REQUIRED else f.default), p.name
        assert p.annotation == f.type, p.name


def test_the_docstring_lists_every_prop() -> None:
    doc = MysqlPlusAccount.__doc__ or ""
    assert [f.name for f in FIELDS if f"- ``{f.name}`` ({f.shown_default}; " in doc] == list(PROP_NAMES)


def test_each_row_reaches_the_bridge_as_declared() -> None:
    """A flag has a variable and commands; flags and variables are unique; the secret has no flag."""
    flags = [f.flag for f in FIELDS if f.flag] + [o.flag for o in contract.SETTINGS]
    envs = [f.env for f in FIELDS if f.env] + [o.env for o in contract.SETTINGS]
    assert len(set(flags)) == len(flags) and len(set(envs)) == len(envs)
    assert set(contract.HELP_ORDER) <= set(flags)
    for f in FIELDS:
        assert set(f.commands) <= set(BOTH), f.name
        assert not f.flag or (f.env and f.help and f.commands), f.name
        assert not f.secret or not f.flag, f.name
        for command in BOTH:
            options = {o.flag: o for o in contract.options_of(command)}
            assert (f.flag in options) == bool(f.flag and command in f.commands), (f.name, command)
            if f.flag in options:
                assert (options[f.flag].env, options[f.flag].boolean, options[f.flag].field) == (
                    f.env,
                    f.boolean,
                    f.name,
                )


def test_the_blocks_carry_what_each_command_reads() -> None:
    assert ADD_ENV == {f.env: f.step_key for f in FIELDS if ADD in f.commands and not f.secret}
    assert DEL_ENV == {f.env: f.input_key for f in FIELDS if DELETE in f.commands}
    assert field("password").env not in ADD_ENV  # from the ephemeral passwords local, never a map


@pytest.mark.parametrize("command", BOTH)
def test_every_boolean_prop_is_a_switch_of_the_invocation(
    command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.qingcloud/config.yaml of the machine's
    booleans = [f for f in FIELDS if f.boolean and command in f.commands]
    environ = {**BRIDGE_ENV, contract.PASSWORD: "Pw-12345678"}
    environ |= {f.env: "yes" for f in booleans[1:]}  # the first by its flag, the others by their variables
    argv = [command, "--zone", "sh1a", "--cluster", "cl-ouhutv70", "--user", "app_rw", booleans[0].flag]
    args = build_parser().parse_args([*argv, "--endpoint", "http://127.0.0.1:1/iaas/"])
    invocation = parse_request(args, environ, io.StringIO(""))
    assert invocation.switches == {f.name for f in booleans}
    assert all(invocation.on(f.name) for f in booleans)
    with pytest.raises(KeyError):
        invocation.on("no_such_prop")


def test_every_row_checks_its_literals() -> None:
    """A default passes its own row's check; anything else of the wrong kind is refused, naming the prop."""
    for f in FIELDS:
        if not f.required:
            f.normalize(f.default)
        with pytest.raises(AccountRuleError, match=f"^{f.name}: received "):
            f.normalize(object())


def test_the_bridge_defaults_and_help_order_are_the_tables() -> None:
    """Each flag's default is its row's, and the help that states it says the same; both commands' flags first."""
    assert DEFAULT_TIMEOUT == field("timeout_seconds").default
    for o in contract.PROP_OPTIONS:
        row = field(o.field)
        assert (o.default, o.help_rank) == (None if row.required else row.default, row.help_rank), o.flag
    for o in contract.OPTIONS:
        value = o.default.value if isinstance(o.default, Enum) else o.default
        if value not in (None, False):
            said = re.escape(f"{value:g}" if isinstance(value, float) else str(value))
            assert re.search(rf"\(default {said}\)|{said}'? \(default", o.help.replace("%%", "%")), o.flag
    ranks = [o.help_rank for o in contract.OPTIONS]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    groups = [contract.COMMON, contract.ADD_ONLY, contract.DEL_ONLY]
    assert list(contract.OPTIONS) == [o for group in groups for o in group]


@pytest.mark.usefixtures("no_lookups")
@pytest.mark.parametrize("name", ["APP_PW", "_x9", "A" * 128, "A" * 129, "1PW", "NOT A NAME", CANARY_PASSWORD])
def test_construct_and_bridge_take_the_same_variable_names(name: str) -> None:
    """One rule for a variable's name on both sides; a refusal never shows the name (it may be the password)."""
    refused = []
    try:
        account(new_stack(), password_env=name)
    except MysqlPlusAccountError as err:
        refused.append(str(err))
    args = build_parser().parse_args([*ADD_ARGV, "--endpoint", "http://127.0.0.1:1/iaas/"])
    environ = {**BRIDGE_ENV, "QINGCLOUD_MYSQLPLUS_PASSWORD_ENV": name, name: "Pw-12345678"}
    try:
        parse_request(args, environ, io.StringIO(""))
    except UsageError as err:
        refused.append(str(err))
    assert len(refused) in (0, 2), refused
    assert all(name not in text and "environment variable" in text for text in refused)
    assert bool(refused) == (name in ("A" * 129, "1PW", "NOT A NAME", CANARY_PASSWORD))
