"""The printed report: one function per table, each figure beside its limit and its peer where it has them."""

from __future__ import annotations

from .bridge import BridgeResult
from .calls import LIMIT, CallsResult, PerAccount
from .clusters import ClustersResult
from .config import PARTS
from .deploy import DeployResult, DiffPairs, Run
from .figures import med, mib, msecs, num, ratio, secs, table
from .memory import MemoryResult
from .results import Results
from .rotation import ModeResult, RotationResult
from .synth import Peak, SynthResult

Row = list[str]


def _wall(run: Run | None) -> float | None:
    return run.wall_s if run else None


def _span(run: Run | None) -> tuple[float | None, float | None, float | None]:
    """The busy span, the idle time inside it, and the jobs' own time (their sum, which varying jobs make
    other than the limit)."""
    span = run.seen.span if run else None
    return (span.busy_span_s, span.idle_s, span.job_time_s) if span else (None, None, None)


def verb_rows(verb: str, ours: Run | None, sdk: Run | None, floor: float | None, limit: float) -> list[Row]:
    """The four rows of ``cdktf deploy`` or ``destroy``: wall, busy span, idle, wall less the floor."""
    wall, sdk_wall = _wall(ours), _wall(sdk)
    (span, idle, jobs), (sdk_span, sdk_idle, sdk_jobs) = _span(ours), _span(sdk)
    less = wall - floor if wall is not None and floor is not None else None
    return [
        [f"cdktf {verb}: whole wall", secs(wall), secs(limit), ratio(wall, limit), secs(sdk_wall),
         ratio(wall, sdk_wall)],
        ["  cluster busy span (1st job start..last end)", secs(span), secs(limit), ratio(span, limit),
         secs(sdk_span), ratio(span, sdk_span)],
        ["  cluster idle inside the span", secs(idle), secs(0.0), "-", secs(sdk_idle), ratio(idle, sdk_idle)],
        ["  busy span against the jobs' own time", secs(span), secs(jobs), ratio(span, jobs), secs(sdk_span),
         ratio(sdk_span, sdk_jobs)],
        [f"  wall - floor (floor {secs(floor)})", secs(less), secs(limit), ratio(less, limit), secs(sdk_wall),
         ratio(less, sdk_wall)],
    ]  # fmt: skip


def per_account_rows(d: DeployResult) -> list[Row]:
    """Time per account (whole wall / N) beside the job time, for deploy and destroy."""
    rows = []
    for verb, ours, sdk in (("deploy", d.ours_deploy, d.sdk_add), ("destroy", d.ours_destroy, d.sdk_del)):
        o, p = _wall(ours), _wall(sdk)
        o, p = (o / d.accounts if o is not None else None), (p / d.accounts if p is not None else None)
        rows.append([f"cdktf {verb}: per account (whole wall / {d.accounts})", secs(o), secs(d.job_seconds),
                     ratio(o, d.job_seconds), secs(p), ratio(o, p)])  # fmt: skip
    return rows


def diff_rows(d: DeployResult) -> list[Row]:
    """``cdktf diff`` of the deployed accounts against one plain ``terraform_data``'s, run in turns."""
    diff = d.diff or DiffPairs()  # not measured: no pairs, every figure n/a
    ours, plain = med(diff.ours_s), med(diff.plain_s)
    return [
        [f"cdktf diff, {d.accounts} accounts deployed (nothing to change; medians)", secs(ours), secs(plain),
         ratio(ours, plain), "-", "-"],
        [f"  more than a plain terraform_data's (median of {len(diff.ours_s)} pairs, in turns)", secs(diff.more_s),
         "-", "-", "-", "-"],
    ]  # fmt: skip


def one_cluster_rows(d: DeployResult) -> list[Row]:
    floor, floor_destroy = (d.floor.deploy_s, d.floor.destroy_s) if d.floor else (None, None)
    rows = verb_rows("deploy", d.ours_deploy, d.sdk_add, floor, d.limit_s)
    rows += verb_rows("destroy", d.ours_destroy, d.sdk_del, floor_destroy, d.limit_s)
    rows += per_account_rows(d)
    rows.append(["floor: cdktf deploy, one plain terraform_data", secs(floor), "-", "-", "-", "-"])
    rows.append(["floor: cdktf destroy, one plain terraform_data", secs(floor_destroy), "-", "-", "-", "-"])
    rows += diff_rows(d)
    for k in sorted(set(d.curve.ours) | set(d.curve.sdk)):
        if k != d.accounts:
            o, s, limit = d.curve.ours.get(k), d.curve.sdk.get(k), k * d.job_seconds
            rows.append([f"cdktf deploy of {k} (plot point)", secs(o), secs(limit), ratio(o, limit), secs(s),
                         ratio(o, s)])  # fmt: skip
    return rows


