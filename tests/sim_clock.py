"""A clock the test moves by hand, for the in-process simulator's job times (no wall-clock bound in a test).

The simulator's engine reads ``time.monotonic()`` for a job's start, its age and
its end; :func:`stepped_clock` hands it this clock instead.  Jobs then end only
when the test moves the clock past their duration (a job's own timer may wake
meanwhile, but it reads the same clock), so a job's span is its duration give or
take one step, however loaded the machine is.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from helpers import Sim
from qingcloud_mysqlplus.sim import engine
from sim_calls import job

STEP = 1 / 64  # exact in binary: sums of steps carry no rounding error
MAX_STEPS = 10_000  # a job that never ends fails the test instead of hanging it


class SteppedClock:
    def __init__(self) -> None:
        self._now, self._lock = 1000.0, threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def step(self) -> None:
        with self._lock:
            self._now += STEP


@contextmanager
def stepped_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[SteppedClock]:
    """The simulator engine's clock, for as long as the block runs (before the first job is sent)."""
    clock = SteppedClock()
    with monkeypatch.context() as patch:
        patch.setattr(engine, "time", types.SimpleNamespace(monotonic=clock))
        yield clock


def finished_by_steps(sim: Sim, clock: SteppedClock, answer: dict[str, Any]) -> dict[str, Any]:
    """Move the clock one step at a time, polling the accepted job, until it has ended; its final record."""
    assert answer["ret_code"] == 0, answer
    for _ in range(MAX_STEPS):
        record = job(sim, answer["job_id"])
        if record["status"] not in ("pending", "working"):
            return record
        clock.step()
    raise AssertionError(f"job {answer['job_id']} still running after {MAX_STEPS} steps of the clock")
