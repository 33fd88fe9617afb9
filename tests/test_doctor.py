"""``qingcloud-mysqlplus doctor``: one line per check, read-only, exit 0 only when every check passes.

Against the simulator over real HTTP; the clock against small loopback
servers whose Date header is off (the simulator shares this machine's clock).
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Callable
from email.utils import formatdate

import pytest

from helpers import ACCESS_KEY, CLUSTER, Sim, assert_no_secret, bridge_env, run_bridge, running_sim
from local_servers import Handler, Server, keep_alive, read_request, reply
from qingcloud_mysqlplus.bridge.doctor import FAIL, OK, SKIP, WARN, Report, doctor, scheme
from qingcloud_mysqlplus.qingcloud.client import Client
from qingcloud_mysqlplus.qingcloud.endpoint import Endpoint
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from qingcloud_mysqlplus.sim import SimOptions

NAMES = ["endpoint", "credentials", "clock", "cluster", "status", "app", "job history", "history depth", "proxies"]
ANSWER = {"ret_code": 0, "total_count": 1, "job_set": [], "node_set": [],
          "cluster_set": [{"cluster_id": CLUSTER, "status": "active", "transition_status": "", "app_id": "app-x"}]}  # fmt: skip


def run_doctor(sim: Sim, *flags: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = run_bridge(["doctor", "--cluster", CLUSTER, *flags], bridge_env(sim, **env))
    assert_no_secret(result.stdout, result.stderr, access_key=False)  # the credentials check names the key id
    return result


def checks(output: str) -> dict[str, str]:
    """check name -> status, from the lines of the report."""
    found = {}
    for line in output.splitlines():
        status, rest = line[:4].strip(), line[6:]
        name = next((n for n in NAMES if rest.startswith(f"{n} ")), None)
        if name:
            found[name] = status
    return found


def test_every_check_passes_on_a_healthy_cluster_without_a_write() -> None:
    with running_sim(job_seconds=0.05, options=SimOptions(proxies=2)) as sim:
        result = run_doctor(sim)
        stats = sim.stats()["requests_per_action"]
        nodes = sorted(sim.proxies())
    assert result.returncode == 0, result.stdout + result.stderr
    found = checks(result.stdout)
    assert list(found) == NAMES and all(s in (OK, WARN) for s in found.values()), result.stdout
    assert len(result.stdout.splitlines()) == len(NAMES)
    assert f"2 proxy node(s) ({', '.join(nodes)})" in result.stdout
    assert "history depth  read to the end: 0 jobs" in result.stdout
    assert "RunClusterCustomService" not in stats
    assert stats["DescribeClusters"] == 1 and stats["DescribeClusterNodes"] == 1


def test_a_wrong_secret_fails_the_credentials_and_skips_the_rest(sim: Sim) -> None:
    result = run_doctor(sim, QINGCLOUD_SECRET_KEY="not-the-secret")
    assert result.returncode == 1
    found = checks(result.stdout)
    assert list(found) == NAMES and found["credentials"] == FAIL
    assert [found[n] for n in NAMES[3:]] == [SKIP] * (len(NAMES) - 3)
    assert f"the key {ACCESS_KEY} is refused" in result.stdout and "-> check QINGCLOUD_ACCESS_KEY" in result.stdout


def test_an_unknown_cluster_fails_with_what_to_check(sim: Sim) -> None:
    result = run_bridge(["doctor", "--cluster", "cl-nothere1"], bridge_env(sim))
    assert result.returncode == 1
    assert (
        "FAIL  cluster        cl-nothere1 is not listed in zone sh1a -> check the cluster id and the zone"
        in result.stdout
    )


def test_a_busy_cluster_is_a_warning_not_a_failure(sim: Sim) -> None:
    sim.fault("busy", on="DescribeClusters", seconds=3)
    result = run_doctor(sim)
    assert result.returncode == 0, result.stdout
    assert (
        "warn  status         active, and updating: another job holds it now -> nothing: the bridge waits"
        in result.stdout
    )


def test_a_refused_node_listing_fails_the_proxy_check(sim: Sim) -> None:
    sim.fault("denied", on="DescribeClusterNodes")
    result = run_doctor(sim)
    assert result.returncode == 1 and checks(result.stdout)["proxies"] == FAIL
    assert "-> restart_proxies=True needs DescribeClusterNodes" in result.stdout


def test_without_the_cluster_listing_the_callers_jobs_are_a_warning(sim: Sim) -> None:
    answer = sim.api("DescribeClusters", **{"clusters.1": CLUSTER})["cluster_set"][0]
    sim.fault("denied", on="DescribeClusterJobs", count=2 if answer.get("app_id") else 1)  # each form once
    result = run_doctor(sim)
    assert result.returncode == 0, result.stdout
    assert "warn  job history" in result.stdout and "DescribeJobs (the caller's jobs) answers" in result.stdout
    assert "refused (ret_code 1400)" in result.stdout and checks(result.stdout)["history depth"] == OK


@pytest.mark.parametrize(
    ("form", "answers", "refused"), [("documented", "app=", "cluster="), ("sdk", "cluster=", "app=")]
)
def test_each_form_of_the_cluster_listing_is_asked_alone(form: str, answers: str, refused: str) -> None:
    with running_sim(job_seconds=0.05, options=SimOptions(cluster_jobs_form=form)) as sim:
        result = run_doctor(sim)
        calls = sim.stats()["requests_per_action"]
    assert result.returncode == 0, result.stdout
    line = next(x for x in result.stdout.splitlines() if x.startswith("ok    job history"))
    kind = {"app=": "documented", "cluster=": "the SDK's"}[answers]
    assert f"{answers} ({kind}) answers" in line
    assert f"{refused} (" in line and "refused (ret_code 1100)" in line
    assert calls["DescribeClusterJobs"] == 3  # each form alone, then the read (both forms at once)


def test_unreadable_directives_are_a_warning_with_their_count() -> None:
    with running_sim(job_seconds=0.05, options=SimOptions(directive="none")) as sim:
        added = run_bridge(["add-user", "--cluster", CLUSTER, "--user", "u1"],
                           bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD="Canary@Pw-5150x"))  # fmt: skip
        assert added.returncode == 0, added.stderr
        result = run_doctor(sim)
    assert result.returncode == 0
    assert "warn  history depth  read to the end: 1 jobs" in result.stdout
    assert "1 job(s) without a readable directive" in result.stdout


def dated(offset: float, body: dict[str, object]) -> Handler:
    """Every request answered with ``body`` and a Date header ``offset`` seconds off this machine's clock."""

    def handle(conn: socket.socket, server: Server) -> None:
        rfile = conn.makefile("rb")
        while (seen := read_request(rfile)) is not None:
            server.seen.append(seen)
            date = formatdate(time.time() + offset, usegmt=True).encode()
            reply(conn, body=json.dumps(body).encode(), extra=b"Date: " + date + b"\r\n")

    return handle


