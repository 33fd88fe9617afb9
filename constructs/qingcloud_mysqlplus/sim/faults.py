"""Faults the simulator can inject, chosen at start or through ``POST /_sim/faults``.

Kinds, and what a matching request or job meets:
  http500                HTTP 500, request not processed
  drop                   connection closed without an answer, request not processed
  drop_after             request processed, then the connection closed without an answer
  slow                   the answer comes ``seconds`` late
  retcode5100            ret_code 5100 (server busy), request not processed
  denied                 ret_code 1400, a real permission denial, request not processed
  busy                   another actor's job occupies the named cluster for ``seconds``: the
                         request (and any other meanwhile) gets the documented 1400 transition answer
  busy_race              a RunClusterCustomService on an idle cluster: another actor's restart_node job
                         (owner usr-f0re1gn0) is recorded as having run for up to ``seconds`` and ended
                         just now, and the request gets the documented 1400 transition answer; the
                         cluster is already idle when the client next looks (transition_status "")
  job_fail               the job ends ``failed``, change not applied
  job_done_with_failure  the job ends ``done with failure``, change not applied
  job_hang               the job never leaves ``working`` (until the faults are cleared)
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

TRANSPORT_KINDS = ("http500", "drop", "drop_after", "slow", "retcode5100")
REQUEST_KINDS = (*TRANSPORT_KINDS, "denied", "busy", "busy_race")
JOB_KINDS = ("job_fail", "job_done_with_failure", "job_hang")
KINDS = REQUEST_KINDS + JOB_KINDS


@dataclass
class Fault:
    kind: str
    count: int = 1  # how many matching requests or jobs it strikes; -1 for every one
    on: str | None = None  # an action (DescribeJobs) or a service (add_user); None for any
    seconds: float = 5.0  # for slow, busy and busy_race

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind: received {self.kind!r}; expected one of {', '.join(KINDS)}")
        self.count, self.seconds = int(self.count), float(self.seconds)
        if self.count == 0 or self.count < -1:
            raise ValueError(f"fault count: received {self.count}; expected a positive number, or -1 for every one")

    @classmethod
    def parse(cls, text: str) -> Fault:
        """``kind[,count=N][,on=NAME][,seconds=S]``, e.g. ``http500,count=2,on=add_user``."""
        kind, *pairs = text.split(",")
        options: dict[str, Any] = {}
        for pair in pairs:
            key, _, value = pair.partition("=")
            if key not in ("count", "on", "seconds"):
                raise ValueError(f"fault option: received {key!r}; expected count, on or seconds")
            options[key] = value
        return cls(kind.strip(), **options)


class Faults:
    """Pending faults, and how often each kind has struck (``GET /_sim/faults``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []
        self.struck: dict[str, int] = {}

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._pending.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def take(self, kinds: tuple[str, ...], names: tuple[str, ...]) -> Fault | None:
        """The first pending fault of one of ``kinds`` matching an action or service name, counted as struck."""
        with self._lock:
            for fault in self._pending:
                if fault.kind in kinds and (fault.on is None or fault.on in names):
                    if fault.count > 0:
                        fault.count -= 1
                        if fault.count == 0:
                            self._pending.remove(fault)
                    self.struck[fault.kind] = self.struck.get(fault.kind, 0) + 1
                    return fault
            return None

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"pending": [asdict(f) for f in self._pending], "struck": dict(self.struck)}