def clusters_rows(c: ClustersResult) -> list[Row]:
    """The deploy over several clusters: no peer (the SDK loop runs one job after another)."""
    span = c.spans[c.busiest] if c.busiest else None
    busy, idle = (span.busy_span_s, span.idle_s) if span else (None, None)
    jobs = f"its {span.jobs} jobs x {c.job_seconds:g} s" if span else "its jobs"
    where = f"{c.accounts} accounts on {c.clusters} clusters ({c.per_cluster} each)"
    return [
        [f"cdktf deploy, {where}: whole wall", secs(c.wall_s), secs(c.limit_s), ratio(c.wall_s, c.limit_s), "-", "-"],
        [f"  busiest cluster's busy span (limit: {jobs})", secs(busy), secs(c.limit_s), ratio(busy, c.limit_s),
         "-", "-"],
        ["  busiest cluster's idle inside its span", secs(idle), secs(0.0), "-", "-", "-"],
    ]  # fmt: skip


def table_deploy(d: DeployResult | None, c: ClustersResult | None) -> str:
    rows = (one_cluster_rows(d) if d else []) + (clusters_rows(c) if c else [])
    if d:
        jitter = f" +/- {d.jitter:.0%}" if d.jitter else ""
        title = (f"1. Deploy and destroy: {d.accounts} accounts on one cluster, {d.job_seconds:g} s{jitter} jobs "
                 f"(limit = {d.accounts} x {d.job_seconds:g} s = {secs(d.limit_s)})")  # fmt: skip
    else:
        title = "1. Deploy and destroy (the one-cluster rows: not run)"
    return table(title, ["", "ours", "limit", "ours/limit", "SDK loop", "ours/SDK"], rows)


def mode_rows(label: str, m: ModeResult, job_seconds: float, accounts: int) -> list[Row]:
    """A mode's gaps against its limit (single-user: one add job; alternating users: 0), and its deploy."""
    limit = 0.0 if label == "alternating users" else job_seconds
    span = m.seen.span if m.seen else None
    jobs_s, busy = (span.job_time_s, span.busy_span_s) if span else (None, None)
    return [
        [f"{label}: largest gap per account", secs(m.max_gap_s), secs(limit), ratio(m.max_gap_s, limit)],
        ["  mean gap per account", secs(m.mean_gap_s), secs(limit), ratio(m.mean_gap_s, limit)],
        ["  accounts whose gap held other jobs (not one turn)", f"{m.not_own_turn} of {accounts}", "0", "-"],
        [f"  rotation deploy: whole wall ({m.seen.jobs if m.seen else 0} jobs)", secs(m.deploy_s), secs(jobs_s),
         ratio(m.deploy_s, jobs_s)],
        ["  cluster busy span of the rotation", secs(busy), secs(jobs_s), ratio(busy, jobs_s)],
    ]  # fmt: skip


ROTATION_NOTES = [
    "gap: the time no account of the name the application logs in as existed, from the simulator's job",
    "records (the end of its del_user job to the end of its add_user job); alternating users: the name is",
    "active_user (the output before the deploy, then after it), so the gap is 0 while the rotation leaves",
    "the previously active account alone. Limit of the deploy: its jobs' own time",
]


def table_rotation(r: RotationResult) -> str:
    rows = [row for label, m in r.modes.items() for row in mode_rows(label, m, r.job_seconds, r.accounts)]
    title = (f"6. Rotation: {r.accounts} accounts, new passwords and password_version + 1, {r.job_seconds:g} s "
             f"+/- {r.jitter_s:g} s jobs")  # fmt: skip
    return table(title, ["", "ours", "limit", "ours/limit"], rows, ROTATION_NOTES)


def table_synth(s: SynthResult) -> str:
    rows = [[f"{name} ({case.accounts} accounts)", secs(case.construct_s), secs(case.synth_s), secs(case.total_s),
             msecs(case.total_s / case.accounts) if case.accounts else "-"] for name, case in s.cases.items()]  # fmt: skip
    if s.cdktf_synth:
        big = s.cdktf_synth
        rows.append([f"cdktf synth, {big.accounts} accounts: whole CLI wall", "-", "-", secs(big.wall_s),
                     msecs(big.wall_s / big.accounts)])  # fmt: skip
    if s.cdktf_synth_floor:
        rows.append(["cdktf synth, one plain terraform_data (floor)", "-", "-", secs(s.cdktf_synth_floor.wall_s), "-"])
    rows.append(["import cdktf + library (jsii start), once", "-", "-", secs(s.import_s), "-"])
    return table("2. Synth (in-process: construction, then app.synth(); no peer: the SDK has no synth)",
                 ["", "construct", "app.synth()", "total", "per account"], rows)  # fmt: skip


BRIDGE_NOTES = [
    "the SDK's wait_job sleeps 2 s before every poll, so its lag is the wait for the next multiple of 2 s",
    "after the submit: about 1 s for a 3 s job, near 0 for a 6 s job (a 6 +/- 0.5 s job: up to 2 s).",
    "The bridge polls across the band where this cluster's jobs usually end (from the ends the bridges",
    "before it saw, else its job history's whole-second durations), in steps of 0.05 to 0.2 s through",
    "its center; the first run of each row has no history yet and polls at up to twice a second",
]


