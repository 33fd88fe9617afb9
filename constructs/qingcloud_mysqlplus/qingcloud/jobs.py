"""Job records as QingCloud documents them, read without ever keeping or printing a secret.

A record has ``job_id, job_action, status, create_time, status_time, owner,
resource_ids, directive, error_codes`` and no message (DescribeClusterJobs
adds ``resources``).  ``directive`` is the original request as JSON and holds
the password in clear for add_user, and the access key id and the request's
signature: only the action, service, cluster, channel and service_params are
taken from it, compared in memory by the caller, and never printed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..rules import AccountRuleError, check_password

RUNNING = frozenset({"pending", "working"})
FINAL = frozenset({"successful", "failed", "done with failure"})
SUCCESSFUL = "successful"


CUSTOM_SERVICE = "RunClusterCustomService"


@dataclass(frozen=True)
class JobRequest:
    """What a job was asked to do, from its directive.  ``params`` may hold a password: never print it.

    ``action`` is the API action (a backup or a scaling job names another one); ``service`` the
    custom service of a RunClusterCustomService ("" otherwise); ``channel`` the sender's
    (``api`` or ``console``; "" when the directive does not say)."""

    action: str
    service: str
    cluster: str
    params: Mapping[str, Any] = field(repr=False)
    channel: str = ""

    def kept_password(self) -> str | None:
        """The password the record keeps in clear (compare it in memory, never print it); None when there is
        none or QingCloud masked it (a mask breaks the password rules)."""
        try:
            return check_password(self.params.get("passwd"))
        except AccountRuleError:
            return None


@dataclass(frozen=True)
class Job:
    job_id: str
    status: str
    create_time: str
    status_time: str
    error_codes: str
    request: JobRequest | None = field(repr=False)  # None: no readable directive (missing, masked, garbled)
    resources: frozenset[str] = frozenset()  # the resource ids the record names (resource_ids, resources)

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


def _json_object(text: object) -> dict[str, Any] | None:
    if isinstance(text, dict):
        return text
    try:
        data = json.loads(str(text or ""))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def parse_request(directive: object) -> JobRequest | None:
    """What a directive asks; None when it cannot be read (empty, masked or garbled).

    A directive that names another action (a backup) or another custom service (a restart) is
    readable with whatever params it has; an add_user or del_user must carry its service_params."""
    data = _json_object(directive)
    if data is None:
        return None
    action, service = str(data.get("action") or ""), str(data.get("service") or "")
    if not action and not service:
        return None
    sender = data.get("sender")
    channel = str(sender.get("channel") or "") if isinstance(sender, dict) else ""
    params = _json_object(data.get("service_params"))
    if params is None:
        if action in ("", CUSTOM_SERVICE) and service in ("", "add_user", "del_user"):
            return None  # an account job whose params are hidden: could be anyone's
        params = {}
    return JobRequest(action or CUSTOM_SERVICE, service, str(data.get("cluster") or ""), params, channel)


def _resources(record: Mapping[str, Any]) -> frozenset[str]:
    """The ids a record names: ``resource_ids`` (space-separated, or a list) and ``resources.clusters``."""
    ids: list[str] = []
    for value in (record.get("resource_ids"), (record.get("resources") or {}).get("clusters")
                  if isinstance(record.get("resources"), dict) else None):  # fmt: skip
        if isinstance(value, str):
            ids.extend(value.replace(",", " ").split())
        elif isinstance(value, list):
            ids.extend(str(v) for v in value)
    return frozenset(ids)


def parse_job(record: Mapping[str, Any]) -> Job:
    return Job(
        job_id=str(record.get("job_id") or ""),
        status=str(record.get("status") or ""),
        create_time=str(record.get("create_time") or ""),
        status_time=str(record.get("status_time") or ""),
        error_codes=str(record.get("error_codes") or ""),
        request=parse_request(record.get("directive")),
        resources=_resources(record),
    )
