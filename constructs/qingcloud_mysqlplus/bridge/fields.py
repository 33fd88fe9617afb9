"""The props of an account, declared once: what the construct takes, documents and writes, and the bridge reads.

Each row says how its prop is typed and defaulted in ``MysqlPlusAccount``
(a test holds the keyword arguments to the table), how the docs show it,
whether a change replaces the account (there is no API to modify one), and how
it reaches the bridge: the environment variable local-exec sets and the flag
(a flag reads its variable too).  The construct's checks, the docs' props
table, the blocks' maps and the bridge's options are all made from it; the
bridge reads it without loading cdktf or jsii.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..qingcloud.endpoint import ALLOW_HTTP_ENV
from ..rules import ALL_DATABASES, ALL_HOSTS, Privilege, Rotation

ADD, DELETE = "add-user", "del-user"  # the bridge commands that read props
BOTH = (ADD, DELETE)
PASSWORD = "QINGCLOUD_MYSQLPLUS_PASSWORD"  # where the bridge reads the password unless password_env names another


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()  # the default of a prop without one


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
          step="cluster_id"),
    Field("zone", "str", REQUIRED, "lower case, e.g. `sh1a`", replaces=True,
          env="QINGCLOUD_ZONE", flag="--zone", help="zone of the cluster, e.g. sh1a", commands=BOTH),
    Field("user", "str", REQUIRED, "2-26 of `A-Za-z0-9_`; not `root`, `qc_admin`, `qc_repl`, `qc_check`, `monitor`",
          replaces=True, env="QINGCLOUD_MYSQLPLUS_USER", flag="--user", help="account name", commands=BOTH),
    Field("password", "str | None", None,
          "a **token** (normally `ephemeral_password(...)`); a literal string is refused at synth",
          env=PASSWORD, commands=(ADD,), secret=True),
    Field("password_env", "str | None", None,
          "instead of `password`: the bridge reads the password from this environment variable at deploy time",
          env="QINGCLOUD_MYSQLPLUS_PASSWORD_ENV", flag="--password-env",
          help=f"name of the variable holding the password (default {PASSWORD})", commands=(ADD,)),
    Field("host", "str | Sequence[str]", ALL_HOSTS, "`%`, or IPv4 addresses / CIDR subnets, a list or `;`-joined",
          replaces=True, env="QINGCLOUD_MYSQLPLUS_HOST", flag="--host",
          help="'%%' (default) or IPv4 addresses/subnets joined by ';'", commands=BOTH),
    Field("database", "str", ALL_DATABASES, "one database name, or `*`", replaces=True,
          env="QINGCLOUD_MYSQLPLUS_DATABASE", flag="--database", help="one database name or '*' (default)",
          commands=(ADD,)),
    Field("privilege", "Privilege | str", Privilege.STANDARD,
          "`SUPERUSER` needs `database=\"*\"`; one superuser per cluster", replaces=True,
          env="QINGCLOUD_MYSQLPLUS_PRIV", flag="--priv", help="StandardAccount (default) or SuperuserAccount",
          commands=(ADD,)),
    Field("ssl", "bool", False, "`True` needs the cluster's SSL transport on", replaces=True, boolean=True,
          env="QINGCLOUD_MYSQLPLUS_SSL", flag="--ssl", help="require SSL for this account", commands=(ADD,)),
    Field("password_version", "int", 1, "bump it with a new password to rotate", replaces=True),
    Field("rotation", "Rotation | str", Rotation.SINGLE_USER,
          "`ALTERNATING_USERS`: two accounts, `user` and `user_alt`, take turns, so a rotation takes no login away "
          "(see docs/rotation.md); needs literal names and settings and the stack's state at synth"),
    Field("endpoint", "str | None", None,
          "for private clouds and the simulator; plain `http://` only to this machine (`127.0.0.1`, `::1`, "
          "`localhost`) unless `allow_insecure_http`",
          shown="`$QINGCLOUD_ENDPOINT` at deploy time, else the public API",
          env="QINGCLOUD_MYSQLPLUS_ENDPOINT", flag="--endpoint",
          help="API endpoint (else $QINGCLOUD_ENDPOINT, the config file, or https://api.qingcloud.com:443/iaas/)",
          commands=BOTH),
    Field("allow_insecure_http", "bool", False,
          "let a plain `http://` endpoint on another host carry the signed requests and the password in clear "
          "(a private cloud on a trusted network); https is always verified", boolean=True,
          env=ALLOW_HTTP_ENV, flag="--allow-http",
          help="allow plain http:// to another host (requests and password in clear)", commands=BOTH,
          added_later=True),
    Field("timeout_seconds", "int | float", 600, "deadline of each add or delete, retries included",
          env="QINGCLOUD_MYSQLPLUS_TIMEOUT", flag="--timeout", help="overall deadline in seconds (default 600)",
          commands=BOTH, input="timeout"),
    Field("keep_on_destroy", "bool", False, "leave the account on the cluster when the construct goes", boolean=True,
          env="QINGCLOUD_MYSQLPLUS_KEEP", flag="--keep", help="do not delete: leave the account on the cluster",
          commands=(DELETE,)),
    Field("replace_existing", "bool", False, "if the account exists otherwise than declared, delete and recreate it",
          boolean=True, env="QINGCLOUD_MYSQLPLUS_REPLACE_EXISTING", flag="--replace-existing",
          help="if the account exists otherwise than declared, delete and recreate it", commands=(ADD,)),
    Field("restart_proxies", "bool", False,
          "after adding, restart the cluster's proxy nodes one at a time (they see new accounts only then)",
          boolean=True, env="QINGCLOUD_MYSQLPLUS_RESTART_PROXIES", flag="--restart-proxies",
          help="after adding, restart the cluster's proxy nodes one at a time", commands=(ADD,)),
    Field("bridge_command", "Sequence[str] | None", None, "argv prefix that runs the bridge",
          shown="this Python and this copy of the library"),
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
