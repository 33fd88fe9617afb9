"""The accounts a cluster's job history shows: for ``qingcloud-mysqlplus accounts``, apps and scripts.

QingCloud has no API that lists accounts.  The history does, as far as it
reaches: an account exists at a host entry when the newest successful account
job naming that entry is an add_user, and that job's directive holds what it
was made with.  A user may be at the entries of two add_user jobs (where
QingCloud takes a second host): each is an account here, with the entries
still there.  The facts, folded entry by entry, come from the one history
reader (:mod:`..qingcloud.history`);
only the non-secret fields of a directive are kept (never the password, the
access key id or the signature), and nothing here prints or loads cdktf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..qingcloud.client import Client
from ..qingcloud.errors import QingCloudError
from ..qingcloud.history import Depth, Facts, UserFacts, entries, read
from ..qingcloud.jobs import Job
from ..qingcloud.retry import Deadline

FIELDS = ("user", "host", "database", "priv", "ssl")  # add_user's service_params shown, in the JSON's order


class ClusterNotListed(QingCloudError):
    """DescribeClusters does not list the cluster: a wrong id or zone, or a key without rights on it."""

    def __init__(self, cluster: str, zone: str) -> None:
        super().__init__(f"{cluster} is not listed by DescribeClusters in zone {zone}: check the cluster id and "
                         "the zone, and that the access key's user may see the cluster")  # fmt: skip


@dataclass(frozen=True)
class Account:
    """One account as the add_user job that made it was asked (``priv`` is QingCloud's word)."""

    user: str
    host: str  # ";"-joined, as sent
    database: str
    priv: str
    ssl: str
    job_id: str
    created: str  # when that job ended: its status_time (its create_time when the record has none)
    channel: str  # the directive's sender.channel: "api", "console", or "" when it does not say
    params: tuple[str, ...] = field(default=(), compare=False)  # the names of its service_params (never a value)
    password_kept: bool = field(default=False, compare=False)  # its passwd is a valid password, not masked

    def as_json(self) -> dict[str, str]:
        return {"user": self.user, "host": self.host, "database": self.database, "priv": self.priv,
                "ssl": self.ssl, "job_id": self.job_id, "created": self.created, "channel": self.channel}  # fmt: skip


@dataclass(frozen=True)
class Uncertain:
    """A user whose account may or may not exist, and why (ids and counts only)."""

    user: str
    why: str


@dataclass(frozen=True)
class Inventory:
    cluster: str
    accounts: tuple[Account, ...]
    uncertain: tuple[Uncertain, ...]
    depth: Depth
    unreadable: int = 0  # jobs of this cluster (or naming none) whose directive cannot be read: anyone's

    @property
    def history_complete(self) -> bool:
        """The list is the whole truth: the history was read to its end and every job in it could be read.
        False: accounts made before the read's reach, or by an unreadable job, may exist unlisted."""
        return self.depth.complete and not self.unreadable

    def as_json(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "history_complete": self.history_complete,
                "accounts": [a.as_json() for a in self.accounts], "uncertain": [u.user for u in self.uncertain]}  # fmt: skip


def inventory(client: Client, cluster: str, deadline: Deadline) -> Inventory:
    """Read the whole history (as far as the deadline and the page cap allow) into an inventory."""
    if client.cluster_info(cluster, deadline) is None:  # also the app_id the history read needs
        raise ClusterNotListed(cluster, client.zone)
    return from_facts(read(client, cluster, deadline))


def from_facts(facts: Facts) -> Inventory:
    accounts: list[Account] = []
    uncertain: list[Uncertain] = []
    for user, found in sorted(facts.users.items()):
        why = _doubt(found)
        if why:
            uncertain.append(Uncertain(user, why))
        elif found.live:
            accounts.extend(account_of(user, job, hosts) for job, hosts in found.live)
        elif found.newest_done is not None and _service(found.newest_done) == "add_user":  # its host unreadable
            accounts.append(account_of(user, found.newest_done))
    return Inventory(facts.cluster, tuple(accounts), tuple(uncertain), facts.depth, facts.unknown)


def _doubt(found: UserFacts) -> str:
    if found.running:
        job = found.running[-1]  # the oldest still running: the next change
        return f"{_service(job)} job {job.job_id} is still {job.status}"
    if found.unknown:
        return f"{found.unknown} newer job(s) without a readable directive could be its"
    return ""


def _service(job: Job) -> str:
    return job.request.service if job.request is not None else ""


def account_of(user: str, job: Job, hosts: tuple[str, ...] | None = None) -> Account:
    """The account an add_user made, from its directive's params (the password is never read out);
    ``hosts``: its entries still there, when a del_user removed some since."""
    params = job.request.params if job.request is not None else {}
    shown = {name: _text(params.get(name)) for name in FIELDS}
    if hosts is not None and set(hosts) != set(entries(params.get("host"))):
        shown["host"] = ";".join(hosts)
    return Account(user=user, host=shown["host"], database=shown["database"], priv=shown["priv"], ssl=shown["ssl"],
                   job_id=job.job_id, created=job.status_time or job.create_time,
                   channel=job.request.channel if job.request is not None else "",
                   params=tuple(sorted(str(name) for name in params)),
                   password_kept=job.request is not None and job.request.kept_password() is not None)  # fmt: skip


def _text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return "" if value is None else str(value)


__all__ = ["Account", "ClusterNotListed", "Inventory", "Uncertain", "inventory"]
