"""The client's HTTP (one requests session) against real loopback sockets: what it calls NotSent, AnswerLost,
Misconfigured or an API error, how it keeps its connection, and what it writes on the wire.

Proxies and TLS are in ``test_transport_proxies.py``; malformed answers in ``test_malformed_answers.py``.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest

from local_servers import Handler, Server, answer, drop, keep_alive, one_then_close, silent, status
from qingcloud_mysqlplus.qingcloud.client import Client
from qingcloud_mysqlplus.qingcloud.errors import AnswerLost, ApiError, MalformedAnswer, NotSent, QingCloudError
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from qingcloud_mysqlplus.qingcloud.signing import verify

SECRET = "Canary-Secret-Key-7f3a9"
PASSWORD = "Canary@Pw-5150x"
WRITE = "RunClusterCustomService"
ADD_USER = {"cluster": "cl-x", "role": "maininstance", "service": "add_user",
            "service_params": json.dumps({"user": "u", "password": PASSWORD})}  # fmt: skip

Serve = Callable[..., Server]


pytestmark = pytest.mark.usefixtures("no_proxy_environment")


def client_for(url: str, verb: str = "POST", timeout: float = 5.0) -> Client:
    return Client(access_key="QYKEY", secret_key=SECRET, zone="sh1a", endpoint=url, verb=verb,
                  http_timeout=timeout, sleep=lambda _: None)  # fmt: skip


def write(client: Client) -> dict[str, object]:
    """One add_user through the client: a write, so a lost answer is not retried but raised."""
    return client.call(WRITE, ADD_USER, Deadline(30), idempotent=False)


def send_once(client: Client) -> object:
    """One request through the transport, without the client's retries."""
    return client.transport.request("POST", "a=1", 2.0, time.monotonic)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once closed


def test_a_refused_connection_is_not_sent() -> None:
    with pytest.raises(NotSent, match=r"connection to 127\.0\.0\.1:\d+ failed \(ConnectionRefusedError\)"):
        send_once(client_for(f"http://127.0.0.1:{free_port()}/iaas/"))


