"""The operator's subcommands, ``accounts`` and ``doctor``: their parsers, and argv to a result.

The work is plain functions (:func:`.inventory.inventory`, :func:`.doctor.doctor`,
:func:`.probe.probe`) returning results; here they are called and rendered
(:mod:`.render`); an exception that ends them is mapped to its exit code by
``main`` (:mod:`.exits`), as for every command.  Importing this module loads
only argparse: ``add-user`` builds the same parser and must start fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from . import contract
from .exits import Run
from .inputs import (
    DEFAULT_HTTP_TIMEOUT,
    DEFAULT_TIMEOUT,
    SETTINGS_HELP,
    http_method,
    number,
    option_values,
    require,
    rule_refusal,
    settings_refusal,
    text,
)

if TYPE_CHECKING:
    from ..qingcloud.client import Client
    from ..qingcloud.settings import Settings

NAMES = ("accounts", "doctor")
READ_FLAGS = ("--zone", "--cluster", "--endpoint", "--config", "--allow-http", "--timeout", "--http-method",
              "--http-timeout")  # fmt: skip
OPTIONS = tuple(o for o in contract.COMMON if o.flag in READ_FLAGS)
EPILOG = "{codes}\n" + SETTINGS_HELP
ACCOUNTS = ("list the cluster's accounts as its job history shows them (no password, no job record)",
            "the list is written", "the API failed, or the deadline passed")  # fmt: skip
DOCTOR = ("check credentials, clock, cluster, job history and proxies before a deploy (no writes, unless --probe)",
          "every check passed", "a check failed (each FAIL line says what to do)")  # fmt: skip


def add_parsers(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """Register ``accounts`` and ``doctor`` on the bridge's subparsers."""
    for name, (summary, what, failed) in (("accounts", ACCOUNTS), ("doctor", DOCTOR)):
        sub = commands.add_parser(name, help=summary, description=summary, formatter_class=formatter,
                                  epilog=EPILOG.format(codes=contract.exit_codes_help(ok=what, failed=failed)))  # fmt: skip
        for opt in OPTIONS:
            kind: dict[str, Any] = {"action": "store_const", "const": True} if opt.boolean else {}
            sub.add_argument(opt.flag, default=None, help=f"{opt.help} [${opt.env}]", **kind)
        if name == "accounts":
            shape = sub.add_mutually_exclusive_group()
            shape.add_argument(
                "--json", action="store_true", help="JSON: cluster, history_complete, accounts, uncertain"
            )
            shape.add_argument(
                "--python", action="store_true", help="MysqlPlusAccount declarations to paste into a stack"
            )
        else:
            sub.add_argument("--probe", action="store_true", help="also learn QingCloud's undocumented behaviours "
                             "with a throwaway account (WRITES: adds and deletes it)")  # fmt: skip


@dataclass(frozen=True)
class Target:
    """One cluster to read, and how to reach it."""

    cluster: str
    settings: Settings
    timeout: float
    http_timeout: float
    method: str
    allow_http: bool = False  # plain http to another host, opted in (doctor warns of it)

    def client(self, stream: TextIO) -> Client:
        from ..qingcloud.client import Client

        def retrying(cause: str, delay: float) -> None:
            print(f"{contract.PROG}: retrying in {delay:.1f} s: {cause}", file=stream, flush=True)

        s = self.settings
        return Client(access_key=s.access_key, secret_key=s.secret_key, zone=s.zone, endpoint=s.endpoint,
                      verb=self.method, http_timeout=self.http_timeout, on_retry=retrying)  # fmt: skip


def parse_target(args: argparse.Namespace, environ: Mapping[str, str]) -> Target:
    from ..qingcloud.settings import SettingsError, resolve
    from ..rules import AccountRuleError, check_cluster_id, check_zone

    values = option_values(args, OPTIONS, environ)
    require(values, "cluster")
    try:
        cluster = check_cluster_id(values["cluster"])
        if values.get("zone"):
            check_zone(values["zone"])
        settings = resolve(zone=text(values, "zone"), endpoint=text(values, "endpoint"),
                           config_path=text(values, "config"), environ=environ,
                           allow_http=bool(values["allow_http"]))  # fmt: skip
    except AccountRuleError as err:
        raise rule_refusal(values, err.field, err.expected) from None
    except SettingsError as err:
        raise settings_refusal(str(err), values) from None
    method = http_method(values)
    return Target(cluster, settings, number(values, "timeout", DEFAULT_TIMEOUT),
                  number(values, "http_timeout", DEFAULT_HTTP_TIMEOUT), method, bool(values["allow_http"]))  # fmt: skip


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO, said: Run) -> int:
    """One operator command: its output on stdout, progress on ``said``'s stream; the exit code of a result
    (an exception is mapped by ``main``)."""
    target = parse_target(args, environ)
    said.label = f"{said.command} {target.cluster}"
    client = target.client(said.stream)
    try:
        if said.command == "accounts":
            return _accounts(args, target, client, stdout)
        return _doctor(args, target, client, stdout, said.stream)
    finally:
        client.close()


def _accounts(args: argparse.Namespace, target: Target, client: Client, stdout: TextIO) -> int:
    from ..qingcloud.retry import Deadline
    from . import render
    from .inventory import inventory

    found = inventory(client, target.cluster, Deadline(target.timeout))
    if args.json:
        stdout.write(render.as_json(found))
    elif args.python:
        stdout.write(render.python(found, target.settings.zone))
    else:
        stdout.write(render.table(found))
    return contract.EXIT_OK


def _doctor(args: argparse.Namespace, target: Target, client: Client, stdout: TextIO, stderr: TextIO) -> int:
    from ..qingcloud.retry import Deadline
    from . import render
    from .accounts import Context
    from .doctor import doctor

    def show(check: Any) -> None:
        print(render.check_line(check), file=stdout, flush=True)

    deadline = Deadline(target.timeout)
    report = doctor(client, target.cluster, deadline, on_check=show, allow_http=target.allow_http)
    if not args.probe:
        return contract.EXIT_OK if report.passed else contract.EXIT_FAILED
    if not report.passed:
        print("probe: not run: a check failed", file=stdout)
        return contract.EXIT_FAILED
    from .probe import probe

    def note(line: str) -> None:
        print(f"{contract.PROG}: doctor --probe: {line}", file=stderr, flush=True)

    # SIGINT and SIGTERM raise KeyboardInterrupt (main): the probe removes its account before the process ends
    result = probe(Context(client, target.cluster, deadline, notice=note))
    print("\n".join(render.probe_lines(result)), file=stdout, flush=True)
    if result.interrupted:
        return contract.EXIT_INTERRUPTED
    return contract.EXIT_OK if not result.error and result.removed else contract.EXIT_FAILED
