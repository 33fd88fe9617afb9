"""How to reach the endpoint: directly or through the environment's proxy, and which CAs to trust.

The variables are those ``requests`` honoured, so that users of the previous
versions keep their set-up: ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY``
(either case) and ``NO_PROXY``; ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``
besides the system store (which honours ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``).
``urllib.request`` and ``ssl`` are slow to import, so each is loaded only when
needed.  No message quotes a proxy URL: it may hold a password.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from .endpoint import Endpoint
from .errors import TransportError

if TYPE_CHECKING:
    import ssl

CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@dataclass(frozen=True)
class Route:
    host: str  # the TCP peer: the endpoint, or the proxy
    port: int
    via: str | None = None  # "host:port" of the proxy, for messages
    tunnel: bool = False  # CONNECT through the proxy (an https endpoint), else absolute-form requests
    proxy_auth: str | None = None  # the Proxy-Authorization value, from the proxy URL's user:password

    def where(self, endpoint: Endpoint) -> str:
        """For messages: the endpoint's host and port, and the proxy's."""
        return f"{endpoint.where} via proxy {self.via}" if self.via else endpoint.where


def authority(endpoint: Endpoint) -> str:
    """``host:port`` as a Host header or a CONNECT target writes it (IPv6 in brackets)."""
    host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    return f"{host}:{endpoint.port}"


def route_to(endpoint: Endpoint) -> Route:
    """Direct unless a proxy variable for the endpoint's scheme is set and NO_PROXY does not exempt it."""
    direct = Route(endpoint.host, endpoint.port)
    if not any(name.lower().endswith("_proxy") for name in os.environ):
        return direct  # the common case, without importing urllib.request
    from urllib.request import getproxies_environment, proxy_bypass_environment  # type: ignore[attr-defined]

    proxies = getproxies_environment()
    variable, url = f"{endpoint.protocol.upper()}_PROXY", proxies.get(endpoint.protocol)
    if not url:
        variable, url = "ALL_PROXY", proxies.get("all")
    bypass_name = endpoint.host if ":" in endpoint.host else f"{endpoint.host}:{endpoint.port}"
    if not url or proxy_bypass_environment(bypass_name, proxies):
        return direct
    return _proxied(endpoint, url, variable)


def _proxied(endpoint: Endpoint, url: str, variable: str) -> Route:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http":
        raise TransportError(f"{variable}: only an http:// proxy is supported (the proxy's URL is not shown)")
    try:
        host, port = parts.hostname, parts.port or 80
    except ValueError:
        host = None
    if not host:
        raise TransportError(f"{variable}: not a proxy URL such as http://host:3128 (the value is not shown)")
    auth = None
    if parts.username is not None:
        import base64

        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        auth = "Basic " + base64.b64encode(pair.encode()).decode()
    via = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return Route(host, port, via, tunnel=endpoint.protocol == "https", proxy_auth=auth)


def tls_context() -> ssl.SSLContext:
    """The system's CAs, or the bundle REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE names (a file or a directory)."""
    import ssl

    variable = next((name for name in CA_BUNDLE_VARIABLES if os.environ.get(name)), None)
    bundle = os.environ[variable] if variable else None
    try:
        if bundle and os.path.isdir(bundle):
            return ssl.create_default_context(capath=bundle)
        if bundle:
            return ssl.create_default_context(cafile=bundle)
    except (OSError, ValueError) as err:
        raise TransportError(f"{variable}: cannot load the CA bundle it names ({type(err).__name__})") from None
    context = ssl.create_default_context()
    if not context.cert_store_stats()["x509_ca"]:
        _add_certifi(context)
    return context


def _add_certifi(context: ssl.SSLContext) -> None:
    """No CA loaded from the system (python.org's macOS build before "Install Certificates"):
    certifi's, as ``requests`` used, when it is installed."""
    try:
        import certifi  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return
    context.load_verify_locations(cafile=certifi.where())
