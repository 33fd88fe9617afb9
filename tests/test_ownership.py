"""The hard case: add_user succeeded on the cluster but the bridge never saw it.

A later add meets the account.  The bridge must take it over when the journal
and the cluster's jobs prove it made it, and must leave anything else alone
with a message that says what to run.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import CANARY_PASSWORD, CLUSTER, Sim, assert_no_secret, bridge_env, run_bridge

ADD = ["add-user", "--cluster", CLUSTER, "--user", "app_rw", "--http-timeout", "1"]
SECOND_PASSWORD = "Canary@Pw-2nd-77"


def env(sim: Sim, password: str = CANARY_PASSWORD, **extra: str) -> dict[str, str]:
    return bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=password, **extra)


def services(sim: Sim) -> list[str]:
    return [f"{j['service']}:{j['status']}" for j in sim.jobs()]


def journal_files(sim: Sim) -> list[Path]:
    return sorted(Path(sim.journal).glob("*.json"))


def recorded_jobs(sim: Sim) -> list[str | None]:
    """The job ids the journal holds as made by this tool."""
    return [a["job_id"] for f in journal_files(sim) for a in json.loads(f.read_text())["attempts"]]


def successful(sim: Sim, service: str = "add_user") -> list[str]:
    return [j["job_id"] for j in sim.jobs() if j["service"] == service and j["status"] == "successful"]


def test_answer_lost_then_retry_meets_the_account_in_the_same_run(sim: Sim) -> None:
    sim.fault("drop_after", on="add_user")  # the job is created, its answer never arrives
    result = run_bridge(ADD, env(sim))
    assert result.returncode == 0, result.stderr
    assert "its answer was lost; the cluster's jobs show it made the account" in result.stderr
    assert services(sim) == ["add_user:successful", "add_user:failed"]
    assert list(sim.accounts()) == ["app_rw"]
    assert recorded_jobs(sim) == successful(sim)  # kept as the proof that this tool made it
    assert_no_secret(result.stderr)


def test_account_made_but_never_recorded_by_terraform_is_recreated(sim: Sim) -> None:
    # The bridge saw success, but Terraform was killed before storing the account in its state.
    assert run_bridge(ADD, env(sim)).returncode == 0
    again = run_bridge(ADD, env(sim, SECOND_PASSWORD))
    assert again.returncode == 0, again.stderr
    assert "recreated app_rw@% on cl-test0001" in again.stderr
    assert services(sim)[-3:] == ["add_user:failed", "del_user:successful", "add_user:successful"]
    assert recorded_jobs(sim) == successful(sim)[-1:]
    deleted = run_bridge(["del-user", "--cluster", CLUSTER, "--user", "app_rw"], env(sim))
    assert deleted.returncode == 0 and journal_files(sim) == []  # the account is gone, and so is its record


def test_job_seen_by_no_one_is_taken_over_by_the_next_run(sim: Sim) -> None:
    sim.fault("job_hang", on="add_user")
    first = run_bridge([*ADD, "--timeout", "2"], env(sim))
    assert first.returncode == 1
    assert "may still finish" in first.stderr
    [record] = journal_files(sim)
    attempt = json.loads(record.read_text())["attempts"][0]
    assert attempt["job_id"].startswith("j-") and "passwd" not in attempt["params"]
    sim.clear_faults()  # the hung job now finishes: the account exists, Terraform does not know
    assert list(sim.accounts()) == ["app_rw"]

    second = run_bridge(ADD, env(sim, SECOND_PASSWORD))
    assert second.returncode == 0, second.stderr
    assert "made by this tool's job" in second.stderr and "recreated app_rw@% on cl-test0001" in second.stderr
    assert services(sim)[-3:] == ["add_user:failed", "del_user:successful", "add_user:successful"]
    assert list(sim.accounts()) == ["app_rw"]
    assert recorded_jobs(sim) == successful(sim)[-1:]
    assert_no_secret(first.stderr, second.stderr)
    assert SECOND_PASSWORD not in second.stderr


def test_connection_lost_until_the_deadline_then_the_next_run(sim: Sim) -> None:
    sim.fault("drop_after", on="RunClusterCustomService", count=-1)  # every submit processed, never answered
    first = run_bridge([*ADD, "--timeout", "3"], env(sim))
    assert first.returncode == 1
    assert "did not finish within 3 s" in first.stderr
    [record] = journal_files(sim)
    assert json.loads(record.read_text())["attempts"][0]["job_id"] is None  # nothing tells which job is ours
    sim.clear_faults()

    second = run_bridge(ADD, env(sim, SECOND_PASSWORD))
    assert second.returncode == 0, second.stderr
    assert "recreated app_rw@% on cl-test0001" in second.stderr
    assert list(sim.accounts()) == ["app_rw"]


def test_an_account_someone_else_made_is_never_touched(sim: Sim, tmp_path: Path) -> None:
    # Our first try fails for good; then someone else (own journal) creates the same account.
    sim.fault("job_fail", on="add_user")
    assert run_bridge(ADD, env(sim)).returncode == 1
    assert journal_files(sim) == []  # a seen failure proves nothing later
    other = run_bridge(ADD, env(sim, QINGCLOUD_MYSQLPLUS_JOURNAL_DIR=str(tmp_path)))
    assert other.returncode == 0, other.stderr

    ours = run_bridge(ADD, env(sim))
    assert ours.returncode == 1
    line = ours.stderr.strip().splitlines()[-1]
    assert "app_rw already exists on cl-test0001 and nothing shows this stack created it" in line
    assert "qingcloud-mysqlplus del-user --zone sh1a --cluster cl-test0001 --user app_rw --host %" in line
    assert "replace_existing=True" in line
    assert not [j for j in sim.jobs() if j["service"] == "del_user"]
    assert list(sim.accounts()) == ["app_rw"]


def test_unproven_evidence_is_not_enough(sim: Sim, tmp_path: Path) -> None:
    # Our request is lost before the cluster sees it; meanwhile someone else makes the account.
    sim.fault("drop", on="RunClusterCustomService", count=-1)
    assert run_bridge([*ADD, "--timeout", "2"], env(sim)).returncode == 1
    assert len(journal_files(sim)) == 1  # the outcome was not seen: kept as evidence
    sim.clear_faults()
    made = run_bridge(ADD, env(sim, QINGCLOUD_MYSQLPLUS_JOURNAL_DIR=str(tmp_path)))
    assert made.returncode == 0, made.stderr
    # That job is newer than what our attempt saw before sending, but was made after we gave up.
    ours = run_bridge(ADD, env(sim))
    assert ours.returncode == 1
    assert "nothing shows this stack created it" in ours.stderr
    assert not [j for j in sim.jobs() if j["service"] == "del_user"]
