"""What a user sees while a bridge works: the "still ..." lines (an injected clock), and the construct's
three add steps taking turns through the status file (real bridge processes, the simulator)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from helpers import ADD, CANARY_PASSWORD, Sim, assert_no_secret, bridge_env, run_bridge
from qingcloud_mysqlplus.bridge import contract
from qingcloud_mysqlplus.bridge.report import JOB_EVERY, PROGRESS_EVERY, Reporter

OTHER_PASSWORD = "Canary@Given-With-Var-4711"  # the value Terraform was given with -var


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def reporter(quiet: bool = False) -> tuple[Reporter, Clock, io.StringIO]:
    clock, stream = Clock(), io.StringIO()
    return Reporter("add-user a_rw@% on cl-x", quiet, stream, clock), clock, stream


def lines(stream: io.StringIO) -> list[str]:
    return [
        line.removeprefix("qingcloud-mysqlplus: add-user a_rw@% on cl-x: ") for line in stream.getvalue().splitlines()
    ]


def test_a_running_job_is_said_to_run_every_few_seconds_until_it_ends() -> None:
    report, clock, stream = reporter()
    report.status("add_user", "j-1", "submitted")
    clock.now += 1
    report.status("add_user", "j-1", "working")
    for _ in range(int(2 * JOB_EVERY)):  # the heartbeat looks every second here
        clock.now += 1
        report.tick()
    report.status("add_user", "j-1", "successful")
    clock.now += 3 * JOB_EVERY
    report.tick()
    assert lines(stream) == [
        "add_user job j-1 submitted (0.0 s)", "add_user job j-1 working (1.0 s)",
        f"add_user job j-1 still running, {JOB_EVERY:.0f} s so far ({JOB_EVERY:.1f} s)",
        f"add_user job j-1 still running, {2 * JOB_EVERY:.0f} s so far ({2 * JOB_EVERY:.1f} s)",
        f"add_user job j-1 successful ({1 + 2 * JOB_EVERY:.1f} s)",
    ]  # fmt: skip


def test_a_wait_for_the_lock_names_the_holder_then_whoever_holds_it_next() -> None:
    report, clock, stream = reporter()
    report.lock_held("add-user b_rw@% (pid 2)")
    clock.now += PROGRESS_EVERY / 2
    report.lock_held("add-user c_rw@% (pid 3)")  # the next in line took its turn: no line of its own
    report.tick()
    clock.now += PROGRESS_EVERY  # one line, however late the heartbeat looks
    report.tick()
    report.tick()
    assert lines(stream) == [
        "waiting for the cluster lock, held by add-user b_rw@% (pid 2) (0.0 s)",
        f"still waiting for the cluster lock, held by add-user c_rw@% (pid 3), {1.5 * PROGRESS_EVERY:.0f} s so far "
        f"({1.5 * PROGRESS_EVERY:.1f} s)",
    ]  # fmt: skip


def test_nothing_follows_stop_and_quiet_says_no_progress() -> None:
    report, clock, stream = reporter()
    report.status("add_user", "j-1", "submitted")
    report.stop()
    clock.now += 10 * JOB_EVERY
    report.tick()
    report.say("added a_rw@% to cl-x")
    assert report.last.endswith("added a_rw@% to cl-x") and len(lines(stream)) == 2
    quiet, clock, stream = reporter(quiet=True)
    quiet.lock_held("add-user b_rw@% (pid 2)")
    quiet.status("add_user", "j-1", "submitted")
    clock.now += 10 * PROGRESS_EVERY
    quiet.tick()
    assert stream.getvalue() == ""


def steps_env(sim: Sim, status: Path, **extra: str) -> dict[str, str]:
    return bridge_env(sim, QINGCLOUD_MYSQLPLUS_STATUS_FILE=str(status), **extra)


def test_the_visible_step_adds_when_the_variable_is_there_and_the_next_two_say_nothing(
    sim: Sim, tmp_path: Path
) -> None:
    status = tmp_path / "s.json"
    env = steps_env(sim, status, TF_VAR_pw=CANARY_PASSWORD)
    first = run_bridge(ADD, {**env, contract.PASSWORD_ENV: "TF_VAR_pw", contract.DEFER: "1"})
    assert first.returncode == 0 and "add_user job j-" in first.stderr and "added app_rw@%" in first.stderr
    assert json.loads(status.read_text())["step"] == "shown"
    hidden = {**env, contract.PASSWORD_ENV: "TF_VAR_pw", contract.PASSWORD: CANARY_PASSWORD, contract.IF_DEFERRED: "1"}
    second, replay = run_bridge(ADD, hidden), run_bridge(["replay"], env)
    assert (second.returncode, second.stderr, replay.returncode, replay.stderr) == (0, "", 0, "")
    assert not status.exists() and len(sim.jobs()) == 1
    assert_no_secret(first.stderr, first.stdout)


def test_without_the_variable_the_visible_step_defers_and_the_hidden_one_adds(sim: Sim, tmp_path: Path) -> None:
    status = tmp_path / "s.json"
    env = steps_env(sim, status)
    first = run_bridge(ADD, {**env, contract.PASSWORD_ENV: "TF_VAR_pw", contract.DEFER: "1"})
    assert first.returncode == 0 and "$TF_VAR_pw is not in Terraform's environment" in first.stderr
    assert json.loads(status.read_text())["step"] == "deferred" and sim.jobs() == []
    killed = run_bridge(["replay"], env)  # the hidden step left no result: as if it had been killed
    assert killed.returncode == 1 and "left no result" in killed.stderr
    run_bridge(ADD, {**env, contract.PASSWORD_ENV: "TF_VAR_pw", contract.DEFER: "1"})
    hidden = {**env, contract.PASSWORD_ENV: "TF_VAR_pw", contract.PASSWORD: CANARY_PASSWORD, contract.IF_DEFERRED: "1"}
    second = run_bridge(ADD, hidden)
    replay = run_bridge(["replay"], env)
    assert second.returncode == 0 and replay.returncode == 0 and "added app_rw@%" in replay.stderr
    assert len(sim.jobs()) == 1 and not status.exists()
    assert_no_secret(first.stderr, second.stderr, replay.stderr)


def test_a_password_env_account_never_defers_its_missing_variable(sim: Sim, tmp_path: Path) -> None:
    status = tmp_path / "s.json"
    first = run_bridge(ADD, {**steps_env(sim, status), contract.PASSWORD_ENV: "APP_RW_PW", contract.DEFER: "0"})
    assert first.returncode == 2 and "no password: set APP_RW_PW" in first.stderr and sim.jobs() == []
    replay = run_bridge(["replay"], steps_env(sim, status))  # so Terraform's error block holds this line alone
    assert replay.returncode == 2 and replay.stderr.strip() == first.stderr.strip()


def test_a_variable_that_is_not_the_value_terraform_was_given_fails_the_replay(sim: Sim, tmp_path: Path) -> None:
    """TF_VAR_pw in the environment, and another value from -var: Terraform's wins, so the add was wrong."""
    status = tmp_path / "s.json"
    env = steps_env(sim, status, TF_VAR_pw=CANARY_PASSWORD)
    first = run_bridge(ADD, {**env, contract.PASSWORD_ENV: "TF_VAR_pw", contract.DEFER: "1"})
    assert first.returncode == 0
    hidden = {**env, contract.PASSWORD_ENV: "TF_VAR_pw", contract.PASSWORD: OTHER_PASSWORD, contract.IF_DEFERRED: "1"}
    second, replay = run_bridge(ADD, hidden), run_bridge(["replay"], env)
    assert second.returncode == 0 and second.stderr == "" and len(sim.jobs()) == 1
    assert replay.returncode == 1 and "$TF_VAR_pw is not the value Terraform was given" in replay.stderr
    assert_no_secret(replay.stderr)
    assert OTHER_PASSWORD not in replay.stderr + json.dumps(list(tmp_path.iterdir()))


def test_a_value_where_the_variable_name_goes_is_never_shown(sim: Sim, tmp_path: Path) -> None:
    status = tmp_path / "s.json"
    env = {**steps_env(sim, status), contract.PASSWORD_ENV: CANARY_PASSWORD, contract.DEFER: "1"}
    first = run_bridge(ADD, env)
    assert first.returncode == 0 and f"{contract.PASSWORD_ENV} is not a variable name" in first.stderr
    assert_no_secret(first.stderr, status.read_text())
