"""The benchmark's rotation gaps (bench/rotation.py), read from job records made up here: each mode's arithmetic."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the bench package

from bench.rotation import ModeResult, alternating_gaps, gap_of  # noqa: E402
from bench.steps import Failed  # noqa: E402


def job(service: str, user: str, started: float, finished: float, status: str = "successful") -> dict[str, Any]:
    return {"job_id": f"{service}-{user}-{started}", "service": service, "user": user, "status": status,
            "started": started, "finished": finished}  # fmt: skip


def all_deletes_first() -> list[dict[str, Any]]:
    """Today's rotation of a and b: both deletes, then both adds (6 s jobs)."""
    return [job("del_user", "a", 0, 6), job("del_user", "b", 6, 12), job("add_user", "a", 12, 18),
            job("add_user", "b", 18, 24)]  # fmt: skip


def test_single_user_gap_runs_from_the_delete_to_the_add_and_counts_the_jobs_inside() -> None:
    jobs = all_deletes_first()
    assert gap_of(jobs, "a") == (12.0, 6.0, 1)  # b's delete ran while a was missing
    assert gap_of(jobs, "b") == (12.0, 6.0, 1)  # a's add too
    one_turn = [job("del_user", "a", 0, 6), job("add_user", "a", 6.5, 12.5), job("del_user", "b", 12.5, 18.5)]
    assert gap_of(one_turn, "a") == (6.5, 6.0, 0)  # at most its own add job and the step between
    assert gap_of([job("add_user", "c", 0, 6)], "c") == (0.0, 0.0, 0)  # never deleted: no gap


def test_a_failed_add_is_not_a_gap_that_ended() -> None:
    jobs = [job("del_user", "a", 0, 6), job("add_user", "a", 6, 12, status="failed")]
    with pytest.raises(Failed, match="a was deleted by the rotation and never added back"):
        gap_of(jobs, "a")


def test_alternating_gap_is_zero_while_the_active_account_stays() -> None:
    result = ModeResult()
    jobs = [job("del_user", "a_alt", 0, 6), job("add_user", "a_alt", 6, 12)]
    alternating_gaps(result, jobs, {"a": "a"}, {"a": "a_alt"}, lambda: {"a": {}, "a_alt": {}}, 13.0)
    assert result.gaps_s == {"a": 0.0} and result.jobs_inside == {"a": 0}


def test_alternating_gap_of_a_deleted_active_account_lasts_until_the_app_moves_on() -> None:
    result = ModeResult()
    jobs = [job("del_user", "a", 0, 6), job("add_user", "a_alt", 6, 12)]
    alternating_gaps(result, jobs, {"a": "a"}, {"a": "a_alt"}, lambda: {"a_alt": {}}, 13.0)
    assert result.gaps_s == {"a": 7.0}  # from a's delete to the deploy's end, when the app reads a_alt


@pytest.mark.parametrize(("after", "present"), [({"a": "a"}, {"a", "a_alt"}), ({"a": "a_alt"}, {"a"}), ({}, {"a"})])
def test_alternating_fails_unless_the_other_account_is_active_and_there(
    after: dict[str, str], present: set[str]
) -> None:
    with pytest.raises(Failed, match="a: active_user went from a to"):
        alternating_gaps(ModeResult(), [], {"a": "a"}, after, lambda: dict.fromkeys(present), 1.0)
