"""``python -m bench``: parse the options, run the chosen parts, print the report (and the plot, the JSON).

    python -m bench [--quick] [--accounts 20] [--job-seconds 6] [--clusters 4] [--per-cluster 10]
                    [--rotation-accounts 10] [--runs 7] [--only bridge,synth,deploy,clusters,rotation]
                    [--plot FILE] [--json FILE]

A part that fails is listed under "Not measured" and the others carry on; the
report is printed either way.  Exit 0 when every figure asked for was measured
and no canary leaked, 1 when a figure could not be measured or a canary was
found in an output or a file, 2 for bad options, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .bridge import part_bridge
from .calls import part_calls
from .canaries import SECRETS
from .clusters import part_clusters
from .config import PARTS, Config, config_of
from .deploy import part_deploy
from .figures import secs
from .memory import part_memory
from .processes import byte_compile
from .report import report
from .results import Results
from .rotation import part_rotation
from .steps import say
from .synth import part_synth

STEPS: dict[str, Callable[[Config, Path], Any]] = {
    "bridge": part_bridge, "synth": part_synth, "deploy": part_deploy, "clusters": part_clusters,
    "rotation": part_rotation,
}  # fmt: skip
OK, FAILED, INTERRUPTED = 0, 1, 130  # bad options exit 2 (argparse)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Speed at scale: the construct and the bridge against the limit and the official SDK.",
    )
    p.add_argument("--quick", action="store_true", help="small and fast: 3 accounts, 1 s jobs, small synths")
    p.add_argument("--accounts", type=int, help="accounts deployed on one cluster (default 20; quick 3)")
    p.add_argument("--job-seconds", type=float, help="simulated job time of the deploys (default 6; quick 1)")
    p.add_argument("--jitter", type=float, default=0.0, help="each job of the parts deploy and clusters runs this "
                   "fraction of --job-seconds more or less, evenly spread (default 0: steady jobs)")  # fmt: skip
    p.add_argument("--clusters", type=int, help="clusters of the part 'clusters' (default 4; quick 2)")
    p.add_argument("--per-cluster", type=int, help="accounts on each of those clusters (default 10; quick 2)")
    p.add_argument("--rotation-accounts", type=int, help="accounts rotated in one deploy, per mode (default 10; "
                   "quick 3)")  # fmt: skip
    p.add_argument("--runs", type=int, help="bridge runs with a 0 s job (default $BENCH_RUNS or 7; quick 2)")
    p.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {', '.join(PARTS)}")
    p.add_argument("--plot", type=Path, help="where to save the plot (default bench/deploy_time.png; "
                   "quick: a temporary file)")  # fmt: skip
    p.add_argument("--json", type=Path, help="also write every figure as JSON here")
    return p


def parse(argv: Sequence[str] | None) -> Config:
    p = parser()
    cfg = config_of(p.parse_args(argv))
    unknown = set(cfg.parts) - set(PARTS)
    if unknown:
        p.error(f"--only: unknown part(s) {', '.join(sorted(unknown))}; expected some of {', '.join(PARTS)}")
    return cfg


def run_parts(results: Results, work: Path) -> None:
    """Each chosen part in turn; one that stops is noted and the others carry on."""
    for name in PARTS:
        if name not in results.config.parts:
            continue
        try:
            setattr(results, name, STEPS[name](results.config, work))
        except Exception as err:
            detail = SECRETS.scrub(f"{type(err).__name__}: {err}")
            results.missing.append(f"part '{name}' stopped: {detail}")
            say(f"part '{name}' stopped: {detail}")
            if os.environ.get("BENCH_TRACEBACK"):
                traceback.print_exc()
    results.calls = part_calls(results.deploy, results.bridge)
    results.memory = part_memory(results.synth, results.bridge)


def draw_plot(results: Results) -> None:
    """deploy_time.png from the deploy part's curve (bench/plot.py)."""
    deploy = results.deploy
    if deploy is None or not (deploy.curve.ours or deploy.curve.sdk):
        results.missing.append("plot: no deploy times to draw")
        return
    try:
        from .plot import draw

        curve = {"ours": deploy.curve.ours, "sdk": deploy.curve.sdk}
        floor = deploy.floor.deploy_s if deploy.floor else None
        results.plot = str(draw(curve, deploy.job_seconds, results.config.plot, floor))
    except Exception as err:
        results.missing.append(f"plot: {type(err).__name__}: {err}")


def measure(cfg: Config) -> Results:
    results, started = Results(config=cfg), time.monotonic()
    byte_compile()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        (Path(tmp) / "locks").mkdir()
        run_parts(results, Path(tmp))
    if "deploy" in cfg.parts:
        draw_plot(results)
    results.secret_hits = SECRETS.hits
    results.total_s = time.monotonic() - started
    return results


def outcome(results: Results) -> int:
    """FAILED when a figure asked for could not be measured or a canary leaked, else OK."""
    return FAILED if results.all_missing() or results.secret_hits else OK


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse(argv)
    try:
        results = measure(cfg)
    except KeyboardInterrupt:
        say("interrupted")
        return INTERRUPTED
    print(f"bench: {'quick' if cfg.quick else 'full'} run, {secs(results.total_s)} in all; "
          f"the simulator is served from this process (in-memory accounts); "
          f"the library was byte-compiled first, as pip install does")  # fmt: skip
    print(SECRETS.scrub(report(results)))
    if results.plot:
        print(f"\nplot: {results.plot}")
    if cfg.json:
        cfg.json.write_text(results.to_json())
        print(f"json: {cfg.json}")
    code = outcome(results)
    if code != OK:
        say(
            f"exit {code}: {len(results.all_missing())} figure(s) not measured, {len(results.secret_hits)} canary hit(s)"
        )
    return code
