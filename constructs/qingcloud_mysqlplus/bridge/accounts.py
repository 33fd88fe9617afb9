"""Add, delete and replace one account, deciding from the cluster's evidence.

Each function returns an :class:`Outcome` or raises :class:`Failure` (whose
message already says what to do) or a ``QingCloudError``.  Nothing here
prints, parses argv or handles signals, so every decision can be tested with
a fake client.  A job's text is never read: a failed job says nothing of why.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from ..qingcloud.client import Client
from ..qingcloud.clusters import submit, wait_job
from ..qingcloud.errors import ALREADY_EXISTS, AnswerLost, ApiError, JobFailed
from ..qingcloud.jobs import Job
from ..qingcloud.polling import JobTime, PollSchedule
from ..qingcloud.retry import Deadline, RetryHook, backing_off, lost_answer
from ..rules import AccountSpec
from .evidence import History, entries, read_history, same_request

Notice = Callable[[str], None]
Times = Mapping[str, JobTime]  # service -> how long its jobs take on this cluster, from a history read


class Failure(Exception):
    """An expected failure with a message that already says what to do."""


@dataclass(frozen=True)
class Outcome:
    verb: str  # added, adopted, replaced, deleted, absent
    job_id: str | None
    note: str = ""


def _quiet(*_args: object) -> None:
    pass


@dataclass
class Events:
    """Where one run's progress goes (the callbacks given: the reporter's, in the bridge).  It keeps what
    the run's caller reads after it ends, however it ends: the job being waited for (an interrupt names it)
    and the times of the jobs that finished (left for the bridges behind)."""

    on_notice: Notice = _quiet
    on_status: Callable[[str, str, str], None] = _quiet  # (service, job id, status)
    on_retry: RetryHook | None = None  # the client's: a transient fault, and the pause before sending again
    running: str | None = field(default=None, init=False)
    finished: list[tuple[str, float]] = field(default_factory=list, init=False)  # (service, seconds seen)

    def notice(self, text: str) -> None:
        self.on_notice(text)

    def status(self, service: str, job_id: str, status: str) -> None:
        self.on_status(service, job_id, status)

    def retrying(self, cause: str, delay: float) -> None:
        if self.on_retry is not None:
            self.on_retry(cause, delay)

    def job_submitted(self, service: str, job_id: str) -> None:
        self.running = job_id
        self.on_status(service, job_id, "submitted")  # its id, before the first poll

    def job_done(self, service: str, seen: float | None = None) -> None:
        """A job of ours finished successfully (a failed one stays ``running``: it was the last one waited for).
        ``seen``: when our polls saw it end (seconds after the submit), kept for the bridges behind."""
        self.running = None
        if seen is not None:
            self.finished.append((service, seen))


@dataclass(frozen=True)
class Context:
    """One run against one cluster: the client, the deadline, and where progress goes.  Nothing in it
    changes during the run: what a decision learns (a history, job times) it returns or passes on."""

    client: Client
    cluster: str
    deadline: Deadline
    events: Events = field(default_factory=Events)

    def notice(self, text: str) -> None:
        self.events.notice(text)


def run_service(ctx: Context, service: str, params: Mapping[str, str], user: str, times: Times | None = None) -> Job:
    """Submit and wait (``times``: how long such jobs take here, which times the polling).  When the answer
    to the submit is lost, the history shows whether the request reached the cluster: its job is then
    waited for instead of sending a second one; if it never arrived, the one resend policy sends again."""

    def once() -> tuple[str, Times | None]:
        try:
            return submit(ctx.client, ctx.cluster, service, params, ctx.deadline, on_wait=ctx.notice), times
        except AnswerLost as err:
            ctx.notice(f"{service} sent, answer lost ({err}); reading the cluster's jobs")
            history = read_history(ctx.client, ctx.cluster, user, ctx.deadline)
            ours = [j for j in (*history.running, history.newest_done) if j is not None and same_request(j, params)]
            if ours:
                return ours[0].job_id, history.durations
            raise  # it never arrived: the policy pauses and sends again, within the deadline

    policy = backing_off(ctx.client.backoff, ctx.client.sleep, (lost_answer,))
    job_id, learned = policy.run(service, once, ctx.deadline, idempotent=False)
    return wait_for(ctx, service, job_id, learned)


def wait_for(ctx: Context, service: str, job_id: str, times: Times | None = None) -> Job:
    """Wait for a job, polling densely around when this cluster's jobs of the kind usually end."""
    ctx.events.job_submitted(service, job_id)
    schedule = PollSchedule(expected=(times or {}).get(service))
    seen: list[float] = []
    job = wait_job(ctx.client, job_id, ctx.deadline, schedule,
                   lambda status: ctx.events.status(service, job_id, status), seen.append)  # fmt: skip
    ctx.events.job_done(service, seen[0] if seen else None)
    return job


