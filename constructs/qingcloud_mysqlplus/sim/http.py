"""The HTTP front: the signed ``/iaas/`` endpoint, and the unsigned ``/_sim/*`` control
endpoints (loopback callers only) that tests, the demo and the CLI use.

Nothing here logs a request: queries and bodies hold passwords.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from .api import API_PATH, Simulator, owner_of
from .clusters import build_clusters
from .endpoints import control_get, control_post
from .engine import Engine
from .faults import TRANSPORT_KINDS, Fault, Faults
from .options import SimOptions

DEMO_ACCESS_KEY = "QYSIMULATORKEY"
DEMO_SECRET_KEY = "simulator-secret-key"  # the simulator's public demo key, not a secret
DEFAULT_CLUSTER = "cl-demo0001@sh1a"


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    sim: Simulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Only the error's type: a traceback could quote a request."""
        kind = sys.exc_info()[0]
        print(f"qingcloud-mysqlplus-sim: error serving a request: {kind.__name__ if kind else '?'}", file=sys.stderr)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "qingcloud-mysqlplus-sim"
    # Headers and body go out as two writes; with Nagle's algorithm the second waits for the
    # client's delayed ACK (about 40 ms on Linux), a stall no production HTTP server shows.
    disable_nagle_algorithm = True

    @property
    def sim(self) -> Simulator:
        return cast(SimServer, self.server).sim

    def log_message(self, format: str, *args: Any) -> None:  # the query may hold a password
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _api(self, verb: str, params: dict[str, str]) -> None:
        sim = self.sim
        sim.count(params.get("action", ""))
        fault = sim.faults.take(TRANSPORT_KINDS, (params.get("action", ""), params.get("service", "")))
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)
        if fault and fault.kind == "drop":
            return self._drop()
        if fault and fault.kind == "http500":
            return self._send(500, {"message": "Internal Server Error"})
        if fault and fault.kind == "retcode5100":
            return self._send(200, {"ret_code": 5100, "message": "ServerBusy, please try later"})
        body = sim.answer(verb, params)
        if fault and fault.kind == "drop_after":
            return self._drop()
        self._send(200, body)

    def _control(self, answer: Callable[[str], dict[str, Any] | None]) -> None:
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            return self._send(403, {"message": "the /_sim/ endpoints answer loopback callers only"})
        path = urlsplit(self.path).path.removeprefix("/_sim/").strip("/")
        try:
            body = answer(path)
        except (TypeError, ValueError) as err:
            return self._send(400, {"message": str(err)})
        if body is None:
            return self._send(404, {"message": f"no such path /_sim/{path}"})
        self._send(200, body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == API_PATH:
            return self._api("GET", dict(parse_qsl(url.query, keep_blank_values=True)))
        if url.path.startswith("/_sim/"):
            return self._control(lambda path: control_get(self.sim, path))
        self._send(404, {"message": f"no such path {url.path}"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        if url.path == API_PATH:
            return self._api("POST", dict(parse_qsl(raw, keep_blank_values=True)))
        if url.path.startswith("/_sim/"):
            return self._control(lambda path: control_post(self.sim, path, _json_object(raw)))
        self._send(404, {"message": f"no such path {url.path}"})


def _json_object(raw: str) -> dict[str, Any]:
    body = json.loads(raw or "{}")
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    return body


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    clusters: list[str] | None = None,
    job_seconds: float = 2.0,
    credentials: dict[str, str] | None = None,
    mysql_dsn: str | None = None,
    faults: list[Fault] | None = None,
    ssl_enabled: bool = False,
    options: SimOptions | None = None,
) -> tuple[SimServer, Simulator]:
    """A ready (not yet serving) simulator; ``serve_forever`` runs it.  Clusters belong to the
    first credential's owner."""
    credentials = credentials or {DEMO_ACCESS_KEY: DEMO_SECRET_KEY}
    fault_box = Faults()
    for fault in faults or []:
        fault_box.add(fault)
    built = build_clusters(clusters or [DEFAULT_CLUSTER], mysql_dsn, ssl_enabled, owner_of(next(iter(credentials))))
    engine = Engine(built, job_seconds, fault_box, options or SimOptions())
    server = SimServer((host, port), Handler)
    server.sim = Simulator(engine, credentials, fault_box)
    return server, server.sim


@contextmanager
def serving(**options: Any) -> Iterator[str]:
    """A simulator (``make_server`` keywords) served from a thread; yields its ``/iaas/`` URL."""
    server, sim = make_server(**options)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield url_of(server)
    finally:
        server.shutdown()
        server.server_close()
        sim.engine.close()


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}{API_PATH}"
