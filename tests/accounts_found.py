"""Where the tests look for the accounts a run made: the MariaDB server behind the simulator, and the
add_user jobs the simulated cluster ran."""

from __future__ import annotations

import pymysql

from helpers import MariaDB, Sim

SYSTEM_USERS = ("root", "mariadb.sys", "mysql", "PUBLIC", "")


def server_users(db: MariaDB) -> set[str]:
    """Every account on the MariaDB server that is not the server's own."""
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT DISTINCT User FROM mysql.user")
        return {row[0] for row in cur.fetchall()} - set(SYSTEM_USERS)


def server_hosts(db: MariaDB, user: str) -> set[str]:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT Host FROM mysql.user WHERE User = %s", (user,))
        return {row[0] for row in cur.fetchall()}


def can_log_in(db: MariaDB, user: str, password: str) -> bool:
    try:
        db.connect(user, password).close()
        return True
    except pymysql.err.OperationalError:
        return False


def reset_server(db: MariaDB) -> None:
    """Drop what a test left, so the next one starts from an empty cluster."""
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT User, Host FROM mysql.user")
        for user, host in cur.fetchall():
            if user not in SYSTEM_USERS:
                cur.execute("DROP USER %s@%s", (user, host))
        cur.execute("CREATE DATABASE IF NOT EXISTS app")
        cur.execute("DROP TABLE IF EXISTS qingcloud_mysqlplus_sim.accounts")


def add_user_counts(sim: Sim) -> dict[str, int]:
    """How many add_user jobs the cluster ran per user (any outcome)."""
    counts: dict[str, int] = {}
    for job in sim.jobs():
        if job["service"] == "add_user":
            counts[job["user"]] = counts.get(job["user"], 0) + 1
    return counts