def diagnose(server: Server) -> Report:
    client = Client(access_key=ACCESS_KEY, secret_key="s", zone="sh1a", endpoint=server.url())
    try:
        return doctor(client, CLUSTER, Deadline(10))
    finally:
        client.close()


def clock(report: Report) -> tuple[str, str]:
    found = next(c for c in report.checks if c.name == "clock")
    return found.status, found.text


@pytest.mark.parametrize(("offset", "status", "words"), [
    (0, OK, "agrees with the server's Date header"),
    (12, WARN, " s behind the server's Date header"),  # whole seconds: 11 or 12
    (-90, FAIL, " s ahead of the server's Date header"),
])  # fmt: skip
def test_the_clock_is_compared_with_the_date_header(
    serve: Callable[..., Server], offset: float, status: str, words: str
) -> None:
    report = diagnose(serve(dated(offset, ANSWER)))
    found, text = clock(report)
    assert found == status and words in text
    assert report.passed is (status != FAIL)


def test_an_expired_request_fails_the_clock_and_leaves_the_key_unchecked(serve: Callable[..., Server]) -> None:
    report = diagnose(serve(dated(120, {"ret_code": 1300, "message": "RequestExpired"})))
    found = {c.name: c for c in report.checks}
    assert found["clock"].status == FAIL and " s behind" in found["clock"].text
    assert "(NTP)" in found["clock"].fix and found["credentials"].status == SKIP
    assert not report.passed


def test_no_date_header_is_a_warning(serve: Callable[..., Server]) -> None:
    assert clock(diagnose(serve(keep_alive)))[0] == WARN


@pytest.mark.parametrize(("url", "status"), [
    ("https://api.qingcloud.com/iaas/", OK), ("http://127.0.0.1:8790/iaas/", OK), ("http://localhost:1/iaas/", OK),
    ("http://[::1]:1/iaas/", OK), ("http://10.0.0.1/iaas/", FAIL), ("http://api.example.com/iaas/", FAIL),
])  # fmt: skip
def test_the_endpoint_is_https_or_plain_http_to_this_machine_only(url: str, status: str) -> None:
    assert scheme(Endpoint.parse(url))[0] == status
