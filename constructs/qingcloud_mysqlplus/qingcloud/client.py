"""The QingCloud IaaS API client: signed requests, retries, job waiting.

One :class:`requests.Session` serves every call of a run.  Retries live in one
loop here rather than in urllib3's ``Retry`` because most of what QingCloud
asks to retry arrives as HTTP 200 with a ``ret_code`` in the body, and every
retry must stay inside one overall deadline that urllib3 cannot see.

No exception or event raised here carries a URL, a body or a password:
transport errors are reduced to their kind and the endpoint's host.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from .signing import canonical_query, sign

DEFAULT_ENDPOINT = "https://api.qingcloud.com:443/iaas/"
FINAL_JOB_STATUSES = frozenset({"successful", "failed", "done with failure"})
RETRYABLE_RET_CODES = frozenset({2500, 5000, 5100, 5300})
NEVER_RETRIED_RET_CODES = frozenset({1100, 1200, 1300, 2100})
HOST_NAME = re.compile(r"[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45}")  # a DNS name, IPv4 or IPv6


class QingCloudError(Exception):
    """Base of every failure this client reports; the message is safe to print."""


class ApiError(QingCloudError):
    def __init__(self, action: str, ret_code: int, message: str) -> None:
        self.action, self.ret_code, self.message = action, ret_code, message
        super().__init__(f"{action} refused with ret_code {ret_code}: {message}")


class TransportError(QingCloudError):
    """HTTP 5xx, a dropped connection or a time-out (always retryable)."""


class JobFailed(QingCloudError):
    def __init__(self, job_id: str, status: str, message: str) -> None:
        self.job_id, self.status, self.message = job_id, status, message
        super().__init__(f"job {job_id} ended {status}: {message or 'no message from the API'}")


class DeadlineExceeded(QingCloudError):
    def __init__(self, what: str, seconds: float, last_cause: str | None, job_id: str | None = None) -> None:
        self.what, self.last_cause, self.job_id = what, last_cause, job_id
        cause = f" (last: {last_cause})" if last_cause else ""
        super().__init__(f"{what} did not finish within {seconds:g} s{cause}")


def is_busy(ret_code: int, message: str) -> bool:
    """Assumed (see QINGCLOUD_API.md): a cluster busy with another job answers 1400 ... busy."""
    return ret_code == 1400 and "busy" in message.lower()


def is_retryable(ret_code: int, message: str) -> bool:
    return ret_code in RETRYABLE_RET_CODES or is_busy(ret_code, message)


class Deadline:
    """A point in monotonic time that every retry and poll of one run respects."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self._clock = seconds, clock
        self._end = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with full jitter: uniform(0, min(cap, base * 2**attempt))."""

    base: float = 0.25
    cap: float = 8.0

    def delay(self, attempt: int) -> float:
        return random.uniform(self.base / 2, min(self.cap, self.base * 2**attempt))


@dataclass(frozen=True)
class PollSchedule:
    """Job polling: the first look soon after submitting, then growing to ``maximum``."""

    first: float = 0.25
    factor: float = 1.5
    maximum: float = 2.0

    def intervals(self) -> Iterator[float]:
        interval = self.first
        while True:
            yield interval
            interval = min(self.maximum, interval * self.factor)


@dataclass(frozen=True)
class Endpoint:
    protocol: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname or not HOST_NAME.fullmatch(parts.hostname):
            raise ValueError(f"endpoint: received {url[:80]!r}; expected a URL such as {DEFAULT_ENDPOINT}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ValueError(f"endpoint: received {url!r}; the port is not a number") from None
        path = parts.path or "/iaas/"
        if not path.endswith("/"):
            path += "/"  # QingCloud signs the path with its trailing slash
        return cls(parts.scheme, parts.hostname, port, path)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.protocol}://{host}:{self.port}{self.path}"


RetryHook = Callable[[str, float], None]


class Client:
    """Signed calls to one QingCloud zone, with retries inside a deadline."""

    def __init__(
        self,
        *,
        access_key: str,
        secret_key: str,
        zone: str,
        endpoint: str | Endpoint = DEFAULT_ENDPOINT,
        verb: str = "GET",
        signature_method: str = "HmacSHA256",
        http_timeout: float = 20.0,
        backoff: Backoff = Backoff(),
        session: requests.Session | None = None,
        on_retry: RetryHook | None = None,
    ) -> None:
        if verb not in ("GET", "POST"):
            raise ValueError(f"verb: received {verb!r}; expected GET or POST")
        self.access_key, self._secret_key, self.zone = access_key, secret_key, zone
        self.endpoint = endpoint if isinstance(endpoint, Endpoint) else Endpoint.parse(endpoint)
        self.verb, self.signature_method = verb, signature_method
        self.http_timeout, self.backoff = http_timeout, backoff
        self.session = session or requests.Session()
        self.on_retry = on_retry

    def __repr__(self) -> str:  # never the secret key
        return f"Client(zone={self.zone!r}, endpoint={self.endpoint.url!r}, access_key={self.access_key!r})"

    # -- one attempt ---------------------------------------------------------

    def _send_once(self, action: str, params: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        signed = sign(
            {"action": action, "zone": self.zone, **params},
            access_key=self.access_key,
            secret_key=self._secret_key,
            verb=self.verb,
            path=self.endpoint.path,
            method=self.signature_method,
        )
        where = f"{self.endpoint.host}:{self.endpoint.port}"
        try:
            if self.verb == "GET":
                response = self.session.get(f"{self.endpoint.url}?{canonical_query(signed)}", timeout=timeout)
            else:
                response = self.session.post(self.endpoint.url, data=signed, timeout=timeout)
        except requests.ConnectTimeout:
            raise TransportError(f"connecting to {where} timed out") from None
        except requests.ConnectionError as err:
            raise TransportError(f"connection to {where} failed ({_kind(err)})") from None
        except requests.Timeout:
            raise TransportError(f"no answer from {where} within {timeout:.1f} s") from None
        except requests.RequestException as err:
            raise TransportError(f"request to {where} failed ({_kind(err)})") from None
        if response.status_code >= 500:
            raise TransportError(f"{where} answered HTTP {response.status_code}")
        if response.status_code != 200:
            raise ApiError(action, -response.status_code, f"HTTP {response.status_code} from {where}")
        try:
            body = response.json()
        except ValueError:
            raise TransportError(f"{where} answered something that is not JSON") from None
        if not isinstance(body, dict):
            raise TransportError(f"{where} answered JSON that is not an object")
        ret_code = int(body.get("ret_code", -1))
        if ret_code != 0:
            raise ApiError(action, ret_code, str(body.get("message", "")))
        return body

    # -- retries -------------------------------------------------------------

    def request(self, action: str, params: Mapping[str, Any], deadline: Deadline) -> dict[str, Any]:
        """One API action, retried while retryable and the deadline allows."""
        attempt, last_cause = 0, None
        while True:
            timeout = min(self.http_timeout, max(deadline.remaining(), 0.5))
            try:
                return self._send_once(action, params, timeout)
            except TransportError as err:
                last_cause = str(err)
            except ApiError as err:
                if not is_retryable(err.ret_code, err.message):
                    raise
                last_cause = str(err)
            delay = self.backoff.delay(attempt)
            if deadline.remaining() <= delay:
                raise DeadlineExceeded(action, deadline.seconds, last_cause)
            if self.on_retry:
                self.on_retry(last_cause, delay)
            time.sleep(delay)
            attempt += 1

    # -- actions -------------------------------------------------------------

    def run_cluster_custom_service(
        self,
        cluster: str,
        service: str,
        service_params: Mapping[str, str],
        deadline: Deadline,
        role: str = "maininstance",
    ) -> str:
        """Submit a custom service; returns the job id."""
        body = self.request(
            "RunClusterCustomService",
            {
                "cluster": cluster,
                "role": role,
                "service": service,
                "service_params": json.dumps(dict(service_params), separators=(",", ":")),
            },
            deadline,
        )
        job_id = body.get("job_id")
        if not isinstance(job_id, str) or not job_id:
            raise ApiError("RunClusterCustomService", 0, "the answer carried no job_id")
        return job_id

    def describe_jobs(self, job_ids: list[str], deadline: Deadline) -> list[dict[str, Any]]:
        body = self.request("DescribeJobs", {"jobs": job_ids, "verbose": 1}, deadline)
        return list(body.get("job_set") or [])

    def recent_jobs(self, deadline: Deadline, limit: int = 100) -> list[dict[str, Any]]:
        """The newest jobs this access key started (DescribeJobs without ids lists only the caller's)."""
        body = self.request("DescribeJobs", {"verbose": 1, "offset": 0, "limit": limit}, deadline)
        return list(body.get("job_set") or [])

    def wait_job(
        self,
        job_id: str,
        deadline: Deadline,
        on_progress: Callable[[str], None] | None = None,
        schedule: PollSchedule = PollSchedule(),
    ) -> dict[str, Any]:
        """Poll until the job is final; a failed job raises :class:`JobFailed`."""
        status = "submitted"
        for interval in schedule.intervals():
            if deadline.remaining() <= interval:
                raise DeadlineExceeded(f"job {job_id}", deadline.seconds, f"status {status}", job_id)
            time.sleep(interval)
            try:
                jobs = self.describe_jobs([job_id], deadline)
            except DeadlineExceeded as err:
                raise DeadlineExceeded(f"job {job_id}", deadline.seconds, err.last_cause, job_id) from None
            job = next((j for j in jobs if j.get("job_id") == job_id), None)
            if job is None:
                continue  # not visible yet; keep looking until the deadline
            status = str(job.get("status", ""))
            if on_progress:
                on_progress(status)
            if status in FINAL_JOB_STATUSES:
                if status != "successful":
                    raise JobFailed(job_id, status, str(job.get("error_msg") or job.get("message") or ""))
                return job
        raise AssertionError("unreachable")


def job_request(job: Mapping[str, Any]) -> dict[str, Any]:
    """What a job was asked to do, from its ``directive`` (assumed: the request as JSON); {} if unknown."""
    try:
        directive = json.loads(str(job.get("directive") or "{}"))
    except ValueError:
        return {}
    if not isinstance(directive, dict):
        return {}
    params = directive.get("service_params")
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except ValueError:
            params = None
    directive["service_params"] = params if isinstance(params, dict) else {}
    return directive


def _kind(err: BaseException) -> str:
    """A transport error's kind, without its message (which may hold the URL)."""
    cause = err.__context__ or err.__cause__
    names = [type(err).__name__]
    while cause is not None and len(names) < 4:
        names.append(type(cause).__name__)
        cause = cause.__context__ or cause.__cause__
    return " <- ".join(names)
