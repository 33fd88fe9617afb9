"""Time budgets and the one resend policy, with the clock, sleep and randomness passed in.

As in botocore's standard retries, the decision to send again is a few small
named checkers over one :class:`RetryContext`, each saying yes for one class
of failure; a pause (a back-off, or a fixed poll interval) and the deadline
bound the loop.  :class:`Policy` is that loop, and every call that may be
sent again goes through it: the client's transient faults, the wait for an
idle cluster and the refusal-then-idle race (``qingcloud.clusters``), the
bridge's resends and polls.  :class:`Misconfigured` is never sent again.
A ret_code 1400 is never decided here: only the cluster's ``transition_status``
can tell "busy" from "denied" (see ``qingcloud.clusters``).
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from .errors import (
    INTERNAL,
    QUOTA_OR_RATE,
    SERVER_BUSY,
    SERVICE_UPDATING,
    AnswerLost,
    ApiError,
    DeadlineExceeded,
    MalformedAnswer,
    Misconfigured,
    NotSent,
    QingCloudError,
)

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], None]
RetryHook = Callable[[str, float], None]  # (the cause, the pause before sending again)
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
    action: str  # what is being tried, as a DeadlineExceeded names it
    attempt: int  # 0 for the first failure
    error: Exception
    idempotent: bool  # a read, or a write whose resend is harmless


Checker = Callable[[RetryContext], bool]
Pause = Callable[[RetryContext], float]


def never_sent(ctx: RetryContext) -> bool:
    """Nothing reached the server: sending again cannot do anything twice."""
    return isinstance(ctx.error, NotSent)


def lost_answer_of_a_read(ctx: RetryContext) -> bool:
    """The answer was lost; for a read, asking again is harmless.  For a write the evidence decides.
    An answer that came whole but malformed would come so again: not asked again."""
    return isinstance(ctx.error, AnswerLost) and not isinstance(ctx.error, MalformedAnswer) and ctx.idempotent


def lost_answer(ctx: RetryContext) -> bool:
    """Any lost answer, for a caller whose evidence shows a resend is harmless (the write never arrived,
    or doing it twice does no harm: a proxy node's restart)."""
    return isinstance(ctx.error, AnswerLost)


def server_side_transient(ctx: RetryContext) -> bool:
    """5000 internal error, 5100 server busy, 5300 service updating: retried, as QingCloud's SDKs do."""
    return isinstance(ctx.error, ApiError) and ctx.error.ret_code in (INTERNAL, SERVER_BUSY, SERVICE_UPDATING)


def request_quota_burst(ctx: RetryContext) -> bool:
    """2500: a burst of requests may clear after a back-off; a few tries only."""
    return isinstance(ctx.error, ApiError) and ctx.error.ret_code == QUOTA_OR_RATE and ctx.attempt < QUOTA_TRIES


CHECKERS: tuple[Checker, ...] = (never_sent, lost_answer_of_a_read, server_side_transient, request_quota_burst)


def should_retry(ctx: RetryContext, checkers: tuple[Checker, ...] = CHECKERS) -> bool:
    """Whether a checker allows another try; a misconfiguration never."""
    return not isinstance(ctx.error, Misconfigured) and any(check(ctx) for check in checkers)


@dataclass(frozen=True)
class Policy:
    """Try, and while a checker allows it and the deadline has room for the pause, pause and try again.

    ``retryable``: the exceptions the checkers are shown (anything else goes to the caller at once)."""

    checkers: tuple[Checker, ...]
    pause: Pause
    sleep: Sleep
    on_retry: RetryHook | None = None
    retryable: tuple[type[Exception], ...] = (QingCloudError,)

    def run(self, action: str, attempt_fn: Callable[[], T], deadline: Deadline, *, idempotent: bool = True) -> T:
        """``attempt_fn``'s result; its last error when no checker allows another try; DeadlineExceeded
        (naming ``action`` and the last cause) when the pause would not fit in the deadline."""
        for attempt in itertools.count():
            try:
                return attempt_fn()
            except self.retryable as err:
                ctx = RetryContext(action, attempt, err, idempotent)
                if not should_retry(ctx, self.checkers):
                    raise
            cause, delay = str(ctx.error), self.pause(ctx)
            if deadline.remaining() <= delay:
                raise DeadlineExceeded(action, deadline.seconds, cause)
            if self.on_retry:
                self.on_retry(cause, delay)
            self.sleep(delay)
        raise AssertionError("unreachable: itertools.count never ends")


def backing_off(backoff: Backoff, sleep: Sleep, checkers: tuple[Checker, ...] = CHECKERS,
                on_retry: RetryHook | None = None) -> Policy:  # fmt: skip
    """The policy of API calls: ``checkers``, with ``backoff``'s growing pauses."""
    return Policy(checkers, lambda ctx: backoff.delay(ctx.attempt), sleep, on_retry)


def polling(seconds: float, sleep: Sleep, kind: type[Exception]) -> Policy:
    """A poll: the same pause each time while the attempt raises ``kind`` (a cluster still busy, a note not
    yet written); DeadlineExceeded when the next pause would not fit."""
    return Policy((lambda ctx: isinstance(ctx.error, kind),), lambda _ctx: seconds, sleep, retryable=(kind,))
