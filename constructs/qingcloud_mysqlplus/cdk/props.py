"""The props of one account: each literal checked by its row of the props table, tokens left for the bridge.

The props are declared once, in the bridge's table (:mod:`..bridge.fields`):
their defaults, docs, checks, and whether a change replaces the account
(``del_user`` then ``add_user``: there is no API to modify one).  A value that
is still a token at synth is left for the bridge, which checks it at deploy
time with the same rules.  Here are only the rules between props.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..bridge.fields import BY_NAME, FIELDS, REQUIRED, Field
from ..qingcloud.endpoint import Endpoint, plain_http_refused
from ..rules import AccountRuleError, Privilege, Rotation, check_privilege_scope, pair_of
from .framework import fw, unresolved

PROP_NAMES = tuple(f.name for f in FIELDS)
REPLACES = tuple(f.name for f in FIELDS if f.replaces)
DOCS = BY_NAME  # each prop's row (its shown default and doc), by name


class MysqlPlusAccountError(ValueError):
    """A prop that cannot work; one line naming the construct path, never a secret."""


class _ByName:
    """Each prop by its name in the table: ``props["user"]``, or ``props.user``."""

    values: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values", {})
        if name not in values:
            raise AttributeError(name)
        return values[name]


@dataclass(frozen=True, init=False)
class AccountProps(_ByName):
    """What a ``MysqlPlusAccount`` is given: every prop of the table, defaults filled in."""

    values: Mapping[str, Any]

    def __init__(self, **given: Any) -> None:
        unknown = sorted(set(given) - set(PROP_NAMES))
        missing = [f.name for f in FIELDS if f.default is REQUIRED and f.name not in given]
        if unknown or missing:
            raise TypeError(f"AccountProps: unknown props {unknown}, missing props {missing}")
        object.__setattr__(self, "values", {f.name: given.get(f.name, f.default) for f in FIELDS})

    def validate(self, path: str) -> Account:
        """Check every literal (tokens are left for the bridge) and normalize; raises MysqlPlusAccountError."""
        try:
            values = {f.name: _checked(f, self.values[f.name]) for f in FIELDS}  # in the table's order
            _check_between(values)
        except (AccountRuleError, _Refused) as err:
            raise MysqlPlusAccountError(f"{path}: {err}") from None
        cluster, user = values["cluster_id"], values["user"]
        key = f"{cluster}/{user}" if not unresolved(cluster) and not unresolved(user) else path
        return Account(path, key, values)


@dataclass(frozen=True)
class Account(_ByName):
    """One validated account: each prop by name, a normalized literal or a token for Terraform and the bridge."""

    path: str
    key: str  # cluster/user when both are literals (a rename changes nothing), else the construct path
    values: Mapping[str, Any]  # as given, but: host ;-joined, privilege a Privilege, ssl YES or NO,
    # timeout_seconds a string, password_env and endpoint "" when not given, bridge_command a tuple or None

    def literal(self, name: str) -> str | None:
        """A prop's value when known at synth, else None."""
        value = self.values[name]
        return None if unresolved(value) or value == "" else str(value)


class _Refused(Exception):
    """A refusal of props together, already worded as one line."""


def _checked(row: Field, value: Any) -> Any:
    """The row's check on a literal; a token (or, where the row takes a list, a list holding one) is the
    bridge's to check."""
    if not row.token:
        return row.normalize(value)
    if "Sequence[str]" in row.type and isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        if unresolved(value):
            return fw.Fn.join(";", list(value))  # a list token: Terraform joins it
        if any(unresolved(v) for v in value):
            return ";".join(value)  # Terraform interpolates the tokens; the bridge checks the result
    return value if unresolved(value) else row.normalize(value)


def _check_alternating(values: Mapping[str, Any]) -> None:
    """What a pair needs at synth: names and settings known (which account is active is decided from the
    stack's state by comparing them), a second name within 26 characters, and not a superuser."""
    from .lookups import LOOKUPS_ENV, off  # lookups reads the props' results, not the other way

    if values["privilege"] is Privilege.SUPERUSER:
        raise _Refused("rotation: ALTERNATING_USERS with privilege SUPERUSER would make two superusers, and a "
                       "MySQL Plus cluster allows only one; use Rotation.SINGLE_USER")  # fmt: skip
    tokens = [name for name in ("cluster_id", "user", "host", "database", "zone") if unresolved(values[name])]
    if tokens:
        raise _Refused(f"rotation: ALTERNATING_USERS needs {', '.join(tokens)} known at synth (a token was given), "
                       "since the active account is chosen there by comparing the declaration with the stack's "
                       "state")  # fmt: skip
    pair_of(values["user"])
    if off(os.environ):
        raise _Refused(f"rotation: ALTERNATING_USERS chooses the active account from the stack's state at synth, "
                       f"and {LOOKUPS_ENV}=0 turns that read off; unset it for this stack")  # fmt: skip


def _check_between(values: Mapping[str, Any]) -> None:
    """The rules between props: one source of the password, a superuser's database, plain http's consent."""
    password, env = values["password"], values["password_env"]
    if password is None and not env:
        raise _Refused("no password: pass password=ephemeral_password(...) or password_env='NAME'")
    if password is not None and env:
        raise _Refused("pass password or password_env, not both")
    if not unresolved(values["database"]):
        check_privilege_scope(values["privilege"], values["database"])
    endpoint = values["endpoint"]
    if endpoint and not unresolved(endpoint):
        parsed = Endpoint.parse(endpoint)
        if plain_http_refused(parsed, values["allow_insecure_http"]):
            raise _Refused(f"endpoint: received {parsed.url!r}, plain http to another host, which would carry the "
                           "signed requests and the password in clear; expected https://, http:// to this machine "
                           "(127.0.0.1, ::1, localhost), or allow_insecure_http=True for a private cloud on a "
                           "trusted network")  # fmt: skip
    if values["rotation"] is Rotation.ALTERNATING_USERS:
        _check_alternating(values)
