"""``qingcloud-mysqlplus``: the bridge that Terraform's local-exec runs.

``main`` parses, runs one add or delete (:func:`.work.perform`), and maps the
result to an exit code; the decisions live in ``accounts`` and the evidence in
``evidence``.  It must
start fast: nothing here imports cdktf, constructs or jsii.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from . import commands, contract, handoff
from .lock import ClusterLock, LockRefused, step_back
from .options import Invocation, UsageError, build_parser, parse_request
from .report import Reporter, replay


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
    status_file = args.status_file or environ.get(contract.STATUS_FILE)
    if args.command == "replay":
        return replay(status_file, stream)
    early = handoff.before(args, environ, status_file, stream) if args.command == "add-user" else None
    if early is not None:  # the construct's add step that has nothing to do
        return early
    environ = handoff.for_add(environ)
    code, last = run(args.command, lambda: parse_request(args, environ, stdin or sys.stdin), stream)
    handoff.after(environ, status_file, code, last)
    return code


def run(command: str, parse: Callable[[], Invocation], stream: TextIO) -> tuple[int, str]:
    """Parse, decide, report: the exit code and the last line said."""
    try:
        request = parse()
    except UsageError as err:
        about = f" {err.about}" if err.about else ""
        line = f"{contract.PROG}: {command}{about}: error: {err}"
        print(line, file=stream)
        return contract.EXIT_USAGE, line
    report = Reporter(f"{command} {request.spec.label} on {request.cluster}", request.quiet, stream)
    if request.command == "del-user" and request.on("keep_on_destroy"):
        report.say(f"kept {request.spec.label} on {request.cluster} (keep_on_destroy): nothing deleted")
        return contract.EXIT_OK, report.last
    try:
        lock = ClusterLock(request.settings.zone, request.cluster, Path(request.lock_dir) if request.lock_dir else None,
                           holder=f"{command} {request.spec.label} (pid {os.getpid()})", on_wait=report.lock_held)  # fmt: skip
    except LockRefused as err:  # others could hold or replace the lock: configuration, nothing sent
        report.say(f"error: {err}")
        return contract.EXIT_USAGE, report.last
    except OSError as err:
        report.say(
            f"failed: cannot open the cluster's lock file ({err.strerror}): point --lock-dir or {contract.LOCK_DIR} at a writable directory"
        )
        return contract.EXIT_FAILED, report.last
    if not lock.try_take():
        step_back()  # another bridge holds the cluster: prepare without slowing it
    # The replay step never gets here: it prints a file and exits without loading the client.
    from ..qingcloud.errors import QingCloudError
    from .accounts import Failure
    from .report import hint, outcome_line
    from .work import context, perform

    ctx = context(request, report)
    signal.signal(signal.SIGTERM, _on_sigterm)
    report.start_heartbeat()
    try:
        try:
            with lock:
                outcome = perform(request, ctx, lock)
        finally:
            report.stop()  # no "still ..." line after this: the last line is the result
        report.say(outcome_line(outcome, request.spec.label, request.cluster, report.elapsed()))
        return contract.EXIT_OK, report.last
    except Failure as err:
        report.say(f"failed: {err}")
    except QingCloudError as err:
        report.say(f"failed: {err}{hint(err, command)}")
    except (KeyboardInterrupt, Interrupted) as err:
        job = f"; job {ctx.current_job} was running and may still finish on the cluster" if ctx.current_job else ""
        report.say(f"interrupted by {str(err) or 'SIGINT'}{job}")
        return contract.EXIT_INTERRUPTED, report.last
    return contract.EXIT_FAILED, report.last


if __name__ == "__main__":
    sys.exit(main())
