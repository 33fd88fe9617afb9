"""Every ending of every bridge command has its documented exit code and one line; never a traceback.

The table of docs/bridge-cli.md is ``contract.EXIT_CODES``; each command's
--help shows it.  A bug or an answer the bridge does not understand is the
catch-all's exit 3, whose line names the exception's type and where, never
its message; an add or delete leaves its status file in every case.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import ACCESS_KEY, CANARY_PASSWORD, CLUSTER, SECRET_KEY, ZONE, Sim, assert_no_secret, password_env
from qingcloud_mysqlplus.bridge import commands, contract, main, work
from qingcloud_mysqlplus.bridge.options import build_parser

DOCS = Path(__file__).resolve().parent.parent / "docs" / "bridge-cli.md"
LEAK = "Canary-in-a-message-4471"  # an exception's message: never shown
ACCOUNT = ["--cluster", CLUSTER, "--user", "app_rw"]
COMMANDS = {
    "add-user": ["add-user", *ACCOUNT],
    "del-user": ["del-user", *ACCOUNT],
    "accounts": ["accounts", "--cluster", CLUSTER],
    "doctor": ["doctor", "--cluster", CLUSTER],
    "replay": ["replay"],
}


def bridge(argv: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    err, out = io.StringIO(), io.StringIO()
    code = main.main(argv, env, io.StringIO(""), err, out)
    assert "Traceback" not in err.getvalue() + out.getvalue()
    assert_no_secret(err.getvalue(), out.getvalue())
    return code, err.getvalue().splitlines()


def docs_table() -> list[tuple[int, str]]:
    section = DOCS.read_text().split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    return [(int(code), text) for code, text in re.findall(r"^\| `(\d+)` \| (.+?) \|$", section, re.MULTILINE)]


def test_the_docs_table_is_the_contract_and_every_help_shows_it() -> None:
    assert docs_table() == list(contract.EXIT_CODES)
    parser = build_parser()
    for name in COMMANDS:
        text = parser.subcommand(name).format_help()  # type: ignore[union-attr]
        for code, meaning in contract.EXIT_CODES[2:]:  # 0 and 1 say what they mean for the command
            assert f"\n  {code!s:<2} {meaning}\n" in text, (name, code)
    assert "\n  130 interrupted (SIGINT or SIGTERM)" in parser.format_help()


def raising(err: BaseException) -> Callable[..., object]:
    def raise_it(*args: object, **kwargs: object) -> object:
        raise err

    return raise_it


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_bug_in_any_command_is_one_line_exit_3_without_its_message(
    module_sim: Sim, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: str
) -> None:
    bug = raising(ValueError(f"invalid literal: {LEAK}"))
    monkeypatch.setattr(work, "perform", bug)
    monkeypatch.setattr(commands, "_accounts", bug)
    monkeypatch.setattr(commands, "_doctor", bug)
    monkeypatch.setattr(main, "replay", bug)
    status = tmp_path / "status.json"
    argv = COMMANDS[command] + (["--status-file", str(status)] if command in ("add-user", "del-user", "replay") else [])
    code, lines = bridge(argv, password_env(module_sim, QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(tmp_path / "l")))
    assert code == contract.EXIT_BUG and len(lines) == 1, lines
    assert re.search(r"unexpected ValueError at bridge/\w+\.py:\d+ \(\w+\): an answer the bridge does not", lines[0])
    assert LEAK not in lines[0] and "invalid literal" not in lines[0]
    assert "report this line" in lines[0] and lines[0].startswith(f"qingcloud-mysqlplus: {command}")
    if command in ("add-user", "del-user"):
        assert json.loads(status.read_text()) == {"exit": contract.EXIT_BUG, "last": lines[0]}


@pytest.mark.parametrize("command", ["add-user", "del-user"])
def test_an_interrupt_is_exit_130_and_recorded(
    module_sim: Sim, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: str
) -> None:
    monkeypatch.setattr(work, "perform", raising(KeyboardInterrupt()))
    status = tmp_path / "status.json"
    env = password_env(module_sim, QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(tmp_path / "l"), QINGCLOUD_MYSQLPLUS_QUIET="1")
    code, lines = bridge([*COMMANDS[command], "--status-file", str(status)], env)
    assert code == contract.EXIT_INTERRUPTED and lines[-1].endswith("interrupted by SIGINT")
    assert json.loads(status.read_text()) == {"exit": 130, "last": lines[-1]}


def test_a_lock_file_that_cannot_be_opened_is_configuration_exit_2(sim: Sim, tmp_path: Path) -> None:
    locks = tmp_path / "locks"
    (locks / f"{ZONE}-{CLUSTER}.lock").mkdir(parents=True, mode=0o700)  # a directory where the file goes
    locks.chmod(0o700)
    code, lines = bridge(COMMANDS["add-user"], password_env(sim, QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(locks)))
    assert code == contract.EXIT_USAGE and len(lines) == 1
    assert "error: cannot open the cluster's lock file (Is a directory): point --lock-dir" in lines[0]
    assert sim.stats()["requests"] == 0


def test_a_refused_command_line_still_writes_the_status_file(tmp_path: Path) -> None:
    status = tmp_path / "s" / "status.json"
    env = {contract.STATUS_FILE: str(status), "QINGCLOUD_ACCESS_KEY": ACCESS_KEY, "QINGCLOUD_SECRET_KEY": SECRET_KEY}
    code, lines = bridge(["add-user", *ACCOUNT, "--rep"], env)
    assert code == contract.EXIT_USAGE and lines[0].startswith("usage: qingcloud-mysqlplus add-user ")
    assert json.loads(status.read_text()) == {"exit": 2, "last": lines[-1]}
    flagged = tmp_path / "flagged.json"
    code, lines = bridge(["del-user", "--status-file", str(flagged), "--bogus"], {})
    assert code == contract.EXIT_USAGE and json.loads(flagged.read_text())["last"] == lines[-1]


def test_replay_of_a_missing_file_names_it_only_when_it_is_the_constructs(tmp_path: Path) -> None:
    ours = tmp_path / contract.status_file("m-9")
    assert bridge(["replay", "--status-file", str(ours)], {}) == (1, [
        f"qingcloud-mysqlplus: the bridge left no result in {ours}: it did not start, or was killed (is the "
        "Python that ran 'cdktf synth' still there?)"])  # fmt: skip
    code, lines = bridge(["replay", "--status-file", CANARY_PASSWORD], {})
    assert code == 1 and "left no result in the --status-file given" in lines[0]
