"""The simulator's ``second_host`` option: add_user of a user name that exists at other hosts only.

Refused (the default), it is an existing account, answered as ``add_existing``
says (a failed job, or 2110).  Accepted, accounts are keyed by user and host,
as MySQL keys them: the user has the entries of both add_user jobs, an entry it
already has is still refused, and del_user drops the entries it names.  The
same holds with a real MariaDB behind the simulator, where both logins work.
"""

from __future__ import annotations

import pymysql
import pytest

from helpers import CANARY_PASSWORD, MariaDB, running_sim
from qingcloud_mysqlplus.rules import AccountSpec
from qingcloud_mysqlplus.sim import SimOptions
from qingcloud_mysqlplus.sim.backends import AccountExists, MemoryBackend
from sim_calls import add, delete, finished


@pytest.mark.parametrize("add_existing", ["job_fails", "refused_2110"])
def test_refused_a_second_host_is_an_existing_account(add_existing: str) -> None:
    with running_sim(job_seconds=0.05, options=SimOptions(add_existing=add_existing)) as sim:
        assert finished(sim, add(sim, "u1"))["status"] == "successful"
        answer = add(sim, "u1", "10.0.0.1")
        if add_existing == "job_fails":
            assert finished(sim, answer)["status"] == "failed"
        else:
            assert answer["ret_code"] == 2110
        assert sim.accounts()["u1"]["hosts"] == ["%"]


@pytest.mark.parametrize("add_existing", ["job_fails", "refused_2110"])
def test_accepted_a_second_host_is_added_and_each_entry_deleted_on_its_own(add_existing: str) -> None:
    options = SimOptions(add_existing=add_existing, second_host="accept")
    with running_sim(job_seconds=0.05, options=options) as sim:
        assert finished(sim, add(sim, "u1"))["status"] == "successful"
        assert finished(sim, add(sim, "u1", "10.0.0.1;10.0.0.2"))["status"] == "successful"
        assert sim.accounts()["u1"]["hosts"] == ["%", "10.0.0.1", "10.0.0.2"]
        again = add(sim, "u1", "10.0.0.2;10.0.0.3")  # one entry it has: an existing account
        if add_existing == "job_fails":
            assert finished(sim, again)["status"] == "failed"
        else:
            assert again["ret_code"] == 2110
        assert finished(sim, delete(sim, "u1"))["status"] == "successful"
        assert sim.accounts()["u1"]["hosts"] == ["10.0.0.1", "10.0.0.2"]
        assert finished(sim, delete(sim, "u1", "10.0.0.1;10.0.0.2"))["status"] == "successful"
        assert sim.accounts() == {}


def test_the_memory_backend_keeps_each_entrys_own_settings() -> None:
    backend = MemoryBackend()
    backend.add(AccountSpec("u1", host="%", database="app"), CANARY_PASSWORD)
    with pytest.raises(AccountExists):
        backend.add(AccountSpec("u1", host="10.0.0.1"), CANARY_PASSWORD)  # refused by default
    backend.add(AccountSpec("u1", host="10.0.0.1"), CANARY_PASSWORD, second_host=True)
    (row,) = backend.accounts()
    assert row["entries"] == [{"host": "%", "database": "app", "priv": "StandardAccount", "ssl": "NO"},
                              {"host": "10.0.0.1", "database": "*", "priv": "StandardAccount", "ssl": "NO"}]  # fmt: skip
    assert backend.exists("u1") and backend.exists("u1", ["10.0.0.1"]) and not backend.exists("u1", ["10.0.0.9"])


@pytest.mark.mariadb
def test_with_mariadb_both_hosts_log_in_until_each_is_deleted(mariadb: MariaDB) -> None:
    with running_sim(job_seconds=0.05, mysql_dsn=mariadb.dsn, options=SimOptions(second_host="accept")) as sim:
        assert finished(sim, add(sim, "two_hosts", "10.0.0.1"))["status"] == "successful"
        with pytest.raises(pymysql.err.OperationalError):
            mariadb.connect("two_hosts", CANARY_PASSWORD)  # the tests connect from 127.0.0.1
        assert finished(sim, add(sim, "two_hosts", "127.0.0.1"))["status"] == "successful"
        assert sim.accounts()["two_hosts"]["hosts"] == ["10.0.0.1", "127.0.0.1"]
        mariadb.connect("two_hosts", CANARY_PASSWORD).close()
        assert finished(sim, add(sim, "two_hosts", "10.0.0.1"))["status"] == "failed"  # an entry it has
        assert finished(sim, delete(sim, "two_hosts", "10.0.0.1"))["status"] == "successful"
        mariadb.connect("two_hosts", CANARY_PASSWORD).close()  # the other entry still logs in
        assert finished(sim, delete(sim, "two_hosts", "127.0.0.1"))["status"] == "successful"
        with pytest.raises(pymysql.err.OperationalError):
            mariadb.connect("two_hosts", CANARY_PASSWORD)
        with mariadb.connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM mysql.user WHERE User='two_hosts'")
            assert cur.fetchone()[0] == 0
