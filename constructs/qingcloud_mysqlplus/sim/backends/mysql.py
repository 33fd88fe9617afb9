"""Accounts as real MySQL/MariaDB users, so that created accounts can log in."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ...rules import (
    ALL_DATABASES,
    STANDARD_DATABASE_GRANTS,
    STANDARD_GLOBAL_GRANTS,
    AccountSpec,
    Privilege,
    host_entries,
)
from .base import AccountExists
from .memory import StoredAccount, check_add, describe, remaining_hosts

META_DB = "qingcloud_mysqlplus_sim"


def quote_identifier(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class MySQLBackend:
    """``add_user`` runs CREATE USER and the GRANTs of the privilege table for
    each host entry (subnets as ip/netmask, which MariaDB accepts);
    ``del_user`` drops them.  What the API knows of each account (database,
    priv, ssl) is kept in a small table beside them.  Every user name, host
    and password reaches SQL as an escaped literal, every database name as a
    quoted identifier.
    """

    def __init__(self, dsn: str) -> None:
        self._params = parse_dsn(dsn)
        self._lock = threading.Lock()
        with self._connect() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(META_DB)}")
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {quote_identifier(META_DB)}.accounts ("
                " user VARCHAR(64) NOT NULL, host VARCHAR(255) NOT NULL, db VARCHAR(64) NOT NULL,"
                " priv VARCHAR(32) NOT NULL, ssl_required CHAR(3) NOT NULL, PRIMARY KEY (user, host))"
            )

    def _connect(self) -> Any:
        import pymysql

        return pymysql.connect(autocommit=True, charset="utf8mb4", **self._params)

    def _existing(self, cur: Any) -> dict[str, StoredAccount]:
        cur.execute(
            f"SELECT user, host, db, priv, ssl_required FROM {quote_identifier(META_DB)}.accounts ORDER BY user, host"
        )
        found: dict[str, StoredAccount] = {}
        for user, host, db, priv, ssl in cur.fetchall():
            account = found.setdefault(user, StoredAccount([], db, Privilege(priv), ssl, ""))
            account.hosts.append(host)
        return found

    def add(self, spec: AccountSpec, password: str) -> None:
        with self._lock, self._connect() as conn, conn.cursor() as cur:
            check_add(self._existing(cur), spec)
            cur.execute("SELECT COUNT(*) FROM mysql.user WHERE User = %s", (spec.user,))
            if cur.fetchone()[0]:
                raise AccountExists(spec.user)
            created: list[str] = []
            try:
                for host in host_entries(spec.host):
                    require = " REQUIRE SSL" if spec.ssl == "YES" else ""
                    cur.execute(f"CREATE USER %s@%s IDENTIFIED BY %s{require}", (spec.user, host, password))
                    created.append(host)
                    for statement in grant_statements(spec):
                        cur.execute(statement, (spec.user, host))
                    cur.execute(
                        f"INSERT INTO {quote_identifier(META_DB)}.accounts VALUES (%s, %s, %s, %s, %s)",
                        (spec.user, host, spec.database, spec.privilege.value, spec.ssl),
                    )
            except Exception:
                for host in created:
                    self._drop(cur, spec.user, host)
                raise

    def delete(self, spec: AccountSpec) -> None:
        with self._lock, self._connect() as conn, conn.cursor() as cur:
            existing = self._existing(cur)
            remaining_hosts(existing, spec)
            for host in set(host_entries(spec.host)) & set(existing[spec.user].hosts):
                self._drop(cur, spec.user, host)

    @staticmethod
    def _drop(cur: Any, user: str, host: str) -> None:
        cur.execute("DROP USER IF EXISTS %s@%s", (user, host))
        cur.execute(f"DELETE FROM {quote_identifier(META_DB)}.accounts WHERE user=%s AND host=%s", (user, host))

    def exists(self, user: str) -> bool:
        """Any user of that name on the server, the simulator's or not (add would refuse it)."""
        with self._lock, self._connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM mysql.user WHERE User = %s", (user,))
            return bool(cur.fetchone()[0]) or user in self._existing(cur)

    def accounts(self) -> list[dict[str, Any]]:
        with self._lock, self._connect() as conn, conn.cursor() as cur:
            return [describe(n, a) for n, a in sorted(self._existing(cur).items())]


def grant_statements(spec: AccountSpec) -> list[str]:
    """The GRANTs for one user@host (two %s placeholders each)."""
    if spec.privilege is Privilege.SUPERUSER:
        return ["GRANT ALL PRIVILEGES ON *.* TO %s@%s WITH GRANT OPTION"]
    privileges = ", ".join(STANDARD_DATABASE_GRANTS)
    if spec.database == ALL_DATABASES:
        return [f"GRANT {privileges}, {', '.join(STANDARD_GLOBAL_GRANTS)} ON *.* TO %s@%s"]
    return [
        f"GRANT {privileges} ON {quote_identifier(spec.database)}.* TO %s@%s",
        f"GRANT {', '.join(STANDARD_GLOBAL_GRANTS)} ON *.* TO %s@%s",
    ]


def parse_dsn(dsn: str) -> dict[str, Any]:
    """``mysql://user:password@host:port/?unix_socket=/path`` to pymysql arguments."""
    parts = urlsplit(dsn)
    if parts.scheme not in ("mysql", "mariadb"):
        raise ValueError("mysql-dsn: expected mysql://user[:password]@host[:port]/[?unix_socket=PATH]")
    params: dict[str, Any] = {"user": unquote(parts.username or "root")}
    if parts.password:
        params["password"] = unquote(parts.password)
    query = parse_qs(parts.query)
    if "unix_socket" in query:
        params["unix_socket"] = query["unix_socket"][0]
    else:
        params["host"] = parts.hostname or "127.0.0.1"
        params["port"] = parts.port or 3306
    return params
