"""Clusters and asynchronous jobs, as QingCloud runs them (one job at a time)."""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..qingcloud.signing import timestamp
from ..rules import AccountRuleError, AccountSpec, check_account, check_del, check_password
from .backends import AccountConflict, Backend
from .faults import JOB_KINDS, Faults

SERVICES = ("add_user", "del_user")
FINAL = ("successful", "failed")
MASK = "******"


class SimError(Exception):
    def __init__(self, ret_code: int, message: str) -> None:
        self.ret_code, self.message = ret_code, message
        super().__init__(message)


@dataclass
class Job:
    job_id: str
    cluster: str
    service: str
    spec: AccountSpec
    password: str = field(repr=False)
    duration: float
    started: float
    create_time: str
    owner: str
    directive: str
    fault: str | None = None
    status: str = "pending"
    status_time: str = ""
    error: str = ""
    finished: float | None = None

    def public(self) -> dict[str, Any]:
        """As DescribeJobs shows it.  Assumed: ``directive`` holds the request, password masked."""
        return {
            "job_id": self.job_id,
            "job_action": "RunClusterCustomService",
            "status": self.status,
            "create_time": self.create_time,
            "status_time": self.status_time or self.create_time,
            "resource_ids": self.cluster,
            "owner": self.owner,
            "directive": self.directive,
            "error_code": 0 if self.status in ("pending", "working", "successful") else 5000,
            "error_msg": self.error,
        }


@dataclass
class Cluster:
    cluster_id: str
    zone: str
    backend: Backend
    ssl_enabled: bool = False
    current: Job | None = None


