"""Bridge speed, side by side with a script on the official qingcloud-sdk.

1. Overhead per add-user with a zero-second job: process start, signing,
   the HTTP calls and the first job poll, all of it.
2. Latency from a 3-second job finishing to the program exiting.

Run: make bench.  Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "constructs"))
from qingcloud_mysqlplus.sim import serving

KEY, SECRET, ZONE, CLUSTER = "QYBENCHKEY", "bench-secret", "sh1a", "cl-bench001"
BIN = Path(sys.executable).parent
SDK_SCRIPT = f"""
import json, sys
from qingcloud.iaas.connection import APIConnection
from qingcloud.misc.utils import wait_job
host, port, user = sys.argv[1], int(sys.argv[2]), sys.argv[3]
conn = APIConnection("{KEY}", "{SECRET}", "{ZONE}", host=host, port=port, protocol="http")
params = {{"database": "*", "passwd": "Bench@Pass1", "ssl": "NO", "host": "%", "user": user, "priv": "StandardAccount"}}
ret = conn.send_request("RunClusterCustomService", {{"cluster": "{CLUSTER}", "role": "maininstance",
                        "service": "add_user", "service_params": json.dumps(params)}})
assert ret["ret_code"] == 0, ret
assert wait_job(conn, ret["job_id"], timeout=60)
"""


def bridge(url: str, user: str) -> float:
    env = {**os.environ, "QINGCLOUD_ACCESS_KEY": KEY, "QINGCLOUD_SECRET_KEY": SECRET, "QINGCLOUD_ENDPOINT": url,
           "QINGCLOUD_ZONE": ZONE, "QINGCLOUD_MYSQLPLUS_PASSWORD": "Bench@Pass1", "QINGCLOUD_MYSQLPLUS_QUIET": "1",
           "QINGCLOUD_MYSQLPLUS_LOCK_DIR": tempfile.gettempdir()}  # fmt: skip
    started = time.perf_counter()
    subprocess.run([str(BIN / "qingcloud-mysqlplus"), "add-user", "--cluster", CLUSTER, "--user", user],
                   env=env, check=True, capture_output=True)  # fmt: skip
    return time.perf_counter() - started


def sdk(url: str, user: str) -> float:
    host, port = url.split("//")[1].split("/")[0].split(":")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", SDK_SCRIPT, host, port, user], check=True, capture_output=True)
    return time.perf_counter() - started


def measure(job_seconds: float, runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"bridge": [], "sdk": []}
    with serving(clusters=[f"{CLUSTER}@{ZONE}"], job_seconds=job_seconds, credentials={KEY: SECRET}) as url:
        for i in range(runs):  # interleaved, so drift hits both alike
            times["bridge"].append(bridge(url, f"b{job_seconds:g}_{i}".replace(".", "_")))
            times["sdk"].append(sdk(url, f"s{job_seconds:g}_{i}".replace(".", "_")))
    return times


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "7"))
    zero = measure(0.0, runs)
    three = measure(3.0, max(3, runs // 2))
    rows = []
    for name in ("bridge", "sdk"):
        rows.append((name, statistics.median(zero[name]), statistics.median(three[name]) - 3.0))
    print(
        f"bridge vs official SDK script, medians ({runs} runs zero-second job, {max(3, runs // 2)} runs 3-second job)"
    )
    print(f"{'program':<8} {'overhead per add-user (0 s job)':>34} {'job end -> exit (3 s job)':>28}")
    for name, overhead, lag in rows:
        print(f"{name:<8} {overhead * 1000:>31.0f} ms {lag * 1000:>25.0f} ms")
    (_, b0, b3), (_, s0, s3) = rows
    print(f"ratio sdk/bridge: overhead {s0 / b0:.1f}x, exit latency {s3 / b3:.1f}x")
    print(json.dumps({"bridge_overhead_s": b0, "sdk_overhead_s": s0, "bridge_exit_lag_s": b3, "sdk_exit_lag_s": s3}))


if __name__ == "__main__":
    main()
