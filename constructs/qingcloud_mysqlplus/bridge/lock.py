"""A per-cluster lock, so parallel bridge processes on one machine take turns.

The holder writes which account it works on beside the lock (``.holder``), so
that the bridges waiting for it can say for whom they wait.

A MySQL Plus cluster runs one job at a time; Terraform runs provisioners in
parallel.  ``flock`` on a file named after the cluster serialises the bridges
of one machine without a storm of refused requests; the kernel drops the lock
when a process dies, so a killed run leaves none.  Bridges on other machines
are handled by waiting for the cluster's transition_status to clear.

Whoever can write the lock directory can hold every cluster's lock, or plant
a symbolic link where a lock file goes.  So the directory must be this user's
and writable by nobody else, checked on the directory actually opened (the
lock file is opened relative to it, without following a link); a given one
that is not is refused (:class:`LockRefused`, exit 2).  On the default path,
a directory another user made first is passed over for the next name in a
fixed series, so that all bridges of this user still meet in one directory.
"""

from __future__ import annotations

import fcntl
import os
import re
import shlex
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..qingcloud.errors import DeadlineExceeded
from ..qingcloud.retry import Deadline
from . import contract

SPIN = 0.01  # seconds between tries: the next bridge in line goes as soon as the lock is free
LOOK = 0.5  # seconds between reads of who holds the lock, while waiting for it
HOLDER_BYTES = 200  # what a waiter reads of the holder file
QUEUED_NICENESS = 10
DEFAULT_CANDIDATES = 10  # the default path, then -1 .. -9 beside it
OPEN_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
OPEN_LOCK_FILE = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


class LockRefused(Exception):
    """The lock directory or file is not this user's alone; the message names it and the fix (exit 2)."""


