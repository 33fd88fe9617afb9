"""A small client for the simulator's unsigned ``/_sim/*`` endpoints (tests, demo, CLI)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from .faults import Fault


class SimControlError(Exception):
    """The simulator refused a control request (a bad fault or option)."""


def base_of(url: str) -> str:
    """``http://host:port`` from the ``/iaas/`` URL (or from the base itself)."""
    return url.rstrip("/").removesuffix("/iaas")


class SimControl:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.base, self.timeout = base_of(url), timeout

    def _call(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base}/_sim/{path}", data=data, method="GET" if data is None else "POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as err:
            message = json.loads(err.read() or b"{}").get("message", err.reason)
            raise SimControlError(f"/_sim/{path}: HTTP {err.code}: {message}") from None

    def accounts(self) -> dict[str, dict[str, Any]]:
        """Per cluster id: ``zone`` and ``accounts`` (user, hosts, database, priv, ssl)."""
        return dict(self._call("accounts")["clusters"])

    def jobs(self) -> list[dict[str, Any]]:
        """Every job, oldest first: job_id, cluster, service, user, owner, status, started, finished."""
        return list(self._call("jobs")["jobs"])

    def stats(self) -> dict[str, Any]:
        """``requests``, ``requests_per_action``, ``busy_refusals``, and ``job_spans``: per cluster its jobs' [started, finished]."""
        return dict(self._call("stats"))

    def faults(self) -> dict[str, Any]:
        """``pending`` faults and ``struck`` counts per kind."""
        return dict(self._call("faults"))

    def struck(self) -> dict[str, int]:
        return dict(self.faults()["struck"])

    def add_fault(self, fault: Fault | str, **fields: Any) -> dict[str, Any]:
        """A :class:`Fault`, or its kind and fields (``count``, ``on``, ``seconds``)."""
        body = vars(fault) if isinstance(fault, Fault) else {"kind": fault, **fields}
        return dict(self._call("faults", body))

    def clear_faults(self) -> int:
        """Remove pending faults and let hung jobs finish; how many were released."""
        return int(self._call("faults", {"clear": True})["released_jobs"])

    def options(self) -> dict[str, Any]:
        return dict(self._call("options"))

    def set_options(self, **changes: Any) -> dict[str, Any]:
        """Change options at run time; returns them all."""
        return dict(self._call("options", changes))

    def proxies(self) -> dict[str, dict[str, list[str]]]:
        """Per cluster id, each proxy node id with the user names it knows (as of its last restart)."""
        return dict(self._call("proxies")["clusters"])
