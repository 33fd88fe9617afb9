"""argv and environment to one checked request.  Bad input raises :class:`UsageError`; nothing is sent.

Every flag also reads an environment variable (see ``contract``), so
local-exec passes values without a shell line to escape.  The password
comes only from the environment or standard input, never from argv.
"""

from __future__ import annotations

import argparse
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
from .commands import add_parsers
from .fields import BOOLEANS, env_name
from .inputs import (
    DEFAULT_HTTP_TIMEOUT,
    DEFAULT_TIMEOUT,
    SETTINGS_HELP,
    UsageError,
    http_method,
    number,
    option_values,
    refusal,
    require,
    rule_refusal,
    settings_refusal,
    source_of,
    text,
)
from .parser import Parser

__all__ = ["DEFAULT_TIMEOUT", "Invocation", "UsageError", "build_parser", "parse_request"]
EPILOG = f"""\
{contract.exit_codes_help()}
password: from ${contract.PASSWORD}, from the variable named by --password-env,
or from --password-stdin; never from the command line.
{SETTINGS_HELP}"""


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
    parser = Parser(prog=contract.PROG, description="Add or delete a QingCloud MySQL Plus account and "
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
                                 "next, without the secret, so the result shows.", formatter_class=formatter,
                                 epilog="It exits with the code the earlier run wrote, 1 when there is none.\n"
                                 + contract.exit_codes_help())  # fmt: skip
    replay.add_argument("--status-file", default=None, help=f"the file [${contract.STATUS_FILE}]")
    add_parsers(commands, formatter)
    return parser


def read_password(values: Mapping[str, object], from_stdin: bool, environ: Mapping[str, str], stdin: TextIO) -> str:
    if from_stdin:
        password, source = stdin.readline().rstrip("\r\n"), "standard input"
    else:
        name = text(values, "password_env") or contract.PASSWORD
        where = source_of(values, "password_env")
        try:
            env_name(name, "password-env")  # the construct's rule, one for both
        except AccountRuleError as err:
            raise UsageError(refusal(where, f"{err.expected}, not the password itself")) from None
        if name not in environ:
            shown = f"the variable named by {where}" if _could_be_password(name) else name
            raise UsageError(f"no password: set {shown} or use --password-stdin (it is never read from the "
                             "command line)")  # fmt: skip
        password, source = environ[name], f"${name}"
    try:
        return check_password(password)
    except AccountRuleError as err:
        raise UsageError(f"{err} (from {source})") from None


def _could_be_password(name: str) -> bool:
    """A variable's name that QingCloud would take as a password (``Orders_Pw2026``) is not echoed."""
    try:
        check_password(name)
    except AccountRuleError:
        return False
    return True


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
        raise rule_refusal(values, err.field, err.expected) from None


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
    method = http_method(values)
    try:
        settings = resolve(zone=text(values, "zone"), endpoint=text(values, "endpoint"),
                           config_path=text(values, "config"), environ=environ,
                           allow_http=bool(values["allow_http"]))  # fmt: skip
    except SettingsError as err:
        raise settings_refusal(str(err), values) from None
    return Invocation(command, cluster, spec, settings, password, number(values, "timeout", DEFAULT_TIMEOUT),
                      number(values, "http_timeout", DEFAULT_HTTP_TIMEOUT), method, bool(values["quiet"]),
                      text(values, "lock_dir"))  # fmt: skip
