"""API calls and wall time of ``accounts`` on a deep history, and of ``doctor``.

Run: ``python bench/operators.py [--jobs 2000] [--runs 3]``.  A simulator is
served from this process (0 s jobs, DescribeClusterJobs in its documented
form), once per history: ``own``, the cluster's own account jobs made by the
client itself, add_user and del_user in turn over 50 users; ``app``, the
simulator's background history of the key (account jobs of the same 50 user
names on three other clusters of the app, restarts and backups, some on the
cluster), which the documented listing returns too.  Each command runs as
its own process (the wall
time is start to exit, median of ``--runs``); the calls are the simulator's
request counters (``GET /_sim/stats``) before and after one run.  Prints
figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from qingcloud_mysqlplus.qingcloud.client import Client
from qingcloud_mysqlplus.qingcloud.clusters import submit
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from qingcloud_mysqlplus.sim import SimControl, serving

KEY, SECRET, CLUSTER, ZONE = "QYBENCHKEY", "bench-secret-key-0p5", "cl-bench0001", "sh1a"
BRIDGE = str(Path(sys.executable).parent / "qingcloud-mysqlplus")


def fill(url: str, jobs: int) -> None:
    """``jobs`` account jobs: each of 50 users added, deleted, added... (the last round leaves some)."""
    client = Client(access_key=KEY, secret_key=SECRET, zone=ZONE, endpoint=url)
    made: set[str] = set()
    for n in range(jobs):
        user = f"user_{n % 50:02d}"
        params = {"user": user, "host": "%"}
        if user in made:
            submit(client, CLUSTER, "del_user", params, Deadline(30))
            made.discard(user)
        else:
            params |= {"database": "*", "priv": "StandardAccount", "ssl": "NO", "passwd": "Bench@Pw-2718"}
            submit(client, CLUSTER, "add_user", params, Deadline(30))
            made.add(user)
    client.close()


def background(url: str, jobs: int) -> None:
    SimControl(url).background(jobs, users=[f"user_{n:02d}" for n in range(50)], on_target=jobs // 20)


def measure(url: str, argv: list[str], runs: int) -> tuple[float, Counter[str]]:
    env = {**os.environ, "QINGCLOUD_ACCESS_KEY": KEY, "QINGCLOUD_SECRET_KEY": SECRET, "QINGCLOUD_ENDPOINT": url,
           "QINGCLOUD_ZONE": ZONE}  # fmt: skip
    control, walls, calls = SimControl(url), [], Counter[str]()
    for run in range(runs):
        before = Counter(control.stats()["requests_per_action"])
        start = time.perf_counter()
        done = subprocess.run(
            [BRIDGE, *argv, "--cluster", CLUSTER], env=env, capture_output=True, text=True, check=False
        )
        walls.append(time.perf_counter() - start)
        if done.returncode != 0:
            print(f"{argv[0]} exited {done.returncode}: {done.stderr.strip()[-300:]}")
        if run == 0:
            calls = Counter(control.stats()["requests_per_action"]) - before
    return statistics.median(walls), calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for name, make in (("own", fill), ("app", background)):
        with serving(clusters=[f"{CLUSTER}@{ZONE}"], job_seconds=0.0, credentials={KEY: SECRET}) as url:
            start = time.perf_counter()
            make(url, args.jobs)
            print(f"{name} history: {args.jobs:,} jobs made in {time.perf_counter() - start:.1f} s")
            for argv in (["accounts", "--json"], ["accounts"], ["doctor"]):
                wall, calls = measure(url, argv, args.runs)
                per = ", ".join(f"{action} {n}" for action, n in sorted(calls.items()))
                print(
                    f"  {' '.join(argv):<16} {wall:5.2f} s (median of {args.runs}); {sum(calls.values())} calls: {per}"
                )


if __name__ == "__main__":
    main()
