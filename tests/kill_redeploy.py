"""Deploy, kill like a cancelled CI job, deploy again (on a fresh runner or on the same machine): the
shared loop of the convergence and reliability scenarios (real cdktf-cli and Terraform, the bridge, the
simulator), and the few helpers those scenarios read their results with."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from accounts_found import can_log_in, server_users
from e2e_project import Project, kill_like_ci
from helpers import CLUSTER, MariaDB

NO_CHANGES = "No changes"


def accounts(*users: str) -> list[dict[str, str]]:
    return [{"id": user.replace("_", "-"), "user": user} for user in users]


def text(result: object) -> str:
    return f"{getattr(result, 'stdout', '')}{getattr(result, 'stderr', '')}"


def synth_line(result: object) -> str:
    """The construct's one line about the stack (from the app's stdout, as the CLI relays it)."""
    found = re.findall(r"qingcloud-mysqlplus: stack e2e: [^\n]*", text(result))
    return found[-1] if found else ""


def logins_ok(project: Project, db: MariaDB, users: list[str]) -> bool:
    return all(can_log_in(db, user, project.passwords[user]) for user in users)


@dataclass
class Run:
    converged: bool
    note: str
    found: set[str]
    state_lost: bool = False  # the kill cut Terraform's in-place write of a local state file mid-JSON
    emptied: bool = False  # ... right after truncating it: Terraform reads an empty file as no state


def state_readable(project: Project) -> bool:
    """Whether Terraform can still read the local state: an empty file is no state to it, half a JSON an error."""
    if project.backend != "local" or not project.state_file.exists():
        return True
    text = project.state_file.read_text()
    try:
        return not text.strip() or bool(json.loads(text))
    except ValueError:
        return False


def killed_then_redeployed(project: Project, db: MariaDB, users: list[str], at_job: int, *, fresh: bool) -> Run:
    """Deploy, kill it at the ``at_job``-th job of this deploy, deploy again and diff: on a fresh runner
    (``fresh``), where no account may be made twice, or on the same machine."""
    sim = project.sim
    before = {job["job_id"] for job in sim.jobs()}  # background jobs of other actors are not this deploy's

    def ours() -> list[dict[str, Any]]:
        return [j for j in sim.jobs() if j["job_id"] not in before and j["cluster"] == CLUSTER]

    running = project.start("deploy")
    deadline = time.monotonic() + 300
    while len(ours()) < at_job and time.monotonic() < deadline and running.poll() is None:
        time.sleep(0.05)
    if running.poll() is not None:
        project.finish(running)
        return Run(False, f"the deploy ended (exit {running.returncode}) before job {at_job}", server_users(db))
    kill_like_ci(running, grace=2.0)
    project.finish(running)
    at_kill = len(ours())
    emptied = project.backend == "local" and project.state_file.exists() and not project.state_file.read_text().strip()
    if not state_readable(project):
        return Run(False, f"killed at {at_kill} jobs: the local state file was left truncated", server_users(db), True)
    runner = project.fresh_runner("after-kill") if fresh else project
    again = runner.cdktf("deploy", ok=False)
    found = server_users(db)
    diff = runner.cdktf("diff", ok=False)
    if fresh:
        project.outputs += runner.outputs
    settled = diff.returncode == 0 and NO_CHANGES in text(diff)
    adds = sum(1 for job in ours() if job["service"] == "add_user")
    made = sorted(j["user"] for j in ours() if j["service"] == "add_user" and j["status"] == "successful")
    once = not fresh or made == sorted(users)  # no account made twice: what the killed run made was adopted
    ok = again.returncode == 0 and found == set(users) and logins_ok(project, db, users) and settled and once
    note = (f"killed at {at_kill} jobs{' (state file left empty)' if emptied else ''}; "
            f"{'fresh runner' if fresh else 'same machine'}: deploy exit {again.returncode}, {len(found)}/{len(users)} "
            f"found, {adds} add_user jobs in all ({len(made)} successful), diff {'settled' if settled else 'NOT settled'}")  # fmt: skip
    if not ok:
        note += f" | {synth_line(again)} | {text(again)[-1500:]}"
    return Run(ok, note, found, emptied=emptied)
