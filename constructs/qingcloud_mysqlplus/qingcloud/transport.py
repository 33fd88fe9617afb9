"""HTTP to the API endpoint: one ``requests.Session`` per client, its failures told apart by what they prove.

requests does the HTTP, the keep-alive, the proxies (``HTTPS_PROXY``, ``NO_PROXY``) and
the CA bundles (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``) as its users expect; this module
only decides what each failure means.  Before the request was written it is
:class:`NotSent` (safe to resend); after it, :class:`AnswerLost` (the server may have
acted); a setting that cannot work is :class:`Misconfigured`.  urllib3 never resends on
its own (``Retry(0, read=False)``): every resend goes through :mod:`.retry`.  requests'
exception messages quote the URL (a GET's query holds the signature): none is ever shown,
each is mapped to a message naming host and port only.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .endpoint import ENDPOINT_SETTINGS, Endpoint
from .errors import AnswerLost, Misconfigured, NotSent, QingCloudError
from .retry import Clock

if TYPE_CHECKING:
    import requests

REFUSED_FOR = 60.0  # seconds of nothing but refused connections before the endpoint is called wrong
CONNECT_TIMEOUT = 10.0  # seconds to open a connection (a read may take the whole http_timeout)
NOT_FOUND = {getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, name)}
CA_VARIABLES = "REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE"


class Transport:
    """One session: its pool keeps the connection alive between calls.  Not for use from several threads."""

    def __init__(self, endpoint: Endpoint, user_agent: str = "qingcloud-mysqlplus") -> None:
        import requests  # here, not at the top: a run that sends nothing (replay, a usage error) starts faster
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        self.endpoint = endpoint
        default = (endpoint.protocol, endpoint.port) in (("http", 80), ("https", 443))
        host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
        self.url = f"{endpoint.protocol}://{host}{'' if default else f':{endpoint.port}'}{endpoint.path}"
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(max_retries=Retry(0, read=False)))
        self.session.mount("https://", HTTPAdapter(max_retries=Retry(0, read=False)))
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
        self.session.auth = _no_auth  # else requests reads ~/.netrc and sends what it finds there
        self._refused_since: float | None = None

    def close(self) -> None:
        """Close the kept-alive connections (the next call opens another)."""
        self.session.close()

    def request(self, verb: str, form: str, timeout: float, clock: Clock) -> requests.Response:
        """GET with ``form`` as the query, or POST with it as a form-encoded body; the whole answer."""
        import requests

        kwargs = {"timeout": (min(CONNECT_TIMEOUT, timeout), timeout), "verify": True, "allow_redirects": False}
        try:
            if verb == "GET":
                response = self.session.get(f"{self.url}?{form}", **kwargs)  # type: ignore[arg-type]
            else:
                response = self.session.post(self.url, data=form, **kwargs,  # type: ignore[arg-type]
                                             headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        except (requests.RequestException, OSError, ValueError) as err:
            failure = self._failure(err, timeout)
            refused = isinstance(failure, NotSent) and _found(err, ConnectionRefusedError) is not None
        else:
            self._refused_since = None
            return response
        if not refused:
            self._refused_since = None
        elif self._refused_since is None:
            self._refused_since = clock()
        elif clock() - self._refused_since >= REFUSED_FOR:
            proxy = self._proxy()
            where = f"the proxy {proxy[1]} ({proxy[0]})" if proxy else self.endpoint.where
            failure = Misconfigured(f"nothing accepts connections at {where} (refused on every try "
                                    f"for {REFUSED_FOR:g} s); check {ENDPOINT_SETTINGS}")  # fmt: skip
        raise failure

    def _failure(self, err: Exception, timeout: float) -> QingCloudError:
        """What ``err`` proves, in a message without the URL, the query or the proxy's credentials."""
        import requests

        proxy = self._proxy()
        where = f"{self.endpoint.where} via proxy {proxy[1]}" if proxy else self.endpoint.where
        if isinstance(err, (requests.exceptions.InvalidProxyURL, requests.exceptions.InvalidSchema,
                            requests.exceptions.InvalidURL, ValueError)) and proxy:  # fmt: skip
            return Misconfigured(f"{proxy[0]}: not a proxy URL such as http://host:3128 (the value is not shown)")
        if isinstance(err, ValueError) and not isinstance(err, requests.RequestException):
            return Misconfigured(
                f"no request to {where} could be made ({type(err).__name__}); check {ENDPOINT_SETTINGS}"
            )
        if isinstance(err, requests.exceptions.SSLError) or not isinstance(err, requests.RequestException):
            return self._tls_failure(err, where)
        if isinstance(err, requests.exceptions.ProxyError):
            return _proxy_failure(err, proxy[0] if proxy else "the proxy variable", where, self.endpoint.where)
        if isinstance(err, requests.exceptions.ConnectTimeout):
            return NotSent(f"connecting to {where} timed out")
        if isinstance(err, requests.exceptions.ReadTimeout):
            return AnswerLost(f"no answer from {where} within {timeout:.1f} s")
        lookup = _found(err, socket.gaierror)
        if lookup is not None and getattr(lookup, "errno", None) in NOT_FOUND:
            return Misconfigured(f"the host name {self.endpoint.host} does not resolve (endpoint {self.endpoint.where}); "
                                 f"check {ENDPOINT_SETTINGS}")  # fmt: skip
        if lookup is not None:  # EAI_AGAIN: the resolver did not answer this time
            return NotSent(f"connection to {where} failed (name lookup failed for now)")
        connect = _found(err, ConnectionRefusedError, TimeoutError, OSError)
        if _named(err, "NewConnectionError"):
            return NotSent(f"connection to {where} failed ({type(connect).__name__ if connect else 'no connection'})")
        if _named(err, "BadStatusLine", "InvalidChunkLength", "LineTooLong", "UnknownProtocol"):
            return AnswerLost(f"{where} answered something that is not HTTP/1.1")
        return AnswerLost(f"connection to {where} lost before the answer ({_innermost(err)})")

    def _tls_failure(self, err: Exception, where: str) -> QingCloudError:
        import ssl

        import requests

        verification = _found(err, ssl.SSLCertVerificationError)
        if verification is not None:
            reason = getattr(verification, "verify_message", "") or "unknown reason"
            return Misconfigured(f"the certificate of {self.endpoint.where} could not be verified ({reason}); "
                                 f"{CA_VARIABLES} can name the CA bundle that signs it")  # fmt: skip
        if not isinstance(err, requests.RequestException):  # requests could not load the CA bundle it was given
            return Misconfigured(f"{CA_VARIABLES}: cannot load the CA bundle it names ({type(err).__name__})")
        return AnswerLost(f"TLS with {where} failed ({_innermost(err)})")  # when is not known: maybe after sending

    def _proxy(self) -> tuple[str, str] | None:
        """The variable that routes the endpoint through a proxy, and the proxy's host:port; None if direct."""
        import requests.utils

        proxies = requests.utils.get_environ_proxies(self.url) if self.session.trust_env else {}
        url = requests.utils.select_proxy(self.url, proxies)
        if not url:
            return None
        variable = (
            f"{self.endpoint.protocol.upper()}_PROXY" if proxies.get(self.endpoint.protocol) == url else "ALL_PROXY"
        )
        try:
            parts = urlsplit(url if "://" in url else f"http://{url}")
            return variable, f"{parts.hostname}:{parts.port or 80}"
        except ValueError:
            return variable, "(unreadable)"


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


