"""A private MariaDB server in a temporary directory, for the tests and the demo."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mariadb_binaries() -> tuple[str, str] | None:
    server = shutil.which("mariadbd") or ("/usr/sbin/mariadbd" if os.path.exists("/usr/sbin/mariadbd") else None)
    install = shutil.which("mariadb-install-db")
    return (server, install) if server and install else None


@dataclass
class MariaDB:
    port: int
    socket: str

    @property
    def dsn(self) -> str:
        return f"mysql://root@/?unix_socket={self.socket}"

    def connect(self, user: str = "root", password: str | None = None, database: str | None = None) -> Any:
        import pymysql

        if user == "root":
            return pymysql.connect(unix_socket=self.socket, user="root", autocommit=True)
        return pymysql.connect(
            host="127.0.0.1", port=self.port, user=user, password=password or "", database=database, autocommit=True
        )


@contextmanager
def private_mariadb() -> Iterator[MariaDB]:
    binaries = mariadb_binaries()
    if binaries is None:
        raise RuntimeError("MariaDB is not installed (apt-get install mariadb-server)")
    server, install = binaries
    with tempfile.TemporaryDirectory(prefix="mariadb-") as tmp:
        data, sock = Path(tmp) / "data", str(Path(tmp) / "mysqld.sock")
        user = ["--user=root"] if os.geteuid() == 0 else []
        # Its own temporary directory: bootstraps running at once in the shared /tmp removed each other's
        # temporary tables ("Could not remove temporary table", about one install in ten under xdist).
        scratch = Path(tmp) / "tmp"
        scratch.mkdir()
        subprocess.run(
            [install, "--no-defaults", f"--datadir={data}", f"--tmpdir={scratch}",
             "--auth-root-authentication-method=socket", "--skip-test-db", *user],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        port = free_port()
        process = subprocess.Popen(
            [server, "--no-defaults", f"--datadir={data}", f"--tmpdir={scratch}", f"--socket={sock}", f"--port={port}",
             "--bind-address=127.0.0.1", "--skip-name-resolve", f"--pid-file={tmp}/mysqld.pid",
             f"--log-error={tmp}/error.log", "--innodb-buffer-pool-size=32M", *user],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            db = MariaDB(port, sock)
            deadline = time.monotonic() + 60
            while True:
                try:
                    db.connect().close()
                    break
                except Exception:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log = Path(tmp, "error.log")
                        raise RuntimeError(
                            f"MariaDB did not start: {log.read_text()[-2000:] if log.exists() else ''}"
                        ) from None
                    time.sleep(0.2)
            yield db
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
