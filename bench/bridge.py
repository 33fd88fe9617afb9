"""Part: the bridge's overhead per add-user and its lag from a job's end to exiting, against an SDK script.

1. overhead per add-user with a zero-second job: process start, signing, the
   HTTP calls and the first job poll, all of it (with each process's max RSS
   and API calls, for :mod:`bench.memory` and :mod:`bench.calls`);
2. lag from a job's end (the simulator's finish stamp) to the program exiting.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Generic, TypeVar

from helpers import Sim

from .canaries import SECRET, SECRETS
from .config import Config
from .names import BIN, CLUSTER, KEY, ZONE
from .processes import Proc, base_env, run
from .sdk import sdk_loop
from .simulator import Window, simulator
from .steps import Failed, attempt, checked, say

T = TypeVar("T")


@dataclass
class Pair(Generic[T]):
    """One figure, per run, for ours (the bridge) and the peer (the SDK script)."""

    ours: list[T] = field(default_factory=list)
    sdk: list[T] = field(default_factory=list)

    def of(self, who: str) -> list[T]:
        return self.ours if who == "ours" else self.sdk


@dataclass
class BridgeResult:
    start_s: Pair[float] = field(default_factory=Pair)  # ``--version`` / importing the SDK: the start alone
    overhead_s: Pair[float] = field(default_factory=Pair)
    maxrss_kb: Pair[int] = field(default_factory=Pair)
    requests_single_add: Pair[dict[str, int]] = field(default_factory=Pair)
    exit_lag_s: dict[str, Pair[float]] = field(default_factory=dict)  # per case, e.g. "6 +/- 0.5"
    missing: list[str] = field(default_factory=list)


def bridge_env(sim: Sim, work: Path, password: str) -> dict[str, str]:
    env = base_env()
    env.update(QINGCLOUD_ACCESS_KEY=KEY, QINGCLOUD_SECRET_KEY=SECRET, QINGCLOUD_ENDPOINT=sim.url, QINGCLOUD_ZONE=ZONE,
               QINGCLOUD_MYSQLPLUS_PASSWORD=password, QINGCLOUD_MYSQLPLUS_QUIET="1", HOME=str(work),
               QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(work / "locks"))  # fmt: skip
    return env


def bridge_add(sim: Sim, work: Path, user: str) -> Proc:
    argv = [str(BIN / "qingcloud-mysqlplus"), "add-user", "--cluster", CLUSTER, "--user", user]
    return checked(f"bridge add-user {user}", run(argv, env=bridge_env(sim, work, SECRETS.new()), timeout=300))


def job_of(sim: Sim, user: str, service: str = "add_user") -> dict[str, Any]:
    found = [j for j in sim.jobs() if j.get("user") == user and j.get("service") == service]
    if not found:
        raise Failed(f"no {service} job for {user} in the simulator's records")
    return found[-1]


def exit_lag(sim: Sim, proc: Proc, user: str) -> float:
    """From the job's end (the simulator's finish stamp) to the process exiting; same clock (in-process)."""
    finished = job_of(sim, user).get("finished")
    if not isinstance(finished, (int, float)):
        raise Failed("the simulator's job records carry no finish stamp")
    if not proc.started - 1 <= finished <= proc.ended + 1:
        raise Failed("the simulator's finish stamp is not on this process's monotonic clock")
    return proc.ended - float(finished)


def overhead(result: BridgeResult, runs: int, work: Path) -> None:
    """``runs`` add-users with a 0 s job each, interleaved, so drift hits both alike."""
    say(f"bridge vs SDK script: add-user with a 0 s job, {runs} runs each, interleaved")
    with simulator(0.0) as sim:
        for i in range(runs):
            for who, label, step in (
                ("ours", "bridge add-user (0 s job)", partial(bridge_add, sim, work, f"b0_{i}")),
                ("sdk", "SDK script add_user (0 s job)", lambda i=i: sdk_loop(sim, "add_user", [f"s0_{i}"])[0]),
            ):
                window = Window.mark(sim)
                proc = attempt(result.missing, label, step)
                if proc is not None:
                    result.overhead_s.of(who).append(proc.seconds)
                    result.maxrss_kb.of(who).append(proc.maxrss_kb)
                    result.requests_single_add.of(who).append(window.close().requests or {})


SDK_START = "import qingcloud.iaas.connection, qingcloud.misc.utils"


def started_once(argv: list[str], env: dict[str, str], label: str) -> Proc:
    return checked(label, run(argv, env=env, timeout=120))


def starts(result: BridgeResult, runs: int, work: Path) -> None:
    """The start alone: the bridge's ``--version`` (interpreter and package), the SDK script's imports."""
    say(f"bridge vs SDK script: the start alone, {runs} runs each, interleaved")
    env = base_env() | {"HOME": str(work)}
    for _ in range(runs):
        for who, label, argv in (("ours", "bridge start (--version)", [str(BIN / "qingcloud-mysqlplus"), "--version"]),
                                 ("sdk", "SDK script start (imports)", [sys.executable, "-c", SDK_START])):  # fmt: skip
            proc = attempt(result.missing, label, partial(started_once, argv, env, label))
            if proc is not None:
                result.start_s.of(who).append(proc.seconds)


def lag_case(missing: list[str], work: Path, seconds: float, jitter: float, runs: int) -> tuple[str, Pair[float]]:
    """Job end -> process exit on a fresh simulator (so the first run has no job history); the case's label too."""
    case = f"{seconds:g}" + (f" +/- {jitter:g}" if jitter else "")
    say(f"bridge vs SDK script: job end -> exit with a {case} s job, {runs} runs each")
    lags: Pair[float] = Pair()
    with simulator(seconds, jitter) as sim:

        def ours(user: str) -> float:
            return exit_lag(sim, bridge_add(sim, work, user), user)

        def sdk(user: str) -> float:
            return exit_lag(sim, sdk_loop(sim, "add_user", [user])[0], user)

        for i in range(runs):
            name = f"{seconds:g}_{jitter:g}_{i}".replace(".", "_")
            for who, label, measure, user in (
                ("ours", "bridge", ours, f"b{name}"),
                ("sdk", "SDK script", sdk, f"s{name}"),
            ):
                lag = attempt(missing, f"{label} exit lag ({case} s job)", partial(measure, user))
                if lag is not None:
                    lags.of(who).append(lag)
    return case, lags


def part_bridge(cfg: Config, work: Path) -> BridgeResult:
    result = BridgeResult()
    starts(result, cfg.runs, work)
    overhead(result, cfg.runs, work)
    for seconds, jitter, runs in cfg.lag_cases:
        case, lags = lag_case(result.missing, work, seconds, jitter, runs)
        result.exit_lag_s[case] = lags
    return result
