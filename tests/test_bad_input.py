"""Bad input, generated: every value is accepted or refused with a clear message, never a traceback.

The construct is given arbitrary props at synth; the bridge is given arbitrary
values in every environment variable Terraform would set, against the
simulator over real HTTP.  A password is never echoed back.  Hostile values
reach neither a shell (local-exec passes them in the environment, see
test_reliability) nor SQL unescaped in the simulator (checked here on MariaDB).
"""

from __future__ import annotations

import io
import tempfile
from typing import Any

import cdktf
import pytest
from cdktf import TerraformStack
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts_found import reset_server
from helpers import ACCESS_KEY, CLUSTER, SECRET_KEY, ZONE, MariaDB, Sim
from qingcloud_mysqlplus import MysqlPlusAccount, Privilege, ephemeral_password
from qingcloud_mysqlplus.bridge.main import main
from qingcloud_mysqlplus.cdk.account import MysqlPlusAccountError
from qingcloud_mysqlplus.rules import AccountSpec
from qingcloud_mysqlplus.sim.backends import MySQLBackend

HOSTILE = ["", " ", "'", '"', ";", "\n", "$(id)", "`id`", "a'; DROP USER root; --", "ü" * 300, "\x00", "%", "*"]
TEXT = st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE))
ANY = st.one_of(TEXT, st.none(), st.booleans(), st.integers(), st.floats(), st.lists(TEXT, max_size=3))
LITERAL_PASSWORD = "Canary@Literal-9x"


pytestmark = pytest.mark.usefixtures("no_lookups")  # synth here tests the props, not the state and cluster reads


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    props=st.fixed_dictionaries(
        {},
        optional={
            "cluster_id": st.one_of(ANY, st.just("cl-ouhutv70")),
            "zone": st.one_of(ANY, st.just("sh1a")),
            "user": st.one_of(ANY, st.just("orders_rw")),
            "host": ANY,
            "database": ANY,
            "privilege": st.one_of(ANY, st.sampled_from(list(Privilege))),
            "ssl": ANY,
            "password_version": ANY,
            "timeout_seconds": ANY,
            "password_env": st.one_of(ANY, st.just(LITERAL_PASSWORD)),  # a password in the wrong place
            "endpoint": ANY,
            "keep_on_destroy": ANY,
            "replace_existing": ANY,
            "restart_proxies": ANY,
        },
    ),
    password=st.sampled_from(["token", "literal", "none"]),
)
def test_construct_props_are_accepted_or_refused_clearly(props: dict[str, Any], password: str) -> None:
    stack = TerraformStack(cdktf.Testing.app(), "fuzz")
    full = {"cluster_id": "cl-ouhutv70", "zone": "sh1a", "user": "orders_rw", **props}
    if password == "token":
        full["password"] = ephemeral_password(stack, "pw")
    elif password == "literal":
        full["password"] = LITERAL_PASSWORD
    try:
        MysqlPlusAccount(stack, "acc", **full)
    except MysqlPlusAccountError as err:
        text = str(err)
        assert text.startswith("fuzz/acc: ") and len(text.splitlines()) == 1
        assert LITERAL_PASSWORD not in text
        return
    cdktf.Testing.synth(stack)  # what is accepted also synthesises


def valid_or(*good: str) -> st.SearchStrategy[str]:
    """Mostly valid values, so that generated runs also reach the simulator."""
    return st.one_of(st.sampled_from(good), st.sampled_from(good), st.sampled_from(good), TEXT)


