"""Alternating users end to end (issue 22, item 2): a rotation re-makes the inactive account and makes it
active; the previous one gets no job and its login keeps working; ``active_user`` follows.

Real cdktf-cli and Terraform, the bridge, the simulator (MariaDB behind it).
"""

from __future__ import annotations

import json
import shutil
import time
from typing import Any

import pytest

from accounts_found import can_log_in, server_users
from e2e_project import Project, kill_like_ci, password_for, scan
from helpers import CLUSTER, ZONE, bridge_env, run_bridge
from kill_redeploy import NO_CHANGES, text

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb]
ALTERNATING = "AlternatingUsers"


def jobs_of(project: Project, before: int) -> list[tuple[str, str]]:
    return [(j["service"], j["user"]) for j in project.sim.jobs()[before:] if j["service"] in ("add_user", "del_user")]


def active(project: Project, id: str) -> str:
    outputs = json.loads(project.state_file.read_text())["outputs"]
    return str(outputs[f"active_{id}"]["value"])


def deploy(project: Project, spec: list[dict[str, Any]], password_version: int | None = None) -> list[tuple[str, str]]:
    """Deploy ``spec`` (at ``password_version``, with that version's passwords): the jobs it ran."""
    if password_version is not None:
        spec = [dict(a, password_version=password_version) for a in spec]
        for a in spec:
            project.passwords[a["user"]] = password_for(a["user"], password_version)
    before = len(project.sim.jobs())
    project.write(spec)
    project.cdktf("deploy")
    return jobs_of(project, before)


def test_rotations_alternate_and_never_touch_the_previous_account(project: Project, mariadb: Any) -> None:
    spec = [{"id": "app", "user": "app_rw", "rotation": ALTERNATING}]
    assert deploy(project, spec) == [("add_user", "app_rw")]  # a first deploy makes the first account only
    assert active(project, "app") == "app_rw" and server_users(mariadb) == {"app_rw"}

    assert deploy(project, spec, 2) == [("add_user", "app_rw_alt")]  # nothing on app_rw
    assert active(project, "app") == "app_rw_alt"
    assert can_log_in(mariadb, "app_rw", password_for("app_rw", 1))  # the previous login still works
    assert can_log_in(mariadb, "app_rw_alt", password_for("app_rw", 2))
    assert NO_CHANGES in text(project.cdktf("diff", ok=False))

    assert deploy(project, spec, 3) == [("del_user", "app_rw"), ("add_user", "app_rw")]  # one run, app_rw_alt untouched
    assert active(project, "app") == "app_rw"
    assert can_log_in(mariadb, "app_rw_alt", password_for("app_rw", 2))
    assert can_log_in(mariadb, "app_rw", password_for("app_rw", 3))

    moved = [dict(spec[0], password_version=3, host="127.0.0.1")]  # a settings change goes the same way
    # (a host change tries the new host first; the simulator's default refuses a second host)
    remade = [("add_user", "app_rw_alt"), ("del_user", "app_rw_alt"), ("add_user", "app_rw_alt")]
    assert deploy(project, moved) == remade
    assert active(project, "app") == "app_rw_alt"
    assert NO_CHANGES in text(project.cdktf("diff", ok=False))

    before = len(project.sim.jobs())
    project.cdktf("destroy")
    assert sorted(jobs_of(project, before)) == [("del_user", "app_rw"), ("del_user", "app_rw_alt")]
    assert server_users(mariadb) == set()
    assert scan(project) == []


def test_an_existing_account_switched_to_alternating_keeps_its_login(project: Project, mariadb: Any) -> None:
    spec = [{"id": "app", "user": "app_ro", "keep_on_destroy": True}]
    deploy(project, spec)
    switched = [dict(spec[0], rotation=ALTERNATING)]
    assert deploy(project, switched) == []  # no del_user: the account is the pair's first, as it is
    assert active(project, "app") == "app_ro"
    assert NO_CHANGES in text(project.cdktf("diff", ok=False))
    assert deploy(project, switched, 2) == [("add_user", "app_ro_alt")]
    assert can_log_in(mariadb, "app_ro", password_for("app_ro", 1))
    before = len(project.sim.jobs())
    project.cdktf("destroy")  # keep_on_destroy keeps both
    assert jobs_of(project, before) == [] and server_users(mariadb) == {"app_ro", "app_ro_alt"}


def test_drift_is_checked_per_member(project: Project, mariadb: Any) -> None:
    """Either member deleted behind Terraform's back is re-added, and only it."""
    spec = [{"id": "app", "user": "app_dr", "rotation": ALTERNATING}]
    deploy(project, spec)
    deploy(project, spec, 2)  # app_dr_alt active, app_dr the previous one
    for gone in ("app_dr", "app_dr_alt"):
        done = run_bridge(["del-user", "--zone", ZONE, "--cluster", CLUSTER, "--user", gone], bridge_env(project.sim))
        assert done.returncode == 0, done.stderr
        assert deploy(project, [dict(spec[0], password_version=2)]) == [("add_user", gone)]
        assert server_users(mariadb) == {"app_dr", "app_dr_alt"}
    assert active(project, "app") == "app_dr_alt"
    assert can_log_in(mariadb, "app_dr_alt", password_for("app_dr", 2))
    assert NO_CHANGES in text(project.cdktf("diff", ok=False))


def test_a_rotation_killed_mid_add_converges_from_a_fresh_runner(project: Project, mariadb: Any) -> None:
    spec = [{"id": "app", "user": "app_kl", "rotation": ALTERNATING}]
    deploy(project, spec)
    project.passwords["app_kl"] = password_for("app_kl", 2)
    project.write([dict(spec[0], password_version=2)])
    before = len(project.sim.jobs())
    running = project.start("deploy")
    deadline = time.monotonic() + 300
    while not jobs_of(project, before) and running.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.poll() is None, "the deploy ended before it could be killed"
    kill_like_ci(running, grace=2.0)
    project.finish(running)
    runner = project.fresh_runner("after-kill")
    if not project.state_file.read_text().strip():  # the kill cut Terraform's rewrite of the state: it says so
        after_kill = len(project.sim.jobs())
        refused = " ".join(text(runner.cdktf("deploy", ok=False)).split())
        assert "terraform.e2e.tfstate is empty" in refused and "terraform.e2e.tfstate.backup" in refused, refused
        assert len(project.sim.jobs()) == after_kill  # refused before anything ran
        shutil.copy(project.state_file.with_name(f"{project.state_file.name}.backup"), runner.state_file)
    runner.cdktf("deploy")
    jobs = [j for j in project.sim.jobs()[before:] if j["service"] in ("add_user", "del_user")]
    assert {j["user"] for j in jobs} == {"app_kl_alt"}  # no job on the previous account
    assert [j["status"] for j in jobs if j["service"] == "add_user"].count("successful") == 1
    assert active(runner, "app") == "app_kl_alt"
    assert can_log_in(mariadb, "app_kl", password_for("app_kl", 1))
    assert can_log_in(mariadb, "app_kl_alt", password_for("app_kl", 2))
    assert NO_CHANGES in text(runner.cdktf("diff", ok=False))
