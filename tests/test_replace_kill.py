"""A replacement is one turn per account, and a bridge killed between its two jobs converges on the next run.

Real simulator, real bridge processes.  Under each way QingCloud may answer
a second host for an existing user (``second_host``; refused as a failed job
or as 2110, or accepted), a host change and a password change run once, and
once killed (SIGTERM, SIGKILL) between the delete and the add (or, where a
second host is taken, between the add and the delete): the killed run's
second request is held by the ``busy`` fault, then the next run, from a
fresh runner (another lock directory), ends with the declared account only.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers import ADD, CANARY_PASSWORD, VENV_BIN, Sim, assert_no_secret, bridge_env, run_bridge, running_sim
from qingcloud_mysqlplus.sim import SimOptions

OLD_PASSWORD = "Canary@Old-2468x"
MODES = {"refuse-job": SimOptions(), "refuse-2110": SimOptions(add_existing="refused_2110"),
         "accept": SimOptions(second_host="accept")}  # fmt: skip


@pytest.fixture(params=list(MODES))
def sim(request: pytest.FixtureRequest) -> Iterator[Sim]:
    with running_sim(job_seconds=0.6, options=MODES[request.param]) as s:
        yield s


def env(sim: Sim, tmp: Path, password: str = CANARY_PASSWORD) -> dict[str, str]:
    return bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=password, QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(tmp))


def made(sim: Sim, tmp: Path, host: str) -> None:
    assert run_bridge([*ADD, "--host", host], env(sim, tmp / "first", OLD_PASSWORD)).returncode == 0


def account_jobs(sim: Sim) -> list[tuple[str, str]]:
    return [(j["service"], j["status"]) for j in sim.jobs() if j["service"] in ("add_user", "del_user")]


def accepted(sim: Sim) -> bool:
    return bool(sim.control.options()["second_host"] == "accept")


@pytest.mark.parametrize("host", ["10.0.0.1", "%"], ids=["host change", "password change"])
def test_a_replacement_runs_its_two_jobs_in_one_turn(sim: Sim, tmp_path: Path, host: str) -> None:
    made(sim, tmp_path, host)
    result = run_bridge([*ADD, "--host", "%", "--replace-existing"], env(sim, tmp_path))
    assert result.returncode == 0, result.stderr
    assert "replaced app_rw@%" in result.stderr
    jobs = account_jobs(sim)[1:]
    if host == "%":
        assert jobs == [("del_user", "successful"), ("add_user", "successful")]
    elif accepted(sim):
        assert jobs == [("add_user", "successful"), ("del_user", "successful")] and "no gap" in result.stderr
    else:
        refused = [("add_user", "failed")] if sim.control.options()["add_existing"] == "job_fails" else []
        assert jobs == [*refused, ("del_user", "successful"), ("add_user", "successful")]
    assert sim.accounts()["app_rw"]["hosts"] == ["%"]
    assert_no_secret(result.stderr)


def _wait(condition: object, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


@pytest.mark.reliability
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("host", ["10.0.0.1", "%"], ids=["host change", "password change"])
def test_killed_between_the_two_jobs_the_next_run_converges(sim: Sim, tmp_path: Path, host: str, signum: int,
                                                            reliability: Callable[..., None]) -> None:  # fmt: skip
    made(sim, tmp_path, host)
    before = len(sim.jobs())
    first, second = ("add_user", "del_user") if accepted(sim) and host != "%" else ("del_user", "add_user")
    args = [*ADD, "--host", "%", "--replace-existing"]
    bridge = subprocess.Popen([str(VENV_BIN / "qingcloud-mysqlplus"), *args], env=env(sim, tmp_path / "killed"),
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        _wait(lambda: any(j["service"] == first for j in sim.jobs()[before:]), f"no {first} job")
        sim.fault("busy", on=second, seconds=1.5)  # the second request meets a cluster in transition
        _wait(lambda: sim.struck().get("busy"), f"{second} was not sent")
        bridge.send_signal(signum)
        _, stderr = bridge.communicate(timeout=20)
    finally:
        bridge.kill()
    assert bridge.returncode != 0 and [s for s, _ in account_jobs(sim)[1:]][-1] == first  # killed between them
    again = run_bridge(args, env(sim, tmp_path / "fresh"))  # another runner: another lock directory
    assert again.returncode == 0, again.stderr
    hosts = sim.accounts()["app_rw"]["hosts"]
    options = sim.control.options()
    hits = sum(text.count(p) for text in (stderr, again.stderr) for p in (CANARY_PASSWORD, OLD_PASSWORD))
    reliability(f"replacement killed between its jobs ({'host' if host != '%' else 'password'} change), "
                f"second_host={options['second_host']}, add_existing={options['add_existing']}",
                f"{signal.Signals(signum).name} between {first} and {second}",
                f"next run (fresh runner) exit {again.returncode}; hosts {hosts}", ["app_rw"], sim.accounts(), hits)  # fmt: skip
    assert hosts == ["%"]
    assert ("adopted app_rw@%" if first == "add_user" else "added app_rw@%") in again.stderr  # from the history
    assert_no_secret(stderr, again.stderr)
