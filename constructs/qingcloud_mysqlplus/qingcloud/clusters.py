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
from .retry import Deadline

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


def submit(client: Client, cluster: str, service: str, params: Mapping[str, str], deadline: Deadline, *,
           role: str = "maininstance", on_wait: Notice | None = None) -> str:  # fmt: skip
    """RunClusterCustomService, sent again once the cluster is idle if another job held it; the job id."""
    races = 0
    while True:
        try:
            return client.run_service(cluster, service, params, deadline, role)
        except ApiError as err:
            if err.ret_code != DENIED_OR_IN_TRANSITION:
                raise
            refusal = err
        status = _transition(client, cluster, deadline, refusal)
        if status:
            wait_idle(client, cluster, deadline, status, on_wait)
            races = 0
            continue
        if not transition_form(refusal.message) or races >= RACE_RESENDS:
            raise PermissionDenied(refusal.action, refusal.ret_code, _denied(refusal, cluster, races))
        pause = min(RACE_PAUSE * 2**races, RACE_PAUSE_CAP)  # the holding job just ended: give the cluster a moment
        if deadline.remaining() <= pause:
            raise DeadlineExceeded(f"sending {service} to {cluster}", deadline.seconds, str(refusal))
        client.sleep(pause)
        races += 1


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
    while status:
        if deadline.remaining() <= IDLE_POLL:
            raise DeadlineExceeded(f"waiting for {cluster} to be idle", deadline.seconds, f"still {status}")
        client.sleep(IDLE_POLL)
        status = client.transition_status(cluster, deadline) or ""


def wait_job(client: Client, job_id: str, deadline: Deadline, schedule: PollSchedule | None = None,
             on_status: Notice | None = None) -> Job:  # fmt: skip
    """Poll until the job is final; a job that did not succeed raises :class:`JobFailed`."""
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
            if job.status != SUCCESSFUL:
                raise JobFailed(job_id, job.status, job.error_codes)
            return job
    raise AssertionError("unreachable: the schedule never ends")
