"""The run's canaries: passwords and the simulator's secret key, made per run and never shown."""

from __future__ import annotations

import secrets

SECRET = "Bench-Secret-" + secrets.token_hex(8)  # the simulator's secret key, per run


def canary() -> str:
    """A valid password (upper, lower, digit, special), new per account and run; never printed."""
    return "Bq" + secrets.token_hex(7) + "@7z"


class Secrets:
    """Every canary of the run, to scrub from what is shown and to search for in outputs."""

    def __init__(self) -> None:
        self.values: set[str] = {SECRET}
        self.hits: list[str] = []

    def new(self) -> str:
        value = canary()
        self.values.add(value)
        return value

    def check(self, where: str, *texts: str) -> None:
        for text in texts:
            if any(v in text for v in self.values):
                self.hits.append(where)

    def scrub(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, "***")
        return text


SECRETS = Secrets()
