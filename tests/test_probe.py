"""``doctor --probe``: QingCloud's undocumented behaviours named as the simulator options they match.

Run against the simulator under each value of each option, over real HTTP:
the probe must report exactly the options the simulator runs with, never
print its throwaway password (read back here from the job's directive), and
always remove its account, or say how to.
"""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import time

import pytest

from helpers import CLUSTER, VENV_BIN, Sim, assert_no_secret, bridge_env, run_bridge, running_sim
from qingcloud_mysqlplus.bridge.probe import new_password, new_user
from qingcloud_mysqlplus.rules import check_password, check_user
from qingcloud_mysqlplus.sim import SimOptions

CASES = [  # every value of every option at least once, under each DescribeClusterJobs form
    {"add_existing": "job_fails", "second_host": "refuse", "del_missing": "job_fails", "directive": "clear",
     "form": "documented"},
    {"add_existing": "refused_2110", "second_host": "accept", "del_missing": "job_succeeds", "directive": "masked",
     "form": "sdk"},
    {"add_existing": "job_fails", "second_host": "accept", "del_missing": "job_succeeds", "directive": "none",
     "form": "documented"},
    {"add_existing": "refused_2110", "second_host": "refuse", "del_missing": "job_fails", "directive": "clear",
     "form": "sdk"},
]  # fmt: skip
REPORTED = ("add_existing", "second_host", "del_missing", "directive")


def probe(sim: Sim) -> subprocess.CompletedProcess[str]:
    result = run_bridge(["doctor", "--cluster", CLUSTER, "--probe"], bridge_env(sim))
    assert_no_secret(result.stdout, result.stderr, access_key=False)  # doctor's credentials check names the key id
    for password in sent_passwords(sim):
        assert password not in result.stdout + result.stderr
    return result


def sent_passwords(sim: Sim) -> list[str]:
    """The probe's passwords, from its add jobs' directives where the simulator keeps them in clear."""
    found = []
    for job in sim.jobs():
        if job["service"] == "add_user":
            record = sim.api("DescribeJobs", **{"jobs.1": job["job_id"], "verbose": 1})["job_set"][0]
            if record["directive"]:
                found.append(json.loads(json.loads(record["directive"])["service_params"])["passwd"])
    return [p for p in found if p != "******"]


def option_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "=" in line and " " not in line]


@pytest.mark.parametrize("options", CASES, ids=lambda o: ",".join(o.values()))
def test_the_probe_names_the_options_the_simulator_runs_with(options: dict[str, str]) -> None:
    chosen = SimOptions(**{name: options[name] for name in REPORTED}, cluster_jobs_form=options["form"])
    with running_sim(job_seconds=0.05, options=chosen) as sim:
        result = probe(sim)
        left = sim.accounts()
        jobs = [(j["service"], j["status"]) for j in sim.jobs()]
    assert result.returncode == 0, result.stdout + result.stderr
    assert option_lines(result.stdout) == [f"{name}={options[name]}" for name in REPORTED]
    assert left == {}
    adds = 2 if options["add_existing"] == "job_fails" else 1
    second = {("accept", "job_fails"): ["add_user", "del_user"], ("accept", "refused_2110"): ["add_user", "del_user"],
              ("refuse", "job_fails"): ["add_user"], ("refuse", "refused_2110"): []}  # fmt: skip
    expected = ["add_user"] * adds + second[(options["second_host"], options["add_existing"])] + ["del_user"] * 2
    assert [s for s, _ in jobs] == expected
    assert "paste the name=value lines above into an issue" in result.stdout
    assert ("job records keep add_user's password in clear" in result.stdout) is (options["directive"] == "clear")


def test_a_failed_delete_is_retried_and_the_account_removed(sim: Sim) -> None:
    sim.fault("job_fail", on="del_user", count=1)
    result = probe(sim)
    assert result.returncode == 1
    assert "probe: stopped: job " in result.stdout and "ended failed" in result.stdout
    assert "; removed qmp_probe_" in result.stdout and "(deleted, job j-" in result.stdout
    assert sim.accounts() == {} and option_lines(result.stdout) == ["add_existing=job_fails", "second_host=refuse"]


def test_an_account_it_cannot_remove_is_named_with_the_command_that_removes_it(sim: Sim) -> None:
    sim.fault("job_fail", on="del_user", count=-1)
    result = probe(sim)
    assert result.returncode == 1
    line = next(x for x in result.stdout.splitlines() if "is still on the cluster: remove it with: " in x)
    command = shlex.split(line.split("remove it with: ", 1)[1])
    user = command[command.index("--user") + 1]
    assert list(sim.accounts()) == [user] and user.startswith("qmp_probe_")
    sim.clear_faults()
    removed = run_bridge(command[1:], bridge_env(sim))
    assert removed.returncode == 0, removed.stderr
    assert sim.accounts() == {}


def test_an_add_that_fails_leaves_nothing_to_remove(sim: Sim) -> None:
    sim.fault("job_fail", on="add_user", count=1)
    result = probe(sim)
    assert result.returncode == 1 and "probe: stopped: job " in result.stdout
    assert "removed qmp_probe_" in result.stdout and "(absent" in result.stdout
    assert sim.accounts() == {} and option_lines(result.stdout) == []


def test_no_probe_when_a_check_fails(sim: Sim) -> None:
    sim.fault("denied", on="DescribeClusterNodes")
    result = probe(sim)
    assert result.returncode == 1 and "probe: not run: a check failed" in result.stdout
    assert "RunClusterCustomService" not in sim.stats()["requests_per_action"]


def test_names_and_passwords_are_random_and_valid() -> None:
    users, passwords = {new_user() for _ in range(200)}, {new_password() for _ in range(200)}
    assert len(users) == len(passwords) == 200
    assert all(check_user(u) == u and len(u) == 18 for u in users)
    assert all(check_password(p) == p for p in passwords)


def test_an_interrupted_probe_removes_its_account_first() -> None:
    with running_sim(job_seconds=1.0) as sim:
        process = subprocess.Popen([str(VENV_BIN / "qingcloud-mysqlplus"), "doctor", "--cluster", CLUSTER, "--probe"], env=bridge_env(sim),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        while not any(j["service"] == "add_user" for j in sim.jobs()):
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 130, out + err
        assert sim.accounts() == {}
    assert "probe: stopped: interrupted" in out and "removed qmp_probe_" in out
    assert_no_secret(out, err, access_key=False)


def test_a_second_host_that_cannot_be_deleted_at_once_is_still_removed() -> None:
    with running_sim(job_seconds=0.05, options=SimOptions(second_host="accept")) as sim:
        sim.fault("job_fail", on="del_user", count=1)  # the delete of the second host
        result = probe(sim)
        assert result.returncode == 1 and "probe: stopped: job " in result.stdout
        assert "removed qmp_probe_" in result.stdout and "@192.0.2.1 (deleted" in result.stdout
        assert sim.accounts() == {}
