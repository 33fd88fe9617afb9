"""The simulator answers as QingCloud is documented (QINGCLOUD_API.md), over real signed HTTP."""

from __future__ import annotations

import json
import time

import pytest
import requests

from helpers import ACCESS_KEY, CLUSTER, OTHER_CLUSTER, SECRET_KEY, ZONE, MariaDB, Sim, running_sim
from qingcloud_mysqlplus.sim import Fault, SimControlError, SimOptions
from qingcloud_mysqlplus.sim.engine import FOREIGN_OWNER
from qingcloud_mysqlplus.sim.model import APP_ID
from sim_calls import (
    JOB_KEYS,
    OTHER_KEY,
    OTHER_SECRET,
    OWNER,
    TIME,
    UPDATING,
    add,
    delete,
    directive,
    finished,
    idle,
    job,
    transition,
)
from sim_clock import STEP, finished_by_steps, stepped_clock

UPDATING_ZH = f"PermissionDenied, 资源 [{CLUSTER}] 正在 [updating] 中，请稍候再试"
DENIED = f"PermissionDenied, you do not have permission to access resource [{CLUSTER}]"


@pytest.mark.parametrize(("language", "message"), [("en", UPDATING), ("zh", UPDATING_ZH)], ids=["en", "zh"])
def test_a_cluster_running_a_job_refuses_with_the_transition_message(language: str, message: str) -> None:
    with running_sim(job_seconds=0.3, options=SimOptions(busy_language=language)) as sim:
        accepted = add(sim, "u1")
        assert transition(sim) == "updating"
        assert add(sim, "u2") == {"ret_code": 1400, "message": message}
        assert delete(sim, "u1") == {"ret_code": 1400, "message": message}
        assert transition(sim, OTHER_CLUSTER) == ""
        assert add(sim, "u3", cluster=OTHER_CLUSTER)["ret_code"] == 0  # one job at a time per cluster
        assert finished(sim, accepted)["status"] == "successful"
        assert transition(sim) == ""
        assert sim.stats()["busy_refusals"] == 2
        assert finished(sim, add(sim, "u2"))["status"] == "successful"
        assert set(sim.accounts()) == {"u1", "u2"}


def test_describe_clusters_lists_the_callers_zone_only() -> None:
    with running_sim(clusters=[f"{CLUSTER}@{ZONE}", "cl-far0001@pek3a"], options=SimOptions(proxies=1)) as sim:
        listed = sim.api("DescribeClusters")
        assert listed["action"] == "DescribeClustersResponse" and listed["ret_code"] == 0
        assert listed["total_count"] == 1
        (record,) = listed["cluster_set"]
        assert set(record) == {"cluster_id", "status", "transition_status", "status_time", "create_time", "owner",
                               "app_id", "node_count"}  # fmt: skip
        assert (record["cluster_id"], record["status"], record["transition_status"]) == (CLUSTER, "active", "")
        assert (record["owner"], record["app_id"], record["node_count"]) == (OWNER, APP_ID, 2)
        assert TIME.fullmatch(record["create_time"]) and TIME.fullmatch(record["status_time"])
        for absent in (["cl-far0001"], ["cl-nosuch01"]):
            assert sim.api("DescribeClusters", clusters=absent)["total_count"] == 0
        assert sim.api("DescribeClusters", clusters=["cl-far0001"], zone="pek3a")["total_count"] == 1
        assert sim.api("DescribeClusters", limit=0)["ret_code"] == 1100


def test_denied_is_a_real_denial_while_idle(sim: Sim) -> None:
    sim.fault("denied", on="RunClusterCustomService")
    assert add(sim, "u1") == {"ret_code": 1400, "message": DENIED}
    assert transition(sim) == ""
    assert sim.jobs() == [] and sim.struck() == {"denied": 1}
    sim.fault("denied", on="DescribeClusters")
    assert sim.api("DescribeClusters", clusters=[CLUSTER]) == {"ret_code": 1400, "message": DENIED}
    assert transition(sim) == ""
    assert finished(sim, add(sim, "u1"))["status"] == "successful"
    assert sim.struck() == {"denied": 2}


