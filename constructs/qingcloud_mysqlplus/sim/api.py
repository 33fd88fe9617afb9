"""The signed ``/iaas/`` API: authentication, the request faults that answer, and the actions."""

from __future__ import annotations

import hashlib
import sys
import threading
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from ..qingcloud.signing import TIME_FORMAT, verify
from . import listing
from .engine import Engine
from .faults import Faults
from .listing import listed
from .services import SimError, denied_message

API_PATH = "/iaas/"
CLOCK_SKEW = 60
REQUIRED = ("action", "access_key_id", "signature_method", "signature_version", "time_stamp", "signature")


def owner_of(access_key: str) -> str:
    """A stable user id per access key, like QingCloud's ``usr-...`` (a job's ``owner``)."""
    return "usr-" + hashlib.sha256(access_key.encode()).hexdigest()[:8]


def paging(params: dict[str, str]) -> tuple[int, int]:
    """``offset`` (0 or more) and ``limit`` (1 to 100, default 20), or 1100."""
    try:
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 20)
    except ValueError:
        raise SimError(1100, "offset and limit should be integers") from None
    if not 1 <= limit <= 100 or offset < 0:
        raise SimError(1100, "limit should be 1 to 100 and offset at least 0")
    return offset, limit


def parse_time(params: dict[str, str], name: str) -> datetime:
    try:
        return datetime.strptime(params[name], TIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise SimError(1100, f"{name} should look like 2013-08-27T14:30:10Z") from None


class Simulator:
    """What answers ``/iaas/``; the HTTP layer adds the transport faults."""

    def __init__(self, engine: Engine, credentials: dict[str, str], faults: Faults) -> None:
        self.engine, self.credentials, self.faults = engine, credentials, faults
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()  # per action, every request that reached /iaas/

    def count(self, action: str) -> None:
        with self._lock:
            self.requests[action] += 1

    def request_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self.requests)

    def key(self, access_key: str | None = None) -> tuple[str, str]:
        """A known access key and its secret (by default the first one), for control endpoints."""
        chosen = access_key or next(iter(self.credentials))
        if chosen not in self.credentials:
            raise ValueError("access_key: not one of the access keys the simulator was started with")
        return chosen, self.credentials[chosen]

    def authenticate(self, params: dict[str, str], verb: str) -> str:
        """Check the signature (1200) and the time stamp (1300); returns the caller (a job's ``owner``)."""
        for name in REQUIRED:
            if not params.get(name):
                code = 1200 if name in ("access_key_id", "signature") else 1100
                raise SimError(code, f"parameter [{name}] should not be empty")
        if params["signature_version"] != "1":
            raise SimError(1100, "signature_version should be 1")
        secret = self.credentials.get(params["access_key_id"])
        if secret is None or not verify(params, secret, verb=verb, path=API_PATH):
            raise SimError(1200, "AuthFailure, unknown access key or bad signature")
        now = datetime.now(timezone.utc)
        if abs((now - parse_time(params, "time_stamp")).total_seconds()) > CLOCK_SKEW:
            raise SimError(1300, "RequestExpired, time_stamp is more than 60 s off")
        if params.get("expires") and now > parse_time(params, "expires"):
            raise SimError(1300, "RequestExpired, past expires")
        return owner_of(params["access_key_id"])

    def answer(self, verb: str, params: dict[str, str]) -> dict[str, Any]:
        """The JSON answer to one signed request (errors as ret_code and message)."""
        try:
            owner = self.authenticate(params, verb)
            names = (params.get("action", ""), params.get("service", ""))
            resource = params.get("cluster") or params.get("clusters.1")
            if resource:
                self.engine.occupy(resource, lambda: self.faults.take(("busy",), names))
            if self.faults.take(("denied",), names):
                raise SimError(1400, denied_message(resource or params.get("jobs.1")))
            return self.dispatch(params, owner)
        except SimError as err:
            return {"ret_code": err.ret_code, "message": err.message}
        except Exception as err:  # never the request in a message: it may hold a password
            print(f"qingcloud-mysqlplus-sim: internal error: {type(err).__name__}", file=sys.stderr)
            return {"ret_code": 5000, "message": "InternalError, please try later"}

    def dispatch(self, params: dict[str, str], owner: str) -> dict[str, Any]:
        action, zone, engine = params["action"], params.get("zone", ""), self.engine
        if not zone:
            raise SimError(1100, "parameter [zone] should not be empty")
        if action == "RunClusterCustomService":
            return engine.run_service(params, owner)
        if action == "DescribeJobs":
            return listing.describe_jobs(
                engine, owner, listed(params, "jobs"), listed(params, "status"), *paging(params)
            )
        if action == "DescribeClusterJobs":
            return listing.describe_cluster_jobs(engine, owner, params, zone, *paging(params))
        if action == "DescribeClusterNodes":
            if not params.get("cluster"):
                raise SimError(1100, "parameter [cluster] should not be empty")
            role = params.get("role") or None
            return listing.describe_cluster_nodes(engine, params["cluster"], zone, role, *paging(params))
        if action == "DescribeClusters":
            return listing.describe_clusters(engine, listed(params, "clusters"), zone, *paging(params))
        raise SimError(1100, f"action [{action}] is not supported by the simulator")
