"""Clusters, nodes and jobs as the simulator keeps them, and as the API shows them."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import Any

from ..rules import AccountSpec
from .backends import Backend

RUNNING = ("pending", "working")
FINAL = ("successful", "failed", "done with failure")
# What a failed job's error_codes holds is undocumented: an opaque value, never text to parse.
FAILURE_CODES = "1"
SERVICE_ACTION = "RunClusterCustomService"
BACKUP_ACTION = "CreateClusterBackup"  # a job naming another action (background and auto-backups)
# Every simulated MySQL Plus cluster belongs to one application, as on QingCloud (its sample's id).
APP_ID = "app-00r26u27"
JOB_FIELDS = ("job_id", "job_action", "status", "create_time", "status_time", "owner", "resource_ids",
              "directive", "error_codes")  # fmt: skip
_ALPHABET = string.ascii_lowercase + string.digits


def new_id(prefix: str, length: int, taken: set[str] | dict[str, Any]) -> str:
    """A random id shaped like QingCloud's (``j-ltjtx2rsn84``, ``cln-0a1b2c3d``), unique here."""
    while True:
        candidate = prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if candidate not in taken:
            return candidate


@dataclass
class Node:
    node_id: str
    role: str  # maininstance or proxy
    private_ip: str
    known_users: list[str] = field(default_factory=list)  # a proxy: the accounts there at its last restart

    def record(self, cluster_id: str) -> dict[str, Any]:
        return {"node_id": self.node_id, "cluster_id": cluster_id, "role": self.role, "status": "active",
                "transition_status": "", "private_ip": self.private_ip}  # fmt: skip


@dataclass
class Job:
    job_id: str
    cluster: str
    owner: str
    service: str
    directive: str = field(repr=False)  # may hold a password in clear, as QingCloud's does
    duration: float
    started: float  # monotonic
    create_time: str
    action: str = SERVICE_ACTION  # the job's action: RunClusterCustomService, or CreateClusterBackup
    spec: AccountSpec | None = None  # add_user, del_user
    password: str = field(default="", repr=False)
    node_id: str | None = None  # restart_node
    fault: str | None = None
    status: str = "pending"
    status_time: str = ""
    error_codes: str = ""
    finished: float | None = None  # monotonic

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    def record(self) -> dict[str, Any]:
        """As DescribeJobs shows it: the documented fields, no message."""
        return {
            "job_id": self.job_id,
            "job_action": self.action,
            "status": self.status,
            "create_time": self.create_time,
            "status_time": self.status_time or self.create_time,
            "owner": self.owner,
            "resource_ids": self.cluster,
            "directive": self.directive,
            "error_codes": self.error_codes,
        }

    def cluster_record(self) -> dict[str, Any]:
        """As DescribeClusterJobs shows it."""
        return self.record() | {"resources": {"clusters": [self.cluster]}, "extras": ""}

    def test_view(self) -> dict[str, Any]:
        """For ``GET /_sim/jobs``: never the directive nor a password."""
        return {"job_id": self.job_id, "cluster": self.cluster, "action": self.action, "service": self.service,
                "user": self.spec.user if self.spec else None, "owner": self.owner, "status": self.status,
                "started": self.started, "finished": self.finished}  # fmt: skip


@dataclass
class Cluster:
    cluster_id: str
    zone: str
    backend: Backend
    owner: str
    create_time: str
    nodes: list[Node]
    ssl_enabled: bool = False
    app_id: str = APP_ID
    hidden: bool = False  # made by ``POST /_sim/background`` to hold the key's jobs on other clusters
    current: Job | None = None
    status_time: str = ""

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.node_id == node_id), None)

    def proxies(self) -> list[Node]:
        return [n for n in self.nodes if n.role == "proxy"]

    def record(self) -> dict[str, Any]:
        """As DescribeClusters shows it; ``updating`` while any job runs."""
        return {
            "cluster_id": self.cluster_id,
            "status": "active",
            "transition_status": "updating" if self.current is not None else "",
            "status_time": self.status_time or self.create_time,
            "create_time": self.create_time,
            "owner": self.owner,
            "app_id": self.app_id,
            "node_count": len(self.nodes),
        }
