"""What the cluster's job history proves about one account, for the bridge's decisions.

The listing, and which records are this cluster's and whose, come from the
history reader (:mod:`..qingcloud.history`); the rules here are the bridge's:
the newest *successful* add_user or del_user touching a user tells whether the
account exists now; no such job listed means "not there" only when the whole
listing was read; jobs that could be this user's but have no readable
directive make it unknown.  Where QingCloud takes a second host for a user
(unknown: MySQL keys accounts by user and host), a user may be at the entries
of two add_user jobs, so the bridge folds the records itself, host entry by
host entry (:class:`_Fold`): the reader keeps only the newest job per user.  The directive of
an add_user holds the password in clear: it is compared here in memory and
never kept, printed or raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ..qingcloud.client import Client
from ..qingcloud.history import MAX_PAGES, Depth, UserFacts, account_user, cluster_of, listing
from ..qingcloud.jobs import RUNNING, SUCCESSFUL, Job
from ..qingcloud.polling import JobTime
from ..qingcloud.retry import Deadline
from ..rules import AccountRuleError, normalize_host

READ_SHARE = 0.5  # a deep read may take at most this share of what is left of the deadline


def entries(host: object) -> tuple[str, ...]:
    """The host entries an add_user or del_user names (``%``, addresses, subnets); () when unreadable."""
    try:
        return tuple(normalize_host(host).split(";"))
    except AccountRuleError:
        return ()


def _hosts_of(job: Job) -> tuple[str, ...]:
    return entries(job.request.params.get("host")) if job.request is not None else ()


def _service(job: Job) -> str:
    return job.request.service if job.request is not None else ""


@dataclass(frozen=True)
class History:
    """The history of one user on one cluster, newest first, as far as it was read.

    ``done``: the user's successful add_user/del_user jobs, newest first, in the pages read.  A user
    may have entries made by two add_user jobs (where QingCloud accepts a second host, as MySQL keys
    accounts by user and host): each host entry is there when the newest job in ``done`` touching it
    is an add_user."""

    user: str
    facts: UserFacts = field(default_factory=UserFacts)
    depth: Depth = field(default_factory=Depth)
    durations: Mapping[str, JobTime] = field(default_factory=dict)  # service -> how long its jobs take
    done: tuple[Job, ...] = ()

    @property
    def newest_done(self) -> Job | None:
        return self.facts.newest_done

    @property
    def running(self) -> tuple[Job, ...]:
        return self.facts.running

    @property
    def present(self) -> bool | None:
        """True: the newest successful job touching it is an add_user.  False: a del_user, or none is
        listed in a read that reached the end.  None: jobs that could be its have no readable
        directive, or the read stopped before finding any."""
        if self.facts.unknown:
            return None
        done = self.facts.newest_done
        if done is None:
            return False if self.depth.complete else None
        return done.request is not None and done.request.service == "add_user"

    def _newest(self) -> dict[str, Job]:
        """Each host entry seen -> the newest job in ``done`` touching it."""
        newest: dict[str, Job] = {}
        for job in self.done:
            for host in _hosts_of(job):
                newest.setdefault(host, job)
        return newest

    @property
    def live(self) -> tuple[tuple[Job, tuple[str, ...]], ...]:
        """The add_user jobs whose entries are (partly) still there, newest first, with those entries."""
        newest = self._newest()
        found = []
        for job in self.done:
            hosts = tuple(h for h in _hosts_of(job) if newest.get(h) is job and _service(job) == "add_user")
            if hosts:
                found.append((job, hosts))
        return tuple(found)

    def present_at(self, host: str) -> bool | None:
        """Whether the user exists at every entry of ``host``: as :attr:`present`, entry by entry.  An
        entry no job in the read touches is not there once any successful job of the user is found."""
        if self.facts.unknown:
            return None
        newest = self._newest()
        seen = [newest.get(h) for h in entries(host)]
        if seen and all(job is not None and _service(job) == "add_user" for job in seen):
            return True
        if self.done or self.depth.complete:
            return False
        return None

    def made(self, host: str) -> Job | None:
        """The add_user that made the user at ``host`` (every entry of it, and no other), when it is there."""
        wanted = set(entries(host))
        return next((job for job, hosts in self.live if set(hosts) == wanted == set(_hosts_of(job))), None)

    def others(self, host: str) -> tuple[str, ...]:
        """The user's entries still there other than those of ``host`` (normalized, ``;``-joined each)."""
        wanted = set(entries(host))
        return tuple(";".join(h for h in hosts if h not in wanted) for _job, hosts in self.live
                     if set(hosts) - wanted)  # fmt: skip

    @property
    def why(self) -> str:
        """The evidence in words, for messages (ids and depth only, never a directive)."""
        done, read_words = self.facts.newest_done, self.depth.words
        if self.facts.unknown:
            return f"{self.facts.unknown} job(s) whose directive cannot be read could be this account's ({read_words})"
        if done is None or done.request is None:
            return f"no successful add_user for {self.user} is listed ({read_words})"
        return f"the newest successful job touching {self.user} is {done.request.service} {done.job_id}"


