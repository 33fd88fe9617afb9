"""An application that logs in continuously, from a thread, and keeps every attempt.

It logs in account after account (PyMySQL, a new connection each time) with the
credentials it holds for each at that moment, as an application reading its
secret store would; an attempt succeeds when one of the passwords it holds
works.  Times are ``time.monotonic()``: the simulator serves from the test's own
process, so they compare with its job records.  The loop is bounded (a number
of attempts) and paces itself so it does not starve Terraform on a small machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from accounts_found import can_log_in
from helpers import MariaDB

Credentials = Sequence[tuple[str, Sequence[str]]]  # (user, the passwords the application holds for it)
PACE = 0.01  # seconds between attempts
MAX_ATTEMPTS = 100_000  # far beyond a test's deploys: the loop cannot run away


@dataclass(frozen=True)
class Attempt:
    user: str
    started: float
    ended: float
    ok: bool


class LoginProbe:
    def __init__(self, db: MariaDB, credentials: Callable[[], Credentials]) -> None:
        """``credentials``: what the application holds now, read again before each round of accounts."""
        self.db, self.credentials = db, credentials
        self.attempts: list[Attempt] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="login-probe", daemon=True)

    def __enter__(self) -> LoginProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set() and len(self.attempts) < MAX_ATTEMPTS:
            for user, passwords in self.credentials():
                started = time.monotonic()
                ok = any(can_log_in(self.db, user, password) for password in passwords)
                self.attempts.append(Attempt(user, started, time.monotonic(), ok))
                if self._stop.wait(PACE):
                    return

    def rounds_since(self, instant: float) -> int:
        """How many times each account was tried (the least over the accounts) since ``instant``."""
        tried: dict[str, int] = {}
        for a in self.attempts[:]:
            if a.started >= instant:
                tried[a.user] = tried.get(a.user, 0) + 1
        users = {user for user, _ in self.credentials()}
        return min((tried.get(user, 0) for user in users), default=0)

    def run_until(self, instant: float, rounds: int) -> None:
        """Let it go on until every account was tried ``rounds`` times after ``instant`` (bounded by attempts)."""
        while self._thread.is_alive() and self.rounds_since(instant) < rounds:
            time.sleep(PACE)

    def stop(self) -> list[Attempt]:
        self._stop.set()
        self._thread.join(timeout=60)
        assert not self._thread.is_alive(), "the login probe did not stop"
        return self.attempts

    def failed(self) -> list[Attempt]:
        return [a for a in self.attempts if not a.ok]
