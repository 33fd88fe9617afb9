"""The bridge's record of the add_user requests it sent for each account.

A create that times out, loses its connection or is killed may still succeed
on the cluster.  Terraform taints that account and later replaces it without
running its destroy step, so the next add_user meets an existing account.
This journal lets that next run prove the account is its own: each attempt
keeps when it was sent, until when it may have been processed, and its job id
once known, and which jobs already existed before it was sent.  It never
holds a password.  An account's record goes when del_user removes it, or when
a seen answer shows the attempt created nothing.
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


def write_json(path: Path, data: Any) -> None:
    """Replace ``path`` in one step, so a reader (or a killed writer) never sees half a file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def _safe(zone: str, cluster: str, user: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{zone}-{cluster}-{user}")


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
        self.key = _safe(zone, cluster, user)
        self.directory = directory
        self.path = directory / f"{self.key}.json"
        self.run = f"{os.getpid()}-{time.time():.6f}"

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
        """Rewrite a recorded attempt; one forgotten (or cleared) since stays gone."""
        if job_id:
            attempt.job_id = job_id
        if finished:
            attempt.until = time.time()
        recorded = self.attempts()
        if any(_same(a, attempt) for a in recorded):
            self._write([attempt if _same(a, attempt) else a for a in recorded])

    def settle(self, attempt: Attempt, job_id: str | None = None) -> None:
        """This attempt made the account (by ``job_id``): keep it alone, as the proof for later runs."""
        attempt.job_id = job_id or attempt.job_id
        self._write([attempt])

    def forget(self, attempt: Attempt) -> None:
        """Its outcome was seen and created nothing: it proves nothing any more."""
        self._write([a for a in self.attempts() if not _same(a, attempt)])

    def mark_pending(self) -> Path:
        """Mark this account's create as not yet confirmed to Terraform (see below)."""
        path = self.directory / "pending" / self.key
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_text(f"{time.time():.3f}\n", encoding="utf-8")
        return path

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def _write(self, attempts: list[Attempt]) -> None:
        if not attempts:
            return self.clear()
        write_json(self.path, {"attempts": [asdict(a) for a in attempts]})


def _same(a: Attempt, b: Attempt) -> bool:
    return (a.sent, a.run) == (b.sent, b.run)


# -- creates not yet confirmed to Terraform --------------------------------------
# Terraform records an instance before its provisioners run and may persist that
# record; a run killed in mid-provisioning then leaves an account in its state that
# was never made.  The add step marks the account pending; the replay step, once it
# has reported success to Terraform, removes the mark.  At the next synth the
# construct finds marks left behind, counts them into the account's generation,
# and the changed generation makes Terraform replace (so re-create) the account.


def generation(directory: Path, zone: str, cluster: str, user: str) -> int:
    """The account's generation; a pending mark left by an unfinished create adds one (once)."""
    key = _safe(zone, cluster, user)
    counts_file = directory / "generations.json"
    try:
        counts = {str(k): int(v) for k, v in json.loads(counts_file.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        counts = {}
    mark = directory / "pending" / key
    if mark.exists():
        counts[key] = counts.get(key, 0) + 1
        write_json(counts_file, counts)
        mark.unlink(missing_ok=True)
    return counts.get(key, 0)
