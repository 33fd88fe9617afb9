"""The shared blocks of one stack: every account is one key of three ``for_each`` blocks.

- A ``qingcloud_mysqlplus_accounts``: the declared, non-secret fields; its
  only step is the destroy step (``del-user``, from ``self.input``).  Its
  create is instant, so a killed run cannot leave it half made.  Terraform
  runs the destroy step of a key that leaves the map, so removing an account
  from the code deletes it; a block per account would be dropped without it.
  Only a change of cluster, zone or user (another account) replaces A: the
  settings' positions in ``triggers_replace`` are in ``ignore_changes``, so a
  settings change updates A in place and no destroy step runs.
- M ``qingcloud_mysqlplus_made``: ``add-user`` then ``replay``; replaced when
  its token changes, A is replaced (A's new id is unknown at plan), or one of
  A's settings changes (``replace_triggered_by``).  Its add then runs with
  ``replace_existing`` (A's stored triggers differ from its input): one bridge
  run deletes and adds the account, so its outage is its own add job.
- D ``qingcloud_mysqlplus_confirmed``: no steps; it holds M's token and id,
  so it exists with them only if M's steps all finished.  The construct's
  attributes read D, so consumers wait until the account really exists.

The maps are written once per stack, lazily at synth, so N accounts cost
O(N); tokens come from :mod:`.lookups` then, and a pair of alternating users
is resolved into its members from the stack's state (:mod:`.pairs`).  The holder construct is found
with ``node.try_find_child`` (nothing is stored on the stack object) and
remembered per scope in a weak map, with the scope's path, so that adding an
account costs one jsii call (its own creation) rather than six.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import jsii
from constructs import Construct

from ..rules import Privilege, Rotation, pair_of
from . import lookups
from .framework import fw, unresolved
from .names import ACCOUNTS_ID, ATTRIBUTES, CONFIRMED_ID, HOLDER_ID, MADE_ID, PASSWORDS_ID
from .pairs import SETTING_KEYS, Member, members, single
from .props import Account, MysqlPlusAccountError
from .state import StackWhere, deployed, read_state
from .steps import ADD_ENV as ADD_ENV  # the add step's environment (kept for existing imports)
from .steps import DEL_ENV as DEL_ENV
from .steps import IGNORED, TRIGGERS, add_steps, destroy_step, made_value, replaced_by
from .variables import variable_of


@jsii.implements(fw.IAnyProducer, fw.IStringProducer)
class _Producer:
    """A value computed in Python when Terraform JSON is written, not when an account is added (any value, or
    a string for ``Lazy.string_value``)."""

    def __init__(self, produce: Callable[[], Any]) -> None:
        self._produce = produce

    def produce(self, context: Any) -> Any:
        return self._produce()


@dataclass
class _Resolved:
    """A stack's accounts as the blocks hold them, decided once per synth."""

    members: dict[str, Member]  # key -> what its blocks hold
    active: dict[str, str]  # the construct's key -> the key of the account to log in as now
    unreadable: str  # why the stack's state could not be read, where a pair needed it ("": read or not needed)
    pairs: list[str]  # the paths of the alternating constructs


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
        self._claimed: dict[str, str] = {}  # key -> the path of the construct declaring it (a pair: two keys)
        self._resolved: _Resolved | None = None
        self._tokens: dict[str, str] = {}
        self._restore: set[str] = set()  # keys whose add replaces what is there (drift, or settings changed)
        self._undecided: set[str] = set()  # keys whose state could not be read: the add step decides
        accounts, made = self._data("accounts", ACCOUNTS_ID), self._data("made", MADE_ID)
        confirmed = self._data("confirmed", CONFIRMED_ID)
        passwords = fw.TerraformLocal(self, "passwords", _lazy(self._passwords))
        passwords.override_logical_id(PASSWORDS_ID)
        accounts.add_override("for_each", _lazy(self._accounts_map))
        accounts.add_override("input", "${each.value}")
        accounts.add_override("triggers_replace", TRIGGERS)
        accounts.add_override("provisioner", [destroy_step(interpreter)])
        accounts.add_override("lifecycle", {"ignore_changes": IGNORED})  # a settings change updates A in place
        made.add_override("for_each", _lazy(self._made_map))
        made.add_override("input", "${each.value.token}")
        made.add_override(
            "triggers_replace", ["${each.value.token}", f"${{terraform_data.{ACCOUNTS_ID}[each.key].id}}"]
        )
        made.add_override("lifecycle", {"replace_triggered_by": replaced_by(f"terraform_data.{ACCOUNTS_ID}"),
                                        "precondition": _lazy(self._refusals)})  # fmt: skip
        made.add_override("provisioner", add_steps(interpreter, f"terraform_data.{ACCOUNTS_ID}"))
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
        """Register an account; the same user twice on a cluster (a pair's second one too), or a second
        superuser, is refused."""
        cluster = account.literal("cluster_id")
        keys = [account.key]
        if account["rotation"] is Rotation.ALTERNATING_USERS:
            keys.append(f"{cluster}/{pair_of(account['user'])[1]}")
        for key in keys:
            other = self._claimed.get(key)
            if other is not None:  # literal cluster and user make the key, so this is the same account
                user = key.split("/", 1)[1] if key != account.path else account["user"]
                raise MysqlPlusAccountError(f"{account.path}: user {user} on {account['cluster_id']} is already "
                                            f"declared by {other}")  # fmt: skip
        if account["privilege"] is Privilege.SUPERUSER and cluster:
            first = self._superusers.setdefault(cluster, account.path)
            if first != account.path:
                raise MysqlPlusAccountError(
                    f"{account.path}: privilege: a second SuperuserAccount on {cluster} ({first} is one); "
                    "a MySQL Plus cluster allows only one"
                )
        self._claimed.update(dict.fromkeys(keys, account.path))
        self.entries[account.key] = account
        self._resolved = None

    def active_key(self, key: str) -> str:
        """The key of the account an application logs in as now: a pair's active member, else ``key``."""
        return self._resolve().active[key]

    # -- what the lazy values produce, at synth ---------------------------------------------------

    def _resolve(self) -> _Resolved:
        """Every account of the blocks (a pair's members from the stack's state), and each one's token."""
        if self._resolved is not None:
            return self._resolved
        pairs = [a for a in self.entries.values() if a["rotation"] is Rotation.ALTERNATING_USERS]
        where = self._where()
        # A file a killed run left empty is no state to Terraform, but no pair may be chosen from it.
        state = read_state(where, os.environ, empty_is_cut=True) if pairs and not lookups.off(os.environ) else None
        before = deployed(state) if isinstance(state, dict) else {}
        resolved = _Resolved({}, {}, state if isinstance(state, str) else "", sorted(a.path for a in pairs))
        for key, a in sorted(self.entries.items()):
            alternating = a["rotation"] is Rotation.ALTERNATING_USERS
            found, resolved.active[key] = members(a, before) if alternating else ([single(a)], key)
            resolved.members.update({m.made.key: m for m in found})
        missing = [m for key, m in resolved.members.items() if key not in self._tokens]
        if missing:
            tokens = lookups.tokens(where, [_wanted(m) for m in missing], state=state)
            self._tokens.update(tokens)
            self._restore.update(tokens.restore)
            self._undecided.update(() if tokens.decided else (m.made.key for m in missing))
        self._resolved = resolved
        return resolved

    def _sorted(self) -> list[tuple[str, Member]]:
        return sorted(self._resolve().members.items())

    def _accounts_map(self) -> dict[str, Any]:
        return {key: dict(m.input) for key, m in self._sorted()}

    def _passwords(self) -> dict[str, str]:
        return {key: m.made["password"] for key, m in self._sorted() if m.made["password"] is not None}

    def _made_map(self) -> dict[str, Any]:
        return {key: made_value(m.made, key in self._restore, key in self._undecided) | {"token": self._tokens[key]}
                for key, m in self._sorted()}  # fmt: skip

    def _refusals(self) -> list[dict[str, str]] | None:
        """M's preconditions: where a pair's active account cannot be chosen (the state is unreadable), the
        plan fails with one line before anything runs."""
        resolved = self._resolve()
        if not resolved.unreadable:
            return None
        keys = json.dumps(sorted(k for k, m in resolved.members.items() if m.made.path in resolved.pairs))
        message = (f"rotation=ALTERNATING_USERS ({', '.join(resolved.pairs)}) chooses the active account from the "
                   f"stack's state at synth, which could not be read ({resolved.unreadable}); make the state "
                   "readable and deploy again")  # fmt: skip
        return [{"condition": f"${{!contains({keys}, each.key)}}", "error_message": message}]

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


