"""The framework binding (cdk/framework.py): the framework an app imported first wins, then
``QINGCLOUD_MYSQLPLUS_FRAMEWORK``, then the one installed; tokens are told apart as the framework
does; importing the package loads no framework, and a missing one is one line naming the extras."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import cdktf
import pytest
from cdktf import TerraformVariable

from qingcloud_mysqlplus.cdk import lookups
from qingcloud_mysqlplus.cdk.framework import FRAMEWORK_ENV, MISSING, choose, unresolved
from qingcloud_mysqlplus.cdk.names import ACCOUNTS_ID, CONFIRMED_ID, MADE_ID
from synth_stacks import new_stack

pytestmark = pytest.mark.usefixtures("no_lookups")


def test_the_framework_already_imported_wins_then_the_variable() -> None:
    assert choose({"cdktn": object(), "cdktf": object()}, {FRAMEWORK_ENV: "cdktf"})[0] == "cdktn"
    assert choose({"cdktf": object()}, {FRAMEWORK_ENV: "cdktn"})[0] == "cdktf"
    assert choose({"cdktf": None}, {FRAMEWORK_ENV: "cdktn"}) == ("cdktn", f"{FRAMEWORK_ENV}=cdktn")
    assert choose({}, {}) == (None, "installed")
    with pytest.raises(SystemExit, match=f"{FRAMEWORK_ENV}: received 'terraform'; expected cdktf or cdktn"):
        choose({}, {FRAMEWORK_ENV: "terraform"})


def test_unresolved_answers_like_the_framework() -> None:
    stack = new_stack()
    variable = TerraformVariable(stack, "v", type="string")
    samples: list[Any] = [
        "plain", "${not.a.token}", "", 0, 7, 1.5, -1e300, True, None, [], ["a", "b"], {"k": "v"},
        variable.string_value, f"x-{variable.string_value}", variable.list_value, variable.number_value,
        [variable.string_value], cdktf.Token.as_number("${var.v}"), variable.value, {variable.string_value: 1},
    ]  # fmt: skip
    for value in samples:
        assert unresolved(value) == bool(cdktf.Token.is_unresolved(value)), value
    assert unresolved(float("nan")) is False and unresolved(float("inf")) is False  # never sent to jsii


def test_importing_the_package_loads_no_framework() -> None:
    code = ("import sys, qingcloud_mysqlplus; "
            "print(sorted(m for m in ('cdktf', 'cdktn', 'jsii', 'constructs') if m in sys.modules))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != FRAMEWORK_ENV} | {lookups.LOOKUPS_ENV: "0", **env}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, env=environ,
                          check=False)  # fmt: skip


APP = """
import json, sys
{first}
from qingcloud_mysqlplus import MysqlPlusAccount, ephemeral_password
from qingcloud_mysqlplus.cdk.framework import fw
stack = fw.TerraformStack(fw.Testing.app(), "s")
MysqlPlusAccount(stack, "a", cluster_id="cl-abc", zone="sh1a", user="app_rw", password=ephemeral_password(stack, "pw"))
doc = json.loads(fw.Testing.synth(stack))
print(json.dumps({{"bound": fw.__name__, "loaded": sorted(m for m in ("cdktf", "cdktn") if m in sys.modules),
                  "blocks": sorted(doc["resource"]["terraform_data"])}}))
"""


@pytest.mark.parametrize(
    ("first", "env", "bound"),
    [
        ("import cdktf", {}, "cdktf"),
        ("import cdktn", {}, "cdktn"),
        ("", {FRAMEWORK_ENV: "cdktn"}, "cdktn"),
        ("", {}, "cdktf"),  # neither imported nor named: the first installed
    ],
)
def test_each_framework_synthesises_alone_in_its_process(first: str, env: dict[str, str], bound: str) -> None:
    done = run_python(APP.format(first=first), **env)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result == {"bound": bound, "loaded": [bound], "blocks": sorted([ACCOUNTS_ID, MADE_ID, CONFIRMED_ID])}


def test_no_framework_is_one_line_naming_the_extras() -> None:
    code = ("import sys; sys.modules['cdktf'] = sys.modules['cdktn'] = None\n"
            "from qingcloud_mysqlplus import MysqlPlusAccount")  # fmt: skip
    done = run_python(code)
    assert (done.returncode, done.stderr) == (1, MISSING + "\n")
    assert "pip install 'cdktf-qingcloud-mysqlplus[cdktf]' (or '[cdktn]')" in MISSING
    named = run_python("import sys; sys.modules['cdktn'] = None\nfrom qingcloud_mysqlplus import MysqlPlusAccount",
                       **{FRAMEWORK_ENV: "cdktn"})  # fmt: skip
    assert named.returncode == 1 and named.stderr.startswith(f"qingcloud_mysqlplus: cdktn ({FRAMEWORK_ENV}=cdktn)")
    assert "Traceback" not in named.stderr and len(named.stderr.splitlines()) == 1
