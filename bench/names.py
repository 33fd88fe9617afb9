"""The names every part shares: paths, the simulator's key, zone and clusters, the stack."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BIN = Path(sys.executable).parent
APP = BENCH / "app.py"
KEY, ZONE, STACK = "QYBENCHKEY", "sh1a", "bench"


def cluster_ids(count: int) -> list[str]:
    """The simulator's clusters: ``cl-bench001``, ``cl-bench002``, ..."""
    return [f"cl-bench{i:03d}" for i in range(1, count + 1)]


CLUSTER = cluster_ids(1)[0]
