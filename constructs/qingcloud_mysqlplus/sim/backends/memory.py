"""Accounts kept in memory, with the rules that need the cluster's state."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any

from ...rules import AccountSpec, Privilege, host_entries
from .base import AccountConflict, AccountExists, AccountMissing


@dataclass
class StoredAccount:
    hosts: list[str]
    database: str
    privilege: Privilege
    ssl: str
    password_sha256: str = field(repr=False)


def check_add(existing: dict[str, StoredAccount], spec: AccountSpec) -> None:
    """Rules that need the cluster's state: duplicates and the one superuser."""
    if spec.user in existing:
        raise AccountExists(spec.user)
    if spec.privilege is Privilege.SUPERUSER:
        if any(a.privilege is Privilege.SUPERUSER for a in existing.values()):
            raise AccountConflict("a second superuser")


def remaining_hosts(existing: dict[str, StoredAccount], spec: AccountSpec) -> list[str]:
    """Assumed: del_user drops user@each listed host entry; missing when none of them exists."""
    account = existing.get(spec.user)
    wanted = host_entries(spec.host)
    if account is None or not set(wanted) & set(account.hosts):
        raise AccountMissing(spec.label)
    return [h for h in account.hosts if h not in wanted]


def describe(name: str, account: StoredAccount) -> dict[str, Any]:
    return {
        "user": name,
        "hosts": account.hosts,
        "database": account.database,
        "priv": account.privilege.value,
        "ssl": account.ssl,
    }


class MemoryBackend:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, StoredAccount] = {}

    def add(self, spec: AccountSpec, password: str) -> None:
        with self._lock:
            check_add(self._accounts, spec)
            digest = hashlib.sha256(password.encode()).hexdigest()
            self._accounts[spec.user] = StoredAccount(
                host_entries(spec.host), spec.database, spec.privilege, spec.ssl, digest
            )

    def delete(self, spec: AccountSpec) -> None:
        with self._lock:
            left = remaining_hosts(self._accounts, spec)
            if left:
                self._accounts[spec.user].hosts = left
            else:
                del self._accounts[spec.user]

    def exists(self, user: str) -> bool:
        with self._lock:
            return user in self._accounts

    def accounts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [describe(n, a) for n, a in sorted(self._accounts.items())]
