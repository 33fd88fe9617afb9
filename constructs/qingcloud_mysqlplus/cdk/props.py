"""The props of one account: token-aware validation of the literals, and the validated account.

The props are declared once, in the bridge's table (:mod:`..bridge.fields`):
their defaults, docs, and whether a change replaces the account
(``del_user`` then ``add_user``: there is no API to modify one).  A value that
is still a token at synth is left for the bridge, which checks it at deploy
time with the same rules.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..bridge.fields import BY_NAME, FIELDS, REQUIRED
from ..qingcloud.endpoint import DEFAULT_ENDPOINT, Endpoint, plain_http_refused
from ..rules import (
    AccountRuleError,
    Privilege,
    Rotation,
    check_cluster_id,
    check_database,
    check_privilege_scope,
    check_user,
    check_zone,
    normalize_host,
    normalize_privilege,
    normalize_rotation,
    normalize_ssl,
    pair_of,
    shown,
)
from .framework import fw, unresolved

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PROP_NAMES = tuple(f.name for f in FIELDS)
REPLACES = tuple(f.name for f in FIELDS if f.replaces)
DOCS = BY_NAME  # each prop's row (its shown default and doc), by name
FLAGS = tuple(f.name for f in FIELDS if f.boolean and f.name != "ssl")  # True or False (ssl takes YES/NO too)
T = TypeVar("T")


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
            return self._account(path)
        except AccountRuleError as err:
            raise MysqlPlusAccountError(f"{path}: {err}") from None
        except _Refused as err:
            raise MysqlPlusAccountError(f"{path}: {err}") from None

    def _account(self, path: str) -> Account:
        """The checks in the order of their messages; the props without a check of their own pass as given."""
        user, cluster = _literal(check_user, self.user), _literal(check_cluster_id, self.cluster_id)
        if not unresolved(self.zone) and not (isinstance(self.zone, str) and self.zone == check_zone(self.zone)):
            raise _Refused(f"zone: received {shown(self.zone)}; expected a lower-case zone such as sh1a or pek3a")
        database = _literal(check_database, self.database)
        privilege, ssl = normalize_privilege(self.privilege), normalize_ssl(self.ssl)
        if not unresolved(database):
            check_privilege_scope(privilege, database)
        self._check_password()
        self._check_numbers_and_flags()
        if self.endpoint is not None and not unresolved(self.endpoint):
            self._check_endpoint(self.endpoint)
        literal_cluster, literal_user = not unresolved(cluster), not unresolved(user)
        key = f"{cluster}/{user}" if literal_cluster and literal_user else path
        checked = {"cluster_id": cluster, "user": user, "host": _host(self.host), "database": database,
                   "privilege": privilege, "ssl": ssl, "password_env": self.password_env or "",
                   "endpoint": self.endpoint or "", "timeout_seconds": str(self.timeout_seconds),
                   "bridge_command": tuple(self.bridge_command) if self.bridge_command else None}  # fmt: skip
        checked["rotation"] = normalize_rotation(self.rotation)
        if checked["rotation"] is Rotation.ALTERNATING_USERS:
            _check_alternating(checked, self.zone)
        return Account(path, key, {**self.values, **checked})

    def _check_password(self) -> None:
        if self.password is None and self.password_env is None:
            raise _Refused("no password: pass password=ephemeral_password(...) or password_env='NAME'")
        if self.password is not None and self.password_env is not None:
            raise _Refused("pass password or password_env, not both")
        if self.password is not None and not unresolved(self.password):
            raise _Refused(
                "password: received a literal string, which would be written to cdk.tf.json; "
                "expected a token: use password=ephemeral_password(stack, 'name') and set TF_VAR_name "
                "at deploy time, or password_env='NAME' to have the bridge read $NAME"
            )
        env = self.password_env
        if env is not None and not (isinstance(env, str) and ENV_NAME.fullmatch(env)):
            raise _Refused(f"password_env: received {shown(env)}; expected an environment variable name")

    def _check_numbers_and_flags(self) -> None:
        version, timeout = self.password_version, self.timeout_seconds
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise _Refused(f"password_version: received {shown(version)}; expected a whole number from 1")
        number = isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
        if not number or not math.isfinite(timeout) or timeout <= 0:
            raise _Refused(f"timeout_seconds: received {shown(timeout)}; expected a positive number")
        for name in FLAGS:
            if not isinstance(self.values[name], bool):
                raise _Refused(f"{name}: received {shown(self.values[name])}; expected True or False")

    def _check_endpoint(self, endpoint: object) -> None:
        """The bridge's own parser and plain-http rule, on a literal (a token is the bridge's to check)."""
        parsed = _parsed(endpoint)
        if parsed is None:
            raise _Refused(f"endpoint: received {shown(endpoint)}; expected a URL such as {DEFAULT_ENDPOINT}")
        if plain_http_refused(parsed, self.allow_insecure_http):
            raise _Refused(f"endpoint: received {parsed.url!r}, plain http to another host, which would carry the "
                           "signed requests and the password in clear; expected https://, http:// to this machine "
                           "(127.0.0.1, ::1, localhost), or allow_insecure_http=True for a private cloud on a "
                           "trusted network")  # fmt: skip


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
    """A refusal already worded as ``prop: received ...; expected ...``."""


def _check_alternating(checked: Mapping[str, Any], zone: Any) -> None:
    """What a pair needs at synth: names and settings known (which account is active is decided from the
    stack's state by comparing them), a second name within 26 characters, and not a superuser."""
    from .lookups import LOOKUPS_ENV, off  # lookups reads the props' results, not the other way

    if checked["privilege"] is Privilege.SUPERUSER:
        raise _Refused("rotation: ALTERNATING_USERS with privilege SUPERUSER would make two superusers, and a "
                       "MySQL Plus cluster allows only one; use Rotation.SINGLE_USER")  # fmt: skip
    tokens = [name for name in ("cluster_id", "user", "host", "database") if unresolved(checked[name])]
    if tokens or unresolved(zone):
        names = ", ".join(tokens + ["zone"] * unresolved(zone))
        raise _Refused(f"rotation: ALTERNATING_USERS needs {names} known at synth (a token was given), since the "
                       "active account is chosen there by comparing the declaration with the stack's state")  # fmt: skip
    pair_of(checked["user"])
    if off(os.environ):
        raise _Refused(f"rotation: ALTERNATING_USERS chooses the active account from the stack's state at synth, "
                       f"and {LOOKUPS_ENV}=0 turns that read off; unset it for this stack")  # fmt: skip


def _literal(check: Callable[[Any], T], value: Any) -> Any:
    """``check(value)``, unless the value is a token."""
    return value if unresolved(value) else check(value)


def _host(host: Any) -> str:
    """``%`` or ``;``-joined entries; tokens (the whole value or some entries) are joined by Terraform."""
    if isinstance(host, (list, tuple)) and all(isinstance(h, str) for h in host):
        if unresolved(host):
            return str(fw.Fn.join(";", list(host)))
        if any(unresolved(h) for h in host):
            return ";".join(host)  # Terraform interpolates it; the bridge checks it
        return normalize_host(list(host))
    if isinstance(host, str):
        return host if unresolved(host) else normalize_host(host)
    raise _Refused(f"host: received {shown(host)}; expected '%' or IPv4 addresses/subnets, as a list or ';'-joined")


def _parsed(endpoint: object) -> Endpoint | None:
    """The endpoint as the bridge would parse it (the same parser), or None when it would refuse it."""
    try:
        return Endpoint.parse(endpoint) if isinstance(endpoint, str) else None
    except ValueError:
        return None
