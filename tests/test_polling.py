"""The polling schedule and the job-time estimate it is built from: counts and instants, no waiting."""

from __future__ import annotations

import random
import time
from itertools import islice, pairwise

import pytest

from qingcloud_mysqlplus.qingcloud.jobs import epoch, parse_job
from qingcloud_mysqlplus.qingcloud.polling import JobTime, PollSchedule


def whole_seconds(duration: float, runs: int, rng: random.Random) -> list[float]:
    """What the history shows of ``runs`` jobs of ``duration`` s: whole-second stamps, random phase."""
    out = []
    for _ in range(runs):
        start = rng.uniform(0, 1000)
        out.append(float(int(start + duration) - int(start)))
    return out


def seen_after(schedule: PollSchedule, end: float) -> tuple[float, int]:
    """How late a job ending at ``end`` is seen, and the polls it took."""
    for count, at in enumerate(schedule.times(), 1):
        if at >= end:
            return at - end, count
    raise AssertionError("unreachable")


@pytest.mark.parametrize("duration", [6.0, 6.3, 6.5, 5.8, 0.4])
def test_the_mean_of_whole_seconds_finds_a_steady_job_time(duration: float) -> None:
    estimate = JobTime.from_seconds(whole_seconds(duration, 40, random.Random(7)))
    assert estimate is not None
    assert abs(estimate.center - duration) < 0.2
    assert estimate.center - estimate.half_width <= duration <= estimate.center + estimate.half_width


def test_a_slow_outlier_does_not_move_the_estimate() -> None:
    estimate = JobTime.from_seconds([6.0] * 9 + [60.0])
    assert estimate == JobTime(center=6.0, half_width=0.1, samples=9)


def test_no_history_no_estimate() -> None:
    assert JobTime.from_seconds([]) is None


def test_a_steady_cluster_is_seen_at_once_with_few_polls() -> None:
    schedule = PollSchedule(JobTime.from_seconds([6.0] * 19))
    late, polls = seen_after(schedule, 6.0)
    assert late == pytest.approx(0.0) and polls == 2  # 5.95, then 6.0 exactly
    assert seen_after(schedule, 6.04)[0] <= 0.05 + 1e-9


def test_one_sample_leaves_a_second_of_doubt_covered_under_one_poll_a_second() -> None:
    schedule = PollSchedule(JobTime.from_seconds([6.0]))
    for end in (5.5, 5.8, 6.0, 6.3, 6.49):
        late, polls = seen_after(schedule, end)
        assert late <= 0.2 + 1e-9
        assert polls / end < 1.0


def test_a_jittery_cluster_is_seen_within_a_quarter_second_under_one_poll_a_second() -> None:
    rng = random.Random(3)
    schedule = PollSchedule(JobTime.from_seconds(whole_seconds(6.0, 30, rng) + whole_seconds(7.0, 30, rng)))
    lates, rates = [], []
    for _ in range(200):
        end = rng.uniform(6.0, 7.0)
        late, polls = seen_after(schedule, end)
        lates.append(late)
        rates.append(polls / end)
    assert max(lates) <= 0.25 + 1e-9 and sum(lates) / len(lates) < 0.15
    assert max(rates) < 1.0


def test_nothing_is_polled_before_the_likely_end() -> None:
    times = list(islice(PollSchedule(JobTime(center=6.0, half_width=0.3, samples=5)).times(), 5))
    assert 5.7 <= times[0] < 5.7 + 0.12 and 6.0 in times  # steps of 0.6 s / 5, through the center


def test_a_job_far_past_its_usual_time_is_polled_once_a_second() -> None:
    times = list(islice(PollSchedule(JobTime.from_seconds([6.0] * 5)).times(), 200))
    late = [b - a for a, b in pairwise(times) if a > 20]
    assert times == sorted(times) and late and max(late) == pytest.approx(1.0)


def test_a_zero_second_job_is_polled_at_once() -> None:
    assert next(iter(PollSchedule(JobTime.from_seconds([0.0, 0.0, 0.0])).times())) == 0.0