def _wanted(m: Member) -> lookups.Wanted:
    """What the lookups check of one account (a pair's previous member: its settings, never the password)."""
    a = m.made
    declared = {"host": a["host"], "database": a["database"], "priv": a["privilege"].value, "ssl": a["ssl"]}
    literal = all(a.literal(name) is not None for name in ("host", "database", "ssl"))
    return lookups.Wanted(a.key, a.literal("zone"), a.literal("cluster_id"), a.literal("user"), a.literal("endpoint"),
                          declared if literal else None,
                          functools.partial(_readable_password, a) if m.current else _unreadable,
                          allow_http=a["allow_insecure_http"], settings=_settings(m))  # fmt: skip


def _settings(m: Member) -> tuple[str, ...] | None:
    """The member's settings as A's input holds them, when all are literals (None: a token among them)."""
    values = [m.input[name] for name in SETTING_KEYS]
    return None if any(unresolved(v) for v in values) else tuple(str(v) for v in values)


def _unreadable() -> None:
    return None


def _readable_password(a: Account) -> str | None:
    """The password's value where synth can read it (``password_env``, or an ``ephemeral_password``'s
    ``TF_VAR_<name>``), for an in-memory comparison only; None otherwise."""
    name = a["password_env"] or None
    if name is None and a["password"] is not None and (variable := variable_of(a["password"])) is not None:
        name = f"TF_VAR_{variable}"
    return os.environ.get(name) if name else None


def active_reference(block: AccountsBlock, key: str, name: str) -> str:
    """An attribute of the account an application logs in as now, decided at synth (a pair's active member)."""
    return str(fw.Lazy.string_value(_Producer(lambda: reference(block.active_key(key), name))))


def reference(key: str, name: str) -> str:
    """An expression for one attribute of a confirmed account."""
    return f"${{terraform_data.{CONFIRMED_ID}[{json.dumps(key)}].output.{name}}}"
