"""The account rules (:mod:`.account`) and the privilege-to-grant table (:mod:`.grants`), re-exported."""

from .account import (
    ALL_DATABASES,
    ALL_HOSTS,
    CLUSTER_ID,
    DATABASE_PATTERN,
    PASSWORD_MAX,
    PASSWORD_MIN,
    PASSWORD_SPECIALS,
    RESERVED_USERS,
    USER_PATTERN,
    ZONE,
    AccountRuleError,
    AccountSpec,
    check_account,
    check_cluster_id,
    check_database,
    check_del,
    check_password,
    check_privilege_scope,
    check_user,
    check_zone,
    host_entries,
    normalize_host,
    normalize_privilege,
    normalize_ssl,
    shown,
)
from .grants import STANDARD_DATABASE_GRANTS, STANDARD_GLOBAL_GRANTS, Privilege
from .rotation import ALT_SUFFIX, Rotation, normalize_rotation, pair_of, primary_of

__all__ = [
    "ALL_DATABASES", "ALL_HOSTS", "ALT_SUFFIX", "CLUSTER_ID", "DATABASE_PATTERN", "PASSWORD_MAX", "PASSWORD_MIN",
    "PASSWORD_SPECIALS", "RESERVED_USERS", "STANDARD_DATABASE_GRANTS", "STANDARD_GLOBAL_GRANTS", "USER_PATTERN",
    "ZONE", "AccountRuleError", "AccountSpec", "Privilege", "Rotation", "check_account", "check_cluster_id", "check_database",
    "check_del", "check_password", "check_privilege_scope", "check_user", "check_zone", "host_entries",
    "normalize_host", "normalize_privilege", "normalize_rotation", "normalize_ssl", "pair_of", "primary_of",
    "shown",
]  # fmt: skip
