"""The props of an account, declared once: what the construct takes, documents and writes, and the bridge reads.

Each row says how its prop is typed and defaulted in ``MysqlPlusAccount``
(a test holds the keyword arguments to the table), how the docs show it,
whether a change replaces the account (there is no API to modify one), and how
it reaches the bridge: the environment variable local-exec sets and the flag
(a flag reads its variable too), its place in ``--help``, and the check that
validates and normalises a literal value.  The construct's checks, the docs'
props table, the blocks' maps and the bridge's options, defaults and help
order are all made from it; the bridge reads it without loading cdktf or jsii.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..qingcloud.endpoint import ALLOW_HTTP_ENV, DEFAULT_ENDPOINT, Endpoint
from ..rules import (
    ALL_DATABASES,
    ALL_HOSTS,
    AccountRuleError,
    Privilege,
    Rotation,
    check_cluster_id,
    check_database,
    check_user,
    check_zone,
    normalize_host,
    normalize_privilege,
    normalize_rotation,
    normalize_ssl,
    shown,
)

ADD, DELETE = "add-user", "del-user"  # the bridge commands that read props
BOTH = (ADD, DELETE)
PASSWORD = "QINGCLOUD_MYSQLPLUS_PASSWORD"  # where the bridge reads the password unless password_env names another


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()  # the default of a prop without one
LAST = 1000  # the help rank of a flag that names none: it shows after the others
# An environment variable's name, for the construct and the bridge alike: POSIX's portable names, at most 128.
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
Check = Callable[[Any], Any]  # a literal to its normalised value, or AccountRuleError naming the prop


def env_name(value: object, label: str = "password_env") -> str:
    """A variable's name; the refusal never shows the value, which may be the password put in the wrong place."""
    if isinstance(value, str) and ENV_NAME.fullmatch(value):
        return value
    received = "a string that is not a variable name (not shown: it may be a password)"
    raise AccountRuleError(label, received if isinstance(value, str) else f"a {type(value).__name__}",
                           "the name of an environment variable: a letter or _, then letters, digits or _, "
                           "at most 128 in all")  # fmt: skip


def _zone(value: object) -> str:
    """The rules' zone, already lower case: the construct writes it as given."""
    if isinstance(value, str) and value == check_zone(value):
        return value
    raise AccountRuleError("zone", shown(value), "a lower-case zone such as sh1a or pek3a")


def _no_literal_password(value: object) -> None:
    """Only a token (left for the bridge before any check) or no password: a literal would be synthesized."""
    if value is None:
        return None
    raise AccountRuleError("password", "a literal string, which would be written to cdk.tf.json",
                           "a token: use password=ephemeral_password(stack, 'name') and set TF_VAR_name at deploy "
                           "time, or password_env='NAME' to have the bridge read $NAME")  # fmt: skip


def _password_env(value: object) -> str:
    return "" if value is None else env_name(value)


def _host(value: object) -> str:
    """``%`` or IPv4 addresses/subnets, a list or ``;``-joined, to the ``;``-joined form ``add_user`` takes."""
    if isinstance(value, (list, tuple)) and all(isinstance(h, str) for h in value):
        return normalize_host(list(value))
    if isinstance(value, str):
        return normalize_host(value)
    raise AccountRuleError("host", shown(value), "'%' or IPv4 addresses/subnets, as a list or ';'-joined")


