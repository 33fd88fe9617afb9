"""The notes the first bridge on a cluster leaves for the others: the app_id and the job times, so that
parallel bridges ask the API once for them, not once each (real bridge processes, the simulator)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from helpers import CANARY_PASSWORD, CLUSTER, VENV_BIN, ZONE, Sim, assert_no_secret, bridge_env, running_sim
from qingcloud_mysqlplus.bridge.lock import ClusterLock
from qingcloud_mysqlplus.bridge.notes import ClusterNotes


def add_together(sim: Sim, users: list[str], lock_dir: Path) -> list[subprocess.CompletedProcess[str]]:
    env = bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD, QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(lock_dir))
    started = [subprocess.Popen([str(VENV_BIN / "qingcloud-mysqlplus"), "add-user", "--zone", ZONE, "--cluster",
                                 CLUSTER, "--user", user], env=env, stderr=subprocess.PIPE, text=True)
               for user in users]  # fmt: skip
    return [subprocess.CompletedProcess(p.args, p.wait(120), "", p.stderr.read() if p.stderr else "") for p in started]


def test_parallel_bridges_ask_the_app_id_once_and_read_the_job_times_of_those_ahead(tmp_path: Path) -> None:
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir(mode=0o700)
    users = ["note_a", "note_b", "note_c", "note_d"]
    with running_sim(job_seconds=0.3) as sim:
        results = add_together(sim, users, lock_dir)
        for result in results:
            assert result.returncode == 0, result.stderr
            assert_no_secret(result.stderr)
        calls = sim.stats()["requests_per_action"]
        assert set(sim.accounts()) == set(users)
    assert calls["DescribeClusters"] == 1  # the first bridge's; the others read its app_id
    assert calls["DescribeClusterJobs"] == len(users)  # one first look each, no second look after the queue
    notes = ClusterNotes(next(lock_dir.glob("*.notes.json")), sim.url)
    timed = ClusterNotes(next(lock_dir.glob("*.times.json")), sim.url)
    assert notes.app_id() == "app-00r26u27" and len(timed.times("add_user")) == len(users)
    assert ClusterNotes(timed.path, "https://elsewhere.invalid/iaas/").times("add_user") == []  # another endpoint's
    assert stat.S_IMODE(os.stat(notes.path).st_mode) == 0o600 and stat.S_IMODE(os.stat(timed.path).st_mode) == 0o600


def test_damaged_or_linked_notes_only_cost_the_calls(tmp_path: Path) -> None:
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir(mode=0o700)
    path = ClusterLock(ZONE, CLUSTER, lock_dir).notes_path
    path.write_text("{not json")
    assert ClusterNotes(path, "x").app_id() == "" and ClusterNotes(path, "x").times("add_user") == []
    path.unlink()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text('{"app_id": "app-planted", "endpoint": "x"}')
    path.symlink_to(elsewhere)
    assert ClusterNotes(path, "x").app_id() == ""  # a link is not followed
    with running_sim(job_seconds=0.05) as sim:
        (result,) = add_together(sim, ["note_e"], lock_dir)
        assert result.returncode == 0, result.stderr
        assert sim.stats()["requests_per_action"]["DescribeClusters"] == 1
    assert (
        elsewhere.read_text() == '{"app_id": "app-planted", "endpoint": "x"}'
    )  # the link was replaced, not its target
    assert ClusterNotes(path, sim.url).app_id() == "app-00r26u27"
    assert ClusterNotes(path, "https://api.qingcloud.com:443/iaas/").app_id() == ""  # learned from another endpoint
