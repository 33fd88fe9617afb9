"""Add, delete and replace one account, deciding from the cluster's evidence.

Each function returns an :class:`Outcome` or raises :class:`Failure` (whose
message already says what to do) or a ``QingCloudError``.  Nothing here
prints, parses argv or handles signals, so every decision can be tested with
a fake client.  A job's text is never read: a failed job says nothing of why.
"""

from __future__ import annotations

import itertools
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from ..qingcloud.client import Client
from ..qingcloud.clusters import submit, wait_job
from ..qingcloud.errors import ALREADY_EXISTS, AnswerLost, ApiError, DeadlineExceeded, JobFailed
from ..qingcloud.jobs import Job
from ..qingcloud.polling import JobTime, PollSchedule
from ..qingcloud.retry import Deadline
from ..rules import AccountSpec
from .evidence import History, made_as, read_history, same_request

Notice = Callable[[str], None]


class Failure(Exception):
    """An expected failure with a message that already says what to do."""


@dataclass(frozen=True)
class Outcome:
    verb: str  # added, adopted, replaced, deleted, absent
    job_id: str | None
    note: str = ""


@dataclass
class Context:
    """One run against one cluster: the client, the deadline, and where progress goes."""

    client: Client
    cluster: str
    deadline: Deadline
    notice: Notice = lambda _text: None
    on_status: Callable[[str, str, str], None] = lambda _service, _job, _status: None
    current_job: str | None = None  # the job being waited for, for an interrupt message
    expected: Mapping[str, JobTime] | None = None  # service -> how long its jobs take, from the history once read
    on_done: Callable[[str, Job], None] = lambda _service, _job: None  # a job of ours finished successfully


def run_service(ctx: Context, service: str, params: Mapping[str, str], user: str) -> Job:
    """Submit and wait.  When the answer to the submit is lost, the history shows whether the
    request reached the cluster: its job is then waited for instead of sending a second one."""
    for attempt in itertools.count():
        try:
            job_id = submit(ctx.client, ctx.cluster, service, params, ctx.deadline, on_wait=ctx.notice)
            break
        except AnswerLost as err:
            ctx.notice(f"{service} sent, answer lost ({err}); reading the cluster's jobs")
            history = read_history(ctx.client, ctx.cluster, user, ctx.deadline)
            ctx.expected = history.durations
            ours = [j for j in (*history.running, history.newest_done) if j is not None and same_request(j, params)]
            if ours:
                job_id = ours[0].job_id
                break
            pause_before_resending(ctx, service, attempt, err)  # it never arrived
    return wait_for(ctx, service, job_id)


def pause_before_resending(ctx: Context, service: str, attempt: int, err: AnswerLost) -> None:
    """Back off before sending a write again, within the deadline: never a tight loop."""
    delay = ctx.client.backoff.delay(attempt)
    if ctx.deadline.remaining() <= delay:
        raise DeadlineExceeded(service, ctx.deadline.seconds, str(err)) from None
    ctx.client.sleep(delay)


def wait_for(ctx: Context, service: str, job_id: str) -> Job:
    """Wait for a job, polling densely around when this cluster's jobs of the kind usually end."""
    ctx.current_job = job_id
    ctx.on_status(service, job_id, "submitted")  # its id, before the first poll
    schedule = PollSchedule(expected=(ctx.expected or {}).get(service))
    job = wait_job(ctx.client, job_id, ctx.deadline, schedule,
                   lambda status: ctx.on_status(service, job_id, status))  # fmt: skip
    ctx.current_job = None
    ctx.on_done(service, job)
    return job


def look_first(ctx: Context, user: str) -> History:
    """One page of the cluster's jobs before sending: it may already answer, and it says how long
    this cluster's jobs take, which times the polling."""
    history = read_history(ctx.client, ctx.cluster, user, ctx.deadline, max_pages=1)
    ctx.expected = history.durations
    return history


