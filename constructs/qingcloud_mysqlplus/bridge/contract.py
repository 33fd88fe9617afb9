"""The contract between the construct and the bridge: the one place both sides read.

The construct writes the props' environment variables (:mod:`.fields`) into
local-exec; the bridge reads them (each also has a flag), and its own settings
below.  A status file, relative to Terraform's working directory (the stack's
directory), carries the result of a step whose output Terraform hides to the
next step, which prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .fields import BOTH, FIELDS, LAST, field

PROG = "qingcloud-mysqlplus"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# Every exit code of every command, and what it means: --help and docs/bridge-cli.md show this table
# (a test holds the docs to it); ``main`` is the one place that maps an outcome to one of them.
EXIT_CODES = (
    (EXIT_OK, "done (an adopted account, or a delete of an account the history shows is not there, is done too)"),
    (EXIT_FAILED, "the API or the job failed, or the deadline passed (doctor: a check failed)"),
    (EXIT_USAGE, "bad input or configuration (a flag, a variable, the credentials, the lock directory); "
                 "nothing was sent"),
    (EXIT_BUG, "an answer the bridge does not understand, or a bug: one line names the error's type and "
               "where (never its message); report that line"),
    (EXIT_INTERRUPTED, "interrupted (SIGINT or SIGTERM); a job already submitted may still finish"),
)  # fmt: skip

# The bridge's own settings (no prop carries them).
CONFIG = "QINGCLOUD_MYSQLPLUS_CONFIG"
HTTP_METHOD = "QINGCLOUD_MYSQLPLUS_HTTP_METHOD"
HTTP_TIMEOUT = "QINGCLOUD_MYSQLPLUS_HTTP_TIMEOUT"
LOCK_DIR = "QINGCLOUD_MYSQLPLUS_LOCK_DIR"
QUIET = "QINGCLOUD_MYSQLPLUS_QUIET"
STATUS_FILE = "QINGCLOUD_MYSQLPLUS_STATUS_FILE"
# The construct's two add steps (see cdk/steps.py and bridge/handoff.py); no flag: only local-exec sets them.
DEFER = "QINGCLOUD_MYSQLPLUS_DEFER"  # set: the first add step; 1: without the password's variable, defer to the next
IF_DEFERRED = "QINGCLOUD_MYSQLPLUS_IF_DEFERRED"  # 1: add only if the step before deferred to this one
# Some props' variables, by the names other modules use (the table declares them).
PASSWORD, PASSWORD_ENV, ENDPOINT, KEEP, ALLOW_HTTP = (
    field(name).env for name in ("password", "password_env", "endpoint", "keep_on_destroy", "allow_insecure_http")
)

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})

# Under the stack's directory (Terraform's working directory during local-exec).
STATUS_DIR = ".qingcloud-mysqlplus"


def status_file(instance_id: str) -> str:
    """Where one instance's create step leaves its result for the replay step."""
    return f"{STATUS_DIR}/{instance_id}.json"


@dataclass(frozen=True)
class Option:
    """One flag of the bridge, and the variable it also reads."""

    flag: str
    env: str
    help: str
    boolean: bool = False
    commands: tuple[str, ...] = BOTH
    field: str = ""  # the prop it carries ("": a setting of the bridge's own)
    default: Any = None  # its value when neither the flag nor the variable gives one (a prop's: the table's)
    help_rank: int = LAST  # its place in --help, lower first (a prop's: the table's)

    @property
    def key(self) -> str:
        return self.flag[2:].replace("-", "_")


# Their ranks interleave with the props' (bridge/fields.py): those of both commands show first in --help.
SETTINGS = (
    Option("--config", CONFIG, "config file (default ~/.qingcloud/config.yaml)", help_rank=60),
    Option("--http-method", HTTP_METHOD, "POST (default: keeps the password out of URLs) or GET", default="POST",
           help_rank=90),
    Option("--http-timeout", HTTP_TIMEOUT, "seconds to wait for one answer (default 20)", default=20.0,
           help_rank=100),
    Option("--lock-dir", LOCK_DIR, "where the per-cluster lock files live", help_rank=110),
    Option("--quiet", QUIET, "no progress lines, only the result", boolean=True, default=False, help_rank=120),
    Option("--status-file", STATUS_FILE, "also write the result and exit code here, for 'replay'", help_rank=130),
)  # fmt: skip
PROP_OPTIONS = tuple(Option(f.flag, f.env, f.help, f.boolean, f.commands, f.name, None if f.required else f.default,
                     f.help_rank) for f in FIELDS if f.flag)  # fmt: skip
# As --help shows them (a tie keeps this order).
OPTIONS = tuple(sorted(SETTINGS + PROP_OPTIONS, key=lambda o: o.help_rank))
HELP_ORDER = tuple(o.flag for o in OPTIONS)
DEFAULTS = {o.key: o.default for o in OPTIONS}  # each flag's value when neither it nor its variable gives one
COMMON = tuple(o for o in OPTIONS if set(o.commands) == set(BOTH))
ADD_ONLY, DEL_ONLY = (tuple(o for o in OPTIONS if o.commands == (command,)) for command in BOTH)


def options_of(command: str) -> tuple[Option, ...]:
    """The flags of ``add-user`` or ``del-user``, in the order of their --help."""
    return tuple(o for o in OPTIONS if command in o.commands)


def exit_codes_help(**meanings: str) -> str:
    """The exit codes for an epilog; ``meanings`` replaces a code's meaning for one command (``ok=``, ``failed=``)."""
    own = {EXIT_OK: meanings.get("ok"), EXIT_FAILED: meanings.get("failed")}
    return "exit codes:\n" + "".join(f"  {code!s:<2} {own.get(code) or meaning}\n" for code, meaning in EXIT_CODES)


def flag_word(value: bool) -> str:
    """How the construct writes a boolean option into the environment."""
    return "1" if value else "0"
