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

from dataclasses import replace

from ..qingcloud.client import Client
from ..qingcloud.polling import JobTime
from ..qingcloud.retry import Deadline
from .accounts import Context, Events, Outcome, add, delete, look_first
from .evidence import History
from .lock import ClusterLock, step_back
from .notes import ClusterNotes
from .options import Invocation
from .proxies import ASKED_BY, restarted_after
from .report import Reporter


def events_to(report: Reporter) -> Events:
    """The run's events sink, with progress going to ``report``; main reads the job it was waiting for."""
    return Events(on_notice=report.note, on_status=report.status, on_retry=report.retrying)


def context(invocation: Invocation, events: Events) -> Context:
    """The client and the deadline of one run, with progress going to ``events``."""
    settings = invocation.settings
    client = Client(access_key=settings.access_key, secret_key=settings.secret_key, zone=settings.zone,
                    endpoint=settings.endpoint, verb=invocation.method, http_timeout=invocation.http_timeout,
                    on_retry=events.retrying)  # fmt: skip
    return Context(client, invocation.cluster, Deadline(invocation.timeout), events)


def perform(invocation: Invocation, events: Events, lock: ClusterLock) -> Outcome:
    """The add (and proxy restarts) or the delete, in turn with the other bridges of this machine: the
    lock is tried, waited for and released here.  A bridge that finds it held steps back and prepares
    (the app_id, the first page of history) while queued."""
    with lock:
        queued = not lock.try_take()
        if queued:
            step_back()  # another bridge holds the cluster: prepare without slowing it
        ctx = context(invocation, events)
        notes, timed = (ClusterNotes(path, ctx.client.endpoint.url) for path in (lock.notes_path, lock.times_path))
        _learn_app(ctx, notes, queued)
        first = look_first(ctx, invocation.spec.user)
        if queued:
            lock.wait(ctx.deadline)  # the lock tells the report who holds it
        first = _timed(ctx, invocation, first, timed, queued)
        try:
            return _decide(ctx, invocation, first)
        finally:
            for service, seconds in events.finished:  # for the bridges behind (they poll around it)
                timed.update(service=service, seconds=seconds)


def _timed(ctx: Context, invocation: Invocation, first: History, timed: ClusterNotes, queued: bool) -> History:
    """The first look, with how long the job to run takes here: the ends the bridges before saw themselves
    (precise to a poll step) win over the history's whole-second stamps.  A queued bridge whose first look
    showed no job of the kind, and finds no such ends, looks again: the bridges ahead ran jobs since."""
    service = "del_user" if invocation.command == "del-user" else "add_user"
    seen = JobTime.from_seen(timed.times(service))
    if seen is not None:
        return replace(first, durations={**first.durations, service: seen})
    if queued and service not in first.durations:
        return look_first(ctx, invocation.spec.user)
    return first


def _decide(ctx: Context, invocation: Invocation, first: History) -> Outcome:
    if invocation.command == "del-user":
        return delete(ctx, invocation.spec, first)
    outcome = add(ctx, invocation.spec, invocation.password, invocation.on("replace_existing"), first)
    return restarted_after(ctx, outcome, first.durations) if invocation.on(ASKED_BY.name) else outcome


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
