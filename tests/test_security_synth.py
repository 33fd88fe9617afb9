"""The construct's side of plain http: a literal endpoint elsewhere refused at synth, and the opt-in passed on.

Stacks are synthesized in-process (tests/synth_stacks.py); the lookups are
off (their refusal is tested in tests/test_security_endpoint.py).  What the
construct writes is then read back by the bridge, as local-exec would run it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from cdktf import TerraformVariable

from helpers import ACCESS_KEY, CANARY_PASSWORD, SECRET_KEY, assert_no_secret
from local_servers import Server, status
from qingcloud_mysqlplus.bridge import contract
from qingcloud_mysqlplus.bridge.main import main
from qingcloud_mysqlplus.cdk.account import MysqlPlusAccountError
from qingcloud_mysqlplus.cdk.props import DOCS, PROP_NAMES
from synth_stacks import account, blocks, new_stack, steps, synth

REMOTE = "http://api.example-private.invalid/iaas/"
KEY = "cl-ouhutv70/orders_rw"

pytestmark = pytest.mark.usefixtures("no_lookups")


@pytest.mark.parametrize("endpoint", [REMOTE, "http://10.0.0.5:8080/iaas/", "http://[fd00::5]/iaas/"])
def test_a_literal_plain_http_endpoint_elsewhere_is_refused_at_synth(endpoint: str) -> None:
    with pytest.raises(MysqlPlusAccountError) as info:
        account(new_stack(), endpoint=endpoint)
    text = str(info.value)
    assert text.startswith("test/acc: endpoint: received 'http://") and ", plain http to another host" in text
    assert "expected https://" in text and "allow_insecure_http=True" in text and len(text.splitlines()) == 1
    assert_no_secret(text)


def test_https_loopback_and_tokens_need_no_opt_in() -> None:
    stack = new_stack()
    account(stack, "sim", endpoint="http://127.0.0.1:8080/iaas/")
    account(stack, "v6", user="v6_rw", endpoint="http://[::1]:8080/iaas/")
    account(stack, "name", user="name_rw", endpoint="http://localhost:8080/iaas/")
    account(stack, "tls", user="tls_rw", endpoint="https://api.example-private.invalid/iaas/")
    variable = TerraformVariable(stack, "endpoint", type="string")
    account(stack, "token", user="token_rw", endpoint=variable.string_value)  # the bridge checks it at deploy
    declared, made, _ = blocks(synth(stack))
    assert {v["allow_http"] for v in made["for_each"].values()} == {contract.flag_word(False)}
    assert {v["allow_insecure_http"] for v in declared["for_each"].values()} == {False}
    assert made["for_each"]["cl-ouhutv70/token_rw"]["endpoint"] == "${var.endpoint}"


def test_the_opt_in_reaches_the_add_and_the_delete_step() -> None:
    stack = new_stack()
    account(stack, endpoint=REMOTE, allow_insecure_http=True)
    declared, made, _ = blocks(synth(stack))
    visible, hidden, _ = steps(made)
    [destroy] = steps(declared)
    for add in (visible, hidden):
        assert add["environment"][contract.ALLOW_HTTP] == "${each.value.allow_http}"
    assert made["for_each"][KEY]["allow_http"] == contract.flag_word(True)
    # An instance stored by an earlier version has no such field: it reads as False.
    assert destroy["environment"][contract.ALLOW_HTTP] == '${try(self.input.allow_insecure_http, false) ? "1" : "0"}'
    assert declared["for_each"][KEY]["allow_insecure_http"] is True
    assert declared["triggers_replace"] == [t for t in declared["triggers_replace"] if "allow" not in t]


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_the_opt_in_is_a_boolean(value: object) -> None:
    with pytest.raises(MysqlPlusAccountError) as info:
        account(new_stack(), allow_insecure_http=value)
    assert str(info.value).startswith("test/acc: allow_insecure_http: received ")
    assert str(info.value).endswith("; expected True or False")


@pytest.mark.usefixtures("no_proxy_environment")
@pytest.mark.parametrize("opted_in", [False, True])
def test_the_written_word_governs_the_bridge(
    opted_in: bool, serve: Callable[..., Server], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The add step's environment over the user's, with a token endpoint that is plain http elsewhere at
    deploy: the construct's word wins over an opt-in of the user's own environment."""
    stack = new_stack()
    account(stack, endpoint=TerraformVariable(stack, "endpoint", type="string").string_value,
            allow_insecure_http=opted_in)  # fmt: skip
    _, made, _ = blocks(synth(stack))
    value, written = made["for_each"][KEY], steps(made)[0]["environment"]
    step = {name: str(value[ref[len("${each.value.") : -1]]) for name, ref in written.items()
            if ref.startswith("${each.value.") and ref[len("${each.value.") : -1].isidentifier()
            and ref != "${each.value.endpoint}"}  # fmt: skip
    users = {contract.ALLOW_HTTP: "1", contract.ENDPOINT: REMOTE, "TF_VAR_acc_pw": CANARY_PASSWORD,
             contract.LOCK_DIR: str(tmp_path), "QINGCLOUD_ACCESS_KEY": ACCESS_KEY,
             "QINGCLOUD_SECRET_KEY": SECRET_KEY, "HOME": str(tmp_path)}  # fmt: skip
    proxy = serve(status(200, b'{"ret_code":1200,"message":"AuthFailure"}'))
    for name in ("HTTP_PROXY", "HTTPS_PROXY"):  # whatever is sent goes to loopback
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
    err = io.StringIO()
    code = main(["add-user"], users | step, io.StringIO(""), err)
    assert (code, proxy.accepts) == ((contract.EXIT_FAILED, 1) if opted_in else (contract.EXIT_USAGE, 0)), err
    assert ("plain http://" in err.getvalue()) is not opted_in
    assert_no_secret(err.getvalue())


def test_the_prop_is_documented_with_the_others() -> None:
    assert PROP_NAMES.index("allow_insecure_http") == PROP_NAMES.index("endpoint") + 1
    assert "allow_insecure_http" in DOCS["endpoint"].doc and "in clear" in DOCS["allow_insecure_http"].doc
