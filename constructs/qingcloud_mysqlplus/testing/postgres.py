"""A private PostgreSQL server on loopback in a temporary directory, for Terraform's ``pg`` backend.

Debian's binaries (``/usr/lib/postgresql/<version>/bin``) are driven by
pytest-postgresql's executor (initdb, ``pg_ctl start -w``, ``pg_ctl stop``).
PostgreSQL refuses to run as root, so as root every ``pg_ctl`` call goes
through a two-line wrapper that runs it as the ``postgres`` user (which
Debian's package creates) with ``runuser``; the temporary directory belongs
to that user.  Authentication is ``trust`` on 127.0.0.1 only: the server is
for one test session or one demo and is deleted with its directory.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .mariadb import free_port

SUPERUSER = "postgres"  # the database role initdb creates (trust authentication)
DEFAULT_DATABASE = "terraform"


def postgres_bindir() -> Path | None:
    """Debian's newest PostgreSQL server binaries, or those next to ``pg_ctl`` on PATH."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")),
        key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def run_as() -> str | None:
    """The unprivileged system user to run the server as when we are root (else None)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        raise RuntimeError("running as root and there is no 'postgres' user to run PostgreSQL as") from None


@dataclass
class Postgres:
    host: str
    port: int
    user: str
    bindir: Path

    def conn_str(self, database: str = DEFAULT_DATABASE) -> str:
        """A libpq URL for Terraform's ``pg`` backend (no TLS on loopback)."""
        return f"postgres://{self.user}@{self.host}:{self.port}/{database}?sslmode=disable"

    def connect(self, database: str = DEFAULT_DATABASE) -> Any:
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=self.user, dbname=database, autocommit=True)

    def create_database(self, name: str) -> str:
        """A new, empty database (one per test keeps their states apart); returns its conn_str."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"database name {name!r}: letters, digits and _ only")
        with self.connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.conn_str(name)


def _wait_until_accepting(db: Postgres, seconds: float = 120.0) -> None:
    """``pg_ctl -w`` can return while the server still answers "the database system is starting up"
    (seen on a loaded 2-core runner): connect until it accepts, or raise the last refusal."""
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            with db.connect("postgres"):
                return
        except psycopg.OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def _pg_ctl(bindir: Path, directory: Path, user: str | None) -> str:
    """``pg_ctl`` itself, or (as root) a wrapper that runs it as ``user``."""
    pg_ctl = str(bindir / "pg_ctl")
    if user is None:
        return pg_ctl
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    wrapper = directory / "pg_ctl"
    wrapper.write_text(f'#!/bin/sh\nexec {runuser} -u {user} -- {pg_ctl} "$@"\n')
    wrapper.chmod(stat.S_IRWXU)
    return str(wrapper)


@contextmanager
def private_postgres() -> Iterator[Postgres]:
    """Start a private PostgreSQL with one empty database (``terraform``); stop and delete it on exit."""
    from pytest_postgresql.executors import PostgreSQLExecutor

    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    user = run_as()
    tmp = Path(tempfile.mkdtemp(prefix="postgres-"))
    try:
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(tmp, entry.pw_uid, entry.pw_gid)
        port = free_port()
        executor = PostgreSQLExecutor(
            executable=_pg_ctl(bindir, tmp, user),
            host="127.0.0.1",
            port=port,
            datadir=str(tmp / "data"),
            unixsocketdir=str(tmp),
            logfile=str(tmp / "postgresql.log"),
            startparams="-w",
            dbname=DEFAULT_DATABASE,
            user=SUPERUSER,
            postgres_options="-c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50",
            timeout=120,
        )
        try:
            executor.start()
        except Exception as error:
            log = tmp / "postgresql.log"
            raise RuntimeError(
                f"PostgreSQL did not start: {error}; {log.read_text()[-2000:] if log.exists() else ''}"
            ) from error
        try:
            db = Postgres("127.0.0.1", port, SUPERUSER, bindir)
            _wait_until_accepting(db)
            db.create_database(DEFAULT_DATABASE)
            yield db
        finally:
            executor.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