def look_first(ctx: Context, user: str, host: str | None = None) -> History:
    """One page of the cluster's jobs before sending: it may already answer, and it says how long
    this cluster's jobs take, which times the polling."""
    return read_history(ctx.client, ctx.cluster, user, ctx.deadline, max_pages=1, host=host)


def add(ctx: Context, spec: AccountSpec, password: str, replace_existing: bool = False,
        first: History | None = None) -> Outcome:  # fmt: skip
    """add_user; when it fails, the history decides whether the account already exists as declared.
    ``first``: the page of history already read (while waiting for the machine's lock)."""
    sent = spec.add_params(password)
    first = first if first is not None else look_first(ctx, spec.user, spec.host)
    if replace_existing and not first.done and not first.depth.complete:
        # Where QingCloud takes a second host, an add at a new host would succeed beside an old host the
        # first page does not show, which would then stay: what to replace is read first (no job runs yet)
        first = read_history(ctx.client, ctx.cluster, spec.user, ctx.deadline, host=spec.host)
    if first.live and not first.running and not first.facts.unknown:
        made = first.made(spec.host)
        if made is not None and same_request(made, sent):
            return _adopt(ctx, spec, made, first, replace_existing)
        if replace_existing:  # no add_user that can only fail first
            return _replace(ctx, spec, sent, first)
    try:
        return Outcome("added", run_service(ctx, "add_user", sent, spec.user, first.durations).job_id)
    except (JobFailed, ApiError) as err:
        if isinstance(err, ApiError) and err.ret_code != ALREADY_EXISTS:
            raise
        failure: JobFailed | ApiError = err
    ran = failure.job_id if isinstance(failure, JobFailed) else None
    history = read_history(ctx.client, ctx.cluster, spec.user, ctx.deadline, expect=ran, host=spec.host)
    if history.present is None:
        raise Failure(f"{_failed(failure)}; whether {spec.user} exists cannot be told: {history.why}. "
                      f"Check the account in the console, then {_del_command(ctx, spec, _shown(history, spec))} "
                      "and deploy again")  # fmt: skip
    if not history.live:
        if replace_existing:  # asked to replace whatever is there, listed or not
            ctx.notice(f"{spec.user}: add_user failed and {history.why}; deleting then adding (--replace-existing)")
            delete(ctx, spec, history)
            return Outcome("replaced", run_service(ctx, "add_user", sent, spec.user, history.durations).job_id)
        raise Failure(f"{_failed(failure)}, and {history.why}. If {spec.user} exists all the same (made by SQL, "
                      f"or before the listed history), delete it ({_del_command(ctx, spec)}) or set "
                      "replace_existing=True; otherwise check that the cluster is active, that it has no other "
                      "SuperuserAccount (one per cluster), and that ssl=YES has the cluster's SSL transport on")  # fmt: skip
    made = history.made(spec.host)
    if made is not None and same_request(made, sent):
        return _adopt(ctx, spec, made, history, replace_existing, " already")
    if not replace_existing:
        job = history.live[0][0]
        raise Failure(f"{spec.user} already exists on {ctx.cluster} (made by job {job.job_id}) but not as declared "
                      f"(other settings, password or host), so it was left untouched. If it is this stack's, delete "
                      f"it and deploy again: {_del_command(ctx, spec, _shown(history, spec))} -- or set "
                      "replace_existing=True (--replace-existing), which deletes and recreates it")  # fmt: skip
    return _replace(ctx, spec, sent, history, tried=True)


def _adopt(ctx: Context, spec: AccountSpec, made: Job, history: History, replace_existing: bool,
           already: str = "") -> Outcome:  # fmt: skip
    """The account exists as declared.  Other hosts of the user still there (a host change whose delete
    did not run: the bridge was killed after adding the new host) are deleted when replacing, else named."""
    note = f"it{already} exists exactly as declared (job {made.job_id})"
    others = history.others(spec.host)
    if others and replace_existing:
        for host in others:
            ctx.notice(f"{spec.user} is also at host {host}: deleting it (a host change that did not finish)")
            delete(ctx, replace(spec, host=host), history)
        note += f"; its other host {' and '.join(others)} deleted"
    elif others:
        commands = "; ".join(_del_command(ctx, spec, host) for host in others)
        note += f"; it is also at host {' and '.join(others)}: if that is to go, run: {commands}"
    return Outcome("adopted", made.job_id, note)


