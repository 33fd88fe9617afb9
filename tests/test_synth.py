"""Synth-time shape, replacement triggers, validation, secrets and the synth-time lookups.

Lookups are off in this module (``QINGCLOUD_MYSQLPLUS_LOOKUPS=0``) except where
a test turns them on against a state file or the simulator it made itself.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cdktf
import pytest
from cdktf import App, TerraformOutput, TerraformStack, TerraformVariable
from constructs import Construct

from fake_cluster import FakeClient
from helpers import ACCESS_KEY, CANARY_PASSWORD, CLUSTER, SECRET_KEY, ZONE, Sim
from qingcloud_mysqlplus import MysqlPlusAccount, Privilege, ephemeral_password
from qingcloud_mysqlplus.bridge import contract
from qingcloud_mysqlplus.bridge.main import main as bridge
from qingcloud_mysqlplus.cdk import lookups
from qingcloud_mysqlplus.cdk import state as tfstate
from qingcloud_mysqlplus.cdk.account import MysqlPlusAccountError
from qingcloud_mysqlplus.cdk.block import ADD_ENV, construct_path
from qingcloud_mysqlplus.cdk.framework import FRAMEWORK_ENV, MISSING, choose, unresolved
from qingcloud_mysqlplus.cdk.names import ACCOUNTS_ID, CONFIRMED_ID, MADE_ID, PASSWORDS_ID
from qingcloud_mysqlplus.cdk.props import REPLACES
from qingcloud_mysqlplus.qingcloud.retry import Deadline


@pytest.fixture(autouse=True)
def no_lookups(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(lookups.LOOKUPS_ENV, "0")
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.qingcloud/config.yaml of the machine's


def new_stack(id: str = "test") -> TerraformStack:
    return TerraformStack(cdktf.Testing.app(), id)


def synth(stack: TerraformStack) -> dict[str, Any]:
    return dict(json.loads(cdktf.Testing.synth(stack)))


def blocks(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    data = doc["resource"]["terraform_data"]
    return data[ACCOUNTS_ID], data[MADE_ID], data[CONFIRMED_ID]


def account(stack: Construct, id: str = "acc", **props: Any) -> MysqlPlusAccount:
    defaults: dict[str, Any] = {"cluster_id": "cl-ouhutv70", "zone": "sh1a", "user": "orders_rw"}
    if "password" not in props and "password_env" not in props:
        props["password"] = ephemeral_password(stack, f"{id.replace('-', '_')}_pw")
    return MysqlPlusAccount(stack, id, **{**defaults, **props})


def steps(block: dict[str, Any]) -> list[dict[str, Any]]:
    return [p["local-exec"] for p in block["provisioner"]]


# -- the three blocks --------------------------------------------------------------------------


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
    add, replay = steps(made)
    assert (add["command"], add["on_failure"], replay["command"]) == ("add-user", "continue", "replay")
    assert "on_failure" not in replay and "when" not in add and "when" not in replay
    status = contract.status_file("${self.id}")
    assert add["environment"][contract.STATUS_FILE] == status and replay["environment"] == {
        contract.STATUS_FILE: status
    }
    assert add["environment"][contract.PASSWORD] == f'${{lookup(local.{PASSWORDS_ID}, each.key, "")}}'
    value = made["for_each"]["cl-ouhutv70/orders_rw"]
    for env, field in ADD_ENV.items():
        assert add["environment"][env] == f"${{each.value.{field}}}" and field in value
    assert set(value) == {*ADD_ENV.values(), "token"}
    words = (value[f] for f in ("restart_proxies", "replace_existing", "ssl"))
    assert list(words) == [contract.flag_word(True)] * 3
    assert value["token"] == lookups.UNCHECKED  # lookups are off here


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


# -- secrets and validation --------------------------------------------------------------------


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


# -- documentation ------------------------------------------------------------------------------


def test_importing_the_package_loads_no_framework() -> None:
    code = ("import sys, qingcloud_mysqlplus; "
            "print(sorted(m for m in ('cdktf', 'cdktn', 'jsii', 'constructs') if m in sys.modules))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"


# -- the synth-time lookups ---------------------------------------------------------------------


def instance(key: str, attributes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    wrapped = {name: {"value": value, "type": "dynamic"} if name == "input" else value
               for name, value in attributes.items()}  # fmt: skip
    return {"index_key": key, "schema_version": 0, "attributes": wrapped, **extra}


def state(made: list[dict[str, Any]], confirmed: list[dict[str, Any]]) -> dict[str, Any]:
    def resource(name: str, instances: list[dict[str, Any]]) -> dict[str, Any]:
        return {"mode": "managed", "type": "terraform_data", "name": name, "instances": instances}

    return {"version": 4, "resources": [resource(MADE_ID, made), resource(CONFIRMED_ID, confirmed)]}


def test_an_account_is_confirmed_only_when_the_confirmed_block_holds_the_made_token_and_id() -> None:
    made = [instance(k, {"id": f"id-{k}", "input": f"tok-{k}"}) for k in "abcdef"]
    made[2]["status"] = "tainted"
    made.append(instance("d", {"id": "old", "input": "tok-d"}, deposed="00aa"))  # a deposed object is not current
    seen = [
        instance("a", {"id": "x", "input": {"token": "tok-a", "made": "id-a"}}),
        instance("b", {"id": "x", "input": {"token": "tok-b", "made": "id-OLD"}}),  # M replaced, same token, D not yet
        instance("c", {"id": "x", "input": {"token": "tok-c", "made": "id-c"}}),  # M tainted
        instance("d", {"id": "x", "input": {"token": "tok-OLD", "made": "id-d"}}),
        # e: M written, killed before D
        instance("f", {"id": "x", "input": {"token": "tok-f", "made": "id-f"}}, status="tainted"),
    ]
    assert tfstate.confirmed(state(made, seen)) == {"a": "tok-a"}


def local_where(tmp_path: Path, stack_id: str = "s") -> tfstate.StackWhere:
    path = tmp_path / f"terraform.{stack_id}.tfstate"
    return tfstate.StackWhere(stack_id, {"backend": {"local": {"path": str(path)}}}, tmp_path / "stacks" / stack_id)


def wanted(*keys: str) -> list[lookups.Wanted]:
    return [lookups.Wanted(k, ZONE, CLUSTER, k.split("/")[1], None) for k in keys]


def test_tokens_keep_confirmed_ones_and_say_why_in_one_line(tmp_path: Path) -> None:
    where = local_where(tmp_path)
    confirmed = [instance("c/a1", {"id": "x", "input": {"token": "tok-a", "made": "id-a"}})]
    made = [instance("c/a1", {"id": "id-a", "input": "tok-a"}), instance("c/b1", {"id": "id-b", "input": "tok-b"})]
    Path(where.terraform["backend"]["local"]["path"]).write_text(json.dumps(state(made, confirmed)))  # type: ignore[index]
    lines: list[str] = []
    env = {"HOME": str(tmp_path)}  # no credentials: the cluster part is skipped, and says so
    got = lookups.tokens(where, wanted("c/a1", "c/b1", "c/c1"), env, lines.append)
    assert got["c/a1"] == "tok-a" and got["c/b1"] not in ("tok-b", got["c/c1"])
    assert lines == ["qingcloud-mysqlplus: stack s: 1 of 3 accounts confirmed in the state; to add (new or unfinished): b1, c1; "
                     "cluster check skipped (no access key: set QINGCLOUD_ACCESS_KEY or qy_access_key_id)"]  # fmt: skip
    again = lookups.tokens(where, wanted("c/a1"), env, lines.append)
    assert again == {"c/a1": "tok-a"}


def test_no_state_unreadable_state_and_lookups_off(tmp_path: Path) -> None:
    where, lines = local_where(tmp_path), []
    fresh = lookups.tokens(where, wanted("c/a1", "c/b1"), {"HOME": str(tmp_path)}, lines.append)
    assert len(set(fresh.values())) == 2 and lines[-1].endswith("stack s: no state yet: 2 accounts to add")
    Path(where.terraform["backend"]["local"]["path"]).write_text('{"version": 4, "resour')  # type: ignore[index]
    lookups.tokens(where, wanted("c/a1"), {"HOME": str(tmp_path)}, lines.append)
    assert "state unreadable (" in lines[-1] and "is not JSON" in lines[-1]
    assert lookups.tokens(where, wanted("c/a1"), {lookups.LOOKUPS_ENV: "0"}, lines.append) == {"c/a1": "unchecked"}
    assert len(lines) == 2  # off: nothing read, nothing said
    for word in ("0", "false", "no", "OFF"):
        assert lookups.off({lookups.LOOKUPS_ENV: word})
    assert not lookups.off({}) and not lookups.off({lookups.LOOKUPS_ENV: "1"})


def test_state_of_another_backend_is_pulled_with_terraform(tmp_path: Path) -> None:
    """Any backend but the default local file goes through ``terraform init`` and ``state pull``."""
    stored = tmp_path / "elsewhere.tfstate"
    stored.write_text(json.dumps({"version": 4, "terraform_version": "1.15.5", "serial": 3, "lineage": "l-1",
                                  "outputs": {}, "resources": []}))  # fmt: skip
    terraform = {"backend": {"local": {"path": str(stored)}}}
    pulled = tfstate._pull(terraform, {**os.environ, "TF_DATA_DIR": str(tmp_path / "not-here")})
    assert isinstance(pulled, dict) and pulled["lineage"] == "l-1"
    assert not (tmp_path / "not-here").exists()
    broken = tfstate._pull({"backend": {"pg": {"conn_str": "postgres://nobody@127.0.0.1:1/x"}}}, dict(os.environ))
    assert isinstance(broken, str) and broken.startswith("terraform init exited") and "nobody" not in broken


def test_history_counts_only_a_newer_del_user_as_missing() -> None:
    fake = FakeClient()
    params = {"database": "*", "passwd": CANARY_PASSWORD, "ssl": "NO", "host": "%", "priv": "StandardAccount"}
    fake.add("add_user", {**params, "user": "kept"}, cluster="cl-fake0001")
    fake.add("add_user", {**params, "user": "gone"}, cluster="cl-fake0001")
    fake.add("del_user", {"host": "%", "user": "gone"}, cluster="cl-fake0001")
    fake.add("del_user", {"host": "%", "user": "kept"}, status="failed", cluster="cl-fake0001")
    verdicts = lookups.history(fake, "cl-fake0001", {"kept", "gone", "unlisted"}, Deadline(5))  # type: ignore[arg-type]
    assert {u: v.present for u, v in verdicts.items()} == {"kept": True, "gone": False, "unlisted": None}
    assert verdicts["gone"].words.startswith("del_user j-fake") and CANARY_PASSWORD not in repr(verdicts)


@pytest.fixture
def deployed(sim: Sim, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {"QINGCLOUD_ACCESS_KEY": ACCESS_KEY, "QINGCLOUD_SECRET_KEY": SECRET_KEY, "QINGCLOUD_ENDPOINT": sim.url,
           "QINGCLOUD_ZONE": ZONE, "HOME": str(tmp_path), "QINGCLOUD_MYSQLPLUS_LOCK_DIR": str(tmp_path / "locks"),
           "QINGCLOUD_MYSQLPLUS_PASSWORD": "Valid@Pass-1"}  # fmt: skip
    for user in ("app_rw", "gone_rw"):
        assert bridge(["add-user", "--cluster", CLUSTER, "--user", user], env, io.StringIO(), io.StringIO()) == 0
    assert bridge(["del-user", "--cluster", CLUSTER, "--user", "gone_rw"], env, io.StringIO(), io.StringIO()) == 0
    lookups._HISTORY.clear()
    yield env
    lookups._HISTORY.clear()


def test_an_account_deleted_on_the_cluster_gets_a_fresh_token(
    deployed: dict[str, str], sim: Sim, tmp_path: Path
) -> None:
    where, lines = local_where(tmp_path), []
    keys = (f"{CLUSTER}/app_rw", f"{CLUSTER}/gone_rw")
    made = [instance(k, {"id": f"id{n}", "input": f"tok{n}"}) for n, k in enumerate(keys)]
    seen = [instance(k, {"id": "x", "input": {"token": f"tok{n}", "made": f"id{n}"}}) for n, k in enumerate(keys)]
    Path(where.terraform["backend"]["local"]["path"]).write_text(json.dumps(state(made, seen)))  # type: ignore[index]
    got = lookups.tokens(where, wanted(*keys), deployed, lines.append)
    assert got[keys[0]] == "tok0" and got[keys[1]] != "tok1"
    assert re.fullmatch(
        r"qingcloud-mysqlplus: stack s: 1 of 2 accounts confirmed in the state; re-adding gone_rw "
        r"\(missing on cl-test0001: del_user j-\w+ is its newest successful job\)",
        lines[0],
    ), lines
    assert "Valid@Pass-1" not in lines[0]
    reads = sim.stats()["requests_per_action"]["DescribeClusterJobs"]
    lookups.tokens(where, wanted(*keys), deployed, lines.append)  # cached: no second read of the history
    assert sim.stats()["requests_per_action"]["DescribeClusterJobs"] == reads


def test_lookups_run_once_per_stack_at_synth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lookups.LOOKUPS_ENV)
    monkeypatch.chdir(tmp_path)
    calls: list[list[str]] = []
    real = lookups.tokens

    def counted(where: tfstate.StackWhere, wanted: list[lookups.Wanted], *args: Any, **kw: Any) -> dict[str, str]:
        calls.append([w.key for w in wanted])
        assert where.stack_dir.name == "test" and where.terraform is None  # Testing.synth adds no backend
        return real(where, wanted, {"HOME": str(tmp_path)}, lambda _line: None)

    monkeypatch.setattr(lookups, "tokens", counted)
    stack = new_stack()
    for n in range(3):
        account(stack, f"a{n}", user=f"user_{n}")
    first = cdktf.Testing.synth(stack)
    assert cdktf.Testing.synth(stack) == first  # the fresh tokens of one process stay
    assert calls == [[f"cl-ouhutv70/user_{n}" for n in range(3)]]


# -- the framework binding ----------------------------------------------------------------------


def test_the_framework_already_imported_wins_then_the_variable() -> None:
    assert choose({"cdktn": object(), "cdktf": object()}, {FRAMEWORK_ENV: "cdktf"})[0] == "cdktn"
    assert choose({"cdktf": object()}, {FRAMEWORK_ENV: "cdktn"})[0] == "cdktf"
    assert choose({"cdktf": None}, {FRAMEWORK_ENV: "cdktn"}) == ("cdktn", f"{FRAMEWORK_ENV}=cdktn")
    assert choose({}, {}) == (None, "installed")
    with pytest.raises(SystemExit, match=f"{FRAMEWORK_ENV}: received 'terraform'; expected cdktf or cdktn"):
        choose({}, {FRAMEWORK_ENV: "terraform"})


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


def test_an_unreachable_api_is_said_and_keeps_the_stored_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lookups, "CLUSTER_SECONDS", 1.0)
    lookups._HISTORY.clear()
    where, lines = local_where(tmp_path), []
    key = f"{CLUSTER}/app_rw"
    made, seen = (
        [instance(key, {"id": "id0", "input": "tok0"})],
        [instance(key, {"input": {"token": "tok0", "made": "id0"}})],
    )
    Path(where.terraform["backend"]["local"]["path"]).write_text(json.dumps(state(made, seen)))  # type: ignore[index]
    env = {"QINGCLOUD_ACCESS_KEY": ACCESS_KEY, "QINGCLOUD_SECRET_KEY": SECRET_KEY,
           "QINGCLOUD_ENDPOINT": "http://127.0.0.1:1/iaas/"}  # fmt: skip
    assert lookups.tokens(where, wanted(key), env, lines.append) == {key: "tok0"}
    assert lines[0].startswith("qingcloud-mysqlplus: stack s: 1 of 1 account confirmed in the state; ")
    assert f"cluster check on {CLUSTER} failed (" in lines[0] and SECRET_KEY not in lines[0]
