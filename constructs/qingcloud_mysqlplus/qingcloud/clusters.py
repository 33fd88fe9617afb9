"""A cluster runs one job at a time: submit when it is idle, and wait for the job.

QingCloud refuses an action on a cluster in a transition status with ret_code
1400 ("resource [cl-x] is [updating], please try later"), and answers the
same code to a key without rights.  The evidence is ``transition_status``
from DescribeClusters; but a refusal and a status read are not atomic: the
other job may end between the two, so a refusal in the transition form on a
cluster that now looks idle is sent again after a short pause, a few times.
The wording is only that hint (it may be translated); it never proves a
denial or a success.  A denial is a 1400 of another form on an idle cluster,
or the transition form repeated while the cluster stays idle.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from .client import Client
from .errors import DENIED_OR_IN_TRANSITION, ApiError, DeadlineExceeded, JobFailed, PermissionDenied
from .jobs import SUCCESSFUL, Job
from .polling import PollSchedule
from .retry import Deadline, Policy, RetryContext, polling

IDLE_POLL = 0.5  # seconds between looks at a cluster held by someone else's job
RACE_RESENDS = 10  # a transition-form refusal on an idle cluster: sent again this many times in a row at most
RACE_PAUSE, RACE_PAUSE_CAP = 0.25, 2.0  # seconds before the first such resend, doubling up to the cap (~16 s in all)
# "resource [cl-x] is [updating], please try later", the same in Chinese (请稍候再试), "... lease
# info not ready yet, please try later": the forms QingCloud uses for "not now".  A hint only.
TRANSITION_FORM = re.compile(r"\] *(is|正在) *\[[a-z_-]+\]|please try later|请稍候再试", re.IGNORECASE)
Notice = Callable[[str], None]


def transition_form(message: str) -> bool:
    """Whether a 1400's text reads like "in a transition status, try later" (a hint, never proof)."""
    return TRANSITION_FORM.search(message) is not None


class Refused(Exception):
    """A 1400 to a submit, with what the cluster showed next (internal to :func:`submit`'s policy)."""

    def __init__(self, refusal: ApiError, waited: bool, races: int) -> None:
        self.refusal = refusal
        self.waited = waited  # the cluster was in a transition status, and is idle now
        self.races = races  # transition-form refusals on an idle cluster just before this one
        super().__init__(str(refusal))


class StillBusy(Exception):
    """The cluster is still in a transition status (internal to :func:`wait_idle`'s policy)."""

    def __init__(self, status: str) -> None:
        super().__init__(f"still {status}")


def waited_for_the_cluster(ctx: RetryContext) -> bool:
    """Another job held the cluster and has ended: send again at once."""
    return isinstance(ctx.error, Refused) and ctx.error.waited


def raced_the_end_of_a_job(ctx: RetryContext) -> bool:
    """A transition-form refusal on a cluster idle by the next look: the holding job just ended (a few times)."""
    err = ctx.error
    return isinstance(err, Refused) and transition_form(err.refusal.message) and err.races < RACE_RESENDS


def race_pause(ctx: RetryContext) -> float:
    """None after a wait; else RACE_PAUSE doubling to RACE_PAUSE_CAP: give the cluster a moment."""
    err = ctx.error
    return 0.0 if not isinstance(err, Refused) or err.waited else min(RACE_PAUSE * 2**err.races, RACE_PAUSE_CAP)


def submit(client: Client, cluster: str, service: str, params: Mapping[str, str], deadline: Deadline, *,
           role: str = "maininstance", on_wait: Notice | None = None) -> str:  # fmt: skip
    """RunClusterCustomService, sent again once the cluster is idle if another job held it; the job id."""
    races = 0

    def once() -> str:
        nonlocal races
        try:
            return client.run_service(cluster, service, params, deadline, role)
        except ApiError as err:
            if err.ret_code != DENIED_OR_IN_TRANSITION:
                raise
            refusal = err
        status = _transition(client, cluster, deadline, refusal)
        if status:
            wait_idle(client, cluster, deadline, status, on_wait)
        refused = Refused(refusal, bool(status), races)
        races = 0 if status else races + 1
        raise refused

    policy = Policy((waited_for_the_cluster, raced_the_end_of_a_job), race_pause, client.sleep, retryable=(Refused,))
    try:
        return policy.run(f"sending {service} to {cluster}", once, deadline, idempotent=False)
    except Refused as err:
        raise PermissionDenied(
            err.refusal.action, err.refusal.ret_code, _denied(err.refusal, cluster, err.races)
        ) from None


def _denied(refusal: ApiError, cluster: str, races: int) -> str:
    if races:
        return f"{refusal.message} ({cluster} stayed idle through {races + 1} such refusals, so this is a permission denial)"
    return f"{refusal.message} (and {cluster} is idle, so this is a permission denial)"


def _transition(client: Client, cluster: str, deadline: Deadline, refusal: ApiError) -> str:
    try:
        status = client.transition_status(cluster, deadline)
    except ApiError as err:
        if err.ret_code == DENIED_OR_IN_TRANSITION:
            raise PermissionDenied(err.action, err.ret_code, err.message) from None
        raise
    if status is None:
        raise PermissionDenied(refusal.action, refusal.ret_code, f"{refusal.message} ({cluster} is not listed)")
    return status


def wait_idle(client: Client, cluster: str, deadline: Deadline, status: str, on_wait: Notice | None = None) -> None:
    """Look every IDLE_POLL seconds until the cluster's transition_status is empty."""
    if on_wait:
        on_wait(f"{cluster} is {status} (another job holds it); sending when it is idle")
    known = [status]  # the first look is the caller's

    def look() -> None:
        now = known.pop() if known else client.transition_status(cluster, deadline) or ""
        if now:
            raise StillBusy(now)

    polling(IDLE_POLL, client.sleep, StillBusy).run(f"waiting for {cluster} to be idle", look, deadline)


def wait_job(client: Client, job_id: str, deadline: Deadline, schedule: PollSchedule | None = None,
             on_status: Notice | None = None, on_end: Callable[[float], None] | None = None) -> Job:  # fmt: skip
    """Poll until the job is final; a job that did not succeed raises :class:`JobFailed`.  ``on_end``: told
    when the end was seen, in seconds from the start of the wait (a poll step after it at most)."""
    start, status = deadline.clock(), "submitted"
    for at in (schedule or PollSchedule()).times():
        pause = start + at - deadline.clock()
        if deadline.remaining() <= max(pause, 0.0):
            raise DeadlineExceeded(f"job {job_id}", deadline.seconds, f"status {status}", job_id)
        if pause > 0:
            client.sleep(pause)
        try:
            found = [j for j in client.describe_jobs([job_id], deadline) if j.job_id == job_id]
        except DeadlineExceeded as err:
            raise DeadlineExceeded(f"job {job_id}", deadline.seconds, err.last_cause, job_id) from None
        if not found:
            continue  # not listed yet
        job = found[0]
        if job.status != status and on_status:
            on_status(job.status)
        status = job.status
        if job.final:
            if on_end:
                on_end(deadline.clock() - start)
            if job.status != SUCCESSFUL:
                raise JobFailed(job_id, job.status, job.error_codes)
            return job
    raise AssertionError("unreachable: the schedule never ends")
