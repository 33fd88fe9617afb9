"""The contract between the construct and the bridge: the one place both sides read.

The construct writes the props' environment variables (:mod:`.fields`) into
local-exec; the bridge reads them (each also has a flag), and its own settings
below.  A status file, relative to Terraform's working directory (the stack's
directory), carries the result of a step whose output Terraform hides to the
next step, which prints it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fields import BOTH, FIELDS, field

PROG = "qingcloud-mysqlplus"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

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

    @property
    def key(self) -> str:
        return self.flag[2:].replace("-", "_")


SETTINGS = (
    Option("--config", CONFIG, "config file (default ~/.qingcloud/config.yaml)"),
    Option("--http-method", HTTP_METHOD, "POST (default: keeps the password out of URLs) or GET"),
    Option("--http-timeout", HTTP_TIMEOUT, "seconds to wait for one answer (default 20)"),
    Option("--lock-dir", LOCK_DIR, "where the per-cluster lock files live"),
    Option("--quiet", QUIET, "no progress lines, only the result", boolean=True),
    Option("--status-file", STATUS_FILE, "also write the result and exit code here, for 'replay'"),
)
# Where each flag shows in --help, those of both commands first; a flag not listed here comes last.
HELP_ORDER = ("--zone", "--cluster", "--user", "--host", "--endpoint", "--config", "--allow-http", "--timeout",
              "--http-method", "--http-timeout", "--lock-dir", "--quiet", "--status-file", "--database", "--priv",
              "--ssl", "--password-env", "--replace-existing", "--restart-proxies", "--keep")  # fmt: skip


def _rank(option: Option) -> int:
    return HELP_ORDER.index(option.flag) if option.flag in HELP_ORDER else len(HELP_ORDER)


OPTIONS = tuple(sorted(SETTINGS + tuple(Option(f.flag, f.env, f.help, f.boolean, f.commands, f.name)
                                        for f in FIELDS if f.flag), key=_rank))  # fmt: skip
COMMON = tuple(o for o in OPTIONS if set(o.commands) == set(BOTH))
ADD_ONLY, DEL_ONLY = (tuple(o for o in OPTIONS if o.commands == (command,)) for command in BOTH)


def options_of(command: str) -> tuple[Option, ...]:
    """The flags of ``add-user`` or ``del-user``, in the order of their --help."""
    return tuple(o for o in OPTIONS if command in o.commands)


def flag_word(value: bool) -> str:
    """How the construct writes a boolean option into the environment."""
    return "1" if value else "0"
