"""Faults the simulator can inject, chosen at start or through /_sim/faults."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

# Kinds and when they strike:
#   http500      answer HTTP 500 instead of processing the request
#   drop         close the connection without an answer, request not processed
#   drop_after   process the request, then close without an answer
#   slow         sleep `seconds` before answering
#   retcode5100  answer ret_code 5100 (server busy), request not processed
#   busy         answer ret_code 1400, cluster busy, request not processed
#   job_fail     the next matching job ends "failed"
#   job_hang     the next matching job never leaves "working"
REQUEST_KINDS = ("http500", "drop", "drop_after", "slow", "retcode5100", "busy")
JOB_KINDS = ("job_fail", "job_hang")
KINDS = REQUEST_KINDS + JOB_KINDS


@dataclass
class Fault:
    kind: str
    count: int = 1  # how many matching requests or jobs it strikes; -1 for every one
    on: str | None = None  # an action (DescribeJobs) or a service (add_user); None for any
    seconds: float = 5.0  # for slow

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind: received {self.kind!r}; expected one of {', '.join(KINDS)}")
        self.count, self.seconds = int(self.count), float(self.seconds)

    @classmethod
    def parse(cls, text: str) -> Fault:
        """``kind[,count=N][,on=NAME][,seconds=S]``, e.g. ``http500,count=2,on=add_user``."""
        kind, *pairs = text.split(",")
        fields: dict[str, Any] = {}
        for pair in pairs:
            key, _, value = pair.partition("=")
            if key not in ("count", "on", "seconds"):
                raise ValueError(f"fault option: received {key!r}; expected count, on or seconds")
            fields[key] = value
        return cls(kind.strip(), **fields)


class Faults:
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
        """The first pending fault of one of ``kinds`` matching an action or service name."""
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
