"""Clusters, their nodes and jobs, run as QingCloud runs them: one job at a time per cluster."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, NoReturn

from ..qingcloud.signing import timestamp
from ..rules import host_entries
from . import directives
from .clusters import apply_job, size_nodes
from .faults import JOB_KINDS, Fault, Faults
from .model import BACKUP_ACTION, FAILURE_CODES, SERVICE_ACTION, Cluster, Job, new_id
from .options import SimOptions
from .services import ServiceRequest, SimError, check_node, parse_request, transition_message

FOREIGN_OWNER = "usr-f0re1gn0"  # the other actor of the ``busy`` and ``busy_race`` faults


def parse_stamp(text: str) -> datetime:
    """A job's or cluster's ``YYYY-MM-DDThh:mm:ssZ`` time."""
    return datetime.fromisoformat(text)


class Engine:
    def __init__(self, clusters: list[Cluster], job_seconds: float, faults: Faults, options: SimOptions) -> None:
        self.clusters = {c.cluster_id: c for c in clusters}
        self.job_seconds, self.faults, self.options = job_seconds, faults, options
        self.jobs: dict[str, Job] = {}  # in creation order
        self.lock = threading.RLock()
        self.busy_refusals = 0  # RunClusterCustomService refused because a job ran (tests read it)
        self._timers: set[threading.Timer] = set()
        self.node_ids: set[str] = set()
        size_nodes(clusters, options.proxies, self.node_ids)

    def cluster(self, cluster_id: str, zone: str) -> Cluster:
        """A cluster of the caller's zone, or 2100."""
        cluster = self.clusters.get(cluster_id)
        if cluster is None or cluster.zone != zone:
            raise SimError(2100, f"ResourceNotFound, resource [{cluster_id}] not found")
        return cluster

    def run_service(self, params: dict[str, str], owner: str, channel: str = "api") -> dict[str, Any]:
        """RunClusterCustomService: a job, or a refusal (1100, 1400, 2100, 2110).  Faults strike
        only requests through the API (``channel`` ``api``), not the console's."""
        request = parse_request(params)
        api = channel == "api"
        with self.lock:
            cluster = self.cluster(params["cluster"], params["zone"])
            if request.node_id is not None:
                check_node(cluster, request)
            self.refresh(cluster)
            if cluster.current is not None:
                self.refuse_busy(cluster)
            if api:
                self._race(cluster, request.service)
            self._check_state(cluster, request)
            fault = self.faults.take(JOB_KINDS, (SERVICE_ACTION, request.service)) if api else None
            job = self._start(cluster, request, owner, self._duration(request), fault, channel)
        return {"action": "RunClusterCustomServiceResponse", "job_id": job.job_id, "service": request.service,
                "role": request.role, "cluster_id": cluster.cluster_id, "ret_code": 0}  # fmt: skip

    def refuse_busy(self, cluster: Cluster) -> NoReturn:
        """The documented 1400 answer to a request on a cluster in transition."""
        self.busy_refusals += 1
        raise SimError(1400, transition_message(cluster.cluster_id, self.options.busy_language))

    def _duration(self, request: ServiceRequest) -> float:
        duration = self.job_seconds
        if request.service == "restart_node" and self.options.restart_seconds is not None:
            duration = self.options.restart_seconds
        if self.options.job_jitter:
            duration = max(0.0, duration + random.uniform(-self.options.job_jitter, self.options.job_jitter))
        return duration

    def _check_state(self, cluster: Cluster, request: ServiceRequest) -> None:
        """Refusals that depend on the cluster: SSL transport, and (option) an existing user as 2110 (with
        ``second_host=accept``, only a user@host entry that exists)."""
        spec = request.spec
        if spec is not None and spec.ssl == "YES" and not cluster.ssl_enabled:
            raise SimError(1400, f"PermissionDenied, the SSL transport of cluster [{cluster.cluster_id}] is off")
        if request.service == "add_user" and spec is not None and self.options.add_existing == "refused_2110":
            hosts = host_entries(spec.host) if self.options.second_host == "accept" else None
            if cluster.backend.exists(spec.user, hosts):
                raise SimError(2110, f"ResourceAlreadyExists, user [{spec.user}] on resource [{cluster.cluster_id}]")

    def _race(self, cluster: Cluster, service: str) -> None:
        """The ``busy_race`` fault: another actor's restart_node job ran and ended just now, so the
        request is refused in the transition form while the cluster is already idle again."""
        fault = self.faults.take(("busy_race",), (SERVICE_ACTION, service))
        if fault is None:
            return
        ended = datetime.now(timezone.utc)
        began = max(ended - timedelta(seconds=fault.seconds), parse_stamp(cluster.status_time or cluster.create_time))
        job = self.new_job(cluster, self.foreign_restart(cluster, began), FOREIGN_OWNER, "api", began)
        self.conclude(cluster, job, timestamp(ended))
        self.refuse_busy(cluster)

    def foreign_restart(self, cluster: Cluster, when: datetime) -> ServiceRequest:
        """The other actor's restart_node of the cluster's first node, signed with its own key."""
        node = cluster.nodes[0]
        fields = {"cluster": cluster.cluster_id, "role": node.role, "service": "restart_node",
                  "service_params": json.dumps({"node_id": node.node_id})}  # fmt: skip
        params = directives.request(SERVICE_ACTION, cluster.zone, fields, when=when, key=directives.FOREIGN_KEY)
        return ServiceRequest("restart_node", node.role, params, node_id=node.node_id)

    def occupy(self, cluster_id: str, take: Callable[[], Fault | None]) -> None:
        """The ``busy`` fault: when the cluster is idle and a fault is taken, another actor's
        restart_node job occupies it for the fault's ``seconds``."""
        with self.lock:
            cluster = self.clusters.get(cluster_id)
            if cluster is None:
                return
            self.refresh(cluster)
            fault = take() if cluster.current is None else None
            if fault is not None:
                request = self.foreign_restart(cluster, datetime.now(timezone.utc))
                self._start(cluster, request, FOREIGN_OWNER, fault.seconds, None, "api")

    def new_job(self, cluster: Cluster, request: ServiceRequest, owner: str, channel: str, created: datetime) -> Job:
        """A job of ``request`` (its directive the request as received), listed from now on."""
        directive = directives.render(request.params, self.options.directive, owner=owner, channel=channel,
                                      app_id=cluster.app_id)  # fmt: skip
        job = Job(job_id=new_id("j-", 11, self.jobs), cluster=cluster.cluster_id, owner=owner,
                  service=request.service, directive=directive, duration=0.0, started=time.monotonic(),
                  create_time=timestamp(created), action=request.params["action"], spec=request.spec,
                  password=request.password, node_id=request.node_id)  # fmt: skip
        self.jobs[job.job_id] = job
        return job

    def _start(
        self, cluster: Cluster, request: ServiceRequest, owner: str, duration: float, fault: Fault | None, channel: str
    ) -> Job:
        job = self.new_job(cluster, request, owner, channel, datetime.now(timezone.utc))
        job.duration, job.fault = duration, fault.kind if fault else None
        cluster.current, cluster.status_time = job, job.create_time
        self._schedule(job, duration)
        return job

    def _schedule(self, job: Job, delay: float) -> None:
        timer = threading.Timer(delay, self._advance_later, (job,))
        timer.daemon = True
        self._timers.add(timer)
        timer.start()

    def _advance_later(self, job: Job) -> None:
        """A job's timer: end it on time (again a moment later if the timer woke early)."""
        with self.lock:
            self._timers = {t for t in self._timers if t.is_alive() and t is not threading.current_thread()}
            self.advance(job)
            if job.running and job.fault != "job_hang":
                self._schedule(job, max(0.01, job.started + job.duration - time.monotonic()))

    def refresh(self, cluster: Cluster) -> None:
        """Bring the cluster's running job up to the clock."""
        if cluster.current is not None:
            self.advance(cluster.current)

    def advance(self, job: Job) -> None:
        """Move a job on by the clock: pending, working, then its end (the change applied)."""
        if not job.running:
            return
        age = time.monotonic() - job.started
        if age < job.duration or job.fault == "job_hang":
            status = "pending" if age < min(0.5, job.duration / 3) else "working"
            if status != job.status:
                job.status, job.status_time = status, timestamp()
            return
        cluster = self.clusters[job.cluster]
        self.conclude(cluster, job, timestamp())
        if cluster.current is job:
            cluster.current = None
            self._auto_backup(cluster, job)

    def conclude(self, cluster: Cluster, job: Job, status_time: str) -> None:
        """End a job: applied to the cluster, its final status stamped ``status_time``."""
        job.status = apply_job(cluster, job, self.options.del_missing, self.options.second_host)
        job.error_codes = "" if job.status == "successful" else FAILURE_CODES
        job.password = ""
        job.status_time, job.finished = status_time, time.monotonic()
        cluster.status_time = status_time

    def _auto_backup(self, cluster: Cluster, ended: Job) -> None:
        """The ``auto_backup_seconds`` option: a backup by the cluster's owner after each other job."""
        seconds = self.options.auto_backup_seconds
        if seconds is None or ended.action == BACKUP_ACTION:
            return
        now = datetime.now(timezone.utc)
        params = directives.request(BACKUP_ACTION, cluster.zone, {"cluster": cluster.cluster_id}, when=now, key=None)
        self._start(cluster, ServiceRequest("", "", params), cluster.owner, seconds, None, "console")

    def set_options(self, changes: Mapping[str, Any]) -> SimOptions:
        """Change options at run time (``POST /_sim/options``); proxies are added or removed."""
        with self.lock:
            self.options = self.options.updated(changes)
            size_nodes(list(self.clusters.values()), self.options.proxies, self.node_ids)
            return self.options

    def release_hung(self) -> int:
        """Let hung jobs finish (the control endpoint's ``clear``)."""
        with self.lock:
            hung = [j for j in self.jobs.values() if j.fault == "job_hang" and j.running]
            for job in hung:
                job.fault = None
                self.advance(job)
            return len(hung)

    def close(self) -> None:
        """Stop the timers of running jobs (the server is going away)."""
        with self.lock:
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()
