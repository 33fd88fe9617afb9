"""State in PostgreSQL (cdktf's PgBackend), as CI keeps it: nothing on a runner survives.

Real cdktf-cli and Terraform against the simulator (backed by MariaDB), with
the state in a private PostgreSQL.  Two runners deploying one stack at once
must take turns on the state lock: with ``-lock-timeout`` both succeed and no
account is made twice; without it the one that comes second fails with
Terraform's lock error and changes nothing.
"""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from accounts_found import add_user_counts
from e2e_project import Project, process_tree, run_together, signal_process
from qingcloud_mysqlplus.testing.postgres import Postgres

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb, pytest.mark.postgres]

LOCK_TIMEOUT = {"TF_CLI_ARGS_apply": "-lock-timeout=5m"}
LOCK_ERROR = "Error acquiring the state lock"


def accounts(*users: str) -> list[dict[str, str]]:
    return [{"id": user.replace("_", "-"), "user": user} for user in users]


def states(postgres: Postgres, database: str) -> list[str]:
    """Workspace names stored by Terraform's pg backend (schema terraform_remote_state)."""
    with postgres.connect(database) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM terraform_remote_state.states").fetchall()]


def advisory_locks(postgres: Postgres, database: str) -> int:
    """Advisory locks held in ``database``: Terraform's pg backend locks a state with one."""
    with postgres.connect(database) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = %s",
            (database,),
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.fixture
def project_options(pg_state: dict[str, Any]) -> dict[str, Any]:
    return pg_state


def database_of(project: Project) -> str:
    """The database named in the project's PG_CONN_STR (postgres://user@host:port/NAME?...)."""
    assert project.pg_conn_str
    return project.pg_conn_str.rsplit("/", 1)[1].split("?")[0]


def test_deploy_and_destroy_with_state_in_postgres(project: Project, postgres: Postgres) -> None:
    sim = project.sim
    project.write(accounts("app_rw", "reporting"))
    project.cdktf("deploy")
    assert set(sim.accounts()) == {"app_rw", "reporting"}
    assert states(postgres, database_of(project)) == ["default"]
    assert not project.state_file.exists(), "the state went to a local file, not to PostgreSQL"

    # A new runner has only the checkout: the state in PostgreSQL says there is nothing to do.
    runner = project.fresh_runner()
    diff = runner.cdktf("diff")
    assert "No changes" in diff.stdout + diff.stderr, diff.stdout[-2000:]

    runner.cdktf("destroy")
    assert set(sim.accounts()) == set()
    assert add_user_counts(sim) == {"app_rw": 1, "reporting": 1}


def test_two_runners_on_one_state_take_turns_with_a_lock_timeout(project: Project) -> None:
    sim = project.sim
    project.write(accounts("app_rw"))
    project.cdktf("deploy")  # the state exists, as in any CI after its first run

    project.write(accounts("app_rw", "reporting", "etl_job"))
    project.extra_env.update(LOCK_TIMEOUT)
    first, second = project.fresh_runner("first"), project.fresh_runner("second")
    results = run_together([(first, ["deploy"]), (second, ["deploy"])])
    for result in results:
        assert result.returncode == 0, result.stdout[-3000:]
    assert set(sim.accounts()) == {"app_rw", "reporting", "etl_job"}
    assert add_user_counts(sim) == {"app_rw": 1, "reporting": 1, "etl_job": 1}, "an account was created twice"

    diff = project.fresh_runner("after").cdktf("diff")
    assert "No changes" in diff.stdout + diff.stderr, diff.stdout[-2000:]
    project.cdktf("destroy")
    assert set(sim.accounts()) == set()


def test_without_a_lock_timeout_the_second_runner_fails_on_the_lock(project: Project, postgres: Postgres) -> None:
    sim = project.sim
    database = database_of(project)
    project.write(accounts("app_rw"))
    project.cdktf("deploy")

    project.write(accounts("app_rw", "reporting", "etl_job", "audit_ro"))
    first, second = project.fresh_runner("first"), project.fresh_runner("second")
    running = first.start("deploy")
    tree: list[int] = []
    try:
        # Hold the first runner while it holds the state lock, so the second surely meets it.
        deadline = time.monotonic() + 300
        while advisory_locks(postgres, database) == 0:
            assert running.poll() is None, "the first deploy ended before it was seen holding the lock"
            assert time.monotonic() < deadline, "the first deploy never took the state lock"
            time.sleep(0.02)
        tree = process_tree(running.pid)
        for pid in tree:
            signal_process(pid, signal.SIGSTOP)
        assert advisory_locks(postgres, database) > 0

        loser = second.cdktf("deploy", ok=False)
        assert loser.returncode != 0
        assert LOCK_ERROR in loser.stdout + loser.stderr, (loser.stdout + loser.stderr)[-3000:]
    finally:
        for pid in tree:
            signal_process(pid, signal.SIGCONT)
    winner = first.finish(running)
    assert winner.returncode == 0, winner.stdout[-3000:]
    assert set(sim.accounts()) == {"app_rw", "reporting", "etl_job", "audit_ro"}
    assert add_user_counts(sim) == {"app_rw": 1, "reporting": 1, "etl_job": 1, "audit_ro": 1}
    project.cdktf("destroy")
