"""``POST /_sim/background``: a key's long history on other clusters of the same app, made at once.

A platform team's key runs many jobs on many clusters.  This appends ``count``
already-finished jobs by one key, oldest first, a few seconds apart: account
jobs (add_user, or del_user where the user exists) with the given user names on
other clusters of the target's zone and app, restart_node jobs and backups
(``CreateClusterBackup``), and optionally some restarts and backups on the
target itself.  Each is applied to its cluster and its directive is a signed
request of that key.  The history before the call moves back in time by the
span of the new jobs, as if that time had passed, so listing order and
``create_time`` still agree and no time lies in the future.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ..qingcloud.signing import timestamp
from ..rules import AccountRuleError, check_del
from . import directives
from .clusters import hidden_cluster, size_nodes
from .engine import Engine, parse_stamp
from .model import BACKUP_ACTION, SERVICE_ACTION, Cluster
from .services import ServiceRequest, SimError, parse_request

KINDS = ("account", "restart_node", "backup")
TARGET_KINDS = ("restart_node", "backup")
MAX_COUNT = 10_000


@dataclass(frozen=True)
class Plan:
    """The JSON body of ``POST /_sim/background``; see the control client for each field."""

    count: int
    users: tuple[str, ...] = ()
    cluster: str | None = None  # the target; default the simulator's first cluster
    clusters: tuple[str, ...] = ()  # the other clusters; default ``extra_clusters`` hidden ones
    extra_clusters: int = 3
    kinds: tuple[str, ...] = ("account", "account", "restart_node", "backup")  # cycled through
    on_target: int = 0  # how many of the jobs are restarts and backups on the target
    job_seconds: float = 6.0  # status_time - create_time
    gap_seconds: float = 2.0  # from one job's end to the next one's start

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Plan:
        unknown = sorted(set(body) - set(COERCE))
        if unknown:
            raise ValueError(f"background: received {', '.join(unknown)}; expected some of {', '.join(COERCE)}")
        if "count" not in body:
            raise ValueError("background: expected a count")
        values = {}
        for name, value in body.items():
            try:
                values[name] = COERCE[name](value)
            except (TypeError, ValueError):
                raise ValueError(f"background: {name}: received {value!r}") from None
        plan = cls(**values)
        plan.check()
        return plan

    def check(self) -> None:
        if not 1 <= self.count <= MAX_COUNT:
            raise ValueError(f"background: count {self.count}; expected 1 to {MAX_COUNT}")
        if not self.kinds or set(self.kinds) - set(KINDS):
            raise ValueError(f"background: kinds {list(self.kinds)}; expected some of {', '.join(KINDS)}")
        if "account" in self.kinds and not self.users:
            raise ValueError("background: account jobs need users (user names), or leave account out of kinds")
        for user in self.users:
            try:
                check_del(user, "%")
            except AccountRuleError as err:
                raise ValueError(f"background: users: {err}") from None
        if not 0 <= self.on_target <= self.count or self.extra_clusters < 1:
            raise ValueError("background: expected 0 <= on_target <= count and extra_clusters >= 1")
        if self.job_seconds < 0 or self.gap_seconds < 0:
            raise ValueError("background: job_seconds and gap_seconds should be 0 or more")


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _number(kind: type[int] | type[float]) -> Callable[[Any], Any]:
    def coerce(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("expected a number")
        return kind(value)

    return coerce


COERCE: dict[str, Callable[[Any], Any]] = {
    "count": _number(int), "users": _names, "cluster": _text, "clusters": _names, "extra_clusters": _number(int),
    "kinds": _names, "on_target": _number(int), "job_seconds": _number(float),
    "gap_seconds": _number(float),
}  # fmt: skip


def append(engine: Engine, plan: Plan, key: tuple[str, str], owner: str) -> dict[str, Any]:
    """Add the plan's jobs; what was added (job ids oldest first, the clusters used, the span)."""
    with engine.lock:
        target = engine.clusters.get(plan.cluster or next(iter(engine.clusters)))
        if target is None:
            raise ValueError(f"background: no cluster {plan.cluster}")
        others = _others(engine, plan, target, owner)
        for cluster in (target, *others):
            engine.refresh(cluster)
            if cluster.current is not None:
                raise ValueError(f"background: cluster {cluster.cluster_id} is running a job; try when it is idle")
        step = plan.job_seconds + plan.gap_seconds
        span = plan.count * step
        _backdate(engine, span)
        now = datetime.now(timezone.utc)
        ids = []
        for index, (cluster, kind, user) in enumerate(_slots(plan, target, others)):
            created = now - timedelta(seconds=span - index * step - plan.gap_seconds)
            job = engine.new_job(cluster, _request(cluster, kind, user, key, created), owner, "api", created)
            engine.conclude(cluster, job, timestamp(created + timedelta(seconds=plan.job_seconds)))
            ids.append(job.job_id)
    return {"added": len(ids), "job_ids": ids, "target": target.cluster_id,
            "clusters": [c.cluster_id for c in others], "backdated_seconds": span}  # fmt: skip


