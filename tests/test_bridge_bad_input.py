"""The bridge's bad-input table: each wrong input, its exit code and the exact line printed (the last line).

Rows are what a user meets: a password where a variable's name belongs, a
flag abbreviated or misspelt, a value no rule takes, a word where the command
goes, a lock file that cannot be opened, a replay with nothing to replay.
No line shows the value given; every run is refused before anything is sent.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from helpers import CLUSTER, ZONE, Sim, password_env
from qingcloud_mysqlplus.bridge.main import main

SECRET = "Secret@Pw-2718"
NOT_URL = "Secret@Pw:2718!"
ACCOUNT = ["--cluster", CLUSTER, "--user", "orders_rw"]
P = "qingcloud-mysqlplus: "
ON = f"{P}add-user orders_rw@% on {CLUSTER}: error: "
HIDDEN = "(the value is not shown: it may be a secret)"
ROWS = [
    (["add-user", *ACCOUNT, "--password-env", SECRET], {}, 2,
     f"{ON}--password-env: expected the name of an environment variable: a letter or _, then letters, digits or _, "
     f"at most 128 in all, not the password itself {HIDDEN}"),
    (["add-user", *ACCOUNT, "--password", SECRET], {}, 2,
     f"{P}add-user: error: unknown option --password; the password is never read from the command line: set "
     "$QINGCLOUD_MYSQLPLUS_PASSWORD, name another variable with --password-env NAME, or pipe it to --password-stdin"),
    (["add-user", *ACCOUNT, "--data", "orders", "--rep"], {}, 2,
     f"{P}add-user: error: unknown options --data (did you mean --database?), --rep (did you mean "
     "--replace-existing?)"),
    (["add-user", *ACCOUNT, "--pasword-env", "MY_PW"], {}, 2,
     f"{P}add-user: error: unknown option --pasword-env; did you mean --password-env?"),
    (["add-user", "--cluster", SECRET, "--user", "orders_rw"], {}, 2,
     f"{P}add-user: error: cluster_id (--cluster): expected a cluster id such as cl-ouhutv70 {HIDDEN}"),
    (["add-user", *ACCOUNT, "--host", SECRET], {}, 2,
     f"{P}add-user: error: host (--host): expected '%' alone, or IPv4 addresses and CIDR subnets separated by ';' "
     f"{HIDDEN}"),
    (["add-user", *ACCOUNT, "--endpoint", NOT_URL], {}, 2,
     f"{ON}endpoint (--endpoint): expected a URL such as https://api.qingcloud.com:443/iaas/ {HIDDEN}"),
    (["add-user", *ACCOUNT], {"QINGCLOUD_ENDPOINT": NOT_URL}, 2,
     f"{ON}endpoint ($QINGCLOUD_ENDPOINT or the config file's host): expected a URL such as "
     f"https://api.qingcloud.com:443/iaas/ {HIDDEN}"),
    (["add-user", *ACCOUNT, "--config", SECRET], {}, 2,
     f"{ON}--config: expected the path of an existing config file {HIDDEN}"),
    (["add-user", *ACCOUNT], {"QINGCLOUD_MYSQLPLUS_SSL": SECRET}, 2,
     f"{P}add-user: error: $QINGCLOUD_MYSQLPLUS_SSL: expected 1/0, true/false, yes/no or on/off {HIDDEN}"),
    (["add-user", *ACCOUNT, f"--ssl={SECRET}"], {}, 2, f"{P}add-user: error: --ssl takes no value {HIDDEN}"),
    (["del-user", *ACCOUNT, "--timeout", SECRET], {}, 2,
     f"{P}del-user orders_rw@% on {CLUSTER}: error: --timeout: expected a positive number of seconds {HIDDEN}"),
    (["add-user", *ACCOUNT], {"QINGCLOUD_MYSQLPLUS_HTTP_METHOD": SECRET}, 2,
     f"{ON}$QINGCLOUD_MYSQLPLUS_HTTP_METHOD: expected GET or POST {HIDDEN}"),
    (["add-user", *ACCOUNT, "--password-env", "Orders_Pw2026"], {}, 2,
     f"{ON}no password: set the variable named by --password-env or use --password-stdin (it is never read from "
     "the command line)"),
    (["add-user", *ACCOUNT], {"QINGCLOUD_MYSQLPLUS_PASSWORD": SECRET.replace("@", "~")}, 2,
     f"{ON}password: received a value with a character that is not allowed; expected 8 to 32 characters with an "
     "upper-case letter, a lower-case letter, a digit and one of @#$%^&*_+-=, and no other characters (from "
     "$QINGCLOUD_MYSQLPLUS_PASSWORD)"),
    ([SECRET, "add-user"], {}, 2,
     f"{P}error: unknown command {HIDDEN}: expected one of add-user, del-user, replay, accounts, doctor"),
    (["add-user", *ACCOUNT, SECRET], {}, 2,
     f"{P}add-user: error: unexpected argument {HIDDEN}; each value follows its flag, e.g. --user NAME"),
    (["accounts", "--cluster", CLUSTER, "--timeout", SECRET], {}, 2,
     f"{P}accounts: error: --timeout: expected a positive number of seconds {HIDDEN}"),
    (["doctor", "--cluster", CLUSTER], {"QINGCLOUD_ZONE": SECRET}, 2,
     f"{P}doctor: error: zone ($QINGCLOUD_ZONE): expected a zone such as sh1a or pek3a {HIDDEN}"),
    (["replay", "--status-file", SECRET], {}, 1,
     f"{P}the bridge left no result in the --status-file given: it did not start, or was killed (is the Python "
     "that ran 'cdktf synth' still there?)"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "env", "code", "line"), ROWS)
def test_bad_input_table(
    module_sim: Sim, tmp_path: Path, argv: list[str], env: dict[str, str], code: int, line: str
) -> None:
    requests = module_sim.stats()["requests"]
    err = io.StringIO()
    environ = password_env(module_sim, QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(tmp_path / "l"), HOME=str(tmp_path), **env)
    assert main(argv, environ, io.StringIO(""), err, io.StringIO()) == code
    assert err.getvalue().splitlines()[-1] == line
    assert SECRET not in err.getvalue() and NOT_URL not in err.getvalue()
    assert module_sim.stats()["requests"] == requests  # nothing was sent


def test_a_lock_file_that_cannot_be_opened(module_sim: Sim, tmp_path: Path) -> None:
    (tmp_path / "l" / f"{ZONE}-{CLUSTER}.lock").mkdir(parents=True, mode=0o700)
    (tmp_path / "l").chmod(0o700)
    err = io.StringIO()
    environ = password_env(module_sim, QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(tmp_path / "l"))
    assert main(["add-user", *ACCOUNT], environ, io.StringIO(""), err) == 2
    assert err.getvalue().splitlines() == [
        f"{ON}cannot open the cluster's lock file (Is a directory): point --lock-dir or QINGCLOUD_MYSQLPLUS_LOCK_DIR "
        "at a directory of yours that you can write"
    ]
