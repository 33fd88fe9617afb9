"""Where the API is: protocol, host, port and the signed path (``/iaas/``), and whether plain http may go there.

Every request is signed with the access key, and add_user's carries the
password: over plain http anyone on the path reads them.  So ``http://`` is
for this machine only (the simulator, an SSH tunnel) unless the user opts in;
every caller that builds a client decides with :func:`plain_http_refused`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_ENDPOINT = "https://api.qingcloud.com:443/iaas/"
HOST_NAME = re.compile(r"[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45}")  # a DNS name, IPv4 or IPv6
# Where a user sets the endpoint, for the line that says what to check when it cannot work.
ENDPOINT_SETTINGS = ("the endpoint (--endpoint or the construct's endpoint, QINGCLOUD_ENDPOINT, or protocol/host/port "
                     "in ~/.qingcloud/config.yaml)")  # fmt: skip
ALLOW_HTTP_ENV = "QINGCLOUD_MYSQLPLUS_ALLOW_HTTP"  # the opt-in, for a private cloud on a trusted network
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"  # no leading zero: inet_aton reads those as octal
LOOPBACK_V4 = re.compile(rf"127\.{_OCTET}\.{_OCTET}\.{_OCTET}")


@dataclass(frozen=True)
class Endpoint:
    protocol: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname or not HOST_NAME.fullmatch(parts.hostname):
            raise ValueError(f"endpoint: received {url[:80]!r}; expected a URL such as {DEFAULT_ENDPOINT}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ValueError(f"endpoint: received {url[:80]!r}; the port is not a number") from None
        path = parts.path or "/iaas/"
        if not path.endswith("/"):
            path += "/"  # QingCloud signs the path with its trailing slash
        return cls(parts.scheme, parts.hostname, port, path)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.protocol}://{host}:{self.port}{self.path}"

    @property
    def where(self) -> str:
        """Host and port, for messages (never the query)."""
        return f"{self.host}:{self.port}"


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``: this machine, whose traffic nobody on the network sees.

    Written out, not resolved: a name is loopback only when it is ``localhost``.
    ``ipaddress`` (about 1 ms to import) is loaded only for an IPv6 address.
    """
    if host.lower() in ("localhost", "localhost.") or LOOPBACK_V4.fullmatch(host):
        return True
    if ":" not in host:
        return False
    import ipaddress

    try:
        return ipaddress.IPv6Address(host).is_loopback
    except ValueError:
        return False


def plain_http_refused(endpoint: Endpoint, allowed: bool) -> bool:
    """Whether requests to ``endpoint`` would cross a network in clear without the user's opt-in
    (``allowed``: $QINGCLOUD_MYSQLPLUS_ALLOW_HTTP, --allow-http, or the construct's allow_insecure_http)."""
    return endpoint.protocol == "http" and not allowed and not is_loopback(endpoint.host)


def plain_http_refusal(endpoint: Endpoint) -> str:
    """The one line that says why and what to do (no query, no credentials: the URL as parsed)."""
    return (f"endpoint {endpoint.url}: plain http:// to a host other than this machine would carry the signed "
            f"requests and the password in clear; use https://, or set {ALLOW_HTTP_ENV}=1 (the construct's "
            "allow_insecure_http=True) for a private cloud on a trusted network")  # fmt: skip
