"""The QingCloud IaaS API client: one reused session, signed requests, retries inside a deadline.

Retries live here rather than in urllib3's ``Retry`` because most of what
QingCloud asks to retry arrives as HTTP 200 with a ``ret_code``, and every
retry must stay inside one overall deadline.  A write whose answer was lost
is never resent blindly: :class:`AnswerLost` goes to the caller, whose
evidence (the cluster's jobs) decides.  No exception carries a URL, a body
or a password.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import requests

from .endpoint import DEFAULT_ENDPOINT, Endpoint
from .errors import AnswerLost, ApiError, DeadlineExceeded, NotSent, QingCloudError, TransportError
from .jobs import Job, parse_job
from .retry import Backoff, Deadline, RetryContext, Sleep, should_retry
from .signing import canonical_query, sign

RetryHook = Callable[[str, float], None]
PAGE = 100  # the most a Describe* call returns


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
        session: requests.Session | None = None,
        on_retry: RetryHook | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        if verb not in ("GET", "POST"):
            raise ValueError(f"verb: received {verb!r}; expected GET or POST")
        self.access_key, self._secret_key, self.zone = access_key, secret_key, zone
        self.endpoint = endpoint if isinstance(endpoint, Endpoint) else Endpoint.parse(endpoint)
        self.verb, self.http_timeout, self.backoff = verb, http_timeout, backoff or Backoff()
        self.session = session or requests.Session()
        self.on_retry, self.sleep = on_retry, sleep
        self.calls: Counter[str] = Counter()  # per action, for reports and tests

    def __repr__(self) -> str:  # never the secret key
        return f"Client(zone={self.zone!r}, endpoint={self.endpoint.url!r}, access_key={self.access_key!r})"

    def _send_once(self, action: str, params: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        signed = sign({"action": action, "zone": self.zone, **params}, access_key=self.access_key,
                      secret_key=self._secret_key, verb=self.verb, path=self.endpoint.path)  # fmt: skip
        self.calls[action] += 1
        where = self.endpoint.where
        try:
            if self.verb == "GET":
                response = self.session.get(f"{self.endpoint.url}?{canonical_query(signed)}", timeout=timeout)
            else:
                response = self.session.post(self.endpoint.url, data=signed, timeout=timeout)
        except requests.ConnectTimeout:
            raise NotSent(f"connecting to {where} timed out") from None
        except requests.ConnectionError as err:
            if _never_connected(err):
                raise NotSent(f"connection to {where} failed ({_kind(err)})") from None
            raise AnswerLost(f"connection to {where} lost before the answer ({_kind(err)})") from None
        except requests.Timeout:
            raise AnswerLost(f"no answer from {where} within {timeout:.1f} s") from None
        except requests.RequestException as err:
            raise AnswerLost(f"request to {where} failed ({_kind(err)})") from None
        if response.status_code >= 500:
            raise AnswerLost(f"{where} answered HTTP {response.status_code}")
        if response.status_code != 200:
            raise ApiError(action, -response.status_code, f"HTTP {response.status_code} from {where}")
        try:
            body = response.json()
        except ValueError:
            raise AnswerLost(f"{where} answered something that is not JSON") from None
        if not isinstance(body, dict):
            raise AnswerLost(f"{where} answered JSON that is not an object")
        ret_code = int(body.get("ret_code", -1))
        if ret_code != 0:
            raise ApiError(action, ret_code, str(body.get("message", ""))[:300])
        return body

    def call(
        self, action: str, params: Mapping[str, Any], deadline: Deadline, *, idempotent: bool = True
    ) -> dict[str, Any]:
        """One action, retried while a checker allows it and the deadline has room."""
        attempt = 0
        while True:
            timeout = min(self.http_timeout, max(deadline.remaining(), 0.5))
            try:
                return self._send_once(action, params, timeout)
            except (TransportError, ApiError) as err:
                if not should_retry(RetryContext(action, attempt, err, idempotent)):
                    raise
                cause = str(err)
            delay = self.backoff.delay(attempt)
            if deadline.remaining() <= delay:
                raise DeadlineExceeded(action, deadline.seconds, cause)
            if self.on_retry:
                self.on_retry(cause, delay)
            self.sleep(delay)
            attempt += 1

    # -- actions ---------------------------------------------------------------

    def run_service(self, cluster: str, service: str, params: Mapping[str, str], deadline: Deadline,
                    role: str = "maininstance") -> str:  # fmt: skip
        """RunClusterCustomService; returns the job id.  Not idempotent: a lost answer raises AnswerLost."""
        body = self.call("RunClusterCustomService", {
            "cluster": cluster, "role": role, "service": service,
            "service_params": json.dumps(dict(params), separators=(",", ":")),
        }, deadline, idempotent=False)  # fmt: skip
        job_id = body.get("job_id")
        if not isinstance(job_id, str) or not job_id:
            raise ApiError("RunClusterCustomService", 0, "the answer carried no job_id")
        return job_id

    def describe_jobs(self, job_ids: list[str], deadline: Deadline) -> list[Job]:
        body = self.call("DescribeJobs", {"jobs": job_ids, "verbose": 1}, deadline)
        return [parse_job(j) for j in body.get("job_set") or [] if isinstance(j, dict)]

    def cluster_jobs(
        self, cluster: str, deadline: Deadline, offset: int = 0, limit: int = PAGE
    ) -> tuple[list[Job], int]:
        """One page of the cluster's jobs, newest first, and how many there are in all."""
        body = self.call("DescribeClusterJobs", {"cluster": cluster, "offset": offset, "limit": limit, "verbose": 1},
                         deadline)  # fmt: skip
        jobs = [parse_job(j) for j in body.get("job_set") or [] if isinstance(j, dict)]
        return jobs, int(body.get("total_count") or 0)

    def my_jobs(self, deadline: Deadline, offset: int = 0, limit: int = PAGE) -> tuple[list[Job], int]:
        """One page of the caller's jobs on every cluster (DescribeJobs without ids), newest first."""
        body = self.call("DescribeJobs", {"offset": offset, "limit": limit, "verbose": 1}, deadline)
        jobs = [parse_job(j) for j in body.get("job_set") or [] if isinstance(j, dict)]
        return jobs, int(body.get("total_count") or 0)

    def transition_status(self, cluster: str, deadline: Deadline) -> str | None:
        """The cluster's ``transition_status`` ("" when idle); None if it is not listed."""
        body = self.call("DescribeClusters", {"clusters": [cluster], "verbose": 0}, deadline)
        for item in body.get("cluster_set") or []:
            if isinstance(item, dict) and item.get("cluster_id") == cluster:
                return str(item.get("transition_status") or "")
        return None

    def cluster_nodes(self, cluster: str, deadline: Deadline, role: str | None = None) -> list[dict[str, Any]]:
        body = self.call("DescribeClusterNodes", {"cluster": cluster, "role": role, "limit": PAGE}, deadline)
        return [n for n in body.get("node_set") or [] if isinstance(n, dict)]


def _never_connected(err: BaseException) -> bool:
    """Whether a connection error happened before anything was sent (refused, no route, DNS)."""
    cause: BaseException | None = err
    while cause is not None:
        if type(cause).__name__ in ("NewConnectionError", "NameResolutionError", "ConnectionRefusedError"):
            return True
        cause = cause.__context__ or cause.__cause__ or getattr(cause, "reason", None)
        if isinstance(cause, str):
            return False
    return False


def _kind(err: BaseException) -> str:
    """A transport error's kind, without its message (which may hold the URL)."""
    names, cause = [type(err).__name__], err.__context__ or err.__cause__
    while cause is not None and len(names) < 4:
        names.append(type(cause).__name__)
        cause = cause.__context__ or cause.__cause__
    return " <- ".join(names)


__all__ = ["PAGE", "Client", "QingCloudError"]
