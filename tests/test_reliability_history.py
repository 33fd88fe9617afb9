"""Reliability rows on a history shaped as QingCloud documents it: a key busy on many clusters, backups
between jobs, and refusals that race the end of another actor's job.

Real cdktf-cli and Terraform, the bridge, the simulator in its documented form (MariaDB behind it).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts_found import server_users
from e2e_project import Project, scan
from helpers import MariaDB
from kill_redeploy import accounts, killed_then_redeployed, logins_ok, text

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb, pytest.mark.reliability]
Record = Callable[..., None]


def test_a_deep_history_delete_whose_job_fails_is_loud_and_forgets_nothing(
    project: Project, mariadb: MariaDB, reliability: Record
) -> None:
    users = ["app_rw", "old_rw"]
    project.write(accounts(*users))
    project.cdktf("deploy")
    project.sim.background(1200, users, on_target=100)  # 1,200 newer jobs of the same key
    project.sim.fault("job_fail", on="del_user")
    project.write(accounts("app_rw"))
    failed = project.cdktf("deploy", ok=False)
    still = server_users(mariadb)
    pending = "No changes" not in text(project.cdktf("diff", ok=False))  # Terraform still holds old_rw
    again = project.cdktf("deploy", ok=False)
    found = server_users(mariadb)
    result = (f"deploy exit {failed.returncode}, old_rw still there: {'old_rw' in still}, still planned: "
              f"{pending}; next deploy exit {again.returncode}")  # fmt: skip
    reliability("deep-history delete whose job fails", "1,200 newer jobs; del_user job fails", result,
                ["app_rw"], found, len(scan(project)))  # fmt: skip
    assert failed.returncode != 0 and "old_rw still exists on cl-test0001" in text(failed)
    assert "qingcloud-mysqlplus del-user --zone sh1a --cluster cl-test0001 --user old_rw" in text(failed)
    assert still == set(users) and pending
    assert again.returncode == 0 and found == {"app_rw"}
    assert scan(project) == []


def test_ten_accounts_through_six_busy_races_deploy_at_once(
    project: Project, mariadb: MariaDB, reliability: Record
) -> None:
    users = [f"race_{n:02d}" for n in range(1, 11)]
    project.sim.background(300, users, on_target=30)
    project.sim.fault("busy_race", count=6, on="add_user")
    project.write(accounts(*users))
    deploy = project.cdktf("deploy", ok=False)
    found = server_users(mariadb)
    struck = project.sim.struck().get("busy_race", 0)
    result = f"first deploy exit {deploy.returncode}; races struck {struck}"
    reliability("10 accounts through busy races", "6 refusals racing another job's end", result, users, found,
                len(scan(project)))  # fmt: skip
    assert deploy.returncode == 0, text(deploy)[-3000:]
    assert struck == 6 and found == set(users) and logins_ok(project, mariadb, users)
    assert scan(project) == []


def test_a_killed_deploy_converges_by_adoption_while_backups_run_between_jobs(
    project: Project, mariadb: MariaDB, reliability: Record
) -> None:
    users = [f"bak_{n:02d}" for n in range(1, 11)]
    project.sim.background(300, users, on_target=30)
    project.sim.set_options(auto_backup_seconds=0.3)
    project.write(accounts(*users))
    run = killed_then_redeployed(project, mariadb, users, at_job=8, fresh=True)
    hits = len(scan(project))
    reliability("killed deploy, fresh runner, backups between jobs", "auto-backup 0.3 s; kill at job 8",
                run.note, users, run.found, hits)  # fmt: skip
    assert run.converged, run.note  # every account made once: the killed run's jobs were adopted
    assert hits == 0
