"""Part: ``cdktf deploy`` of accounts spread over several clusters, each cluster against its own jobs.

Each cluster runs one job at a time, but clusters run side by side, so the
deploy cannot end before the busiest cluster has run its own jobs: the limit
is that cluster's jobs x job time (10 x 6 s = 60 s for 40 accounts on 4
clusters), however many clusters there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .deploy import timeout_for
from .names import STACK, cluster_ids
from .projects import bench_project, cli, scan_files
from .simulator import Span, Window, simulator
from .steps import say


@dataclass
class ClustersResult:
    clusters: int
    per_cluster: int
    job_seconds: float
    wall_s: float | None = None
    spans: dict[str, Span] = field(default_factory=dict)  # per cluster: its jobs of the deploy
    busiest: str | None = None  # the cluster with the longest busy span
    limit_s: float | None = None  # the busiest cluster's jobs x job time
    missing: list[str] = field(default_factory=list)

    @property
    def accounts(self) -> int:
        return self.clusters * self.per_cluster


def part_clusters(cfg: Config, work: Path) -> ClustersResult:
    result = ClustersResult(cfg.clusters, cfg.per_cluster, cfg.job_seconds)
    n, names = result.accounts, cluster_ids(cfg.clusters)
    say(f"cdktf deploy of {n} accounts on {cfg.clusters} clusters ({cfg.per_cluster} each, {cfg.job_seconds:g} s jobs)")
    with simulator(cfg.job_seconds, cfg.jitter * cfg.job_seconds, clusters=names) as sim:
        project = bench_project(work / f"clusters-{n}", sim, [{"name": STACK, "accounts": n}], prefix="c",
                                clusters=names)  # fmt: skip
        window = Window.mark(sim)
        proc = cli(project, "deploy", STACK, timeout=timeout_for(cfg.per_cluster, cfg.job_seconds))
        seen = window.close()
        scan_files(project)
    result.wall_s, result.spans = proc.seconds, seen.clusters
    if len(seen.clusters) < cfg.clusters:
        result.missing.append(f"{n} accounts on {cfg.clusters} clusters: jobs seen on {len(seen.clusters)} only")
    if seen.clusters:
        result.busiest = max(seen.clusters, key=lambda c: seen.clusters[c].busy_span_s)
        result.limit_s = seen.clusters[result.busiest].jobs * cfg.job_seconds
    return result
