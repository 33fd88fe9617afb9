"""Answers the bridge cannot read end every command with one line and a documented code, never a traceback.

An endpoint answers every request with the same malformed body (HTML, a JSON
list or null, a ret_code or total_count that is not a number, a job without
its id).  Whatever the client makes of it (a failure naming the action,
exit 1, or the catch-all, exit 3, naming the error's type and where), the
run says one last line, shows no traceback, and an add leaves its status
file with that code and line.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from helpers import ACCESS_KEY, CANARY_PASSWORD, CLUSTER, SECRET_KEY, ZONE, assert_no_secret
from qingcloud_mysqlplus.bridge import contract
from qingcloud_mysqlplus.bridge.main import main

BODIES = {
    "html": b"<html><body>502 Bad Gateway</body></html>",
    "a JSON list": b"[]",
    "null": b"null",
    "ret_code not a number": b'{"ret_code": "x", "message": "' + CANARY_PASSWORD.encode() + b'"}',
    "total_count not a number": b'{"ret_code": 0, "cluster_set": [], "jobs": [], "total_count": "many"}',
    "no ids": b'{"ret_code": 0, "cluster_set": [{"status": "active"}], "job_set": [{}], "total_count": 1}',
}
COMMANDS = {
    "add-user": ["add-user", "--cluster", CLUSTER, "--user", "app_rw"],
    "accounts": ["accounts", "--cluster", CLUSTER],
    "doctor": ["doctor", "--cluster", CLUSTER],
}


class Answer:
    body = b""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[str, type[Answer]]]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.do_GET()

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(Answer.body)))
            self.end_headers()
            self.wfile.write(Answer.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/iaas/", Answer
    server.shutdown()


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("kind", list(BODIES))
def test_a_malformed_answer_is_one_line_and_a_documented_code(
    endpoint: tuple[str, type[Answer]], tmp_path: Path, command: str, kind: str
) -> None:
    url, answer = endpoint
    answer.body = BODIES[kind]
    status = tmp_path / "status.json"
    env = {"QINGCLOUD_ACCESS_KEY": ACCESS_KEY, "QINGCLOUD_SECRET_KEY": SECRET_KEY, "QINGCLOUD_ZONE": ZONE,
           "QINGCLOUD_ENDPOINT": url, "HOME": str(tmp_path), "QINGCLOUD_MYSQLPLUS_PASSWORD": CANARY_PASSWORD,
           "QINGCLOUD_MYSQLPLUS_TIMEOUT": "2", "QINGCLOUD_MYSQLPLUS_LOCK_DIR": str(tmp_path / "l"),
           contract.STATUS_FILE: str(status)}  # fmt: skip
    err, out = io.StringIO(), io.StringIO()
    code = main(COMMANDS[command], env, io.StringIO(""), err, out)
    text = err.getvalue()
    assert "Traceback" not in text + out.getvalue()
    assert_no_secret(text, out.getvalue(), access_key=command != "doctor")  # doctor names the key id
    last = text.strip().splitlines()[-1] if text.strip() else ""
    if command == "doctor" and code == contract.EXIT_FAILED:
        assert "FAIL" in out.getvalue()  # a check says what failed
    else:
        assert code in (contract.EXIT_FAILED, contract.EXIT_BUG), text
        assert last.startswith(f"qingcloud-mysqlplus: {command} ") and ("failed: " in last or "unexpected " in last)
    if code == contract.EXIT_BUG:
        assert "unexpected " in last and "report this line" in last
    if command == "add-user":
        assert json.loads(status.read_text()) == {"exit": code, "last": last}
