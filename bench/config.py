"""What one run measures: sizes, job times and repeats (quick or full), and which parts."""

from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .names import BENCH

PARTS = ("bridge", "synth", "deploy", "clusters", "rotation")  # in the order they run


@dataclass(frozen=True)
class Config:
    quick: bool
    accounts: int  # deployed on one cluster (part deploy)
    job_seconds: float  # the simulator's job time in the deploy parts
    jitter: float  # ... give or take this fraction of it (0: steady)
    clusters: int  # part clusters: this many clusters ...
    per_cluster: int  # ... with this many accounts each
    rotation_accounts: int  # part rotation: accounts rotated in one deploy, in each mode
    runs: int  # bridge runs with a 0 s job
    lag_cases: list[tuple[float, float, int]]  # exit lag: (job seconds, jitter, runs)
    synth_sizes: tuple[int, ...]
    synth_stacks: tuple[int, int]  # stacks x accounts
    floor_runs: int
    diff_pairs: int  # cdktf diff of the deployed accounts, each run paired with the floor's
    plot_sizes: list[int]
    parts: list[str]
    plot: Path
    json: Path | None


def config_of(args: argparse.Namespace) -> Config:
    """The options, with what they leave open filled in for a quick or a full run."""
    quick = bool(args.quick)
    accounts = args.accounts or (3 if quick else 20)
    runs = args.runs or (2 if quick else int(os.environ.get("BENCH_RUNS", "7")))
    lag_runs = 1 if quick else max(3, runs // 2)
    # steady jobs as the issue measures them, and jobs that vary as real ones do
    lag_cases = [(1.0, 0.0, 1)] if quick else [(3.0, 0.0, lag_runs), (6.0, 0.0, lag_runs), (6.0, 0.5, 2 * lag_runs)]
    plot = args.plot or (
        Path(tempfile.gettempdir()) / f"bench-deploy-time-{os.getpid()}.png" if quick else BENCH / "deploy_time.png"
    )
    return Config(
        quick=quick,
        accounts=accounts,
        job_seconds=args.job_seconds if args.job_seconds is not None else (1.0 if quick else 6.0),
        jitter=max(0.0, float(getattr(args, "jitter", 0.0) or 0.0)),
        clusters=args.clusters or (2 if quick else 4),
        per_cluster=args.per_cluster or (2 if quick else 10),
        rotation_accounts=args.rotation_accounts or (3 if quick else 10),
        runs=runs,
        lag_cases=lag_cases,
        synth_sizes=(1, 10, 50) if quick else (1, 100, 1000),
        synth_stacks=(3, 3) if quick else (50, 20),
        floor_runs=1 if quick else 2,
        diff_pairs=1 if quick else 7,
        plot_sizes=sorted({1, accounts} if quick else {s for s in (1, 5, 10) if s < accounts} | {accounts}),
        parts=[p.strip() for p in args.only.split(",") if p.strip()],
        plot=plot,
        json=args.json,
    )
