"""What every backend shares: the refusals a job meets, and the protocol a backend follows."""

from __future__ import annotations

from typing import Any, Protocol

from ...rules import AccountSpec


class AccountConflict(Exception):
    """The account change cannot be made; the job ends failed."""


class AccountExists(AccountConflict):
    """add_user of a user name the cluster already has (with ``second_host=accept``: of a user@host entry it has)."""


class AccountMissing(AccountConflict):
    """del_user of a user@host of which no host entry exists."""


class Backend(Protocol):
    def add(self, spec: AccountSpec, password: str, second_host: bool = False) -> None: ...
    def delete(self, spec: AccountSpec) -> None: ...
    def accounts(self) -> list[dict[str, Any]]: ...
    def exists(self, user: str, hosts: list[str] | None = None) -> bool: ...


def user_names(backend: Backend) -> list[str]:
    """The user names that exist on a cluster, sorted."""
    return sorted(a["user"] for a in backend.accounts())
