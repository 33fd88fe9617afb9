"""The simulator (tests/helpers.py's, served from this process) and what it saw of a step.

In-process, so its job stamps and the benchmark's clock are the same ``time.monotonic()``.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from helpers import Sim, running_sim
from qingcloud_mysqlplus.sim import SimOptions

from .canaries import SECRET
from .names import CLUSTER, KEY, ZONE

COUNTER_SOURCE = "GET /_sim/stats requests_per_action"


@contextlib.contextmanager
def simulator(job_seconds: float, jitter: float = 0.0, clusters: Sequence[str] = (CLUSTER,)) -> Iterator[Sim]:
    """The simulator; ``jitter``: each job runs ``job_seconds`` give or take up to that many seconds."""
    with running_sim(job_seconds=job_seconds, clusters=[f"{c}@{ZONE}" for c in clusters], credentials={KEY: SECRET},
                     options=SimOptions(job_jitter=jitter)) as sim:  # fmt: skip
        yield sim


def requests(sim: Sim) -> Counter[str]:
    """API requests so far, per action."""
    return Counter({str(k): int(v) for k, v in sim.stats()["requests_per_action"].items()})


@dataclass
class Span:
    """A cluster's jobs: the first one's start to the last one's end, and the time inside it no job ran."""

    jobs: int
    busy_span_s: float
    job_time_s: float
    idle_s: float


def span_of(jobs: Sequence[dict[str, Any]]) -> Span | None:
    """None without jobs, or when one has no started/finished stamps (it never ended)."""
    if not jobs or not all(isinstance(j.get(k), (int, float)) for j in jobs for k in ("started", "finished")):
        return None
    busy = max(j["finished"] for j in jobs) - min(j["started"] for j in jobs)
    work = sum(j["finished"] - j["started"] for j in jobs)
    return Span(len(jobs), busy, work, busy - work)


def by_cluster(jobs: Iterable[dict[str, Any]]) -> dict[str, Span]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        groups.setdefault(str(job.get("cluster")), []).append(job)
    spans = {cluster: span_of(group) for cluster, group in sorted(groups.items())}
    return {cluster: span for cluster, span in spans.items() if span is not None}


@dataclass
class Seen:
    """What the simulator saw in a window: the new jobs, their span (all and per cluster), the requests."""

    jobs: int
    statuses: dict[str, int]
    span: Span | None
    clusters: dict[str, Span]
    requests: dict[str, int] | None
    why: list[str] = field(default_factory=list)  # why a figure is missing


@dataclass
class Window:
    """Marks the simulator's jobs and counters before a step; ``close`` says what the step added."""

    sim: Sim
    job_ids: set[str]
    before: Counter[str] | None

    @classmethod
    def mark(cls, sim: Sim) -> Window:
        try:
            before: Counter[str] | None = requests(sim)
        except Exception:
            before = None
        return cls(sim, {j["job_id"] for j in sim.jobs()}, before)

    def close(self) -> Seen:
        jobs = [j for j in self.sim.jobs() if j["job_id"] not in self.job_ids]
        seen = Seen(len(jobs), dict(Counter(str(j.get("status")) for j in jobs)), span_of(jobs), by_cluster(jobs), None)
        if jobs and seen.span is None:
            seen.why.append("a job record carries no started/finished stamps (or a job never ended)")
        if self.before is None:
            seen.why.append("requests: the simulator's counters were unreadable before the step")
            return seen
        try:
            seen.requests = dict(requests(self.sim) - self.before)
        except Exception as err:
            seen.why.append(f"requests: {type(err).__name__}: {err}")
        return seen
