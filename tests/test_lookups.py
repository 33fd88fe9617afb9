"""The synth-time lookups (cdk/lookups.py): tokens kept for accounts the state confirms, fresh ones for
accounts deleted on the cluster, one line that says why, and no lookup at all when switched off.

Lookups are off in this module (``QINGCLOUD_MYSQLPLUS_LOOKUPS=0``) except where a test turns them on
against a state file or the simulator it made itself.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cdktf
import pytest

from fake_cluster import FakeClient
from helpers import ACCESS_KEY, CANARY_PASSWORD, CLUSTER, SECRET_KEY, ZONE, Sim
from qingcloud_mysqlplus.bridge.main import main as bridge
from qingcloud_mysqlplus.cdk import lookups
from qingcloud_mysqlplus.cdk import state as tfstate
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from state_files import instance, local_where, state_path, write_state
from synth_stacks import account, new_stack

pytestmark = pytest.mark.usefixtures("no_lookups")


def wanted(*keys: str) -> list[lookups.Wanted]:
    return [lookups.Wanted(k, ZONE, CLUSTER, k.split("/")[1], None) for k in keys]


def test_tokens_keep_confirmed_ones_and_say_why_in_one_line(tmp_path: Path) -> None:
    where = local_where(tmp_path)
    confirmed = [instance("c/a1", {"id": "x", "input": {"token": "tok-a", "made": "id-a"}})]
    made = [instance("c/a1", {"id": "id-a", "input": "tok-a"}), instance("c/b1", {"id": "id-b", "input": "tok-b"})]
    write_state(where, made, confirmed)
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
    state_path(where).write_text('{"version": 4, "resour')
    lookups.tokens(where, wanted("c/a1"), {"HOME": str(tmp_path)}, lines.append)
    assert "state unreadable (" in lines[-1] and "is not JSON" in lines[-1]
    assert lookups.tokens(where, wanted("c/a1"), {lookups.LOOKUPS_ENV: "0"}, lines.append) == {"c/a1": "unchecked"}
    assert len(lines) == 2  # off: nothing read, nothing said
    for word in ("0", "false", "no", "OFF"):
        assert lookups.off({lookups.LOOKUPS_ENV: word})
    assert not lookups.off({}) and not lookups.off({lookups.LOOKUPS_ENV: "1"})


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
    write_state(where, made, seen)
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
    write_state(where, made, seen)
    env = {"QINGCLOUD_ACCESS_KEY": ACCESS_KEY, "QINGCLOUD_SECRET_KEY": SECRET_KEY,
           "QINGCLOUD_ENDPOINT": "http://127.0.0.1:1/iaas/"}  # fmt: skip
    assert lookups.tokens(where, wanted(key), env, lines.append) == {key: "tok0"}
    assert lines[0].startswith("qingcloud-mysqlplus: stack s: 1 of 1 account confirmed in the state; ")
    assert f"cluster check on {CLUSTER} failed (" in lines[0] and SECRET_KEY not in lines[0]


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
