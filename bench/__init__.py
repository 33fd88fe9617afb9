"""Speed at scale: our construct and bridge against the physical limit and the official SDK.

A MySQL Plus cluster runs one job at a time, so N accounts cannot deploy in
less than N x job time (the limit); the rest is overhead this tool adds.  One
run (``python -m bench``; :mod:`bench.cli`) measures, against a simulator
served from this process, one module per part:

- :mod:`bench.deploy`: ``cdktf deploy`` / ``cdktf destroy`` of N accounts on
  one cluster (wall time, and the cluster's busy span from the simulator's job
  records), the floor of ``cdktf deploy`` for a stack without the construct,
  and a loop on the official qingcloud-sdk doing the same jobs one after another;
- :mod:`bench.clusters`: ``cdktf deploy`` of accounts spread over several
  clusters, the busiest cluster's busy span against its own jobs' time;
- :mod:`bench.synth`: synth of 1 / 100 / 1,000 accounts in one stack and 50
  stacks x 20 (in-process), and the whole ``cdktf synth`` of 1,000;
- :mod:`bench.bridge`: the bridge's overhead per add-user (0 s job) and its lag
  from a job's end to the process exiting, against an SDK script;
- :mod:`bench.calls`: API calls per account, from the simulator's counters;
- :mod:`bench.memory`: peak memory of the 1,000-account synth and of one bridge process;

and :mod:`bench.report` prints them side by side with ratios; ``deploy_time.png``
is drawn by :mod:`bench.plot`.  It asserts nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This checkout's library, and the tests' helpers the benchmark shares with them
# (tests/e2e_project.py's Project, tests/helpers.py's simulator).
for _path in (Path(__file__).resolve().parent.parent / sub for sub in ("tests", "constructs")):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