def _replace(ctx: Context, spec: AccountSpec, sent: Mapping[str, str], history: History,
             tried: bool = False) -> Outcome:  # fmt: skip
    """Replace the account as the history shows it (every host it is at) with the declared one, in one turn.
    Same hosts: delete, then add at once.  Other hosts only: add first and delete the old after (no gap)
    where QingCloud takes a second host for a user; where it refuses (a failed job or 2110; the first add
    changed nothing), delete then add.  ``tried``: the declared add_user has just failed: delete, then add."""
    old = ";".join(h for _job, hosts in history.live for h in hosts)
    first_job = history.live[0][0].job_id
    if tried or set(entries(old)) & set(entries(spec.host)):
        ctx.notice(f"{spec.user} exists (job {first_job}) otherwise than declared; replacing it (--replace-existing)")
        delete(ctx, replace(spec, host=old), history)
        return Outcome("replaced", run_service(ctx, "add_user", sent, spec.user, history.durations).job_id)
    ctx.notice(f"{spec.user} is at host {old} (job {first_job}); adding it at {spec.host} before deleting the old "
               "host (--replace-existing)")  # fmt: skip
    try:
        added = run_service(ctx, "add_user", sent, spec.user, history.durations)
    except (JobFailed, ApiError) as err:
        if isinstance(err, ApiError) and err.ret_code != ALREADY_EXISTS:
            raise
        ctx.notice(f"{spec.user}: a second host was refused ({_failed(err)}); deleting {old}, then adding")
        delete(ctx, replace(spec, host=old), history)
        return Outcome("replaced", run_service(ctx, "add_user", sent, spec.user, history.durations).job_id)
    delete(ctx, replace(spec, host=old), history)
    return Outcome("replaced", added.job_id, f"added at {spec.host} before {old} was deleted: no gap")


def delete(ctx: Context, spec: AccountSpec, first: History | None = None) -> Outcome:
    """del_user; when it fails, the history decides whether the account is gone all the same.  A user the
    history shows at other hosts only is not deleted by this one: that fails with the host to name."""
    first = first if first is not None else look_first(ctx, spec.user, spec.host)
    elsewhere = _elsewhere(first, spec)
    if elsewhere:
        raise Failure(f"{spec.user} is on {ctx.cluster} at host {elsewhere} ({first.why}), not at {spec.host}: "
                      f"nothing was deleted. If it is to go: {_del_command(ctx, spec, elsewhere)}")  # fmt: skip
    try:
        return Outcome("deleted", run_service(ctx, "del_user", spec.del_params(), spec.user, first.durations).job_id)
    except JobFailed as err:
        failure = err
    history = read_history(ctx.client, ctx.cluster, spec.user, ctx.deadline, expect=failure.job_id, host=spec.host)
    elsewhere = _elsewhere(history, spec)
    if history.present_at(spec.host) is False and not elsewhere:
        return Outcome("absent", failure.job_id, f"{history.why}: nothing to delete ({_failed(failure)})")
    raise Failure(_still_there(ctx, spec, failure, history))


def _elsewhere(history: History, spec: AccountSpec) -> str:
    """The user's hosts the history shows, when it shows none of ``spec``'s entries ("" otherwise)."""
    if history.facts.unknown or history.running or not history.live:
        return ""
    live = [h for _job, hosts in history.live for h in hosts]
    return "" if set(live) & set(entries(spec.host)) else ";".join(live)


def _shown(history: History, spec: AccountSpec) -> str:
    """The host to name in a command: where the history shows the user, else the declared one."""
    live = [h for _job, hosts in history.live for h in hosts]
    if history.present_at(spec.host) or not live:
        return spec.host
    return ";".join(live)


def _still_there(ctx: Context, spec: AccountSpec, failure: JobFailed, history: History) -> str:
    state = "may still exist" if history.present_at(spec.host) is None else "still exists"
    return (f"{_failed(failure)}, and {spec.user} {state} on {ctx.cluster} ({history.why}). Delete it in the "
            f"console or with: {_del_command(ctx, spec, _shown(history, spec))} -- or set keep_on_destroy=True "
            "to leave it and go on")  # fmt: skip


def _failed(failure: JobFailed | ApiError) -> str:
    if isinstance(failure, JobFailed):
        return f"{failure} (a job gives no reason)"
    return str(failure)


def _del_command(ctx: Context, spec: AccountSpec, host: str | None = None) -> str:
    """The command that deletes the user at ``host`` (where the evidence shows it; the declared host else)."""
    return shlex.join(["qingcloud-mysqlplus", "del-user", "--zone", ctx.client.zone, "--cluster", ctx.cluster,
                       "--user", spec.user, "--host", host or spec.host])  # fmt: skip


__all__ = ["Context", "Events", "Failure", "Outcome", "add", "delete", "run_service"]