def _chain(err: BaseException) -> Iterator[BaseException]:
    """``err`` and every exception behind it: causes, contexts, urllib3's ``reason`` and wrapped arguments."""
    seen: set[int] = set()
    stack = [err]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        behind = (current.__cause__, current.__context__, getattr(current, "reason", None), *current.args)
        stack.extend(e for e in behind if isinstance(e, BaseException))


def _found(err: BaseException, *kinds: type[BaseException]) -> BaseException | None:
    for kind in kinds:
        hit = next((e for e in _chain(err) if isinstance(e, kind) and e is not err), None)
        if hit is not None:
            return hit
    return None


def _named(err: BaseException, *names: str) -> bool:
    return any(type(e).__name__ in names for e in _chain(err))


def _innermost(err: BaseException) -> str:
    """The type of the deepest exception behind ``err``, never a message (which may quote the URL)."""
    return type(list(_chain(err))[-1]).__name__


def _proxy_failure(err: BaseException, variable: str, where: str, target: str) -> QingCloudError:
    """The proxy refused the credentials (a setting), or could not be reached, or opened no tunnel (not sent)."""
    tunnel = next((re.search(r"Tunnel connection failed: (\d{3})", str(e)) for e in _chain(err)
                   if isinstance(e, OSError) and "Tunnel connection failed" in str(e)), None)  # fmt: skip
    if tunnel and tunnel.group(1) == "407":
        return Misconfigured(f"the proxy {where.split(' via proxy ')[-1]} refused the credentials (HTTP 407); "
                             f"{variable} takes them as http://user:password@host:port")  # fmt: skip
    if tunnel:
        return NotSent(f"the proxy opened no tunnel to {target} (HTTP {tunnel.group(1)})")
    return NotSent(f"connection to {where} failed (the proxy could not be reached: {_innermost(err)})")
