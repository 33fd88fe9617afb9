"""``python -m qingcloud_mysqlplus.sim``: today's flags, the option flags and the control subcommands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import ACCESS_KEY, CANARY_PASSWORD, SECRET_KEY, Sim, assert_no_secret

CLUSTER, ZONE = "cl-cli0001", "pek3a"


def sim_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "qingcloud_mysqlplus.sim", *args], capture_output=True, text=True,
                            timeout=30, check=False)  # fmt: skip
    assert not check or result.returncode == 0, result.stderr
    return result


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Sim, subprocess.Popen[str]]]:
    url_file = tmp_path / "url"
    env = {**os.environ, "QINGCLOUD_ACCESS_KEY": ACCESS_KEY, "QINGCLOUD_SECRET_KEY": SECRET_KEY}
    args = ["--port", "0", "--cluster", f"{CLUSTER}@{ZONE}", "--job-seconds", "0.1", "--url-file", str(url_file),
            "--fault", "denied,on=DescribeClusters", "--directive", "masked", "--proxies", "1",
            "--cluster-jobs-form", "sdk",
            "--options", '{"busy_language": "zh", "proxies": 3, "auto_backup_seconds": 0.2}']  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "qingcloud_mysqlplus.sim", *args], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not url_file.exists():
            assert process.poll() is None and time.monotonic() < deadline, "the simulator did not start"
            time.sleep(0.05)
        url = url_file.read_text()
        yield Sim(url, url.removesuffix("/iaas/")), process
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_help_names_every_command_and_option_flag() -> None:
    top = sim_cli("--help").stdout
    for command in ("serve", "accounts", "fault", "options", "proxies"):
        assert command in top
    serve = sim_cli("serve", "--help").stdout
    for flag in ("--port", "--cluster", "--job-seconds", "--mysql-dsn", "--fault", "--ssl-enabled", "--url-file",
                 "--busy-language", "--directive", "--cluster-jobs-scope", "--job-retention", "--add-existing",
                 "--del-missing", "--proxies", "--restart-seconds", "--job-jitter", "--cluster-jobs-form",
                 "--auto-backup-seconds", "--options"):  # fmt: skip
        assert flag in serve
    assert "{documented,sdk}" in serve and "(default documented)" in " ".join(serve.split())
    refused = sim_cli("--directive", "shown", check=False)
    assert refused.returncode == 2 and "invalid choice: 'shown'" in refused.stderr
    negative = sim_cli("--auto-backup-seconds", "-1", check=False)
    assert negative.returncode == 2 and "auto_backup_seconds: received -1.0; expected 0 or more" in negative.stderr
    assert "busy_race" in sim_cli("fault", "--help").stdout


def test_serve_and_steer_it(served: tuple[Sim, subprocess.Popen[str]]) -> None:
    sim, process = served
    options = sim.control.options()
    assert (options["directive"], options["proxies"], options["busy_language"]) == ("masked", 1, "zh")  # flag wins
    assert (options["cluster_jobs_form"], options["auto_backup_seconds"]) == ("sdk", 0.2)
    assert sim.api("DescribeClusterJobs", zone=ZONE, cluster=CLUSTER)["total_count"] == 0  # the SDK's form
    assert sim.api("DescribeClusters", zone=ZONE)["ret_code"] == 1400  # the --fault
    params = {"database": "*", "passwd": CANARY_PASSWORD, "ssl": "NO", "host": "%", "user": "cli_user",
              "priv": "StandardAccount"}  # fmt: skip
    answer = sim.api("RunClusterCustomService", zone=ZONE, cluster=CLUSTER, role="maininstance", service="add_user",
                     service_params=json.dumps(params))  # fmt: skip
    assert answer["ret_code"] == 0, answer
    deadline = time.monotonic() + 5
    while sim.api("DescribeJobs", zone=ZONE, jobs=[answer["job_id"]])["job_set"][0]["status"] != "successful":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    accounts = sim_cli("accounts", "--url", sim.url).stdout.splitlines()
    assert accounts[0] == f"{CLUSTER} ({ZONE}): 1 account(s)"
    assert accounts[1].split() == ["cli_user", "hosts=%", "database=*", "priv=StandardAccount", "ssl=NO"]
    (proxy,) = sim.control.proxies()[CLUSTER]
    assert sim_cli("proxies", "--url", sim.url).stdout.splitlines() == [
        f"{CLUSTER}: 1 proxy node(s)", f"  {proxy} knows (no accounts)"]  # fmt: skip
    assert json.loads(sim_cli("options", "--url", sim.url, "del_missing=job_succeeds").stdout)["del_missing"] == (
        "job_succeeds"
    )
    assert sim.control.options()["del_missing"] == "job_succeeds"
    assert json.loads(sim_cli("fault", "--url", sim.url, "http500,count=2").stdout)["pending"] == [
        {"kind": "http500", "count": 2, "on": None, "seconds": 5.0}]  # fmt: skip
    assert json.loads(sim_cli("fault", "--url", sim.url, "--clear").stdout) == {"released_jobs": 0}
    assert sim.control.faults() == {"pending": [], "struck": {"denied": 1}}
    process.terminate()
    out, err = process.communicate(timeout=10)
    assert out.startswith(f"qingcloud-mysqlplus-sim listening on {sim.url} (clusters {CLUSTER}@{ZONE}; access key")
    assert_no_secret(out, err, access_key=False)  # the banner names the access key it accepts, on purpose
