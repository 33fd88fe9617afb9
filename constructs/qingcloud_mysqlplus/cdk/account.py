"""``MysqlPlusAccount``: one QingCloud MySQL Plus account, and the helpers an app needs beside it.

The construct validates its props (:mod:`.props`) and registers them with
its stack's shared blocks (:mod:`.block`); everything Terraform sees is
written there, once per stack, at synth.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from pathlib import Path

from constructs import Construct

from ..rules import ALL_DATABASES, ALL_HOSTS, Privilege
from .block import AccountsBlock, construct_path, reference
from .names import ACCOUNTS_ID
from .props import DOCS, REPLACES, AccountProps, MysqlPlusAccountError
from .variables import ephemeral_password

BLOCK_ID = ACCOUNTS_ID  # the block that holds the declared accounts (kept for existing imports)


@functools.cache
def _library_root() -> str:
    """The directory holding this copy of the library (resolving it stats every parent: once per process)."""
    return str(Path(__file__).resolve().parent.parent.parent)


def bridge_interpreter() -> list[str]:
    """How local-exec starts the bridge: this Python, this copy of the library.

    Absolute paths, so a fresh shell in CI finds it without an activated
    virtual environment; ``-c`` with the source root on sys.path, so an
    uninstalled checkout works too.  Nothing of cdktf is imported there.
    """
    root = _library_root()
    code = (
        f"import sys; sys.path.insert(0, {root!r}); from qingcloud_mysqlplus.bridge.main import main; sys.exit(main())"
    )
    return [sys.executable, "-c", code]


class MysqlPlusAccount(Construct):
    """One QingCloud MySQL Plus database account, created by ``add_user`` and deleted by ``del_user``.

    Props are keyword only; see :class:`AccountProps` (and the list below).
    A change to any prop in ``REPLACES`` replaces the account (delete, then
    add): there is no API to modify one.  Attributes ``user``, ``host``,
    ``database`` and ``cluster_id`` are references that resolve only once
    the account is confirmed made, so a resource using them waits for it.
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
        allow_insecure_http: bool = False,
        timeout_seconds: int | float = 600,
        keep_on_destroy: bool = False,
        replace_existing: bool = False,
        restart_proxies: bool = False,
        bridge_command: Sequence[str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        props = AccountProps(
            cluster_id=cluster_id, zone=zone, user=user, password=password, password_env=password_env,
            host=host, database=database, privilege=privilege, ssl=ssl, password_version=password_version,
            endpoint=endpoint, allow_insecure_http=allow_insecure_http, timeout_seconds=timeout_seconds,
            keep_on_destroy=keep_on_destroy, replace_existing=replace_existing, restart_proxies=restart_proxies,
            bridge_command=bridge_command,
        )  # fmt: skip
        account = props.validate(construct_path(self, scope, id))
        AccountsBlock.of(scope, account.bridge_command or bridge_interpreter()).add(account)
        self.key = account.key

    @property
    def user(self) -> str:
        return reference(self.key, "user")

    @property
    def host(self) -> str:
        return reference(self.key, "host")

    @property
    def database(self) -> str:
        return reference(self.key, "database")

    @property
    def cluster_id(self) -> str:
        return reference(self.key, "cluster_id")


def _props_doc() -> str:
    """The props list of the docstring, from the same declarations as the README's table."""
    lines = [f"    - ``{name}`` ({prop.default}; {'replaces' if name in REPLACES else 'in place'}): {prop.doc}"
             for name, prop in DOCS.items()]  # fmt: skip
    return "\n    Props (default; a change replaces the account, or applies in place):\n\n" + "\n".join(lines)


MysqlPlusAccount.__doc__ = (MysqlPlusAccount.__doc__ or "") + _props_doc()

__all__ = ["BLOCK_ID", "MysqlPlusAccount", "MysqlPlusAccountError", "bridge_interpreter", "ephemeral_password"]