def test_a_connect_timeout_is_not_sent() -> None:
    """A listener whose accept queue is full drops new SYNs: the connect times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port, held = listener.getsockname()[1], []
    try:
        for _ in range(8):  # fill the queue until a connect times out
            try:
                held.append(socket.create_connection(("127.0.0.1", port), timeout=0.2))
            except TimeoutError:
                break
        else:
            pytest.fail("the accept queue never filled")
        client = client_for(f"http://127.0.0.1:{port}/iaas/")
        with pytest.raises(NotSent, match=r"connecting to 127\.0\.0\.1:\d+ timed out"):
            client.transport.request("POST", "a=1", 0.3, time.monotonic)
    finally:
        for sock in held:
            sock.close()
        listener.close()


def test_a_request_read_then_dropped_lost_its_answer(serve: Serve) -> None:
    server = serve(drop)
    with pytest.raises(AnswerLost, match="lost before the answer"):
        write(client_for(server.url()))
    assert len(server.seen) == 1


def test_no_answer_within_the_read_timeout_is_a_lost_answer(serve: Serve) -> None:
    server = serve(silent)
    with pytest.raises(AnswerLost, match=r"no answer from 127\.0\.0\.1:\d+ within 0\.3 s") as info:
        write(client_for(server.url(), timeout=0.3))
    assert not isinstance(info.value, MalformedAnswer) and len(server.seen) == 1


def test_http_500_is_a_lost_answer(serve: Serve) -> None:
    with pytest.raises(AnswerLost, match="answered HTTP 500"):
        write(client_for(serve(status(500)).url()))


def test_http_403_is_an_api_error(serve: Serve) -> None:
    with pytest.raises(ApiError) as info:
        write(client_for(serve(status(403)).url()))
    assert info.value.ret_code == -403 and "HTTP 403 from 127.0.0.1" in str(info.value)


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{\"ret_code\":0}", "lost before the answer \\(IncompleteRead\\)"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot json!", "not JSON"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]", "JSON that is not an object"),
        (b"SSH-2.0-OpenSSH_9.6\r\n", "not HTTP/1.1"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "not HTTP/1.1"),
    ],
)  # fmt: skip
def test_a_truncated_or_garbled_answer_is_a_lost_answer(serve: Serve, raw: bytes, match: str) -> None:
    with pytest.raises(AnswerLost, match=match):
        write(client_for(serve(answer(raw)).url()))


@pytest.mark.parametrize(
    "raw",
    [
        b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6;x=y\r\n{"ret_\r\n9\r\ncode":0,"\r\n'
        b'E\r\njob_id":"j-1"}\r\n0\r\nTrailer: t\r\n\r\n',
        b'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 29\r\n\r\n{"ret_code":0,"job_id":"j-1"}',
        b'HTTP/1.0 200 OK\r\n\r\n{"ret_code":0,"job_id":"j-1"}',  # no length: the body ends when the server closes
    ],
    ids=["chunked", "interim-100", "close-delimited"],
)
def test_answers_by_chunks_after_an_interim_answer_or_until_close_are_read(serve: Serve, raw: bytes) -> None:
    assert write(client_for(serve(answer(raw)).url()))["job_id"] == "j-1"


def test_one_kept_alive_connection_carries_many_calls(serve: Serve) -> None:
    server = serve(keep_alive)
    client = client_for(server.url())
    for _ in range(5):
        write(client)
    assert (server.accepts, len(server.seen)) == (1, 5)


def test_a_connection_the_server_closed_while_idle_is_opened_again(serve: Serve) -> None:
    """Without the check before reuse, the second request would go down the closed connection: AnswerLost."""
    server = serve(one_then_close)
    client = client_for(server.url())
    write(client)
    assert server.closed.wait(5)
    time.sleep(0.05)  # the FIN is in the client's socket
    write(client)
    assert (server.accepts, len(server.seen)) == (2, 2)


def test_the_date_header_is_kept_for_the_clock_check(serve: Serve) -> None:
    client = client_for(serve(answer(b"HTTP/1.1 200 OK\r\nDate: Sun, 06 Dec 2026 05:00:00 GMT\r\n"
                                     b'Content-Length: 29\r\n\r\n{"ret_code":0,"job_id":"j-1"}')).url())  # fmt: skip
    write(client)
    assert client.date_seen[0] == "Sun, 06 Dec 2026 05:00:00 GMT" and client.calls == {WRITE: 1}


@pytest.mark.parametrize("verb", ["GET", "POST"])
def test_both_verbs_send_a_request_the_server_can_verify(serve: Serve, verb: str) -> None:
    server = serve(keep_alive)
    write(client_for(server.url(), verb=verb))
    seen = server.seen[0]
    method, target, version = seen.line.split(" ")
    url = urlsplit(target)
    params = dict(parse_qsl(url.query if verb == "GET" else seen.body.decode(), keep_blank_values=True))
    assert (method, url.path, version) == (verb, "/iaas/", "HTTP/1.1")
    assert seen.headers["host"] == f"127.0.0.1:{server.port}" and seen.headers["user-agent"].startswith("qingcloud")
    assert json.loads(params["service_params"])["password"] == PASSWORD
    assert verify(params, SECRET, verb=verb, path="/iaas/")
    assert "authorization" not in seen.headers  # nothing from ~/.netrc
    if verb == "POST":
        assert url.query == "" and seen.headers["content-type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize("verb", ["GET", "POST"])
@pytest.mark.parametrize("handler", [drop, silent, status(500), status(403), answer(b"HTTP/1.1 200 OK\r\n\r\n{")])
def test_no_secret_in_any_failure(serve: Serve, handler: Handler, verb: str) -> None:
    with pytest.raises(QingCloudError) as info:
        write(client_for(serve(handler).url(), verb=verb, timeout=0.3))
    assert_clean(info.value)


@pytest.mark.parametrize("verb", ["GET", "POST"])
def test_no_secret_when_nothing_listens(verb: str) -> None:
    client = client_for(f"http://127.0.0.1:{free_port()}/iaas/", verb=verb)
    with pytest.raises(QingCloudError) as info:
        client.call(WRITE, ADD_USER, Deadline(0.5), idempotent=False)
    assert_clean(info.value)


def assert_clean(err: BaseException) -> None:
    """No secret in the exception, nor in any exception a traceback of it would show."""
    shown: BaseException | None = err
    while shown is not None:
        for secret in (PASSWORD, SECRET, "signature", "access_key_id", "service_params", "/iaas/", "QYKEY"):
            assert secret not in f"{shown!s} {shown!r}", secret
        shown = shown.__cause__ or (None if shown.__suppress_context__ else shown.__context__)
