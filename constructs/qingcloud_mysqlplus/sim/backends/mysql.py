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
from .memory import StoredEntry, check_add, describe, dropped_hosts, taken

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

    def _existing(self, cur: Any) -> dict[tuple[str, str], StoredEntry]:
        cur.execute(
            f"SELECT user, host, db, priv, ssl_required FROM {quote_identifier(META_DB)}.accounts ORDER BY user, host"
        )
        return {(user, host): StoredEntry(db, Privilege(priv), ssl) for user, host, db, priv, ssl in cur.fetchall()}

    @staticmethod
    def _server_has(cur: Any, user: str, hosts: list[str] | None) -> bool:
        """Whether the server has the user (at one of ``hosts``), made by the simulator or not."""
        cur.execute("SELECT Host FROM mysql.user WHERE User = %s", (user,))
        found = {str(row[0]) for row in cur.fetchall()}
        return bool(found) if hosts is None else bool(found & set(hosts))

    def add(self, spec: AccountSpec, password: str, second_host: bool = False) -> None:
        with self._lock, self._connect() as conn, conn.cursor() as cur:
            check_add(self._existing(cur), spec, second_host)
            if self._server_has(cur, spec.user, host_entries(spec.host) if second_host else None):
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
            for host in dropped_hosts(self._existing(cur), spec):
                self._drop(cur, spec.user, host)

    @staticmethod
    def _drop(cur: Any, user: str, host: str) -> None:
        cur.execute("DROP USER IF EXISTS %s@%s", (user, host))
        cur.execute(f"DELETE FROM {quote_identifier(META_DB)}.accounts WHERE user=%s AND host=%s", (user, host))

    def exists(self, user: str, hosts: list[str] | None = None) -> bool:
        """A user of that name (at one of ``hosts``) on the server, the simulator's or not (add would refuse it)."""
        with self._lock, self._connect() as conn, conn.cursor() as cur:
            return self._server_has(cur, user, hosts) or taken(self._existing(cur), user, hosts)

    def accounts(self) -> list[dict[str, Any]]:
        with self._lock, self._connect() as conn, conn.cursor() as cur:
            return describe(self._existing(cur))


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
