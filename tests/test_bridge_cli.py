"""The bridge's command line: no abbreviated flag, the command's own usage and the nearest real flag for a
wrong one, and SIGTERM told as exit 130 by every command (a process killed while it waits on an endpoint
that never answers).  tests/test_docs_commands.py holds docs/bridge-cli.md's options table to the parsers."""

from __future__ import annotations

import argparse
import io
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import ACCESS_KEY, CANARY_PASSWORD, CLUSTER, SECRET_KEY, VENV_BIN, ZONE
from qingcloud_mysqlplus.bridge import contract
from qingcloud_mysqlplus.bridge.main import main
from qingcloud_mysqlplus.bridge.options import build_parser

ENV = {"QINGCLOUD_ACCESS_KEY": ACCESS_KEY, "QINGCLOUD_SECRET_KEY": SECRET_KEY, "QINGCLOUD_ZONE": ZONE}


def refused(argv: list[str]) -> tuple[str, str]:
    """The usage and the error line of a command line argparse refuses (exit 2)."""
    err = io.StringIO()
    assert main(argv, ENV, io.StringIO(""), err, io.StringIO()) == contract.EXIT_USAGE
    *usage, line = err.getvalue().splitlines()
    return "\n".join(usage), line


def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from parsers(sub)


def test_no_parser_takes_an_abbreviation() -> None:
    every = list(parsers(build_parser()))
    assert len(every) == 6 and all(not p.allow_abbrev for p in every)
    usage, line = refused(["add-user", "--data", "orders", "--rep"])
    assert usage.startswith("usage: qingcloud-mysqlplus add-user [-h]")
    assert line == ("qingcloud-mysqlplus: add-user: error: unknown options --data (did you mean --database?), "
                    "--rep (did you mean --replace-existing?)")  # fmt: skip


@pytest.mark.parametrize(("argv", "says"), [
    (["add-user", "--pasword-env", "MY_PW"], "add-user: error: unknown option --pasword-env; did you mean --password-env?"),
    (["del-user", "--clutser", CLUSTER], "del-user: error: unknown option --clutser; did you mean --cluster?"),
    (["accounts", "--pyton"], "accounts: error: unknown option --pyton; did you mean --python?"),
    (["doctor", "--prob"], "doctor: error: unknown option --prob; did you mean --probe?"),
    (["replay", "--status"], "replay: error: unknown option --status; did you mean --status-file?"),
    (["add-user", "--password", CANARY_PASSWORD], "add-user: error: unknown option --password; the password is "
     "never read from the command line: set $QINGCLOUD_MYSQLPLUS_PASSWORD, name another variable with "
     "--password-env NAME, or pipe it to --password-stdin"),
    (["add-user", f"--passwd={CANARY_PASSWORD}"], "add-user: error: unknown option --passwd; the password is never"),
])  # fmt: skip
def test_an_unknown_flag_gets_the_commands_usage_and_the_nearest_real_one(argv: list[str], says: str) -> None:
    usage, line = refused(argv)
    assert usage.startswith(f"usage: qingcloud-mysqlplus {argv[0]} ") and line.startswith(
        f"qingcloud-mysqlplus: {says}"
    )
    assert CANARY_PASSWORD not in usage + line


def test_a_word_in_the_place_of_the_command_is_not_echoed() -> None:
    usage, line = refused([CANARY_PASSWORD, "add-user"])
    assert usage.startswith("usage: qingcloud-mysqlplus [-h]") and CANARY_PASSWORD not in line
    assert line.startswith("qingcloud-mysqlplus: error: unknown command (the value is not shown")
    assert refused(["add-usr"])[1].endswith("did you mean add-user?")


@pytest.fixture
def silent_endpoint() -> Iterator[tuple[socket.socket, str]]:
    """An endpoint that accepts connections and never answers."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(60)
        yield server, f"http://127.0.0.1:{server.getsockname()[1]}/iaas/"


@pytest.mark.parametrize(
    "command", [["accounts"], ["doctor"], ["add-user", "--user", "app_rw"], ["del-user", "--user", "app_rw"]]
)
def test_sigterm_is_exit_130_for_every_command(silent_endpoint: tuple[socket.socket, str], tmp_path: Path,
                                               command: list[str]) -> None:  # fmt: skip
    server, url = silent_endpoint
    status = tmp_path / "status.json"
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("QINGCLOUD_")}  # PYTHONPATH: this code
    env = {**inherited, **ENV, "HOME": str(tmp_path), "QINGCLOUD_MYSQLPLUS_PASSWORD": CANARY_PASSWORD,
           "QINGCLOUD_MYSQLPLUS_LOCK_DIR": str(tmp_path / "l"), contract.STATUS_FILE: str(status)}  # fmt: skip
    process = subprocess.Popen([str(VENV_BIN / "qingcloud-mysqlplus"), *command, "--cluster", CLUSTER, "--endpoint",
                                url], env=env, stderr=subprocess.PIPE, text=True)  # fmt: skip
    connection, _ = server.accept()  # the bridge is in main, waiting for an answer
    with connection:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == contract.EXIT_INTERRUPTED, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"qingcloud-mysqlplus: {command[0]} ") and last.endswith("interrupted by SIGTERM")
    assert "Traceback" not in stderr and CANARY_PASSWORD not in stderr
    assert status.exists() == command[0].endswith("-user")
