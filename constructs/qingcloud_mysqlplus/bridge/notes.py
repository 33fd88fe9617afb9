"""What one bridge leaves for the next on this machine about a cluster: its ``app_id`` and its job times.

Terraform starts every account's bridge at once, and they take turns on the
cluster's lock.  Each needs the cluster's ``app_id`` (DescribeClusterJobs is
documented with ``app=``) and how long its jobs take (to time the polls):
asked by each, that is a DescribeClusters and a second read of the history
per account.  The bridge that goes first asks once and writes them here,
beside the lock file, in the same private directory; the others read them.
Nothing here is secret, and a missing or damaged file only costs those calls.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..qingcloud.errors import DeadlineExceeded
from ..qingcloud.retry import Deadline, polling

KEPT_TIMES = 20  # job times kept per service
TIMES = "seen"  # the key of the times the bridges saw (0.5.0 kept whole-second stamps under "times": not read)
APP_WAIT, APP_POLL = 3.0, 0.02  # how long a queued bridge waits for the first one's app_id, and how often it looks


class NotYet(Exception):
    """The notes do not hold the app_id yet (the first bridge is still asking for it)."""


class ClusterNotes:
    """One notes file of a cluster: ``<zone>-<cluster>.notes.json`` for its app_id (written once, by the first
    bridge), ``.times.json`` for its job times (after each job).  What a file holds counts only when it was
    learned from the same endpoint (a simulator and a private cloud may both have a cluster of that id)."""

    def __init__(self, path: Path, endpoint: str) -> None:
        self.path, self.endpoint = path, endpoint

    def read(self) -> dict[str, Any]:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return {}
        try:
            with os.fdopen(fd, encoding="utf-8") as file:
                data = json.load(file)
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def app_id(self) -> str:
        data = self.read()
        value = data.get("app_id")
        return value if isinstance(value, str) and data.get("endpoint") == self.endpoint else ""

    def wait_for_app(self, seconds: float = APP_WAIT, sleep: Callable[[float], None] = time.sleep,
                     clock: Callable[[], float] = time.monotonic) -> str:  # fmt: skip
        """The app_id, waiting up to ``seconds`` for the bridge ahead to write it ("" if it does not)."""

        def look() -> str:
            if found := self.app_id():
                return found
            raise NotYet("no app_id in the notes yet")

        try:
            return polling(APP_POLL, sleep, NotYet).run("waiting for the app_id", look, Deadline(seconds, clock))
        except DeadlineExceeded:
            return ""

    def times(self, service: str) -> list[float]:
        data = self.read()
        return _times(data, service) if data.get("endpoint") == self.endpoint else []

    def update(self, *, app_id: str | None = None, service: str | None = None, seconds: float | None = None) -> None:
        """Record the app_id and/or when a job's end was seen (seconds after its submit); written whole in one
        rename, so a reader never sees half.  Only the holder of the cluster's lock writes (or the first bridge, before any job: the app_id)."""
        data = self.read()
        if data.get("endpoint") != self.endpoint:
            data = {"endpoint": self.endpoint}  # learned from another endpoint: start afresh
        if app_id:
            data["app_id"] = app_id
        if service and seconds is not None:
            times = data.get(TIMES)
            data[TIMES] = {**(times if isinstance(times, dict) else {}),
                             service: [*_times(data, service), seconds][-KEPT_TIMES:]}  # fmt: skip
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(data, file)
            tmp.replace(self.path)
        except OSError:
            tmp.unlink(missing_ok=True)  # best effort: the next bridge asks the API instead


def _times(data: dict[str, Any], service: str) -> list[float]:
    times = data.get(TIMES)
    values = times.get(service) if isinstance(times, dict) else None
    return [float(v) for v in values if isinstance(v, (int, float))] if isinstance(values, list) else []
