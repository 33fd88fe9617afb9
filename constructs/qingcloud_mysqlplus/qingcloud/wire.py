"""The small part of HTTP/1.1 the API needs, on a plain socket: one request out, one answer in.

``http.client`` would do, but it loads the ``email`` package and ``ssl`` on import
(about 14 ms of a bridge run's start, for an endpoint that may be plain http);
the API's answers are a status line, headers and a JSON body, by length or chunked.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass

MAX_LINE = 65536  # a status line, a header or a chunk size
MAX_HEADERS = 100
MAX_BODY = 64 * 1024 * 1024  # an API answer is a few hundred KiB at most
NO_BODY = (204, 304)
HEX_DIGITS = b"0123456789abcdefABCDEF"


class BadAnswer(Exception):
    """What came back is not HTTP/1.x as the API speaks it (no URL or body in the message)."""


class ConnectionClosed(ConnectionError):
    """The server closed the connection before its answer was complete."""


class Reader:
    """Buffered reads from one socket; whatever a read brings past the answer stays in ``buffer``."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buffer = sock, bytearray()

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionClosed("closed mid-answer")
        self.buffer += data

    def line(self) -> bytes:
        while (end := self.buffer.find(b"\n")) < 0:
            if len(self.buffer) > MAX_LINE:
                raise BadAnswer("a line longer than 64 KiB")
            self._fill()
        line = bytes(self.buffer[: end + 1])
        del self.buffer[: end + 1]
        return line

    def exactly(self, size: int) -> bytes:
        if size > MAX_BODY:
            raise BadAnswer("an answer larger than 64 MiB")
        while len(self.buffer) < size:
            self._fill()
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def to_the_end(self) -> bytes:
        """A body without a length: everything until the server closes."""
        try:
            while len(self.buffer) <= MAX_BODY:
                self._fill()
        except ConnectionClosed:
            data = bytes(self.buffer)
            self.buffer.clear()
            return data
        raise BadAnswer("an answer larger than 64 MiB")


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    keep_alive: bool  # the connection may carry the next request


def request_bytes(verb: str, target: str, headers: Sequence[tuple[str, str]], body: bytes = b"") -> bytes:
    """Request line, headers and body as one buffer, for one ``sendall`` (no Nagle stall)."""
    if any(ch in target for ch in " \r\n") or any(ch in v for _, v in headers for ch in "\r\n"):
        raise ValueError("a request line or header with a space or line break")
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return f"{verb} {target} HTTP/1.1\r\n{head}\r\n".encode("latin-1") + body


def read_response(reader: Reader, *, head_only: bool = False) -> Response:
    """The next final answer (1xx interim answers skipped); ``head_only`` for a CONNECT's answer."""
    while True:
        version, status = _status_line(reader.line())
        headers = _headers(reader)
        if not 100 <= status < 200 or status == 101:
            break
    if head_only or status in NO_BODY or 100 <= status < 200:
        return Response(status, headers, b"", _persistent(version, headers))
    body, delimited = _body(reader, headers)
    return Response(status, headers, body, delimited and _persistent(version, headers))


def _status_line(line: bytes) -> tuple[str, int]:
    parts = line.decode("latin-1").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not _digits(parts[1], 3):
        raise BadAnswer("not an HTTP/1.x status line")
    return parts[0], int(parts[1])


def _digits(text: str, count: int | None = None) -> bool:
    """ASCII digits only (``str.isdigit`` also takes "²"), and ``count`` of them if given."""
    return text.isascii() and text.isdigit() and (count is None or len(text) == count)


def _headers(reader: Reader) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        line = reader.line().decode("latin-1")
        if line in ("\r\n", "\n"):
            return headers
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise BadAnswer("a header line without a name")
        key, value = name.strip().lower(), value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    raise BadAnswer(f"more than {MAX_HEADERS} headers")


def _tokens(value: str) -> list[str]:
    return [t.strip().lower() for t in value.split(",") if t.strip()]


def _persistent(version: str, headers: dict[str, str]) -> bool:
    connection = _tokens(headers.get("connection", ""))
    return "keep-alive" in connection if version == "HTTP/1.0" else "close" not in connection


def _body(reader: Reader, headers: dict[str, str]) -> tuple[bytes, bool]:
    """The body, and whether its end was marked (a length or chunks) rather than the connection closing."""
    codings = _tokens(headers.get("transfer-encoding", ""))
    if codings:
        return (_chunked(reader), True) if codings[-1] == "chunked" else (reader.to_the_end(), False)
    lengths = set(_tokens(headers.get("content-length", "")))
    if not lengths:
        return reader.to_the_end(), False
    if len(lengths) != 1 or not _digits(length := lengths.pop()):
        raise BadAnswer("a Content-Length that is not one number")
    return reader.exactly(int(length)), True


def _chunked(reader: Reader) -> bytes:
    body = bytearray()
    while True:
        size_text = reader.line().split(b";", 1)[0].strip()
        if not size_text or size_text.strip(HEX_DIGITS):
            raise BadAnswer("a chunk size that is not a hexadecimal number")
        size = int(size_text, 16)
        if size == 0:
            break
        if len(body) + size > MAX_BODY:
            raise BadAnswer("an answer larger than 64 MiB")
        body += reader.exactly(size)
        if reader.line().strip():
            raise BadAnswer("a chunk not followed by a line break")
    while reader.line().strip():  # trailer fields, ignored
        pass
    return bytes(body)
