"""The shared blocks of one stack: every account is one key of three ``for_each`` blocks.

- A ``qingcloud_mysqlplus_accounts``: the declared, non-secret fields; its
  only step is the destroy step (``del-user``, from ``self.input``).  Its
  create is instant, so a killed run cannot leave it half made.  Terraform
  runs the destroy step of a key that leaves the map, so removing an account
  from the code deletes it; a block per account would be dropped without it.
- M ``qingcloud_mysqlplus_made``: ``add-user`` then ``replay``; replaced when
  its token changes or A is replaced (A's new id is unknown at plan).
- D ``qingcloud_mysqlplus_confirmed``: no steps; it holds M's token and id,
  so it exists with them only if M's steps all finished.  The construct's
  attributes read D, so consumers wait until the account really exists.

The maps are written once per stack, lazily at synth, so N accounts cost
O(N); tokens come from :mod:`.lookups` then.  The holder construct is found
with ``node.try_find_child`` (nothing is stored on the stack object) and
remembered per scope in a weak map, with the scope's path, so that adding an
account costs one jsii call (its own creation) rather than six.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import jsii
from constructs import Construct

from ..rules import Privilege
from . import lookups
from .framework import fw
from .names import ACCOUNTS_ID, ATTRIBUTES, CONFIRMED_ID, HOLDER_ID, MADE_ID, PASSWORDS_ID
from .props import Account, MysqlPlusAccountError
from .state import StackWhere
from .steps import ADD_ENV as ADD_ENV  # the add step's environment (kept for existing imports)
from .steps import DEL_ENV as DEL_ENV
from .steps import TRIGGERS, add_steps, declared_input, destroy_step, made_value
from .variables import variable_of


@jsii.implements(fw.IAnyProducer)
class _Producer:
    """A value computed in Python when Terraform JSON is written, not when an account is added."""

    def __init__(self, produce: Callable[[], Any]) -> None:
        self._produce = produce

    def produce(self, context: Any) -> Any:
        return self._produce()


class _Scope:
    """What one scope's accounts share: its construct path and its stack's holder."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.block: AccountsBlock | None = None


_SCOPES: WeakKeyDictionary[Construct, _Scope] = WeakKeyDictionary()


def _scope(scope: Construct) -> _Scope:
    found = _SCOPES.get(scope)
    if found is None:
        found = _SCOPES[scope] = _Scope(scope.node.path)
    return found


def construct_path(account: Construct, scope: Construct, id: str) -> str:
    """``account.node.path``, computed in Python when ``id`` needs no escaping (constructs escapes '/')."""
    if "/" in id or not id.isprintable():
        return str(account.node.path)
    parent = _scope(scope).path
    return f"{parent}/{id}" if parent else id


_TERRAFORM = fw.TerraformProviderGeneratorMetadata(provider_name="terraform")  # as DataResource declares it


def _lazy(produce: Callable[[], Any]) -> Any:
    return fw.Lazy.any_value(_Producer(produce))


