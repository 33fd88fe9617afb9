"""One kept-alive connection to the API endpoint, on the standard library only (the client's "session").

``requests`` cost about 90 ms of a bridge run's start (urllib3, charset_normalizer,
idna, certifi, http.cookiejar); this loads ``socket`` and ``select``, plus ``ssl``
for an https endpoint.  Failures are classified by when they happen: before the
request is written they are :class:`NotSent` (safe to resend); after it, they are
:class:`AnswerLost` (the server may have acted).  No message carries a URL, a
query, a body or a proxy's credentials.
"""

from __future__ import annotations

import select
import socket
from typing import TYPE_CHECKING
from urllib.parse import quote

from .endpoint import Endpoint
from .errors import AnswerLost, NotSent, TransportError
from .routes import Route, authority, route_to, tls_context
from .wire import BadAnswer, Reader, Response, read_response, request_bytes

if TYPE_CHECKING:
    import ssl

PATH_SAFE = "/%:@!$&'()*+,;=~"  # what requests left unquoted in a path
DEFAULT_PORTS = {"http": 80, "https": 443}


class Transport:
    """One request at a time over one reused connection, opened again when the server has closed it.

    Not for concurrent use from several threads (nothing in the bridge does that).
    """

    def __init__(self, endpoint: Endpoint, user_agent: str = "qingcloud-mysqlplus") -> None:
        self.endpoint, self.user_agent = endpoint, user_agent
        self.connections = 0  # opened so far: tests check reuse with it
        default_port = DEFAULT_PORTS[endpoint.protocol] == endpoint.port
        self._host = authority(endpoint).removesuffix(f":{endpoint.port}") if default_port else authority(endpoint)
        self._path = quote(endpoint.path, safe=PATH_SAFE)
        self._route: Route | None = None
        self._tls: ssl.SSLContext | None = None
        self._reader: Reader | None = None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.sock.close()
        self._reader = None

    def request(self, verb: str, form: str, timeout: float) -> Response:
        """GET with ``form`` as the query, or POST with it as a form-encoded body; the whole answer."""
        route = self._route_once()
        reader = self._connection(route, timeout)
        where = route.where(self.endpoint)
        try:
            reader.sock.settimeout(timeout)
            reader.sock.sendall(self._request_bytes(route, verb, form))
            response = read_response(reader)
        except TimeoutError:
            self.close()
            raise AnswerLost(f"no answer from {where} within {timeout:.1f} s") from None
        except BadAnswer:
            self.close()
            raise AnswerLost(f"{where} answered something that is not HTTP/1.1") from None
        except OSError as err:
            self.close()
            raise AnswerLost(f"connection to {where} lost before the answer ({kind(err)})") from None
        if not response.keep_alive or reader.buffer:
            self.close()
        return response

    def _route_once(self) -> Route:
        if self._route is None:
            self._route = route_to(self.endpoint)
        return self._route

    def _connection(self, route: Route, timeout: float) -> Reader:
        """The kept-alive connection if the server has not closed it, else a new one."""
        if self._reader is not None and idle_and_open(self._reader.sock):
            return self._reader
        self.close()
        if self._tls is None and self.endpoint.protocol == "https":
            self._tls = tls_context()
        where = route.where(self.endpoint)
        try:
            sock = socket.create_connection((route.host, route.port), timeout=timeout)
        except TimeoutError:
            raise NotSent(f"connecting to {where} timed out") from None
        except OSError as err:
            raise NotSent(f"connection to {where} failed ({kind(err)})") from None
        self.connections += 1
        try:
            self._reader = Reader(self._prepare(sock, route))
        except BaseException:
            sock.close()
            raise
        return self._reader

    def _prepare(self, sock: socket.socket, route: Route) -> socket.socket:
        """No Nagle delay; the proxy's tunnel and TLS when the route needs them.  Nothing of the request is sent."""
        where = route.where(self.endpoint)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if route.tunnel:
                self._open_tunnel(sock, route)
            return self._tls.wrap_socket(sock, server_hostname=self.endpoint.host) if self._tls else sock
        except TimeoutError:
            raise NotSent(f"connecting to {where} timed out") from None
        except BadAnswer:
            raise NotSent(f"the proxy {route.via} answered CONNECT with something that is not HTTP") from None
        except OSError as err:
            if type(err).__name__ == "SSLCertVerificationError":  # retrying cannot help
                reason = getattr(err, "verify_message", "") or "unknown reason"
                raise TransportError(
                    f"the certificate of {self.endpoint.where} could not be verified ({reason}); "
                    "SSL_CERT_FILE or REQUESTS_CA_BUNDLE can name the CA bundle that signs it"
                ) from None
            raise NotSent(f"connection to {where} failed ({kind(err)})") from None

    def _open_tunnel(self, sock: socket.socket, route: Route) -> None:
        """CONNECT through the proxy; only a 2xx answer lets TLS to the endpoint begin."""
        target = authority(self.endpoint)
        auth = [("Proxy-Authorization", route.proxy_auth)] if route.proxy_auth else []
        sock.sendall(request_bytes("CONNECT", target, [("Host", target), *auth]))
        reader = Reader(sock)
        answer = read_response(reader, head_only=True)
        if answer.status == 407:
            raise TransportError(f"the proxy {route.via} refused the credentials (HTTP 407); "
                                 "HTTPS_PROXY takes them as http://user:password@host:port")  # fmt: skip
        if not 200 <= answer.status < 300:
            raise NotSent(f"the proxy {route.via} opened no tunnel to {self.endpoint.where} (HTTP {answer.status})")
        if reader.buffer:
            raise BadAnswer("bytes after the CONNECT answer")

    def _request_bytes(self, route: Route, verb: str, form: str) -> bytes:
        target = f"{self._path}?{form}" if verb == "GET" else self._path
        headers = [("Host", self._host), ("User-Agent", self.user_agent), ("Accept", "application/json")]
        if route.via and not route.tunnel:  # a plain-HTTP proxy: absolute-form, credentials on each request
            target = f"{self.endpoint.protocol}://{self._host}{target}"
            headers += [("Proxy-Authorization", route.proxy_auth)] if route.proxy_auth else []
        if verb == "GET":
            return request_bytes(verb, target, headers)
        body = form.encode()
        headers += [("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", str(len(body)))]
        return request_bytes(verb, target, headers, body)


def idle_and_open(sock: socket.socket) -> bool:
    """Whether an idle kept-alive connection may carry the next request.

    Readable while idle means the server closed it (EOF) or sent something
    unasked: a new connection then, so that a server closing idle connections
    never turns into a spurious AnswerLost.
    """
    pending = getattr(sock, "pending", None)  # TLS bytes already decrypted
    if pending is not None and pending():
        return False
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return not poller.poll(0)


def kind(err: BaseException) -> str:
    """An error's type, never its message (which may quote a host or a path)."""
    return "name not resolved" if isinstance(err, socket.gaierror) else type(err).__name__
