"""The bridge's record of add_user requests whose outcome it has not seen yet.

A create that times out, loses its connection or is killed may still succeed
on the cluster.  Terraform taints that account and later replaces it without
running its destroy step, so the next add_user meets an existing account.
This journal lets that next run prove the account is its own: each attempt
keeps when it was sent, until when it may have been processed, and its job id
once known, and which jobs already existed before it was sent.  It never
holds a password.  Entries go when the outcome is known.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MAX_ATTEMPTS = 20


def default_journal_dir() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "qingcloud-mysqlplus" / "journal"


@dataclass
class Attempt:
    sent: float  # epoch seconds, just before the first send
    until: float  # when the bridge stopped; until it says, the end of its first send
    params: dict[str, str]  # service_params without the password
    job_id: str | None = None
    run: str = field(default="", compare=False)  # which bridge process made it
    # The newest of this key's jobs before the send: {"time": create_time or None, "ids": [...]}.
    # A job the cluster lists after it was created after the send.  None: not known.
    before: dict[str, Any] | None = None


class Journal:
    """The attempts for one account (zone, cluster, user), in one JSON file."""

    def __init__(self, directory: Path, zone: str, cluster: str, user: str) -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{zone}-{cluster}-{user}")
        self.directory = directory
        self.path = directory / f"{safe}.json"
        self.run = f"{os.getpid()}-{time.time():.6f}"
        self._forgotten: list[Attempt] = []

    def attempts(self) -> list[Attempt]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [Attempt(**item) for item in data["attempts"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError):
            return []  # unreadable evidence proves nothing; it is replaced on the next write

    def begin(self, params: dict[str, str], seconds: float, before: dict[str, Any] | None) -> Attempt:
        now = time.time()
        attempt = Attempt(sent=now, until=now + seconds, params=dict(params), run=self.run, before=before)
        self._write([*self.attempts(), attempt][-MAX_ATTEMPTS:])
        return attempt

    def update(self, attempt: Attempt, *, job_id: str | None = None, finished: bool = False) -> None:
        if job_id:
            attempt.job_id = job_id
        if finished:
            attempt.until = time.time()
        if any(a is attempt for a in self._forgotten):
            return
        self._write([*self._others(attempt), attempt][-MAX_ATTEMPTS:])

    def forget(self, attempt: Attempt) -> None:
        """Its outcome was seen and created nothing: it proves nothing any more."""
        self._forgotten.append(attempt)
        self._write(self._others(attempt))

    def _others(self, attempt: Attempt) -> list[Attempt]:
        return [a for a in self.attempts() if (a.sent, a.run) != (attempt.sent, attempt.run)]

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def _write(self, attempts: list[Attempt]) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not attempts:
            return self.clear()
        body: dict[str, Any] = {"attempts": [asdict(a) for a in attempts]}
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(body, indent=1), encoding="utf-8")
        tmp.replace(self.path)
