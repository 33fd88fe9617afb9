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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..qingcloud.errors import DeadlineExceeded
from ..qingcloud.retry import Deadline

SPIN = 0.01  # seconds between tries: the next bridge in line goes as soon as the lock is free


def safe_name(*parts: str) -> str:
    """A file name from ids: anything but letters, digits, ``_ . -`` becomes ``_``."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", "-".join(parts))


def default_lock_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"qingcloud-mysqlplus-{os.getuid()}"


@contextmanager
def cluster_lock(zone: str, cluster: str, deadline: Deadline, lock_dir: Path | None = None,
                 on_wait: Callable[[], None] | None = None) -> Iterator[None]:  # fmt: skip
    directory = lock_dir or default_lock_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(directory / f"{safe_name(zone, cluster)}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline.remaining() <= SPIN:
                    raise DeadlineExceeded(f"waiting for the other bridge working on {cluster}", deadline.seconds,
                                           None) from None  # fmt: skip
                if not waited and on_wait:
                    on_wait()
                waited = True
                time.sleep(SPIN)
        yield
    finally:
        os.close(fd)  # closing releases the lock
