"""What the cluster's job history proves about one account.

QingCloud has no API that lists accounts, and a failed job says nothing of
why.  The history is the evidence: the newest *successful* add_user or
del_user that touched a user tells whether the account exists now.  A job
touches a user when its directive's service_params name it.  The directive
of an add_user holds the password in clear: it is compared here in memory
and never kept, printed or raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ..qingcloud.client import PAGE, Client
from ..qingcloud.errors import BAD_PARAMETER, ApiError
from ..qingcloud.jobs import RUNNING, SUCCESSFUL, Job
from ..qingcloud.polling import JobTime
from ..qingcloud.retry import Deadline
from ..rules import AccountRuleError, AccountSpec, normalize_host

SERVICES = ("add_user", "del_user")
MAX_PAGES = 10  # at most 1,000 jobs are read for one decision


@dataclass(frozen=True)
class History:
    """The history of one user on one cluster, newest first, as far as it was read."""

    user: str
    newest_done: Job | None = None  # the newest successful add_user/del_user touching the user
    running: tuple[Job, ...] = ()  # add_user/del_user jobs touching the user still pending or working
    unreadable: int = 0  # add/del jobs newer than newest_done whose directive names no user
    durations: Mapping[str, JobTime] = field(default_factory=dict)  # service -> how long its jobs take

    @property
    def present(self) -> bool | None:
        """True: the newest successful job touching it is an add_user.  False: a del_user, or none
        is listed at all.  None: jobs that could be this user's have no readable directive."""
        if self.unreadable:
            return None
        if self.newest_done is None:
            return False
        return self.newest_done.request is not None and self.newest_done.request.service == "add_user"

    @property
    def why(self) -> str:
        """The evidence in words, for messages (ids only, never a directive)."""
        if self.unreadable:
            return f"{self.unreadable} job(s) whose directive names no user could be this account's"
        if self.newest_done is None or self.newest_done.request is None:
            return f"no successful add_user for {self.user} is listed"
        return f"the newest successful job touching {self.user} is {self.newest_done.request.service} {self.newest_done.job_id}"


def touches(job: Job, cluster: str, user: str) -> bool:
    request = job.request
    return (request is not None and request.service in SERVICES and request.params.get("user") == user
            and request.cluster in ("", cluster))  # fmt: skip


def pages(client: Client, cluster: str, deadline: Deadline, max_pages: int = MAX_PAGES) -> Iterator[Job]:
    """The cluster's jobs, newest first, page by page, as long as they are needed.

    DescribeClusterJobs is the cluster's own log; where an endpoint refuses it as
    a bad request, the caller's jobs (DescribeJobs without ids) serve instead,
    and ``touches`` keeps only this cluster's."""
    own_log = True
    for page in range(max_pages):
        offset = page * PAGE
        try:
            jobs, total = (
                client.cluster_jobs(cluster, deadline, offset, PAGE)
                if own_log
                else client.my_jobs(deadline, offset, PAGE)
            )
        except ApiError as err:
            if err.ret_code != BAD_PARAMETER or not own_log:
                raise
            own_log = False
            jobs, total = client.my_jobs(deadline, offset, PAGE)
        yield from jobs
        if not jobs or (page + 1) * PAGE >= total:
            return


def summarize(jobs: Iterable[Job], cluster: str, user: str) -> History:
    """Read newest first until the newest successful job touching ``user``."""
    running: list[Job] = []
    unreadable, seen = 0, []
    newest = None
    for job in jobs:
        seen.append(job)
        if job.request is None:
            unreadable += 1 if job.status == SUCCESSFUL else 0
            continue
        if not touches(job, cluster, user):
            continue
        if job.status in RUNNING:
            running.append(job)
        elif job.status == SUCCESSFUL:
            newest = job
            break
    return History(user, newest, tuple(running), unreadable, durations(seen))


def read_history(client: Client, cluster: str, user: str, deadline: Deadline, max_pages: int = MAX_PAGES) -> History:
    return summarize(pages(client, cluster, deadline, max_pages), cluster, user)


def durations(jobs: Iterable[Job]) -> dict[str, JobTime]:
    """How long this cluster's successful add_user and del_user jobs took, per service."""
    taken: dict[str, list[float]] = {}
    for job in jobs:
        seconds = job.seconds()
        if job.status == SUCCESSFUL and job.request is not None and seconds is not None:
            taken.setdefault(job.request.service, []).append(seconds)
    return {service: time for service, values in taken.items() if (time := JobTime.from_seconds(values))}


def same_request(job: Job, sent: Mapping[str, str]) -> bool:
    """Whether ``job`` was asked exactly what ``sent`` asks (password included; hosts compared normalized)."""
    if job.request is None:
        return False
    got = job.request.params
    if set(got) != set(sent):
        return False
    return all(_same_value(name, got[name], value) for name, value in sent.items())


def _same_value(name: str, got: object, sent: str) -> bool:
    if name == "host":
        try:
            return normalize_host(got) == normalize_host(sent)
        except AccountRuleError:
            return False
    return str(got) == sent


def made_as(job: Job | None, spec: AccountSpec) -> str:
    """The host entries the account was made with (for deleting it), else the declared ones."""
    host = job.request.params.get("host") if job is not None and job.request is not None else None
    try:
        return normalize_host(host) if host is not None else spec.host
    except AccountRuleError:
        return spec.host
