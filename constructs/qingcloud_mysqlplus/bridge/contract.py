"""The contract between the construct and the bridge: the one place both sides read.

The construct writes these environment variables into local-exec; the bridge
reads them (each also has a flag).  A status file, relative to Terraform's
working directory (the stack's directory), carries the result of a step whose
output Terraform hides to the next step, which prints it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..qingcloud.endpoint import ALLOW_HTTP_ENV

PROG = "qingcloud-mysqlplus"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# Environment read by the bridge, written by the construct.
ZONE = "QINGCLOUD_ZONE"
CLUSTER = "QINGCLOUD_MYSQLPLUS_CLUSTER"
USER = "QINGCLOUD_MYSQLPLUS_USER"
HOST = "QINGCLOUD_MYSQLPLUS_HOST"
ENDPOINT = "QINGCLOUD_MYSQLPLUS_ENDPOINT"
CONFIG = "QINGCLOUD_MYSQLPLUS_CONFIG"
TIMEOUT = "QINGCLOUD_MYSQLPLUS_TIMEOUT"
HTTP_METHOD = "QINGCLOUD_MYSQLPLUS_HTTP_METHOD"
HTTP_TIMEOUT = "QINGCLOUD_MYSQLPLUS_HTTP_TIMEOUT"
LOCK_DIR = "QINGCLOUD_MYSQLPLUS_LOCK_DIR"
QUIET = "QINGCLOUD_MYSQLPLUS_QUIET"
STATUS_FILE = "QINGCLOUD_MYSQLPLUS_STATUS_FILE"
KEEP = "QINGCLOUD_MYSQLPLUS_KEEP"
DATABASE = "QINGCLOUD_MYSQLPLUS_DATABASE"
PRIV = "QINGCLOUD_MYSQLPLUS_PRIV"
SSL = "QINGCLOUD_MYSQLPLUS_SSL"
PASSWORD = "QINGCLOUD_MYSQLPLUS_PASSWORD"
PASSWORD_ENV = "QINGCLOUD_MYSQLPLUS_PASSWORD_ENV"
REPLACE_EXISTING = "QINGCLOUD_MYSQLPLUS_REPLACE_EXISTING"
RESTART_PROXIES = "QINGCLOUD_MYSQLPLUS_RESTART_PROXIES"
ALLOW_HTTP = ALLOW_HTTP_ENV  # named where the decision is (the API client's layer)

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})

# Under the stack's directory (Terraform's working directory during local-exec).
STATUS_DIR = ".qingcloud-mysqlplus"


def status_file(instance_id: str) -> str:
    """Where one instance's create step leaves its result for the replay step."""
    return f"{STATUS_DIR}/{instance_id}.json"


@dataclass(frozen=True)
class Option:
    flag: str
    env: str
    help: str
    boolean: bool = False

    @property
    def key(self) -> str:
        return self.flag[2:].replace("-", "_")


COMMON = (
    Option("--zone", ZONE, "zone of the cluster, e.g. sh1a"),
    Option("--cluster", CLUSTER, "cluster id, e.g. cl-ouhutv70"),
    Option("--user", USER, "account name"),
    Option("--host", HOST, "'%%' (default) or IPv4 addresses/subnets joined by ';'"),
    Option("--endpoint", ENDPOINT, "API endpoint (else $QINGCLOUD_ENDPOINT, the config file, or https://api.qingcloud.com:443/iaas/)"),
    Option("--config", CONFIG, "config file (default ~/.qingcloud/config.yaml)"),
    Option("--allow-http", ALLOW_HTTP, "allow plain http:// to another host (requests and password in clear)", boolean=True),
    Option("--timeout", TIMEOUT, "overall deadline in seconds (default 600)"),
    Option("--http-method", HTTP_METHOD, "POST (default: keeps the password out of URLs) or GET"),
    Option("--http-timeout", HTTP_TIMEOUT, "seconds to wait for one answer (default 20)"),
    Option("--lock-dir", LOCK_DIR, "where the per-cluster lock files live"),
    Option("--quiet", QUIET, "no progress lines, only the result", boolean=True),
    Option("--status-file", STATUS_FILE, "also write the result and exit code here, for 'replay'"),
)  # fmt: skip
DEL_ONLY = (Option("--keep", KEEP, "do not delete: leave the account on the cluster", boolean=True),)
ADD_ONLY = (
    Option("--database", DATABASE, "one database name or '*' (default)"),
    Option("--priv", PRIV, "StandardAccount (default) or SuperuserAccount"),
    Option("--ssl", SSL, "require SSL for this account", boolean=True),
    Option("--password-env", PASSWORD_ENV, f"name of the variable holding the password (default {PASSWORD})"),
    Option("--replace-existing", REPLACE_EXISTING, "if the account exists otherwise than declared, delete and recreate it", boolean=True),
    Option("--restart-proxies", RESTART_PROXIES, "after adding, restart the cluster's proxy nodes one at a time", boolean=True),
)  # fmt: skip


def flag_word(value: bool) -> str:
    """How the construct writes a boolean option into the environment."""
    return "1" if value else "0"
