"""What the bridge says: progress while it waits, one result line, hints, and the status file.

Progress is one line per job status change, plus a heartbeat every
PROGRESS_EVERY seconds of waiting.  The result is one line that names the
account and the job.  No line ever holds a password, a job record or a
directive: only ids, statuses and the account's non-secret fields.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..qingcloud.errors import ApiError, DeadlineExceeded, PermissionDenied, QingCloudError
from . import contract

if TYPE_CHECKING:  # the replay step imports this module and must not load the client
    from .accounts import Outcome

PROGRESS_EVERY = 10.0
WHERE = {"added": "to", "adopted": "on", "replaced": "on", "deleted": "from", "absent": "on"}


class Reporter:
    """Progress to stderr for one run; ``last`` is the last line said (for the status file)."""

    def __init__(self, label: str, quiet: bool, stream: TextIO) -> None:
        self.label, self.quiet, self.stream = label, quiet, stream
        self.started = time.monotonic()
        self.last = ""
        self._seen: tuple[str, float] = ("", 0.0)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, text: str) -> None:
        self.last = f"{contract.PROG}: {self.label}: {text}"
        print(self.last, file=self.stream, flush=True)

    def note(self, text: str) -> None:
        if not self.quiet:
            self.say(text)

    def status(self, service: str, job_id: str, status: str) -> None:
        now = self.elapsed()
        if self.quiet or (status == self._seen[0] and now - self._seen[1] < PROGRESS_EVERY):
            return
        self._seen = (status, now)
        self.say(f"{service} job {job_id} {status} ({now:.1f} s)")

    def retrying(self, cause: str, delay: float) -> None:
        self.note(f"retrying in {delay:.1f} s: {cause}")


def outcome_line(outcome: Outcome, account: str, cluster: str, seconds: float) -> str:
    if outcome.verb == "absent":
        return f"{account} is not on {cluster}: {outcome.note} ({seconds:.1f} s)"
    job = f"job {outcome.job_id}, " if outcome.job_id else ""
    note = f"; {outcome.note}" if outcome.note else ""
    return f"{outcome.verb} {account} {WHERE[outcome.verb]} {cluster} ({job}{seconds:.1f} s{note})"


def hint(err: QingCloudError, command: str) -> str:
    """What to do about an API failure, in a few words."""
    if isinstance(err, PermissionDenied):
        return (" (the access key's user has no rights on this cluster: check the key pair, the cluster id and "
                "zone, and the sub-account's permissions)")  # fmt: skip
    if isinstance(err, ApiError):
        hints = {1200: "check QINGCLOUD_ACCESS_KEY / QINGCLOUD_SECRET_KEY",
                 1300: "check this machine's clock (time stamps may be at most 60 s off)",
                 2100: "check the cluster id and the zone",
                 2400: "the account's balance is insufficient",
                 2500: "the API request quota is used up; it resets at 00:00"}  # fmt: skip
        return f" ({hints[err.ret_code]})" if err.ret_code in hints else ""
    if isinstance(err, DeadlineExceeded):
        job = f"; job {err.job_id} may still finish" if err.job_id else ""
        then = ("deploy again when the cause has cleared: the next run finds the account in the cluster's "
                "job history") if command == "add-user" else "raise --timeout, or retry when the cause has cleared"  # fmt: skip
        return f"{job} ({then})"
    return ""


def write_status(path: Path, code: int, last: str) -> None:
    """Replace the status file in one step, so a reader (or a killed writer) never sees half of it.

    The file is made 0600, in a 0700 directory: only this user reads what the run said.  The
    temporary file is made anew (O_EXCL, so never through a link planted in its place)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)  # left by a killed writer that had this pid; a link is removed, not followed
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with open(fd, "w", encoding="utf-8") as file:
        file.write(json.dumps({"exit": code, "last": last}))
    tmp.replace(path)


def replay(status_file: str | None, stream: TextIO) -> int:
    """Print an earlier run's last line and return its exit code; remove the file."""
    if not status_file:
        print(f"{contract.PROG}: replay: error: no --status-file", file=stream)
        return contract.EXIT_USAGE
    path = Path(status_file)
    try:
        record: Any = json.loads(path.read_text(encoding="utf-8"))
        code, last = int(record["exit"]), str(record["last"])
    except (OSError, ValueError, KeyError, TypeError):
        shown = path if path.parent.name == contract.STATUS_DIR else "the --status-file given"  # not a stray value
        print(f"{contract.PROG}: the bridge left no result in {shown}: it did not start, or was killed "
              "(is the Python that ran 'cdktf synth' still there?)", file=stream)  # fmt: skip
        return contract.EXIT_FAILED
    path.unlink(missing_ok=True)
    print(last, file=stream)
    return code