def safe_name(*parts: str) -> str:
    """A file name from ids: anything but letters, digits, ``_ . -`` becomes ``_``."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", "-".join(parts))


def default_lock_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"qingcloud-mysqlplus-{os.getuid()}"


def not_private(fd: int) -> str | None:
    """Why the open directory or file ``fd`` is not this user's alone, or None when it is."""
    info = os.fstat(fd)
    if info.st_uid != os.getuid():
        return f"owned by uid {info.st_uid}, not by this user (uid {os.getuid()})"
    if info.st_mode & 0o022:
        return f"writable by its group or by others (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def open_given_dir(path: Path) -> int:
    """The directory the user named (made if missing), if it is theirs alone; else :class:`LockRefused`."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, OPEN_DIRECTORY)
    why = not_private(fd)
    if why is None:
        return fd
    os.close(fd)
    fix = f"chmod go-w {shlex.quote(str(path))}, or point" if why.startswith("writable") else "point"
    raise LockRefused(f"the lock directory {path} is {why}, so other users could hold or replace its locks: "
                      f"{fix} --lock-dir or {contract.LOCK_DIR} at a directory only you can write")  # fmt: skip


def open_default_dir(first: Path) -> tuple[int, Path]:
    """The first of ``first`` and its numbered neighbours that is a directory of this user's alone
    (not a link), made when missing.  Every bridge of the user walks the same series, and of two
    racing ``mkdir`` one wins, so they all meet in the same directory."""
    first.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a runtime directory not made yet
    for n in range(DEFAULT_CANDIDATES):
        path = first.with_name(f"{first.name}-{n}") if n else first
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            pass
        try:
            fd = os.open(path, OPEN_DIRECTORY | os.O_NOFOLLOW)
        except OSError:  # a link (ELOOP), a file (ENOTDIR), or removed since
            continue
        if not_private(fd) is None:
            return fd, path
        os.close(fd)
    raise LockRefused(f"{first} and the {DEFAULT_CANDIDATES - 1} names after it are other users' or writable by "
                      f"them: point --lock-dir or {contract.LOCK_DIR} at a directory only you can write")  # fmt: skip


def open_lock_file(directory: int, path: Path) -> int:
    """``path.name`` in the open directory, made 0600 if missing; a link there is not followed."""
    try:
        fd = os.open(path.name, OPEN_LOCK_FILE, 0o600, dir_fd=directory)
    except OSError:
        try:
            link = stat.S_ISLNK(os.stat(path.name, dir_fd=directory, follow_symlinks=False).st_mode)
        except OSError:
            link = False
        if not link:
            raise
        remove = shlex.join(["rm", str(path)])
        raise LockRefused(f"the lock file {path} is a symbolic link, which is not followed: remove it "
                          f"({remove}) if you made it, else find out who did") from None  # fmt: skip
    why = not_private(fd) or (None if stat.S_ISREG(os.fstat(fd).st_mode) else "not a regular file")
    if why is not None:
        os.close(fd)
        raise LockRefused(f"the lock file {path} is {why}: remove it, or point --lock-dir or {contract.LOCK_DIR} at "
                          "a directory only you can write")  # fmt: skip
    return fd


class ClusterLock:
    """The lock file of one cluster: taken at once when free, else waited for.

    Taking it is tried before the client is even imported, so the bridge that
    will go first is known at once, and those queued behind it can step back
    (see :func:`step_back`) while they prepare.
    """

    def __init__(self, zone: str, cluster: str, lock_dir: Path | None = None, *, holder: str = "",
                 on_wait: Callable[[str], None] | None = None) -> None:  # fmt: skip
        """Raises :class:`LockRefused` for a directory or file others control, OSError when it cannot be made.

        ``holder``: what this bridge works on (an account, never a secret), written beside the lock
        while it holds it; ``on_wait``: told who holds it while this one waits, and whenever that changes."""
        self.cluster, self.held, self.holder, self.on_wait = cluster, False, holder, on_wait
        directory, where = (open_given_dir(lock_dir), lock_dir) if lock_dir else open_default_dir(default_lock_dir())
        self.holder_path = where / f"{safe_name(zone, cluster)}.holder"
        self.notes_path = where / f"{safe_name(zone, cluster)}.notes.json"  # the app_id: see bridge/notes.py
        self.times_path = where / f"{safe_name(zone, cluster)}.times.json"  # its job times
        try:
            self._fd = open_lock_file(directory, where / f"{safe_name(zone, cluster)}.lock")
        finally:
            os.close(directory)

    def try_take(self) -> bool:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self.held = True
        if self.holder:
            write_holder(self.holder_path, self.holder)
        return True

    def wait(self, deadline: Deadline, on_wait: Callable[[], None] | None = None) -> None:
        """Take it, trying every SPIN seconds within the deadline; if it is held, ``on_wait`` once, and
        the constructor's ``on_wait`` with who holds it, again whenever that changes (read every LOOK s)."""
        if self.held or self.try_take():
            return
        if on_wait:
            on_wait()
        told, looked = None, -LOOK
        while not self.try_take():
            if self.on_wait and time.monotonic() - looked >= LOOK:
                looked, holder = time.monotonic(), read_holder(self.holder_path)
                if holder != told:
                    told = holder
                    self.on_wait(holder)
            if deadline.remaining() <= SPIN:
                raise DeadlineExceeded(f"waiting for the other bridge working on {self.cluster}", deadline.seconds,
                                       f"held by {told}" if told else None) from None  # fmt: skip
            time.sleep(SPIN)

    def close(self) -> None:
        """Release (closing the file releases the lock); closing twice is harmless.  The holder file goes
        first, so a waiter never reads this bridge's name once the next one holds the lock."""
        if self._fd >= 0:
            if self.held and self.holder:
                self.holder_path.unlink(missing_ok=True)
            os.close(self._fd)
        self._fd, self.held = -1, False

    def __enter__(self) -> ClusterLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_holder(path: Path, text: str) -> None:
    """Who holds the lock, replaced in one step (a fresh 0600 file, never through a planted link)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with open(fd, "w", encoding="utf-8") as file:
            file.write(text[:HOLDER_BYTES])
        tmp.replace(path)
    except OSError:  # best effort: waiters then say the holder did not tell
        pass


def read_holder(path: Path) -> str:
    """What the holder wrote ("" when nothing), printable characters only."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return ""
    with open(fd, "rb") as file:
        data = file.read(HOLDER_BYTES)
    return "".join(c for c in data.decode("utf-8", "replace") if c.isprintable()).strip()


def step_back(niceness: int = QUEUED_NICENESS) -> None:
    """Lower this process's CPU priority: it is queued behind another bridge, and its start-up
    (imports, reading the history) should not slow the one holding the cluster on a small
    machine where Terraform starts ten bridges at once.  Best effort."""
    try:
        os.nice(niceness)
    except OSError:
        pass
