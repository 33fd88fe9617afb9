"""A per-cluster lock, so parallel bridge processes on one machine take turns.

A MySQL Plus cluster runs one job at a time and answers "busy" to a second
one; Terraform runs provisioners in parallel.  ``flock`` on a file named after
the cluster serialises the bridges of one machine without a busy-retry storm;
the kernel drops the lock when a process dies, so a killed run leaves none.
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

from ..qingcloud.client import Deadline, DeadlineExceeded


def default_lock_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"qingcloud-mysqlplus-{os.getuid()}"


@contextmanager
def cluster_lock(
    zone: str,
    cluster: str,
    deadline: Deadline,
    lock_dir: Path | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[None]:
    directory = lock_dir or default_lock_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{zone}-{cluster}")
    fd = os.open(directory / f"{safe}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline.remaining() <= 0.05:
                    raise DeadlineExceeded(
                        f"waiting for the other bridge working on {cluster}", deadline.seconds, None
                    ) from None
                if not waited and on_wait:
                    on_wait()
                waited = True
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock
