"""The client's session through the environment's proxies and over TLS, against real loopback servers.

The CONNECT test is the real thing: TLS to a local https server (a certificate
made by the openssl CLI) through a CONNECT proxy that pipes the bytes.  The
variables are requests' own (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE).
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_servers import Server, answer, connect_proxy, keep_alive, self_signed, server_context
from qingcloud_mysqlplus.qingcloud.errors import Misconfigured, NotSent
from test_transport import PASSWORD, WRITE, Serve, assert_clean, client_for, free_port, send_once, write

pytestmark = pytest.mark.usefixtures("no_proxy_environment")
PROXY_PASSWORD = "Canary@Proxy-77"  # percent-encoded in the URL, as it must be
PROXY_USER_INFO = "proxy%20user:Canary%40Proxy-77"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("the openssl CLI makes the test certificate")
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server(serve: Serve, certificate: tuple[Path, Path]) -> Iterator[Server]:
    yield serve(keep_alive, tls=server_context(*certificate))


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_an_http_endpoint_goes_through_http_proxy_in_absolute_form(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = serve(keep_alive)  # answers as the origin would: only the request's form matters here
    monkeypatch.setenv("HTTP_PROXY", f"http://{PROXY_USER_INFO}@127.0.0.1:{proxy.port}")
    client = client_for("http://api.example.invalid:8080/iaas/")
    write(client)
    write(client)
    seen = proxy.seen[0]
    assert seen.line == "POST http://api.example.invalid:8080/iaas/ HTTP/1.1"
    assert seen.headers["host"] == "api.example.invalid:8080"
    assert seen.headers["proxy-authorization"] == basic("proxy user", PROXY_PASSWORD)
    assert (proxy.accepts, len(proxy.seen)) == (1, 2)  # the connection to the proxy is kept too


def test_no_proxy_exempts_the_endpoint(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy, origin = serve(keep_alive), serve(keep_alive)
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("no_proxy", "example.invalid")
    write(client_for(origin.url()))
    assert (len(proxy.seen), len(origin.seen)) == (1, 0)  # the control: 127.0.0.1 is not exempt
    monkeypatch.setenv("no_proxy", "example.invalid,127.0.0.1")
    write(client_for(origin.url()))
    assert (len(proxy.seen), len(origin.seen)) == (1, 1)
    assert origin.seen[0].line.startswith("POST /iaas/ ")


def test_an_https_endpoint_is_tunnelled_through_https_proxy_with_credentials(
    serve: Serve, tls_server: Server, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = serve(connect_proxy)
    monkeypatch.setenv("HTTPS_PROXY", f"http://{PROXY_USER_INFO}@127.0.0.1:{proxy.port}")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # for http only: must not be used
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate[0]))
    client = client_for(tls_server.url("https", "localhost"))
    write(client)
    write(client)
    connect = proxy.seen[0]
    assert connect.line.startswith(f"CONNECT localhost:{tls_server.port} HTTP/1.")  # http.client says 1.0
    assert connect.headers["proxy-authorization"] == basic("proxy user", PROXY_PASSWORD)
    assert [s.line for s in tls_server.seen] == ["POST /iaas/ HTTP/1.1"] * 2  # origin-form inside the tunnel
    assert "proxy-authorization" not in tls_server.seen[0].headers
    assert (proxy.accepts, tls_server.accepts) == (1, 1)


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_the_ca_bundle_variables_are_honoured(
    tls_server: Server, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, str(certificate[0]))
    write(client_for(tls_server.url("https", "127.0.0.1")))
    assert len(tls_server.seen) == 1


def test_an_unverified_certificate_fails_at_once_without_sending(
    tls_server: Server, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # requests does not read it: still unverified
    client = client_for(tls_server.url("https", "localhost"))
    with pytest.raises(Misconfigured, match=r"certificate of localhost:\d+ could not be verified") as info:
        write(client)
    assert "REQUESTS_CA_BUNDLE" in str(info.value) and client.calls == {WRITE: 1}  # not retried
    assert tls_server.seen == []


def test_a_proxy_refusing_the_credentials_fails_at_once(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = serve(answer(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"))
    monkeypatch.setenv("HTTPS_PROXY", f"http://{PROXY_USER_INFO}@127.0.0.1:{proxy.port}")
    client = client_for("https://api.example.invalid/iaas/")
    with pytest.raises(Misconfigured, match="refused the credentials") as info:
        write(client)
    assert client.calls == {WRITE: 1} and len(proxy.seen) == 1
    assert_clean(info.value)
    assert PROXY_PASSWORD not in str(info.value) and "Canary%40" not in str(info.value)


def test_a_proxy_that_cannot_reach_the_endpoint_did_not_send(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = serve(answer(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"))
    monkeypatch.setenv("HTTPS_PROXY", f"127.0.0.1:{proxy.port}")  # no scheme: http:// as requests assumed
    with pytest.raises(NotSent, match=r"opened no tunnel to api\.example\.invalid:443 \(HTTP 502\)"):
        send_once(client_for("https://api.example.invalid/iaas/"))


@pytest.mark.parametrize(
    "url", [f"socks5://user:{PASSWORD}@127.0.0.1:1080", f"http://user:{PASSWORD}@127.0.0.1:port", "http://:3128"]
)
def test_an_unusable_proxy_variable_is_named_not_quoted(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("HTTPS_PROXY", url)
    client = client_for("https://api.example.invalid/iaas/")
    with pytest.raises(Misconfigured, match=r"^HTTPS_PROXY: ") as info:
        write(client)
    assert client.calls == {WRITE: 1}
    assert_clean(info.value)
    assert "socks5" not in str(info.value) and "1080" not in str(info.value)
