"""Job records as QingCloud documents them, read without ever keeping or printing a secret.

A record has ``job_id, job_action, status, create_time, status_time, owner,
resource_ids, directive, error_codes`` and no message.  ``directive`` is the
original request as JSON and, for add_user, holds the password in clear: it
is parsed here, compared in memory by the caller, and never stored.
"""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .signing import TIME_FORMAT

RUNNING = frozenset({"pending", "working"})
FINAL = frozenset({"successful", "failed", "done with failure"})
SUCCESSFUL = "successful"


@dataclass(frozen=True)
class Request:
    """What a job was asked to do, from its directive.  ``params`` may hold a password: never print it."""

    service: str
    cluster: str
    params: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Job:
    job_id: str
    status: str
    create_time: str
    status_time: str
    error_codes: str
    request: Request | None = field(repr=False)  # None: no readable directive

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def seconds(self) -> float | None:
        """How long it ran (whole seconds, from its stamps); None while running or unreadable."""
        start, end = epoch(self.create_time), epoch(self.status_time)
        return None if not self.final or start is None or end is None else max(0.0, end - start)


def epoch(stamp: object) -> float | None:
    try:
        return float(calendar.timegm(time.strptime(str(stamp), TIME_FORMAT)))
    except ValueError:
        return None


def parse_request(directive: object) -> Request | None:
    """The service, cluster and service_params of a directive; None when it says none of them."""
    try:
        data = json.loads(str(directive or ""))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    params = data.get("service_params")
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except ValueError:
            params = None
    if not isinstance(params, dict) or not data.get("service"):
        return None
    return Request(str(data["service"]), str(data.get("cluster") or ""), params)


def parse_job(record: Mapping[str, Any]) -> Job:
    return Job(
        job_id=str(record.get("job_id") or ""),
        status=str(record.get("status") or ""),
        create_time=str(record.get("create_time") or ""),
        status_time=str(record.get("status_time") or ""),
        error_codes=str(record.get("error_codes") or ""),
        request=parse_request(record.get("directive")),
    )
