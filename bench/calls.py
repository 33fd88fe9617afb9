"""Part: API calls per account, from the simulator's request counters around the deploy and bridge runs.

Nothing runs here: the counts come from the windows of :mod:`bench.deploy`
(N accounts) and :mod:`bench.bridge` (one add-user per process, 0 s job).  The
limit is 2: one submit and one poll.
"""

from __future__ import annotations

from dataclasses import dataclass

from .bridge import BridgeResult, Pair
from .deploy import DeployResult, Run
from .figures import med
from .simulator import COUNTER_SOURCE

LIMIT = 2  # RunClusterCustomService, then one DescribeJobs that sees the job done


@dataclass
class PerAccount:
    total: float | None  # calls per account (None: not counted)
    by_action: str  # e.g. "DescribeJobs 1.00, RunClusterCustomService 1.00"


@dataclass
class Versus:
    ours: PerAccount
    sdk: PerAccount


@dataclass
class CallsResult:
    accounts: int
    job_seconds: float
    add: Versus | None  # deploy / the SDK's add loop, per account
    delete: Versus | None  # destroy / the SDK's delete loop
    single_add: Versus | None  # one process: the median total, and the first run by action
    source: str = COUNTER_SOURCE


def per_account(requests: dict[str, int] | None, n: int) -> PerAccount:
    if not requests or n <= 0:
        return PerAccount(None, "")
    detail = ", ".join(f"{action} {count / n:.2f}" for action, count in sorted(requests.items()))
    return PerAccount(sum(requests.values()) / n, detail)


def versus(ours: Run | None, sdk: Run | None, n: int) -> Versus | None:
    found = Versus(per_account(ours.seen.requests if ours else None, n),
                   per_account(sdk.seen.requests if sdk else None, n))  # fmt: skip
    return found if found.ours.total is not None or found.sdk.total is not None else None


def single(calls: Pair[dict[str, int]], who: str) -> PerAccount:
    runs = calls.of(who)
    total = med([sum(r.values()) for r in runs if r]) if runs else None
    return PerAccount(total, per_account(runs[0], 1).by_action if runs and runs[0] else "")


def part_calls(deploy: DeployResult | None, bridge: BridgeResult | None) -> CallsResult | None:
    if deploy is None and bridge is None:
        return None
    n = deploy.accounts if deploy else 0
    return CallsResult(
        accounts=n,
        job_seconds=deploy.job_seconds if deploy else 0.0,
        add=versus(deploy.ours_deploy, deploy.sdk_add, n) if deploy else None,
        delete=versus(deploy.ours_destroy, deploy.sdk_del, n) if deploy else None,
        single_add=Versus(single(bridge.requests_single_add, "ours"), single(bridge.requests_single_add, "sdk"))
        if bridge
        else None,
    )
