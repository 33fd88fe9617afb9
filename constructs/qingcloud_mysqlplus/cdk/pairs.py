"""Alternating users: which account of a pair is active, and what each member's blocks hold, from the state.

A pair is ``user`` and ``user_alt`` (:func:`..rules.pair_of`), each an
ordinary key of the blocks.  The members' declared-block inputs in the stack's
state say what each was made with; a member made by this mode also holds
``pair`` (the first account's name) and ``generation`` (one more at each
rotation), so single-user accounts hold neither and an upgrade plans nothing.

The active member is the one of the highest generation (an account made in
single-user mode counts as generation 0, so switching it to alternating users
keeps it as it is).  When the declared settings (host, database, privilege,
ssl, password_version) differ from the active member's, the other member gets
the declaration with the next generation and becomes active; the previously
active member keeps its stored settings (its input is unchanged, so Terraform
leaves it alone) and its login keeps working until the next rotation.  Nothing
here imports cdktf.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..rules import Privilege, pair_of
from .props import Account
from .steps import SETTINGS, declared_input

PAIR, GENERATION = "pair", "generation"  # in a pair member's declared-block input only
SETTING_KEYS = tuple(f.input_key for f in SETTINGS)


@dataclass(frozen=True)
class Member:
    """One account of the blocks: what its add makes (``made``), its declared-block input, and whether it
    holds the current declaration (its password is then the declared one, and readable for drift)."""

    made: Account
    input: Mapping[str, Any]
    current: bool = True


def single(a: Account) -> Member:
    return Member(a, declared_input(a))


def members(a: Account, before: Mapping[str, Mapping[str, Any]]) -> tuple[list[Member], str]:
    """The pair's members to declare (the first alone on a first deploy), and the active member's key."""
    users = pair_of(str(a["user"]))
    keys = [f"{a['cluster_id']}/{user}" for user in users]
    found = {key: before[key] for key in keys if isinstance(before.get(key), Mapping)}
    declared = declared_input(a)
    if not found:
        return [_made(a, keys[0], users[0], declared, 1)], keys[0]
    active = max(found, key=lambda key: (_generation(found[key]), -keys.index(key)))
    target, rotate = active, _settings(found[active]) != _settings(declared)
    if rotate:
        target = keys[1 - keys.index(active)]
    result = []
    for key, user in zip(keys, users, strict=True):
        if key == target and (rotate or key not in found):
            result.append(_made(a, key, user, declared, _generation(found[active]) + 1))
        elif key in found:
            result.append(_kept(a, key, user, declared, found[key], current=key == target))
    return result, target


def _generation(stored: Mapping[str, Any]) -> int:
    value = stored.get(GENERATION, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _settings(value: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(value.get(name)) for name in SETTING_KEYS)


def _made(a: Account, key: str, user: str, declared: Mapping[str, Any], generation: int) -> Member:
    """The member that gets the current declaration (and the next generation)."""
    value = dict(declared, user=user, **{PAIR: a["user"], GENERATION: generation})
    return Member(_account(a, key, value), value)


def _kept(a: Account, key: str, user: str, declared: Mapping[str, Any], stored: Mapping[str, Any],
          current: bool) -> Member:  # fmt: skip
    """A member left as it was made: its stored settings (and pair fields), today's other props."""
    value = dict(declared, user=user, **{name: stored.get(name) for name in SETTING_KEYS})
    value.update({name: stored[name] for name in (PAIR, GENERATION) if name in stored})
    return Member(_account(a, key, value), value, current)


def _account(a: Account, key: str, value: Mapping[str, Any]) -> Account:
    """The account a member's add makes: the construct's props with the member's name and settings."""
    settings = {name: value[name] for name in ("user", "host", "database", "ssl", "password_version")}
    return Account(a.path, key, {**a.values, **settings, "privilege": Privilege(value["privilege"])})