class Engine:
    def __init__(self, clusters: list[Cluster], job_seconds: float, faults: Faults) -> None:
        self.clusters = {c.cluster_id: c for c in clusters}
        self.job_seconds = job_seconds
        self.faults = faults
        self.jobs: dict[str, Job] = {}
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.busy_refusals = 0  # second jobs refused while one ran (tests read it)

    def _cluster(self, cluster_id: str, zone: str) -> Cluster:
        cluster = self.clusters.get(cluster_id)
        if cluster is None or cluster.zone != zone:
            raise SimError(2100, f"resource [{cluster_id}] not found in zone [{zone}]")
        return cluster

    def run_service(self, params: dict[str, str], owner: str = "usr-sim") -> dict[str, Any]:
        for name in ("cluster", "role", "service", "service_params"):
            if not params.get(name):
                raise SimError(1100, f"parameter [{name}] should not be empty")
        if params["role"] != "maininstance":
            raise SimError(1100, f"role [{params['role']}] is not valid; expected maininstance")
        service = params["service"]
        if service not in SERVICES:
            raise SimError(1100, f"service [{service}] is not valid; expected add_user or del_user")
        try:
            service_params = json.loads(params["service_params"])
        except ValueError:
            raise SimError(1100, "service_params is not valid JSON") from None
        if not isinstance(service_params, dict):
            raise SimError(1100, "service_params should be a JSON object")
        spec, password = self._check(service, service_params)
        with self._lock:
            cluster = self._cluster(params["cluster"], params["zone"])
            if cluster.current is not None:
                self._advance(cluster.current)
                if cluster.current is not None:
                    self.busy_refusals += 1
                    raise SimError(
                        1400, f"cluster [{cluster.cluster_id}] is busy: job [{cluster.current.job_id}] is running"
                    )
            if spec.ssl == "YES" and not cluster.ssl_enabled:
                raise SimError(1400, f"ssl=YES needs the SSL transport of cluster [{cluster.cluster_id}] enabled first")
            fault = self.faults.take(JOB_KINDS, ("RunClusterCustomService", service))
            shown = {k: (MASK if k == "passwd" else v) for k, v in service_params.items()}
            directive = {"action": "RunClusterCustomService", "cluster": cluster.cluster_id, "role": "maininstance",
                         "service": service, "service_params": shown, "zone": cluster.zone}  # fmt: skip
            job = Job(
                job_id=f"j-sim{next(self._ids):04d}{secrets.token_hex(2)}",
                cluster=cluster.cluster_id,
                service=service,
                spec=spec,
                password=password,
                duration=self.job_seconds,
                started=time.monotonic(),
                create_time=timestamp(),
                owner=owner,
                directive=json.dumps(directive),
                fault=fault.kind if fault else None,
            )
            self.jobs[job.job_id] = job
            cluster.current = job
        timer = threading.Timer(job.duration, self._advance_later, (job,))
        timer.daemon = True
        timer.start()
        return {
            "action": "RunClusterCustomServiceResponse",
            "job_id": job.job_id,
            "service": service,
            "role": "maininstance",
            "cluster_id": cluster.cluster_id,
            "ret_code": 0,
        }

    @staticmethod
    def _check(service: str, p: dict[str, Any]) -> tuple[AccountSpec, str]:
        """The shared account rules, answered as ret_code 1100."""
        try:
            if service == "add_user":
                for name in ("user", "passwd", "host", "database", "priv", "ssl"):
                    if name not in p:
                        raise SimError(1100, f"service_params lacks [{name}]")
                if not isinstance(p["ssl"], str):
                    raise SimError(1100, "ssl should be YES or NO")
                spec = check_account(p["user"], p["host"], p["database"], p["priv"], p["ssl"])
                return spec, check_password(p["passwd"])
            for name in ("user", "host"):
                if name not in p:
                    raise SimError(1100, f"service_params lacks [{name}]")
            return check_del(p["user"], p["host"]), ""
        except AccountRuleError as err:
            raise SimError(1100, f"invalid service_params: {err}") from None

    def _advance_later(self, job: Job) -> None:
        with self._lock:
            self._advance(job)

    def _advance(self, job: Job) -> None:
        """Move a job on by the clock; at its end, apply it to the backend."""
        if job.status in FINAL:
            return
        age = time.monotonic() - job.started
        if age < job.duration or job.fault == "job_hang":
            status = "pending" if age < min(0.5, job.duration / 3) else "working"
            if status != job.status:
                job.status, job.status_time = status, timestamp()
            return
        cluster = self.clusters[job.cluster]
        try:
            if job.fault == "job_fail":
                raise AccountConflict("injected failure")
            if job.service == "add_user":
                cluster.backend.add(job.spec, job.password)
            else:
                cluster.backend.delete(job.spec)
            job.status = "successful"
        except AccountConflict as err:
            job.status, job.error = "failed", str(err)
        except Exception as err:  # a backend failure is the job's, not the server's
            job.status, job.error = "failed", f"internal error: {type(err).__name__}"
        job.password = ""
        job.status_time, job.finished = timestamp(), time.monotonic()
        if cluster.current is job:
            cluster.current = None

    def describe_jobs(
        self,
        job_ids: list[str],
        owner: str = "usr-sim",
        statuses: list[str] | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> dict[str, Any]:
        """The named jobs, or else the owner's jobs newest first (documented filters: status, offset, limit)."""
        if not 1 <= limit <= 100 or offset < 0:
            raise SimError(1100, "limit should be 1 to 100 and offset at least 0")
        with self._lock:
            if job_ids:
                chosen = [self.jobs[j] for j in job_ids[:100] if j in self.jobs]
            else:
                chosen = list(reversed(self.jobs.values()))
            chosen = [j for j in chosen if j.owner == owner]
            for job in chosen:
                self._advance(job)
            if statuses:
                chosen = [j for j in chosen if j.status in statuses]
            page = [j.public() for j in chosen[offset : offset + limit]]
        return {"action": "DescribeJobsResponse", "total_count": len(chosen), "job_set": page, "ret_code": 0}

    def release_hung(self) -> int:
        """Let hung jobs finish (the control endpoint's 'clear')."""
        with self._lock:
            hung = [j for j in self.jobs.values() if j.fault == "job_hang" and j.status in ("pending", "working")]
            for job in hung:
                job.fault = None
                self._advance(job)
            return len(hung)

    def inventory(self) -> dict[str, Any]:
        return {cid: {"zone": c.zone, "accounts": c.backend.accounts()} for cid, c in sorted(self.clusters.items())}
