"""Time budgets and retry decisions, with the clock, sleep and randomness passed in.

Retry decisions are small named checkers over one :class:`RetryContext`, in
the manner of botocore's retry handlers: each says yes for one class of
failure.  A ret_code 1400 is never decided here: only the cluster's
``transition_status`` can tell "busy" from "denied" (see ``qingcloud.clusters``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import (
    INTERNAL,
    QUOTA_OR_RATE,
    SERVER_BUSY,
    SERVICE_UPDATING,
    AnswerLost,
    ApiError,
    NotSent,
    QingCloudError,
)

Clock = Callable[[], float]
Sleep = Callable[[float], None]
QUOTA_TRIES = 3  # a burst may clear; a daily quota will not within a deploy


class Deadline:
    """A point in monotonic time that every retry and poll of one run respects."""

    def __init__(self, seconds: float, clock: Clock = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self._end = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self.clock())


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with jitter: uniform(base/2, min(cap, base * 2**attempt))."""

    base: float = 0.25
    cap: float = 8.0
    rand: Callable[[float, float], float] = field(default=random.uniform, compare=False)

    def delay(self, attempt: int) -> float:
        top = min(self.cap, self.base * 2 ** min(attempt, 32))  # no float overflow however long it runs
        return self.rand(min(self.base / 2, top), top)


@dataclass(frozen=True)
class RetryContext:
    action: str
    attempt: int  # 0 for the first failure
    error: QingCloudError
    idempotent: bool  # a read, or a write whose resend is harmless


def never_sent(ctx: RetryContext) -> bool:
    """Nothing reached the server: sending again cannot do anything twice."""
    return isinstance(ctx.error, NotSent)


def lost_answer_of_a_read(ctx: RetryContext) -> bool:
    """The answer was lost; for a read, asking again is harmless.  For a write the evidence decides."""
    return isinstance(ctx.error, AnswerLost) and ctx.idempotent


def server_side_transient(ctx: RetryContext) -> bool:
    """5000 internal error, 5100 server busy, 5300 service updating: retried, as QingCloud's SDKs do."""
    return isinstance(ctx.error, ApiError) and ctx.error.ret_code in (INTERNAL, SERVER_BUSY, SERVICE_UPDATING)


def request_quota_burst(ctx: RetryContext) -> bool:
    """2500: a burst of requests may clear after a back-off; a few tries only."""
    return isinstance(ctx.error, ApiError) and ctx.error.ret_code == QUOTA_OR_RATE and ctx.attempt < QUOTA_TRIES


CHECKERS: tuple[Callable[[RetryContext], bool], ...] = (
    never_sent,
    lost_answer_of_a_read,
    server_side_transient,
    request_quota_burst,
)


def should_retry(ctx: RetryContext) -> bool:
    return any(check(ctx) for check in CHECKERS)