def _password_version(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise AccountRuleError("password_version", shown(value), "a whole number from 1")


def _endpoint(value: object) -> str:
    """A URL the bridge's own parser takes, or "" for none (plain http's rule needs allow_insecure_http too)."""
    if value is None:
        return ""
    try:
        if isinstance(value, str):
            Endpoint.parse(value)
            return value
    except ValueError:
        pass
    raise AccountRuleError("endpoint", shown(value), f"a URL such as {DEFAULT_ENDPOINT}")


def _seconds(value: object) -> str:
    """A positive, finite number of seconds, as the environment carries it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
        return str(value)
    raise AccountRuleError("timeout_seconds", shown(value), "a positive number")


def _argv(value: object) -> tuple[str, ...] | None:
    """An argv prefix (a list of strings), as a tuple; None (or empty) for the default."""
    if isinstance(value, (list, tuple)) and all(isinstance(word, str) for word in value):
        return tuple(value) or None
    if value is None:
        return None
    raise AccountRuleError("bridge_command", shown(value), "a list of strings, the argv prefix that runs the bridge")


@dataclass(frozen=True)
class Field:
    """One prop: its keyword argument, its docs, and its way to the bridge."""

    name: str  # the keyword argument of MysqlPlusAccount
    type: str  # its annotation there
    default: object  # REQUIRED when it has none
    doc: str  # the docs' description
    shown: str = ""  # the docs' default, when it is not the default itself
    replaces: bool = False  # a change replaces the account: del_user, then add_user
    boolean: bool = False  # True or False; to the bridge a flag without a value, or 1/0 in the environment
    env: str = ""  # the variable the bridge reads it from ("": the bridge never sees it)
    flag: str = ""  # the bridge's flag ("": none, as for the password, which is never in argv)
    help: str = ""  # the flag's help
    commands: tuple[str, ...] = ()  # the bridge commands that read it
    secret: bool = False  # in no block's map: the add step reads it from the stack's ephemeral passwords
    input: str = ""  # its name in the declared block's input, when not ``name``
    step: str = ""  # its name in the add step's map, when not the flag's (``--priv``: ``priv``)
    added_later: bool = False  # instances made by an earlier version lack it: destroy steps read it with try()
    check: Check | None = None  # validates and normalises a literal (a boolean's default check: True or False)
    token: bool = False  # a Terraform token may stand for it at synth: the bridge checks it at deploy time
    help_rank: int = LAST  # its flag's place in --help, lower first, among the bridge's settings (contract)

    @property
    def key(self) -> str:
        """The name of its flag's value (``--allow-http``: ``allow_http``)."""
        return self.flag[2:].replace("-", "_")

    @property
    def input_key(self) -> str:
        return self.input or self.name

    @property
    def step_key(self) -> str:
        return self.step or self.key

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def normalize(self, value: object) -> Any:
        """A literal value checked and normalised; AccountRuleError names the prop and never shows a secret."""
        if self.check is not None:
            return self.check(value)
        if self.boolean and not isinstance(value, bool):
            raise AccountRuleError(self.name, shown(value), "True or False")
        return value

    @property
    def shown_default(self) -> str:
        """The default as the docs show it: ``required``, ``none``, or the value as code."""
        value = self.default
        if self.shown or self.required:
            return self.shown or "required"
        if isinstance(value, Enum):
            return f"`{type(value).__name__}.{value.name}`"
        return "none" if value is None else f'`"{value}"`' if isinstance(value, str) else f"`{value!r}`"


FIELDS = (
    Field("cluster_id", "str", REQUIRED, "e.g. `cl-ouhutv70`", replaces=True,
          env="QINGCLOUD_MYSQLPLUS_CLUSTER", flag="--cluster", help="cluster id, e.g. cl-ouhutv70", commands=BOTH,
          step="cluster_id", check=check_cluster_id, token=True, help_rank=20),
    Field("zone", "str", REQUIRED, "lower case, e.g. `sh1a`", replaces=True,
          env="QINGCLOUD_ZONE", flag="--zone", help="zone of the cluster, e.g. sh1a", commands=BOTH,
          check=_zone, token=True, help_rank=10),
    Field("user", "str", REQUIRED, "2-26 of `A-Za-z0-9_`; not `root`, `qc_admin`, `qc_repl`, `qc_check`, `monitor`",
          replaces=True, env="QINGCLOUD_MYSQLPLUS_USER", flag="--user", help="account name", commands=BOTH,
          check=check_user, token=True, help_rank=30),
    Field("password", "str | None", None,
          "a **token** (normally `ephemeral_password(...)`); a literal string is refused at synth",
          env=PASSWORD, commands=(ADD,), secret=True, check=_no_literal_password, token=True),
    Field("password_env", "str | None", None,
          "instead of `password`: the bridge reads the password from this environment variable at deploy time",
          env="QINGCLOUD_MYSQLPLUS_PASSWORD_ENV", flag="--password-env",
          help=f"name of the variable holding the password (default {PASSWORD})", commands=(ADD,),
          check=_password_env, help_rank=170),
    Field("host", "str | Sequence[str]", ALL_HOSTS, "`%`, or IPv4 addresses / CIDR subnets, a list or `;`-joined",
          replaces=True, env="QINGCLOUD_MYSQLPLUS_HOST", flag="--host",
          help="'%%' (default) or IPv4 addresses/subnets joined by ';'", commands=BOTH,
          check=_host, token=True, help_rank=40),
    Field("database", "str", ALL_DATABASES, "one database name, or `*`", replaces=True,
          env="QINGCLOUD_MYSQLPLUS_DATABASE", flag="--database", help="one database name or '*' (default)",
          commands=(ADD,), check=check_database, token=True, help_rank=140),
    Field("privilege", "Privilege | str", Privilege.STANDARD,
          "`SUPERUSER` needs `database=\"*\"`; one superuser per cluster", replaces=True,
          env="QINGCLOUD_MYSQLPLUS_PRIV", flag="--priv", help="StandardAccount (default) or SuperuserAccount",
          commands=(ADD,), check=normalize_privilege, help_rank=150),
    Field("ssl", "bool", False, "`True` needs the cluster's SSL transport on", replaces=True, boolean=True,
          env="QINGCLOUD_MYSQLPLUS_SSL", flag="--ssl", help="require SSL for this account", commands=(ADD,),
          check=normalize_ssl, help_rank=160),
    Field("password_version", "int", 1, "bump it with a new password to rotate", replaces=True,
          check=_password_version),
    Field("rotation", "Rotation | str", Rotation.SINGLE_USER,
          "`ALTERNATING_USERS`: two accounts, `user` and `user_alt`, take turns, so a rotation takes no login away "
          "(see docs/rotation.md); needs literal names and settings and the stack's state at synth",
          check=normalize_rotation),
    Field("endpoint", "str | None", None,
          "for private clouds and the simulator; plain `http://` only to this machine (`127.0.0.1`, `::1`, "
          "`localhost`) unless `allow_insecure_http`",
          shown="`$QINGCLOUD_ENDPOINT` at deploy time, else the public API",
          env="QINGCLOUD_MYSQLPLUS_ENDPOINT", flag="--endpoint",
          help="API endpoint (else $QINGCLOUD_ENDPOINT, the config file, or https://api.qingcloud.com:443/iaas/)",
          commands=BOTH, check=_endpoint, token=True, help_rank=50),
    Field("allow_insecure_http", "bool", False,
          "let a plain `http://` endpoint on another host carry the signed requests and the password in clear "
          "(a private cloud on a trusted network); https is always verified", boolean=True,
          env=ALLOW_HTTP_ENV, flag="--allow-http",
          help="allow plain http:// to another host (requests and password in clear)", commands=BOTH,
          added_later=True, help_rank=70),
    Field("timeout_seconds", "int | float", 600, "deadline of each add or delete, retries included",
          env="QINGCLOUD_MYSQLPLUS_TIMEOUT", flag="--timeout", help="overall deadline in seconds (default 600)",
          commands=BOTH, input="timeout", check=_seconds, help_rank=80),
    Field("keep_on_destroy", "bool", False, "leave the account on the cluster when the construct goes", boolean=True,
          env="QINGCLOUD_MYSQLPLUS_KEEP", flag="--keep", help="do not delete: leave the account on the cluster",
          commands=(DELETE,), help_rank=200),
    Field("replace_existing", "bool", False, "if the account exists otherwise than declared, delete and recreate it",
          boolean=True, env="QINGCLOUD_MYSQLPLUS_REPLACE_EXISTING", flag="--replace-existing",
          help="if the account exists otherwise than declared, delete and recreate it", commands=(ADD,),
          help_rank=180),
    Field("restart_proxies", "bool", False,
          "after adding, restart the cluster's proxy nodes one at a time (they see new accounts only then)",
          boolean=True, env="QINGCLOUD_MYSQLPLUS_RESTART_PROXIES", flag="--restart-proxies",
          help="after adding, restart the cluster's proxy nodes one at a time", commands=(ADD,), help_rank=190),
    Field("bridge_command", "Sequence[str] | None", None, "argv prefix that runs the bridge",
          shown="this Python and this copy of the library", check=_argv),
)  # fmt: skip
BY_NAME = {f.name: f for f in FIELDS}
BOOLEANS = frozenset(f.name for f in FIELDS if f.boolean)


def field(name: str) -> Field:
    """The row of one prop (a KeyError names a prop the table does not declare)."""
    return BY_NAME[name]


def docs_table() -> str:
    """The props table of docs/construct.md (a test keeps the two equal)."""
    rows = ["| prop | default | replaces the account when changed | |", "| --- | --- | --- | --- |"]
    for f in FIELDS:
        replaces = "yes" if f.replaces else "no (see rotation)" if f.name == "password" else "no"
        rows.append(f"| `{f.name}` | {f.shown_default} | {replaces} | {f.doc} |")
    return "\n".join(rows)