def add(ctx: Context, spec: AccountSpec, password: str, replace_existing: bool = False,
        first: History | None = None) -> Outcome:  # fmt: skip
    """add_user; when it fails, the history decides whether the account already exists as declared.
    ``first``: the page of history already read (while waiting for the machine's lock)."""
    sent = spec.add_params(password)
    first = first or look_first(ctx, spec.user)
    made = first.newest_done
    if first.present and made is not None and not first.running:
        if same_request(made, sent):
            return Outcome("adopted", made.job_id, "it already exists exactly as declared")
        if replace_existing:  # no add_user that can only fail first
            return _replace(ctx, spec, sent, made)
    try:
        return Outcome("added", run_service(ctx, "add_user", sent, spec.user).job_id)
    except JobFailed as err:
        failure: JobFailed | ApiError = err
    except ApiError as err:
        if err.ret_code != ALREADY_EXISTS:
            raise
        failure = err
    ran = failure.job_id if isinstance(failure, JobFailed) else None
    history = read_history(ctx.client, ctx.cluster, spec.user, ctx.deadline, expect=ran)
    made = history.newest_done
    if history.present is None:
        raise Failure(f"{_failed(failure)}; whether {spec.user} exists cannot be told: {history.why}. "
                      f"Check the account in the console, then {_del_command(ctx, spec)} and deploy again")  # fmt: skip
    if not history.present or made is None:
        if replace_existing:  # asked to replace whatever is there, listed or not
            ctx.notice(f"{spec.user}: add_user failed and {history.why}; deleting then adding (--replace-existing)")
            delete(ctx, spec)
            return Outcome("replaced", run_service(ctx, "add_user", sent, spec.user).job_id)
        raise Failure(f"{_failed(failure)}, and {history.why}. If {spec.user} exists all the same (made by SQL, "
                      f"or before the listed history), delete it ({_del_command(ctx, spec)}) or set "
                      "replace_existing=True; otherwise check that the cluster is active, that it has no other "
                      "SuperuserAccount (one per cluster), and that ssl=YES has the cluster's SSL transport on")  # fmt: skip
    if same_request(made, sent):
        return Outcome("adopted", made.job_id, f"it already existed exactly as declared (job {made.job_id})")
    if not replace_existing:
        raise Failure(f"{spec.user} already exists on {ctx.cluster} (made by job {made.job_id}) but not as declared "
                      f"(other settings or password), so it was left untouched. If it is this stack's, delete it "
                      f"and deploy again: {_del_command(ctx, replace(spec, host=made_as(made, spec)))} -- or set "
                      "replace_existing=True (--replace-existing), which deletes and recreates it")  # fmt: skip
    return _replace(ctx, spec, sent, made)


def _replace(ctx: Context, spec: AccountSpec, sent: Mapping[str, str], made: Job) -> Outcome:
    """Delete the account as it was made (its hosts), then add it as declared."""
    ctx.notice(f"{spec.user} exists (job {made.job_id}) otherwise than declared; replacing it (--replace-existing)")
    delete(ctx, replace(spec, host=made_as(made, spec)))
    return Outcome("replaced", run_service(ctx, "add_user", sent, spec.user).job_id)


def delete(ctx: Context, spec: AccountSpec, first: History | None = None) -> Outcome:
    """del_user; when it fails, the history decides whether the account is gone all the same."""
    if first is None:
        look_first(ctx, spec.user)
    try:
        return Outcome("deleted", run_service(ctx, "del_user", spec.del_params(), spec.user).job_id)
    except JobFailed as err:
        failure = err
    history = read_history(ctx.client, ctx.cluster, spec.user, ctx.deadline, expect=failure.job_id)
    if history.present is False:
        return Outcome("absent", failure.job_id, f"{history.why}: nothing to delete ({_failed(failure)})")
    raise Failure(_still_there(ctx, spec, failure, history))


def _still_there(ctx: Context, spec: AccountSpec, failure: JobFailed, history: History) -> str:
    state = "may still exist" if history.present is None else "still exists"
    return (f"{_failed(failure)}, and {spec.user} {state} on {ctx.cluster} ({history.why}). Delete it in the "
            f"console or with: {_del_command(ctx, spec)} -- or set keep_on_destroy=True to leave it and go on")  # fmt: skip


def _failed(failure: JobFailed | ApiError) -> str:
    if isinstance(failure, JobFailed):
        return f"{failure} (a job gives no reason)"
    return str(failure)


def _del_command(ctx: Context, spec: AccountSpec) -> str:
    return shlex.join(["qingcloud-mysqlplus", "del-user", "--zone", ctx.client.zone, "--cluster", ctx.cluster,
                       "--user", spec.user, "--host", spec.host])  # fmt: skip


__all__ = ["Context", "Failure", "Outcome", "add", "delete", "run_service"]
