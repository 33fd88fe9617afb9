"""Proof that an account found on the cluster was created by this tool's own request.

The proof needs both sides: the journal says when this tool sent add_user for
the account (the job id, when it got one, and which jobs existed just before),
and the cluster's jobs say which job created the account.  The account is ours
when the newest successful job touching it is an add_user whose id the journal
holds, or one the cluster lists as newer than the jobs seen before one of our
unanswered requests and created before that request was given up.  Anything
less proves nothing, and the caller must not touch the account.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..qingcloud.client import FINAL_JOB_STATUSES, Client, Deadline, QingCloudError, job_request
from ..qingcloud.signing import TIME_FORMAT
from .journal import Attempt

# A job without an id of ours counts only if the cluster stamps it no later than
# when we gave up (by this machine's clock; stamps are whole seconds, rounded
# down).  No tolerance: a cluster clock running ahead makes the proof fail,
# which stops the run with a message, rather than take over someone's account.
BEFORE_LIMIT = 10
SERVICES = ("add_user", "del_user")


def jobs_before(client: Client, deadline: Deadline) -> dict[str, Any] | None:
    """A mark of the newest jobs before a send, for :class:`Attempt.before`; None if unknown."""
    try:
        jobs = client.recent_jobs(deadline, limit=BEFORE_LIMIT)
    except QingCloudError:
        return None
    newest = max((str(j.get("create_time") or "") for j in jobs), default="")
    return {"time": newest or None, "ids": [str(j.get("job_id")) for j in jobs if j.get("create_time") == newest]}


def _after(job: Mapping[str, Any], before: Mapping[str, Any] | None) -> bool:
    if before is None:
        return False
    if before.get("time") is None:
        return True
    created = str(job.get("create_time") or "")  # same ISO format: text order is time order
    return created > str(before["time"]) or (created == before["time"] and job.get("job_id") not in before["ids"])


@dataclass(frozen=True)
class Proof:
    job_id: str
    attempt: Attempt
    params: dict[str, str]  # what the job was asked to create (password masked)


def _epoch(stamp: object) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(str(stamp), TIME_FORMAT)))
    except ValueError:
        return None


def _request_of(job: Mapping[str, Any], attempts: Sequence[Attempt], cluster: str) -> dict[str, Any]:
    request = job_request(job)
    if not request.get("service"):
        # No directive: a job id of our own still says what it was (add_user, these params).
        for attempt in attempts:
            if attempt.job_id == job.get("job_id"):
                return {"cluster": cluster, "service": "add_user", "service_params": dict(attempt.params)}
    return request


Age = tuple[str, int]  # (create_time, minus the place in the newest-first listing): larger is newer


def _attempt_of(job: Mapping[str, Any], attempts: Sequence[Attempt], ages: Mapping[str, Age]) -> Attempt | None:
    """Which of our attempts made ``job``: by its id, else by when the cluster says it was created.

    Created after the jobs seen before the send, and no later than the attempt's own
    job (the cluster's order, exact) or, without one, in a whole second before the
    attempt was given up.
    """
    for attempt in attempts:
        if attempt.job_id and attempt.job_id == job.get("job_id"):
            return attempt
    age = ages.get(str(job.get("job_id")))
    for attempt in attempts:
        if age is None or not _after(job, attempt.before):
            continue
        own = ages.get(attempt.job_id or "")
        if own is not None:
            if age <= own:
                return attempt
        elif (_epoch(age[0]) or float("inf")) + 1 <= attempt.until:
            return attempt
    return None


def find_own_job(
    client: Client, cluster: str, user: str, attempts: Sequence[Attempt], deadline: Deadline
) -> Proof | None:
    """The job of ours that created ``user`` on ``cluster``, or None if that cannot be shown."""
    if not attempts:
        return None
    try:
        listed = client.recent_jobs(deadline)
        ids = [a.job_id for a in attempts if a.job_id]
        known = {str(j.get("job_id")) for j in listed}
        missing = [i for i in ids if i not in known]
        listed += client.describe_jobs(missing, deadline) if missing else []
    except QingCloudError:
        return None  # without the cluster's word nothing is proven
    ages = {str(j.get("job_id")): (str(j.get("create_time") or ""), -order) for order, j in enumerate(listed)}
    touching: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for job in listed:
        request = _request_of(job, attempts, cluster)
        params = request.get("service_params") or {}
        if request.get("cluster") == cluster and request.get("service") in SERVICES and params.get("user") == user:
            touching.append((dict(job), request))
    for job, _ in touching:
        if job.get("status") not in FINAL_JOB_STATUSES and _attempt_of(job, attempts, ages) is not None:
            try:  # one of ours is still running: its outcome decides
                job["status"] = client.wait_job(str(job["job_id"]), deadline).get("status")
            except QingCloudError:
                job["status"] = "failed"
    done = [(job, request) for job, request in touching if job.get("status") == "successful"]
    if not done:
        return None
    newest, request = max(done, key=lambda pair: ages[str(pair[0].get("job_id"))])
    attempt = _attempt_of(newest, attempts, ages)
    if request["service"] != "add_user" or attempt is None:
        return None
    shown = {k: str(v) for k, v in request["service_params"].items() if k != "passwd"}
    return Proof(str(newest["job_id"]), attempt, shown)
