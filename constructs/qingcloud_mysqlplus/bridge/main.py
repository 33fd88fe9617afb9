"""``qingcloud-mysqlplus``: the bridge that Terraform's local-exec runs.

``main`` parses, runs the command (an add or delete through
:func:`.work.perform`, ``replay``, or an operator's command of
:mod:`.commands`), and maps how it ended to an exit code in one place
(:func:`.exits.ended`), for every command: never a traceback.  An add or
delete leaves its code and last line in its status file whatever happened,
an interrupt and a bug included.  It must start fast: nothing here imports
cdktf, constructs or jsii.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from . import commands, contract, handoff
from .exits import Interrupted, Run, ended
from .fields import BOTH
from .inputs import UsageError
from .lock import ClusterLock
from .options import build_parser, parse_request
from .report import Reporter, replay, write_status

SIGNALS = (signal.SIGINT, signal.SIGTERM)
COMMANDS = (*BOTH, "replay", *commands.NAMES)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None,
         stdin: TextIO | None = None, stderr: TextIO | None = None, stdout: TextIO | None = None) -> int:  # fmt: skip
    environ = os.environ if environ is None else environ
    argv = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in argv if not a.startswith("-")), "")  # a value given in the wrong place is not shown
    run = Run(first if first in COMMANDS else "", stderr or sys.stderr)
    status_file = _flag_in(argv, "--status-file") or environ.get(contract.STATUS_FILE)
    if run.command == "add-user":  # the construct's add steps take turns (see handoff)
        early = handoff.before(environ, status_file, run.stream)
        if early is not None:
            return early
        environ = handoff.for_add(environ)
    handlers = _raise_on_signals()
    try:
        try:
            code = _dispatch(run, argv, environ, stdin or sys.stdin, stdout or sys.stdout)
        except SystemExit:  # --help, --version
            raise
        except BaseException as err:  # the one catch-all: every ending has its code and one line
            _hold_signals()
            if isinstance(err, BrokenPipeError) and stdout is None:
                _drop_stdout()
            code = ended(run, err)
        _hold_signals()  # what follows is the run's record: an interrupt now would lose it
        if run.command in BOTH and status_file:
            _keep_status(run, Path(status_file), code, handoff.step_after(environ, code))
        return code
    finally:
        _restore(handlers)


def _dispatch(run: Run, argv: list[str], environ: Mapping[str, str], stdin: TextIO, stdout: TextIO) -> int:
    args = build_parser().parse_args(argv)
    run.command = str(args.command)
    if run.command in commands.NAMES:  # accounts, doctor
        return commands.run(args, environ, stdout, run)
    if run.command == "replay":
        return replay(args.status_file or environ.get(contract.STATUS_FILE), run.stream)
    return account(run, args, environ, stdin)


def account(run: Run, args: Any, environ: Mapping[str, str], stdin: TextIO) -> int:
    """One add or delete, in turn with the other bridges of this machine on the cluster."""
    request = parse_request(args, environ, stdin)
    run.label = f"{run.command} {request.spec.label} on {request.cluster}"
    report = Reporter(run.label, request.quiet, run.stream)
    if request.command == "del-user" and request.on("keep_on_destroy"):
        run.say(f"kept {request.spec.label} on {request.cluster} (keep_on_destroy): nothing deleted")
        return contract.EXIT_OK
    try:
        lock = ClusterLock(request.settings.zone, request.cluster, Path(request.lock_dir) if request.lock_dir else None,
                           holder=f"{run.command} {request.spec.label} (pid {os.getpid()})", on_wait=report.lock_held)  # fmt: skip
    except OSError as err:  # configuration: nothing was sent
        raise UsageError(f"cannot open the cluster's lock file ({err.strerror}): point --lock-dir or "
                         f"{contract.LOCK_DIR} at a directory of yours that you can write") from None  # fmt: skip
    # The replay step never gets here: it prints a file and exits without loading the client.
    from .report import outcome_line
    from .work import events_to, perform

    events = events_to(report)
    run.job = lambda: events.running
    report.start_heartbeat()
    try:
        outcome = perform(request, events, lock)
    finally:
        report.stop()  # no "still ..." line after this: the last line is the result
    run.say(outcome_line(outcome, request.spec.label, request.cluster, report.elapsed()))
    return contract.EXIT_OK


def _keep_status(run: Run, path: Path, code: int, step: str = "") -> None:
    try:
        write_status(path, code, run.last, step=step)
    except OSError as err:
        run.say(f"cannot write the status file ({err.strerror}): the next step will say it left no result")


def _drop_stdout() -> None:
    """After a closed pipe, stdout goes nowhere: Python's flush at exit then raises no second error."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _flag_in(argv: Sequence[str], flag: str) -> str | None:
    """A flag's value, read before argparse so that a run it refuses still writes its status file."""
    for n, arg in enumerate(argv):
        if arg == flag and n + 1 < len(argv):
            return argv[n + 1]
        if arg.startswith(f"{flag}="):
            return arg.split("=", 1)[1]
    return None


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


def _raise_on_signals() -> dict[int, Any]:
    """SIGINT and SIGTERM raise :class:`.exits.Interrupted` wherever the process is, for every command
    (called from a thread other than the main one, as a test may, it leaves the signals alone)."""
    try:
        return {sig: signal.signal(sig, _on_signal) for sig in SIGNALS}
    except ValueError:
        return {}


def _hold_signals() -> None:
    try:
        for sig in SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
    except ValueError:
        pass


def _restore(handlers: dict[int, Any]) -> None:
    for sig, handler in handlers.items():
        if handler is not None:  # None: set from outside Python, which cannot be restored from here
            signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
