"""Part: synth at scale, in-process (construction, then ``app.synth()``) and the whole ``cdktf synth``.

No peer: the SDK has no synth.  The CLI runs and the app alone are sampled for
memory too (:mod:`bench.memory` reports it).
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from e2e_project import Project

from .canaries import SECRETS
from .config import Config
from .names import APP, CLUSTER, STACK, ZONE
from .processes import base_env, run
from .projects import bench_project, cli, floor_project
from .simulator import simulator
from .steps import attempt, checked, say


@dataclass
class Case:
    accounts: int
    construct_s: float
    synth_s: float
    total_s: float


@dataclass
class Peak:
    """One process run whole: its wall and its memory."""

    accounts: int
    wall_s: float
    maxrss_kb: int
    tree_peak_kb: int | None


@dataclass
class SynthResult:
    import_s: float | None = None  # cdktf and the library, once (the jsii kernel starts)
    cases: dict[str, Case] = field(default_factory=dict)
    cdktf_synth: Peak | None = None
    cdktf_synth_floor: Peak | None = None
    app_synth: Peak | None = None
    app_synth_floor: Peak | None = None
    missing: list[str] = field(default_factory=list)


def synth_cases(cfg: Config) -> list[dict[str, Any]]:
    cases = [{"name": f"{n} in one stack", "accounts": n, "stacks": [{"name": STACK, "accounts": n}]}
             for n in cfg.synth_sizes]  # fmt: skip
    stacks, per = cfg.synth_stacks
    cases.append({"name": f"{stacks} stacks x {per}", "accounts": stacks * per,
                  "stacks": [{"name": f"s{i}", "accounts": per} for i in range(stacks)]})  # fmt: skip
    return cases


def in_process(result: SynthResult, cfg: Config, work: Path) -> None:
    """``bench/app.py --probe``: cdktf imported once, then each case in a fresh App."""
    cases = synth_cases(cfg)
    cases_file = work / "synth-cases.json"
    cases_file.write_text(json.dumps({"clusters": [CLUSTER], "zone": ZONE, "cases": cases}))
    say("synth in-process: " + ", ".join(c["name"] for c in cases))
    argv = [sys.executable, str(APP), "--probe", str(cases_file)]
    proc = checked("in-process synth probe", run(argv, env=base_env(), timeout=3600))
    probe = json.loads(proc.stdout.strip().splitlines()[-1])
    result.import_s = probe["import_s"]
    for case in cases:
        found = probe["cases"].get(case["name"]) or {"error": "not reported"}
        if "error" in found:
            result.missing.append(f"synth of {case['name']}: {SECRETS.scrub(found['error'])}")
        else:
            result.cases[case["name"]] = Case(case["accounts"], found["construct_s"], found["synth_s"],
                                              found["total_s"])  # fmt: skip


def cdktf_synth(project: Project, accounts: int) -> Peak:
    proc = cli(project, "synth", sample_tree=True, timeout=3600)
    return Peak(accounts, proc.seconds, proc.maxrss_kb, proc.tree_peak_kb)


def app_alone(project: Project, accounts: int) -> Peak:
    """The app as cdktf runs it (``python main.py`` and its jsii kernel), without the CLI."""
    (project.dir / "app-out").mkdir(exist_ok=True)
    env = project.env() | {"CDKTF_OUTDIR": str(project.dir / "app-out")}
    proc = run([sys.executable, "main.py"], env=env, cwd=project.dir, timeout=3600, sample_tree=True)
    checked(f"python main.py (bench/app.py) in {project.dir.name}", proc)
    return Peak(accounts, proc.seconds, proc.maxrss_kb, proc.tree_peak_kb)


def part_synth(cfg: Config, work: Path) -> SynthResult:
    result, big = SynthResult(), max(cfg.synth_sizes)
    note = partial(attempt, result.missing)
    note("in-process synth", partial(in_process, result, cfg, work))
    with simulator(0.0) as sim:  # never called: a synth with no state looks nothing up
        say("cdktf synth of one plain terraform_data (floor), with memory")
        floor = floor_project(work / "synth-floor", sim)
        result.cdktf_synth_floor = note("cdktf synth floor", partial(cdktf_synth, floor, 0))
        say(f"cdktf synth of {big} accounts (whole CLI), with memory")
        project = bench_project(work / f"synth-{big}", sim, [{"name": STACK, "accounts": big}])
        label = f"cdktf synth of {big} accounts (wall and memory)"
        result.cdktf_synth = note(label, partial(cdktf_synth, project, big))
        say(f"the app alone (python bench/app.py and its jsii kernel) for {big} accounts and for the floor, memory")
        result.app_synth = note("app synth memory", partial(app_alone, project, big))
        result.app_synth_floor = note("app synth floor memory", partial(app_alone, floor, 0))
    shutil.rmtree(project.dir, ignore_errors=True)
    return result
