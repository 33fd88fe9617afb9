"""Bridge speed, side by side with a script on the official qingcloud-sdk (``make bench``'s old entry point).

Now part 3 of ``bench/run.py`` (with the memory and API-call rows it shares):

1. overhead per add-user with a zero-second job: process start, signing, the
   HTTP calls and the first job poll, all of it;
2. lag from a job's end (the simulator's finish stamp) to the program exiting.

Run: ``python bench/bridge_overhead.py [run.py options]``; ``BENCH_RUNS`` sets
the number of runs (default 7).  ``python bench/run.py`` measures everything.
Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import main

if __name__ == "__main__":
    sys.exit(main(["--only", "bridge", *sys.argv[1:]]))
