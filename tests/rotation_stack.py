"""The rotation scenarios' stack: bench/app.py's accounts in a throwaway project, rotated by a second deploy.

bench/app.py is the benchmark's app (``BENCH_SPEC``): N accounts ``rot0`` ...,
``password_version`` and ``rotation`` per stack, and with alternating users an
output ``active_<user>`` per account.  The benchmark's part ``rotation`` measures
the same stack with 6 s jobs; the tests count what an application sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from accounts_found import reset_server
from e2e_project import STACK, Project, password_for
from helpers import CLUSTER, ROOT, ZONE, MariaDB, running_sim

APP = ROOT / "bench" / "app.py"
Mode = Literal["single", "alternating"]
Job = dict[str, Any]


@contextmanager
def rotation_project(directory: Path, db: MariaDB, job_seconds: float) -> Iterator[Project]:
    """A project of bench/app.py on a simulator whose accounts are real ones on ``db``."""
    reset_server(db)
    try:
        with running_sim(job_seconds=job_seconds, mysql_dsn=db.dsn) as sim:
            yield Project(directory, sim, app=APP, env={"BENCH_SPEC": str(directory / "spec.json")})
    finally:
        reset_server(db)


def users(accounts: int) -> list[str]:
    return [f"rot{j}" for j in range(accounts)]


def declare(project: Project, accounts: int, mode: Mode, version: int) -> list[str]:
    """The stack's spec at ``password_version`` ``version``, each account's password ``password_for(user, version)``
    (the earlier ones stay canaries); its users."""
    names = users(accounts)
    project.canaries.update(project.passwords.values())
    project.passwords = {user: password_for(user, version) for user in names}
    stack = {"name": STACK, "accounts": accounts, "prefix": "rot", "rotation": mode, "password_version": version}
    spec = {"clusters": [CLUSTER], "zone": ZONE, "plain": False, "stacks": [stack]}
    (project.dir / "spec.json").write_text(json.dumps(spec))
    return names


def active_users(project: Project) -> dict[str, str]:
    """The ``active_<user>`` outputs of the local state: the account each application logs in as now."""
    outputs = json.loads(project.state_file.read_text()).get("outputs", {})
    return {name.removeprefix("active_"): str(o["value"]) for name, o in outputs.items() if name.startswith("active_")}


def ended(jobs: list[Job], service: str, user: str) -> Job:
    """``user``'s one successful ``service`` job among ``jobs``."""
    found = [j for j in jobs if (j["service"], j["user"], j["status"]) == (service, user, "successful")]
    assert len(found) == 1, f"{service} jobs of {user}: {found}"
    return found[0]


def others_inside(jobs: list[Job], user: str) -> list[Job]:
    """The jobs that started between the end of ``user``'s del_user and the start of its add_user: if any,
    the account was deleted and added back in two turns of the cluster, not in one."""
    gone, add = ended(jobs, "del_user", user)["finished"], ended(jobs, "add_user", user)
    return [j for j in jobs if gone <= j["started"] < add["started"] and j["job_id"] != add["job_id"]]
