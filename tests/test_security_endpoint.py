"""Plain http only to this machine unless opted in, in the bridge and the synth-time lookups; https always verified.

A remote host is a name under ``.invalid``, and a request to it could only go
through ``HTTP_PROXY``: a loopback server that counts connections.  A refused
endpoint must leave it untouched; the same run opted in must reach it, so the
count does see a request.  Nothing goes to a non-loopback address, and no
name is looked up (a proxied request leaves the name to the proxy); should a
test go wrong and fall back to the public endpoint, ``HTTPS_PROXY`` takes that
to the same loopback server too.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from helpers import (
    ACCESS_KEY,
    CANARY_PASSWORD,
    CLUSTER,
    OTHER_CLUSTER,
    ROOT,
    SECRET_KEY,
    ZONE,
    Sim,
    assert_no_secret,
    bridge_env,
    run_bridge,
)
from local_servers import Server, status
from qingcloud_mysqlplus.bridge import contract
from qingcloud_mysqlplus.bridge.main import main
from qingcloud_mysqlplus.cdk import lookups
from qingcloud_mysqlplus.qingcloud.endpoint import ALLOW_HTTP_ENV, Endpoint, plain_http_refused
from qingcloud_mysqlplus.qingcloud.errors import Misconfigured
from test_transport import Serve, client_for, write
from test_transport_proxies import certificate, tls_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("no_proxy_environment")
REMOTE = "http://api.example-private.invalid/iaas/"
REFUSAL = "endpoint http://api.example-private.invalid:80/iaas/: plain http:// to a host other than this machine"
ADD = ["add-user", "--cluster", CLUSTER, "--user", "app_rw"]
DEL = ["del-user", "--cluster", CLUSTER, "--user", "app_rw"]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # ~/.qingcloud/config.yaml is the test's, or none


@pytest.fixture
def proxy(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> Server:
    """Where any request but to loopback goes; it answers an authentication failure (not retried)."""
    server = serve(status(200, b'{"ret_code":1200,"message":"AuthFailure"}'))
    for name in ("HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{server.port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # the simulator, directly
    return server


def environ(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"QINGCLOUD_ACCESS_KEY": ACCESS_KEY, "QINGCLOUD_SECRET_KEY": SECRET_KEY, "QINGCLOUD_ZONE": ZONE,
            "HOME": str(tmp_path), "QINGCLOUD_MYSQLPLUS_PASSWORD": CANARY_PASSWORD,
            "QINGCLOUD_MYSQLPLUS_LOCK_DIR": str(tmp_path / "locks"), **extra}  # fmt: skip


def bridge(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    err = io.StringIO()
    code = main(argv, env, io.StringIO(""), err)
    return code, err.getvalue()


# -- the decision ------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "[::1]", "[0:0:0:0:0:0:0:1]", "localhost", "LOCALHOST"])
def test_plain_http_to_this_machine_needs_no_opt_in(host: str) -> None:
    assert not plain_http_refused(Endpoint.parse(f"http://{host}:8080/iaas/"), allowed=False)


@pytest.mark.parametrize(
    "host",
    ["api.example-private.invalid", "10.0.0.5", "128.0.0.1", "[::2]", "localhost.example-private.invalid",
     "127.1", "127.0.0.01", "[::ffff:127.0.0.1]"],  # the last three: loopback to some resolvers, refused all the same
)  # fmt: skip
def test_plain_http_elsewhere_is_refused_unless_opted_in(host: str) -> None:
    assert plain_http_refused(Endpoint.parse(f"http://{host}/iaas/"), allowed=False)
    assert not plain_http_refused(Endpoint.parse(f"http://{host}/iaas/"), allowed=True)
    assert not plain_http_refused(Endpoint.parse(f"https://{host}/iaas/"), allowed=False)


# -- the bridge ----------------------------------------------------------------------------------


def endpoint_from(source: str, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """argv and environment that give the bridge REMOTE, in each of the ways it reads an endpoint."""
    if source == "--endpoint":
        return ["--endpoint", REMOTE], {}
    if source == "config file":
        (tmp_path / ".qingcloud").mkdir()
        (tmp_path / ".qingcloud" / "config.yaml").write_text("protocol: http\nhost: api.example-private.invalid\n")
        return [], {}
    return [], {source: REMOTE}


@pytest.mark.parametrize("argv", [ADD, DEL])
@pytest.mark.parametrize("source", ["--endpoint", contract.ENDPOINT, "QINGCLOUD_ENDPOINT", "config file"])
def test_plain_http_elsewhere_is_refused_before_anything_is_sent(
    proxy: Server, tmp_path: Path, argv: list[str], source: str
) -> None:
    flags, extra = endpoint_from(source, tmp_path)
    code, text = bridge([*argv, *flags], environ(tmp_path, **extra))
    assert code == contract.EXIT_USAGE and len(text.splitlines()) == 1, text
    assert f": error: {REFUSAL}" in text and f"{ALLOW_HTTP_ENV}=1" in text
    assert proxy.accepts == 0 and not (tmp_path / "locks").exists()  # refused while parsing, before the lock
    assert_no_secret(text)


@pytest.mark.parametrize(("flags", "opt_in"), [([], {ALLOW_HTTP_ENV: "1"}), ([], {ALLOW_HTTP_ENV: "yes"}),
                                               (["--allow-http"], {})])  # fmt: skip
def test_the_opt_in_lets_the_same_request_go(
    proxy: Server, tmp_path: Path, flags: list[str], opt_in: dict[str, str]
) -> None:
    code, text = bridge([*ADD, "--endpoint", REMOTE, *flags], environ(tmp_path, **opt_in))
    assert code == contract.EXIT_FAILED and "ret_code 1200" in text, text
    assert proxy.accepts == 1 and proxy.seen[0].line == f"POST {REMOTE} HTTP/1.1"
    assert_no_secret(text)


def test_an_unclear_opt_in_is_refused_too(proxy: Server, tmp_path: Path) -> None:
    code, text = bridge([*ADD, "--endpoint", REMOTE], environ(tmp_path, **{ALLOW_HTTP_ENV: "maybe"}))
    assert code == contract.EXIT_USAGE and len(text.splitlines()) == 1
    assert f"${ALLOW_HTTP_ENV}: expected 1/0, true/false, yes/no or on/off" in text and proxy.accepts == 0


def test_the_bridge_process_exits_2_with_one_line(proxy: Server, tmp_path: Path) -> None:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("QINGCLOUD_")}  # HTTP_PROXY too
    result = run_bridge(ADD, {**inherited, **environ(tmp_path, QINGCLOUD_ENDPOINT=REMOTE)})
    assert (result.returncode, result.stdout) == (contract.EXIT_USAGE, "")
    assert len(result.stderr.splitlines()) == 1 and REFUSAL in result.stderr, result.stderr
    assert proxy.accepts == 0


@pytest.mark.parametrize("command", ["accounts", "doctor"])
def test_the_operator_commands_refuse_it_too(proxy: Server, tmp_path: Path, command: str) -> None:
    argv = [command, "--cluster", CLUSTER, "--endpoint", REMOTE]
    code, text = bridge(argv, environ(tmp_path))
    assert code == contract.EXIT_USAGE and len(text.splitlines()) == 1 and REFUSAL in text
    assert proxy.accepts == 0


def test_doctor_opted_in_warns_of_plain_http(proxy: Server, tmp_path: Path) -> None:
    out = io.StringIO()
    code = main(["doctor", "--cluster", CLUSTER, "--endpoint", REMOTE, "--allow-http"], environ(tmp_path),
                io.StringIO(""), io.StringIO(), out)  # fmt: skip
    endpoint = out.getvalue().splitlines()[0]
    assert code == contract.EXIT_FAILED and proxy.accepts == 1  # sent, and refused by the stand-in
    assert endpoint.split()[:2] == ["warn", "endpoint"] and f"allowed by {ALLOW_HTTP_ENV}" in endpoint


def test_the_simulator_on_loopback_needs_no_opt_in(sim: Sim, tmp_path: Path) -> None:
    for url in (sim.url, sim.url.replace("127.0.0.1", "localhost")):
        env = bridge_env(sim, QINGCLOUD_ENDPOINT=url, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD,
                         QINGCLOUD_MYSQLPLUS_LOCK_DIR=str(tmp_path))  # fmt: skip
        result = run_bridge(ADD, env)
        assert result.returncode == 0 and "app_rw" in sim.accounts(), result.stderr


# -- the synth-time lookups ------------------------------------------------------------------


def test_lookups_skip_a_refused_endpoint_and_check_the_others(proxy: Server, sim: Sim) -> None:
    lookups._HISTORY.clear()
    env = {"QINGCLOUD_ACCESS_KEY": ACCESS_KEY, "QINGCLOUD_SECRET_KEY": SECRET_KEY}
    remote = lookups.Wanted("k1", ZONE, CLUSTER, "app_rw", REMOTE)
    local = lookups.Wanted("k2", ZONE, OTHER_CLUSTER, "app_rw", sim.url)
    verdicts, notes = lookups.check_clusters([remote, local], env)
    assert set(verdicts) == {"k2"} and proxy.accepts == 0  # the next endpoint is still checked
    assert len(notes) == 1 and notes[0].startswith(f"cluster check on {CLUSTER} skipped ({REFUSAL}")
    assert sim.stats()["requests_per_action"].get("DescribeClusterJobs")
    verdicts, notes = lookups.check_clusters([replace(remote, allow_http=True)], env)  # allow_insecure_http=True
    assert proxy.accepts == 1 and notes[0].startswith(f"cluster check on {CLUSTER} failed (")
    assert_no_secret(*notes)


def test_lookups_refuse_plain_http_from_the_environment_too(proxy: Server) -> None:
    lookups._HISTORY.clear()
    env = {"QINGCLOUD_ACCESS_KEY": ACCESS_KEY, "QINGCLOUD_SECRET_KEY": SECRET_KEY, "QINGCLOUD_ENDPOINT": REMOTE}
    verdicts, notes = lookups.check_clusters([lookups.Wanted("k", ZONE, CLUSTER, "app_rw", None)], env)
    assert verdicts == {} and len(notes) == 1 and REFUSAL in notes[0] and proxy.accepts == 0


# -- https ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variables",
    [{}, {"CURL_CA_BUNDLE": ""}, {"REQUESTS_CA_BUNDLE": ""}, {"PYTHONHTTPSVERIFY": "0"}, {ALLOW_HTTP_ENV: "1"}],
)
def test_no_setting_turns_certificate_checks_off(
    tls_server: Server,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
) -> None:
    """A self-signed certificate is refused, whatever these variables say, before anything is sent."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    client = client_for(tls_server.url("https", "localhost"))
    with pytest.raises(Misconfigured, match=r"certificate of localhost:\d+ could not be verified"):
        write(client)
    assert tls_server.seen == [] and client.calls == {"RunClusterCustomService": 1}


def test_nothing_in_the_library_disables_verification() -> None:
    """No unverified context, no CERT_NONE, no check_hostname off, and no flag for it."""
    library = ROOT / "constructs" / "qingcloud_mysqlplus"
    off = re.compile(r"CERT_NONE|CERT_OPTIONAL|check_hostname\s*=|_create_unverified|verify\s*=\s*False")
    found = [f"{path}: {line.strip()}" for path in library.rglob("*.py")
             for line in path.read_text().splitlines() if off.search(line)]  # fmt: skip
    assert found == []
    flags = [opt.flag for opt in contract.COMMON + contract.ADD_ONLY + contract.DEL_ONLY]
    assert not [f for f in flags if re.search("verify|insecure|cert|tls", f)]
