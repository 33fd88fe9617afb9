"""The private PostgreSQL's readiness wait: ``pg_ctl -w`` may return while the server still refuses."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from qingcloud_mysqlplus.testing.postgres import _wait_until_accepting


class Starting:
    """A server that answers "starting up" ``refusals`` times, then accepts."""

    def __init__(self, refusals: int) -> None:
        self.refusals, self.tries = refusals, 0

    @contextlib.contextmanager
    def connect(self, database: str) -> Iterator[Any]:
        self.tries += 1
        if self.tries <= self.refusals:
            raise psycopg.OperationalError("FATAL:  the database system is starting up")
        yield object()


def test_a_server_still_starting_is_waited_for() -> None:
    server = Starting(refusals=2)
    _wait_until_accepting(server, seconds=60)  # type: ignore[arg-type]
    assert server.tries == 3


def test_a_server_that_never_accepts_raises_its_refusal() -> None:
    with pytest.raises(psycopg.OperationalError, match="starting up"):
        _wait_until_accepting(Starting(refusals=10**6), seconds=0)  # type: ignore[arg-type]
