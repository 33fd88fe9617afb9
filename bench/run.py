"""Speed at scale: our construct and bridge against the physical limit and the official SDK.

A MySQL Plus cluster runs one job at a time, so N accounts cannot deploy in
less than N x job time (the limit); the rest is overhead this tool adds.  One
run measures, against a simulator served from this process:

1. ``cdktf deploy`` / ``cdktf destroy`` of N accounts on one cluster (wall
   time, and the cluster's busy span from the simulator's job records), the
   floor of ``cdktf deploy`` for a stack without the construct, and a loop on
   the official qingcloud-sdk doing the same jobs one after another;
2. synth of 1 / 100 / 1,000 accounts in one stack and 50 stacks x 20
   (in-process, around construction and ``app.synth()``), and the whole
   ``cdktf synth`` of 1,000;
3. the bridge's overhead per add-user (0 s job) and its lag from a job's end
   to the process exiting, against an SDK script;
4. API calls per account, from the simulator's request counters;
5. peak memory of the 1,000-account synth and of one bridge process;

and prints them side by side with ratios, draws ``deploy_time.png``
(plot.py), and lists what it could not measure.  It asserts nothing.

    python bench/run.py [--quick] [--accounts 20] [--job-seconds 6] [--only deploy,synth,bridge] [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "constructs"))
sys.path.insert(0, str(BENCH))

BIN = Path(sys.executable).parent
KEY, ZONE, CLUSTER = "QYBENCHKEY", "sh1a", "cl-bench001"
SECRET = "Bench-Secret-" + secrets.token_hex(8)  # per run; a canary like the passwords
STACK = "bench"
PARTS = ("bridge", "synth", "deploy")
SERVICES = ("add_user", "del_user")

# The peer: what a hand-written script on the official SDK does, one job after another.
# Key, secret and password come from the environment (never argv); it prints, per job, the
# monotonic instant the job was seen done, so the parent can read a loop of k < N jobs too.
SDK_SCRIPT = """
import json, os, sys, time
from qingcloud.iaas.connection import APIConnection
from qingcloud.misc.utils import wait_job
host, port, cluster, zone, service = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
conn = APIConnection(os.environ["BENCH_KEY"], os.environ["BENCH_SECRET"], zone, host=host, port=port, protocol="http")
marks = []
for user in sys.argv[6:]:
    if service == "add_user":
        params = {"database": "*", "passwd": os.environ["BENCH_PW"], "ssl": "NO", "host": "%", "user": user,
                  "priv": "StandardAccount"}
    else:
        params = {"user": user, "host": "%"}
    ret = conn.send_request("RunClusterCustomService", {"cluster": cluster, "role": "maininstance",
                            "service": service, "service_params": json.dumps(params)})
    if ret.get("ret_code") != 0:
        sys.exit("RunClusterCustomService: ret_code %s" % ret.get("ret_code"))
    if not wait_job(conn, ret["job_id"], timeout=600):
        sys.exit("wait_job timed out")
    marks.append(time.monotonic())
print(json.dumps({"marks": marks}))
"""


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def canary() -> str:
    """A valid password (upper, lower, digit, special), new per account and run; never printed."""
    return "Bq" + secrets.token_hex(7) + "@7z"


# -- the simulator ----------------------------------------------------------------


def import_serving() -> Callable[..., contextlib.AbstractContextManager[str]]:
    """``serving`` from the simulator, wherever the rewrite has put it today."""
    problems = []
    for module in ("qingcloud_mysqlplus.sim.http", "qingcloud_mysqlplus.sim.server", "qingcloud_mysqlplus.sim"):
        try:
            return importlib.import_module(module).serving  # type: ignore[no-any-return]
        except (ImportError, AttributeError) as err:
            problems.append(f"{module}: {type(err).__name__}: {err}")
    raise RuntimeError("cannot import the simulator's serving: " + "; ".join(problems))


@contextlib.contextmanager
def simulator(job_seconds: float, jitter: float = 0.0) -> Iterator[SimProbe]:
    """The simulator; ``jitter``: each job runs ``job_seconds`` give or take up to that many seconds."""
    from qingcloud_mysqlplus.sim.options import SimOptions

    serving = import_serving()
    with serving(clusters=[f"{CLUSTER}@{ZONE}"], job_seconds=job_seconds, credentials={KEY: SECRET},
                 options=SimOptions(job_jitter=jitter)) as url:  # fmt: skip
        yield SimProbe(url)


class SimProbe:
    """The simulator's unsigned control endpoints: jobs and request counters."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.base = url.rstrip("/").removesuffix("/iaas")
        host_port = self.base.split("//", 1)[1]
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)
        self.counter_source = "?"

    def _get(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.base}/_sim/{path}", timeout=10) as answer:
            return json.load(answer)

    def jobs(self) -> list[dict[str, Any]]:
        return list(self._get("jobs")["jobs"])

    def requests(self) -> Counter[str]:
        """API requests so far per action: ``/_sim/stats`` once the rewrite has it, else ``/_sim/jobs``."""
        try:
            stats = self._get("stats")
            per_action = stats.get("requests_per_action")
            if isinstance(per_action, dict):
                self.counter_source = "GET /_sim/stats requests_per_action"
                return Counter({str(k): int(v) for k, v in per_action.items()})
        except OSError:
            pass
        requests = self._get("jobs").get("requests")
        if isinstance(requests, dict):
            self.counter_source = "GET /_sim/jobs requests"
            return Counter({str(k): int(v) for k, v in requests.items()})
        if isinstance(requests, int):
            self.counter_source = "GET /_sim/jobs requests (total only)"
            return Counter({"(all actions)": requests})
        raise RuntimeError("the simulator exposes no request counters (neither /_sim/stats nor /_sim/jobs requests)")


