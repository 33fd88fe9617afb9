"""The bridge command against the simulator when things go wrong, over real HTTP: one clear line per
failure, transient faults retried, a busy cluster waited for, deadlines kept, turns taken, SIGTERM told."""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import ADD, VENV_BIN, Sim, assert_no_secret, password_env, run_bridge


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
    result = run_bridge([*ADD, *args], password_env(sim, **extra))
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
    result = run_bridge(
        ADD, password_env(sim, QINGCLOUD_MYSQLPLUS_HTTP_METHOD=method, QINGCLOUD_MYSQLPLUS_HTTP_TIMEOUT="0.7")
    )
    assert result.returncode == 0, result.stderr
    assert sim.struck().get(kind, 0) >= 1
    said = "is updating (another job holds it)" if kind == "busy" else "retrying in"
    assert said in result.stderr
    assert "app_rw" in sim.accounts()
    assert_no_secret(result.stderr)


@pytest.mark.parametrize(("kind", "status"), [("job_fail", "failed"), ("job_done_with_failure", "done with failure")])
def test_failed_job_names_the_job_and_what_to_check(sim: Sim, kind: str, status: str) -> None:
    sim.fault(kind, on="add_user")
    result = run_bridge(ADD, password_env(sim))
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
    result = run_bridge(ADD, password_env(sim))
    assert result.returncode == 1
    assert time.monotonic() - started < 10
    line = result.stderr.strip().splitlines()[-1]
    assert "ret_code 1400" in line and "permission denial" in line and "no rights on this cluster" in line
    assert sim.jobs() == []


def test_a_busy_cluster_in_chinese_is_waited_for(sim: Sim) -> None:
    sim.set_options(busy_language="zh")
    sim.fault("busy", seconds=1.5)
    result = run_bridge(ADD, password_env(sim))
    assert result.returncode == 0, result.stderr
    assert "app_rw" in sim.accounts() and sim.stats()["busy_refusals"] >= 1


def test_deadline_on_a_job_that_never_ends(sim: Sim) -> None:
    sim.fault("job_hang")
    started = time.monotonic()
    result = run_bridge(ADD, password_env(sim, QINGCLOUD_MYSQLPLUS_TIMEOUT="2"))
    assert result.returncode == 1
    assert time.monotonic() - started < 10
    assert "did not finish within 2 s" in result.stderr and "may still finish" in result.stderr
    assert "the next run finds the account in the cluster's job history" in result.stderr


def test_fault_outlasting_the_deadline(sim: Sim) -> None:
    sim.fault("http500", count=-1)
    result = run_bridge(ADD, password_env(sim, QINGCLOUD_MYSQLPLUS_TIMEOUT="2"))
    assert result.returncode == 1
    assert "answered HTTP 500" in result.stderr.strip().splitlines()[-1]


def test_parallel_bridges_take_turns(sim: Sim, tmp_path: Path) -> None:
    users = [f"user{i}" for i in range(6)]
    environ = password_env(sim, QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(tmp_path))
    with ThreadPoolExecutor(len(users)) as pool:
        results = list(pool.map(lambda u: run_bridge([*ADD[:-1], u], environ), users))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    assert set(sim.accounts()) == set(users)
    assert sim.stats()["busy_refusals"] == 0  # the lock, not retries, kept them apart


def test_sigterm_reports_the_running_job(sim: Sim) -> None:
    sim.fault("job_hang")
    process = subprocess.Popen(
        [str(VENV_BIN / "qingcloud-mysqlplus"), *ADD], env=password_env(sim), stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 10
    while not any(j["status"] in ("pending", "working") for j in sim.jobs()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    process.terminate()
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 130
    assert "interrupted by SIGTERM; job j-" in stderr and "may still finish" in stderr