def test_busy_is_another_actors_job_on_the_cluster() -> None:
    with running_sim(job_seconds=0.1, faults=[Fault("busy", seconds=0.4)]) as sim:
        assert add(sim, "u1") == {"ret_code": 1400, "message": UPDATING}
        assert transition(sim) == "updating"
        assert sim.api("DescribeClusterJobs", app=APP_ID)["total_count"] == 0  # not the caller's job
        sim.set_options(cluster_jobs_scope="all")
        (foreign,) = sim.api("DescribeClusterJobs", app=APP_ID)["job_set"]
        assert foreign["owner"] == FOREIGN_OWNER and foreign["status"] in ("pending", "working")
        main_node = sim.api("DescribeClusterNodes", cluster=CLUSTER)["node_set"][0]["node_id"]
        shown = directive(foreign)
        assert (shown["service"], json.loads(shown["service_params"])) == ("restart_node", {"node_id": main_node})
        assert (shown["sender"]["user_id"], shown["sender"]["channel"], shown["resource_ids"]) == (
            FOREIGN_OWNER, "api", [CLUSTER])  # fmt: skip
        assert sim.api("DescribeJobs")["total_count"] == 0
        idle(sim)
        assert finished(sim, add(sim, "u1"))["status"] == "successful"
        assert sim.struck() == {"busy": 1} and sim.stats()["busy_refusals"] == 1
        assert [(j["service"], j["owner"]) for j in sim.jobs()] == [
            ("restart_node", FOREIGN_OWNER),
            ("add_user", OWNER),
        ]


@pytest.mark.parametrize(("kind", "status"), [("job_fail", "failed"), ("job_done_with_failure", "done with failure")])
def test_failed_jobs_carry_only_an_opaque_code(kind: str, status: str) -> None:
    with running_sim(job_seconds=0.1, faults=[Fault(kind, on="add_user")]) as sim:
        record = finished(sim, add(sim, "u1"))
        assert set(record) == JOB_KEYS
        assert (record["status"], record["error_codes"]) == (status, "1")
        assert sim.accounts() == {} and sim.struck() == {kind: 1}
        assert finished(sim, add(sim, "u1"))["status"] == "successful"


def test_describe_jobs_lists_the_callers_jobs_newest_first() -> None:
    credentials = {ACCESS_KEY: SECRET_KEY, OTHER_KEY: OTHER_SECRET}
    with running_sim(job_seconds=0.05, credentials=credentials) as sim:
        ids = [finished(sim, add(sim, "u1"))["job_id"]]
        sim.fault("job_fail")
        ids += [finished(sim, add(sim, "u2"))["job_id"], finished(sim, add(sim, "u3"))["job_id"]]
        other = finished(sim, add(sim, "x1", key=OTHER_KEY, secret=OTHER_SECRET), key=OTHER_KEY, secret=OTHER_SECRET)
        listed = sim.api("DescribeJobs")
        assert (listed["action"], listed["total_count"]) == ("DescribeJobsResponse", 3)
        assert [j["job_id"] for j in listed["job_set"]] == ids[::-1]
        assert [j["job_id"] for j in sim.api("DescribeJobs", offset=1, limit=1)["job_set"]] == [ids[1]]
        assert [j["job_id"] for j in sim.api("DescribeJobs", status=["failed"])["job_set"]] == [ids[1]]
        assert [j["job_id"] for j in sim.api("DescribeJobs", status=["successful"])["job_set"]] == [ids[2], ids[0]]
        assert sim.api("DescribeJobs", jobs=[other["job_id"]])["total_count"] == 0  # another owner's
        for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"jobs": [f"j-{i}" for i in range(101)]}):
            assert sim.api("DescribeJobs", **bad)["ret_code"] == 1100


def test_add_existing_user_fails_as_a_job_by_default(sim: Sim) -> None:
    finished(sim, add(sim, "u1"))
    record = finished(sim, add(sim, "u1", host="10.0.0.5"))  # names are unique per cluster, whatever the host
    assert (record["status"], record["error_codes"]) == ("failed", "1")
    assert sim.accounts()["u1"]["hosts"] == ["%"]


def test_add_existing_user_refused_2110() -> None:
    with running_sim(options=SimOptions(add_existing="refused_2110")) as sim:
        finished(sim, add(sim, "u1"))
        assert add(sim, "u1", host="10.0.0.5") == {
            "ret_code": 2110, "message": f"ResourceAlreadyExists, user [u1] on resource [{CLUSTER}]"}  # fmt: skip
        assert len(sim.jobs()) == 1


@pytest.mark.parametrize(
    ("mode", "status", "codes"), [("job_fails", "failed", "1"), ("job_succeeds", "successful", "")]
)
def test_del_missing(mode: str, status: str, codes: str) -> None:
    with running_sim(job_seconds=0.05, options=SimOptions(del_missing=mode)) as sim:
        finished(sim, add(sim, "u1", host="10.0.0.5;10.0.0.6"))
        for user, host in (("ghost", "%"), ("u1", "10.0.0.9")):
            record = finished(sim, delete(sim, user, host))
            assert (record["status"], record["error_codes"]) == (status, codes)
        assert finished(sim, delete(sim, "u1", "10.0.0.5;10.0.0.7"))["status"] == "successful"
        assert sim.accounts()["u1"]["hosts"] == ["10.0.0.6"]


