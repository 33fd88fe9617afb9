"""Every way a command can end, mapped to its exit code and its one line: the one place they are decided.

A refusal of the input, a failure the API or the job reported, an interrupt,
and anything else (an answer the bridge does not understand, or a bug) each
map to one code of :data:`.contract.EXIT_CODES` and one line.  The catch-all
names the exception's type and the line of ours it came from, never its
message: a message may quote a job record or a value that holds a secret.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .. import __version__
from . import contract
from .inputs import UsageError

PACKAGE = Path(__file__).resolve().parent.parent  # qingcloud_mysqlplus/


class Interrupted(KeyboardInterrupt):
    """SIGTERM, raised where the process is, as SIGINT raises KeyboardInterrupt (the job keeps running
    on the cluster); a KeyboardInterrupt, so that what cleans up on one (the probe) does on both."""


@dataclass
class Run:
    """What one command has shown so far: who it is about (the account or the cluster, once known), the
    job it waits for, and its last line (the status file's)."""

    command: str
    stream: TextIO
    label: str = ""
    last: str = ""
    job: Callable[[], str | None] = field(default=lambda: None, repr=False)

    def __post_init__(self) -> None:
        self.label = self.label or self.command

    def say(self, text: str) -> None:
        self.last = f"{contract.PROG}: {self.label}: {text}" if self.label else f"{contract.PROG}: {text}"
        print(self.last, file=self.stream, flush=True)


def ended(run: Run, err: BaseException) -> int:
    """Say how ``err`` ended the run, in one line (the usage first, for argparse's refusals); its exit code."""
    if isinstance(err, UsageError):
        if err.usage:
            print(err.usage.rstrip("\n"), file=run.stream)
        if err.about:
            run.label = f"{run.command} {err.about}"
    code, text = exit_for(err, run.command, run.job())
    run.say(text)
    return code


def exit_for(err: BaseException, command: str, job: str | None = None) -> tuple[int, str]:
    """The exit code and the line (after the command's label) for an exception that ended ``command``."""
    from ..qingcloud.errors import QingCloudError
    from .lock import LockRefused

    if isinstance(err, (UsageError, LockRefused)):
        return contract.EXIT_USAGE, f"error: {err}"
    if isinstance(err, KeyboardInterrupt):
        running = f"; job {job} was running and may still finish on the cluster" if job else ""
        return contract.EXIT_INTERRUPTED, f"interrupted by {str(err) or 'SIGINT'}{running}"
    if isinstance(err, QingCloudError):
        from .report import hint

        return contract.EXIT_FAILED, f"failed: {err}{hint(err, command)}"
    if isinstance(err, BrokenPipeError):  # accounts | head: what was wanted was read
        return contract.EXIT_FAILED, "failed: the output was closed before all of it was written"
    decisions = sys.modules.get(f"{__package__}.accounts")  # not loaded: err cannot be one of its Failures
    if decisions is not None and isinstance(err, decisions.Failure):
        return contract.EXIT_FAILED, f"failed: {err}"
    return contract.EXIT_BUG, unexpected(err, command)


def unexpected(err: BaseException, command: str) -> str:
    """The catch-all's line: the type and where, what it may mean, how to report it; never the message."""
    then = "; the next run decides from the cluster's job history" if command in ("add-user", "del-user") else ""
    return (f"unexpected {type(err).__name__} at {where(err)}: an answer the bridge does not understand, or a "
            f"bug (its message is not shown: it may hold a secret){then}; please report this line with "
            f"{contract.PROG} {__version__}")  # fmt: skip


def where(err: BaseException) -> str:
    """The innermost line of this package the exception passed through (``qingcloud/client.py:101``)."""
    import traceback  # only on this path: the bridge's start stays small

    frames = traceback.extract_tb(err.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(PACKAGE)]
    if not (ours or frames):
        return "an unknown place"
    frame = (ours or frames)[-1]
    path = Path(frame.filename).resolve()
    shown = path.relative_to(PACKAGE).as_posix() if path.is_relative_to(PACKAGE) else path.name
    return f"{shown}:{frame.lineno} ({frame.name})"
