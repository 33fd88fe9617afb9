"""A settings change re-makes each account in one run on the cluster: its del_user and add_user back to
back, never "all deletes first" (issue 22, item 1).

Real cdktf-cli and Terraform, the bridge, the simulator (MariaDB behind it).  A host or password_version
change updates the declared block (A) in place, replaces the made block (M), and M's add runs with
``replace_existing``: one bridge run deletes what the history shows and adds the declaration, holding the
cluster.  So no account's del_user is followed by another account's job before its own add_user.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest

from accounts_found import server_hosts, server_users
from e2e_project import Project, password_for, scan
from kill_redeploy import NO_CHANGES, accounts, killed_then_redeployed, logins_ok, synth_line, text

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb]
USERS = ["swap_a", "swap_b", "swap_c"]


def jobs_since(project: Project, before: int) -> list[dict[str, Any]]:
    return [j for j in project.sim.jobs()[before:] if j["service"] in ("add_user", "del_user")]


def interleaved(jobs: list[dict[str, Any]]) -> list[str]:
    """Each del_user followed, before its own add_user, by another account's job: the outage we cause."""
    found = []
    for index, job in enumerate(jobs):
        if job["service"] != "del_user":
            continue
        nxt = jobs[index + 1] if index + 1 < len(jobs) else None
        if nxt is None or nxt["user"] != job["user"] or nxt["service"] != "add_user":
            found.append(f"{job['user']}: del_user {job['job_id']} then {nxt and (nxt['service'], nxt['user'])}")
    return found


def deploy_counting(project: Project, spec: list[dict[str, Any]]) -> list[dict[str, Any]]:
    before = len(project.sim.jobs())
    project.write(spec)
    project.cdktf("deploy")
    return jobs_since(project, before)


def test_host_and_password_changes_run_delete_and_add_back_to_back(project: Project, mariadb: Any) -> None:
    spec = accounts(*USERS)
    project.write(spec)
    project.cdktf("deploy")

    moved = [dict(a, host="127.0.0.1") for a in spec]
    jobs = deploy_counting(project, moved)
    # A host change tries the new host first (no gap where QingCloud takes a second host); the simulator's
    # default refuses a second host as a failed job, so each account is then deleted and added, in one turn.
    tried_first = [("add_user", "failed"), ("del_user", "successful"), ("add_user", "successful")]
    assert [(j["service"], j["status"]) for j in jobs] == tried_first * 3, jobs
    assert not interleaved(jobs), interleaved(jobs)
    assert all(server_hosts(mariadb, user) == {"127.0.0.1"} for user in USERS)
    assert NO_CHANGES in text(project.cdktf("diff", ok=False))

    for user in USERS:
        project.passwords[user] = password_for(user, 2)
    rotated = [dict(a, password_version=2) for a in moved]
    jobs = deploy_counting(project, rotated)
    assert [j["service"] for j in jobs] == ["del_user", "add_user"] * 3, jobs
    assert not interleaved(jobs), interleaved(jobs)
    assert all(j["status"] == "successful" for j in jobs), jobs
    assert logins_ok(project, mariadb, USERS)
    assert NO_CHANGES in text(project.cdktf("diff", ok=False))

    jobs = deploy_counting(project, rotated[:2])  # removing an account from the code still deletes it
    assert [(j["service"], j["user"]) for j in jobs] == [("del_user", "swap_c")]
    assert server_users(mariadb) == {"swap_a", "swap_b"}
    assert scan(project) == []


def test_user_rename_is_another_account(project: Project, mariadb: Any) -> None:
    """cluster, zone and user name the account: a rename deletes the old one and adds the new one."""
    project.write(accounts("old_name"))
    project.cdktf("deploy")
    project.passwords["new_name"] = password_for("new_name")
    jobs = deploy_counting(project, [{"id": "old-name", "user": "new_name"}])
    assert sorted((j["service"], j["user"]) for j in jobs) == [("add_user", "new_name"), ("del_user", "old_name")]
    assert server_users(mariadb) == {"new_name"}
    assert NO_CHANGES in text(project.cdktf("diff", ok=False))


