"""The one reader of a cluster's job history: plain facts about its accounts, no decisions.

QingCloud has no API that lists accounts, and a failed job says nothing of
why: the history is the evidence.  This module reads it, newest first, and
returns per user its *successful* add_user and del_user jobs in the pages read,
folded host entry by host entry (MySQL keys accounts by user and host, and
QingCloud may take a second host for a user: each entry is there when the
newest successful job naming it is an add_user), the account jobs still
running, how many jobs that could be its have no readable directive, and how
far the read reached.  The bridge (:mod:`..bridge.evidence`), the construct
(:mod:`..cdk.verdicts`) and the inventory (:mod:`..bridge.inventory`) each
interpret these facts with their own small rules.

What the listing holds is not ours to choose (QINGCLOUD_API.md §0b):
DescribeClusterJobs may answer an application's jobs on every cluster, and a
key runs backups, restarts and other clusters' account jobs (with the same
user names) beside ours.  Only this cluster's jobs count: a record names its
clusters in ``resource_ids`` / ``resources`` and its directive.  A job whose
directive names another action or service is evidence about nothing; a job
whose directive cannot be read might be any account's.  A read that stopped
(page cap, deadline, error) proves nothing about what lies below it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from ..rules import AccountRuleError, normalize_host
from .client import PAGE, Client
from .errors import BAD_PARAMETER, ApiError, DeadlineExceeded, QingCloudError
from .jobs import CUSTOM_SERVICE, RUNNING, SUCCESSFUL, Job
from .polling import JobTime
from .retry import Deadline

ACCOUNT_SERVICES = ("add_user", "del_user")
MAX_PAGES = 100  # 10,000 jobs; the deadline usually ends a read before this
CLUSTER_LOG, CALLER_LOG = "DescribeClusterJobs", "DescribeJobs"


@dataclass(frozen=True)
class Depth:
    """How far a read reached: ``complete`` only when it read to the end of the listing."""

    records: int = 0  # job records read (every cluster's)
    pages: int = 0
    complete: bool = False
    stopped: str = ""  # why an incomplete read stopped: "page cap", "deadline", or an error
    oldest: str = ""  # the create_time of the oldest record read
    source: str = CLUSTER_LOG  # the listing read: DescribeClusterJobs, or DescribeJobs as a fallback

    @property
    def words(self) -> str:
        """For messages: "read to the end: 2,000 jobs, back to T" or "read 1,000 jobs, back to T, then
        stopped (page cap): older ones unknown"."""
        back = f", back to {self.oldest}" if self.oldest else ""
        if self.complete:
            return f"read to the end: {self.records:,} jobs{back}"
        return (
            f"read {self.records:,} jobs{back}, then stopped ({self.stopped or 'not at the end'}): older ones unknown"
        )


def entries(host: object) -> tuple[str, ...]:
    """The host entries an add_user or del_user names (``%``, addresses, subnets); () when unreadable."""
    try:
        return tuple(normalize_host(host).split(";"))
    except AccountRuleError:
        return ()


def hosts_of(job: Job) -> tuple[str, ...]:
    """The host entries a job's directive names; () when it names none readable."""
    return entries(job.request.params.get("host")) if job.request is not None else ()


def service_of(job: Job) -> str:
    return job.request.service if job.request is not None else ""


Live = tuple[Job, tuple[str, ...]]  # an add_user still (partly) there, with its entries still there


