"""What the cluster's job history proves about one account, for the bridge's decisions.

The listing, which records are this cluster's and whose, and the fold host
entry by host entry come from the history reader (:mod:`..qingcloud.history`);
the rules here are the bridge's: the newest *successful* add_user or del_user
touching a user tells whether the account exists now; no such job listed means
"not there" only when the whole listing was read; jobs that could be this
user's but have no readable directive make it unknown.  Where QingCloud takes
a second host for a user (MySQL keys accounts by user and host), a user may be
at the entries of two add_user jobs: the reader's fold says which are there.
The directive of an add_user holds the password in clear: it is compared here
in memory and never kept, printed or raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..qingcloud.client import Client
from ..qingcloud.history import MAX_PAGES, Depth, Live, UserFacts, entries, read
from ..qingcloud.jobs import Job
from ..qingcloud.polling import JobTime
from ..qingcloud.retry import Deadline
from ..rules import AccountRuleError, normalize_host

READ_SHARE = 0.5  # a deep read may take at most this share of what is left of the deadline


@dataclass(frozen=True)
class History:
    """The history of one user on one cluster, newest first, as far as it was read.

    ``done``: the user's successful add_user/del_user jobs, newest first, in the pages read.  A user
    may have entries made by two add_user jobs (where QingCloud accepts a second host, as MySQL keys
    accounts by user and host): each host entry is there when the newest job in ``done`` touching it
    is an add_user (the reader's fold, :class:`..qingcloud.history.UserFacts`)."""

    user: str
    facts: UserFacts = field(default_factory=UserFacts)
    depth: Depth = field(default_factory=Depth)
    durations: Mapping[str, JobTime] = field(default_factory=dict)  # service -> how long its jobs take
    done: tuple[Job, ...] = ()

    def __post_init__(self) -> None:
        if not self.done and self.facts.done:
            object.__setattr__(self, "done", self.facts.done)

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

    @property
    def live(self) -> tuple[Live, ...]:
        """The add_user jobs whose entries are (partly) still there, newest first, with those entries."""
        return self.facts.live

    def present_at(self, host: str) -> bool | None:
        """Whether the user exists at every entry of ``host``: as :attr:`present`, entry by entry.  An
        entry no job in the read touches is not there once any successful job of the user is found."""
        if self.facts.unknown:
            return None
        found = self.facts.at(host)
        if found is None and self.depth.complete:
            return False
        return found

    def made(self, host: str) -> Job | None:
        """The add_user that made the user at ``host`` (every entry of it, and no other), when it is there."""
        return self.facts.made(host)

    def others(self, host: str) -> tuple[str, ...]:
        """The user's entries still there other than those of ``host`` (normalized, ``;``-joined each)."""
        return self.facts.others(host)

    @property
    def why(self) -> str:
        """The evidence in words, for messages (ids and depth only, never a directive)."""
        done, read_words = self.facts.newest_done, self.depth.words
        if self.facts.unknown:
            return f"{self.facts.unknown} job(s) whose directive cannot be read could be this account's ({read_words})"
        if done is None or done.request is None:
            return f"no successful add_user for {self.user} is listed ({read_words})"
        return f"the newest successful job touching {self.user} is {done.request.service} {done.job_id}"


def read_history(client: Client, cluster: str, user: str, deadline: Deadline, max_pages: int = MAX_PAGES,
                 expect: str | None = None, host: str | None = None) -> History:  # fmt: skip
    """One user's history; a deep read keeps part of the deadline for what follows it.  ``expect``: the
    id of a job just run on the cluster, which a listing that proves anything must show.  ``host``: the
    entries the caller asks about (the read goes on until each is resolved or an add_user is found)."""
    budget = Deadline(deadline.remaining() * READ_SHARE, deadline.clock) if max_pages > 1 else deadline
    facts = read(client, cluster, budget, [user], max_pages, expect, {user: host})
    return History(user, facts.of(user), facts.depth, facts.durations)


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


__all__ = ["History", "entries", "read_history", "same_request"]
