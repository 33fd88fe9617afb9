"""Accounts kept in memory, with the rules that need the cluster's state.

An account is one ``user@host`` entry, as MySQL keys them.  Whether a user
name may have entries made by two add_user jobs (a second host) is the
``second_host`` option: refused (the default), every user name has the entries
of one add_user at most.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...rules import AccountSpec, Privilege, host_entries
from .base import AccountConflict, AccountExists, AccountMissing

Entries = Mapping[tuple[str, str], "StoredEntry"]  # (user, host entry) -> what add_user made there


@dataclass
class StoredEntry:
    database: str
    privilege: Privilege
    ssl: str
    password_sha256: str = field(default="", repr=False)


def hosts_of(existing: Entries, user: str) -> list[str]:
    return [host for (name, host) in existing if name == user]


def taken(existing: Entries, user: str, hosts: list[str] | None) -> bool:
    """Whether add_user of ``user`` at ``hosts`` meets an existing account: any entry of the user name
    when ``hosts`` is None (a second host refused), else one of those entries."""
    have = hosts_of(existing, user)
    return bool(have) if hosts is None else bool(set(have) & set(hosts))


def check_add(existing: Entries, spec: AccountSpec, second_host: bool = False) -> None:
    """Rules that need the cluster's state: duplicates and the one superuser (per user name)."""
    if taken(existing, spec.user, host_entries(spec.host) if second_host else None):
        raise AccountExists(spec.user)
    if spec.privilege is Privilege.SUPERUSER:
        if any(e.privilege is Privilege.SUPERUSER for (user, _), e in existing.items() if user != spec.user):
            raise AccountConflict("a second superuser")


def dropped_hosts(existing: Entries, spec: AccountSpec) -> list[str]:
    """Assumed: del_user drops user@each listed host entry; missing when none of them exists."""
    wanted = host_entries(spec.host)
    found = [h for h in hosts_of(existing, spec.user) if h in wanted]
    if not found:
        raise AccountMissing(spec.label)
    return found


def describe(existing: Entries) -> list[dict[str, Any]]:
    """One row per user name: its host entries and settings.  Where a second host was added with other
    settings, the row's settings are its newest entry's and ``entries`` lists each entry's own."""
    rows: dict[str, dict[str, Any]] = {}
    for (user, host), entry in existing.items():
        row = rows.setdefault(user, {"user": user, "hosts": [], "entries": []})
        row["hosts"].append(host)
        settings = {"database": entry.database, "priv": entry.privilege.value, "ssl": entry.ssl}
        row["entries"].append({"host": host, **settings})
        row.update(settings)
    for row in rows.values():
        if len({(e["database"], e["priv"], e["ssl"]) for e in row["entries"]}) == 1:
            del row["entries"]
    return [rows[user] for user in sorted(rows)]


class MemoryBackend:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], StoredEntry] = {}

    def add(self, spec: AccountSpec, password: str, second_host: bool = False) -> None:
        with self._lock:
            check_add(self._entries, spec, second_host)
            digest = hashlib.sha256(password.encode()).hexdigest()
            for host in host_entries(spec.host):
                self._entries[(spec.user, host)] = StoredEntry(spec.database, spec.privilege, spec.ssl, digest)

    def delete(self, spec: AccountSpec) -> None:
        with self._lock:
            for host in dropped_hosts(self._entries, spec):
                del self._entries[(spec.user, host)]

    def exists(self, user: str, hosts: list[str] | None = None) -> bool:
        with self._lock:
            return taken(self._entries, user, hosts)

    def accounts(self) -> list[dict[str, Any]]:
        with self._lock:
            return describe(self._entries)
