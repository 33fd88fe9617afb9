"""Account rules for MySQL Plus ``add_user`` / ``del_user``: the one source of truth.

The construct checks them at synth time, the bridge before any API call, and
the simulator on the server side, so all three agree by construction.  Every
rejection is an :class:`AccountRuleError` naming the field, what was received
and what was expected.  A password is never echoed, not even in part.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .grants import STANDARD_DATABASE_GRANTS, STANDARD_GLOBAL_GRANTS, Privilege

USER_PATTERN = re.compile(r"[A-Za-z0-9_]{2,26}")
RESERVED_USERS = frozenset({"root", "qc_admin", "qc_repl", "qc_check", "monitor"})
PASSWORD_SPECIALS = "@#$%^&*_+-="
PASSWORD_MIN, PASSWORD_MAX = 8, 32
# Assumed (the docs are silent): a database name is 1-64 of these characters,
# MySQL's limit for an identifier, without anything that needs quoting.
DATABASE_PATTERN = re.compile(r"[A-Za-z0-9_$-]{1,64}")
ALL_DATABASES = "*"
ALL_HOSTS = "%"
SHOWN_MAX = 40  # received values longer than this are shortened in messages


class AccountRuleError(ValueError):
    """A value that QingCloud would refuse; the message is safe to print."""

    def __init__(self, field: str, received: str, expected: str) -> None:
        self.field = field
        self.received = received
        self.expected = expected
        super().__init__(f"{field}: received {received}; expected {expected}")


def shown(value: object) -> str:
    """A short, printable rendering of a non-secret received value."""
    text = repr(value)
    if len(text) > SHOWN_MAX:
        text = text[: SHOWN_MAX - 5] + "...'" + f" ({len(str(value))} characters)"
    return text


CLUSTER_ID = re.compile(r"cl-[a-z0-9]{1,32}")
ZONE = re.compile(r"[a-z0-9-]{1,32}")


def check_cluster_id(value: object) -> str:
    if isinstance(value, str) and CLUSTER_ID.fullmatch(value):
        return value
    raise AccountRuleError("cluster_id", shown(value), "a cluster id such as cl-ouhutv70")


def check_zone(value: object) -> str:
    """Zones are lower case on the wire (sh1a, pek3a); upper case is accepted and lowered."""
    if isinstance(value, str) and ZONE.fullmatch(value.lower()):
        return value.lower()
    raise AccountRuleError("zone", shown(value), "a zone such as sh1a or pek3a")


def check_user(value: object) -> str:
    expected = "2 to 26 characters of A-Z a-z 0-9 _"
    if not isinstance(value, str):
        raise AccountRuleError("user", f"a {type(value).__name__}", expected)
    if not USER_PATTERN.fullmatch(value):
        raise AccountRuleError("user", shown(value), expected)
    if value.lower() in RESERVED_USERS:
        reserved = ", ".join(sorted(RESERVED_USERS))
        raise AccountRuleError("user", shown(value), f"a name other than the reserved {reserved}")
    return value


def check_password(value: object) -> str:
    """Check a password; messages describe it without quoting any of it."""
    expected = (
        f"{PASSWORD_MIN} to {PASSWORD_MAX} characters with an upper-case letter, a lower-case "
        f"letter, a digit and one of {PASSWORD_SPECIALS}, and no other characters"
    )
    if not isinstance(value, str):
        raise AccountRuleError("password", f"a {type(value).__name__}", expected)
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise AccountRuleError("password", f"a value of {len(value)} characters", expected)
    allowed = set(PASSWORD_SPECIALS)
    if any(not (c.isascii() and c.isalnum()) and c not in allowed for c in value):
        raise AccountRuleError("password", "a value with a character that is not allowed", expected)
    missing = [
        name
        for name, present in (
            ("an upper-case letter", any(c.isupper() for c in value)),
            ("a lower-case letter", any(c.islower() for c in value)),
            ("a digit", any(c.isdigit() for c in value)),
            ("a special character", any(c in allowed for c in value)),
        )
        if not present
    ]
    if missing:
        raise AccountRuleError("password", "a value without " + " or ".join(missing), expected)
    return value


def _host_entry(entry: str) -> str:
    expected = "'%' alone, or IPv4 addresses and CIDR subnets separated by ';'"
    try:
        if "/" in entry:
            net = ipaddress.IPv4Network(entry, strict=True)
            if net.prefixlen == 0:
                raise AccountRuleError("host", shown(entry), "'%' for every host, not a /0 subnet")
            return str(net)
        return str(ipaddress.IPv4Address(entry))
    except ValueError as err:
        if isinstance(err, AccountRuleError):
            raise
        if "host bits set" in str(err):
            base = ipaddress.IPv4Network(entry, strict=False)
            raise AccountRuleError("host", shown(entry), f"a subnet address, such as {base}") from None
        raise AccountRuleError("host", f"the entry {shown(entry)}", expected) from None


def normalize_host(value: object) -> str:
    """``%`` or a ``;``-joined list of IPv4 addresses / subnets (a list is joined)."""
    expected = "'%', or IPv4 addresses and CIDR subnets separated by ';' (or a list of them)"
    if isinstance(value, str):
        entries = value.split(";")
    elif isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        entries = list(value)
    else:
        raise AccountRuleError("host", f"a {type(value).__name__}", expected)
    entries = [e.strip() for e in entries]
    if not entries or any(not e for e in entries):
        raise AccountRuleError("host", shown(value), expected + ", with no empty entry")
    if ALL_HOSTS in entries:
        if len(entries) > 1:
            raise AccountRuleError("host", shown(value), "'%' alone, since it already means every host")
        return ALL_HOSTS
    normalized = [_host_entry(e) for e in entries]
    if len(set(normalized)) != len(normalized):
        raise AccountRuleError("host", shown(value), expected + ", each entry once")
    return ";".join(normalized)


def host_entries(host: str) -> list[str]:
    """The MySQL host strings one ``host`` value stands for (subnets as ip/netmask)."""
    out = []
    for entry in normalize_host(host).split(";"):
        if "/" in entry:
            net = ipaddress.IPv4Network(entry)
            out.append(str(net.network_address) if net.prefixlen == 32 else f"{net.network_address}/{net.netmask}")
        else:
            out.append(entry)
    return out


def check_database(value: object) -> str:
    expected = "'*' for all databases, or one database name of 1 to 64 characters of A-Z a-z 0-9 _ $ -"
    if not isinstance(value, str):
        raise AccountRuleError("database", f"a {type(value).__name__}", expected)
    if value != ALL_DATABASES and not DATABASE_PATTERN.fullmatch(value):
        raise AccountRuleError("database", shown(value), expected)
    return value


def normalize_privilege(value: object) -> Privilege:
    expected = "StandardAccount or SuperuserAccount"
    try:
        return Privilege(value)
    except ValueError:
        raise AccountRuleError("privilege", shown(value), expected) from None


def normalize_ssl(value: object) -> str:
    """``YES`` / ``NO`` from a bool or either string (any case)."""
    if isinstance(value, bool):
        return "YES" if value else "NO"
    if isinstance(value, str) and value.upper() in ("YES", "NO"):
        return value.upper()
    raise AccountRuleError("ssl", shown(value), "true/false or YES/NO")


@dataclass(frozen=True)
class AccountSpec:
    """A checked, normalized account: exactly what ``add_user`` is sent."""

    user: str
    host: str = ALL_HOSTS
    database: str = ALL_DATABASES
    privilege: Privilege = Privilege.STANDARD
    ssl: str = "NO"

    def add_params(self, password: str) -> dict[str, str]:
        return {"database": self.database, "passwd": password, **self.shown_params()}

    def shown_params(self) -> dict[str, str]:
        """What ``add_user`` is sent, less the password: safe to record and to compare."""
        return {"database": self.database, "ssl": self.ssl, "host": self.host, "user": self.user,
                "priv": self.privilege.value}  # fmt: skip

    def del_params(self) -> dict[str, str]:
        return {"host": self.host, "user": self.user}

    @property
    def label(self) -> str:
        return f"{self.user}@{self.host}"


def check_privilege_scope(privilege: Privilege, database: str) -> None:
    if privilege is Privilege.SUPERUSER and database != ALL_DATABASES:
        raise AccountRuleError("database", shown(database), "'*': a SuperuserAccount always has every database")


def check_account(
    user: object,
    host: object = ALL_HOSTS,
    database: object = ALL_DATABASES,
    privilege: object = Privilege.STANDARD,
    ssl: object = False,
) -> AccountSpec:
    """Check every field of an account and return it normalized."""
    spec = AccountSpec(
        user=check_user(user),
        host=normalize_host(host),
        database=check_database(database),
        privilege=normalize_privilege(privilege),
        ssl=normalize_ssl(ssl),
    )
    check_privilege_scope(spec.privilege, spec.database)
    return spec


def check_del(user: object, host: object = ALL_HOSTS) -> AccountSpec:
    """The fields ``del_user`` takes (user, host), checked."""
    return AccountSpec(user=check_user(user), host=normalize_host(host))


__all__ = [
    "ALL_DATABASES", "ALL_HOSTS", "STANDARD_DATABASE_GRANTS", "STANDARD_GLOBAL_GRANTS", "AccountRuleError",
    "AccountSpec", "Privilege", "check_account", "check_cluster_id", "check_database", "check_del",
    "check_password", "check_privilege_scope", "check_user", "check_zone", "host_entries", "normalize_host",
    "normalize_privilege", "normalize_ssl", "shown",
]  # fmt: skip