def _others(engine: Engine, plan: Plan, target: Cluster, owner: str) -> list[Cluster]:
    """The given clusters (other clusters of the target's zone and app), or hidden ones, made as needed."""
    same = [
        c for c in engine.clusters.values() if c is not target and (c.zone, c.app_id) == (target.zone, target.app_id)
    ]
    if plan.clusters:
        wrong = sorted(set(plan.clusters) - {c.cluster_id for c in same})
        if wrong:
            raise ValueError(
                f"background: {', '.join(wrong)}: not other clusters of {target.cluster_id}'s zone and app"
            )
        return [engine.clusters[c] for c in plan.clusters]
    hidden = [c for c in same if c.hidden]
    while len(hidden) < plan.extra_clusters:
        hidden.append(hidden_cluster(engine.clusters, target.zone, owner, target.app_id))
        engine.clusters[hidden[-1].cluster_id] = hidden[-1]
    size_nodes(list(engine.clusters.values()), engine.options.proxies, engine.node_ids)
    return hidden[: plan.extra_clusters]


def _slots(plan: Plan, target: Cluster, others: list[Cluster]) -> Iterator[tuple[Cluster, str, str]]:
    """Each job's cluster, kind and user name (account jobs), oldest first: the target's restarts
    and backups evenly spread, the kinds cycled over the other clusters, the users over those."""
    count, on_target = plan.count, plan.on_target
    on_target_at = {i * count // on_target for i in range(on_target)}
    placed = accounts = targeted = 0
    for index in range(count):
        if index in on_target_at:
            yield target, TARGET_KINDS[targeted % 2], ""
            targeted += 1
            continue
        kind = plan.kinds[placed % len(plan.kinds)]
        if kind == "account":
            cluster = others[accounts % len(others)]
            yield cluster, kind, plan.users[(accounts // len(others)) % len(plan.users)]
            accounts += 1
        else:
            yield others[placed % len(others)], kind, ""
        placed += 1


def _request(cluster: Cluster, kind: str, user: str, key: tuple[str, str], when: datetime) -> ServiceRequest:
    """The key's signed request of that kind, as sent at ``when``."""
    if kind == "backup":
        params = directives.request(BACKUP_ACTION, cluster.zone, {"cluster": cluster.cluster_id}, when=when, key=key)
        return ServiceRequest("", "", params)
    if kind == "restart_node":
        node = cluster.nodes[-1]  # a proxy node when there is one, as after an add_user
        service, role, sent = "restart_node", node.role, {"node_id": node.node_id}
        extra: dict[str, str] = {}
    elif cluster.backend.exists(user):
        service, role, sent, extra = "del_user", "maininstance", {"host": "%", "user": user}, {}
    else:
        password = "Bg@7" + secrets.token_hex(6)
        sent = {"database": "*", "passwd": password, "ssl": "NO", "host": "%", "user": user, "priv": "StandardAccount"}
        service, role, extra = (
            "add_user",
            "maininstance",
            {"limit": "20", "status.1": "running"},
        )  # as in QingCloud's sample
    fields = {"cluster": cluster.cluster_id, "role": role, "service": service, "service_params": json.dumps(sent)}
    try:
        return parse_request(directives.request(SERVICE_ACTION, cluster.zone, fields | extra, when=when, key=key))
    except SimError as err:
        raise ValueError(f"background: {err.message}") from None


def _backdate(engine: Engine, seconds: float) -> None:
    """Move every time already shown back by ``seconds``."""
    delta = timedelta(seconds=seconds)

    def back(text: str) -> str:
        return timestamp(parse_stamp(text) - delta) if text else text

    for job in engine.jobs.values():
        job.create_time, job.status_time = back(job.create_time), back(job.status_time)
    for cluster in engine.clusters.values():
        cluster.create_time, cluster.status_time = back(cluster.create_time), back(cluster.status_time)
