"""The benchmark's cdktf projects: the tests' Project (tests/e2e_project.py) holding bench/app.py.

The tests' Project makes the directory, its environment (credentials, endpoint,
the ``TF_VAR_pw_<user>`` passwords) and the CLI's argv; here it gets bench/app.py's
spec, canary passwords, and runs timed to the process's end (:func:`cli`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from e2e_project import Project, scan
from helpers import Sim

from .app import users_of
from .canaries import SECRET, SECRETS
from .names import APP, CLUSTER, KEY, STACK, ZONE
from .processes import Proc, run, tool_settings
from .steps import checked


def bench_project(directory: Path, sim: Sim, stacks: list[dict[str, Any]], *, plain: bool = False,
                  prefix: str = "u", clusters: Sequence[str] = (CLUSTER,)) -> Project:  # fmt: skip
    """A fresh project of ``stacks`` (``{"name", "accounts"}``) on ``clusters``; ``plain``: the floor, no construct."""
    env = tool_settings() | {
        "BENCH_SPEC": str(directory / "spec.json"), "QINGCLOUD_ACCESS_KEY": KEY, "QINGCLOUD_SECRET_KEY": SECRET,
        "QINGCLOUD_MYSQLPLUS_LOCK_DIR": str(directory / "locks"),
    }  # fmt: skip
    project = Project(directory, sim, env=env, app=APP)
    spec = {"clusters": list(clusters), "zone": ZONE, "plain": plain,
            "stacks": [{"prefix": prefix, **item} for item in stacks]}  # fmt: skip
    (directory / "spec.json").write_text(json.dumps(spec))
    project.passwords = {user: SECRETS.new() for user in users_of(spec)}
    project.canaries.add(SECRET)
    return project


def floor_project(directory: Path, sim: Sim) -> Project:
    """A fresh project of one plain ``terraform_data`` and no construct: what the CLI costs without us."""
    return bench_project(directory, sim, [{"name": STACK, "accounts": 0}], plain=True)


def cli(project: Project, *args: str, timeout: float = 1800, sample_tree: bool = False) -> Proc:
    """The project's CLI (``deploy``/``destroy`` approved), timed to its exit; :class:`Failed` unless it exits 0."""
    proc = run(project.argv(*args), env=project.env(), cwd=project.dir, timeout=timeout, sample_tree=sample_tree)
    return checked(f"{project.cli} {args[0]} in {project.dir.name}", proc)


def scan_files(project: Project) -> None:
    """Canaries in the files the project left (its runs' output is searched as each ends, by ``checked``)."""
    files = dict.fromkeys(Path(hit.split(": ", 1)[0]).relative_to(project.dir) for hit in scan(project))
    SECRETS.hits += [f"{project.dir.name}/{file}" for file in files]
