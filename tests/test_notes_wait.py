"""The wait for the first bridge's app_id goes through the one poll policy, on an injected clock and sleep."""

from __future__ import annotations

from pathlib import Path

from qingcloud_mysqlplus.bridge.notes import APP_POLL, APP_WAIT, ClusterNotes


def test_the_app_id_written_meanwhile_is_found(tmp_path: Path) -> None:
    notes, now, slept = ClusterNotes(tmp_path / "n.json", "https://api.example.invalid/iaas/"), [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds
        if len(slept) == 3:  # the bridge ahead writes it meanwhile
            notes.update(app_id="app-1")

    assert notes.wait_for_app(sleep=sleep, clock=lambda: now[0]) == "app-1" and slept == [APP_POLL] * 3


def test_no_app_id_within_the_wait_is_an_empty_answer(tmp_path: Path) -> None:
    notes, now, slept = ClusterNotes(tmp_path / "n.json", "https://api.example.invalid/iaas/"), [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    assert notes.wait_for_app(sleep=sleep, clock=lambda: now[0]) == ""
    assert APP_WAIT - 2 * APP_POLL <= now[0] <= APP_WAIT and set(slept) == {APP_POLL}
