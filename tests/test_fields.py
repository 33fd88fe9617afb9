"""The props table (bridge/fields.py): the construct's keyword arguments, the docs, the blocks and the bridge agree with it."""

from __future__ import annotations

import inspect
import io
from pathlib import Path

import cdktf  # noqa: F401 - the framework first, as an app imports it
import pytest

from helpers import ROOT
from qingcloud_mysqlplus import MysqlPlusAccount
from qingcloud_mysqlplus.bridge import contract
from qingcloud_mysqlplus.bridge.fields import ADD, BOTH, DELETE, FIELDS, REQUIRED, docs_table, field
from qingcloud_mysqlplus.bridge.options import build_parser, parse_request
from qingcloud_mysqlplus.cdk.props import DOCS, PROP_NAMES, REPLACES
from qingcloud_mysqlplus.cdk.steps import ADD_ENV, DEL_ENV


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
    environ = {"QINGCLOUD_ACCESS_KEY": "AK", "QINGCLOUD_SECRET_KEY": "SK", contract.PASSWORD: "Pw-12345678"}
    environ |= {f.env: "yes" for f in booleans[1:]}  # the first by its flag, the others by their variables
    argv = [command, "--zone", "sh1a", "--cluster", "cl-ouhutv70", "--user", "app_rw", booleans[0].flag]
    args = build_parser().parse_args([*argv, "--endpoint", "http://127.0.0.1:1/iaas/"])
    invocation = parse_request(args, environ, io.StringIO(""))
    assert invocation.switches == {f.name for f in booleans}
    assert all(invocation.on(f.name) for f in booleans)
    with pytest.raises(KeyError):
        invocation.on("no_such_prop")