BRIDGE_ENV = st.fixed_dictionaries(
    {
        "QINGCLOUD_ZONE": valid_or(ZONE),
        "QINGCLOUD_MYSQLPLUS_CLUSTER": valid_or(CLUSTER, "cl-missing1"),
        "QINGCLOUD_MYSQLPLUS_USER": valid_or("fuzz_rw", "fuzz_ro", "root"),
        "QINGCLOUD_MYSQLPLUS_PASSWORD": valid_or("Canary@Fuzz-7q"),
    },
    optional={
        "QINGCLOUD_MYSQLPLUS_HOST": valid_or("%", "10.0.0.0/8;127.0.0.1"),
        "QINGCLOUD_MYSQLPLUS_DATABASE": valid_or("*", "app"),
        "QINGCLOUD_MYSQLPLUS_PRIV": valid_or("StandardAccount", "SuperuserAccount"),
        "QINGCLOUD_MYSQLPLUS_SSL": valid_or("0", "no"),
        "QINGCLOUD_MYSQLPLUS_TIMEOUT": st.sampled_from(["", "0", "-1", "abc", "nan", "inf", "1e999", "3", "3"]),
        "QINGCLOUD_MYSQLPLUS_HTTP_TIMEOUT": st.sampled_from(["", "0", "nan", "x", "2"]),
        "QINGCLOUD_MYSQLPLUS_HTTP_METHOD": st.sampled_from(["", "get", "POST", "PUT", "$(id)"]),
        "QINGCLOUD_MYSQLPLUS_ENDPOINT": st.sampled_from(["", "ftp://x/", "http://$(id)/", "http://a b/", "::::"]),
        "QINGCLOUD_MYSQLPLUS_QUIET": TEXT,
        "QINGCLOUD_MYSQLPLUS_REPLACE_EXISTING": TEXT,
        "QINGCLOUD_MYSQLPLUS_PASSWORD_ENV": TEXT,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=BRIDGE_ENV, command=st.sampled_from(["add-user", "del-user"]))
def test_bridge_inputs_are_accepted_or_refused_clearly(module_sim: Sim, values: dict[str, str], command: str) -> None:
    with tempfile.TemporaryDirectory() as state:
        environ = {"QINGCLOUD_ACCESS_KEY": ACCESS_KEY, "QINGCLOUD_SECRET_KEY": SECRET_KEY, "HOME": state,
                   "QINGCLOUD_ENDPOINT": module_sim.url, "QINGCLOUD_MYSQLPLUS_LOCK_DIR": f"{state}/l",
                   **values}  # fmt: skip
        environ = {k: v.replace("\x00", "") for k, v in environ.items()}  # as an OS environment would hold them
        err = io.StringIO()
        code = main([command], environ, io.StringIO(""), err)
    text = err.getvalue()
    event(f"exit {code}")
    assert code in (0, 1, 2), text
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line]
    assert lines and all(line.startswith("qingcloud-mysqlplus: ") for line in lines), text
    password = environ.get("QINGCLOUD_MYSQLPLUS_PASSWORD", "")
    elsewhere = [v for k, v in environ.items() if k != "QINGCLOUD_MYSQLPLUS_PASSWORD"]
    if len(password) >= 4 and not any(password in v for v in [*elsewhere, *HOSTILE]):
        assert password not in text


@pytest.mark.mariadb
def test_hostile_names_reach_sql_only_as_escaped_literals(mariadb: MariaDB) -> None:
    """Below the rules (which refuse these), the simulator's SQL still cannot be broken out of."""
    reset_server(mariadb)
    backend = MySQLBackend(mariadb.dsn)
    user = "x'@'%'; DROP USER root; --"
    spec = AccountSpec(user=user, host="%", database="db`; DROP DATABASE mysql; --")
    try:
        backend.add(spec, "pw'); DROP USER root; --")
        with mariadb.connect() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT User, Host FROM mysql.user WHERE User NOT IN ('root', 'mariadb.sys', 'mysql', 'PUBLIC')"
            )
            assert cur.fetchall() == ((user, "%"),)  # the literal name, nothing else
            cur.execute("SELECT COUNT(*) FROM mysql.user WHERE User = 'root'")
            assert cur.fetchone()[0] >= 1
        backend.delete(spec)
    finally:
        reset_server(mariadb)
