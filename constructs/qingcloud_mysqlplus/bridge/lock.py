"""A per-cluster lock, so parallel bridge processes on one machine take turns.

A MySQL Plus cluster runs one job at a time; Terraform runs provisioners in
parallel.  ``flock`` on a file named after the cluster serialises the bridges
of one machine without a storm of refused requests; the kernel drops the lock
when a process dies, so a killed run leaves none.  Bridges on other machines
are handled by waiting for the cluster's transition_status to clear.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..qingcloud.errors import DeadlineExceeded
from ..qingcloud.retry import Deadline

SPIN = 0.01  # seconds between tries: the next bridge in line goes as soon as the lock is free
QUEUED_NICENESS = 10


def safe_name(*parts: str) -> str:
    """A file name from ids: anything but letters, digits, ``_ . -`` becomes ``_``."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", "-".join(parts))


def default_lock_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"qingcloud-mysqlplus-{os.getuid()}"


class ClusterLock:
    """The lock file of one cluster: taken at once when free, else waited for.

    Taking it is tried before the client is even imported, so the bridge that
    will go first is known at once, and those queued behind it can step back
    (see :func:`step_back`) while they prepare.
    """

    def __init__(self, zone: str, cluster: str, lock_dir: Path | None = None) -> None:
        directory = lock_dir or default_lock_dir()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.cluster = cluster
        self._fd = os.open(directory / f"{safe_name(zone, cluster)}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        self.held = False

    def try_take(self) -> bool:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self.held = True
        return True

    def wait(self, deadline: Deadline, on_wait: Callable[[], None] | None = None) -> None:
        """Take it, trying every SPIN seconds within the deadline; ``on_wait`` once if it is held."""
        if self.held or self.try_take():
            return
        if on_wait:
            on_wait()
        while not self.try_take():
            if deadline.remaining() <= SPIN:
                raise DeadlineExceeded(f"waiting for the other bridge working on {self.cluster}", deadline.seconds,
                                       None) from None  # fmt: skip
            time.sleep(SPIN)

    def close(self) -> None:
        """Release (closing the file releases the lock); closing twice is harmless."""
        if self._fd >= 0:
            os.close(self._fd)
        self._fd, self.held = -1, False

    def __enter__(self) -> ClusterLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def step_back(niceness: int = QUEUED_NICENESS) -> None:
    """Lower this process's CPU priority: it is queued behind another bridge, and its start-up
    (imports, reading the history) should not slow the one holding the cluster on a small
    machine where Terraform starts ten bridges at once.  Best effort."""
    try:
        os.nice(niceness)
    except OSError:
        pass
