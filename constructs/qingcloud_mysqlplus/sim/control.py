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

    def console(self, cluster: str, user: str, *, service: str = "add_user", **fields: Any) -> dict[str, Any]:
        """An add_user (default) or del_user made in QingCloud's console: the job is the same user's
        (``access_key``'s owner, by default the first key's), its directive has ``sender.channel``
        ``console`` and no access key id or signature.  ``fields``: ``host`` (``%``), ``database``
        (``*``), ``priv`` (``StandardAccount``), ``ssl`` (``NO``), ``password`` (add_user), ``access_key``.
        Returns RunClusterCustomService's answer: ``ret_code`` 0 and ``job_id``, or a refusal such as
        1400 while the cluster runs a job (try again) or 1100 for a bad account."""
        return dict(self._call("console", {"cluster": cluster, "user": user, "service": service, **fields}))

    def background(self, count: int, users: list[str] | None = None, **fields: Any) -> dict[str, Any]:
        """Append ``count`` finished jobs by one key (``access_key``, default the first), oldest first,
        ``job_seconds`` long (6) and ``gap_seconds`` apart (2), the earlier history moved back in time
        by their span.  ``kinds`` (cycled; default account, account, restart_node, backup) over other
        clusters of the target's (``cluster``, default the first) zone and app: ``clusters``, or
        ``extra_clusters`` (3) hidden ones made as needed; account jobs are add_user, or del_user where
        the user exists there, of ``users`` in turn; ``on_target`` of the jobs are restarts and backups
        on the target.  Returns ``added``, ``job_ids``, ``target``, ``clusters``, ``backdated_seconds``."""
        body = {"count": count, **fields} | ({"users": users} if users is not None else {})
        return dict(self._call("background", body))
