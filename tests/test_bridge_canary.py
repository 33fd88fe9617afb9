"""A secret put in the wrong place is never echoed: a canary in every flag and every variable of every command.

Each flag and each environment variable the bridge reads is given a value
that could be a password (two canaries, one of which no URL parser takes);
whatever the run makes of it (refused, or taken as a path and run through),
the canary appears in no line of stdout or stderr and not in the status file,
and the run ends with a documented code other than the catch-all's.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from helpers import CANARY_PASSWORD, CLUSTER, Sim, password_env
from qingcloud_mysqlplus.bridge import commands, contract
from qingcloud_mysqlplus.bridge.main import main

CANARIES = ("Secret@Pw-2718", "Secret@Pw:2718!")
# An endpoint of the first canary is a URL (user 'Secret', host 'pw-2718'): only the host is ever shown, after a
# name lookup until the deadline; the second is refused at once.
URL_CANARIES = CANARIES[1:]
BASE = {
    "add-user": ["add-user", "--cluster", CLUSTER, "--user", "canary_rw"],
    "del-user": ["del-user", "--cluster", CLUSTER, "--user", "canary_rw"],
    "accounts": ["accounts", "--cluster", CLUSTER],
    "doctor": ["doctor", "--cluster", CLUSTER],
    "replay": ["replay"],
}
CREDENTIALS = ("QINGCLOUD_ACCESS_KEY", "QINGCLOUD_SECRET_KEY", "QINGCLOUD_ENDPOINT", "QINGCLOUD_ZONE")


def options(command: str) -> tuple[contract.Option, ...]:
    if command in commands.NAMES:
        return commands.OPTIONS
    if command == "replay":
        return tuple(o for o in contract.OPTIONS if o.flag == "--status-file")
    return contract.options_of(command)


def inputs() -> list[tuple[str, str, str]]:
    """(command, 'flag' or 'env', the flag or the variable)."""
    found = []
    for command in BASE:
        for opt in options(command):
            found += [(command, "flag", opt.flag), (command, "env", opt.env)]
        if command != "replay":
            found += [(command, "env", name) for name in CREDENTIALS if name != contract.field("zone").env]
            found.append((command, "argument", ""))
    found += [("add-user", "env", contract.PASSWORD), ("add-user", "stdin", "--password-stdin")]
    return found


def run(sim: Sim, tmp_path: Path, command: str, kind: str, name: str, canary: str) -> tuple[int, str]:
    status = tmp_path / "status.json"
    env = password_env(sim, QINGCLOUD_MYSQLPLUS_TIMEOUT="3", QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(tmp_path / "l"))
    env[contract.STATUS_FILE] = str(status)
    argv, stdin = list(BASE[command]), ""
    if kind == "flag":
        boolean = any(o.flag == name and o.boolean for o in contract.OPTIONS)
        argv += [f"{name}={canary}"] if boolean else [name, canary]
    elif kind == "env":
        env[name] = canary
    elif kind == "stdin":
        argv.append(name)
        stdin = canary + "\n"
    else:
        argv.append(canary)
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env, io.StringIO(stdin), err, out)
    left = status.read_text() if status.exists() and command != "replay" else ""
    status.unlink(missing_ok=True)
    return code, out.getvalue() + err.getvalue() + left


@pytest.mark.parametrize(("command", "kind", "name"), inputs())
def test_no_canary_is_echoed(
    module_sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, kind: str, name: str
) -> None:
    monkeypatch.chdir(tmp_path)  # a canary taken as a relative path (--lock-dir, --status-file) lands here
    urls = "ENDPOINT" in name.upper()
    for canary in URL_CANARIES if urls else CANARIES:
        code, text = run(module_sim, tmp_path, command, kind, name, canary)
        assert canary not in text and CANARY_PASSWORD not in text and "Traceback" not in text, text
        assert code in (contract.EXIT_OK, contract.EXIT_FAILED, contract.EXIT_USAGE), text
        assert text.strip(), "nothing said"