def table_bridge(b: BridgeResult) -> str:
    s, sp = med(b.start_s.ours), med(b.start_s.sdk)
    o, p = med(b.overhead_s.ours), med(b.overhead_s.sdk)
    rows = [[f"start alone: --version / the SDK's imports (median of {len(b.start_s.ours)})", msecs(s), "0 ms", "-",
             msecs(sp), ratio(s, sp)],
            [f"add-user, 0 s job: whole process (median of {len(b.overhead_s.ours)})", msecs(o), "0 ms", "-",
             msecs(p), ratio(o, p)]]  # fmt: skip
    for seconds, lags in b.exit_lag_s.items():
        o, p = med(lags.ours), med(lags.sdk)
        rows.append([f"{seconds} s job: job end -> process exit (median of {len(lags.ours)})", msecs(o), "0 ms", "-",
                     msecs(p), ratio(o, p)])  # fmt: skip
    return table("3. Bridge overhead, one add-user per process (limit: the job itself, 0 s extra)",
                 ["", "ours", "limit", "ours/limit", "SDK script", "ours/SDK"], rows, BRIDGE_NOTES)  # fmt: skip


def calls_row(label: str, ours: PerAccount, sdk: PerAccount, digits: int) -> Row:
    o, p = ours.total, sdk.total
    return [label, num(o, digits), str(LIMIT), ratio(o, LIMIT), num(p, digits), ratio(o, p)]


def table_calls(c: CallsResult) -> str | None:
    rows, notes = [], []
    for verb, found in (("add", c.add), ("delete", c.delete)):
        if found:
            rows.append(
                calls_row(f"{verb} ({c.job_seconds:g} s jobs, {c.accounts} accounts)", found.ours, found.sdk, 2)
            )
            notes.append(f"{verb}, ours by action: {found.ours.by_action or 'n/a'}")
            notes.append(f"{verb}, SDK by action: {found.sdk.by_action or 'n/a'}")
    if c.single_add:
        rows.append(calls_row("add, one bridge process / SDK script, 0 s job", c.single_add.ours, c.single_add.sdk, 1))
        for name, first in (("bridge", c.single_add.ours), ("SDK script", c.single_add.sdk)):
            if first.by_action:
                notes.append(f"0 s job, {name} by action (first run): {first.by_action}")
    if not rows:
        return None
    return table(f"4. API calls per account (from {c.source}; limit {LIMIT} = one submit + one poll)",
                 ["", "ours", "limit", "ours/limit", "SDK", "ours/SDK"], rows, notes)  # fmt: skip


def peak_row(label: str, peak: Peak) -> Row:
    return [label, mib(peak.maxrss_kb), mib(peak.tree_peak_kb), "-", "-"]


MEMORY_NOTES = [
    "wait4: ru_maxrss of the child, the largest single process among those it waited for (a jsii",
    "kernel the app does not wait for is left out); whole tree: RSS summed over every descendant,",
    "sampled from /proc every 50 ms",
]


def table_memory(m: MemoryResult) -> str | None:
    rows = [peak_row(f"cdktf synth, {m.cdktf_synth.accounts} accounts", m.cdktf_synth)] if m.cdktf_synth else []
    if m.cdktf_synth_floor:
        rows.append(peak_row("cdktf synth, one plain terraform_data (floor)", m.cdktf_synth_floor))
    if m.app_synth:
        rows.append(peak_row(f"the app alone (python + jsii kernel), {m.app_synth.accounts} accounts", m.app_synth))
    if m.app_synth_floor:
        rows.append(peak_row("the app alone, one plain terraform_data (floor)", m.app_synth_floor))
    if m.bridge_kb is not None or m.sdk_kb is not None:
        rows.append(["one add-user process (bridge / SDK script)", mib(m.bridge_kb), "-", mib(m.sdk_kb),
                     ratio(m.bridge_kb, m.sdk_kb)])  # fmt: skip
    if not rows:
        return None
    return table("5. Peak memory (max RSS)", ["", "wait4 max RSS", "whole tree (sampled)", "SDK script", "ours/SDK"],
                 rows, MEMORY_NOTES)  # fmt: skip


def section_missing(r: Results) -> str:
    missing = r.all_missing()
    listed = "\n".join(f"- {m}" for m in missing) if missing else "- nothing: every figure asked for was measured"
    skipped = [p for p in PARTS if p not in r.config.parts]
    not_run = [f"part(s) {', '.join(skipped)}: not run (--only)"] if skipped else []
    listed += "".join(f"\n- not run (not a failure): {m}" for m in not_run)
    return "\n== Not measured\n" + listed


def line_secrets(hits: list[str]) -> str:
    return (f"\ncanary passwords and the per-run secret key found in captured output or files: "
            f"{len(hits)}{' (' + ', '.join(hits[:5]) + ')' if hits else ''}")  # fmt: skip


def report(r: Results) -> str:
    parts = [table_deploy(r.deploy, r.clusters)] if r.deploy or r.clusters else []
    parts += [table_synth(r.synth)] if r.synth else []
    parts += [table_bridge(r.bridge)] if r.bridge else []
    parts += [t for t in (table_calls(r.calls) if r.calls else None, table_memory(r.memory) if r.memory else None) if t]
    parts += [table_rotation(r.rotation)] if r.rotation else []
    return "\n".join([*parts, section_missing(r), line_secrets(r.secret_hits)])
