"""Signed calls the simulator's tests (tests/test_sim_*.py) make, and what they expect back."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from helpers import ACCESS_KEY, CANARY_PASSWORD, CLUSTER, Sim
from qingcloud_mysqlplus.sim.api import owner_of

JOB_KEYS = {"job_id", "job_action", "status", "create_time", "status_time", "owner", "resource_ids", "directive",
            "error_codes"}  # fmt: skip
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
OWNER = owner_of(ACCESS_KEY)
OTHER_KEY, OTHER_SECRET = "QYOTHERKEY", "other-secret"
UPDATING = f"PermissionDenied, resource [{CLUSTER}] is [updating], please try later"


def add_params(user: str, host: str = "%", priv: str = "StandardAccount") -> str:
    return json.dumps({"database": "*", "passwd": CANARY_PASSWORD, "ssl": "NO", "host": host, "user": user,
                       "priv": priv})  # fmt: skip


def run(sim: Sim, service: str, service_params: str, cluster: str = CLUSTER, **kw: Any) -> dict[str, Any]:
    role = kw.pop("role", "maininstance")
    return sim.api("RunClusterCustomService", cluster=cluster, role=role, service=service,
                   service_params=service_params, **kw)  # fmt: skip


def add(sim: Sim, user: str, host: str = "%", **kw: Any) -> dict[str, Any]:
    return run(sim, "add_user", add_params(user, host), **kw)


def delete(sim: Sim, user: str, host: str = "%", **kw: Any) -> dict[str, Any]:
    return run(sim, "del_user", json.dumps({"host": host, "user": user}), **kw)


def job(sim: Sim, job_id: str, **kw: Any) -> dict[str, Any]:
    answer = sim.api("DescribeJobs", jobs=[job_id], **kw)
    assert answer["total_count"] == 1, answer
    return dict(answer["job_set"][0])


def finished(sim: Sim, answer: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """Poll an accepted job to its end; its final record."""
    assert answer["ret_code"] == 0, answer
    deadline = time.monotonic() + 5
    while (record := job(sim, answer["job_id"], **kw))["status"] in ("pending", "working"):
        assert time.monotonic() < deadline, record
        time.sleep(0.02)
    return record


def transition(sim: Sim, cluster: str = CLUSTER) -> str:
    answer = sim.api("DescribeClusters", clusters=[cluster])
    assert answer["total_count"] == 1, answer
    return str(answer["cluster_set"][0]["transition_status"])


def idle(sim: Sim, cluster: str = CLUSTER, seconds: float = 5) -> None:
    """Wait until the cluster runs no job."""
    deadline = time.monotonic() + seconds
    while transition(sim, cluster) == "updating":
        assert time.monotonic() < deadline, f"{cluster} stayed updating"
        time.sleep(0.02)


def directive(record: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(record["directive"]))
