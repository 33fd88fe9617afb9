"""The bridge command against the simulator, over real HTTP, as Terraform runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import (
    ACCESS_KEY,
    ADD,
    CANARY_PASSWORD,
    CLUSTER,
    DEL,
    SECRET_KEY,
    ZONE,
    Sim,
    assert_no_secret,
    bridge_env,
    password_env,
    run_bridge,
)


def test_add_then_delete(sim: Sim) -> None:
    added = run_bridge([*ADD, "--host", "10.0.0.5;192.168.1.0/24", "--database", "orders"], password_env(sim))
    assert added.returncode == 0, added.stderr
    assert "added app_rw@10.0.0.5;192.168.1.0/24 to cl-test0001" in added.stderr
    account = sim.accounts()["app_rw"]
    assert account["hosts"] == ["10.0.0.5", "192.168.1.0/255.255.255.0"]
    assert (account["database"], account["priv"], account["ssl"]) == ("orders", "StandardAccount", "NO")
    deleted = run_bridge([*DEL, "--host", "10.0.0.5;192.168.1.0/24"], password_env(sim))
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted app_rw" in deleted.stderr
    assert sim.accounts() == {}
    assert_no_secret(added.stdout, added.stderr, deleted.stdout, deleted.stderr)


def test_everything_from_the_environment(sim: Sim) -> None:
    extra = {
        "QINGCLOUD_MYSQLPLUS_CLUSTER": CLUSTER, "QINGCLOUD_MYSQLPLUS_USER": "envuser",
        "QINGCLOUD_MYSQLPLUS_HOST": "127.0.0.1", "QINGCLOUD_MYSQLPLUS_DATABASE": "*",
        "QINGCLOUD_MYSQLPLUS_PRIV": "SuperuserAccount", "QINGCLOUD_MYSQLPLUS_SSL": "0",
    }  # fmt: skip
    result = run_bridge(["add-user"], password_env(sim, **extra))
    assert result.returncode == 0, result.stderr
    assert sim.accounts()["envuser"]["priv"] == "SuperuserAccount"


def test_password_from_stdin_and_named_variable(sim: Sim) -> None:
    base = bridge_env(sim)
    by_stdin = run_bridge([*ADD, "--password-stdin"], base, stdin=CANARY_PASSWORD + "\n")
    assert by_stdin.returncode == 0, by_stdin.stderr
    by_name = run_bridge([*ADD[:-1], "other", "--password-env", "MY_PW"], {**base, "MY_PW": CANARY_PASSWORD})
    assert by_name.returncode == 0, by_name.stderr
    assert set(sim.accounts()) == {"app_rw", "other"}


def test_no_password_flag_exists(sim: Sim) -> None:
    result = run_bridge([*ADD, "--password", CANARY_PASSWORD], bridge_env(sim))
    assert result.returncode == 2
    assert "--password" in result.stderr
    missing = run_bridge(ADD, bridge_env(sim))
    assert missing.returncode == 2
    assert "no password: set QINGCLOUD_MYSQLPLUS_PASSWORD or use --password-stdin" in missing.stderr


def test_bad_input_exits_2_and_sends_nothing(sim: Sim) -> None:
    cases = [
        ([*ADD[:-1], "root"], "reserved"),
        ([*ADD, "--host", "10.0.0.1/24"], "10.0.0.0/24"),
        ([*ADD, "--priv", "SuperuserAccount", "--database", "orders"], "SuperuserAccount"),
        ([*ADD, "--timeout", "-3"], "positive number"),
        ([*ADD, "--http-method", "PUT"], "GET or POST"),
    ]
    for args, says in cases:
        result = run_bridge(args, password_env(sim))
        assert result.returncode == 2, (args, result.stderr)
        assert says in result.stderr
        assert "Traceback" not in result.stderr
    weak = run_bridge(ADD, bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD="Weakpassword1"))
    assert weak.returncode == 2 and "special" in weak.stderr and "Weakpassword1" not in weak.stderr
    assert sim.stats()["requests"] == 0


def test_missing_credentials_say_where_they_were_looked_for(sim: Sim, tmp_path: Path) -> None:
    environ = password_env(sim, HOME=str(tmp_path))
    del environ["QINGCLOUD_SECRET_KEY"]
    result = run_bridge(ADD, environ)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line
    assert "QINGCLOUD_SECRET_KEY" in line and str(tmp_path / ".qingcloud" / "config.yaml") in line


def test_config_file_and_precedence(sim: Sim, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    host, port = sim.url.split("//")[1].split("/")[0].split(":")
    config.write_text(
        f"qy_access_key_id: {ACCESS_KEY}\nqy_secret_access_key: {SECRET_KEY}\nzone: {ZONE}\n"
        f"host: {host}\nport: {port}\nprotocol: http\n"
    )
    environ = {k: v for k, v in password_env(sim).items() if not k.startswith("QINGCLOUD_") or "MYSQLPLUS" in k}
    result = run_bridge([*ADD, "--config", str(config)], environ)
    assert result.returncode == 0, result.stderr
    # The environment beats the file: a wrong key there makes the call fail.
    wrong = run_bridge([*ADD[:-1], "x2", "--config", str(config)], {**environ, "QINGCLOUD_ACCESS_KEY": "QYWRONG"})
    assert wrong.returncode == 1 and "1200" in wrong.stderr
    # A flag beats the environment: --zone elsewhere does not find the cluster.
    flagged = run_bridge([*ADD[:-1], "x3", "--zone", "pek3a"], password_env(sim))
    assert flagged.returncode == 1 and "2100" in flagged.stderr


OTHER_PASSWORD = "Canary@Other-9911"


def test_an_account_made_elsewhere_exactly_as_declared_is_adopted_without_a_job(sim: Sim) -> None:
    assert run_bridge(ADD, password_env(sim)).returncode == 0
    jobs = len(sim.jobs())
    again = run_bridge(ADD, password_env(sim))
    assert again.returncode == 0, again.stderr
    assert "adopted app_rw@% on cl-test0001" in again.stderr and "exactly as declared" in again.stderr
    assert len(sim.jobs()) == jobs  # decided from the history: no job sent
    assert_no_secret(again.stderr)


def test_an_account_made_otherwise_is_left_alone_then_replaced_on_request(sim: Sim) -> None:
    assert run_bridge(ADD, password_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=OTHER_PASSWORD)).returncode == 0
    again = run_bridge(ADD, password_env(sim))
    assert again.returncode == 1
    line = again.stderr.strip().splitlines()[-1]
    assert "app_rw already exists on cl-test0001 (made by job j-" in line and "not as declared" in line
    assert "qingcloud-mysqlplus del-user --zone sh1a --cluster cl-test0001 --user app_rw --host %" in line
    assert "--replace-existing" in line
    replaced = run_bridge([*ADD, "--database", "orders", "--replace-existing"], password_env(sim))
    assert replaced.returncode == 0, replaced.stderr
    assert "replaced app_rw@%" in replaced.stderr
    assert sim.accounts()["app_rw"]["database"] == "orders"
    assert_no_secret(again.stderr, replaced.stderr)
    assert OTHER_PASSWORD not in again.stderr + replaced.stderr


def test_delete_missing_is_done_from_the_evidence(sim: Sim) -> None:
    result = run_bridge(DEL, password_env(sim))
    assert result.returncode == 0, result.stderr
    assert "app_rw@% is not on cl-test0001: no successful add_user for app_rw is listed" in result.stderr


def test_keep_deletes_nothing(sim: Sim) -> None:
    assert run_bridge(ADD, password_env(sim)).returncode == 0
    kept = run_bridge([*DEL, "--keep"], password_env(sim))
    assert kept.returncode == 0 and "kept app_rw@%" in kept.stderr
    assert "app_rw" in sim.accounts()


def test_status_file_and_replay(sim: Sim, tmp_path: Path) -> None:
    status = tmp_path / "s" / "status.json"
    added = run_bridge(ADD, password_env(sim, QINGCLOUD_MYSQLPLUS_STATUS_FILE=str(status)))
    assert added.returncode == 0
    replayed = run_bridge(["replay", "--status-file", str(status)], bridge_env(sim))
    assert replayed.returncode == 0 and "added app_rw@%" in replayed.stderr
    assert not status.exists()
    failed = run_bridge(
        ADD, password_env(sim, QINGCLOUD_MYSQLPLUS_STATUS_FILE=str(status), QINGCLOUD_MYSQLPLUS_PASSWORD=OTHER_PASSWORD)
    )
    assert failed.returncode == 1
    replayed = run_bridge(["replay", "--status-file", str(status)], bridge_env(sim))
    assert replayed.returncode == 1 and "already exists" in replayed.stderr
    assert OTHER_PASSWORD not in status.read_text() if status.exists() else True
    gone = run_bridge(["replay", "--status-file", str(status)], bridge_env(sim))
    assert gone.returncode == 1 and "left no result" in gone.stderr


def test_help_documents_exit_codes_and_starts_without_cdktf() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "qingcloud_mysqlplus", "--help"],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": ""},
    )  # fmt: skip
    assert "0  done" in result.stdout and "2  bad input" in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert imported, "importtime printed nothing"
    assert not {m for m in imported if m.split(".")[0] in ("cdktf", "constructs", "jsii")}