@dataclass
class Window:
    """What the simulator saw between ``mark`` and ``close``: new jobs and requests."""

    sim: SimProbe
    job_ids: set[str]
    requests: Counter[str] | None

    @classmethod
    def mark(cls, sim: SimProbe) -> Window:
        try:
            requests: Counter[str] | None = sim.requests()
        except Exception:
            requests = None
        return cls(sim, {j["job_id"] for j in sim.jobs()}, requests)

    def close(self) -> dict[str, Any]:
        jobs = [j for j in self.sim.jobs() if j["job_id"] not in self.job_ids]
        out: dict[str, Any] = {"jobs": len(jobs), "statuses": dict(Counter(str(j.get("status")) for j in jobs))}
        timed = [
            j
            for j in jobs
            if isinstance(j.get("started"), (int, float)) and isinstance(j.get("finished"), (int, float))
        ]
        if jobs and len(timed) == len(jobs):
            out["busy_span_s"] = max(j["finished"] for j in timed) - min(j["started"] for j in timed)
            out["job_time_s"] = sum(j["finished"] - j["started"] for j in timed)
            out["idle_s"] = out["busy_span_s"] - out["job_time_s"]
        elif jobs:
            out["busy_span_why"] = "the simulator's job records carry no started/finished stamps (or a job never ended)"
        if self.requests is not None:
            try:
                after = self.sim.requests()
                out["requests"] = dict(after - self.requests)
                out["requests_total"] = sum((after - self.requests).values())
                out["counter_source"] = self.sim.counter_source
            except Exception as err:
                out["requests_why"] = f"{type(err).__name__}: {err}"
        else:
            out["requests_why"] = "the simulator exposes no request counters"
        return out


# -- processes --------------------------------------------------------------------


@dataclass
class Proc:
    argv: list[str]
    seconds: float  # whole wall, start to exit
    started: float  # monotonic
    ended: float  # monotonic, when the process was reaped
    code: int
    maxrss_kb: int  # largest single process of the tree (wait4's ru_maxrss)
    tree_peak_kb: int | None  # sampled sum over the process tree
    stdout: str
    stderr: str


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(stat.parent.name))
    return tree


def _tree_rss_kb(root: int) -> int:
    tree, todo, total = _children(), [root], 0
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    while todo:
        pid = todo.pop()
        todo += tree.get(pid, [])
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page_kb
        except (OSError, IndexError, ValueError):
            pass
    return total


