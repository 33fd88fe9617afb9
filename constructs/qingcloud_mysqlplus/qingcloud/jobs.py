"""Job records as QingCloud documents them, read without ever keeping or printing a secret.

A record has ``job_id, job_action, status, create_time, status_time, owner,
resource_ids, directive, error_codes`` and no message.  ``directive`` is the
original request as JSON and, for add_user, holds the password in clear: it
is parsed here, compared in memory by the caller, and never stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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


STAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z")  # QingCloud's %Y-%m-%dT%H:%M:%SZ


def epoch(stamp: object) -> float | None:
    """Seconds since 1970 of a UTC stamp; None when it is not one.  Plain arithmetic: the first
    ``time.strptime`` of a process costs about 13 ms (it loads the locale machinery)."""
    found = STAMP.fullmatch(str(stamp))
    if found is None:
        return None
    year, month, day, hour, minute, second = map(int, found.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        return None
    return float(_days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


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
