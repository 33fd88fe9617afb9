"""Where the simulator keeps accounts: in memory, or a real MySQL/MariaDB server.

A backend applies a finished job's change and refuses what the cluster's state
forbids.  Its exceptions stay inside the simulator: a job record never carries
their text (QingCloud's jobs have no message field).
"""

from .base import AccountConflict, AccountExists, AccountMissing, Backend, user_names
from .memory import MemoryBackend
from .mysql import MySQLBackend, grant_statements, parse_dsn, quote_identifier

__all__ = [
    "AccountConflict",
    "AccountExists",
    "AccountMissing",
    "Backend",
    "MemoryBackend",
    "MySQLBackend",
    "grant_statements",
    "parse_dsn",
    "quote_identifier",
    "user_names",
]
