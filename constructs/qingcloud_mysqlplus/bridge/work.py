"""One bridge run, as a plain function: the lock order, the first look, the add or delete, the proxies.

``main`` parses and maps what this returns (or raises) to an exit code;
nothing here prints.  The order is what keeps a cluster busy without gaps
when Terraform starts every account's bridge at once: read before queueing
(no other bridge on this machine touches this user, and the connection is
then open when the lock comes, so the request goes at once), and learn the
cluster's ``app_id`` and job times from the bridge ahead (:mod:`.notes`)
rather than asking the API again.
"""

from __future__ import annotations

from ..qingcloud.client import Client
from ..qingcloud.jobs import Job
from ..qingcloud.polling import JobTime
from ..qingcloud.retry import Deadline
from .accounts import Context, Outcome, add, delete, look_first
from .lock import ClusterLock
from .notes import ClusterNotes
from .options import Invocation
from .proxies import ASKED_BY, restarted_after
from .report import Reporter


def context(invocation: Invocation, report: Reporter) -> Context:
    """The client and the deadline of one run, with progress going to ``report``."""
    settings = invocation.settings
    client = Client(access_key=settings.access_key, secret_key=settings.secret_key, zone=settings.zone,
                    endpoint=settings.endpoint, verb=invocation.method, http_timeout=invocation.http_timeout,
                    on_retry=report.retrying)  # fmt: skip
    return Context(
        client, invocation.cluster, Deadline(invocation.timeout), notice=report.note, on_status=report.status
    )


def perform(invocation: Invocation, ctx: Context, lock: ClusterLock) -> Outcome:
    """The add (and proxy restarts) or the delete, in turn with the other bridges of this machine."""
    notes, timed = (ClusterNotes(path, ctx.client.endpoint.url) for path in (lock.notes_path, lock.times_path))
    queued = not lock.held
    _learn_app(ctx, notes, queued)
    first = look_first(ctx, invocation.spec.user)
    if queued:
        lock.wait(ctx.deadline)  # the lock tells the report who holds it
    service = "del_user" if invocation.command == "del-user" else "add_user"
    if queued and ctx.expected is not None and service not in ctx.expected:
        times = JobTime.from_seconds(timed.times(service))
        if times is not None:  # the bridges ahead in line ran such jobs: their times serve
            ctx.expected = {**ctx.expected, service: times}
        else:
            first = look_first(ctx, invocation.spec.user)  # learn from the jobs they ran since
    ctx.on_done = lambda done, job: _note_time(timed, done, job)
    if invocation.command == "del-user":
        return delete(ctx, invocation.spec, first)
    outcome = add(ctx, invocation.spec, invocation.password, invocation.on("replace_existing"), first)
    return restarted_after(ctx, outcome) if invocation.on(ASKED_BY.name) else outcome


def _note_time(notes: ClusterNotes, service: str, job: Job) -> None:
    """Leave a finished job's time for the bridges behind (they poll around it)."""
    seconds = job.seconds()
    if seconds is not None:
        notes.update(service=service, seconds=seconds)


def _learn_app(ctx: Context, notes: ClusterNotes, queued: bool) -> None:
    """The cluster's app_id: from the notes (a queued bridge waits briefly for the first one's), else asked
    once and written there for the bridges behind."""
    known = notes.wait_for_app() if queued else notes.app_id()
    if known:
        ctx.client.know_app(ctx.cluster, known)
        return
    info = ctx.client.cluster_info(ctx.cluster, ctx.deadline)
    if info is not None and info.app_id:
        notes.update(app_id=info.app_id)
