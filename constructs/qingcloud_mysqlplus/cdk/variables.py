"""``ephemeral_password``: declared as plain data, written once per stack, each costing one jsii call.

A ``TerraformVariable`` per password cost three round trips to the jsii
kernel (its creation, its ``ephemeral`` override, its ``string_value``).
Here each declaration is kept in Python by the stack's one
:class:`EphemeralVariables` element, which writes them all as one
``variable`` fragment when Terraform JSON is produced; the password itself is
``Fn.lookup_nested(var, [name])``, one call that returns a real token
rendering as ``${var.name}`` (``var.name`` inside a function), as a
variable's ``string_value`` did.  Names are those a ``TerraformVariable`` at
the same scope and id got: cdktf's ``makeUniqueId``, ported below.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from constructs import Construct

from .framework import TOKEN_MARKER, fw, known_token
from .names import VARIABLES_ID
from .props import MysqlPlusAccountError

DESCRIPTION = "Password of a MySQL Plus account (ephemeral: kept out of state and plans)."
HIDDEN_ID, HIDDEN_FROM_HUMAN_ID = "Default", "Resource"  # as cdktf's private/unique.js
IDENTIFIER = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")  # cdktf writes var.NAME for these, else var["NAME"]
TERRAFORM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")  # what Terraform accepts as a variable name
RESERVED = ("count", "depends_on", "for_each", "lifecycle", "locals", "providers", "source", "version")


def sanitized(id: str) -> str:
    """A construct id as constructs stores it (``sanitizeId``: path and address separators become ``--``)."""
    return id.replace("/", "--").replace("\n", "--")


def unique_id(components: Sequence[str]) -> str:
    """cdktf's ``makeUniqueId``: an element's logical id from the ids of its scopes below the stack, and its own."""
    parts = [c for c in components if c != HIDDEN_ID]
    if len(parts) == 1 and len(candidate := _allowed(parts[0])) <= 255:
        return candidate
    digest = hashlib.md5("/".join(parts).encode(), usedforsecurity=False).hexdigest()[:8].upper()
    human = "_".join(_allowed(p) for p in _without_dupes(parts) if p != HIDDEN_FROM_HUMAN_ID)
    return f"{human[:240]}_{digest}"


def _allowed(component: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "", component)


def _without_dupes(parts: Sequence[str]) -> list[str]:
    """Drops a component that the previous one ends with (cdktf's ``removeDupes``)."""
    kept: list[str] = []
    for part in parts:
        if not kept or not kept[-1].endswith(part):
            kept.append(part)
    return kept


@dataclass(frozen=True)
class Declared:
    """One ephemeral password variable: where it was declared, its description, and (HCL only) its element."""

    path: str
    id: str
    description: str
    element: Any = None  # a TerraformVariable that writes itself, else None: written by EphemeralVariables

    def variable(self, scope: Construct) -> Any:
        """The ``TerraformVariable`` that ephemeral_password made before (three jsii calls)."""
        made = fw.TerraformVariable(scope, self.id, type="string", sensitive=True, nullable=False,
                                    description=self.description)  # fmt: skip
        made.add_override("ephemeral", True)
        return made

    def json(self) -> dict[str, Any]:
        """What a ``TerraformVariable`` with the ``ephemeral`` override wrote."""
        return {"description": self.description, "type": "string", "sensitive": True, "nullable": False,
                "ephemeral": True}  # fmt: skip

    def hcl(self) -> dict[str, Any]:
        """Its ``toHclTerraform`` (cdktf leaves a false ``nullable`` out of HCL)."""
        return {"description": {"value": self.description, "type": "simple", "storage_class_type": "string"},
                "type": {"value": "string", "type": "type"},
                "sensitive": {"value": True, "type": "simple", "storage_class_type": "boolean"},
                "ephemeral": True}  # fmt: skip


class EphemeralVariables(fw.TerraformElement):
    """The ephemeral password variables of one stack, written as one ``variable`` fragment at synth."""

    def __init__(self, stack: fw.TerraformStack) -> None:
        super().__init__(stack, VARIABLES_ID)
        self._stack = stack
        self.declared: dict[str, Declared] = {}

    def declare(self, name: str, declared: Declared) -> None:
        """Register a variable; a name already declared in this stack is refused at once."""
        other = self.declared.get(name)
        if other is not None:
            raise MysqlPlusAccountError(
                f"{declared.path}: ephemeral_password: id {declared.id!r} makes variable {name!r}, "
                f"already declared by ephemeral_password at {other.path}; use another id"
            )
        self.declared[name] = declared

    def to_terraform(self) -> Any:
        self._refuse_declared_elsewhere()
        return self._fragment(Declared.json)

    def to_hcl_terraform(self) -> Any:
        self._refuse_declared_elsewhere()
        return self._fragment(Declared.hcl)

    def _fragment(self, write: Callable[[Declared], dict[str, Any]]) -> dict[str, Any]:
        variables = {name: write(d) for name, d in self.declared.items() if d.element is None}
        return {"variable": variables} if variables else {}

    def _refuse_declared_elsewhere(self) -> None:
        """A ``TerraformVariable`` of this stack with one of these names would be merged into it silently."""
        for found in self._stack.node.find_all():  # one call; a name is read only for each TerraformVariable
            if not isinstance(found, fw.TerraformVariable):
                continue
            name = found.friendly_unique_id
            mine = self.declared.get(name)
            if mine is None or found is mine.element or fw.TerraformStack.of(found) is not self._stack:
                continue  # another name, the HCL path's own element, or a nested stack's variable
            raise MysqlPlusAccountError(
                f"{mine.path}: ephemeral_password: id {mine.id!r} makes variable {name!r}, "
                f"which the TerraformVariable at {found.node.path} declares too; use another id"
            )


class _Place(NamedTuple):
    """What ephemeral_password needs of a scope: its path, its ids below the stack, the stack's variables."""

    path: str
    below: tuple[str, ...]
    stack: fw.TerraformStack
    variables: EphemeralVariables


_PLACES: WeakKeyDictionary[Construct, _Place] = WeakKeyDictionary()
_VARIABLES: WeakKeyDictionary[Construct, EphemeralVariables] = WeakKeyDictionary()


def _place(scope: Construct) -> _Place:
    """A few jsii calls the first time a scope is seen, none after."""
    found = _PLACES.get(scope)
    if found is None:
        stack = scope if isinstance(scope, fw.TerraformStack) else fw.TerraformStack.of(scope)
        path = str(scope.node.path)  # asked here, not of block.py's cache: block.py imports this module
        top = path if scope is stack else str(stack.node.path)
        below = tuple(path[len(top) + 1 :].split("/")) if scope is not stack else ()
        found = _PLACES[scope] = _Place(path, below, stack, _variables(stack))
    return found


def _variables(stack: fw.TerraformStack) -> EphemeralVariables:
    found = _VARIABLES.get(stack)
    if found is None:
        child = stack.node.try_find_child(VARIABLES_ID)
        found = _VARIABLES[stack] = child if isinstance(child, EphemeralVariables) else EphemeralVariables(stack)
    return found


def _custom_naming(stack: fw.TerraformStack) -> bool:
    """Whether the stack's class allocates logical ids its own way (cdktf's documented escape hatch)."""
    return any(getattr(type(stack), m) is not getattr(fw.TerraformStack, m)
               for m in ("_allocate_logical_id", "get_logical_id"))  # fmt: skip


@functools.cache
def _var() -> Any:
    """``var`` as an expression part: the target of every password's property access (one call per process)."""
    return fw.Token.as_any("var")


def _reference(name: str) -> str:
    """A token for ``var.<name>``: one jsii call, two for a name that is not a plain identifier."""
    if IDENTIFIER.fullmatch(name):
        return str(fw.Fn.lookup_nested(_var(), [name]))
    return str(fw.Fn.lookup_nested(fw.Token.as_any(f"var.{name}"), []))


def _name(place: _Place, scope: Construct, id: str) -> str:
    """The variable's name, as cdktf names a ``TerraformVariable(scope, id)``."""
    if _custom_naming(place.stack):  # ask the stack, through an element that writes nothing
        return str(fw.TerraformElement(scope, id).friendly_unique_id)
    if [c for c in (*place.below, sanitized(id)) if c != HIDDEN_ID]:
        return unique_id((*place.below, sanitized(id)))
    return ""  # cdktf cannot name it either


def _accepted_variable_name(name: str, id: str, path: str) -> str:
    """A name Terraform accepts for a variable, else a one-line refusal naming the id."""
    if not TERRAFORM_NAME.fullmatch(name) or name in RESERVED:
        raise MysqlPlusAccountError(
            f"{path}: ephemeral_password: id {id!r} makes variable name {name!r}; expected a name that starts "
            f"with a letter or underscore, then letters, digits, underscores or dashes, and is none of {RESERVED}"
        )
    return name


def _hcl_output() -> bool:
    """Whether stacks write HCL (cdktf reads this when a stack is made); its renderer writes one variable per element."""
    return os.environ.get("SYNTH_HCL_OUTPUT") in ("true", "1")


_NAMES: dict[str, str] = {}  # password token -> its variable's name, for the synth-time drift check


def variable_of(token: str) -> str | None:
    """The name of the ephemeral variable a password token reads (None: not an ``ephemeral_password``)."""
    return _NAMES.get(token)


def ephemeral_password(scope: Construct, id: str, *, description: str | None = None) -> str:
    """A sensitive, ephemeral string variable to pass as ``password`` (or anywhere a string goes).

    Its value (``TF_VAR_<name>`` at deploy time) never reaches cdk.tf.json,
    the state or a plan file.  Needs Terraform 1.10 or newer.  ``<name>`` is
    ``id`` under a stack, and what cdktf names a variable at that path
    otherwise; the same name twice in a stack, or a ``TerraformVariable`` of
    that name, is refused.
    """
    if not isinstance(id, str) or not id or TOKEN_MARKER in id:
        raise MysqlPlusAccountError(f"ephemeral_password: id: received {id!r}; expected a non-empty literal string")
    place = _place(scope)
    path = f"{place.path}/{sanitized(id)}" if place.path else sanitized(id)
    declared = Declared(path, id, description or DESCRIPTION)
    if _hcl_output():  # as before: a TerraformVariable each
        variable = declared.variable(scope)
        name = _accepted_variable_name(str(variable.friendly_unique_id), id, path)
        place.variables.declare(name, replace(declared, element=variable))
        token = known_token(variable.string_value)
    else:
        name = _accepted_variable_name(_name(place, scope, id), id, path)
        place.variables.declare(name, declared)
        token = known_token(_reference(name))
    _NAMES[token] = name
    return token
