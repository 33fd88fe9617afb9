"""A scripted stand-in for the API client, for unit tests of the bridge's decisions.

It keeps a job history (newest first) with directives as QingCloud documents
them: the add_user password in clear and, as in QingCloud's DescribeJobs
sample, the access key id, the request's signature and its sender (the
canaries of ``helpers.assert_no_secret``).  It answers the few calls the
decisions make.  What each submit does is scripted per test.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from helpers import ACCESS_KEY, CANARY_SIGNATURE
from qingcloud_mysqlplus.bridge.accounts import Context
from qingcloud_mysqlplus.qingcloud.errors import ApiError, QingCloudError
from qingcloud_mysqlplus.qingcloud.jobs import Job, parse_job
from qingcloud_mysqlplus.qingcloud.retry import Backoff, Deadline

CLUSTER = "cl-fake0001"
_ids = itertools.count(1)


SIGNED = {"access_key_id": ACCESS_KEY, "signature": CANARY_SIGNATURE, "signature_method": "HmacSHA256",
          "signature_version": "1", "version": "1", "time_stamp": "2026-11-23T10:00:00Z", "request_zone": "sh1a",
          "sender": {"lang": "en", "user_id": "usr-x", "console_id": "qingcloud", "role": "user",
                     "channel": "api"}}  # fmt: skip


def record(service: str, params: Mapping[str, str], status: str = "successful", directive: bool = True,
           cluster: str = CLUSTER, action: str = "RunClusterCustomService",
           signed: bool = True) -> dict[str, Any]:  # fmt: skip
    """A job record as DescribeClusterJobs lists it (the app's jobs on every cluster).  ``signed``: the
    directive also holds what QingCloud's sample shows beside the request (``SIGNED``)."""
    request = {"action": action, "cluster": cluster, "role": "maininstance",
               "service": service, "service_params": json.dumps(dict(params)), "zone": "sh1a",
               **(SIGNED if signed else {})}  # fmt: skip
    return {"job_id": f"j-fake{next(_ids):04d}", "job_action": "RunClusterCustomService", "status": status,
            "create_time": "2026-11-23T10:00:00Z", "status_time": "2026-11-23T10:00:06Z", "owner": "usr-x",
            "resource_ids": cluster, "directive": json.dumps(request) if directive else "",
            "error_codes": "" if status == "successful" else "1"}  # fmt: skip


@dataclass
class FakeClient:
    """``outcomes``: for each submit in turn, a job status to end in, or an exception to raise."""

    history: list[dict[str, Any]] = field(default_factory=list)  # newest first
    outcomes: list[str | QingCloudError] = field(default_factory=list)
    transitions: list[str] = field(default_factory=list)  # successive DescribeClusters answers
    zone: str = "sh1a"
    calls: Counter[str] = field(default_factory=Counter)
    submitted: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    slept: float = 0.0
    backoff: Backoff = field(default_factory=lambda: Backoff(rand=lambda low, high: high))
    cluster_log: bool = True  # False: DescribeClusterJobs is refused as a bad request (1100)
    page_errors: dict[int, QingCloudError] = field(default_factory=dict)  # offset -> error of that page

    def add(self, service: str, params: Mapping[str, str], **kw: Any) -> dict[str, Any]:
        job = record(service, params, **kw)
        self.history.insert(0, job)
        return job

    def run_service(self, cluster: str, service: str, params: Mapping[str, str], deadline: Deadline,
                    role: str = "maininstance") -> str:  # fmt: skip
        self.calls["RunClusterCustomService"] += 1
        outcome = self.outcomes.pop(0) if self.outcomes else "successful"
        if isinstance(outcome, QingCloudError):
            raise outcome
        self.submitted.append((service, dict(params)))
        return str(self.add(service, params, status=outcome)["job_id"])

    def describe_jobs(self, job_ids: list[str], deadline: Deadline) -> list[Job]:
        self.calls["DescribeJobs"] += 1
        return [parse_job(j) for j in self.history if j["job_id"] in job_ids]

    def cluster_jobs(
        self, cluster: str, deadline: Deadline, offset: int = 0, limit: int = 100
    ) -> tuple[list[Job], int]:
        self.calls["DescribeClusterJobs"] += 1
        if not self.cluster_log:
            raise ApiError("DescribeClusterJobs", 1100, "action not supported")
        if offset in self.page_errors:
            raise self.page_errors[offset]
        return [parse_job(j) for j in self.history[offset : offset + limit]], len(self.history)

    def my_jobs(self, deadline: Deadline, offset: int = 0, limit: int = 100) -> tuple[list[Job], int]:
        self.calls["DescribeJobs"] += 1
        return [parse_job(j) for j in self.history[offset : offset + limit]], len(self.history)

    def cluster_nodes(self, cluster: str, deadline: Deadline, role: str | None = None) -> list[dict[str, Any]]:
        self.calls["DescribeClusterNodes"] += 1
        return [{"node_id": "cln-proxy001", "role": "proxy"}]

    def transition_status(self, cluster: str, deadline: Deadline) -> str | None:
        self.calls["DescribeClusters"] += 1
        return self.transitions.pop(0) if self.transitions else ""

    def sleep(self, seconds: float) -> None:
        self.slept += seconds


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def context(client: FakeClient) -> Context:
    """The decisions' context on ``client``, with a 600 s deadline whose clock moves only with the fake's sleeps."""
    clock = FakeClock()
    client_sleep = client.sleep

    def sleep(seconds: float) -> None:  # the fake's time moves with its sleeps
        clock.now += seconds
        client_sleep(seconds)

    client.sleep = sleep  # type: ignore[method-assign]
    return Context(client, CLUSTER, Deadline(600, clock=clock))  # type: ignore[arg-type]
