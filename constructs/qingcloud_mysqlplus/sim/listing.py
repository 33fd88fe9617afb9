"""The Describe* actions: jobs, a cluster's jobs, clusters and cluster nodes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .engine import Engine
from .model import Job
from .services import SimError


def listed(params: dict[str, str], name: str) -> list[str]:
    """``name.1``, ``name.2``, ... in order."""
    items = [(k.rpartition(".")[2], v) for k, v in params.items() if k.startswith(f"{name}.")]
    return [v for k, v in sorted(items, key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0)]


def _newest_first(engine: Engine, keep: Callable[[Job], bool]) -> list[Job]:
    """Jobs for which ``keep(job)`` holds, newest first, capped by the ``job_retention`` option."""
    chosen = [j for j in reversed(engine.jobs.values()) if keep(j)]
    retention = engine.options.job_retention
    return chosen[:retention] if retention is not None else chosen


def _refresh(engine: Engine) -> None:
    for cluster in engine.clusters.values():
        engine.refresh(cluster)


def describe_jobs(
    engine: Engine, owner: str, job_ids: list[str], statuses: list[str], offset: int, limit: int
) -> dict[str, Any]:
    """The named jobs (up to 100), or else the caller's jobs newest first; only the caller's own."""
    if len(job_ids) > 100:
        raise SimError(1100, "jobs: at most 100 job ids")
    with engine.lock:
        _refresh(engine)
        if job_ids:
            chosen = [engine.jobs[j] for j in dict.fromkeys(job_ids) if j in engine.jobs]
            chosen = [j for j in chosen if j.owner == owner]
        else:
            chosen = _newest_first(engine, lambda j: j.owner == owner)
        if statuses:
            chosen = [j for j in chosen if j.status in statuses]
        page = [j.record() for j in chosen[offset : offset + limit]]
    return {"action": "DescribeJobsResponse", "total_count": len(chosen), "job_set": page, "ret_code": 0}


def cluster_jobs_clusters(engine: Engine, params: dict[str, str], zone: str) -> set[str]:
    """The clusters DescribeClusterJobs lists the jobs of, by the ``cluster_jobs_form`` option:
    ``documented``: ``app`` (required; ``cluster`` ignored) and every cluster of that app in the
    zone, ``verbose`` absent or 0 only; ``sdk``: ``cluster`` (required; ``app`` ignored)."""
    if engine.options.cluster_jobs_form == "sdk":
        if not params.get("cluster"):
            raise SimError(1100, "parameter [cluster] should not be empty")
        return {engine.cluster(params["cluster"], zone).cluster_id}
    if not params.get("app"):
        raise SimError(1100, "parameter [app] should not be empty")
    if params.get("verbose", "0") != "0":
        raise SimError(1100, "parameter [verbose] should be 0: only 0 is supported")
    return {c.cluster_id for c in engine.clusters.values() if c.app_id == params["app"] and c.zone == zone}


def describe_cluster_jobs(
    engine: Engine, owner: str, params: dict[str, str], zone: str, offset: int, limit: int
) -> dict[str, Any]:
    """The jobs of a cluster or of an app's clusters, newest first: the caller's (documented), or
    everyone's (``cluster_jobs_scope=all``); optionally only ``jobs.n`` and ``status.n``."""
    job_ids, statuses = listed(params, "jobs"), listed(params, "status")
    with engine.lock:
        clusters = cluster_jobs_clusters(engine, params, zone)
        _refresh(engine)
        everyone = engine.options.cluster_jobs_scope == "all"
        chosen = _newest_first(engine, lambda j: j.cluster in clusters and (everyone or j.owner == owner))
        if job_ids:
            chosen = [j for j in chosen if j.job_id in job_ids]
        if statuses:
            chosen = [j for j in chosen if j.status in statuses]
        page = [j.cluster_record() for j in chosen[offset : offset + limit]]
    return {"action": "DescribeClusterJobsResponse", "total_count": len(chosen), "job_set": page, "ret_code": 0}


def describe_clusters(engine: Engine, cluster_ids: list[str], zone: str, offset: int, limit: int) -> dict[str, Any]:
    """The named clusters (or all) of the caller's zone; unknown ids and other zones are not listed."""
    with engine.lock:
        _refresh(engine)
        found = [
            c for c in engine.clusters.values() if c.zone == zone and (not cluster_ids or c.cluster_id in cluster_ids)
        ]
        page = [c.record() for c in found[offset : offset + limit]]
    return {"action": "DescribeClustersResponse", "total_count": len(found), "cluster_set": page, "ret_code": 0}


def describe_cluster_nodes(
    engine: Engine, cluster_id: str, zone: str, role: str | None, offset: int, limit: int
) -> dict[str, Any]:
    """A cluster's nodes: one maininstance node, then its proxy nodes; optionally of one role."""
    with engine.lock:
        cluster = engine.cluster(cluster_id, zone)
        nodes = [n for n in cluster.nodes if not role or n.role == role]
        page = [n.record(cluster_id) for n in nodes[offset : offset + limit]]
    return {"action": "DescribeClusterNodesResponse", "total_count": len(nodes), "node_set": page, "ret_code": 0}
