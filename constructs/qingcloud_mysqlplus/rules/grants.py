"""The two account kinds of ``add_user`` and what each grants (from the add_user page)."""

from __future__ import annotations

from enum import Enum


class Privilege(str, Enum):
    """The two account kinds of ``add_user``'s ``priv`` parameter."""

    STANDARD = "StandardAccount"
    SUPERUSER = "SuperuserAccount"


# What each privilege grants (from the add_user page).  PROCESS, RELOAD and
# SHOW DATABASES are global in MySQL, so a standard account scoped to one
# database gets them on *.* and the rest on the database.
STANDARD_DATABASE_GRANTS = (
    "ALTER", "ALTER ROUTINE", "CREATE", "CREATE ROUTINE", "CREATE TEMPORARY TABLES",
    "CREATE VIEW", "DELETE", "DROP", "EXECUTE", "EVENT", "INDEX", "INSERT",
    "LOCK TABLES", "SELECT", "SHOW VIEW", "UPDATE", "TRIGGER", "REFERENCES",
)  # fmt: skip
STANDARD_GLOBAL_GRANTS = ("PROCESS", "RELOAD", "SHOW DATABASES")
