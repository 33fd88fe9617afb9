"""Smoke test of the benchmark (python -m bench --quick): it runs end to end and prints its table.

Asserts only that every section of the table, and the several-cluster row, is printed; never a timing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("== 1. Deploy and destroy", "== 2. Synth", "== 3. Bridge overhead", "== 4. API calls per account",
            "== 5. Peak memory", "== Not measured")  # fmt: skip
ROWS = ("cdktf deploy, 4 accounts on 2 clusters (2 each): whole wall", "busiest cluster's busy span")


@pytest.mark.e2e
def test_quick_benchmark_prints_its_table(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--plot", str(tmp_path / "plot.png")],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    for expected in SECTIONS + ROWS:
        assert expected in result.stdout, f"{expected!r} missing from:\n{result.stdout[-3000:]}"