@dataclass(frozen=True)
class UserFacts:
    """What the read found about one user on this cluster, newest first.

    ``done``: the user's successful add_user/del_user jobs in the pages read, newest first.  Folded
    entry by entry: an entry is there when the newest of them naming it is an add_user (:attr:`live`),
    deleted since when it is a del_user (:attr:`deleted`), and unknown when none in the read names it."""

    newest_done: Job | None = None  # the newest successful add_user/del_user touching it
    running: tuple[Job, ...] = ()  # its add_user/del_user jobs still pending or working, newer than that
    unknown: int = 0  # jobs newer than ``newest_done`` (or than the read's end) that could be its
    done: tuple[Job, ...] = ()  # every successful add_user/del_user of it in the pages read, newest first

    def __post_init__(self) -> None:
        if not self.done and self.newest_done is not None:
            object.__setattr__(self, "done", (self.newest_done,))

    def newest_at(self) -> dict[str, Job]:
        """Each host entry named in ``done`` -> the newest job naming it."""
        newest: dict[str, Job] = {}
        for job in self.done:
            for host in hosts_of(job):
                newest.setdefault(host, job)
        return newest

    @property
    def live(self) -> tuple[Live, ...]:
        """The add_user jobs whose entries are (partly) still there, newest first, with those entries."""
        newest, found = self.newest_at(), []
        for job in self.done:
            hosts = tuple(h for h in hosts_of(job) if newest.get(h) is job and service_of(job) == "add_user")
            if hosts:
                found.append((job, hosts))
        return tuple(found)

    @property
    def deleted(self) -> tuple[str, ...]:
        """The entries a del_user removed since any add_user naming them (newest first)."""
        return tuple(h for h, job in self.newest_at().items() if service_of(job) == "del_user")

    def at(self, host: str) -> bool | None:
        """Whether every entry of ``host`` is there by the pages read: True; False when one is not (deleted
        since, or named by no job while the user's jobs are found); None when no job of the user is."""
        newest = self.newest_at()
        seen = [newest.get(h) for h in entries(host)]
        if seen and all(job is not None and service_of(job) == "add_user" for job in seen):
            return True
        return False if self.done else None

    def made(self, host: str) -> Job | None:
        """The add_user that made the user at ``host`` (every entry of it, and no other), when it is there."""
        wanted = set(entries(host))
        return next((job for job, hosts in self.live if set(hosts) == wanted == set(hosts_of(job))), None)

    def others(self, host: str) -> tuple[str, ...]:
        """The user's entries still there other than those of ``host`` (normalized, ``;``-joined each)."""
        wanted = set(entries(host))
        return tuple(";".join(h for h in hosts if h not in wanted) for _job, hosts in self.live
                     if set(hosts) - wanted)  # fmt: skip

    def answered(self, host: str | None) -> bool:
        """Whether older pages can change nothing of interest: the newest successful job is found, and an
        add_user of the user is (its entries are the newest made), or each entry of ``host`` is named."""
        if not self.done:
            return False
        if any(service_of(job) == "add_user" for job in self.done):
            return True
        return host is not None and set(entries(host)) <= set(self.newest_at())


@dataclass(frozen=True)
class Facts:
    cluster: str
    users: dict[str, UserFacts]
    depth: Depth
    durations: dict[str, JobTime] = field(default_factory=dict)  # service -> this cluster's job time
    unknown: int = 0  # jobs of this cluster (or of no named cluster) without a readable directive

    def of(self, user: str) -> UserFacts:
        return self.users.get(user, UserFacts(unknown=self.unknown))


def cluster_of(job: Job, cluster: str) -> bool | None:
    """Whether the record is this cluster's job; None when it names no cluster at all."""
    named = {r for r in job.resources if r.startswith("cl-")}
    if job.request is not None and job.request.cluster:
        named.add(job.request.cluster)
    return (cluster in named) if named else None


def account_user(job: Job) -> str | None:
    """The user an add_user/del_user names; None for any other job (or a readable one naming none)."""
    request = job.request
    if request is None or request.action != CUSTOM_SERVICE or request.service not in ACCOUNT_SERVICES:
        return None
    user = request.params.get("user")
    return user if isinstance(user, str) else None


def listing(client: Client, cluster: str, deadline: Deadline, max_pages: int) -> Iterator[tuple[list[Job], Depth]]:
    """Pages of the cluster's listing with the depth reached after each; the last says why it ended.

    DescribeClusterJobs is asked in both its forms; where an endpoint refuses it as a bad
    request, the caller's jobs (DescribeJobs without ids) serve instead.  The first page's
    error is raised (nothing was read), and so is a later refusal (a ret_code); a later lost
    answer or the deadline ends the read, incomplete."""
    depth, seen, offset = Depth(), set[str](), 0
    for page in range(max_pages):
        if page and deadline.remaining() <= 0:
            yield [], replace(depth, stopped="deadline")
            return
        try:
            jobs, total = _page(client, cluster, deadline, offset, depth)
        except ApiError as err:
            if err.ret_code != BAD_PARAMETER or depth.source != CLUSTER_LOG or page:
                raise
            depth = replace(depth, source=CALLER_LOG)
            jobs, total = _page(client, cluster, deadline, offset, depth)
        except QingCloudError as err:
            if not page:
                raise
            why = "deadline" if isinstance(err, DeadlineExceeded) else str(err)
            yield [], replace(depth, stopped=why)
            return
        fresh = [j for j in jobs if j.job_id not in seen]  # a job started meanwhile shifts the pages
        seen.update(j.job_id for j in fresh)
        offset += len(jobs)  # a server may answer fewer than asked: the end is the total, or an empty page
        end = not jobs or (offset >= total if total > 0 else len(jobs) < PAGE)
        oldest = jobs[-1].create_time if jobs else depth.oldest
        depth = replace(depth, records=depth.records + len(fresh), pages=page + 1, complete=end, oldest=oldest)
        if not end and page + 1 == max_pages:
            depth = replace(depth, stopped="page cap")
        yield fresh, depth
        if end:
            return