class AccountsBlock(Construct):
    """The accounts of one stack, and the three blocks and the passwords local written from them."""

    @classmethod
    def of(cls, scope: Construct, interpreter: Sequence[str]) -> AccountsBlock:
        """The stack's holder, made on its first account (with that account's bridge command)."""
        shared = _scope(scope)
        if shared.block is None:
            stack = scope if isinstance(scope, fw.TerraformStack) else fw.TerraformStack.of(scope)
            found = stack.node.try_find_child(HOLDER_ID)
            shared.block = found if isinstance(found, AccountsBlock) else cls(stack, list(interpreter))
        return shared.block

    def __init__(self, stack: Construct, interpreter: list[str]) -> None:
        super().__init__(stack, HOLDER_ID)
        self.entries: dict[str, Account] = {}
        self._superusers: dict[str, str] = {}  # literal cluster -> path of its superuser
        self._tokens: dict[str, str] = {}
        self._restore: set[str] = set()  # keys whose add restores the declaration (changed behind our back)
        accounts, made = self._data("accounts", ACCOUNTS_ID), self._data("made", MADE_ID)
        confirmed = self._data("confirmed", CONFIRMED_ID)
        passwords = fw.TerraformLocal(self, "passwords", _lazy(self._passwords))
        passwords.override_logical_id(PASSWORDS_ID)
        accounts.add_override("for_each", _lazy(self._accounts_map))
        accounts.add_override("input", "${each.value}")
        accounts.add_override("triggers_replace", TRIGGERS)
        accounts.add_override("provisioner", [destroy_step(interpreter)])
        made.add_override("for_each", _lazy(self._made_map))
        made.add_override("input", "${each.value.token}")
        made.add_override(
            "triggers_replace", ["${each.value.token}", f"${{terraform_data.{ACCOUNTS_ID}[each.key].id}}"]
        )
        made.add_override("provisioner", add_steps(interpreter))
        confirmed.add_override("for_each", f"${{terraform_data.{MADE_ID}}}")
        confirmed.add_override("input", {"token": "${each.value.output}", "made": "${each.value.id}"} | {
            name: f"${{terraform_data.{ACCOUNTS_ID}[each.key].output.{name}}}" for name in ATTRIBUTES})  # fmt: skip

    def _data(self, id: str, name: str) -> Any:
        """A ``terraform_data`` block, as a plain ``TerraformResource`` (every attribute is an override).

        Not a ``DataResource``: each of those adds a validation that runs
        ``terraform version`` in a subprocess at synth (0.12-0.15 s per stack)
        to check for Terraform 1.4, while these stacks need 1.10 (ephemeral
        variables), which Terraform itself reports at ``init``.
        """
        resource = fw.TerraformResource(self, id, terraform_resource_type="terraform_data",
                                        terraform_generator_metadata=_TERRAFORM)  # fmt: skip
        resource.override_logical_id(name)
        return resource

    def add(self, account: Account) -> None:
        """Register an account; the same user twice on a cluster, or a second superuser, is refused."""
        other = self.entries.get(account.key)
        if other is not None:  # literal cluster and user make the key, so this is the same account
            raise MysqlPlusAccountError(
                f"{account.path}: user {account['user']} on {account['cluster_id']} is already declared by {other.path}"
            )
        cluster = account.literal("cluster_id")
        if account["privilege"] is Privilege.SUPERUSER and cluster:
            first = self._superusers.setdefault(cluster, account.path)
            if first != account.path:
                raise MysqlPlusAccountError(
                    f"{account.path}: privilege: a second SuperuserAccount on {cluster} ({first} is one); "
                    "a MySQL Plus cluster allows only one"
                )
        self.entries[account.key] = account

    # -- what the lazy values produce, at synth ---------------------------------------------------

    def _sorted(self) -> list[tuple[str, Account]]:
        return sorted(self.entries.items())

    def _accounts_map(self) -> dict[str, Any]:
        return {key: declared_input(a) for key, a in self._sorted()}

    def _passwords(self) -> dict[str, str]:
        return {key: a["password"] for key, a in self._sorted() if a["password"] is not None}

    def _made_map(self) -> dict[str, Any]:
        missing = [a for key, a in self._sorted() if key not in self._tokens]
        if missing:
            found = lookups.tokens(self._where(), [_wanted(a) for a in missing])
            self._tokens.update(found)
            self._restore.update(found.restore)
        return {key: made_value(a, key in self._restore) | {"token": self._tokens[key]} for key, a in self._sorted()}

    def _where(self) -> StackWhere:
        """The stack's id, backend block and directory (a few jsii calls, once per stack)."""
        stack = fw.TerraformStack.of(self)
        backend = stack.node.try_find_child("backend")  # every TerraformBackend takes this id
        terraform = None
        if isinstance(backend, fw.TerraformBackend):
            resolver = fw.DefaultTokenResolver(fw.StringConcat())
            config = fw.Tokenization.resolve(backend.to_terraform(), scope=stack, resolver=resolver, preparing=False)
            terraform = dict(config.get("terraform") or {})
        outdir = Path(fw.App.of(stack).outdir)
        return StackWhere(stack.node.id, terraform, outdir / "stacks" / stack.node.id)


def _wanted(a: Account) -> lookups.Wanted:
    declared = {"host": a["host"], "database": a["database"], "priv": a["privilege"].value, "ssl": a["ssl"]}
    literal = all(a.literal(name) is not None for name in ("host", "database", "ssl"))
    return lookups.Wanted(a.key, a.literal("zone"), a.literal("cluster_id"), a.literal("user"), a.literal("endpoint"),
                          declared if literal else None, functools.partial(_readable_password, a),
                          allow_http=a["allow_insecure_http"])  # fmt: skip


def _readable_password(a: Account) -> str | None:
    """The password's value where synth can read it (``password_env``, or an ``ephemeral_password``'s
    ``TF_VAR_<name>``), for an in-memory comparison only; None otherwise."""
    name = a["password_env"] or None
    if name is None and a["password"] is not None and (variable := variable_of(a["password"])) is not None:
        name = f"TF_VAR_{variable}"
    return os.environ.get(name) if name else None


def reference(key: str, name: str) -> str:
    """An expression for one attribute of a confirmed account."""
    return f"${{terraform_data.{CONFIRMED_ID}[{json.dumps(key)}].output.{name}}}"
