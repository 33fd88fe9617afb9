"""``qingcloud-mysqlplus accounts``: the cluster's accounts as its job history shows them, over real HTTP.

The simulator keeps each add_user's password in clear in its directive (as
QingCloud's own sample does): no output may hold it.  What the simulator
cannot produce (a job still running in the listing, a read that stopped
early) is checked on the facts the one history reader returns.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fake_cluster import CLUSTER as FAKE_CLUSTER
from fake_cluster import FakeClient, record
from helpers import CANARY_PASSWORD, CLUSTER, ZONE, Sim, assert_no_secret, bridge_env, run_bridge, running_sim
from qingcloud_mysqlplus.bridge.inventory import from_facts
from qingcloud_mysqlplus.qingcloud.history import read
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from qingcloud_mysqlplus.sim import SimOptions

OTHER_PASSWORD = "Canary@Pw-2nd-77"
FIELDS = ["user", "host", "database", "priv", "ssl", "job_id", "created", "channel"]


def add(sim: Sim, user: str, *flags: str, password: str = CANARY_PASSWORD) -> None:
    made = run_bridge(["add-user", "--cluster", CLUSTER, "--user", user, *flags],
                      bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=password))  # fmt: skip
    assert made.returncode == 0, made.stderr


def accounts(sim: Sim, *flags: str) -> subprocess.CompletedProcess[str]:
    listed = run_bridge(["accounts", "--cluster", CLUSTER, *flags], bridge_env(sim))
    assert_no_secret(listed.stdout, listed.stderr)
    assert OTHER_PASSWORD not in listed.stdout + listed.stderr
    assert "signature" not in listed.stdout + listed.stderr and "passwd" not in listed.stdout
    return listed


def made_jobs(sim: Sim) -> dict[str, str]:
    """user -> the id of its newest successful add_user, as the simulator ran them."""
    return {j["user"]: j["job_id"] for j in sim.jobs() if j["service"] == "add_user" and j["status"] == "successful"}


def test_json_lists_what_exists_exactly_in_the_documented_shape(sim: Sim) -> None:
    add(sim, "orders_rw", "--host", "10.0.0.5;192.168.1.0/24", "--database", "orders")
    add(sim, "admin", "--priv", "SuperuserAccount", password=OTHER_PASSWORD)
    add(sim, "gone")
    assert run_bridge(["del-user", "--cluster", CLUSTER, "--user", "gone"], bridge_env(sim)).returncode == 0
    listed = accounts(sim, "--json")
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert list(data) == ["cluster", "history_complete", "accounts", "uncertain"]
    assert (data["cluster"], data["history_complete"], data["uncertain"]) == (CLUSTER, True, [])
    assert [list(a) for a in data["accounts"]] == [FIELDS, FIELDS]
    by_user = {a["user"]: a for a in data["accounts"]}
    assert set(by_user) == {"admin", "orders_rw"} == set(sim.accounts())
    jobs = made_jobs(sim)
    assert by_user["orders_rw"] | {"created": ""} == {
        "user": "orders_rw", "host": "10.0.0.5;192.168.1.0/24", "database": "orders", "priv": "StandardAccount",
        "ssl": "NO", "job_id": jobs["orders_rw"], "created": "", "channel": "api"}  # fmt: skip
    assert by_user["admin"]["priv"] == "SuperuserAccount" and by_user["admin"]["job_id"] == jobs["admin"]
    assert all(a["created"].endswith("Z") for a in data["accounts"])


def test_the_table_says_how_far_back_the_history_reaches(sim: Sim) -> None:
    add(sim, "orders_rw", "--database", "orders")
    listed = accounts(sim)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["USER", "HOST", "DATABASE", "PRIV", "SSL", "JOB", "CREATED", "CHANNEL"]
    assert lines[1].split()[:6] == ["orders_rw", "%", "orders", "StandardAccount", "NO", made_jobs(sim)["orders_rw"]]
    assert f"history of {CLUSTER}: read to the end: 1 jobs" in listed.stdout
    assert "uncertain: none" in listed.stdout


def test_an_empty_cluster_and_an_unknown_one(sim: Sim) -> None:
    empty = accounts(sim)
    assert empty.returncode == 0 and f"no account of {CLUSTER} is shown by its job history" in empty.stdout
    unknown = run_bridge(["accounts", "--cluster", "cl-nothere1"], bridge_env(sim))
    assert unknown.returncode == 1
    assert f"cl-nothere1 is not listed by DescribeClusters in zone {ZONE}" in unknown.stderr
    assert unknown.stdout == ""


@pytest.mark.parametrize(("argv", "says"), [
    (["accounts"], "no cluster: pass --cluster"),
    (["accounts", "--cluster", "nonsense"], "cluster_id (--cluster): expected a cluster id"),
    (["accounts", "--cluster", CLUSTER, "--timeout", "-1"], "--timeout: expected a positive number of seconds"),
    (["accounts", "--cluster", CLUSTER, "--json", "--python"], "not allowed with argument"),
])  # fmt: skip
def test_usage_errors_exit_2_and_send_nothing(sim: Sim, argv: list[str], says: str) -> None:
    result = run_bridge(argv, bridge_env(sim))
    assert result.returncode == 2 and says in result.stderr, result.stderr
    assert sim.stats()["requests"] == 0


def test_masked_directives_list_the_accounts_but_python_says_they_cannot_be_adopted() -> None:
    with running_sim(job_seconds=0.05, options=SimOptions(directive="masked")) as sim:
        add(sim, "orders_rw")
        data = json.loads(accounts(sim, "--json").stdout)
        assert [a["user"] for a in data["accounts"]] == ["orders_rw"] and data["history_complete"]
        code = accounts(sim, "--python").stdout
    assert "Not adoptable as declared: its job record hides the password (masked)" in code
    assert 'user="orders_rw",' in code


def test_without_directives_nothing_is_certain() -> None:
    with running_sim(job_seconds=0.05) as sim:
        add(sim, "early")
        sim.set_options(directive="none")
        add(sim, "later")
        data = json.loads(accounts(sim, "--json").stdout)
        table = accounts(sim).stdout
    assert data == {"cluster": CLUSTER, "history_complete": False, "accounts": [], "uncertain": ["early"]}
    assert "1 job(s) without a readable directive: accounts they made are not listed" in table
    assert "uncertain: early (1 newer job(s) without a readable directive could be its)" in table


def test_a_running_job_makes_its_user_uncertain_and_a_stopped_read_the_list_incomplete() -> None:
    fake = FakeClient()
    fake.add("add_user", {"user": "steady", "host": "%", "database": "*", "priv": "StandardAccount", "ssl": "NO",
                          "passwd": CANARY_PASSWORD})  # fmt: skip
    fake.add("add_user", {"user": "moving", "host": "%", "database": "*", "priv": "StandardAccount", "ssl": "NO",
                          "passwd": CANARY_PASSWORD})  # fmt: skip
    fake.history.insert(0, record("del_user", {"user": "moving", "host": "%"}, status="working"))
    fake.history += [record("add_user", {"user": f"u{n}", "host": "%"}) for n in range(150)]  # older, unread
    found = from_facts(read(fake, FAKE_CLUSTER, Deadline(10), max_pages=1))  # type: ignore[arg-type]
    listed = {a.user for a in found.accounts}
    assert "steady" in listed and "moving" not in listed and len(listed) == 98  # steady and 97 older ones
    assert [(u.user, u.why.split(" job ")[0]) for u in found.uncertain] == [("moving", "del_user")]
    assert not found.history_complete and found.depth.stopped == "page cap"
    assert found.as_json()["uncertain"] == ["moving"]


def test_the_plain_function_serves_scripts_without_loading_a_framework(sim: Sim) -> None:
    add(sim, "orders_rw", "--database", "orders")
    script = f"""
import json, os, sys
from qingcloud_mysqlplus.bridge.inventory import inventory
from qingcloud_mysqlplus.qingcloud.client import Client
from qingcloud_mysqlplus.qingcloud.retry import Deadline
client = Client(access_key=os.environ["QINGCLOUD_ACCESS_KEY"], secret_key=os.environ["QINGCLOUD_SECRET_KEY"],
                zone="{ZONE}", endpoint=os.environ["QINGCLOUD_ENDPOINT"])
found = inventory(client, "{CLUSTER}", Deadline(30))
print(json.dumps([found.as_json()["accounts"][0]["user"], [m for m in ("cdktf", "cdktn", "jsii") if m in sys.modules]]))
"""
    ran = subprocess.run(
        [sys.executable, "-c", script], env=bridge_env(sim), capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == ["orders_rw", []]
