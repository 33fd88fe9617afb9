"""Where the API is: protocol, host, port and the signed path (``/iaas/``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_ENDPOINT = "https://api.qingcloud.com:443/iaas/"
HOST_NAME = re.compile(r"[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45}")  # a DNS name, IPv4 or IPv6


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