class _Fold:
    """One user's jobs, newest first: what :func:`..qingcloud.history.read` finds, and every successful
    account job of the user in the pages read (a second host may hide behind the newest job)."""

    def __init__(self, cluster: str, user: str, hosts: tuple[str, ...] | None) -> None:
        self.cluster, self.user, self.hosts = cluster, user, hosts
        self.done: list[Job] = []
        self.running: list[Job] = []
        self.unknown, self.unknown_then = 0, 0
        self.timed: dict[str, list[float]] = {}

    def take(self, job: Job) -> None:
        mine, user = cluster_of(job, self.cluster), account_user(job)
        if mine is False:
            return
        if job.request is None or (mine is None and user is not None):
            self.unknown += job.status != "failed"  # could be any account's; a failed job changes nothing (assumed)
            return
        seconds = job.seconds() if mine else None
        if seconds is not None and job.status == SUCCESSFUL:
            self.timed.setdefault(job.request.service or job.request.action, []).append(seconds)
        if user != self.user:
            return
        if job.status in RUNNING and not self.done:
            self.running.append(job)
        elif job.status == SUCCESSFUL:
            self.unknown_then = self.unknown if not self.done else self.unknown_then
            self.done.append(job)

    def answered(self) -> bool:
        """The newest successful job is found, and (when hosts are asked about) each of them is resolved
        or an add_user of the user is: what older pages hold would change nothing the bridge decides."""
        if not self.done:
            return False
        if self.hosts is None or any(_service(j) == "add_user" for j in self.done):
            return True
        touched = {h for job in self.done for h in _hosts_of(job)}
        return set(self.hosts) <= touched

    def history(self, depth: Depth) -> History:
        newest = self.done[0] if self.done else None
        facts = UserFacts(newest, tuple(self.running), self.unknown_then if newest else self.unknown)
        durations = {s: t for s, values in self.timed.items() if (t := JobTime.from_seconds(values))}
        return History(self.user, facts, depth, durations, tuple(self.done))


def read_history(client: Client, cluster: str, user: str, deadline: Deadline, max_pages: int = MAX_PAGES,
                 expect: str | None = None, host: str | None = None) -> History:  # fmt: skip
    """One user's history; a deep read keeps part of the deadline for what follows it.  ``expect``: the
    id of a job just run on the cluster, which a listing that proves anything must show.  ``host``: the
    entries the caller asks about (the read goes on until each is resolved or an add_user is found)."""
    budget = Deadline(deadline.remaining() * READ_SHARE, deadline.clock) if max_pages > 1 else deadline
    fold = _Fold(cluster, user, entries(host) if host is not None else None)
    reached, shown = Depth(), expect is None
    for jobs, depth in listing(client, cluster, budget, max_pages):
        reached, shown = depth, shown or any(job.job_id == expect for job in jobs)
        for job in jobs:
            fold.take(job)
        if fold.answered():
            break
    if not shown and reached.complete:
        reached = replace(reached, complete=False, stopped=f"the listing does not show job {expect}, just run here")
    return fold.history(reached)


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
