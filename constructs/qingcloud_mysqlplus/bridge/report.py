"""What the bridge says: progress while it waits, one result line, hints, and the status file.

Progress is one line per job status change (its id as soon as it is
submitted), who holds the cluster lock while this run waits for it, and a
"still ..." line after PROGRESS_EVERY seconds of waiting without news.  The result is one line that names the
account and the job.  No line ever holds a password, a job record or a
directive: only ids, statuses and the account's non-secret fields.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..qingcloud.errors import ApiError, DeadlineExceeded, PermissionDenied, QingCloudError
from ..qingcloud.jobs import FINAL
from . import contract

if TYPE_CHECKING:  # the replay step imports this module and must not load the client
    from .accounts import Outcome

PROGRESS_EVERY = 10.0  # seconds between "still waiting for the cluster lock" lines
JOB_EVERY = 5.0  # seconds between "job ... still running" lines (a MySQL Plus job takes 5-30 s)
BEAT = 0.5  # how often the heartbeat thread looks
WHERE = {"added": "to", "adopted": "on", "replaced": "on", "deleted": "from", "absent": "on"}


@dataclass
class _Wait:
    """What the run waits for, as the heartbeat words it, since when, and when it says so next."""

    what: str
    since: float
    every: float
    next_at: float


class Reporter:
    """Progress to stderr for one run; ``last`` is the last line said (for the status file).

    While the run waits (for the cluster lock, or for a job), :meth:`tick`
    says so every PROGRESS_EVERY (a job: JOB_EVERY) seconds, with how long it
    has waited; a thread calls it (:meth:`start_heartbeat`), tests call it
    with their own clock.
    """

    def __init__(self, label: str, quiet: bool, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.quiet, self.stream, self.clock = label, quiet, stream, clock
        self.started = clock()
        self.last = ""
        self._seen: tuple[str, float] = ("", 0.0)
        self._wait: _Wait | None = None
        self._lock_wait: _Wait | None = None  # the wait for the lock, while it lasts
        import threading  # only an add or delete reports progress: replay and --help do not pay for it

        self._mutex = threading.Lock()
        self._stop = threading.Event()

    def elapsed(self) -> float:
        return self.clock() - self.started

    def say(self, text: str, beat: bool = False) -> None:
        """One line; a heartbeat's (``beat``) only while still waiting, so none follows :meth:`stop`."""
        with self._mutex:
            if beat and (self._wait is None or self._stop.is_set()):
                return
            self.last = f"{contract.PROG}: {self.label}: {text}"
            print(self.last, file=self.stream, flush=True)

    def note(self, text: str) -> None:
        if not self.quiet:
            self.say(text)

    def waiting(self, what: str | None, every: float = PROGRESS_EVERY) -> None:
        """What the run now waits for, as the heartbeat words it ("still waiting for ..."); None: nothing."""
        now = self.clock()
        self._wait = None if what is None else _Wait(what, now, every, now + every)

    def status(self, service: str, job_id: str, status: str) -> None:
        """A job's status as it changes ("submitted" when sent); a final one ends the heartbeat."""
        now = self.elapsed()
        if status in FINAL:
            self.waiting(None)
        elif status == "submitted" or self._wait is None:
            self.waiting(f"{service} job {job_id} still running", JOB_EVERY)
        if self.quiet or (status == self._seen[0] and now - self._seen[1] < PROGRESS_EVERY):
            return
        self._seen = (status, now)
        self.say(f"{service} job {job_id} {status} ({now:.1f} s)")

    def lock_held(self, holder: str) -> None:
        """Another bridge of this machine holds the cluster: who (as it wrote beside the lock).  Said
        once; when another takes its turn, the next "still waiting" line names it."""
        who = holder or "another bridge (it did not say which account)"
        if self._wait is not None and self._wait is self._lock_wait:
            self._wait.what = f"still waiting for the cluster lock, held by {who}"
            return
        self.waiting(f"still waiting for the cluster lock, held by {who}")
        self._lock_wait = self._wait
        self.note(f"waiting for the cluster lock, held by {who} ({self.elapsed():.1f} s)")

    def tick(self) -> None:
        """The "still ..." line, when one is due."""
        wait, now = self._wait, self.clock()
        if self.quiet or wait is None or now < wait.next_at:
            return
        while wait.next_at <= now:  # one line, however long the thread slept
            wait.next_at += wait.every
        self.say(f"{wait.what}, {now - wait.since:.0f} s so far ({now - self.started:.1f} s)", beat=True)

    def start_heartbeat(self, every: float = BEAT) -> None:
        """Call :meth:`tick` every ``every`` seconds from a daemon thread until :meth:`stop`."""
        if self.quiet:
            return
        import threading

        def beat() -> None:
            while not self._stop.wait(every):
                self.tick()

        threading.Thread(target=beat, name="heartbeat", daemon=True).start()

    def stop(self) -> None:
        with self._mutex:
            self._stop.set()
            self._wait = None

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


def write_status(path: Path, code: int, last: str, step: str = "") -> None:
    """Replace the status file in one step, so a reader (or a killed writer) never sees half of it.

    The file is made 0600, in a 0700 directory: only this user reads what the run said.  The
    temporary file is made anew (O_EXCL, so never through a link planted in its place).  ``step``:
    what the construct's first add step left for the next ones (see :mod:`.handoff`)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)  # left by a killed writer that had this pid; a link is removed, not followed
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with open(fd, "w", encoding="utf-8") as file:
        file.write(json.dumps({"exit": code, "last": last} | ({"step": step} if step else {})))
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
        step = str(record.get("step") or "")
        if step == "deferred":  # the step it deferred to left no result of its own: killed
            raise ValueError(step)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        shown = path if path.parent.name == contract.STATUS_DIR else "the --status-file given"  # not a stray value
        print(f"{contract.PROG}: the bridge left no result in {shown}: it did not start, or was killed "
              "(is the Python that ran 'cdktf synth' still there?)", file=stream)  # fmt: skip
        return contract.EXIT_FAILED
    path.unlink(missing_ok=True)
    if step != "shown":  # else the first add step did the add and showed every line of it
        print(last, file=stream)
    return code
