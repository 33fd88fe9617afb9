"""How an account's password is rotated, and the rule that names the second account of an alternating pair.

QingCloud cannot change a password or a host in place: a single account is
deleted and added again (its login fails for the add job).  With alternating
users (AWS Secrets Manager's strategy for such databases) two accounts take
turns: the inactive one is re-made with the new settings and becomes active,
while the previous one keeps working until the next rotation.
"""

from __future__ import annotations

from enum import Enum

from .account import AccountRuleError, check_user, shown

ALT_SUFFIX = "_alt"  # the second account of a pair: the first keeps its name, so an existing account can be one


class Rotation(str, Enum):
    """How a change of password or settings reaches the cluster."""

    SINGLE_USER = "SingleUser"  # one account, deleted and added again in one run (a gap of one add job)
    ALTERNATING_USERS = "AlternatingUsers"  # two accounts taking turns: no gap


def normalize_rotation(value: object) -> Rotation:
    try:
        return Rotation(value)
    except ValueError:
        raise AccountRuleError("rotation", shown(value), "Rotation.SINGLE_USER or Rotation.ALTERNATING_USERS") from None


def pair_of(user: str) -> tuple[str, str]:
    """The two accounts of an alternating pair: ``user`` itself and ``user_alt``, which must fit 26 characters."""
    alt = f"{user}{ALT_SUFFIX}"
    try:
        check_user(alt)
    except AccountRuleError:
        raise AccountRuleError("user", shown(user), f"at most {26 - len(ALT_SUFFIX)} characters with "
                               f"rotation=ALTERNATING_USERS, whose second account is {alt!r} (26 at most)") from None  # fmt: skip
    return user, alt


def primary_of(user: str) -> str | None:
    """The first account of the pair ``user`` is the second account of (``x`` for ``x_alt``), else None."""
    return user[: -len(ALT_SUFFIX)] if user.endswith(ALT_SUFFIX) and len(user) > len(ALT_SUFFIX) + 1 else None
