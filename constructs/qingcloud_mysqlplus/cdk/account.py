"""The CDKTF constructs: ``MysqlPlusAccount`` and the shared block behind it.

This is the only module that imports cdktf and constructs.

Every account of a stack is one instance of a single ``terraform_data`` block
with ``for_each``.  Terraform runs the destroy provisioner of an instance
whose key leaves the map, so removing an account from the code deletes it
from the cluster; a block of its own per account would be destroyed without
its provisioner and the account orphaned.  The key is ``cluster/user`` when
both are known at synth (so renaming a construct changes nothing), else the
construct path.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdktf import App, DataResource, TerraformLocal, TerraformStack, TerraformVariable, Token
from constructs import Construct

from ..bridge.journal import generation
from ..qingcloud.client import DEFAULT_ENDPOINT, Endpoint
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

BLOCK_ID = "qingcloud_mysqlplus_accounts"
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
STATUS_DIR = ".qingcloud-mysqlplus"
# Beside the stack's cdk.tf.json (cdktf synth keeps it): creates whose outcome went unseen,
# so the next deploy can prove an account it meets is this stack's own.
JOURNAL_DIR = f"{STATUS_DIR}/journal"


class MysqlPlusAccountError(ValueError):
    """A prop that cannot work; the message names the construct path, never a secret."""


def ephemeral_password(scope: Construct, id: str, *, description: str | None = None) -> str:
    """A sensitive, ephemeral string variable to pass as ``password``.

    Its value (``TF_VAR_<id>`` at deploy time) never reaches cdk.tf.json, the
    state or a plan file.  Needs Terraform 1.10 or newer.
    """
    variable = TerraformVariable(
        scope,
        id,
        type="string",
        sensitive=True,
        nullable=False,
        description=description or "Password of a MySQL Plus account (ephemeral: kept out of state and plans).",
    )
    variable.add_override("ephemeral", True)
    return variable.string_value


def bridge_interpreter() -> list[str]:
    """How local-exec starts the bridge: this Python, this copy of the library.

    Absolute paths, so a fresh shell in CI finds it without an activated
    virtual environment; ``-c`` with the source root on sys.path, so an
    uninstalled checkout works too.  Nothing of cdktf is imported there.
    """
    root = str(Path(__file__).resolve().parent.parent)
    code = (
        f"import sys; sys.path.insert(0, {root!r}); from qingcloud_mysqlplus.bridge.main import main; sys.exit(main())"
    )
    return [sys.executable, "-c", code]


@dataclass
class _Entry:
    path: str
    key: str
    value: dict[str, Any]
    password: str | None  # a token, never a literal
    literal_cluster: str | None
    literal_user: str | None
    superuser: bool


@dataclass
class _Registry:
    resource: DataResource
    entries: dict[str, _Entry] = field(default_factory=dict)
    passwords: TerraformLocal | None = None


class MysqlPlusAccount(Construct):
    """One QingCloud MySQL Plus database account, created by ``add_user`` and deleted by ``del_user``.

    Props (keyword only):

    - ``cluster_id``, ``zone``: the MySQL Plus cluster (e.g. ``cl-ouhutv70``, ``sh1a``).
    - ``user``: account name, 2-26 of ``A-Za-z0-9_``; not a reserved name.
    - ``password``: a token, such as :func:`ephemeral_password`; a literal is refused
      because it would be written to cdk.tf.json.  Or leave it out and give ``password_env``.
    - ``password_env``: name of an environment variable the bridge reads the password
      from at deploy time. Default: none (``password`` must be given).
    - ``host``: ``"%"`` (default) or IPv4 addresses / CIDR subnets, as a list or ``;``-joined.
    - ``database``: one database name, or ``"*"`` (default) for all.
    - ``privilege``: :class:`Privilege` ``STANDARD`` (default) or ``SUPERUSER`` (needs database ``"*"``).
    - ``ssl``: require SSL (default False); the cluster's SSL transport must be on.
    - ``password_version``: bump it (with a new password) to rotate. Default 1.
    - ``endpoint``: API endpoint. Default: ``QINGCLOUD_ENDPOINT`` at deploy time, else the public cloud.
    - ``timeout_seconds``: deadline for each add or delete, retries included. Default 600.
    - ``keep_on_destroy``: leave the account on the cluster when this construct goes. Default False.
    - ``replace_existing``: if the account already exists, delete and recreate it. Default False.
    - ``bridge_command``: argv prefix that runs the bridge. Default: this Python and library.

    A change to cluster_id, zone, user, host, database, privilege, ssl or
    password_version replaces the account (delete, then add).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster_id: str,
        zone: str,
        user: str,
        password: str | None = None,
        password_env: str | None = None,
        host: str | Sequence[str] = ALL_HOSTS,
        database: str = ALL_DATABASES,
        privilege: Privilege | str = Privilege.STANDARD,
        ssl: bool = False,
        password_version: int = 1,
        endpoint: str | None = None,
        timeout_seconds: int | float = 600,
        keep_on_destroy: bool = False,
        replace_existing: bool = False,
        bridge_command: Sequence[str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        where = self.node.path

        def fail(message: str) -> MysqlPlusAccountError:
            return MysqlPlusAccountError(f"{where}: {message}")

        def checked(check: Any, value: Any) -> Any:
            if _unresolved(value):
                return value
            try:
                return check(value)
            except AccountRuleError as err:
                raise fail(str(err)) from None

        literal_user = None if _unresolved(user) else checked(check_user, user)
        literal_cluster = None if _unresolved(cluster_id) else checked(check_cluster_id, cluster_id)
        if not _unresolved(zone) and not (isinstance(zone, str) and zone == checked(check_zone, zone)):
            raise fail(f"zone: received {shown(zone)}; expected a lower-case zone such as sh1a or pek3a")
        if isinstance(host, (list, tuple)) and all(isinstance(h, str) for h in host):
            host_value: Any = list(host)
        elif isinstance(host, str) or _unresolved(host):
            host_value = host
        else:
            raise fail(f"host: received {shown(host)}; expected '%' or IPv4 addresses/subnets, as a list or ';'-joined")
        if isinstance(host_value, list) and any(_unresolved(h) for h in host_value):
            host_value = ";".join(host_value)  # Terraform joins it; the bridge checks it
        else:
            host_value = checked(normalize_host, host_value)
        database_value = checked(check_database, database)
        try:
            priv = normalize_privilege(privilege)
            ssl_value = normalize_ssl(ssl)
            if not _unresolved(database_value):
                check_privilege_scope(priv, database_value)
        except AccountRuleError as err:
            raise fail(str(err)) from None
        if password is None and password_env is None:
            raise fail("no password: pass password=ephemeral_password(...) or password_env='NAME'")
        if password is not None and password_env is not None:
            raise fail("pass password or password_env, not both")
        if password is not None and not _unresolved(password):
            raise fail(
                "password: received a literal string, which would be written to cdk.tf.json; "
                "expected a token: use password=ephemeral_password(stack, 'name') and set TF_VAR_name "
                "at deploy time, or password_env='NAME' to have the bridge read $NAME"
            )
        if password_env is not None and not (isinstance(password_env, str) and ENV_NAME.fullmatch(password_env)):
            raise fail(f"password_env: received {shown(password_env)}; expected an environment variable name")
        if isinstance(password_version, bool) or not isinstance(password_version, int) or password_version < 1:
            raise fail(f"password_version: received {shown(password_version)}; expected a whole number from 1")
        if (
            isinstance(timeout_seconds, bool)
            or not isinstance(timeout_seconds, (int, float))
            or not math.isfinite(timeout_seconds)
            or timeout_seconds <= 0
        ):
            raise fail(f"timeout_seconds: received {shown(timeout_seconds)}; expected a positive number")

        for name, flag in (("keep_on_destroy", keep_on_destroy), ("replace_existing", replace_existing)):
            if not isinstance(flag, bool):
                raise fail(f"{name}: received {shown(flag)}; expected True or False")
        if endpoint is not None and not _unresolved(endpoint) and not _parses(endpoint):
            raise fail(f"endpoint: received {shown(endpoint)}; expected a URL such as {DEFAULT_ENDPOINT}")
        key = f"{literal_cluster}/{literal_user}" if literal_cluster and literal_user else where
        literal_zone = None if _unresolved(zone) else zone
        gen = 0
        if literal_cluster and literal_user and literal_zone:
            gen = generation(_journal_at_synth(self), literal_zone, literal_cluster, literal_user)
        value = {
            "cluster_id": cluster_id,
            "zone": zone,
            "user": user,
            "host": host_value,
            "database": database_value,
            "priv": priv.value,
            "ssl": ssl_value,
            "password_version": password_version,
            "password_env": password_env or "",
            "endpoint": endpoint or "",
            "timeout": str(timeout_seconds),
            "keep_on_destroy": keep_on_destroy,
            "replace_existing": replace_existing,
            "construct": where,
            "generation": gen,
        }
        registry = _registry(self, bridge_command)
        entry = _Entry(where, key, value, password, literal_cluster, literal_user, priv is Privilege.SUPERUSER)
        _register(registry, entry, fail)
        self.key = key
        ref = f"terraform_data.{BLOCK_ID}[{json.dumps(key)}].output"
        self.user: str = Token.as_string(f"${{{ref}.user}}")
        self.host: str = Token.as_string(f"${{{ref}.host}}")
        self.database: str = Token.as_string(f"${{{ref}.database}}")
        self.cluster_id: str = Token.as_string(f"${{{ref}.cluster_id}}")


def _journal_at_synth(account: Construct) -> Path:
    """The journal directory as the stack's Terraform run sees it (cdktf.out/stacks/<stack>/...)."""
    stack = TerraformStack.of(account)
    return Path(App.of(stack).outdir) / "stacks" / stack.node.id / JOURNAL_DIR


def _parses(endpoint: object) -> bool:
    """Whether the bridge would accept this endpoint (same parser)."""
    try:
        return isinstance(endpoint, str) and bool(Endpoint.parse(endpoint))
    except ValueError:
        return False


def _unresolved(value: Any) -> bool:
    """Whether ``value`` is a token.  A NaN or infinity is never one, and sent over jsii
    it would stop the Node kernel (JSON has no NaN), so it is not asked."""
    if not _carriable(value):
        return False
    return bool(Token.is_unresolved(value))


def _carriable(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(_carriable(item) for item in value)
    if isinstance(value, dict):
        return all(_carriable(item) for item in value.values())
    return True


def _register(registry: _Registry, entry: _Entry, fail: Any) -> None:
    for other in registry.entries.values():
        if entry.key == other.key:  # literal cluster and user make the key, so this is the same account
            raise fail(f"user {entry.literal_user} on {entry.literal_cluster} is already declared by {other.path}")
        if (
            entry.superuser
            and other.superuser
            and entry.literal_cluster
            and entry.literal_cluster == other.literal_cluster
        ):
            raise fail(
                f"privilege: a second SuperuserAccount on {entry.literal_cluster} ({other.path} is one); "
                "a MySQL Plus cluster allows only one"
            )
    registry.entries[entry.key] = entry
    _write(registry)


def _registry(account: MysqlPlusAccount, bridge_command: Sequence[str] | None) -> _Registry:
    stack = TerraformStack.of(account)
    found: _Registry | None = getattr(stack, "_qingcloud_mysqlplus_registry", None)
    if found is None:
        resource = DataResource(stack, BLOCK_ID)
        resource.override_logical_id(BLOCK_ID)
        found = _Registry(resource)
        stack._qingcloud_mysqlplus_registry = found  # type: ignore[attr-defined]
        _write_provisioners(found, list(bridge_command) if bridge_command else bridge_interpreter())
    return found


def _write(registry: _Registry) -> None:
    resource = registry.resource
    resource.add_override("for_each", {k: e.value for k, e in sorted(registry.entries.items())})
    passwords = {k: e.password for k, e in sorted(registry.entries.items()) if e.password is not None}
    if passwords:
        if registry.passwords is None:
            registry.passwords = TerraformLocal(resource.node.scope, f"{BLOCK_ID}_passwords", passwords)  # type: ignore[arg-type]
            registry.passwords.override_logical_id(f"{BLOCK_ID}_passwords")
        else:
            registry.passwords.expression = passwords


def _write_provisioners(registry: _Registry, interpreter: list[str]) -> None:
    resource = registry.resource
    resource.add_override("input", "${each.value}")
    resource.add_override(
        "triggers_replace",
        "${concat([each.value.cluster_id, each.value.zone, each.value.user, each.value.host, each.value.database, "
        "each.value.priv, each.value.ssl, each.value.password_version], "
        "each.value.generation > 0 ? [each.value.generation] : [])}",
    )

    def env(source: str) -> dict[str, str]:
        return {
            "QINGCLOUD_ZONE": f"${{{source}.zone}}",
            "QINGCLOUD_MYSQLPLUS_CLUSTER": f"${{{source}.cluster_id}}",
            "QINGCLOUD_MYSQLPLUS_USER": f"${{{source}.user}}",
            "QINGCLOUD_MYSQLPLUS_HOST": f"${{{source}.host}}",
            "QINGCLOUD_MYSQLPLUS_ENDPOINT": f"${{{source}.endpoint}}",
            "QINGCLOUD_MYSQLPLUS_TIMEOUT": f"${{{source}.timeout}}",
            "QINGCLOUD_MYSQLPLUS_JOURNAL_DIR": JOURNAL_DIR,
        }

    status = f"{STATUS_DIR}/${{self.id}}.json"
    passwords = f'${{lookup(local.{BLOCK_ID}_passwords, each.key, "")}}'
    add_env = env("each.value") | {
        "QINGCLOUD_MYSQLPLUS_DATABASE": "${each.value.database}",
        "QINGCLOUD_MYSQLPLUS_PRIV": "${each.value.priv}",
        "QINGCLOUD_MYSQLPLUS_SSL": '${each.value.ssl == "YES" ? "1" : "0"}',
        "QINGCLOUD_MYSQLPLUS_REPLACE_EXISTING": '${each.value.replace_existing ? "1" : "0"}',
        "QINGCLOUD_MYSQLPLUS_PASSWORD_ENV": "${each.value.password_env}",
        "QINGCLOUD_MYSQLPLUS_PASSWORD": passwords,
        "QINGCLOUD_MYSQLPLUS_STATUS_FILE": status,
    }
    # Terraform hides all output of a provisioner whose configuration holds an
    # ephemeral value.  The add step therefore records its result and does not
    # fail by itself; the replay step, which holds no secret, prints the
    # result and fails (tainting the instance) when the add failed.
    resource.add_override(
        "provisioner",
        [
            {"local-exec": {"interpreter": interpreter, "command": "add-user", "environment": add_env,
                            "on_failure": "continue"}},
            {"local-exec": {"interpreter": interpreter, "command": "replay",
                            "environment": {"QINGCLOUD_MYSQLPLUS_STATUS_FILE": status}}},
            {"local-exec": {"when": "destroy", "interpreter": interpreter, "command": "del-user",
                            "environment": env("self.input") | {
                                "QINGCLOUD_MYSQLPLUS_KEEP": '${self.input.keep_on_destroy ? "1" : "0"}'}}},
        ],
    )  # fmt: skip