@pytest.mark.reliability
@pytest.mark.parametrize("at_job", [2])  # the first account's del_user sent (after its add at the new host, which
# the simulator's default refuses), its add not yet
def test_a_replacement_killed_between_delete_and_add_converges_from_a_fresh_runner(
    project: Project, mariadb: Any, reliability: Any, at_job: int
) -> None:
    spec = accounts(*USERS)
    project.write(spec)
    project.cdktf("deploy")
    project.write([dict(a, host="127.0.0.1") for a in spec])
    run = killed_then_redeployed(project, mariadb, USERS, at_job, fresh=True)
    hosts = {user: server_hosts(mariadb, user) for user in USERS}
    hits = len(scan(project))
    reliability(f"host change of 3 killed at job {at_job} (del_user/add_user of one account), fresh runner",
                f"SIGTERM+SIGKILL at job {at_job}", run.note.split(" | ")[0], USERS, run.found, hits)  # fmt: skip
    assert hits == 0
    if run.emptied and not run.converged:
        # The kill emptied the local state file mid-write: the stack forgot its accounts, so the ones still at
        # their old host look like someone else's. Never replaced silently: each fails loudly with the command.
        assert "del-user" in run.note and "replace_existing=True" in run.note, run.note
        return
    assert run.converged, run.note
    assert hosts == {user: {"127.0.0.1"} for user in USERS}


def test_a_failed_add_after_the_delete_is_loud_and_the_next_deploy_runs_it_again(
    project: Project, mariadb: Any
) -> None:
    spec = accounts("swap_f")
    project.write(spec)
    project.cdktf("deploy")
    project.write([dict(spec[0], host="127.0.0.1")])
    project.sim.fault("job_fail", on="add_user", count=-1)  # the new host tried first, then the add after the delete
    failed = project.cdktf("deploy", ok=False)
    assert failed.returncode != 0 and "swap_f" in text(failed), text(failed)[-2000:]
    assert server_users(mariadb) == set()  # deleted, and the add failed: said above, and run again below
    project.sim.clear_faults()
    project.cdktf("deploy")
    assert server_hosts(mariadb, "swap_f") == {"127.0.0.1"} and logins_ok(project, mariadb, ["swap_f"])
    assert NO_CHANGES in text(project.cdktf("diff", ok=False))


def test_a_deploy_stopped_after_the_in_place_update_is_made_again(project: Project, mariadb: Any) -> None:
    """The window a kill can leave: A updated in place, M not replaced (the next plan shows no change).
    ``terraform apply -target`` of A alone leaves exactly that; the next deploy still re-makes each account,
    from the state alone (the token records the settings its add was for)."""
    spec = accounts(*USERS[:2])
    project.write(spec)
    project.cdktf("deploy")
    project.write([dict(a, host="127.0.0.1") for a in spec])
    project.cdktf("synth")
    before = len(project.sim.jobs())
    target = subprocess.run([os.environ.get("TERRAFORM_BINARY_NAME", "terraform"), "apply", "-auto-approve", "-input=false", "-no-color",
                             "-target=terraform_data.qingcloud_mysqlplus_accounts"], cwd=project.stack_dir,
                            env=project.env(), capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert target.returncode == 0, target.stdout[-2000:] + target.stderr[-2000:]
    assert jobs_since(project, before) == []
    deployed = project.cdktf("deploy")
    assert "re-making with the declared settings: swap_a, swap_b" in synth_line(deployed), synth_line(deployed)
    jobs = jobs_since(project, before)
    tried_first = ["add_user", "del_user", "add_user"]  # the new host first: refused by the simulator's default
    assert [j["service"] for j in jobs] == tried_first * 2 and not interleaved(jobs), jobs
    assert all(server_hosts(mariadb, user) == {"127.0.0.1"} for user in USERS[:2])
    assert NO_CHANGES in text(project.cdktf("diff", ok=False))