def run(argv: Sequence[str], *, env: dict[str, str], cwd: Path | None = None, timeout: float = 600,
        sample_tree: bool = False) -> Proc:  # fmt: skip
    """Run to the end; wall time, exit instant, max RSS from wait4 (this child's tree only)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(list(argv), env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   start_new_session=True)  # fmt: skip
        peak: list[int] = [0]
        done = threading.Event()

        def sampler() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], _tree_rss_kb(process.pid))

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        watcher = threading.Thread(target=sampler, daemon=True) if sample_tree and Path("/proc").is_dir() else None
        if watcher:
            watcher.start()
        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        ended = time.monotonic()
        timer.cancel()
        done.set()
        process.returncode = os.waitstatus_to_exitcode(status)
        if watcher:
            watcher.join()
        out.seek(0)
        err.seek(0)
        return Proc(list(argv), ended - started, started, ended, process.returncode, usage.ru_maxrss,
                    peak[0] if watcher else None, out.read().decode("utf-8", "replace"),
                    err.read().decode("utf-8", "replace"))  # fmt: skip


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGCLOUD_", "TF_VAR_", "BENCH_"))}
    env["PATH"] = os.pathsep.join([str(BIN), str(ROOT / "node_modules" / ".bin"), env.get("PATH", "")])
    env.setdefault("TERRAFORM_BINARY_NAME", str(BIN / "terraform"))
    env.update(CHECKPOINT_DISABLE="1", CDKTF_DISABLE_TELEMETRY="true", DISABLE_VERSION_CHECK="true", CI="true",
               FORCE_COLOR="0", NO_COLOR="1")  # fmt: skip
    return env


class Secrets:
    """Every canary of the run, to scrub from what is shown and to search for in outputs."""

    def __init__(self) -> None:
        self.values: set[str] = {SECRET}
        self.hits: list[str] = []

    def new(self) -> str:
        value = canary()
        self.values.add(value)
        return value

    def check(self, where: str, *texts: str) -> None:
        for text in texts:
            if any(v in text for v in self.values):
                self.hits.append(where)

    def scrub(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, "***")
        return text


SECRETS = Secrets()


def tail(proc: Proc) -> str:
    """The lines of a failed run that say why: error lines first (no stack frames), then its last lines."""
    text = SECRETS.scrub(proc.stdout + "\n" + proc.stderr)
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith(("at ", "File ", "^", "~"))]
    errors = [line for line in lines if "rror" in line or "failed" in line.lower()]
    chosen = list(dict.fromkeys(errors[:3] + lines[-2:]))
    return " | ".join(chosen)[:700]


class Failed(Exception):
    """A step failed; the message says which and how (no secret)."""


def checked(what: str, proc: Proc) -> Proc:
    SECRETS.check(what, proc.stdout, proc.stderr)
    if proc.code != 0:
        raise Failed(f"{what} exited {proc.code} after {proc.seconds:.1f} s: {tail(proc)}")
    return proc


# -- the bridge and the SDK script --------------------------------------------------


def bridge_env(sim: SimProbe, work: Path, password: str) -> dict[str, str]:
    env = base_env()
    env.update(QINGCLOUD_ACCESS_KEY=KEY, QINGCLOUD_SECRET_KEY=SECRET, QINGCLOUD_ENDPOINT=sim.url, QINGCLOUD_ZONE=ZONE,
               QINGCLOUD_MYSQLPLUS_PASSWORD=password, QINGCLOUD_MYSQLPLUS_QUIET="1", HOME=str(work),
               QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(work / "locks"), QINGCLOUD_MYSQLPLUS_JOURNAL_DIR=str(work / "journal"))  # fmt: skip
    return env


def bridge_add(sim: SimProbe, work: Path, user: str) -> Proc:
    argv = [str(BIN / "qingcloud-mysqlplus"), "add-user", "--cluster", CLUSTER, "--user", user]
    return checked(f"bridge add-user {user}", run(argv, env=bridge_env(sim, work, SECRETS.new()), timeout=300))


def sdk_loop(sim: SimProbe, service: str, users: list[str], timeout: float = 600) -> tuple[Proc, list[float]]:
    """The SDK script over ``users``; the process and, per job, seconds from its start to the job seen done."""
    env = base_env()
    env.update(BENCH_KEY=KEY, BENCH_SECRET=SECRET, BENCH_PW=SECRETS.new(), HOME=tempfile.gettempdir())
    argv = [sys.executable, "-c", SDK_SCRIPT, sim.host, str(sim.port), CLUSTER, ZONE, service, *users]
    proc = checked(f"SDK script {service} x{len(users)}", run(argv, env=env, timeout=timeout))
    marks = json.loads(proc.stdout.strip().splitlines()[-1])["marks"]
    return proc, [m - proc.started for m in marks]


def job_of(sim: SimProbe, user: str, service: str = "add_user") -> dict[str, Any]:
    found = [j for j in sim.jobs() if j.get("user") == user and j.get("service") == service]
    if not found:
        raise Failed(f"no {service} job for {user} in the simulator's records")
    return found[-1]


def exit_lag(sim: SimProbe, proc: Proc, user: str) -> float:
    """From the job's end (the simulator's finish stamp) to the process exiting; same clock (in-process)."""
    job = job_of(sim, user)
    finished = job.get("finished")
    if not isinstance(finished, (int, float)):
        raise Failed("the simulator's job records carry no finish stamp")
    if not proc.started - 1 <= finished <= proc.ended + 1:
        raise Failed("the simulator's finish stamp is not on this process's monotonic clock")
    return proc.ended - float(finished)


def part_bridge(results: dict[str, Any], cfg: argparse.Namespace, work: Path) -> None:
    out: dict[str, Any] = results.setdefault("bridge", {})
    failures: dict[str, str] = {}

    def attempt(label: str, step: Callable[[], Any]) -> Any:
        """One measurement; a failure is noted once per label and the others carry on."""
        try:
            return step()
        except Exception as err:
            failures.setdefault(label, SECRETS.scrub(f"{type(err).__name__}: {err}"))
            return None

    runs = cfg.runs
    say(f"bridge vs SDK script: add-user with a 0 s job, {runs} runs each, interleaved")
    overhead: dict[str, list[float]] = {"ours": [], "sdk": []}
    rss: dict[str, list[int]] = {"ours": [], "sdk": []}
    calls: dict[str, list[dict[str, int]]] = {"ours": [], "sdk": []}
    with simulator(0.0) as sim:
        for i in range(runs):  # interleaved, so drift hits both alike
            for who, label, step in (
                ("ours", "bridge add-user (0 s job)", lambda i=i: bridge_add(sim, work, f"b0_{i}")),
                ("sdk", "SDK script add_user (0 s job)", lambda i=i: sdk_loop(sim, "add_user", [f"s0_{i}"])[0]),
            ):
                window = Window.mark(sim)
                proc = attempt(label, step)
                if proc is not None:
                    overhead[who].append(proc.seconds)
                    rss[who].append(proc.maxrss_kb)
                    calls[who].append(window.close().get("requests", {}))
        out["counter_source"] = sim.counter_source
    out["overhead_s"] = overhead
    out["maxrss_kb"] = rss
    out["requests_single_add"] = calls
    out["exit_lag_s"] = {}
    for seconds, jitter, runs in cfg.lag_cases:
        case = f"{seconds:g}" + (f" +/- {jitter:g}" if jitter else "")
        say(f"bridge vs SDK script: job end -> exit with a {case} s job, {runs} runs each")
        lags: dict[str, list[float]] = {"ours": [], "sdk": []}
        with simulator(seconds, jitter) as sim:
            for i in range(runs):
                name = f"{seconds:g}_{jitter:g}_{i}".replace(".", "_")

                def ours(user: str = f"b{name}") -> float:
                    return exit_lag(sim, bridge_add(sim, work, user), user)

                def sdk(user: str = f"s{name}") -> float:
                    return exit_lag(sim, sdk_loop(sim, "add_user", [user])[0], user)

                for who, label, measure in (("ours", "bridge", ours), ("sdk", "SDK script", sdk)):
                    lag = attempt(f"{label} exit lag ({case} s job)", measure)
                    if lag is not None:
                        lags[who].append(lag)
        out["exit_lag_s"][case] = lags
    results["missing"] += [f"{label}: {why}" for label, why in failures.items()]


# -- synth --------------------------------------------------------------------------


def synth_cases(cfg: argparse.Namespace) -> list[dict[str, Any]]:
    cases = [{"name": f"{n} in one stack", "accounts": n, "stacks": [{"name": STACK, "accounts": n}]}
             for n in cfg.synth_sizes]  # fmt: skip
    stacks, per = cfg.synth_stacks
    cases.append({"name": f"{stacks} stacks x {per}", "accounts": stacks * per,
                  "stacks": [{"name": f"s{i}", "accounts": per} for i in range(stacks)]})  # fmt: skip
    return cases


def part_synth(results: dict[str, Any], cfg: argparse.Namespace, work: Path) -> None:
    out: dict[str, Any] = results.setdefault("synth", {})
    cases = synth_cases(cfg)
    cases_file = work / "synth-cases.json"
    cases_file.write_text(json.dumps({"cluster": CLUSTER, "zone": ZONE, "cases": cases}))
    say("synth in-process: " + ", ".join(c["name"] for c in cases))
    try:
        proc = checked("in-process synth probe", run([sys.executable, str(BENCH / "app.py"), "--probe",
                                                      str(cases_file)], env=base_env(), timeout=3600))  # fmt: skip
        probe = json.loads(proc.stdout.strip().splitlines()[-1])
        out["import_s"] = probe["import_s"]
        out["cases"] = {}
        for case in cases:
            found = probe["cases"].get(case["name"]) or {"error": "not reported"}
            if "error" in found:
                results["missing"].append(f"synth of {case['name']}: {SECRETS.scrub(found['error'])}")
            else:
                out["cases"][case["name"]] = {**found, "accounts": case["accounts"]}
    except Exception as err:
        results["missing"].append(f"in-process synth: {SECRETS.scrub(str(err))}")
    say("cdktf synth of one plain terraform_data (floor), with memory")
    floor = Project(work / "synth-floor", None, [{"name": STACK, "accounts": 0}], plain=True)
    try:
        proc = floor.cli("synth", sample_tree=True)
        out["cdktf_synth_floor"] = {"wall_s": proc.seconds, "maxrss_kb": proc.maxrss_kb,
                                    "tree_peak_kb": proc.tree_peak_kb}  # fmt: skip
    except Exception as err:
        results["missing"].append(f"cdktf synth floor: {SECRETS.scrub(str(err))}")
    big = max(cfg.synth_sizes)
    say(f"cdktf synth of {big} accounts (whole CLI), with memory")
    project = Project(work / f"synth-{big}", None, [{"name": STACK, "accounts": big}])
    try:
        proc = project.cli("synth", sample_tree=True, timeout=3600)
        out["cdktf_synth"] = {"accounts": big, "wall_s": proc.seconds, "maxrss_kb": proc.maxrss_kb,
                              "tree_peak_kb": proc.tree_peak_kb}  # fmt: skip
    except Exception as err:
        results["missing"].append(f"cdktf synth of {big} accounts (wall and memory): {SECRETS.scrub(str(err))}")
    say(f"the app alone (python bench/app.py and its jsii kernel) for {big} accounts and for the floor, memory")
    for key, app_project in (("app_synth", project), ("app_synth_floor", floor)):
        try:
            (app_project.dir / "app-out").mkdir(exist_ok=True)
            env = app_project.env() | {"CDKTF_OUTDIR": str(app_project.dir / "app-out")}
            proc = checked(f"python bench/app.py in {app_project.dir.name}",
                           run([sys.executable, str(BENCH / "app.py")], env=env, cwd=app_project.dir, timeout=3600,
                               sample_tree=True))  # fmt: skip
            out[key] = {"accounts": big if key == "app_synth" else 0, "wall_s": proc.seconds,
                        "maxrss_kb": proc.maxrss_kb, "tree_peak_kb": proc.tree_peak_kb}  # fmt: skip
        except Exception as err:
            results["missing"].append(f"{key.replace('_', ' ')} memory: {SECRETS.scrub(str(err))}")
    shutil.rmtree(project.dir, ignore_errors=True)


# -- deploy and destroy -------------------------------------------------------------


class Project:
    """A throwaway cdktf project of bench/app.py: its spec, its passwords, its CLI runs."""

    def __init__(self, directory: Path, sim: SimProbe | None, stacks: list[dict[str, Any]], plain: bool = False,
                 prefix: str = "u") -> None:  # fmt: skip
        from app import user_name

        self.dir, self.sim = directory, sim
        directory.mkdir(parents=True, exist_ok=True)
        for item in stacks:
            item.setdefault("prefix", prefix)
        spec = {"cluster": CLUSTER, "zone": ZONE, "plain": plain, "stacks": stacks}
        (directory / "spec.json").write_text(json.dumps(spec))
        (directory / "cdktf.json").write_text(json.dumps({
            "language": "python", "app": f"{sys.executable} {BENCH / 'app.py'}", "projectId": "bench",
            "sendCrashReports": "false", "terraformProviders": [], "terraformModules": [],
        }))  # fmt: skip
        self.users = [user_name(s["prefix"], i, j, len(stacks)) for i, s in enumerate(stacks)
                      for j in range(int(s["accounts"]))] if not plain else []  # fmt: skip
        self.passwords = {user: SECRETS.new() for user in self.users}

    def env(self) -> dict[str, str]:
        env = base_env()
        env["BENCH_SPEC"] = str(self.dir / "spec.json")
        env["QINGCLOUD_ACCESS_KEY"], env["QINGCLOUD_SECRET_KEY"] = KEY, SECRET
        env["QINGCLOUD_MYSQLPLUS_LOCK_DIR"] = str(self.dir / "locks")
        if self.sim is not None:
            env["QINGCLOUD_ENDPOINT"] = self.sim.url
        env.update({f"TF_VAR_pw_{user}": pw for user, pw in self.passwords.items()})
        return env

    def cli(self, command: str, *, timeout: float = 1800, sample_tree: bool = False) -> Proc:
        argv = ["cdktf", command, STACK, "--auto-approve"] if command in ("deploy", "destroy") else ["cdktf", command]
        return checked(f"cdktf {command} in {self.dir.name}",
                       run(argv, env=self.env(), cwd=self.dir, timeout=timeout, sample_tree=sample_tree))  # fmt: skip

    def scan_files(self) -> None:
        for path in self.dir.rglob("*"):
            if path.is_file() and ".terraform" not in path.parts and path.stat().st_size < 50_000_000:
                data = path.read_bytes()
                if any(v.encode() in data for v in SECRETS.values):
                    SECRETS.hits.append(str(path.relative_to(self.dir)))


def part_deploy(results: dict[str, Any], cfg: argparse.Namespace, work: Path) -> None:
    n, job = cfg.accounts, cfg.job_seconds
    out: dict[str, Any] = results.setdefault("deploy", {})
    out.update(accounts=n, job_seconds=job, limit_s=n * job)
    curve: dict[str, dict[int, float]] = {"ours": {}, "sdk": {}}
    out["curve"] = curve
    missing: list[str] = results["missing"]

    say(f"floor: cdktf deploy/destroy of one plain terraform_data, {cfg.floor_runs} run(s)")
    floors: dict[str, list[float]] = {"deploy": [], "destroy": []}
    try:
        for i in range(cfg.floor_runs):
            floor = Project(work / f"floor-{i}", None, [{"name": STACK, "accounts": 0}], plain=True)
            floors["deploy"].append(floor.cli("deploy").seconds)
            floors["destroy"].append(floor.cli("destroy").seconds)
        out["floor"] = {"deploy_s": min(floors["deploy"]), "destroy_s": min(floors["destroy"]), "runs": floors}
    except Exception as err:
        missing.append(f"cdktf floor (plain terraform_data): {err}")

    with simulator(job) as sim:
        try:
            say(f"cdktf deploy of {n} accounts ({job:g} s jobs)")
            project = Project(work / f"deploy-{n}", sim, [{"name": STACK, "accounts": n}])
            window = Window.mark(sim)
            proc = project.cli("deploy", timeout=600 + 20 * n * job)
            out["ours_deploy"] = {"wall_s": proc.seconds, **window.close()}
            curve["ours"][n] = proc.seconds
            say(f"cdktf destroy of {n} accounts")
            window = Window.mark(sim)
            proc = project.cli("destroy", timeout=600 + 20 * n * job)
            out["ours_destroy"] = {"wall_s": proc.seconds, **window.close()}
            project.scan_files()
        except Exception as err:
            missing.append(f"cdktf deploy/destroy of {n} accounts: {err}")
        try:
            say(f"SDK loop: {n} x add_user, then {n} x del_user, one after another")
            users = [f"sdk{j}" for j in range(n)]
            window = Window.mark(sim)
            proc, marks = sdk_loop(sim, "add_user", users, timeout=600 + 20 * n * job)
            out["sdk_add"] = {"wall_s": proc.seconds, "job_done_s": marks, **window.close()}
            for k in cfg.plot_sizes:
                if k < n:
                    curve["sdk"][k] = marks[k - 1]  # a loop of k jobs is the first k of this loop
            curve["sdk"][n] = proc.seconds
            window = Window.mark(sim)
            proc, marks = sdk_loop(sim, "del_user", users, timeout=600 + 20 * n * job)
            out["sdk_del"] = {"wall_s": proc.seconds, **window.close()}
        except Exception as err:
            missing.append(f"SDK loop of {n} jobs: {err}")
        for k in cfg.plot_sizes:
            if k == n or "ours_deploy" not in out:
                continue
            try:
                say(f"cdktf deploy of {k} accounts (for the plot)")
                project = Project(work / f"deploy-{k}", sim, [{"name": STACK, "accounts": k}], prefix=f"p{k}_")
                curve["ours"][k] = project.cli("deploy", timeout=600 + 20 * k * job).seconds
            except Exception as err:
                missing.append(f"cdktf deploy of {k} accounts (plot point): {err}")


# -- the report -----------------------------------------------------------------------


def med(values: Sequence[float] | None) -> float | None:
    return statistics.median(values) if values else None


def secs(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{x:.1f} s" if abs(x) >= 10 else f"{x:.2f} s"


def msecs(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 1000:.0f} ms"


def mib(kb: float | None) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.0f} MiB"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "-"
    return f"{a / b:.2f}x"


def num(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]], notes: Sequence[str] = ()) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [f"\n== {title}"]
    for row in [header, *rows]:
        cells = [str(row[0]).ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines + [f"   {note}" for note in notes])


def get(d: dict[str, Any] | None, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def per_account(requests: dict[str, int] | None, n: int) -> tuple[float | None, str]:
    if not requests or n <= 0:
        return None, ""
    total = sum(requests.values()) / n
    detail = ", ".join(f"{action} {count / n:.2f}" for action, count in sorted(requests.items()))
    return total, detail


def report(results: dict[str, Any]) -> str:
    parts = []
    d = results.get("deploy") or {}
    if d:
        n, job, limit = d["accounts"], d["job_seconds"], d["limit_s"]
        floor = get(d, "floor", "deploy_s")
        floor_destroy = get(d, "floor", "destroy_s")
        rows = []
        for verb, ours_key, sdk_key, fl in (("deploy", "ours_deploy", "sdk_add", floor),
                                            ("destroy", "ours_destroy", "sdk_del", floor_destroy)):  # fmt: skip
            wall, sdk_wall = get(d, ours_key, "wall_s"), get(d, sdk_key, "wall_s")
            span, sdk_span = get(d, ours_key, "busy_span_s"), get(d, sdk_key, "busy_span_s")
            idle, sdk_idle = get(d, ours_key, "idle_s"), get(d, sdk_key, "idle_s")
            less = wall - fl if wall is not None and fl is not None else None
            rows += [
                [f"cdktf {verb}: whole wall", secs(wall), secs(limit), ratio(wall, limit), secs(sdk_wall),
                 ratio(wall, sdk_wall)],
                ["  cluster busy span (1st job start..last end)", secs(span), secs(limit), ratio(span, limit),
                 secs(sdk_span), ratio(span, sdk_span)],
                ["  cluster idle inside the span", secs(idle), secs(0.0), "-", secs(sdk_idle), ratio(idle, sdk_idle)],
                [f"  wall - floor (floor {secs(fl)})", secs(less), secs(limit), ratio(less, limit), secs(sdk_wall),
                 ratio(less, sdk_wall)],
            ]  # fmt: skip
        rows.append(["floor: cdktf deploy, one plain terraform_data", secs(floor), "-", "-", "-", "-"])
        rows.append(["floor: cdktf destroy, one plain terraform_data", secs(floor_destroy), "-", "-", "-", "-"])
        curve = d.get("curve") or {}
        for k in sorted({int(x) for x in (curve.get("ours") or {})} | {int(x) for x in (curve.get("sdk") or {})}):
            if k == n:
                continue
            o, s = (curve.get("ours") or {}).get(k), (curve.get("sdk") or {}).get(k)
            rows.append([f"cdktf deploy of {k} (plot point)", secs(o), secs(k * job), ratio(o, k * job),
                         secs(s), ratio(o, s)])  # fmt: skip
        parts.append(table(f"1. Deploy and destroy: {n} accounts on one cluster, {job:g} s jobs "
                           f"(limit = {n} x {job:g} s = {secs(limit)})",
                           ["", "ours", "limit", "ours/limit", "SDK loop", "ours/SDK"], rows))  # fmt: skip

    s = results.get("synth") or {}
    if s:
        rows = []
        for name, case in (s.get("cases") or {}).items():
            count = case["accounts"]
            rows.append([f"{name} ({count} accounts)", secs(case["construct_s"]), secs(case["synth_s"]),
                         secs(case["total_s"]), msecs(case["total_s"] / count) if count else "-"])  # fmt: skip
        big = s.get("cdktf_synth") or {}
        if big:
            rows.append([f"cdktf synth, {big['accounts']} accounts: whole CLI wall", "-", "-", secs(big["wall_s"]),
                         msecs(big["wall_s"] / big["accounts"])])  # fmt: skip
        floor = s.get("cdktf_synth_floor") or {}
        if floor:
            rows.append(["cdktf synth, one plain terraform_data (floor)", "-", "-", secs(floor["wall_s"]), "-"])
        rows.append(["import cdktf + library (jsii start), once", "-", "-", secs(s.get("import_s")), "-"])
        parts.append(table("2. Synth (in-process: construction, then app.synth(); no peer: the SDK has no synth)",
                           ["", "construct", "app.synth()", "total", "per account"], rows))  # fmt: skip

    b = results.get("bridge") or {}
    if b:
        ov = b.get("overhead_s") or {}
        o, p = med(ov.get("ours")), med(ov.get("sdk"))
        rows = [[f"add-user, 0 s job: whole process (median of {len(ov.get('ours') or [])})", msecs(o), "0 ms", "-",
                 msecs(p), ratio(o, p)]]  # fmt: skip
        for seconds, lags in (b.get("exit_lag_s") or {}).items():
            o, p = med(lags.get("ours")), med(lags.get("sdk"))
            rows.append([f"{seconds} s job: job end -> process exit (median of {len(lags.get('ours') or [])})",
                         msecs(o), "0 ms", "-", msecs(p), ratio(o, p)])  # fmt: skip
        notes = ["the SDK's wait_job sleeps 2 s before every poll, so its lag is the wait for the next multiple of 2 s",
                 "after the submit: about 1 s for a 3 s job, near 0 for a 6 s job (a 6 +/- 0.5 s job: up to 2 s).",
                 "The bridge polls across the band where this cluster's jobs usually end (from its job history:",
                 "the mean of whole-second durations), in at most five steps, through its center; the first run",
                 "of each row has no history yet and polls at up to twice a second"]  # fmt: skip
        parts.append(table("3. Bridge overhead, one add-user per process (limit: the job itself, 0 s extra)",
                           ["", "ours", "limit", "ours/limit", "SDK script", "ours/SDK"], rows, notes))  # fmt: skip

    rows, notes = [], []
    n = d.get("accounts", 0) if d else 0
    for verb, ours_key, sdk_key in (("add", "ours_deploy", "sdk_add"), ("delete", "ours_destroy", "sdk_del")):
        o, o_detail = per_account(get(d, ours_key, "requests"), n)
        p, p_detail = per_account(get(d, sdk_key, "requests"), n)
        if o is not None or p is not None:
            rows.append([f"{verb} ({d['job_seconds']:g} s jobs, {n} accounts)", num(o, 2), "2", ratio(o, 2), num(p, 2),
                         ratio(o, p)])  # fmt: skip
            notes.append(f"{verb}, ours by action: {o_detail or 'n/a'}")
            notes.append(f"{verb}, SDK by action: {p_detail or 'n/a'}")
    single = b.get("requests_single_add") if b else None
    if single:
        o = med([sum(r.values()) for r in single.get("ours") or [] if r]) if single.get("ours") else None
        p = med([sum(r.values()) for r in single.get("sdk") or [] if r]) if single.get("sdk") else None
        rows.append(["add, one bridge process / SDK script, 0 s job", num(o, 1), "2", ratio(o, 2), num(p, 1),
                     ratio(o, p)])  # fmt: skip
        for who, name in (("ours", "bridge"), ("sdk", "SDK script")):
            if single.get(who) and single[who][0]:
                notes.append(f"0 s job, {name} by action (first run): {per_account(single[who][0], 1)[1]}")
    if rows:
        source = (get(d, "ours_deploy", "counter_source") or get(d, "sdk_add", "counter_source")
                  or get(b, "counter_source") or "the simulator's counters")  # fmt: skip
        parts.append(table(f"4. API calls per account (from {source}; limit 2 = one submit + one poll)",
                           ["", "ours", "limit", "ours/limit", "SDK", "ours/SDK"], rows, notes))  # fmt: skip

    rows = []
    big = s.get("cdktf_synth") if s else None
    if big:
        rows.append([f"cdktf synth, {big['accounts']} accounts", mib(big["maxrss_kb"]), mib(big["tree_peak_kb"]),
                     "-", "-"])  # fmt: skip
    floor = s.get("cdktf_synth_floor") if s else None
    if floor:
        rows.append(["cdktf synth, one plain terraform_data (floor)", mib(floor["maxrss_kb"]),
                     mib(floor["tree_peak_kb"]), "-", "-"])  # fmt: skip
    for key, label in (("app_synth", "the app alone (python + jsii kernel), {n} accounts"),
                       ("app_synth_floor", "the app alone, one plain terraform_data (floor)")):  # fmt: skip
        found = s.get(key) if s else None
        if found:
            rows.append([label.format(n=found["accounts"]), mib(found["maxrss_kb"]), mib(found["tree_peak_kb"]),
                         "-", "-"])  # fmt: skip
    if b and b.get("maxrss_kb"):
        o, p = med(b["maxrss_kb"].get("ours")), med(b["maxrss_kb"].get("sdk"))
        rows.append(["one add-user process (bridge / SDK script)", mib(o), "-", mib(p), ratio(o, p)])
    if rows:
        notes = ["wait4: ru_maxrss of the child, the largest single process among those it waited for (a jsii",
                 "kernel the app does not wait for is left out); whole tree: RSS summed over every descendant,",
                 "sampled from /proc every 50 ms"]  # fmt: skip
        parts.append(table("5. Peak memory (max RSS)", ["", "wait4 max RSS", "whole tree (sampled)", "SDK script",
                                                        "ours/SDK"], rows, notes))  # fmt: skip

    missing = list(results.get("missing") or [])
    skipped = [p for p in PARTS if p not in (get(results, "config", "parts") or PARTS)]
    if skipped:
        missing.append(f"part(s) {', '.join(skipped)}: not run (--only)")
    parts.append(
        "\n== Not measured\n"
        + ("\n".join(f"- {m}" for m in missing) if missing else "- nothing: every figure above was measured")
    )
    hits = results.get("secret_hits") or []
    parts.append(f"\ncanary passwords and the per-run secret key found in captured output or files: "
                 f"{len(hits)}{' (' + ', '.join(hits[:5]) + ')' if hits else ''}")  # fmt: skip
    return "\n".join(parts)


# -- main --------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small and fast: 3 accounts, 1 s jobs, small synths")
    parser.add_argument("--accounts", type=int, help="accounts deployed on one cluster (default 20; quick 3)")
    parser.add_argument("--job-seconds", type=float, help="simulated job time (default 6; quick 1)")
    parser.add_argument("--runs", type=int, help="bridge runs with a 0 s job (default $BENCH_RUNS or 7; quick 2)")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {', '.join(PARTS)}")
    parser.add_argument("--plot", type=Path, help="where to save the plot (default bench/deploy_time.png; "
                        "quick: a temporary file)")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write every figure as JSON here")
    cfg = parser.parse_args(argv)
    quick = cfg.quick
    cfg.accounts = cfg.accounts or (3 if quick else 20)
    cfg.job_seconds = cfg.job_seconds if cfg.job_seconds is not None else (1.0 if quick else 6.0)
    cfg.runs = cfg.runs or (2 if quick else int(os.environ.get("BENCH_RUNS", "7")))
    cfg.lag_runs = 1 if quick else max(3, cfg.runs // 2)
    # (job seconds, jitter, runs): steady jobs as the issue measures them, and jobs that vary as real ones do
    cfg.lag_cases = [(1.0, 0.0, 1)] if quick else [(3.0, 0.0, cfg.lag_runs), (6.0, 0.0, cfg.lag_runs),
                                                     (6.0, 0.5, 2 * cfg.lag_runs)]  # fmt: skip
    cfg.synth_sizes = (1, 10, 50) if quick else (1, 100, 1000)
    cfg.synth_stacks = (3, 3) if quick else (50, 20)
    cfg.floor_runs = 1 if quick else 2
    cfg.plot_sizes = sorted(
        {1, cfg.accounts} if quick else {s for s in (1, 5, 10) if s < cfg.accounts} | {cfg.accounts}
    )
    cfg.parts = [p.strip() for p in cfg.only.split(",") if p.strip()]
    unknown = set(cfg.parts) - set(PARTS)
    if unknown:
        parser.error(f"--only: unknown part(s) {', '.join(sorted(unknown))}; expected some of {', '.join(PARTS)}")
    if cfg.plot is None:
        cfg.plot = (Path(tempfile.gettempdir()) / f"bench-deploy-time-{os.getpid()}.png") if quick else (
            BENCH / "deploy_time.png")  # fmt: skip
    return cfg


def byte_compile() -> None:
    """Compile the library as ``pip install`` does, so that no run pays for compiling its sources
    (an editable install has no .pyc of its own, and PYTHONDONTWRITEBYTECODE keeps it so)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "constructs" / "qingcloud_mysqlplus")],
                   env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse(argv)
    results: dict[str, Any] = {"missing": [], "config": {
        "quick": cfg.quick, "accounts": cfg.accounts, "job_seconds": cfg.job_seconds, "runs": cfg.runs,
        "lag_runs": cfg.lag_runs, "lag_cases": cfg.lag_cases, "synth_sizes": list(cfg.synth_sizes),
        "synth_stacks": list(cfg.synth_stacks), "plot_sizes": cfg.plot_sizes, "parts": cfg.parts}}  # fmt: skip
    steps: dict[str, Callable[[dict[str, Any], argparse.Namespace, Path], None]] = {
        "bridge": part_bridge, "synth": part_synth, "deploy": part_deploy}  # fmt: skip
    started = time.monotonic()
    byte_compile()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        (work / "locks").mkdir()
        for name in PARTS:
            if name not in cfg.parts:
                continue
            try:
                steps[name](results, cfg, work)
            except Exception as err:
                detail = SECRETS.scrub(f"{type(err).__name__}: {err}")
                results["missing"].append(f"part '{name}' stopped: {detail}")
                say(f"part '{name}' stopped: {detail}")
                if os.environ.get("BENCH_TRACEBACK"):
                    traceback.print_exc()
    if "deploy" in cfg.parts:
        curve = get(results, "deploy", "curve")
        if curve and (curve.get("ours") or curve.get("sdk")):
            try:
                from plot import draw

                results["plot"] = str(
                    draw(curve, cfg.job_seconds, cfg.plot, get(results, "deploy", "floor", "deploy_s"))
                )
            except Exception as err:
                results["missing"].append(f"plot: {type(err).__name__}: {err}")
        else:
            results["missing"].append("plot: no deploy times to draw")
    results["secret_hits"] = SECRETS.hits
    results["total_s"] = time.monotonic() - started
    print(f"bench/run.py: {'quick' if cfg.quick else 'full'} run, {secs(results['total_s'])} in all; "
          f"the simulator is served from this process (in-memory accounts); "
          f"the library was byte-compiled first, as pip install does")  # fmt: skip
    print(SECRETS.scrub(report(results)))
    if results.get("plot"):
        print(f"\nplot: {results['plot']}")
    if cfg.json:
        cfg.json.write_text(json.dumps(results, indent=1, default=str))
        print(f"json: {cfg.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
