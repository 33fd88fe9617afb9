"""The props of one account: defaults, documentation, and token-aware validation.

``REPLACES`` is the one list of props whose change replaces the account
(``del_user`` then ``add_user``: there is no API to modify one).  It writes
the block's ``triggers_replace``, the docstring and the README's table (a test
compares them).  A value that is still a token at synth is left for the
bridge, which checks it at deploy time with the same rules.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, NamedTuple, TypeVar

from ..qingcloud.endpoint import DEFAULT_ENDPOINT, Endpoint, plain_http_refused
from ..rules import (
    ALL_DATABASES,
    ALL_HOSTS,
    AccountRuleError,
    Privilege,
    check_cluster_id,
    check_database,
    check_privilege_scope,
    check_user,
    check_zone,
    normalize_host,
    normalize_privilege,
    normalize_ssl,
    shown,
)
from .framework import fw, unresolved

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
REPLACES = ("cluster_id", "zone", "user", "host", "database", "privilege", "ssl", "password_version")
T = TypeVar("T")


class MysqlPlusAccountError(ValueError):
    """A prop that cannot work; one line naming the construct path, never a secret."""


class PropDoc(NamedTuple):
    default: str
    doc: str


DOCS: dict[str, PropDoc] = {
    "cluster_id": PropDoc("required", "e.g. `cl-ouhutv70`"),
    "zone": PropDoc("required", "lower case, e.g. `sh1a`"),
    "user": PropDoc("required", "2-26 of `A-Za-z0-9_`; not `root`, `qc_admin`, `qc_repl`, `qc_check`, `monitor`"),
    "password": PropDoc("none", "a **token** (normally `ephemeral_password(...)`); a literal string is refused at synth"),
    "password_env": PropDoc("none", "instead of `password`: the bridge reads the password from this environment variable at deploy time"),
    "host": PropDoc('`"%"`', "`%`, or IPv4 addresses / CIDR subnets, a list or `;`-joined"),
    "database": PropDoc('`"*"`', "one database name, or `*`"),
    "privilege": PropDoc("`Privilege.STANDARD`", "`SUPERUSER` needs `database=\"*\"`; one superuser per cluster"),
    "ssl": PropDoc("`False`", "`True` needs the cluster's SSL transport on"),
    "password_version": PropDoc("`1`", "bump it with a new password to rotate"),
    "endpoint": PropDoc("`$QINGCLOUD_ENDPOINT` at deploy time, else the public API", "for private clouds and the simulator; plain `http://` only to this machine (`127.0.0.1`, `::1`, `localhost`) unless `allow_insecure_http`"),
    "allow_insecure_http": PropDoc("`False`", "let a plain `http://` endpoint on another host carry the signed requests and the password in clear (a private cloud on a trusted network); https is always verified"),
    "timeout_seconds": PropDoc("`600`", "deadline of each add or delete, retries included"),
    "keep_on_destroy": PropDoc("`False`", "leave the account on the cluster when the construct goes"),
    "replace_existing": PropDoc("`False`", "if the account exists otherwise than declared, delete and recreate it"),
    "restart_proxies": PropDoc("`False`", "after adding, restart the cluster's proxy nodes one at a time (they see new accounts only then)"),
    "bridge_command": PropDoc("this Python and this copy of the library", "argv prefix that runs the bridge"),
}  # fmt: skip


def readme_table() -> str:
    """The README's table of props, from ``DOCS`` and ``REPLACES``."""
    rows = ["| prop | default | replaces the account when changed | |", "| --- | --- | --- | --- |"]
    for name, prop in DOCS.items():
        replaces = "yes" if name in REPLACES else "no (see rotation)" if name == "password" else "no"
        rows.append(f"| `{name}` | {prop.default} | {replaces} | {prop.doc} |")
    return "\n".join(rows)


@dataclass(frozen=True)
class AccountProps:
    """What a ``MysqlPlusAccount`` is given; see ``DOCS`` for each prop."""

    cluster_id: str
    zone: str
    user: str
    password: str | None = None
    password_env: str | None = None
    host: str | Sequence[str] = ALL_HOSTS
    database: str = ALL_DATABASES
    privilege: Privilege | str = Privilege.STANDARD
    ssl: bool = False
    password_version: int = 1
    endpoint: str | None = None
    allow_insecure_http: bool = False
    timeout_seconds: int | float = 600
    keep_on_destroy: bool = False
    replace_existing: bool = False
    restart_proxies: bool = False
    bridge_command: Sequence[str] | None = None

    def validate(self, path: str) -> Account:
        """Check every literal (tokens are left for the bridge) and normalize; raises MysqlPlusAccountError."""
        try:
            return self._checked(path)
        except AccountRuleError as err:
            raise MysqlPlusAccountError(f"{path}: {err}") from None
        except _Refused as err:
            raise MysqlPlusAccountError(f"{path}: {err}") from None

    def _checked(self, path: str) -> Account:
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
        return Account(
            path=path, key=key, cluster_id=cluster, zone=self.zone, user=user, host=_host(self.host),
            database=database, privilege=privilege, ssl=ssl, password_version=self.password_version,
            password=self.password, password_env=self.password_env or "", endpoint=self.endpoint or "",
            allow_insecure_http=self.allow_insecure_http, timeout=str(self.timeout_seconds),
            keep_on_destroy=self.keep_on_destroy, replace_existing=self.replace_existing,
            restart_proxies=self.restart_proxies,
            bridge_command=tuple(self.bridge_command) if self.bridge_command else None,
        )  # fmt: skip

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
        for name in ("allow_insecure_http", "keep_on_destroy", "replace_existing", "restart_proxies"):
            if not isinstance(getattr(self, name), bool):
                raise _Refused(f"{name}: received {shown(getattr(self, name))}; expected True or False")

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
class Account:
    """One validated account: normalized literals, or tokens for Terraform and the bridge to resolve."""

    path: str
    key: str  # cluster/user when both are literals (a rename changes nothing), else the construct path
    cluster_id: str
    zone: str
    user: str
    host: str
    database: str
    privilege: Privilege
    ssl: str  # YES or NO
    password_version: int
    password: str | None  # a token, never a literal
    password_env: str
    endpoint: str
    allow_insecure_http: bool
    timeout: str
    keep_on_destroy: bool
    replace_existing: bool
    restart_proxies: bool
    bridge_command: tuple[str, ...] | None

    def literal(self, name: str) -> str | None:
        """A field's value when known at synth, else None."""
        value = getattr(self, name)
        return None if unresolved(value) or value == "" else str(value)


class _Refused(Exception):
    """A refusal already worded as ``prop: received ...; expected ...``."""


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


PROP_NAMES = tuple(f.name for f in fields(AccountProps))
