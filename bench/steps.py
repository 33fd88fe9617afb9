"""Steps that may fail: a failed process says why in one line, and a failed figure is noted, not fatal."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TypeVar

from .canaries import SECRETS
from .processes import Proc

T = TypeVar("T")


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class Failed(Exception):
    """A step failed; the message says which and how (no secret)."""


def tail(proc: Proc) -> str:
    """The lines of a failed run that say why: error lines first (no stack frames), then its last lines."""
    text = SECRETS.scrub(proc.stdout + "\n" + proc.stderr)
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith(("at ", "File ", "^", "~"))]
    errors = [line for line in lines if "rror" in line or "failed" in line.lower()]
    chosen = list(dict.fromkeys(errors[:3] + lines[-2:]))
    return " | ".join(chosen)[:700]


def checked(what: str, proc: Proc) -> Proc:
    """``proc`` if it exited 0 (its output searched for canaries either way), else :class:`Failed`."""
    SECRETS.check(what, proc.stdout, proc.stderr)
    if proc.code != 0:
        raise Failed(f"{what} exited {proc.code} after {proc.seconds:.1f} s: {tail(proc)}")
    return proc


def attempt(missing: list[str], label: str, step: Callable[[], T]) -> T | None:
    """One measurement: its value, or None with ``label: why`` noted in ``missing`` (once per label)."""
    try:
        return step()
    except Exception as err:
        if not any(note.startswith(f"{label}: ") for note in missing):
            missing.append(f"{label}: {SECRETS.scrub(f'{type(err).__name__}: {err}')}")
        return None
