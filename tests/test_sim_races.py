"""Other jobs between a client's: the ``busy_race`` fault and the ``auto_backup_seconds`` option."""

from __future__ import annotations

from datetime import datetime

from helpers import CLUSTER, OTHER_CLUSTER, Sim, running_sim
from qingcloud_mysqlplus.sim import Fault, SimOptions
from qingcloud_mysqlplus.sim.engine import FOREIGN_OWNER
from qingcloud_mysqlplus.sim.model import APP_ID
from sim_calls import OWNER, UPDATING, add, delete, directive, finished, idle, transition


def everyones(sim: Sim) -> list[dict[str, object]]:
    sim.set_options(cluster_jobs_scope="all")
    try:
        return list(sim.api("DescribeClusterJobs", app=APP_ID, limit=100)["job_set"])
    finally:
        sim.set_options(cluster_jobs_scope="caller")


def test_busy_race_refuses_as_busy_and_the_cluster_is_already_idle(sim: Sim) -> None:
    sim.fault("busy_race", on="add_user", count=2)
    assert add(sim, "u1") == {"ret_code": 1400, "message": UPDATING}
    assert transition(sim) == ""  # the other job has ended before the client looks
    assert sim.api("DescribeJobs")["total_count"] == 0 and sim.accounts() == {}
    (race,) = everyones(sim)
    assert (race["owner"], race["status"], race["resource_ids"], race["error_codes"]) == (
        FOREIGN_OWNER, "successful", CLUSTER, "")  # fmt: skip
    ran = datetime.fromisoformat(str(race["status_time"])) - datetime.fromisoformat(str(race["create_time"]))
    assert 0 <= ran.total_seconds() <= 5
    shown = directive(race)
    assert (shown["service"], shown["sender"]["user_id"], shown["sender"]["channel"]) == (
        "restart_node", FOREIGN_OWNER, "api")  # fmt: skip
    assert sim.api("DescribeClusters", clusters=[CLUSTER])["cluster_set"][0]["status_time"] == race["status_time"]
    assert finished(sim, delete(sim, "u0"))["status"] == "failed"  # a del_user is not struck
    assert add(sim, "u1")["ret_code"] == 1400 and transition(sim) == ""
    assert finished(sim, add(sim, "u1"))["status"] == "successful"
    assert sim.struck() == {"busy_race": 2} and sim.stats()["busy_refusals"] == 2
    assert [(j["service"], j["owner"]) for j in sim.jobs()] == [("restart_node", FOREIGN_OWNER), ("del_user", OWNER),
                                                                ("restart_node", FOREIGN_OWNER), ("add_user", OWNER)]  # fmt: skip


def test_busy_race_waits_for_an_idle_cluster_and_spares_other_actions() -> None:
    with running_sim(job_seconds=1.0, faults=[Fault("busy_race")]) as sim:
        assert sim.api("DescribeClusters", clusters=[CLUSTER])["ret_code"] == 0
        assert sim.api("DescribeClusterJobs", app=APP_ID)["ret_code"] == 0
        raced = add(sim, "u1", cluster=OTHER_CLUSTER)  # the first RunClusterCustomService is struck
        assert raced == {"ret_code": 1400, "message": UPDATING.replace(CLUSTER, OTHER_CLUSTER)}
        sim.fault("busy_race")
        first = add(sim, "u1")
        assert first["ret_code"] == 1400 and sim.struck() == {"busy_race": 2}
        accepted = add(sim, "u1")
        assert add(sim, "u2") == {"ret_code": 1400, "message": UPDATING}  # busy for real: no fault pending
        sim.fault("busy_race")
        assert add(sim, "u3") == {"ret_code": 1400, "message": UPDATING}  # busy: the fault is not taken
        assert sim.struck() == {"busy_race": 2} and len(sim.control.faults()["pending"]) == 1
        finished(sim, accepted)


def test_auto_backup_runs_after_each_job_and_occupies_the_cluster() -> None:
    with running_sim(job_seconds=0.05, options=SimOptions(auto_backup_seconds=1.0)) as sim:
        finished(sim, add(sim, "u1"))
        assert transition(sim) == "updating"
        assert add(sim, "u2") == {"ret_code": 1400, "message": UPDATING}
        idle(sim)
        backups = [j for j in everyones(sim) if j["job_action"] == "CreateClusterBackup"]
        assert len(backups) == 1 and transition(sim) == ""  # a backup is not followed by another
        (backup,) = backups
        assert (backup["owner"], backup["status"], backup["resource_ids"]) == (OWNER, "successful", CLUSTER)
        shown = directive(backup)
        assert (shown["action"], shown["cluster"], shown["sender"]["channel"]) == (
            "CreateClusterBackup", CLUSTER, "console")  # fmt: skip
        assert "service_params" not in shown and "access_key_id" not in shown
        assert [(j["action"], j["service"]) for j in sim.jobs()] == [("RunClusterCustomService", "add_user"),
                                                                     ("CreateClusterBackup", "")]  # fmt: skip
        started, ended = sim.stats()["job_spans"][CLUSTER][-1]
        assert ended - started >= 1.0
        sim.set_options(auto_backup_seconds=None)
        finished(sim, add(sim, "u2"))
        assert transition(sim) == "" and len(sim.jobs()) == 3


def test_auto_backup_follows_console_and_foreign_jobs_too() -> None:
    with running_sim(job_seconds=0.05, faults=[Fault("busy", seconds=0.05)]) as sim:
        sim.set_options(auto_backup_seconds="0.1")
        assert add(sim, "u1")["ret_code"] == 1400  # the other actor's restart
        idle(sim)
        finished(sim, sim.console("c1", password="Console@Pw-1"))
        idle(sim)
        order = [(j["action"], j["owner"]) for j in sim.jobs()]
        assert order == [("RunClusterCustomService", FOREIGN_OWNER), ("CreateClusterBackup", OWNER),
                         ("RunClusterCustomService", OWNER), ("CreateClusterBackup", OWNER)]  # fmt: skip