def test_unknown_duration_starts_soon_and_grows_to_twice_a_second() -> None:
    times = list(islice(PollSchedule().times(), 20))
    gaps = [b - a for a, b in pairwise(times)]
    assert times[0] == 0.05 and all(b >= a - 1e-6 for a, b in pairwise(gaps)) and gaps[-1] == pytest.approx(0.5)
    assert seen_after(PollSchedule(), 6.0)[1] <= 16  # a 6 s job: at most 16 calls, once


def test_durations_from_whole_second_stamps_across_months_and_leap_days() -> None:
    def seconds(start: str, end: str) -> float | None:
        record = {"job_id": "j-1", "status": "successful", "create_time": start, "status_time": end}
        return parse_job(record).seconds()

    assert seconds("2024-02-28T23:59:58Z", "2024-03-01T00:00:04Z") == 86400 + 6  # 2024 has a 29 February
    assert seconds("2025-12-31T23:59:57Z", "2026-01-01T00:00:03Z") == 6
    assert seconds("2026-11-23T12:00:00Z", "not a stamp") is None
    rng = random.Random(5)
    for _ in range(2000):
        moment = rng.randint(0, 4_000_000_000)
        assert epoch(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))) == moment


def polled(durations: list[float]) -> tuple[list[float], list[int]]:
    """Jobs one after another, each polled by the schedule from the ends seen before it (as the notes keep
    them: the last 20, each the poll that saw the end): per job, how late its end was seen and its polls."""
    seen: list[float] = []
    lateness, polls = [], []
    for end in durations:
        late, count = seen_after(PollSchedule(JobTime.from_seen(seen[-20:])), end)
        seen.append(end + late)
        lateness.append(late)
        polls.append(count)
    return lateness, polls


def seen_run(durations: list[float]) -> tuple[float, float]:
    """The mean lateness and the mean polls per job of :func:`polled`, past the first five."""
    lateness, polls = polled(durations)
    return sum(lateness[5:]) / len(lateness[5:]), sum(polls[5:]) / len(polls[5:])


def test_ends_seen_of_steady_jobs_are_polled_once_or_twice_and_seen_at_once() -> None:
    late, polls = seen_run([6.0] * 40)
    assert late <= 0.05 and polls <= 3


def test_ends_seen_of_jobs_varying_by_a_quarter_are_seen_within_a_poll_step() -> None:
    """6 s +/- 25% (as the benchmark's simulator runs them): the band holds them whole, so no job ends long
    before the first poll; each is seen within about one coarse step (0.2 s), on average about that."""
    rng = random.Random(11)
    late, polls = seen_run([rng.uniform(4.5, 7.5) for _ in range(200)])
    assert late <= 0.2 and polls <= 12


def test_a_deploy_of_jobs_varying_by_a_quarter_keeps_the_cluster_busy_from_its_first_jobs() -> None:
    """20 accounts, 6 s +/- 25%, from a cluster with no ends seen yet: the first jobs count too, where a few
    samples that happen to agree made a band too narrow and a short job then waited a second for its first
    poll (1.048 of the jobs' own time in one deploy of ten, with 1.8 standard deviations)."""
    ratios = []
    for seed in range(200):
        rng = random.Random(seed)
        durations = [rng.uniform(4.5, 7.5) for _ in range(20)]
        lateness = polled(durations)[0][:-1]  # the last job's end idles nothing
        ratios.append((sum(durations) + sum(lateness)) / sum(durations))
    ratios.sort()
    assert ratios[len(ratios) * 9 // 10] < 1.03 and ratios[-1] < 1.06


def test_two_far_apart_ends_bound_the_band_at_half_the_mean() -> None:
    estimate = JobTime.from_seen([4.0, 8.0])
    assert estimate is not None and estimate.half_width == pytest.approx(3.0)


def test_one_seen_end_leaves_a_quarter_of_doubt() -> None:
    estimate = JobTime.from_seen([8.0])
    assert estimate is not None and estimate.center - estimate.half_width <= 6.0  # a job a quarter shorter
    assert JobTime.from_seen([]) is None
    assert JobTime.from_seen([6.0] * 9 + [60.0]) == JobTime.from_seen([6.0] * 9)  # a slow outlier is left out
