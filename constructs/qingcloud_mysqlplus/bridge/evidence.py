"""What the cluster's job history proves about one account, for the bridge's decisions.

The facts come from the one history reader (:mod:`..qingcloud.history`); the
rules here are the bridge's: the newest *successful* add_user or del_user
touching a user tells whether the account exists now; no such job listed
means "not there" only when the whole listing was read; jobs that could be
this user's but have no readable directive make it unknown.  The directive of
an add_user holds the password in clear: it is compared here in memory and
never kept, printed or raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..qingcloud.client import Client
from ..qingcloud.history import MAX_PAGES, Depth, UserFacts, read
from ..qingcloud.jobs import Job
from ..qingcloud.polling import JobTime
from ..qingcloud.retry import Deadline
from ..rules import AccountRuleError, AccountSpec, normalize_host

READ_SHARE = 0.5  # a deep read may take at most this share of what is left of the deadline


@dataclass(frozen=True)
class History:
    """The history of one user on one cluster, newest first, as far as it was read."""

    user: str
    facts: UserFacts = field(default_factory=UserFacts)
    depth: Depth = field(default_factory=Depth)
    durations: Mapping[str, JobTime] = field(default_factory=dict)  # service -> how long its jobs take

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
    def why(self) -> str:
        """The evidence in words, for messages (ids and depth only, never a directive)."""
        done, read_words = self.facts.newest_done, self.depth.words
        if self.facts.unknown:
            return f"{self.facts.unknown} job(s) whose directive cannot be read could be this account's ({read_words})"
        if done is None or done.request is None:
            return f"no successful add_user for {self.user} is listed ({read_words})"
        return f"the newest successful job touching {self.user} is {done.request.service} {done.job_id}"


def read_history(client: Client, cluster: str, user: str, deadline: Deadline, max_pages: int = MAX_PAGES,
                 expect: str | None = None) -> History:  # fmt: skip
    """One user's history; a deep read keeps part of the deadline for what follows it.  ``expect``: the
    id of a job just run on the cluster, which a listing that proves anything must show."""
    budget = Deadline(deadline.remaining() * READ_SHARE, deadline.clock) if max_pages > 1 else deadline
    facts = read(client, cluster, budget, [user], max_pages, expect)
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


def made_as(job: Job | None, spec: AccountSpec) -> str:
    """The host entries the account was made with (for deleting it), else the declared ones."""
    host = job.request.params.get("host") if job is not None and job.request is not None else None
    try:
        return normalize_host(host) if host is not None else spec.host
    except AccountRuleError:
        return spec.host
