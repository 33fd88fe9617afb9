"""The simulated clusters: made at start, sized to the ``proxies`` option, and what a finished job does to one."""

from __future__ import annotations

import sys

from ..qingcloud.signing import timestamp
from .backends import AccountConflict, AccountMissing, MemoryBackend, MySQLBackend, user_names
from .model import APP_ID, SERVICE_ACTION, Cluster, Job, Node, new_id


def build_clusters(texts: list[str], mysql_dsn: str | None, ssl_enabled: bool, owner: str) -> list[Cluster]:
    """``ID[@ZONE]`` each; the first is backed by MySQL/MariaDB when a DSN is given."""
    built = []
    for index, text in enumerate(texts):
        cluster_id, _, zone = text.partition("@")
        backend = MySQLBackend(mysql_dsn) if mysql_dsn and index == 0 else MemoryBackend()
        built.append(Cluster(cluster_id, (zone or "sh1a").lower(), backend, owner, timestamp(), [], ssl_enabled))
    return built


def hidden_cluster(taken: dict[str, Cluster], zone: str, owner: str, app_id: str = APP_ID) -> Cluster:
    """Another cluster of the same application and zone, with accounts of its own (in memory)."""
    cluster_id = new_id("cl-", 8, taken)
    return Cluster(cluster_id, zone, MemoryBackend(), owner, timestamp(), [], app_id=app_id, hidden=True)


def size_nodes(clusters: list[Cluster], proxies: int, node_ids: set[str]) -> None:
    """One maininstance node and ``proxies`` proxy nodes per cluster."""
    for index, cluster in enumerate(clusters, start=1):
        wanted = 1 + proxies
        while len(cluster.nodes) < wanted:
            role = "maininstance" if not cluster.nodes else "proxy"
            node_id = new_id("cln-", 8, node_ids)
            node_ids.add(node_id)
            known = user_names(cluster.backend) if role == "proxy" else []
            cluster.nodes.append(Node(node_id, role, f"192.168.{index}.{10 + len(cluster.nodes)}", known))
        del cluster.nodes[wanted:]


def apply_job(cluster: Cluster, job: Job, del_missing: str, second_host: str = "refuse") -> str:
    """Apply a job that ran to its end to the cluster; its final status."""
    if job.fault == "job_fail":
        return "failed"
    if job.fault == "job_done_with_failure":
        return "done with failure"
    if job.action != SERVICE_ACTION:
        return "successful"  # a backup changes no account
    try:
        if job.service == "add_user" and job.spec is not None:
            cluster.backend.add(job.spec, job.password, second_host == "accept")
        elif job.service == "del_user" and job.spec is not None:
            cluster.backend.delete(job.spec)
        else:
            node = cluster.node(job.node_id or "")
            if node is not None and node.role == "proxy":
                node.known_users = user_names(cluster.backend)
    except AccountMissing:
        return "successful" if del_missing == "job_succeeds" else "failed"
    except AccountConflict:
        return "failed"
    except Exception as err:  # a backend failure is the job's, not the server's; never its text
        print(f"qingcloud-mysqlplus-sim: job {job.job_id} failed in the backend: {type(err).__name__}",
              file=sys.stderr)  # fmt: skip
        return "failed"
    return "successful"
