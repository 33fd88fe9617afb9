"""Clusters, their nodes and jobs, run as QingCloud runs them: one job at a time per cluster."""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..qingcloud.signing import timestamp
from .backends import AccountConflict, AccountMissing, MemoryBackend, MySQLBackend, user_names
from .faults import JOB_KINDS, Fault, Faults
from .model import FAILURE_CODES, Cluster, Job, Node, new_id, render_directive
from .options import SimOptions
from .services import Request, SimError, check_node, parse_request, transition_message

FOREIGN_OWNER = "usr-f0re1gn0"  # the other actor of the ``busy`` fault


def build_clusters(texts: list[str], mysql_dsn: str | None, ssl_enabled: bool, owner: str) -> list[Cluster]:
    """``ID[@ZONE]`` each; the first is backed by MySQL/MariaDB when a DSN is given."""
    built = []
    for index, text in enumerate(texts):
        cluster_id, _, zone = text.partition("@")
        backend = MySQLBackend(mysql_dsn) if mysql_dsn and index == 0 else MemoryBackend()
        built.append(Cluster(cluster_id, (zone or "sh1a").lower(), backend, owner, timestamp(), [], ssl_enabled))
    return built


class Engine:
    def __init__(self, clusters: list[Cluster], job_seconds: float, faults: Faults, options: SimOptions) -> None:
        self.clusters = {c.cluster_id: c for c in clusters}
        self.job_seconds, self.faults, self.options = job_seconds, faults, options
        self.jobs: dict[str, Job] = {}  # in creation order
        self.lock = threading.RLock()
        self.busy_refusals = 0  # RunClusterCustomService refused because a job ran (tests read it)
        self._timers: set[threading.Timer] = set()
        self._node_ids: set[str] = set()
        self._size_nodes()

    def cluster(self, cluster_id: str, zone: str) -> Cluster:
        """A cluster of the caller's zone, or 2100."""
        cluster = self.clusters.get(cluster_id)
        if cluster is None or cluster.zone != zone:
            raise SimError(2100, f"ResourceNotFound, resource [{cluster_id}] not found")
        return cluster

    def run_service(self, params: dict[str, str], owner: str) -> dict[str, Any]:
        """RunClusterCustomService: a job, or a refusal (1100, 1400, 2100, 2110)."""
        request = parse_request(params)
        with self.lock:
            cluster = self.cluster(params["cluster"], params["zone"])
            if request.node_id is not None:
                check_node(cluster, request)
            self.refresh(cluster)
            if cluster.current is not None:
                self.busy_refusals += 1
                raise SimError(1400, transition_message(cluster.cluster_id, self.options.busy_language))
            self._check_state(cluster, request)
            fault = self.faults.take(JOB_KINDS, ("RunClusterCustomService", request.service))
            duration = self.job_seconds
            if request.service == "restart_node" and self.options.restart_seconds is not None:
                duration = self.options.restart_seconds
            if self.options.job_jitter:
                duration = max(0.0, duration + random.uniform(-self.options.job_jitter, self.options.job_jitter))
            job = self._start(cluster, request, owner, duration, fault)
        return {"action": "RunClusterCustomServiceResponse", "job_id": job.job_id, "service": request.service,
                "role": request.role, "cluster_id": cluster.cluster_id, "ret_code": 0}  # fmt: skip

    def _check_state(self, cluster: Cluster, request: Request) -> None:
        """Refusals that depend on the cluster: SSL transport, and (option) an existing user as 2110."""
        spec = request.spec
        if spec is not None and spec.ssl == "YES" and not cluster.ssl_enabled:
            raise SimError(1400, f"PermissionDenied, the SSL transport of cluster [{cluster.cluster_id}] is off")
        if request.service == "add_user" and spec is not None and self.options.add_existing == "refused_2110":
            if cluster.backend.exists(spec.user):
                raise SimError(2110, f"ResourceAlreadyExists, user [{spec.user}] on resource [{cluster.cluster_id}]")

    def occupy(self, cluster_id: str, take: Callable[[], Fault | None]) -> None:
        """The ``busy`` fault: when the cluster is idle and a fault is taken, another actor's
        restart_node job occupies it for the fault's ``seconds``."""
        with self.lock:
            cluster = self.clusters.get(cluster_id)
            if cluster is None:
                return
            self.refresh(cluster)
            fault = take() if cluster.current is None else None
            if fault is None:
                return
            node = cluster.nodes[0]
            params = {"action": "RunClusterCustomService", "cluster": cluster_id, "role": node.role,
                      "service": "restart_node", "service_params": json.dumps({"node_id": node.node_id}),
                      "zone": cluster.zone}  # fmt: skip
            request = Request("restart_node", node.role, params, node_id=node.node_id)
            self._start(cluster, request, FOREIGN_OWNER, fault.seconds, None)

    def _start(self, cluster: Cluster, request: Request, owner: str, duration: float, fault: Fault | None) -> Job:
        job = Job(
            job_id=new_id("j-", 11, self.jobs),
            cluster=cluster.cluster_id,
            owner=owner,
            service=request.service,
            directive=render_directive(request.params, self.options.directive),
            duration=duration,
            started=time.monotonic(),
            create_time=timestamp(),
            spec=request.spec,
            password=request.password,
            node_id=request.node_id,
            fault=fault.kind if fault else None,
        )
        self.jobs[job.job_id] = job
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
        job.status = self._outcome(cluster, job)
        job.error_codes = "" if job.status == "successful" else FAILURE_CODES
        job.password = ""
        job.status_time, job.finished = timestamp(), time.monotonic()
        if cluster.current is job:
            cluster.current, cluster.status_time = None, job.status_time

    def _outcome(self, cluster: Cluster, job: Job) -> str:
        """Apply the job to the cluster; its final status."""
        if job.fault == "job_fail":
            return "failed"
        if job.fault == "job_done_with_failure":
            return "done with failure"
        try:
            if job.service == "add_user" and job.spec is not None:
                cluster.backend.add(job.spec, job.password)
            elif job.service == "del_user" and job.spec is not None:
                cluster.backend.delete(job.spec)
            else:
                node = cluster.node(job.node_id or "")
                if node is not None and node.role == "proxy":
                    node.known_users = user_names(cluster.backend)
        except AccountMissing:
            return "successful" if self.options.del_missing == "job_succeeds" else "failed"
        except AccountConflict:
            return "failed"
        except Exception as err:  # a backend failure is the job's, not the server's; never its text
            print(f"qingcloud-mysqlplus-sim: job {job.job_id} failed in the backend: {type(err).__name__}",
                  file=sys.stderr)  # fmt: skip
            return "failed"
        return "successful"

    def set_options(self, changes: Mapping[str, Any]) -> SimOptions:
        """Change options at run time (``POST /_sim/options``); proxies are added or removed."""
        with self.lock:
            self.options = self.options.updated(changes)
            self._size_nodes()
            return self.options

    def _size_nodes(self) -> None:
        """One maininstance node and ``options.proxies`` proxy nodes per cluster."""
        for index, cluster in enumerate(self.clusters.values(), start=1):
            wanted = 1 + self.options.proxies
            while len(cluster.nodes) < wanted:
                role = "maininstance" if not cluster.nodes else "proxy"
                node_id = new_id("cln-", 8, self._node_ids)
                self._node_ids.add(node_id)
                known = user_names(cluster.backend) if role == "proxy" else []
                cluster.nodes.append(Node(node_id, role, f"192.168.{index}.{10 + len(cluster.nodes)}", known))
            del cluster.nodes[wanted:]

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