def test_job_jitter_spreads_job_times_around_the_job_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    with stepped_clock(monkeypatch) as clock, running_sim(job_seconds=0.3, options=SimOptions(job_jitter=0.2)) as sim:
        for n in range(6):
            finished_by_steps(sim, clock, add(sim, f"u{n}"))
        spans = [ended - started for started, ended in sim.stats()["job_spans"][CLUSTER]]
    assert all(0.1 <= span < 0.5 + STEP for span in spans), spans  # 0.3 +/- 0.2, ended within a step of the clock
    assert max(spans) - min(spans) > 0.02  # not all alike
    with pytest.raises(ValueError, match=r"job_jitter: received -1\.0; expected 0 or more"):
        SimOptions(job_jitter=-1.0)


def test_stats_count_requests_refusals_and_job_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    with stepped_clock(monkeypatch) as clock, running_sim() as sim:
        first = add(sim, "u1")
        assert add(sim, "u2")["ret_code"] == 1400
        finished_by_steps(sim, clock, first)
        finished_by_steps(sim, clock, add(sim, "u2"))
        stats = sim.stats()
    polls = stats["requests_per_action"]["DescribeJobs"]
    assert stats["requests_per_action"] == {"RunClusterCustomService": 3, "DescribeJobs": polls}
    assert stats["requests"] == 3 + polls and stats["busy_refusals"] == 1
    (s1, f1), (s2, f2) = stats["job_spans"][CLUSTER]
    assert 0.2 <= f1 - s1 < 0.2 + STEP and 0.2 <= f2 - s2 < 0.2 + STEP and s2 >= f1  # the job seconds, to a step
    assert stats["job_spans"][OTHER_CLUSTER] == []


def test_request_faults_still_strike(sim: Sim) -> None:
    sim.fault("http500")
    assert requests.get(sim.url, timeout=5).status_code == 500
    sim.fault("retcode5100")
    assert sim.api("DescribeJobs")["ret_code"] == 5100
    sim.fault("drop")
    with pytest.raises(requests.ConnectionError):
        sim.api("DescribeJobs")
    sim.fault("drop_after", on="add_user")
    with pytest.raises(requests.ConnectionError):
        add(sim, "u1")
    sim.fault("slow", seconds=0.3)
    started = time.monotonic()
    assert sim.api("DescribeJobs")["total_count"] == 1  # the dropped answer's job exists
    assert time.monotonic() - started >= 0.3
    assert sim.struck() == {"http500": 1, "retcode5100": 1, "drop": 1, "drop_after": 1, "slow": 1}


def test_hung_job_released_by_clear(sim: Sim) -> None:
    sim.fault("job_hang")
    accepted = add(sim, "u1")
    time.sleep(0.4)
    assert job(sim, accepted["job_id"])["status"] == "working"
    assert sim.control.clear_faults() == 1
    assert finished(sim, accepted)["status"] == "successful"


def test_options_and_faults_endpoints(sim: Sim) -> None:
    assert sim.control.options() == {"busy_language": "en", "directive": "clear", "cluster_jobs_scope": "caller",
                                      "cluster_jobs_form": "documented", "job_retention": None,
                                      "add_existing": "job_fails", "del_missing": "job_fails", "proxies": 0,
                                      "restart_seconds": None, "job_jitter": 0.0,
                                      "auto_backup_seconds": None}  # fmt: skip
    assert sim.set_options(job_retention="5", directive="masked")["job_retention"] == 5
    with pytest.raises(SimControlError, match="directive: received 'shown'"):
        sim.set_options(directive="shown")
    with pytest.raises(SimControlError, match="received colour"):
        sim.set_options(colour="red")
    with pytest.raises(SimControlError, match="fault kind: received 'busyness'"):
        sim.fault("busyness")
    assert sim.control.options()["directive"] == "masked"


@pytest.mark.mariadb
@pytest.mark.parametrize("mode", ["job_fails", "refused_2110"])
def test_a_server_user_made_by_hand_exists_on_mysql(mariadb: MariaDB, mode: str) -> None:
    with mariadb.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE USER IF NOT EXISTS 'by_hand_sim'@'10.1.1.1' IDENTIFIED BY 'x'")
    try:
        with running_sim(mysql_dsn=mariadb.dsn, options=SimOptions(add_existing=mode)) as sim:
            answer = add(sim, "by_hand_sim")
            if mode == "refused_2110":
                assert answer["ret_code"] == 2110 and sim.jobs() == []
            else:
                assert (finished(sim, answer)["status"], sim.accounts()) == ("failed", {})
    finally:
        with mariadb.connect() as conn, conn.cursor() as cur:
            cur.execute("DROP USER IF EXISTS 'by_hand_sim'@'10.1.1.1'")
