"""argv and environment to one checked request.  Bad input raises :class:`UsageError`; nothing is sent.

Every flag also reads an environment variable (see ``contract``), so
local-exec passes values without a shell line to escape.  The password
comes only from the environment or standard input, never from argv.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TextIO

from .. import __version__
from ..qingcloud.settings import Settings, SettingsError, resolve
from ..rules import (
    AccountRuleError,
    AccountSpec,
    check_account,
    check_cluster_id,
    check_del,
    check_password,
    check_zone,
)
from . import contract
from .fields import BOOLEANS, env_name

DEFAULT_TIMEOUT, DEFAULT_HTTP_TIMEOUT = float(contract.DEFAULTS["timeout"]), float(contract.DEFAULTS["http_timeout"])
SETTINGS_HELP = """\
credentials: QINGCLOUD_ACCESS_KEY, QINGCLOUD_SECRET_KEY, QINGCLOUD_ZONE,
QINGCLOUD_ENDPOINT, else ~/.qingcloud/config.yaml (or --config).
endpoint: https:// (certificates always verified), or plain http:// to this
machine only (127.0.0.1, ::1, localhost) unless --allow-http.
Every flag below also reads the variable named in its help.
"""
EPILOG = f"""\
exit codes:
  0  done (del-user of an account the cluster's job history shows is not there is done too)
  1  the API or the job failed, or the deadline passed
  2  bad input or configuration; nothing was sent
  130 interrupted (SIGINT/SIGTERM); a submitted job may still finish

password: from ${contract.PASSWORD}, from the variable named by --password-env,
or from --password-stdin; never from the command line.
{SETTINGS_HELP}"""


class UsageError(Exception):
    """Bad input or configuration: exit 2, nothing sent.  ``about`` names the account once it is known."""

    about = ""


@dataclass(frozen=True)
class Invocation:
    command: str  # add-user | del-user
    cluster: str
    spec: AccountSpec
    settings: Settings
    password: str  # "" for del-user; never printed
    timeout: float
    http_timeout: float
    method: str
    quiet: bool
    lock_dir: str | None
    switches: frozenset[str] = frozenset()  # the boolean props that are on, by their names in the table

    def on(self, name: str) -> bool:
        """Whether the boolean prop ``name`` is on (a KeyError names one the table does not declare)."""
        if name not in BOOLEANS:
            raise KeyError(name)
        return name in self.switches

    def __repr__(self) -> str:  # never the password
        return f"Invocation({self.command} {self.spec.label} on {self.cluster})"


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog=contract.PROG, description="Add or delete a QingCloud MySQL Plus account and "
                                     "wait for the job.", epilog=EPILOG, formatter_class=formatter)  # fmt: skip
    parser.add_argument("--version", action="version", version=f"{contract.PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary in (("add-user", "create an account (add_user)"), ("del-user", "delete an account (del_user)")):
        sub = commands.add_parser(name, help=summary, description=summary, epilog=EPILOG, formatter_class=formatter)
        for opt in contract.options_of(name):
            if opt.boolean:
                sub.add_argument(
                    opt.flag, action="store_const", const=True, default=None, help=f"{opt.help} [${opt.env}]"
                )
            else:
                sub.add_argument(opt.flag, default=None, help=f"{opt.help} [${opt.env}]")
        if name == "add-user":
            sub.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    replay = commands.add_parser("replay", help="print what an earlier run wrote to its --status-file and exit "
                                 "with its code", description="Terraform hides a provisioner's output when its "
                                 "configuration holds an ephemeral value (the password); the construct runs this "
                                 "next, without the secret, so the result shows.")  # fmt: skip
    replay.add_argument("--status-file", default=None, help=f"the file [${contract.STATUS_FILE}]")
    from .commands import add_parsers  # accounts, doctor

    add_parsers(commands, formatter)
    return parser


def option_values(
    args: argparse.Namespace, options: Sequence[contract.Option], environ: Mapping[str, str]
) -> dict[str, object]:
    """Each option from its flag, else its environment variable."""
    values: dict[str, object] = {}
    for opt in options:
        value = getattr(args, opt.key)
        raw = environ.get(opt.env) if value is None else None
        if raw is not None and opt.boolean:
            word = raw.strip().lower()
            if word not in contract.TRUE_WORDS | contract.FALSE_WORDS:
                raise UsageError(f"{opt.env}: received {raw[:20]!r}; expected 1/0, true/false or yes/no")
            value = word in contract.TRUE_WORDS
        elif raw is not None:
            value = raw
        values[opt.key] = value
    return values


def number(values: Mapping[str, object], key: str, default: float) -> float:
    raw = values.get(key)
    if raw in (None, ""):
        return default
    try:
        seconds = float(str(raw))
    except ValueError:
        seconds = -1.0
    if not math.isfinite(seconds) or seconds <= 0:
        raise UsageError(f"{key.replace('_', '-')}: received {str(raw)[:20]!r}; expected a positive number of seconds")
    return seconds


def text(values: Mapping[str, object], key: str) -> str | None:
    value = values.get(key)
    return None if value in (None, "") else str(value)


def read_password(values: Mapping[str, object], from_stdin: bool, environ: Mapping[str, str], stdin: TextIO) -> str:
    if from_stdin:
        password, source = stdin.readline().rstrip("\r\n"), "standard input"
    else:
        name = text(values, "password_env") or contract.PASSWORD
        try:
            env_name(name, "password-env")  # the construct's rule; the refusal never shows the value
        except AccountRuleError as err:
            raise UsageError(str(err)) from None
        if name not in environ:
            raise UsageError(
                f"no password: set {name} or use --password-stdin (it is never read from the command line)"
            )
        password, source = environ[name], f"${name}"
    try:
        return check_password(password)
    except AccountRuleError as err:
        raise UsageError(f"{err} (from {source})") from None


def require(values: Mapping[str, object], key: str) -> None:
    """Refuse a missing value, saying where it comes from."""
    if not values.get(key):
        option = next(o for o in contract.OPTIONS if o.key == key)
        raise UsageError(f"no {key}: pass {option.flag} or set {option.env}")


def account(command: str, values: Mapping[str, object]) -> tuple[str, AccountSpec]:
    """The checked cluster id and account; the zone is checked too when given."""
    require(values, "cluster")
    require(values, "user")
    try:
        cluster = check_cluster_id(values["cluster"])
        if values.get("zone"):
            check_zone(values["zone"])
        host = text(values, "host") or contract.DEFAULTS["host"]
        if command == "del-user":
            return cluster, check_del(values["user"], host)
        return cluster, check_account(values["user"], host, text(values, "database") or contract.DEFAULTS["database"],
                                      text(values, "priv") or contract.DEFAULTS["priv"], bool(values["ssl"]))  # fmt: skip
    except AccountRuleError as err:
        raise UsageError(str(err)) from None


def parse_request(args: argparse.Namespace, environ: Mapping[str, str], stdin: TextIO) -> Invocation:
    command = str(args.command)
    options = contract.options_of(command)
    values = option_values(args, options, environ)
    cluster, spec = account(command, values)
    try:
        invocation = _invocation(command, values, cluster, spec, args, environ, stdin)
    except UsageError as err:
        err.about = f"{spec.label} on {cluster}"
        raise
    return replace(invocation, switches=switches_on(options, values))


def switches_on(options: Sequence[contract.Option], values: Mapping[str, object]) -> frozenset[str]:
    """The boolean props that are on, by name, for the work to ask (:meth:`Invocation.on`)."""
    return frozenset(o.field for o in options if o.field and o.boolean and values[o.key])


def _invocation(command: str, values: Mapping[str, object], cluster: str, spec: AccountSpec,
                args: argparse.Namespace, environ: Mapping[str, str], stdin: TextIO) -> Invocation:  # fmt: skip
    """The account's invocation, once its password, HTTP method and settings are read and checked."""
    password = read_password(values, args.password_stdin, environ, stdin) if command == "add-user" else ""
    method = str(values["http_method"] or contract.DEFAULTS["http_method"]).upper()
    if method not in ("GET", "POST"):
        raise UsageError(f"http-method: received {method[:10]!r}; expected GET or POST")
    try:
        settings = resolve(zone=text(values, "zone"), endpoint=text(values, "endpoint"),
                           config_path=text(values, "config"), environ=environ,
                           allow_http=bool(values["allow_http"]))  # fmt: skip
    except SettingsError as err:
        raise UsageError(str(err)) from None
    return Invocation(command, cluster, spec, settings, password, number(values, "timeout", DEFAULT_TIMEOUT),
                      number(values, "http_timeout", DEFAULT_HTTP_TIMEOUT), method, bool(values["quiet"]),
                      text(values, "lock_dir"))  # fmt: skip
