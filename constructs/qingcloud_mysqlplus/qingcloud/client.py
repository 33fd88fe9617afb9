"""The QingCloud IaaS API client: one requests session, signed requests, retries inside a deadline.

Retries live here rather than in the transport because most of what
QingCloud asks to retry arrives as HTTP 200 with a ``ret_code``, and every
retry must stay inside one overall deadline (:class:`.retry.Policy`).  A write
whose answer was lost is never resent blindly: :class:`AnswerLost` goes to the
caller, whose evidence (the cluster's jobs) decides.  An answer that is not
what the action documents is :class:`MalformedAnswer`, naming the action.  No
exception carries a URL, a body or a password.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .. import __version__
from .endpoint import DEFAULT_ENDPOINT, Endpoint
from .errors import AnswerLost, ApiError, MalformedAnswer, QingCloudError
from .jobs import Job, parse_job
from .retry import Backoff, Deadline, RetryHook, Sleep, backing_off
from .signing import canonical_query, sign
from .transport import Transport

PAGE = 100  # the most a Describe* call returns


@dataclass(frozen=True)
class ClusterInfo:
    """The fields of a DescribeClusters record the tool reads."""

    cluster_id: str
    status: str
    transition_status: str  # "" when idle
    app_id: str  # "" when the record does not say

    @classmethod
    def parse(cls, item: Mapping[str, Any]) -> ClusterInfo:
        return cls(str(item.get("cluster_id") or ""), str(item.get("status") or ""),
                   str(item.get("transition_status") or ""), str(item.get("app_id") or ""))  # fmt: skip


def number(body: Mapping[str, Any], key: str, action: str) -> int:
    """An integer field (a string of digits is taken too); anything else is a malformed answer."""
    value = body.get(key)
    if isinstance(value, str) and value.strip().lstrip("-").isdecimal() and value.isascii():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    shown = "missing" if value is None else f"a {type(value).__name__}"
    raise MalformedAnswer(action, f"the answer's {key} is {shown}, not an integer")


def records(body: Mapping[str, Any], key: str, id_key: str, action: str) -> list[dict[str, Any]]:
    """A list of records each with its id (absent or null: none); anything else is a malformed answer."""
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedAnswer(action, f"the answer's {key} is a {type(value).__name__}, not a list")
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get(id_key), str) or not item[id_key]:
            raise MalformedAnswer(action, f"a record of the answer's {key} has no {id_key}")
    return value


class Client:
    """Signed calls to one QingCloud zone."""

    def __init__(
        self,
        *,
        access_key: str,
        secret_key: str,
        zone: str,
        endpoint: str | Endpoint = DEFAULT_ENDPOINT,
        verb: str = "POST",
        http_timeout: float = 20.0,
        backoff: Backoff | None = None,
        on_retry: RetryHook | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        if verb not in ("GET", "POST"):
            raise ValueError(f"verb: received {verb!r}; expected GET or POST")
        self.access_key, self._secret_key, self.zone = access_key, secret_key, zone
        self.endpoint = endpoint if isinstance(endpoint, Endpoint) else Endpoint.parse(endpoint)
        self.verb, self.http_timeout, self.backoff = verb, http_timeout, backoff or Backoff()
        self.transport = Transport(self.endpoint, user_agent=f"qingcloud-mysqlplus/{__version__}")
        self.on_retry, self.sleep = on_retry, sleep
        self.calls: Counter[str] = Counter()  # per action, for reports and tests
        self.date_seen: tuple[str, float] = ("", 0.0)  # the last answer's Date header, and time.time() on arrival
        self._clusters: dict[str, ClusterInfo | None] = {}  # the last DescribeClusters look, per cluster

    def __repr__(self) -> str:  # never the secret key
        return f"Client(zone={self.zone!r}, endpoint={self.endpoint.url!r}, access_key={self.access_key!r})"

    def close(self) -> None:
        """Close the kept-alive connection (the next call opens another)."""
        self.transport.close()

    def _send_once(self, action: str, params: Mapping[str, Any], deadline: Deadline) -> dict[str, Any]:
        signed = sign({"action": action, "zone": self.zone, **params}, access_key=self.access_key,
                      secret_key=self._secret_key, verb=self.verb, path=self.endpoint.path)  # fmt: skip
        self.calls[action] += 1
        where = self.endpoint.where
        timeout = min(self.http_timeout, max(deadline.remaining(), 0.5))
        # GET: the canonical query in the URL; POST: a form body.
        form = canonical_query(signed) if self.verb == "GET" else urlencode(signed)
        response = self.transport.request(self.verb, form, timeout, deadline.clock)  # NotSent / AnswerLost
        self.date_seen = (response.headers.get("date", ""), time.time())  # for the doctor's clock check
        if response.status_code >= 500:
            raise AnswerLost(f"{where} answered HTTP {response.status_code}")
        if response.status_code != 200:
            raise ApiError(action, -response.status_code, f"HTTP {response.status_code} from {where}")
        try:
            body = json.loads(response.content)
        except ValueError:  # also UnicodeDecodeError
            kind = response.headers.get("content-type", "").split(";")[0].strip()[:40] or "no content type"
            raise MalformedAnswer(action, f"{where} answered something that is not JSON ({kind})") from None
        if not isinstance(body, dict):
            raise MalformedAnswer(action, f"{where} answered JSON that is not an object ({type(body).__name__})")
        ret_code = number(body, "ret_code", action)
        if ret_code != 0:
            raise ApiError(action, ret_code, str(body.get("message", ""))[:300])
        return body

    def call(
        self, action: str, params: Mapping[str, Any], deadline: Deadline, *, idempotent: bool = True
    ) -> dict[str, Any]:
        """One action, retried while a checker allows it and the deadline has room."""
        policy = backing_off(self.backoff, self.sleep, on_retry=self.on_retry)
        return policy.run(action, lambda: self._send_once(action, params, deadline), deadline, idempotent=idempotent)

    # -- actions ---------------------------------------------------------------

    def run_service(self, cluster: str, service: str, params: Mapping[str, str], deadline: Deadline,
                    role: str = "maininstance") -> str:  # fmt: skip
        """RunClusterCustomService; returns the job id.  Not idempotent: a lost answer raises AnswerLost."""
        body = self.call("RunClusterCustomService", {
            "cluster": cluster, "role": role, "service": service,
            "service_params": json.dumps(dict(params), separators=(",", ":")),
        }, deadline, idempotent=False)  # fmt: skip
        job_id = body.get("job_id")
        if not isinstance(job_id, str) or not job_id:  # sent and accepted, it seems: the evidence decides
            raise MalformedAnswer("RunClusterCustomService", "the answer carried no job_id")
        return job_id

    def describe_jobs(self, job_ids: list[str], deadline: Deadline) -> list[Job]:
        body = self.call("DescribeJobs", {"jobs": job_ids, "verbose": 1}, deadline)
        return [parse_job(j) for j in records(body, "job_set", "job_id", "DescribeJobs")]

    def cluster_jobs(
        self, cluster: str, deadline: Deadline, offset: int = 0, limit: int = PAGE
    ) -> tuple[list[Job], int]:
        """One page of DescribeClusterJobs, newest first, and how many there are in all.

        Both of its forms at once: ``app`` (QingCloud's API page: the application's jobs on
        every cluster) and ``cluster`` (the official SDK); QingCloud ignores parameters an action
        does not take, and ``verbose`` 0 is the only one documented.  The caller keeps this
        cluster's jobs (:mod:`.history`)."""
        info = self.cluster_info(cluster, deadline, fresh=False)
        app = info.app_id if info is not None and info.app_id else None
        body = self.call("DescribeClusterJobs", {"app": app, "cluster": cluster, "offset": offset, "limit": limit,
                                                 "verbose": 0}, deadline)  # fmt: skip
        jobs = [parse_job(j) for j in records(body, "job_set", "job_id", "DescribeClusterJobs")]
        return jobs, number(body, "total_count", "DescribeClusterJobs")

    def my_jobs(self, deadline: Deadline, offset: int = 0, limit: int = PAGE) -> tuple[list[Job], int]:
        """One page of the caller's jobs on every cluster (DescribeJobs without ids), newest first."""
        body = self.call("DescribeJobs", {"offset": offset, "limit": limit, "verbose": 1}, deadline)
        jobs = [parse_job(j) for j in records(body, "job_set", "job_id", "DescribeJobs")]
        return jobs, number(body, "total_count", "DescribeJobs")

    def cluster_info(self, cluster: str, deadline: Deadline, fresh: bool = True) -> ClusterInfo | None:
        """The cluster as DescribeClusters shows it; None if it is not listed.  ``fresh=False`` may
        answer from this process's last look (for the ``app_id``, which does not change)."""
        if not fresh and cluster in self._clusters:
            return self._clusters[cluster]
        body = self.call("DescribeClusters", {"clusters": [cluster], "verbose": 0}, deadline)
        found = next((item for item in records(body, "cluster_set", "cluster_id", "DescribeClusters")
                      if item["cluster_id"] == cluster), None)  # fmt: skip
        info = None if found is None else ClusterInfo.parse(found)
        self._clusters[cluster] = info
        return info

    def know_app(self, cluster: str, app_id: str) -> None:
        """Take the cluster's ``app_id`` from elsewhere (another bridge's notes): no DescribeClusters for it."""
        if app_id and cluster not in self._clusters:
            self._clusters[cluster] = ClusterInfo(cluster, "", "", app_id)

    def transition_status(self, cluster: str, deadline: Deadline) -> str | None:
        """The cluster's ``transition_status`` ("" when idle); None if it is not listed."""
        info = self.cluster_info(cluster, deadline)
        return None if info is None else info.transition_status

    def cluster_nodes(self, cluster: str, deadline: Deadline, role: str | None = None) -> list[dict[str, Any]]:
        body = self.call("DescribeClusterNodes", {"cluster": cluster, "role": role, "limit": PAGE}, deadline)
        return records(body, "node_set", "node_id", "DescribeClusterNodes")


__all__ = ["PAGE", "Client", "ClusterInfo", "QingCloudError"]
