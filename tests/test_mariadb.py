"""With a real MariaDB behind the simulator: accounts log in, hold their grants, and go."""

from __future__ import annotations

import pymysql
import pytest

from helpers import CANARY_PASSWORD, CLUSTER, MariaDB, Sim, bridge_env, run_bridge
from qingcloud_mysqlplus.rules import STANDARD_DATABASE_GRANTS, STANDARD_GLOBAL_GRANTS

pytestmark = pytest.mark.mariadb


def grants(db: MariaDB, user: str, host: str) -> str:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("SHOW GRANTS FOR %s@%s", (user, host))
        return "\n".join(row[0] for row in cur.fetchall())


def add(sim: Sim, *args: str) -> None:
    result = run_bridge(
        ["add-user", "--cluster", CLUSTER, *args], bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD)
    )
    assert result.returncode == 0, result.stderr


def delete(sim: Sim, *args: str) -> None:
    result = run_bridge(["del-user", "--cluster", CLUSTER, *args], bridge_env(sim))
    assert result.returncode == 0, result.stderr


def test_standard_account_logs_in_with_its_grants(db_sim: Sim, mariadb: MariaDB) -> None:
    with mariadb.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS orders")
    add(db_sim, "--user", "orders_rw", "--database", "orders", "--host", "127.0.0.1;10.0.0.0/8")
    with mariadb.connect("orders_rw", CANARY_PASSWORD, "orders") as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE t (id INT)")
        cur.execute("INSERT INTO t VALUES (1)")
        cur.execute("SELECT COUNT(*) FROM t")
        assert cur.fetchone()[0] == 1
        with pytest.raises(pymysql.err.OperationalError):
            cur.execute("CREATE DATABASE other")  # only its own database
    text = grants(mariadb, "orders_rw", "127.0.0.1")
    global_line = next(line for line in text.splitlines() if " ON *.* " in line)
    assert all(p in global_line for p in STANDARD_GLOBAL_GRANTS)
    database_line = next(line for line in text.splitlines() if " ON `orders`.* " in line)
    assert all(p in database_line for p in STANDARD_DATABASE_GRANTS)
    assert "ALL PRIVILEGES" not in text
    assert "orders_rw" in grants(mariadb, "orders_rw", "10.0.0.0/255.0.0.0")
    with pytest.raises(pymysql.err.OperationalError):
        mariadb.connect("orders_rw", "Wrong@Passw0rd", "orders")
    delete(db_sim, "--user", "orders_rw", "--host", "127.0.0.1;10.0.0.0/8")
    with pytest.raises(pymysql.err.OperationalError):
        mariadb.connect("orders_rw", CANARY_PASSWORD, "orders")
    with mariadb.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM mysql.user WHERE User='orders_rw'")
        assert cur.fetchone()[0] == 0


def test_superuser_has_everything_and_is_alone(db_sim: Sim, mariadb: MariaDB) -> None:
    add(db_sim, "--user", "dba", "--priv", "SuperuserAccount")
    assert "GRANT ALL PRIVILEGES ON *.* TO `dba`@`%` IDENTIFIED BY PASSWORD" in grants(mariadb, "dba", "%")
    assert "WITH GRANT OPTION" in grants(mariadb, "dba", "%")
    with mariadb.connect("dba", CANARY_PASSWORD) as conn, conn.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS made_by_dba")
    second = run_bridge(["add-user", "--cluster", CLUSTER, "--user", "dba2", "--priv", "SuperuserAccount"],
                        bridge_env(db_sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD))  # fmt: skip
    assert second.returncode == 1 and "no other SuperuserAccount (one per cluster)" in second.stderr
    delete(db_sim, "--user", "dba")
    assert db_sim.accounts() == {}


def test_existing_server_user_is_a_failed_job(db_sim: Sim, mariadb: MariaDB) -> None:
    with mariadb.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE USER IF NOT EXISTS 'handmade'@'%' IDENTIFIED BY 'x'")
    result = run_bridge(["add-user", "--cluster", CLUSTER, "--user", "handmade"],
                        bridge_env(db_sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD))  # fmt: skip
    assert result.returncode == 1 and "If handmade exists all the same (made by SQL" in result.stderr
    with mariadb.connect() as conn, conn.cursor() as cur:
        cur.execute("DROP USER 'handmade'@'%'")