def _page(client: Client, cluster: str, deadline: Deadline, offset: int, depth: Depth) -> tuple[list[Job], int]:
    if depth.source == CLUSTER_LOG:
        return client.cluster_jobs(cluster, deadline, offset, PAGE)
    return client.my_jobs(deadline, offset, PAGE)


class _Reader:
    """Folds records, newest first, into per-user facts."""

    def __init__(self, cluster: str, users: set[str] | None, hosts: Mapping[str, str | None]) -> None:
        self.cluster, self.users, self.hosts = cluster, users, hosts
        self.done_of: dict[str, list[Job]] = {}
        self.unknown_then: dict[str, int] = {}  # user -> the unknown count when its newest done was found
        self.running: dict[str, list[Job]] = {}
        self.unknown = 0
        self.timed: dict[str, list[float]] = {}

    def done(self) -> bool:
        return self.users is not None and all(self._user(u).answered(self.hosts.get(u)) for u in self.users)

    def take(self, job: Job) -> None:
        mine, user = cluster_of(job, self.cluster), account_user(job)
        if mine is False:
            return
        if job.request is None or (mine is None and user is not None):
            self.unknown += job.status != "failed"  # could be any account's; a failed job changes nothing (assumed)
            return
        if mine:
            self._time(job)
        if user is None or (self.users is not None and user not in self.users):
            return
        if job.status in RUNNING and user not in self.done_of:
            self.running.setdefault(user, []).append(job)
        elif job.status == SUCCESSFUL:
            self.unknown_then.setdefault(user, self.unknown)
            self.done_of.setdefault(user, []).append(job)

    def _time(self, job: Job) -> None:
        seconds = job.seconds()
        if job.status == SUCCESSFUL and job.request is not None and seconds is not None:
            self.timed.setdefault(job.request.service or job.request.action, []).append(seconds)

    def _user(self, user: str) -> UserFacts:
        done = tuple(self.done_of.get(user, ()))
        unknown = self.unknown_then[user] if done else self.unknown
        return UserFacts(done[0] if done else None, tuple(self.running.get(user, ())), unknown, done)

    def facts(self, depth: Depth) -> Facts:
        users = {user: self._user(user) for user in (*self.done_of, *self.running)}
        durations = {s: t for s, values in self.timed.items() if (t := JobTime.from_seconds(values))}
        return Facts(self.cluster, users, depth, durations, self.unknown)


def read(client: Client, cluster: str, deadline: Deadline, users: Iterable[str] | None = None,
         max_pages: int = MAX_PAGES, expect: str | None = None,
         hosts: Mapping[str, str | None] | None = None) -> Facts:  # fmt: skip
    """The facts about ``users`` (every user seen, when None) on ``cluster``.

    Reading stops once each named user is answered (:meth:`UserFacts.answered`: its newest successful
    account job is found, and an add_user of it, or each entry of its host in ``hosts`` is named), at
    the end of the listing, at ``max_pages``, or at the deadline (``Facts.depth`` says which).
    ``expect``: a job this process just ran on the cluster; a listing that reaches its end without it
    does not show this cluster's jobs (another application's, say), so it proves nothing either."""
    reader = _Reader(cluster, None if users is None else set(users), hosts or {})
    reached, shown = Depth(), expect is None
    for jobs, depth in listing(client, cluster, deadline, max_pages):
        reached, shown = depth, shown or any(job.job_id == expect for job in jobs)
        for job in jobs:
            reader.take(job)
        if reader.done():
            break
    if not shown and reached.complete:
        reached = replace(reached, complete=False, stopped=f"the listing does not show job {expect}, just run here")
    return reader.facts(reached)
