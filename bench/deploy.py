"""Part: ``cdktf deploy`` and ``destroy`` of N accounts on one cluster, against the limit and an SDK loop.

The limit is N x job time (the cluster runs one job at a time).  Beside the
whole wall: the cluster's busy span and idle time from the simulator's job
records, the floor (the same CLI runs for one plain ``terraform_data``, no
construct), and the SDK script doing the same jobs one after another.  Smaller
deploys give the plot's points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from e2e_project import Project
from helpers import Sim

from .config import Config
from .figures import med
from .names import STACK
from .projects import bench_project, cli, floor_project, scan_files
from .sdk import sdk_loop
from .simulator import Seen, Window, simulator
from .steps import attempt, say


@dataclass
class Floor:
    deploy_s: float  # the minimum of its runs
    destroy_s: float
    runs: dict[str, list[float]]


@dataclass
class DiffPairs:
    """``cdktf diff`` of the deployed accounts and of one deployed plain ``terraform_data``, run in turns.

    The difference of each pair, not two minimums taken minutes apart: one
    ``cdktf diff`` here varies by 0.5 s from run to run, more than the
    difference it is meant to show.
    """

    ours_s: list[float] = field(default_factory=list)
    plain_s: list[float] = field(default_factory=list)

    @property
    def more_s(self) -> float | None:
        """The median of the pairs' differences (ours less plain)."""
        return med([o - p for o, p in zip(self.ours_s, self.plain_s, strict=True)])


@dataclass
class Run:
    wall_s: float
    seen: Seen
    job_done_s: list[float] = field(default_factory=list)  # the SDK loop: its k-th job seen done, from its start


@dataclass
class Curve:
    """Deploy wall per number of accounts, for the plot."""

    ours: dict[int, float] = field(default_factory=dict)
    sdk: dict[int, float] = field(default_factory=dict)


@dataclass
class DeployResult:
    accounts: int
    job_seconds: float
    limit_s: float
    jitter: float = 0.0  # each job: job_seconds give or take this fraction of it
    diff: DiffPairs | None = None  # ``cdktf diff`` of the deployed accounts (nothing to change) and the floor's
    floor: Floor | None = None
    ours_deploy: Run | None = None
    ours_destroy: Run | None = None
    sdk_add: Run | None = None
    sdk_del: Run | None = None
    curve: Curve = field(default_factory=Curve)
    missing: list[str] = field(default_factory=list)


def timeout_for(accounts: int, job_seconds: float) -> float:
    return 600 + 20 * accounts * job_seconds


def floors(cfg: Config, work: Path, sim: Sim) -> Floor:
    say(f"floor: cdktf deploy/destroy of one plain terraform_data, {cfg.floor_runs} run(s)")
    runs: dict[str, list[float]] = {"deploy": [], "destroy": []}
    for i in range(cfg.floor_runs):
        floor = floor_project(work / f"floor-{i}", sim)
        for verb in runs:
            runs[verb].append(cli(floor, verb, STACK).seconds)
    return Floor(min(runs["deploy"]), min(runs["destroy"]), runs)


def paired_diffs(project: Project, work: Path, sim: Sim, pairs: int) -> DiffPairs:
    """``cdktf diff`` of the deployed ``project`` (nothing to change), each run paired with one of a deployed
    plain ``terraform_data`` just before it."""
    plain = floor_project(work / "diff-floor", sim)
    cli(plain, "deploy", STACK)
    result = DiffPairs()
    for _ in range(pairs):
        result.plain_s.append(cli(plain, "diff", STACK).seconds)
        result.ours_s.append(cli(project, "diff", STACK).seconds)
    return result


def timed(project: Project, sim: Sim, verb: str, timeout: float) -> Run:
    """One ``cdktf deploy``/``destroy`` of the stack, with what the simulator saw meanwhile."""
    window = Window.mark(sim)
    proc = cli(project, verb, STACK, timeout=timeout)
    return Run(proc.seconds, window.close())


def ours(result: DeployResult, work: Path, sim: Sim, pairs: int) -> None:
    n, timeout = result.accounts, timeout_for(result.accounts, result.job_seconds)
    label = f"cdktf deploy/destroy of {n} accounts"
    say(f"cdktf deploy of {n} accounts ({result.job_seconds:g} s jobs)")
    project = bench_project(work / f"deploy-{n}", sim, [{"name": STACK, "accounts": n}])
    result.ours_deploy = attempt(result.missing, label, partial(timed, project, sim, "deploy", timeout))
    if result.ours_deploy is None:
        return
    result.curve.ours[n] = result.ours_deploy.wall_s
    say(f"cdktf diff of the {n} accounts deployed, in turns with a plain terraform_data's, {pairs} pair(s)")
    diffs = partial(paired_diffs, project, work, sim, pairs)
    result.diff = attempt(result.missing, f"cdktf diff of {n} accounts", diffs)
    say(f"cdktf destroy of {n} accounts")
    result.ours_destroy = attempt(result.missing, label, partial(timed, project, sim, "destroy", timeout))
    scan_files(project)


def sdk_add(result: DeployResult, cfg: Config, sim: Sim, users: list[str]) -> Run:
    window = Window.mark(sim)
    proc, marks = sdk_loop(sim, "add_user", users, timeout=timeout_for(len(users), result.job_seconds))
    for k in cfg.plot_sizes:
        if k < len(users):
            result.curve.sdk[k] = marks[k - 1]  # a loop of k jobs is the first k of this loop
    result.curve.sdk[len(users)] = proc.seconds
    return Run(proc.seconds, window.close(), marks)


def sdk_del(result: DeployResult, sim: Sim, users: list[str]) -> Run:
    window = Window.mark(sim)
    proc, _ = sdk_loop(sim, "del_user", users, timeout=timeout_for(len(users), result.job_seconds))
    return Run(proc.seconds, window.close())


def peer(result: DeployResult, cfg: Config, sim: Sim) -> None:
    n = result.accounts
    say(f"SDK loop: {n} x add_user, then {n} x del_user, one after another")
    users = [f"sdk{j}" for j in range(n)]
    result.sdk_add = attempt(result.missing, f"SDK loop of {n} jobs", partial(sdk_add, result, cfg, sim, users))
    if result.sdk_add is not None:
        result.sdk_del = attempt(result.missing, f"SDK loop of {n} jobs", partial(sdk_del, result, sim, users))


def plot_point(work: Path, sim: Sim, k: int, job_seconds: float) -> float:
    say(f"cdktf deploy of {k} accounts (for the plot)")
    project = bench_project(work / f"deploy-{k}", sim, [{"name": STACK, "accounts": k}], prefix=f"p{k}_")
    return cli(project, "deploy", STACK, timeout=timeout_for(k, job_seconds)).seconds


def part_deploy(cfg: Config, work: Path) -> DeployResult:
    n, job = cfg.accounts, cfg.job_seconds
    result = DeployResult(accounts=n, job_seconds=job, limit_s=n * job, jitter=cfg.jitter)
    with simulator(job, cfg.jitter * job) as sim:
        result.floor = attempt(result.missing, "cdktf floor (plain terraform_data)", partial(floors, cfg, work, sim))
        ours(result, work, sim, cfg.diff_pairs)
        peer(result, cfg, sim)
        for k in cfg.plot_sizes:
            if k != n and result.ours_deploy is not None:
                label = f"cdktf deploy of {k} accounts (plot point)"
                point = attempt(result.missing, label, partial(plot_point, work, sim, k, job))
                if point is not None:
                    result.curve.ours[k] = point
    return result
