"""What the blocks hold for each account, from the props table: A's input, M's map, and the steps reading them.

A (``qingcloud_mysqlplus_accounts``) keeps the props whose change replaces
the account and those its destroy step reads (a destroy step may read only
``self.input``); M (``qingcloud_mysqlplus_made``) keeps, for its add step,
each prop exactly as the bridge reads it from the environment.  The password
is in neither, nor in the visible add step: Terraform hides every line of a
step whose configuration holds an ephemeral value, so the visible step names
the password's variable (``TF_VAR_<name>`` of an ``ephemeral_password``) and
the bridge reads it from the environment local-exec inherits from Terraform.
Only when that variable is not there (the value came from ``-var`` or a
tfvars file) does the hidden step, which holds the ephemeral value, do the
add; ``replay`` then shows its result.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

from ..bridge import contract
from ..bridge.fields import ADD, DELETE, FIELDS, Field, field
from .names import PASSWORDS_ID
from .props import Account

DECLARED = tuple(f for f in FIELDS if f.replaces or DELETE in f.commands)  # A's input
TRIGGERS = [f"${{each.value.{f.input_key}}}" for f in FIELDS if f.replaces]  # A's triggers_replace
ADDED = tuple(f for f in FIELDS if ADD in f.commands and not f.secret)  # M's map
ADD_ENV = {f.env: f.step_key for f in ADDED}  # environment variable of the add step -> its key in M's map
DELETED = tuple(f for f in FIELDS if DELETE in f.commands)  # what the destroy step reads from A's input
DEL_ENV = {f.env: f.input_key for f in DELETED}  # environment variable of the destroy step -> its key in A's input
REPLACE = field("replace_existing")  # what the add of an account changed behind Terraform's back turns on
UNDECIDED = "auto"  # M's replace_existing when the synth could not read the state: the add step decides from A
IDENTITY = ("cluster_id", "zone", "user")  # a change of these is another account: A is replaced (delete, add)
REPLACING = tuple(f for f in FIELDS if f.replaces)  # in TRIGGERS' order
SETTINGS = tuple(f for f in REPLACING if f.name not in IDENTITY)  # re-made in one add run, A updated in place
IGNORED = [f"triggers_replace[{i}]" for i, f in enumerate(REPLACING) if f in SETTINGS]  # A keeps its creation's
PASSWORD_ENV = field("password_env")
DEFER_KEY = "defer"  # M's map: whether the visible add step may leave the add to the hidden one


def declared_input(a: Account) -> dict[str, Any]:
    """A's input for one account (its construct path too, for people reading the state)."""
    return {f.input_key: _plain(a[f.name]) for f in DECLARED} | {"construct": a.path}


def made_value(a: Account, restore: bool = False, undecided: bool = False) -> dict[str, str]:
    """The add step's fields: exactly what the bridge reads from ``ADD_ENV``.  ``restore``: the add
    replaces what is there (changed behind Terraform's back, or settings changed since the add).
    ``undecided``: the synth could not tell (lookups off, state unreadable): the add step decides from A."""
    value = {f.step_key: _as_read(f, a[f.name]) for f in ADDED}
    if restore:
        value[REPLACE.step_key] = contract.flag_word(True)
    elif undecided and value[REPLACE.step_key] != contract.flag_word(True):
        value[REPLACE.step_key] = UNDECIDED
    if a["password"] is not None:  # a token: the visible step reads its variable when it knows it, else defers
        value[PASSWORD_ENV.step_key] = _variable_of(a["password"])
    value[DEFER_KEY] = contract.flag_word(a["password"] is not None)
    return value


def _variable_of(token: str) -> str:
    """``TF_VAR_<name>`` of an ``ephemeral_password`` token; "" for any other token (the hidden step adds it)."""
    from .variables import variable_of  # variables imports block, which imports this module

    name = variable_of(token)
    return f"TF_VAR_{name}" if name else ""


def _plain(value: Any) -> Any:
    """A normalized prop as A's input holds it: an enum by its value, anything else as it is."""
    return value.value if isinstance(value, Enum) else value


