"""The official qingcloud-sdk, an independent client, is accepted by the simulator."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import requests
from qingcloud.iaas.connection import APIConnection
from qingcloud.misc.utils import wait_job

from helpers import ACCESS_KEY, CANARY_PASSWORD, CLUSTER, SECRET_KEY, ZONE, Sim
from qingcloud_mysqlplus.qingcloud.signing import sign
from qingcloud_mysqlplus.sim.model import APP_ID


def connect(sim: Sim, secret: str = SECRET_KEY) -> APIConnection:
    host, port = sim.url.split("//")[1].split("/")[0].split(":")
    return APIConnection(ACCESS_KEY, secret, ZONE, host=host, port=int(port), protocol="http", retry_time=1)


def add_user_body(user: str) -> dict[str, str]:
    params = {
        "database": "*",
        "passwd": CANARY_PASSWORD,
        "ssl": "NO",
        "host": "%",
        "user": user,
        "priv": "StandardAccount",
    }
    return {"cluster": CLUSTER, "role": "maininstance", "service": "add_user", "service_params": json.dumps(params)}


def test_official_sdk_get_and_post(sim: Sim) -> None:
    conn = connect(sim)
    for verb, user in (("GET", "sdk_get"), ("POST", "sdk_post")):
        answer = conn.send_request("RunClusterCustomService", add_user_body(user), verb=verb)
        assert answer["ret_code"] == 0, answer
        assert wait_job(conn, answer["job_id"], timeout=20)
        jobs = conn.describe_jobs([answer["job_id"]])
        assert jobs["job_set"][0]["status"] == "successful"
    assert set(sim.accounts()) == {"sdk_get", "sdk_post"}


def test_sdk_with_a_wrong_secret_is_refused(sim: Sim) -> None:
    answer = connect(sim, secret="not-the-secret").send_request("DescribeJobs", {"jobs": ["j-x"]})
    assert answer["ret_code"] == 1200


def test_server_checks_time_stamps_rules_and_clusters(sim: Sim) -> None:
    old = datetime.now(timezone.utc) - timedelta(seconds=120)
    stale = sign({"action": "DescribeJobs", "zone": ZONE, "jobs.1": "j-x"}, access_key=ACCESS_KEY,
                 secret_key=SECRET_KEY, now=old)  # fmt: skip
    answer = requests.get(sim.url, params=stale, timeout=5).json()
    assert answer["ret_code"] == 1300
    conn = connect(sim)
    bad = add_user_body("root")
    assert conn.send_request("RunClusterCustomService", bad)["ret_code"] == 1100
    unknown = {**add_user_body("u1"), "cluster": "cl-unknown"}
    assert conn.send_request("RunClusterCustomService", unknown)["ret_code"] == 2100
    job = conn.send_request("RunClusterCustomService", add_user_body("u2"))
    assert job["ret_code"] == 0, job
    busy = conn.send_request("RunClusterCustomService", add_user_body("u3"))
    assert busy == {
        "ret_code": 1400,
        "message": f"PermissionDenied, resource [{CLUSTER}] is [updating], please try later",
    }
    assert wait_job(conn, job["job_id"], timeout=20)
    assert conn.describe_jobs([job["job_id"]])["job_set"][0]["status"] == "successful"
    assert set(sim.accounts()) == {"u2"}


def test_sdk_describe_cluster_jobs_needs_the_sdk_form(sim: Sim) -> None:
    """The SDK's describe_cluster_jobs sends cluster= (and verbose=1): refused in the documented
    form, which the same connection reaches with app= and verbose=0; answered in the SDK's form."""
    conn = connect(sim)
    made = conn.send_request("RunClusterCustomService", add_user_body("sdk_jobs"))
    assert wait_job(conn, made["job_id"], timeout=20)
    assert conn.describe_cluster_jobs(cluster=CLUSTER) == {
        "ret_code": 1100, "message": "parameter [app] should not be empty"}  # fmt: skip
    documented = conn.send_request("DescribeClusterJobs", {"app": APP_ID, "verbose": 0})
    assert [j["job_id"] for j in documented["job_set"]] == [made["job_id"]]
    sim.set_options(cluster_jobs_form="sdk")
    listed = conn.describe_cluster_jobs(cluster=CLUSTER, limit=10)
    assert (listed["ret_code"], [j["job_id"] for j in listed["job_set"]]) == (0, [made["job_id"]])
    assert listed["job_set"][0]["resources"] == {"clusters": [CLUSTER]}
