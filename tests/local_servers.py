"""Small servers on real loopback sockets for the transport's tests: an API stand-in, proxies, TLS.

Each server runs its connections in daemon threads and records what it saw,
so that a test can check the bytes the transport put on the wire.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

OK = b'{"ret_code":0,"job_id":"j-1"}'


@dataclass
class Seen:
    """One request as the server read it."""

    line: str
    headers: dict[str, str]
    body: bytes


def read_request(rfile: BinaryIO) -> Seen | None:
    """The next request on a connection, or None when the client closed it."""
    line = rfile.readline()
    if not line:
        return None
    headers: dict[str, str] = {}
    while (header := rfile.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = rfile.read(int(headers.get("content-length", "0")))
    return Seen(line.decode("latin-1").rstrip("\r\n"), headers, body)


def reply(conn: socket.socket, status: int = 200, body: bytes = OK, extra: bytes = b"") -> None:
    head = b"HTTP/1.1 %d Status\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % (status, len(body))
    conn.sendall(head + extra + b"\r\n" + body)


Handler = Callable[[socket.socket, "Server"], None]


@dataclass
class Server:
    """A TCP server on 127.0.0.1; ``handle`` serves each accepted connection in a thread of its own."""

    handle: Handler
    tls: ssl.SSLContext | None = None
    accepts: int = 0
    seen: list[Seen] = field(default_factory=list)
    closed: threading.Event = field(default_factory=threading.Event)  # a handler closed a connection
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}/iaas/"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepts += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            self.handle(conn, self)
        except OSError:
            pass
        finally:
            conn.close()
            self.closed.set()

    def close(self) -> None:
        self.stop.set()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()


# -- handlers -------------------------------------------------------------------------------------


def keep_alive(conn: socket.socket, server: Server) -> None:
    """Answers every request on the connection, keeping it open, as an HTTP/1.1 server does."""
    rfile = conn.makefile("rb")
    while (seen := read_request(rfile)) is not None:
        server.seen.append(seen)
        reply(conn)


def one_then_close(conn: socket.socket, server: Server) -> None:
    """Answers one request (announcing nothing), then closes the connection as an idle time-out would."""
    seen = read_request(conn.makefile("rb"))
    if seen is not None:
        server.seen.append(seen)
        reply(conn)


def drop(conn: socket.socket, server: Server) -> None:
    """Reads the request, closes without an answer: the request may have been processed."""
    seen = read_request(conn.makefile("rb"))
    if seen is not None:
        server.seen.append(seen)


def silent(conn: socket.socket, server: Server) -> None:
    """Reads the request and never answers."""
    seen = read_request(conn.makefile("rb"))
    if seen is not None:
        server.seen.append(seen)
    server.stop.wait(30)


def answer(raw: bytes) -> Handler:
    """Reads one request and writes ``raw`` (a whole HTTP answer, right or wrong), then closes."""

    def handle(conn: socket.socket, server: Server) -> None:
        seen = read_request(conn.makefile("rb"))
        if seen is not None:
            server.seen.append(seen)
            conn.sendall(raw)

    return handle


def status(code: int, body: bytes = b'{"message":"no"}') -> Handler:
    return answer(b"HTTP/1.1 %d Status\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (code, len(body), body))


def connect_proxy(conn: socket.socket, server: Server) -> None:
    """A CONNECT proxy: records the CONNECT, opens the tunnel to its target and pipes bytes both ways."""
    rfile = conn.makefile("rb", buffering=0)
    seen = read_request(rfile)  # type: ignore[arg-type]
    if seen is None:
        return
    server.seen.append(seen)
    host, _, port = seen.line.split()[1].rpartition(":")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=10) as upstream:
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        threading.Thread(target=_pipe, args=(upstream, conn), daemon=True).start()
        _pipe(conn, upstream)


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass


# -- TLS ------------------------------------------------------------------------------------------


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 (its own CA), and its key, made by the openssl CLI."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def keep_alive_with(body: bytes, content_type: str = "application/json", first: bytes | None = None) -> Handler:
    """Answers every request with ``body`` (``first`` to the first request, if given), keeping the connection."""

    def handle(conn: socket.socket, server: Server) -> None:
        rfile = conn.makefile("rb")
        while (seen := read_request(rfile)) is not None:
            server.seen.append(seen)
            data = first if first is not None and len(server.seen) == 1 else body
            head = b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (
                content_type.encode(),
                len(data),
            )
            conn.sendall(head + data)

    return handle
