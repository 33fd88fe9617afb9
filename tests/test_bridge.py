"""The bridge command against the simulator, over real HTTP, as Terraform runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import (
    ACCESS_KEY,
    CANARY_PASSWORD,
    CLUSTER,
    SECRET_KEY,
    VENV_BIN,
    ZONE,
    Sim,
    assert_no_secret,
    bridge_env,
    run_bridge,
)

ADD = ["add-user", "--cluster", CLUSTER, "--user", "app_rw"]
DEL = ["del-user", "--cluster", CLUSTER, "--user", "app_rw"]


def env(sim: Sim, **extra: str) -> dict[str, str]:
    return bridge_env(sim, **{"QINGCLOUD_MYSQLPLUS_PASSWORD": CANARY_PASSWORD, **extra})


def test_add_then_delete(sim: Sim) -> None:
    added = run_bridge([*ADD, "--host", "10.0.0.5;192.168.1.0/24", "--database", "orders"], env(sim))
    assert added.returncode == 0, added.stderr
    assert "added app_rw@10.0.0.5;192.168.1.0/24 to cl-test0001" in added.stderr
    account = sim.accounts()["app_rw"]
    assert account["hosts"] == ["10.0.0.5", "192.168.1.0/255.255.255.0"]
    assert (account["database"], account["priv"], account["ssl"]) == ("orders", "StandardAccount", "NO")
    deleted = run_bridge([*DEL, "--host", "10.0.0.5;192.168.1.0/24"], env(sim))
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted app_rw" in deleted.stderr
    assert sim.accounts() == {}
    assert_no_secret(added.stdout, added.stderr, deleted.stdout, deleted.stderr)


def test_everything_from_the_environment(sim: Sim) -> None:
    extra = {
        "QINGCLOUD_MYSQLPLUS_CLUSTER": CLUSTER, "QINGCLOUD_MYSQLPLUS_USER": "envuser",
        "QINGCLOUD_MYSQLPLUS_HOST": "127.0.0.1", "QINGCLOUD_MYSQLPLUS_DATABASE": "*",
        "QINGCLOUD_MYSQLPLUS_PRIV": "SuperuserAccount", "QINGCLOUD_MYSQLPLUS_SSL": "0",
    }  # fmt: skip
    result = run_bridge(["add-user"], env(sim, **extra))
    assert result.returncode == 0, result.stderr
    assert sim.accounts()["envuser"]["priv"] == "SuperuserAccount"


def test_password_from_stdin_and_named_variable(sim: Sim) -> None:
    base = bridge_env(sim)
    by_stdin = run_bridge([*ADD, "--password-stdin"], base, stdin=CANARY_PASSWORD + "\n")
    assert by_stdin.returncode == 0, by_stdin.stderr
    by_name = run_bridge([*ADD[:-1], "other", "--password-env", "MY_PW"], {**base, "MY_PW": CANARY_PASSWORD})
    assert by_name.returncode == 0, by_name.stderr
    assert set(sim.accounts()) == {"app_rw", "other"}


def test_no_password_flag_exists(sim: Sim) -> None:
    result = run_bridge([*ADD, "--password", CANARY_PASSWORD], bridge_env(sim))
    assert result.returncode == 2
    assert "--password" in result.stderr
    missing = run_bridge(ADD, bridge_env(sim))
    assert missing.returncode == 2
    assert "no password: set QINGCLOUD_MYSQLPLUS_PASSWORD or use --password-stdin" in missing.stderr


def test_bad_input_exits_2_and_sends_nothing(sim: Sim) -> None:
    cases = [
        ([*ADD[:-1], "root"], "reserved"),
        ([*ADD, "--host", "10.0.0.1/24"], "10.0.0.0/24"),
        ([*ADD, "--priv", "SuperuserAccount", "--database", "orders"], "SuperuserAccount"),
        ([*ADD, "--timeout", "-3"], "positive number"),
        ([*ADD, "--http-method", "PUT"], "GET or POST"),
    ]
    for args, says in cases:
        result = run_bridge(args, env(sim))
        assert result.returncode == 2, (args, result.stderr)
        assert says in result.stderr
        assert "Traceback" not in result.stderr
    weak = run_bridge(ADD, bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD="Weakpassword1"))
    assert weak.returncode == 2 and "special" in weak.stderr and "Weakpassword1" not in weak.stderr
    assert sim.stats()["requests"] == 0


def test_missing_credentials_say_where_they_were_looked_for(sim: Sim, tmp_path: Path) -> None:
    environ = env(sim, HOME=str(tmp_path))
    del environ["QINGCLOUD_SECRET_KEY"]
    result = run_bridge(ADD, environ)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line
    assert "QINGCLOUD_SECRET_KEY" in line and str(tmp_path / ".qingcloud" / "config.yaml") in line


def test_config_file_and_precedence(sim: Sim, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    host, port = sim.url.split("//")[1].split("/")[0].split(":")
    config.write_text(
        f"qy_access_key_id: {ACCESS_KEY}\nqy_secret_access_key: {SECRET_KEY}\nzone: {ZONE}\n"
        f"host: {host}\nport: {port}\nprotocol: http\n"
    )
    environ = {k: v for k, v in env(sim).items() if not k.startswith("QINGCLOUD_") or "MYSQLPLUS" in k}
    result = run_bridge([*ADD, "--config", str(config)], environ)
    assert result.returncode == 0, result.stderr
    # The environment beats the file: a wrong key there makes the call fail.
    wrong = run_bridge([*ADD[:-1], "x2", "--config", str(config)], {**environ, "QINGCLOUD_ACCESS_KEY": "QYWRONG"})
    assert wrong.returncode == 1 and "1200" in wrong.stderr
    # A flag beats the environment: --zone elsewhere does not find the cluster.
    flagged = run_bridge([*ADD[:-1], "x3", "--zone", "pek3a"], env(sim))
    assert flagged.returncode == 1 and "2100" in flagged.stderr


OTHER_PASSWORD = "Canary@Other-9911"


def test_an_account_made_elsewhere_exactly_as_declared_is_adopted_without_a_job(sim: Sim) -> None:
    assert run_bridge(ADD, env(sim)).returncode == 0
    jobs = len(sim.jobs())
    again = run_bridge(ADD, env(sim))
    assert again.returncode == 0, again.stderr
    assert "adopted app_rw@% on cl-test0001" in again.stderr and "exactly as declared" in again.stderr
    assert len(sim.jobs()) == jobs  # decided from the history: no job sent
    assert_no_secret(again.stderr)


def test_an_account_made_otherwise_is_left_alone_then_replaced_on_request(sim: Sim) -> None:
    assert run_bridge(ADD, env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=OTHER_PASSWORD)).returncode == 0
    again = run_bridge(ADD, env(sim))
    assert again.returncode == 1
    line = again.stderr.strip().splitlines()[-1]
    assert "app_rw already exists on cl-test0001 (made by job j-" in line and "not as declared" in line
    assert "qingcloud-mysqlplus del-user --zone sh1a --cluster cl-test0001 --user app_rw --host %" in line
    assert "--replace-existing" in line
    replaced = run_bridge([*ADD, "--database", "orders", "--replace-existing"], env(sim))
    assert replaced.returncode == 0, replaced.stderr
    assert "replaced app_rw@%" in replaced.stderr
    assert sim.accounts()["app_rw"]["database"] == "orders"
    assert_no_secret(again.stderr, replaced.stderr)
    assert OTHER_PASSWORD not in again.stderr + replaced.stderr


def test_delete_missing_is_done_from_the_evidence(sim: Sim) -> None:
    result = run_bridge(DEL, env(sim))
    assert result.returncode == 0, result.stderr
    assert "app_rw@% is not on cl-test0001: no successful add_user for app_rw is listed" in result.stderr


def test_keep_deletes_nothing(sim: Sim) -> None:
    assert run_bridge(ADD, env(sim)).returncode == 0
    kept = run_bridge([*DEL, "--keep"], env(sim))
    assert kept.returncode == 0 and "kept app_rw@%" in kept.stderr
    assert "app_rw" in sim.accounts()


@pytest.mark.parametrize(
    ("args", "extra", "code", "says"),
    [
        (["--cluster", "cl-nothere"], {}, 1, "2100"),
        ([], {"QINGCLOUD_SECRET_KEY": "wrong-secret"}, 1, "check QINGCLOUD_ACCESS_KEY"),
        ([], {"QINGCLOUD_ENDPOINT": "http://127.0.0.1:9/iaas/", "QINGCLOUD_MYSQLPLUS_TIMEOUT": "2"}, 1, "did not finish within 2 s"),
    ],
)  # fmt: skip
def test_api_failures_are_one_clear_line(
    sim: Sim, args: list[str], extra: dict[str, str], code: int, says: str
) -> None:
    result = run_bridge([*ADD, *args], env(sim, **extra))
    assert result.returncode == code
    last = result.stderr.strip().splitlines()[-1]
    assert says in last and "failed:" in last
    assert "Traceback" not in result.stderr
    assert_no_secret(result.stderr, result.stdout)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("http500", {"count": 2}),
        ("drop", {"count": 2}),
        ("drop", {"on": "DescribeJobs"}),
        ("drop_after", {"on": "DescribeJobs", "count": 2}),
        ("slow", {"on": "DescribeJobs", "seconds": 1.5}),
        ("retcode5100", {"count": 3}),
        ("busy", {"seconds": 1.0}),
    ],
)
def test_transient_faults_are_retried(sim: Sim, method: str, kind: str, options: dict[str, object]) -> None:
    sim.fault(kind, **options)
    result = run_bridge(ADD, env(sim, QINGCLOUD_MYSQLPLUS_HTTP_METHOD=method, QINGCLOUD_MYSQLPLUS_HTTP_TIMEOUT="0.7"))
    assert result.returncode == 0, result.stderr
    assert sim.struck().get(kind, 0) >= 1
    said = "is updating (another job holds it)" if kind == "busy" else "retrying in"
    assert said in result.stderr
    assert "app_rw" in sim.accounts()
    assert_no_secret(result.stderr)


@pytest.mark.parametrize(("kind", "status"), [("job_fail", "failed"), ("job_done_with_failure", "done with failure")])
def test_failed_job_names_the_job_and_what_to_check(sim: Sim, kind: str, status: str) -> None:
    sim.fault(kind, on="add_user")
    result = run_bridge(ADD, env(sim))
    assert result.returncode == 1
    job_id = next(j["job_id"] for j in sim.jobs() if j["status"] == status)
    line = result.stderr.strip().splitlines()[-1]
    assert f"job {job_id} ended {status}" in line and "a job gives no reason" in line
    assert "no successful add_user for app_rw is listed (read to the end: " in line
    assert "). If app_rw exists all the same" in line
    assert sim.accounts() == {}


def test_a_real_permission_denial_fails_at_once(sim: Sim) -> None:
    sim.fault("denied", count=-1, on="RunClusterCustomService")
    started = time.monotonic()
    result = run_bridge(ADD, env(sim))
    assert result.returncode == 1
    assert time.monotonic() - started < 10
    line = result.stderr.strip().splitlines()[-1]
    assert "ret_code 1400" in line and "permission denial" in line and "no rights on this cluster" in line
    assert sim.jobs() == []


def test_a_busy_cluster_in_chinese_is_waited_for(sim: Sim) -> None:
    sim.set_options(busy_language="zh")
    sim.fault("busy", seconds=1.5)
    result = run_bridge(ADD, env(sim))
    assert result.returncode == 0, result.stderr
    assert "app_rw" in sim.accounts() and sim.stats()["busy_refusals"] >= 1


def test_deadline_on_a_job_that_never_ends(sim: Sim) -> None:
    sim.fault("job_hang")
    started = time.monotonic()
    result = run_bridge(ADD, env(sim, QINGCLOUD_MYSQLPLUS_TIMEOUT="2"))
    assert result.returncode == 1
    assert time.monotonic() - started < 10
    assert "did not finish within 2 s" in result.stderr and "may still finish" in result.stderr
    assert "the next run finds the account in the cluster's job history" in result.stderr


def test_fault_outlasting_the_deadline(sim: Sim) -> None:
    sim.fault("http500", count=-1)
    result = run_bridge(ADD, env(sim, QINGCLOUD_MYSQLPLUS_TIMEOUT="2"))
    assert result.returncode == 1
    assert "answered HTTP 500" in result.stderr.strip().splitlines()[-1]


def test_parallel_bridges_take_turns(sim: Sim, tmp_path: Path) -> None:
    users = [f"user{i}" for i in range(6)]
    environ = env(sim, QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(tmp_path))
    with ThreadPoolExecutor(len(users)) as pool:
        results = list(pool.map(lambda u: run_bridge([*ADD[:-1], u], environ), users))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    assert set(sim.accounts()) == set(users)
    assert sim.stats()["busy_refusals"] == 0  # the lock, not retries, kept them apart


def test_sigterm_reports_the_running_job(sim: Sim) -> None:
    sim.fault("job_hang")
    process = subprocess.Popen(
        [str(VENV_BIN / "qingcloud-mysqlplus"), *ADD], env=env(sim), stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 10
    while not any(j["status"] in ("pending", "working") for j in sim.jobs()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    process.terminate()
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 130
    assert "interrupted by SIGTERM; job j-" in stderr and "may still finish" in stderr


def test_status_file_and_replay(sim: Sim, tmp_path: Path) -> None:
    status = tmp_path / "s" / "status.json"
    added = run_bridge(ADD, env(sim, QINGCLOUD_MYSQLPLUS_STATUS_FILE=str(status)))
    assert added.returncode == 0
    replayed = run_bridge(["replay", "--status-file", str(status)], bridge_env(sim))
    assert replayed.returncode == 0 and "added app_rw@%" in replayed.stderr
    assert not status.exists()
    failed = run_bridge(
        ADD, env(sim, QINGCLOUD_MYSQLPLUS_STATUS_FILE=str(status), QINGCLOUD_MYSQLPLUS_PASSWORD=OTHER_PASSWORD)
    )
    assert failed.returncode == 1
    replayed = run_bridge(["replay", "--status-file", str(status)], bridge_env(sim))
    assert replayed.returncode == 1 and "already exists" in replayed.stderr
    assert OTHER_PASSWORD not in status.read_text() if status.exists() else True
    gone = run_bridge(["replay", "--status-file", str(status)], bridge_env(sim))
    assert gone.returncode == 1 and "left no result" in gone.stderr


def test_help_documents_exit_codes_and_starts_without_cdktf() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "qingcloud_mysqlplus", "--help"],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": ""},
    )  # fmt: skip
    assert "0  done" in result.stdout and "2  bad input" in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert imported, "importtime printed nothing"
    assert not {m for m in imported if m.split(".")[0] in ("cdktf", "constructs", "jsii")}
