"""The construct at synth and the simulator on the server agree on every generated input.

Inputs come from hypothesis; the simulator is asked over real HTTP with the
bridge's client.  Accepted at synth <=> not refused with 1100 by the server.
"""

from __future__ import annotations

import cdktf
from cdktf import TerraformStack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import ACCESS_KEY, CLUSTER, SECRET_KEY, ZONE, Sim
from qingcloud_mysqlplus import MysqlPlusAccount
from qingcloud_mysqlplus.cdk.account import MysqlPlusAccountError
from qingcloud_mysqlplus.qingcloud.client import Client
from qingcloud_mysqlplus.qingcloud.clusters import submit
from qingcloud_mysqlplus.qingcloud.errors import BAD_PARAMETER, ApiError
from qingcloud_mysqlplus.qingcloud.retry import Backoff, Deadline

NAMES = st.one_of(
    st.from_regex(r"[A-Za-z0-9_]{1,28}", fullmatch=True),
    st.sampled_from(["root", "qc_admin", "Monitor", "a-b", "x;y", "名字ab", "u$(id)", "u`x`", "u'--"]),
)
HOSTS = st.one_of(
    st.just("%"),
    st.lists(
        st.one_of(
            st.ip_addresses(v=4).map(str),
            st.builds(lambda ip, n: f"{ip}/{n}", st.ip_addresses(v=4), st.integers(0, 33)),
            st.sampled_from(["%", "", "10.0.0.5\n", "localhost", "::1", "10.0.0.0/8;DROP"]),
        ),
        min_size=1,
        max_size=3,
    ).map(";".join),
)
DATABASES = st.one_of(
    st.just("*"), st.from_regex(r"[A-Za-z0-9_$-]{0,66}", fullmatch=True), st.sampled_from(["a,b", "db`x", "*.*"])
)
PRIVS = st.sampled_from(["StandardAccount", "SuperuserAccount", "ReadOnly"])


def synth_accepts(user: str, host: str, database: str, priv: str) -> bool:
    stack = TerraformStack(cdktf.Testing.app(), "d")
    try:
        MysqlPlusAccount(stack, "a", cluster_id=CLUSTER, zone=ZONE, user=user, password_env="PW", host=host,
                         database=database, privilege=priv)  # fmt: skip
        return True
    except MysqlPlusAccountError:
        return False


def server_accepts(sim: Sim, user: str, host: str, database: str, priv: str) -> bool:
    client = Client(
        access_key=ACCESS_KEY, secret_key=SECRET_KEY, zone=ZONE, endpoint=sim.url, backoff=Backoff(0.01, 0.05)
    )
    params = {"database": database, "passwd": "Valid@Pass1", "ssl": "NO", "host": host, "user": user, "priv": priv}
    try:
        submit(client, CLUSTER, "add_user", params, Deadline(10))  # waits out 1400 while a job holds the cluster
        return True
    except ApiError as err:
        assert err.ret_code == BAD_PARAMETER, err
        return False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(user=NAMES, host=HOSTS, database=DATABASES, priv=PRIVS)
def test_synth_and_server_agree(module_sim: Sim, user: str, host: str, database: str, priv: str) -> None:
    assert synth_accepts(user, host, database, priv) == server_accepts(module_sim, user, host, database, priv)
