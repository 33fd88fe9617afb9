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

from ..bridge.fields import FIELDS
from ..rules import ALL_DATABASES, ALL_HOSTS, Privilege, Rotation
from .block import AccountsBlock, active_reference, construct_path, reference
from .names import ACCOUNTS_ID
from .props import PROP_NAMES, AccountProps, MysqlPlusAccountError
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

    Props are keyword only, declared in ``qingcloud_mysqlplus.bridge.fields``
    (listed below; a test holds these keyword arguments to that table).  A
    change to a prop that "replaces" replaces the account (delete, then add,
    in one bridge run per account): there is no API to modify one.  With
    ``rotation=Rotation.ALTERNATING_USERS`` two accounts (``user`` and
    ``user_alt``) take turns instead, and ``active_user`` names the one to log
    in as.  Attributes ``user``, ``host``, ``database``, ``cluster_id`` and
    ``active_user`` are references that resolve only once the account is
    confirmed made, so a resource using them waits for it.
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
        rotation: Rotation | str = Rotation.SINGLE_USER,
        endpoint: str | None = None,
        allow_insecure_http: bool = False,
        timeout_seconds: int | float = 600,
        keep_on_destroy: bool = False,
        replace_existing: bool = False,
        restart_proxies: bool = False,
        bridge_command: Sequence[str] | None = None,
    ) -> None:
        given = locals()  # the keyword arguments above, each a prop of the table
        props = AccountProps(**{name: given[name] for name in PROP_NAMES})
        super().__init__(scope, id)
        account = props.validate(construct_path(self, scope, id))
        self._block = AccountsBlock.of(scope, account.bridge_command or bridge_interpreter())
        self._block.add(account)
        self.key = account.key
        self.rotation: Rotation = account["rotation"]

    def _attribute(self, name: str) -> str:
        if self.rotation is Rotation.ALTERNATING_USERS:  # the active account, decided from the state at synth
            return active_reference(self._block, self.key, name)
        return reference(self.key, name)

    @property
    def active_user(self) -> str:
        """The account an application should log in as now (with alternating users, the active one of the
        pair); it resolves once that account is confirmed made.  Use it in a ``TerraformOutput``."""
        return self._attribute("user")

    @property
    def user(self) -> str:
        return self._attribute("user")

    @property
    def host(self) -> str:
        return self._attribute("host")

    @property
    def database(self) -> str:
        return self._attribute("database")

    @property
    def cluster_id(self) -> str:
        return self._attribute("cluster_id")


def _props_doc() -> str:
    """The props list of the docstring, from the same table as the docs' props table."""
    lines = [f"    - ``{f.name}`` ({f.shown_default}; {'replaces' if f.replaces else 'in place'}): {f.doc}"
             for f in FIELDS]  # fmt: skip
    return "\n    Props (default; a change replaces the account, or applies in place):\n\n" + "\n".join(lines)


MysqlPlusAccount.__doc__ = (MysqlPlusAccount.__doc__ or "") + _props_doc()

__all__ = ["BLOCK_ID", "MysqlPlusAccount", "MysqlPlusAccountError", "bridge_interpreter", "ephemeral_password"]
