"""The operator's subcommands, ``accounts`` and ``doctor``: their parsers, and argv to a result to an exit code.

The work is plain functions (:func:`.inventory.inventory`, :func:`.doctor.doctor`,
:func:`.probe.probe`) returning results; here they are called and rendered
(:mod:`.render`).  Importing this module loads only argparse: ``add-user``
builds the same parser and must start fast.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from . import contract as c
from .options import DEFAULT_HTTP_TIMEOUT, DEFAULT_TIMEOUT, SETTINGS_HELP, UsageError, number, option_values, text

if TYPE_CHECKING:
    from ..qingcloud.client import Client
    from ..qingcloud.settings import Settings

NAMES = ("accounts", "doctor")
READ_FLAGS = ("--zone", "--cluster", "--endpoint", "--config", "--allow-http", "--timeout", "--http-method",
              "--http-timeout")  # fmt: skip
OPTIONS = tuple(o for o in c.COMMON if o.flag in READ_FLAGS)
EPILOG = (
    """\
exit codes:
  0  done ({what})
  1  {failed}
  2  bad input or configuration; nothing was sent
  130 interrupted (SIGINT)

"""
    + SETTINGS_HELP
)
ACCOUNTS = ("list the cluster's accounts as its job history shows them (no password, no job record)",
            "the list is written", "the API failed, or the deadline passed")  # fmt: skip
DOCTOR = ("check credentials, clock, cluster, job history and proxies before a deploy (no writes, unless --probe)",
          "every check passed", "a check failed (each FAIL line says what to do)")  # fmt: skip


def add_parsers(commands: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """Register ``accounts`` and ``doctor`` on the bridge's subparsers."""
    for name, (summary, what, failed) in (("accounts", ACCOUNTS), ("doctor", DOCTOR)):
        sub = commands.add_parser(name, help=summary, description=summary, formatter_class=formatter,
                                  epilog=EPILOG.format(what=what, failed=failed))  # fmt: skip
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
            print(f"{c.PROG}: retrying in {delay:.1f} s: {cause}", file=stream, flush=True)

        s = self.settings
        return Client(access_key=s.access_key, secret_key=s.secret_key, zone=s.zone, endpoint=s.endpoint,
                      verb=self.method, http_timeout=self.http_timeout, on_retry=retrying)  # fmt: skip


def parse_target(args: argparse.Namespace, environ: Mapping[str, str]) -> Target:
    from ..qingcloud.settings import SettingsError, resolve
    from ..rules import AccountRuleError, check_cluster_id, check_zone

    values = option_values(args, OPTIONS, environ)
    if not values.get("cluster"):
        raise UsageError(f"no cluster: pass --cluster or set {c.CLUSTER}")
    try:
        cluster = check_cluster_id(values["cluster"])
        if values.get("zone"):
            check_zone(values["zone"])
        settings = resolve(zone=text(values, "zone"), endpoint=text(values, "endpoint"),
                           config_path=text(values, "config"), environ=environ,
                           allow_http=bool(values["allow_http"]))  # fmt: skip
    except (AccountRuleError, SettingsError) as err:
        raise UsageError(str(err)) from None
    method = str(values["http_method"] or "POST").upper()
    if method not in ("GET", "POST"):
        raise UsageError(f"http-method: received {method[:10]!r}; expected GET or POST")
    return Target(cluster, settings, number(values, "timeout", DEFAULT_TIMEOUT),
                  number(values, "http_timeout", DEFAULT_HTTP_TIMEOUT), method, bool(values["allow_http"]))  # fmt: skip


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> int:
    """One operator command: its output on stdout, errors on stderr; the exit code."""
    command = str(args.command)
    try:
        target = parse_target(args, environ)
    except UsageError as err:
        print(f"{c.PROG}: {command}: error: {err}", file=stderr)
        return c.EXIT_USAGE
    from ..qingcloud.errors import QingCloudError
    from .report import hint

    client = target.client(stderr)
    try:
        if command == "accounts":
            return _accounts(args, target, client, stdout)
        return _doctor(args, target, client, stdout, stderr)
    except QingCloudError as err:
        print(f"{c.PROG}: {command} {target.cluster}: failed: {err}{hint(err, command)}", file=stderr)
        return c.EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{c.PROG}: {command} {target.cluster}: interrupted", file=stderr)
        return c.EXIT_INTERRUPTED
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
    return c.EXIT_OK


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
        return c.EXIT_OK if report.passed else c.EXIT_FAILED
    if not report.passed:
        print("probe: not run: a check failed", file=stdout)
        return c.EXIT_FAILED
    from .probe import probe

    def note(line: str) -> None:
        print(f"{c.PROG}: doctor --probe: {line}", file=stderr, flush=True)

    signal.signal(signal.SIGTERM, _interrupt)  # the probe removes its account before the process ends
    result = probe(Context(client, target.cluster, deadline, notice=note))
    print("\n".join(render.probe_lines(result)), file=stdout, flush=True)
    if result.interrupted:
        return c.EXIT_INTERRUPTED
    return c.EXIT_OK if not result.error and result.removed else c.EXIT_FAILED


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)
