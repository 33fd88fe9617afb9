"""The per-cluster lock: taken at once or waited for, and a queued bridge steps back while it prepares."""

from __future__ import annotations

import subprocess
import threading
import time
import types
from pathlib import Path

import pytest

from helpers import CANARY_PASSWORD, CLUSTER, VENV_BIN, ZONE, Sim, bridge_env
from qingcloud_mysqlplus.bridge import lock
from qingcloud_mysqlplus.bridge.lock import QUEUED_NICENESS, ClusterLock, read_holder
from qingcloud_mysqlplus.qingcloud.errors import DeadlineExceeded
from qingcloud_mysqlplus.qingcloud.retry import Deadline


def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The lock's sleeps from now on, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(lock, "time", types.SimpleNamespace(sleep=slept.append))
    return slept


def test_one_holder_per_cluster_and_the_next_waits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with ClusterLock(ZONE, CLUSTER, tmp_path) as first, ClusterLock(ZONE, CLUSTER, tmp_path) as second:
        assert first.try_take() and first.held
        assert not second.try_take() and not second.held
        with ClusterLock(ZONE, "cl-other001", tmp_path) as other:
            assert other.try_take()  # another cluster is not held up
        with pytest.raises(DeadlineExceeded, match=f"waiting for the other bridge working on {CLUSTER}"):
            second.wait(Deadline(0.2))
        first.close()
        noticed: list[bool] = []
        slept = no_sleep(monkeypatch)
        second.wait(Deadline(5), on_wait=lambda: noticed.append(True))
        assert second.held and not noticed and slept == []  # taken at the first try: no wait, no sleep


def niceness(pid: int) -> int:
    """Field 19 of /proc/PID/stat (after the command name in parentheses)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])


def test_a_bridge_queued_behind_another_lowers_its_priority_then_goes(sim: Sim, tmp_path: Path) -> None:
    environ = bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD, QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(tmp_path))
    with ClusterLock(ZONE, CLUSTER, tmp_path, holder="add-user first_rw@% (pid 1)") as held:
        assert held.try_take()
        bridge = subprocess.Popen(
            [str(VENV_BIN / "qingcloud-mysqlplus"), "add-user", "--cluster", CLUSTER, "--user", "queued_rw"],
            env=environ, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert bridge.stderr is not None
        line = bridge.stderr.readline()
        assert "waiting for the cluster lock, held by add-user first_rw@% (pid 1)" in line, line
        assert niceness(bridge.pid) == QUEUED_NICENESS
        assert sim.jobs() == []  # nothing sent while the cluster is held
    assert bridge.wait(timeout=60) == 0, bridge.stderr.read()
    assert "queued_rw" in sim.accounts()


def test_a_bridge_with_the_cluster_to_itself_keeps_its_priority(sim: Sim, tmp_path: Path) -> None:
    environ = bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD, QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(tmp_path))
    sim.fault("job_hang")
    bridge = subprocess.Popen(
        [str(VENV_BIN / "qingcloud-mysqlplus"), "add-user", "--cluster", CLUSTER, "--user", "alone_rw"],
        env={**environ, "QINGCLOUD_MYSQLPLUS_TIMEOUT": "20"}, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while not sim.jobs() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sim.jobs() and niceness(bridge.pid) == 0
    finally:
        bridge.kill()
        bridge.wait()


def test_the_holder_says_which_account_and_the_waiter_hears_each_one(tmp_path: Path) -> None:
    heard: list[str] = []
    first = ClusterLock(ZONE, CLUSTER, tmp_path, holder="add-user a_rw@% (pid 1)")
    waiter = ClusterLock(ZONE, CLUSTER, tmp_path, holder="add-user c_rw@% (pid 3)", on_wait=heard.append)
    assert first.try_take() and read_holder(first.holder_path) == "add-user a_rw@% (pid 1)"
    assert first.holder_path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(DeadlineExceeded, match=r"held by add-user a_rw@% \(pid 1\)"):
        waiter.wait(Deadline(0.2))
    first.close()  # the next in line takes its turn, and says so
    assert not first.holder_path.exists()
    second = ClusterLock(ZONE, CLUSTER, tmp_path, holder="add-user b_rw@% (pid 2)")
    assert second.try_take()
    heard.clear()
    timer = threading.Timer(1.2, second.close)
    timer.start()
    waiter.wait(Deadline(10))
    timer.join()
    assert heard == ["add-user b_rw@% (pid 2)"] and waiter.held
    assert read_holder(waiter.holder_path) == "add-user c_rw@% (pid 3)"
    waiter.close()
