"""Smoke tests of the benchmark: it runs end to end, prints a figure that holds, and fails when it must.

Never a timing bound: the figures are checked against what the simulator's own
job records make true (a gap holds its add job; a deploy holds its jobs).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the bench package, for its exit rule

from bench.cli import FAILED, OK, outcome, parse  # noqa: E402
from bench.deploy import DeployResult, DiffPairs  # noqa: E402
from bench.figures import secs  # noqa: E402
from bench.report import diff_rows  # noqa: E402
from bench.results import Results  # noqa: E402

SECTIONS = ("== 1. Deploy and destroy", "== 2. Synth", "== 3. Bridge overhead", "== 4. API calls per account",
            "== 5. Peak memory", "== Not measured")  # fmt: skip
ROWS = ("cdktf deploy, 4 accounts on 2 clusters (2 each): whole wall", "busiest cluster's busy span")
ALL_BUT_ROTATION = "bridge,synth,deploy,clusters"  # the rotation part has its own test above (the suite's time)
SECONDS = r"(\d+\.\d+ s)"


def bench(*args: str, env: dict[str, str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False, env=env)  # fmt: skip


def printed(stdout: str, row: str) -> str:
    """The first figure (in seconds, as printed) of the report's row that starts with ``row``."""
    found = re.search(rf"^\s*{re.escape(row)}\s+{SECONDS}", stdout, re.MULTILINE)
    assert found, f"no row {row!r} in:\n{stdout[-3000:]}"
    return found.group(1)


@pytest.mark.e2e
def test_rotation_figure_holds_its_jobs(tmp_path: Path) -> None:
    """A small figure: 2 accounts rotated; the printed largest gap is the JSON's and holds a whole add job."""
    result = bench("--only", "rotation", "--quick", "--rotation-accounts", "2", "--json", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    mode = json.loads((tmp_path / "r.json").read_text())["rotation"]["modes"]["single-user"]
    gaps, adds = mode["gaps_s"], mode["add_jobs_s"]
    assert sorted(gaps) == ["r0", "r1"] and all(0 < adds[u] <= gaps[u] for u in gaps), mode  # a gap holds its add
    assert printed(result.stdout, "single-user: largest gap per account") == secs(max(gaps.values()))
    jobs_s = mode["seen"]["span"]["job_time_s"]
    assert mode["seen"]["jobs"] == 4 and mode["deploy_s"] >= jobs_s  # one job at a time, all inside the deploy
    assert "canary passwords and the per-run secret key found in captured output or files: 0" in result.stdout


@pytest.mark.e2e
def test_a_figure_that_cannot_be_measured_fails_the_run(tmp_path: Path) -> None:
    env = {**os.environ, "TERRAFORM_BINARY_NAME": "/bin/false"}  # every Terraform run fails
    result = bench("--only", "rotation", "--quick", "--rotation-accounts", "1", env=env)
    assert result.returncode == FAILED, result.stdout[-3000:]
    assert "- rotation of 1 accounts, single-user: Failed: cdktf deploy" in result.stdout


def test_exit_says_whether_every_figure_was_measured_and_nothing_leaked() -> None:
    cfg = parse(["--quick", "--only", "rotation"])
    assert outcome(Results(config=cfg)) == OK
    assert outcome(Results(config=cfg, missing=["plot: no deploy times to draw"])) == FAILED
    assert outcome(Results(config=cfg, secret_hits=["deploy-3/terraform.bench.tfstate"])) == FAILED


@pytest.mark.e2e
def test_quick_benchmark_prints_its_table(tmp_path: Path) -> None:
    result = bench("--quick", "--only", ALL_BUT_ROTATION, "--plot", str(tmp_path / "plot.png"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for expected in SECTIONS + ROWS:
        assert expected in result.stdout, f"{expected!r} missing from:\n{result.stdout[-3000:]}"


def test_diff_figure_is_the_median_of_the_pairs_differences() -> None:
    """Not the difference of the medians (0.60 s here) nor of the minimums (0.90 s): each run of ours against
    the plain run just before it."""
    d = DeployResult(accounts=20, job_seconds=6.0, limit_s=120.0,
                     diff=DiffPairs(ours_s=[4.0, 3.9, 5.0], plain_s=[3.0, 3.4, 4.6]))  # fmt: skip
    ours, more = diff_rows(d)
    assert ours[1:4] == ["4.00 s", "3.40 s", "1.18x"]
    assert more[0].endswith("(median of 3 pairs, in turns)") and more[1] == "0.50 s"
