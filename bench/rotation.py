"""Part: a rotation of N accounts (new passwords, ``password_version + 1``) in each mode, and each user's gap.

The gap of a user is the time no account of the name the application logs in
as existed, read from the simulator's job records (a job's change is applied at
its end): from the end of its ``del_user`` job to the end of its ``add_user``
job.  Single-user mode: the limit is one add job (delete and add back to back
is the best a re-created account can do).  Alternating users: the application
logs in as ``active_user`` (the stack's output before the deploy, then after
it); the rotation must leave the previously active account alone, so the limit
is 0.  Beside the gaps: the rotation deploy's wall against its jobs' own time.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from .app import users_of
from .canaries import SECRETS
from .config import Config
from .deploy import timeout_for
from .names import CLUSTER, STACK
from .projects import bench_project, cli, scan_files
from .simulator import Seen, Window, simulator
from .steps import Failed, attempt, say

MODES = {"single-user": "single", "alternating users": "alternating"}  # label: the app's "rotation"
JITTER = 0.25  # each job runs the job time +/- 25%, as real jobs vary
Job = dict[str, Any]


@dataclass
class ModeResult:
    gaps_s: dict[str, float] = field(default_factory=dict)  # per account: the gap of the name the app uses
    add_jobs_s: dict[str, float] = field(default_factory=dict)  # per account: its add job's own time (0: none)
    jobs_inside: dict[str, int] = field(default_factory=dict)  # per account: other jobs run inside its gap
    deploy_s: float | None = None
    seen: Seen | None = None

    @property
    def max_gap_s(self) -> float | None:
        return max(self.gaps_s.values()) if self.gaps_s else None

    @property
    def mean_gap_s(self) -> float | None:
        return statistics.fmean(self.gaps_s.values()) if self.gaps_s else None

    @property
    def not_own_turn(self) -> int:
        """Accounts whose gap held other jobs: deleted and added back in separate turns of the cluster."""
        return sum(1 for count in self.jobs_inside.values() if count)


@dataclass
class RotationResult:
    accounts: int
    job_seconds: float
    jitter_s: float
    modes: dict[str, ModeResult] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def done(jobs: list[Job], service: str, user: str) -> list[Job]:
    """``user``'s successful ``service`` jobs, by their end."""
    found = [j for j in jobs if (j["service"], j["user"], j["status"]) == (service, user, "successful")]
    return sorted(found, key=lambda j: float(j["finished"]))


def gap_of(jobs: list[Job], name: str, until: float | None = None) -> tuple[float, float, int]:
    """The account ``name``'s gap (0 if it was not deleted), its add job's own time and how many other jobs
    ran inside the gap; ``until``: when the application stops using the name (alternating users), else the
    name must come back."""
    deleted = done(jobs, "del_user", name)
    if not deleted:
        return 0.0, 0.0, 0
    gone = float(deleted[-1]["finished"])
    back = [j for j in done(jobs, "add_user", name) if float(j["finished"]) >= gone]
    if not back and until is None:
        raise Failed(f"{name} was deleted by the rotation and never added back")
    end = float(back[0]["finished"]) if back else float("inf")
    end = end if until is None else min(until, end)
    own = float(back[0]["finished"]) - float(back[0]["started"]) if back else 0.0
    inside = sum(1 for j in jobs if gone <= float(j["started"]) < end and j not in back[:1])
    return end - gone, own, inside


def active_users(project_dir: Path) -> dict[str, str]:
    """The stack's ``active_<user>`` outputs, from its local state."""
    state = json.loads((project_dir / f"terraform.{STACK}.tfstate").read_text())
    outputs = state.get("outputs", {})
    return {name.removeprefix("active_"): str(o["value"]) for name, o in outputs.items() if name.startswith("active_")}


def rotate(cfg: Config, work: Path, label: str, result: ModeResult) -> ModeResult:
    """Deploy N accounts, then rotate them all in one deploy; the gaps from the rotation's jobs."""
    n, job, mode = cfg.rotation_accounts, cfg.job_seconds, MODES[label]
    timeout = timeout_for(2 * n, job)
    with simulator(job, JITTER * job) as sim:
        item: dict[str, Any] = {"name": STACK, "accounts": n, "prefix": "r", "rotation": mode}
        project = bench_project(work / f"rotation-{mode}", sim, [item])
        say(f"rotation, {label}: cdktf deploy of {n} accounts ({job:g} s +/- {JITTER:.0%} jobs)")
        cli(project, "deploy", STACK, timeout=timeout)
        before = active_users(project.dir) if mode == "alternating" else {}
        spec = json.loads((project.dir / "spec.json").read_text())
        spec["stacks"][0]["password_version"] = 2
        (project.dir / "spec.json").write_text(json.dumps(spec))
        project.passwords = {user: SECRETS.new() for user in users_of(spec)}
        say(f"rotation, {label}: cdktf deploy of {n} new passwords (password_version 2)")
        window = Window.mark(sim)
        proc = cli(project, "deploy", STACK, timeout=timeout)
        result.seen, result.deploy_s = window.close(), proc.seconds
        jobs = [j for j in sim.jobs() if j["job_id"] not in window.job_ids]
        if mode == "alternating":
            alternating_gaps(
                result, jobs, before, active_users(project.dir), partial(sim.accounts, CLUSTER), proc.ended
            )
        else:
            for user in users_of(spec):
                result.gaps_s[user], result.add_jobs_s[user], result.jobs_inside[user] = gap_of(jobs, user)
        scan_files(project)
    return result


def alternating_gaps(result: ModeResult, jobs: list[Job], before: dict[str, str], after: dict[str, str],
                     accounts: Any, deploy_end: float) -> None:  # fmt: skip
    """The app uses ``before[u]`` until the deploy ends, then ``after[u]``, which must exist and be the other one."""
    present = set(accounts())
    for user, old in before.items():
        new = after.get(user)
        if new is None or new == old or new not in present:
            raise Failed(f"{user}: active_user went from {old} to {new} (expected the other account, on the cluster)")
        result.gaps_s[user], result.add_jobs_s[user], result.jobs_inside[user] = gap_of(jobs, old, deploy_end)
    if not before:
        raise Failed("the stack has no active_<user> output after its first deploy")


def part_rotation(cfg: Config, work: Path) -> RotationResult:
    result = RotationResult(cfg.rotation_accounts, cfg.job_seconds, JITTER * cfg.job_seconds)
    for label in MODES:
        mode = ModeResult()
        label_n = f"rotation of {cfg.rotation_accounts} accounts, {label}"
        if attempt(result.missing, label_n, partial(rotate, cfg, work, label, mode)) is not None:
            result.modes[label] = mode
    return result
