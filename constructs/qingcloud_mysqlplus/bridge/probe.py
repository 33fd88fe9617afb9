"""``doctor --probe``: learn what QingCloud leaves undocumented, with a throwaway account (this writes).

It adds an account of a random name and password, adds it again, adds it at a
second host (an address of TEST-NET-1, which no client has; deleted at once
where it is taken), deletes it twice and reads the add job back, then names
what it saw as the simulator options it matches (``add_existing``,
``second_host``, ``del_missing``, ``directive``), so that
the simulator's defaults can follow the real service.  The password is
compared in memory only.  The account is always removed (``finally``), and
when that fails the result says so with the exact command to run.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field, replace

from ..qingcloud.errors import ApiError, JobFailed, QingCloudError
from ..qingcloud.jobs import Job
from ..qingcloud.retry import Deadline
from ..rules import PASSWORD_SPECIALS, AccountSpec, check_password, check_user
from .accounts import Context, Failure, _del_command, delete, run_service

PREFIX = "qmp_probe_"  # + 8 random characters: 18 of the 2-26 a user name may have
CLEANUP_SECONDS = 300.0  # the removal's own deadline, even when the probe's has run out
OPTIONS = {"add_existing": ("job_fails", "refused_2110"), "second_host": ("refuse", "accept"),
           "del_missing": ("job_fails", "job_succeeds"), "directive": ("clear", "masked", "none")}  # fmt: skip
SECOND_HOST = "192.0.2.1"  # TEST-NET-1 (RFC 5737): documentation only, never a client's address


def new_user() -> str:
    return check_user(PREFIX + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8)))


def new_password() -> str:
    """20 random characters with each kind the rules ask for (never printed, never kept)."""
    kinds = (string.ascii_uppercase, string.ascii_lowercase, string.digits, PASSWORD_SPECIALS)
    chars = [secrets.choice(kind) for kind in kinds] + [secrets.choice("".join(kinds)) for _ in range(16)]
    secrets.SystemRandom().shuffle(chars)
    return check_password("".join(chars))


@dataclass
class ProbeResult:
    user: str
    found: dict[str, str] = field(default_factory=dict)  # option -> the value it matches
    steps: list[str] = field(default_factory=list)  # what was done, ids only
    error: str = ""  # what stopped the probe early
    removed: bool = False
    second: bool = False  # the account is also at SECOND_HOST (until that is deleted)
    cleanup: str = ""  # the command to run when the account could not be removed
    interrupted: bool = False  # SIGINT or SIGTERM: the account was still removed (or named) first

    @property
    def lines(self) -> list[str]:
        """``name=value``, one per option found, in the simulator's order."""
        return [f"{name}={self.found[name]}" for name in OPTIONS if name in self.found]

    @property
    def unmatched(self) -> list[str]:
        """Behaviours that are no simulator option yet (worth reporting all the more)."""
        return [f"{n}={v}" for n, v in self.found.items() if v not in OPTIONS.get(n, ())]


def probe(ctx: Context) -> ProbeResult:
    spec, password = AccountSpec(new_user()), new_password()
    result = ProbeResult(spec.user)
    sent = False
    try:
        sent = True
        add_job = run_service(ctx, "add_user", spec.add_params(password), spec.user)
        result.steps.append(f"added {spec.label} (job {add_job.job_id})")
        result.found["add_existing"] = _again(ctx, "add_user", spec.add_params(password), spec.user, result)
        result.found["second_host"] = _second_host(ctx, spec, password, result)
        deleted = run_service(ctx, "del_user", spec.del_params(), spec.user)
        result.steps.append(f"deleted it (job {deleted.job_id})")
        result.removed = True
        result.found["del_missing"] = _again(ctx, "del_user", spec.del_params(), spec.user, result)
        result.found["directive"] = _directive(ctx, add_job.job_id, password, result)
    except (QingCloudError, Failure) as err:
        result.error = str(err)
    except KeyboardInterrupt:  # also SIGTERM, as the command raises it
        result.error, result.interrupted = "interrupted", True
    finally:
        if result.second:
            result.second = not _remove(ctx, replace(spec, host=SECOND_HOST), result)
        if sent and not result.removed:
            result.removed = _remove(ctx, spec, result)
    return result


def _second_host(ctx: Context, spec: AccountSpec, password: str, result: ProbeResult) -> str:
    """add_user of the same user at another host: taken (a successful job; that host is deleted at once)
    or refused (a failed job, or a non-zero ret_code)."""
    other = replace(spec, host=SECOND_HOST)
    try:
        job = run_service(ctx, "add_user", other.add_params(password), spec.user)
    except JobFailed as err:
        result.steps.append(f"add_user at a second host: job {err.job_id} {err.status}")
        return "refuse"
    except ApiError as err:
        result.steps.append(f"add_user at a second host: refused with ret_code {err.ret_code}")
        return "refuse"
    result.second = True
    result.steps.append(f"add_user at a second host: job {job.job_id} successful")
    deleted = run_service(ctx, "del_user", other.del_params(), spec.user)
    result.second = False
    result.steps.append(f"deleted {other.label} (job {deleted.job_id})")
    return "accept"


def _again(ctx: Context, service: str, params: dict[str, str], user: str, result: ProbeResult) -> str:
    """The same request a second time: refused at once, a failed job, or a successful one."""
    try:
        job = run_service(ctx, service, params, user)
    except JobFailed as err:
        result.steps.append(f"{service} again: job {err.job_id} {err.status}")
        return "job_fails"
    except ApiError as err:
        result.steps.append(f"{service} again: refused with ret_code {err.ret_code}")
        return f"refused_{err.ret_code}"
    result.steps.append(f"{service} again: job {job.job_id} successful")
    return "job_succeeds"


def _directive(ctx: Context, job_id: str, password: str, result: ProbeResult) -> str:
    """The add job's record as the bridge reads it (the cluster's listing; DescribeJobs if it is not on the
    first page): its params compared with what was sent, in memory."""
    jobs, _total = ctx.client.cluster_jobs(ctx.cluster, ctx.deadline)
    job: Job | None = next((j for j in jobs if j.job_id == job_id), None)
    source = "the cluster's job listing"
    if job is None:
        job = next((j for j in ctx.client.describe_jobs([job_id], ctx.deadline) if j.job_id == job_id), None)
        source = "DescribeJobs"
    result.steps.append(f"read job {job_id} back from {source}" if job else f"job {job_id} is not listed")
    if job is None or job.request is None:
        return "none"
    return "clear" if job.request.params.get("passwd") == password else "masked"


def _remove(ctx: Context, spec: AccountSpec, result: ProbeResult) -> bool:
    """Delete the probe's account at ``spec``'s host (waiting for a busy cluster), on a deadline of its own;
    whether it is gone (else the command to run is in ``result.cleanup``)."""
    cleanup = replace(ctx, deadline=Deadline(max(ctx.deadline.remaining(), CLEANUP_SECONDS)))
    try:
        outcome = delete(cleanup, spec)
    except (QingCloudError, Failure, KeyboardInterrupt) as err:
        result.cleanup = "; ".join(filter(None, (result.cleanup, _del_command(ctx, spec))))
        result.steps.append(f"could not remove {spec.label}: {err or 'interrupted'}")
        result.interrupted |= isinstance(err, KeyboardInterrupt)
        return False
    result.steps.append(f"removed {spec.label} ({outcome.verb}{f', job {outcome.job_id}' if outcome.job_id else ''})")
    return True