def _as_read(f: Field, value: Any) -> Any:
    """A normalized prop as the bridge reads it from the environment: a boolean as a flag word
    (ssl is YES or NO by then), an enum by its value, anything else (a string or a token) as it is."""
    if f.boolean:
        return contract.flag_word(value == "YES" if isinstance(value, str) else bool(value))
    return _plain(value)


def destroy_step(interpreter: list[str]) -> dict[str, Any]:
    """``del-user`` from ``self.input`` only: a destroy step may reference nothing else."""
    env = {f.env: _from_input(f) for f in DELETED}
    return {"local-exec": {"when": "destroy", "interpreter": interpreter, "command": "del-user", "environment": env}}


def _from_input(f: Field) -> str:
    """The destroy step's value of a prop, from A's stored input (a boolean as a flag word)."""
    stored = f"self.input.{f.input_key}"
    if f.added_later:  # an instance made by an earlier version has no such field in its stored input
        stored = f"try({stored}, {json.dumps(f.default)})"
    return _flag_word(stored) if f.boolean else f"${{{stored}}}"


def _flag_word(condition: str) -> str:
    """A boolean Terraform expression, written into the environment as the bridge reads a flag."""
    return f'${{{condition} ? "{contract.flag_word(True)}" : "{contract.flag_word(False)}"}}'


def replaced_by(accounts: str) -> list[str]:
    """M's ``replace_triggered_by``: a change of one of A's settings (``input``: known at plan, unlike
    ``output``, which is unknown during an update and would trigger on every change of A)."""
    return [f"{accounts}[each.key].input.{f.input_key}" for f in SETTINGS]


def replace_flag(accounts: str) -> str:
    """The add step's ``replace_existing``: as M's map says (the prop, a restore, or settings changed since a
    confirmed add: decided at synth from the state).  Where the synth could not read the state, M's map says
    ``auto`` and the step decides: A's settings changed since A was created (its ``triggers_replace`` is
    ignored there, so it keeps that creation's values).  The bridge then deletes what the history shows and
    adds the declaration in one run on the cluster."""
    made = jsonencode_list(f"{accounts}[each.key].input.{f.input_key}" for f in REPLACING)
    moved = f"jsonencode({accounts}[each.key].triggers_replace) != {made}"
    key = f"each.value.{REPLACE.step_key}"
    return _flag_word(f'{key} == "{contract.flag_word(True)}" || {key} == "{UNDECIDED}" && {moved}')


def jsonencode_list(items: Any) -> str:
    return f"jsonencode([{', '.join(items)}])"


def add_steps(interpreter: list[str], accounts: str) -> list[dict[str, Any]]:
    """``add-user`` without the secret (its lines show as they come), the same with it (hidden, only when
    the first deferred to it), then ``replay`` (prints a failure, or the hidden step's result, and fails for it).

    The first step reads the password from the variable it names in the
    environment Terraform passes on; when that is not there it records that
    it deferred and exits 0.  Neither add step fails by itself: ``replay``
    prints a failure's one line and fails, so Terraform's error block holds
    that line only (a failing step's block repeats all its output).  The second holds the ephemeral value, so
    Terraform hides all its output and it never fails by itself; it adds
    with that value, or (the first did the add) checks that the variable held
    the value Terraform was given (``-var`` or a tfvars file wins over it).
    """
    status = contract.status_file("${self.id}")
    env = {name: f"${{each.value.{key}}}" for name, key in ADD_ENV.items()}
    env[REPLACE.env] = replace_flag(accounts)
    env[contract.STATUS_FILE] = status
    visible = env | {contract.DEFER: f"${{each.value.{DEFER_KEY}}}"}
    hidden = env | {contract.IF_DEFERRED: contract.flag_word(True),
                    contract.PASSWORD: f'${{lookup(local.{PASSWORDS_ID}, each.key, "")}}'}  # fmt: skip
    replay = {contract.STATUS_FILE: status}
    return [{"local-exec": {"interpreter": interpreter, "command": "add-user", "environment": visible,
                            "on_failure": "continue"}},
            {"local-exec": {"interpreter": interpreter, "command": "add-user", "environment": hidden,
                            "on_failure": "continue"}},
            {"local-exec": {"interpreter": interpreter, "command": "replay", "environment": replay}}]  # fmt: skip
