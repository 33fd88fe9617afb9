"""``qingcloud-mysqlplus``: the bridge that Terraform's local-exec runs.

``main`` parses, runs one add or delete, and maps the result to an exit code;
the decisions live in ``accounts`` and the evidence in ``evidence``.  It must
start fast: nothing here imports cdktf, constructs or jsii.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from . import commands
from . import contract as c
from .lock import ClusterLock, step_back
from .options import Request, UsageError, build_parser, parse_request
from .report import Reporter, replay, write_status

if TYPE_CHECKING:
    from .accounts import Context, Outcome


class Interrupted(BaseException):
    """SIGTERM, raised where the process is (the job keeps running on the cluster)."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None,
         stdin: TextIO | None = None, stderr: TextIO | None = None, stdout: TextIO | None = None) -> int:  # fmt: skip
    environ = os.environ if environ is None else environ
    stream = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    if args.command in commands.NAMES:  # accounts, doctor
        return commands.run(args, environ, stdout or sys.stdout, stream)
    status_file = args.status_file or environ.get(c.STATUS_FILE)
    if args.command == "replay":
        return replay(status_file, stream)
    code, last = run(args.command, lambda: parse_request(args, environ, stdin or sys.stdin), stream)
    if status_file:
        write_status(Path(status_file), code, last)
    return code


def run(command: str, parse: Callable[[], Request], stream: TextIO) -> tuple[int, str]:
    """Parse, decide, report: the exit code and the last line said."""
    try:
        request = parse()
    except UsageError as err:
        about = f" {err.about}" if err.about else ""
        line = f"{c.PROG}: {command}{about}: error: {err}"
        print(line, file=stream)
        return c.EXIT_USAGE, line
    report = Reporter(f"{command} {request.spec.label} on {request.cluster}", request.quiet, stream)
    if request.command == "del-user" and request.keep:
        report.say(f"kept {request.spec.label} on {request.cluster} (keep_on_destroy): nothing deleted")
        return c.EXIT_OK, report.last
    try:
        lock = ClusterLock(request.settings.zone, request.cluster, Path(request.lock_dir) if request.lock_dir else None)
    except OSError as err:
        report.say(
            f"failed: cannot open the cluster's lock file ({err.strerror}): point --lock-dir or {c.LOCK_DIR} at a writable directory"
        )
        return c.EXIT_FAILED, report.last
    if not lock.try_take():
        step_back()  # another bridge holds the cluster: prepare without slowing it
    # The replay step never gets here: it prints a file and exits without loading the client.
    from ..qingcloud.errors import QingCloudError
    from .accounts import Failure
    from .report import hint, outcome_line

    ctx = _context(request, report)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with lock:
            outcome = _work(request, ctx, report, lock)
        report.say(outcome_line(outcome, request.spec.label, request.cluster, report.elapsed()))
        return c.EXIT_OK, report.last
    except Failure as err:
        report.say(f"failed: {err}")
    except QingCloudError as err:
        report.say(f"failed: {err}{hint(err, command)}")
    except (KeyboardInterrupt, Interrupted) as err:
        job = f"; job {ctx.current_job} was running and may still finish on the cluster" if ctx.current_job else ""
        report.say(f"interrupted by {str(err) or 'SIGINT'}{job}")
        return c.EXIT_INTERRUPTED, report.last
    return c.EXIT_FAILED, report.last


def _context(request: Request, report: Reporter) -> Context:
    from ..qingcloud.client import Client
    from ..qingcloud.retry import Deadline
    from .accounts import Context

    settings = request.settings
    client = Client(access_key=settings.access_key, secret_key=settings.secret_key, zone=settings.zone,
                    endpoint=settings.endpoint, verb=request.method, http_timeout=request.http_timeout,
                    on_retry=report.retrying)  # fmt: skip
    return Context(client, request.cluster, Deadline(request.timeout), notice=report.note, on_status=report.status)


def _work(request: Request, ctx: Context, report: Reporter, lock: ClusterLock) -> Outcome:
    from dataclasses import replace

    from .accounts import add, delete, look_first
    from .proxies import restart_proxies

    def waiting() -> None:
        report.note("waiting for another bridge on the same cluster")

    # Read before queueing: no other bridge on this machine touches this user, and the connection is
    # then open when the lock comes, so the request goes at once.
    queued = not lock.held
    first = look_first(ctx, request.spec.user)
    if queued:
        lock.wait(ctx.deadline, on_wait=waiting)
    service = "del_user" if request.command == "del-user" else "add_user"
    if queued and ctx.expected is not None and service not in ctx.expected:
        first = look_first(ctx, request.spec.user)  # the bridges ahead in line have run jobs since: learn from them
    if request.command == "del-user":
        return delete(ctx, request.spec, first)
    outcome = add(ctx, request.spec, request.password, request.replace_existing, first)
    if not request.restart_proxies:
        return outcome
    restarted = restart_proxies(ctx)
    note = f"restarted proxies {', '.join(restarted)}" if restarted else "the cluster has no proxy node"
    return replace(outcome, note="; ".join(n for n in (outcome.note, note) if n))


if __name__ == "__main__":
    sys.exit(main())
