"""When to look at a running job: from how long this cluster's jobs of the kind took before.

A MySQL Plus cluster runs one job at a time, so every moment between a job's
end and the bridge seeing it is a moment the next account's job cannot
start.  Polling often costs API calls (QingCloud's request quota is per day);
polling rarely costs that idle time.  The job history says when the end is
likely, so the polls go there.

The history's stamps are whole seconds, so one job's duration is known only
to within a second.  Their *mean* is still a fair estimate: a job of 6.3 s
shows as 6 s or 7 s depending on where in a second it started, 6 s seven
times in ten, so the mean of many is 6.3 s.  Their spread, and the number of
samples, say how far to trust it.  Better still are the ends the bridges of
this machine saw themselves (kept beside the cluster's lock): precise to a
poll step, so the band can hold jobs that vary whole without polling a
steady cluster more.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

NEAR = 1.5  # samples further than this from the median are another kind of day (a slow job), left out
VARY = 0.25  # one sample cannot say how much jobs vary: a quarter more or less (two samples: a sixteenth)
SEEN_DOUBT = 0.05  # an end seen by a poll is known to within a poll step (the finest)
WIDEST = 0.5  # the band never reaches further than half the mean either way (two samples far apart)
# Student's t, 97.5th percentile, for 1..20 degrees of freedom: a 95% prediction interval for the next job.
T_975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086)  # fmt: skip


@dataclass(frozen=True)
class JobTime:
    """How long this cluster's jobs of one kind take: an estimate and how far it may be off."""

    center: float  # seconds
    half_width: float  # seconds either side of ``center`` where the end is likely
    samples: int

    @classmethod
    def from_seconds(cls, seconds: Iterable[float]) -> JobTime | None:
        """The estimate from whole-second durations; None without any."""
        found = _near_median(seconds, lambda median: NEAR)
        if found is None:
            return None
        near, mean, spread = found
        # One sample is off by up to a second; n alike samples leave about 1/(n+1) of doubt.
        return cls(center=mean, half_width=spread + 1.0 / (len(near) + 1), samples=len(near))

    @classmethod
    def from_seen(cls, seconds: Iterable[float]) -> JobTime | None:
        """The estimate from ends the bridges saw themselves (seconds from the submit to the poll that saw
        the end), precise to a poll step.  The band is a 95% prediction interval for the next job (Student's
        t: a few samples that happen to agree say little about how much jobs vary), plus the doubt of few
        samples, at most half the mean either way.  A job that ends before the band leaves the cluster idle
        until its first poll; a band too wide only costs polls."""
        found = _near_median(seconds, lambda median: max(NEAR, median / 2))  # jobs that vary stay in
        if found is None:
            return None
        near, mean, spread = found
        n = len(near)
        doubt = max(SEEN_DOUBT, VARY * mean / n**2)  # what few samples cannot tell yet
        reach = _t_975(n - 1) * spread * math.sqrt(n / (n - 1)) * math.sqrt(1 + 1 / n) if n > 1 else 0.0
        return cls(center=mean, half_width=min(reach + doubt, WIDEST * mean), samples=n)


def _t_975(df: int) -> float:
    """Student's t at 97.5% for ``df`` degrees of freedom (past the table, within 0.01 of it)."""
    return T_975[df - 1] if df <= len(T_975) else 1.96 + 2.4 / df


def _near_median(seconds: Iterable[float], reach: Callable[[float], float]) -> tuple[list[float], float, float] | None:
    """The samples within ``reach(median)`` of their median, their mean and standard deviation (None: no samples)."""
    values = sorted(seconds)
    if not values:
        return None
    median = values[len(values) // 2]
    near = [v for v in values if abs(v - median) <= reach(median)]
    mean = sum(near) / len(near)
    return near, mean, math.sqrt(sum((v - mean) ** 2 for v in near) / len(near))


@dataclass(frozen=True)
class PollSchedule:
    """Seconds after submitting at which to poll, increasing.

    With an estimate, polls are spread across ``center ± half_width`` in at
    most ``dense_polls`` steps (never closer than ``finest``, never further
    than ``coarsest``), none before it; past it they grow by ``factor`` to
    ``maximum``.  A steady cluster (the same duration every time) is thus
    seen within ``finest`` of a job's end with two or three polls per job;
    a jittery one with about ``dense_polls``.  Without an estimate (a new
    cluster's first job) polling starts at ``first`` and grows to
    ``unknown_maximum``: a few more calls once, rather than up to a second
    of the cluster idle.
    """

    expected: JobTime | None = None
    first: float = 0.05
    finest: float = 0.05
    coarsest: float = 0.2
    dense_polls: int = 5
    factor: float = 1.5
    maximum: float = 1.0
    unknown_maximum: float = 0.5

    def times(self) -> Iterator[float]:
        if self.expected is None:
            yield from self._growing(self.first, self.first, self.unknown_maximum)
            return
        low = max(0.0, self.expected.center - self.expected.half_width)
        high = self.expected.center + self.expected.half_width
        step = min(self.coarsest, max(self.finest, (high - low) / self.dense_polls))
        # The grid goes through the center, so a job that takes exactly as long as usual is seen at once.
        first = self.expected.center - math.floor((self.expected.center - low) / step + 1e-9) * step
        count = math.floor((high - first) / step + 1e-9)
        for n in range(count + 1):
            yield round(max(0.0, first + n * step), 6)
        yield from self._growing(first + (count + 1) * step, step, self.maximum)

    def _growing(self, at: float, interval: float, maximum: float) -> Iterator[float]:
        while True:
            yield round(at, 6)
            interval = min(maximum, interval * self.factor)
            at += interval


__all__ = ["JobTime", "PollSchedule"]
