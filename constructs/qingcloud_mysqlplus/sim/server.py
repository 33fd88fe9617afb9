"""``qingcloud-mysqlplus-sim``: the HTTP front of the simulator.

``/iaas/`` answers signed GET and POST requests like QingCloud's API;
``/_sim/accounts``, ``/_sim/jobs`` and ``/_sim/faults`` are for tests and the
demo (loopback only, unsigned).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..qingcloud.signing import TIME_FORMAT, verify
from .backends import MemoryBackend, MySQLBackend
from .engine import Cluster, Engine, SimError
from .faults import REQUEST_KINDS, Fault, Faults

API_PATH = "/iaas/"
DEMO_ACCESS_KEY = "QYSIMULATORKEY"
DEMO_SECRET_KEY = "simulator-secret-key"  # the simulator's public demo key, not a secret
CLOCK_SKEW = 60
REQUIRED = ("action", "access_key_id", "signature_method", "signature_version", "time_stamp", "signature")


class Simulator:
    def __init__(self, engine: Engine, credentials: dict[str, str], faults: Faults) -> None:
        self.engine, self.credentials, self.faults = engine, credentials, faults
        self.requests = 0

    def authenticate(self, params: dict[str, str], verb: str) -> str:
        """Check the signature and the time stamp; returns the caller (a job's ``owner``)."""
        for name in REQUIRED:
            if not params.get(name):
                code = 1200 if name in ("access_key_id", "signature") else 1100
                raise SimError(code, f"parameter [{name}] should not be empty")
        if params["signature_version"] != "1":
            raise SimError(1100, "signature_version should be 1")
        secret = self.credentials.get(params["access_key_id"])
        if secret is None or not verify(params, secret, verb=verb, path=API_PATH):
            raise SimError(1200, "authentication failed: unknown access key or bad signature")
        now = datetime.now(timezone.utc)
        try:
            stamp = datetime.strptime(params["time_stamp"], TIME_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError:
            raise SimError(1100, "time_stamp should look like 2013-08-27T14:30:10Z") from None
        if abs((now - stamp).total_seconds()) > CLOCK_SKEW:
            raise SimError(1300, "request expired: time_stamp is more than 60 s off")
        if params.get("expires"):
            try:
                expires = datetime.strptime(params["expires"], TIME_FORMAT).replace(tzinfo=timezone.utc)
            except ValueError:
                raise SimError(1100, "expires should look like 2013-08-27T14:30:10Z") from None
            if now > expires:
                raise SimError(1300, "request expired: past expires")
        return owner_of(params["access_key_id"])

    def dispatch(self, params: dict[str, str], owner: str) -> dict[str, Any]:
        action = params["action"]
        if not params.get("zone"):
            raise SimError(1100, "parameter [zone] should not be empty")
        if action == "RunClusterCustomService":
            return self.engine.run_service(params, owner)
        if action == "DescribeJobs":
            try:
                offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 20)
            except ValueError:
                raise SimError(1100, "offset and limit should be integers") from None
            return self.engine.describe_jobs(_listed(params, "jobs"), owner, _listed(params, "status"), offset, limit)
        raise SimError(1100, f"action [{action}] is not supported by the simulator")


def owner_of(access_key: str) -> str:
    """A stable user id per access key, like QingCloud's ``usr-...``."""
    return "usr-" + hashlib.sha256(access_key.encode()).hexdigest()[:8]


def _listed(params: dict[str, str], name: str) -> list[str]:
    """``name.1``, ``name.2``, ... in order."""
    items = [(k.rpartition(".")[2], v) for k, v in params.items() if k.startswith(f"{name}.")]
    return [v for k, v in sorted(items, key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "qingcloud-mysqlplus-sim"
    sim: Simulator

    def log_message(self, format: str, *args: Any) -> None:  # the query may hold a password
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
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
        sim.requests += 1
        names = (params.get("action", ""), params.get("service", ""))
        fault = sim.faults.take(REQUEST_KINDS, names)
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)
            fault = None
        if fault and fault.kind == "drop":
            return self._drop()
        if fault and fault.kind == "http500":
            return self._send(500, {"message": "injected HTTP 500"})
        if fault and fault.kind == "retcode5100":
            return self._send(200, {"ret_code": 5100, "message": "server busy (injected)"})
        if fault and fault.kind == "busy":
            return self._send(200, {"ret_code": 1400, "message": "cluster is busy (injected)"})
        try:
            body = sim.dispatch(params, sim.authenticate(params, verb))
        except SimError as err:
            body = {"ret_code": err.ret_code, "message": err.message}
        if fault and fault.kind == "drop_after":
            return self._drop()
        self._send(200, body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == API_PATH:
            return self._api("GET", dict(parse_qsl(url.query, keep_blank_values=True)))
        engine = self.sim.engine
        if url.path == "/_sim/accounts":
            return self._send(200, {"clusters": engine.inventory()})
        if url.path == "/_sim/jobs":
            with engine._lock:
                jobs = [j.public() | {"service": j.service, "user": j.spec.user, "started": j.started,
                                      "finished": j.finished} for j in engine.jobs.values()]  # fmt: skip
            return self._send(200, {"jobs": jobs, "requests": self.sim.requests, "busy_refusals": engine.busy_refusals})
        if url.path == "/_sim/faults":
            return self._send(200, self.sim.faults.snapshot())
        self._send(404, {"message": f"no such path {url.path}"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        if url.path == API_PATH:
            return self._api("POST", dict(parse_qsl(raw, keep_blank_values=True)))
        if url.path == "/_sim/faults":
            try:
                spec = json.loads(raw or "{}")
                if spec.get("clear"):
                    self.sim.faults.clear()
                    released = self.sim.engine.release_hung()
                    return self._send(200, {"cleared": True, "released_jobs": released})
                fault = Fault(**spec)
            except (TypeError, ValueError) as err:
                return self._send(400, {"message": str(err)})
            self.sim.faults.add(fault)
            return self._send(200, self.sim.faults.snapshot())
        self._send(404, {"message": f"no such path {url.path}"})


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    clusters: list[str] | None = None,
    job_seconds: float = 2.0,
    credentials: dict[str, str] | None = None,
    mysql_dsn: str | None = None,
    faults: list[Fault] | None = None,
    ssl_enabled: bool = False,
) -> tuple[ThreadingHTTPServer, Simulator]:
    """A ready (not yet serving) simulator; ``serve_forever`` runs it."""
    fault_box = Faults()
    for fault in faults or []:
        fault_box.add(fault)
    built = []
    for index, text in enumerate(clusters or ["cl-demo0001@sh1a"]):
        cluster_id, _, zone = text.partition("@")
        backend = MySQLBackend(mysql_dsn) if mysql_dsn and index == 0 else MemoryBackend()
        built.append(Cluster(cluster_id, (zone or "sh1a").lower(), backend, ssl_enabled))
    sim = Simulator(Engine(built, job_seconds, fault_box), credentials or {DEMO_ACCESS_KEY: DEMO_SECRET_KEY}, fault_box)
    handler = type("BoundHandler", (Handler,), {"sim": sim})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server, sim


@contextmanager
def serving(**options: Any) -> Iterator[str]:
    """A simulator (``make_server`` options) served from a thread; yields its URL."""
    server, _ = make_server(**options)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield url_of(server)
    finally:
        server.shutdown()
        server.server_close()


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}{API_PATH}"


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="qingcloud-mysqlplus-sim serve", description="Run the simulator.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    parser.add_argument(
        "--cluster",
        action="append",
        metavar="ID[@ZONE]",
        help="a cluster to simulate (repeatable; default cl-demo0001@sh1a)",
    )
    parser.add_argument("--job-seconds", type=float, default=2.0, help="how long each job runs (default 2)")
    parser.add_argument(
        "--mysql-dsn",
        help="back the first cluster with this MySQL/MariaDB server "
        "(mysql://user[:pw]@host[:port]/ or mysql://user@/?unix_socket=PATH)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND[,count=N][,on=NAME][,seconds=S]",
        help="inject a fault from the start (repeatable)",
    )
    parser.add_argument("--ssl-enabled", action="store_true", help="clusters have SSL transport on (allows ssl=YES)")
    parser.add_argument("--url-file", type=Path, help="write the URL here once listening")
    args = parser.parse_args(argv)
    access = os.environ.get("QINGCLOUD_ACCESS_KEY", DEMO_ACCESS_KEY)
    secret = os.environ.get("QINGCLOUD_SECRET_KEY", DEMO_SECRET_KEY)
    try:
        faults = [Fault.parse(f) for f in args.fault]
        server, sim = make_server(args.host, args.port, args.cluster, args.job_seconds, {access: secret},
                                  args.mysql_dsn, faults, args.ssl_enabled)  # fmt: skip
    except (ValueError, OSError) as err:
        print(f"qingcloud-mysqlplus-sim: error: {err}", file=sys.stderr)
        return 2
    url = url_of(server)
    clusters = ", ".join(f"{c.cluster_id}@{c.zone}" for c in sim.engine.clusters.values())
    print(f"qingcloud-mysqlplus-sim listening on {url} (clusters {clusters}; access key {access})", flush=True)
    if args.url_file:
        tmp = args.url_file.with_suffix(".tmp")
        tmp.write_text(url)
        tmp.replace(args.url_file)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def control(argv: list[str], command: str) -> int:
    parser = argparse.ArgumentParser(prog=f"qingcloud-mysqlplus-sim {command}")
    parser.add_argument(
        "--url", default=os.environ.get("QINGCLOUD_ENDPOINT"), help="the simulator's URL [$QINGCLOUD_ENDPOINT]"
    )
    if command == "fault":
        parser.add_argument("spec", nargs="?", help="KIND[,count=N][,on=NAME][,seconds=S]")
        parser.add_argument("--clear", action="store_true", help="remove pending faults and release hung jobs")
    args = parser.parse_args(argv)
    if not args.url:
        print("qingcloud-mysqlplus-sim: error: pass --url or set QINGCLOUD_ENDPOINT", file=sys.stderr)
        return 2
    base = args.url.rstrip("/").removesuffix("/iaas")
    if command == "accounts":
        with urllib.request.urlopen(f"{base}/_sim/accounts", timeout=10) as answer:
            clusters = json.load(answer)["clusters"]
        for cluster_id, info in clusters.items():
            print(f"{cluster_id} ({info['zone']}): {len(info['accounts'])} account(s)")
            for a in info["accounts"]:
                print(
                    f"  {a['user']:<26} hosts={';'.join(a['hosts'])} database={a['database']} priv={a['priv']} ssl={a['ssl']}"
                )
        return 0
    body = {"clear": True} if args.clear else vars(Fault.parse(args.spec or ""))
    request = urllib.request.Request(f"{base}/_sim/faults", data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        print(answer.read().decode())
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("accounts", "fault"):
        return control(args[1:], args[0])
    if args and args[0] == "serve":
        args = args[1:]
    return serve(args)


if __name__ == "__main__":
    threading.current_thread().name = "qingcloud-mysqlplus-sim"
    sys.exit(main())
