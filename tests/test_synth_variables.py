"""``ephemeral_password``: the same variables and references a ``TerraformVariable`` gave, and no silent merge.

Each password is declared in Python and written by the stack's one
variables element at synth; the names must be those cdktf gives a variable
at the same scope and id, and the token must render as a variable's
``string_value`` does, in a plain attribute, a string and a function alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import cdktf
import pytest
from cdktf import Fn, TerraformLocal, TerraformStack, TerraformVariable
from constructs import Construct

from qingcloud_mysqlplus import MysqlPlusAccount, ephemeral_password
from qingcloud_mysqlplus.cdk.account import MysqlPlusAccountError
from qingcloud_mysqlplus.cdk.names import PASSWORDS_ID
from qingcloud_mysqlplus.cdk.variables import DESCRIPTION, unique_id
from synth_stacks import new_stack, synth

pytestmark = pytest.mark.usefixtures("no_lookups")


def former(scope: Construct, id: str, description: str | None = None) -> str:
    """What ephemeral_password was: a TerraformVariable with the ephemeral override."""
    variable = TerraformVariable(scope, id, type="string", sensitive=True, nullable=False,
                                 description=description or DESCRIPTION)  # fmt: skip
    variable.add_override("ephemeral", True)
    return str(variable.string_value)


def nest(stack: Construct, scopes: tuple[str, ...]) -> Construct:
    scope = stack
    for id in scopes:
        scope = scope.node.try_find_child(id) or Construct(scope, id)  # type: ignore[assignment]
    return scope


PLACES = [
    ((), "orders_pw"), ((), "dots.and-dashes"), ((), "with space"), ((), "a/b"), ((), "ünïcode_pw"),
    ((), "x" * 300), (("team",), "pw"), (("team", "sub"), "pw"), (("Default",), "pw"),
    (("Default", "Resource"), "deep-pw"), (("orders",), "rs"), (("team",), "Resource"), (("a/b",), "pw"),
    (("t" * 250,), "pw"), (("Resource",), "Default"),
]  # fmt: skip


def uses(pw: str, other: str) -> dict[str, Any]:
    """A password as a user may pass it on: plain, in a string, in functions, in a list."""
    return {"plain": pw, "concat": f"x-{pw}-y", "upper": Fn.upper(pw), "list": [pw],
            "nested": Fn.sha256(Fn.join(",", [pw, other])), "cond": Fn.conditional(True, pw, other)}  # fmt: skip


def declare_all(stack: TerraformStack, password: Callable[..., str]) -> None:
    other = password(stack, "other_pw", "another")
    for n, (scopes, id) in enumerate(PLACES):
        TerraformLocal(stack, f"uses{n}", uses(password(nest(stack, scopes), id), other))


def test_names_descriptions_and_references_are_those_of_a_terraform_variable() -> None:
    ours, theirs = new_stack(), new_stack()
    declare_all(ours, lambda scope, id, description=None: ephemeral_password(scope, id, description=description))
    declare_all(theirs, former)
    mine, before = synth(ours), synth(theirs)
    assert mine == before
    assert "team_pw_" in json.dumps(sorted(mine["variable"]))  # nested scopes do get hashed names
    assert mine["locals"]["uses0"]["upper"] == "${upper(var.orders_pw)}"
    assert mine["locals"]["uses1"]["upper"] == "${upper(var.dotsand-dashes)}"  # not var["..."]
    assert cdktf.Testing.synth(ours) == cdktf.Testing.synth(ours)


@pytest.mark.parametrize(("scopes", "id"), PLACES)
def test_unique_id_is_cdktfs(scopes: tuple[str, ...], id: str) -> None:
    variable = TerraformVariable(nest(new_stack(), scopes), id, type="string")
    components = [c.replace("/", "--") for c in (*scopes, id)]
    assert unique_id(components) == variable.friendly_unique_id


def test_the_account_gets_the_reference_and_the_variable_is_ephemeral() -> None:
    stack = new_stack()
    team = Construct(stack, "team")
    MysqlPlusAccount(team, "acc", cluster_id="cl-ouhutv70", zone="sh1a", user="team_rw",
                     password=ephemeral_password(team, "pw", description="team's"))  # fmt: skip
    doc = synth(stack)
    [(name, variable)] = doc["variable"].items()
    assert re.fullmatch(r"team_pw_[0-9A-F]{8}", name)
    assert variable == {"description": "team's", "type": "string", "sensitive": True, "nullable": False,
                        "ephemeral": True}  # fmt: skip
    assert doc["locals"][PASSWORDS_ID] == {"cl-ouhutv70/team_rw": f"${{var.{name}}}"}


def one_line_error(match: str, call: Callable[[], object], kind: type[Exception] = MysqlPlusAccountError) -> str:
    with pytest.raises(kind) as info:
        call()
    message = str(info.value)
    assert len(message.splitlines()) == 1 and re.search(match, message), message
    return message


def test_an_id_reused_in_a_stack_is_refused_at_once() -> None:
    stack = new_stack()
    ephemeral_password(stack, "pw")
    one_line_error(r"^test/pw: ephemeral_password: id 'pw' makes variable 'pw', already declared by "
                   r"ephemeral_password at test/pw; use another id$", lambda: ephemeral_password(stack, "pw"))  # fmt: skip
    ephemeral_password(stack, "orders pw")
    one_line_error("id 'orderspw' makes variable 'orderspw', already declared by ephemeral_password at "
                   "test/orders pw", lambda: ephemeral_password(stack, "orderspw"))  # fmt: skip
    ephemeral_password(Construct(stack, "team"), "pw")  # another scope: another name
    ephemeral_password(new_stack(), "pw")  # another stack


@pytest.mark.parametrize("first", ["user", "ours"])
@pytest.mark.parametrize("scopes", [(), ("team",)])
def test_a_terraform_variable_of_the_same_name_is_refused_at_synth(first: str, scopes: tuple[str, ...]) -> None:
    stack = new_stack()
    scope = nest(stack, scopes)
    if first == "user":
        TerraformVariable(scope, "pw", type="string")
    ephemeral_password(scope, "pw")
    if first == "ours":
        TerraformVariable(scope, "pw", type="string")
    path = "/".join(("test", *scopes, "pw"))
    message = one_line_error(f"^{path}: ephemeral_password: id 'pw' makes variable '[^']+', which the "
                             f"TerraformVariable at {path} declares too; use another id$",
                             lambda: cdktf.Testing.synth(stack), RuntimeError)  # fmt: skip
    assert "Traceback" not in message


def test_variables_of_other_names_and_of_a_nested_stack_are_left_alone() -> None:
    stack = new_stack()
    inner = TerraformStack(stack, "inner")
    TerraformVariable(inner, "pw", type="string")
    TerraformVariable(stack, "region", type="string")
    ephemeral_password(stack, "pw")
    assert set(synth(stack)["variable"]) == {"pw", "region"}
    assert set(synth(inner)["variable"]) == {"pw"}
    assert "ephemeral" not in synth(inner)["variable"]["pw"]


@pytest.mark.parametrize(
    ("id", "says"),
    [
        ("1pw", "id '1pw' makes variable name '1pw'; expected a name that starts with a letter or underscore"),
        ("count", "variable name 'count'"),
        ("Default", "variable name ''"),
        ("!!", "variable name ''"),
        ("", "^ephemeral_password: id: received ''; expected a non-empty literal string$"),
    ],
)
def test_names_terraform_would_refuse_are_refused_with_one_line(id: str, says: str) -> None:
    one_line_error(says, lambda: ephemeral_password(new_stack(), id))


def test_a_token_id_is_refused() -> None:
    stack = new_stack()
    token = TerraformVariable(stack, "v", type="string").string_value
    one_line_error("^ephemeral_password: id: received '.*'; expected a non-empty literal string$",
                   lambda: ephemeral_password(stack, token))  # fmt: skip


class PrefixedStack(TerraformStack):
    """A stack with its own naming scheme (cdktf's documented escape hatch)."""

    def _allocate_logical_id(self, tf_element: Any) -> str:
        return "p_" + str(tf_element.node.id).replace("-", "_")


def test_a_stack_with_its_own_naming_names_the_variables() -> None:
    stack = PrefixedStack(cdktf.Testing.app(), "prefixed")
    TerraformLocal(stack, "use", ephemeral_password(stack, "orders-pw"))
    doc = synth(stack)
    assert doc["variable"]["p_orders_pw"]["ephemeral"] is True
    assert doc["locals"]["p_use"] == "${var.p_orders_pw}"
    one_line_error("already declared", lambda: ephemeral_password(Construct(stack, "x"), "orders_pw"))


def hcl_variables(stack: TerraformStack) -> list[str]:
    return re.findall(r'^variable "[^"]+" \{.*?\n\}', cdktf.Testing.synth_hcl(stack), re.S | re.M)


def test_hcl_output_declares_every_variable_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """cdktf's HCL renderer writes only the first variable of an element: there, each is a TerraformVariable."""
    monkeypatch.setenv("SYNTH_HCL_OUTPUT", "1")
    ours, theirs = new_stack(), new_stack()
    for stack, password in ((ours, ephemeral_password), (theirs, former)):
        TerraformLocal(stack, "use", [password(stack, "pw"), password(Construct(stack, "team"), "pw")])
    assert len(hcl_variables(ours)) == 2 and hcl_variables(ours) == hcl_variables(theirs)
    assert "ephemeral = true" in hcl_variables(ours)[0]
    TerraformVariable(ours, "other", type="string")
    assert synth(ours)["variable"].keys() == {"pw", "other", unique_id(["team", "pw"])}
    one_line_error("already declared", lambda: ephemeral_password(ours, "p w"))
