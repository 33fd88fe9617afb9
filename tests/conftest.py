from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/helpers.py
# jsii, cdktf-cli and Terraform from the project's own set-up (Node 22, not the machine's).
_ROOT = Path(__file__).resolve().parent.parent
os.environ["PATH"] = os.pathsep.join(
    [str(Path(sys.executable).parent), str(_ROOT / "node_modules" / ".bin"), os.environ.get("PATH", "")]
)
os.environ.setdefault("TERRAFORM_BINARY_NAME", str(Path(sys.executable).parent / "terraform"))
os.environ["CHECKPOINT_DISABLE"] = "1"
if os.environ.get("PYTEST_XDIST_WORKER"):
    # Each xdist worker is a machine of its own: the bridges' per-cluster flocks of one
    # worker's deploys must not make another worker's deploys wait (and miss deadlines).
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix=f"xdg-{os.environ['PYTEST_XDIST_WORKER']}-")

from e2e_project import Project, e2e_project  # noqa: E402
from helpers import MariaDB, Sim, mariadb_binaries, private_mariadb, running_sim  # noqa: E402
from local_servers import Handler, Server  # noqa: E402
from qingcloud_mysqlplus.cdk import lookups  # noqa: E402
from qingcloud_mysqlplus.testing.postgres import Postgres, postgres_bindir, private_postgres  # noqa: E402


@pytest.fixture
def sim() -> Iterator[Sim]:
    with running_sim() as s:
        yield s


@pytest.fixture(scope="module")
def module_sim() -> Iterator[Sim]:
    """One simulator for a module's many quick examples (generated tests): jobs end at once."""
    with running_sim(job_seconds=0.0) as s:
        yield s


@pytest.fixture
def db_sim(mariadb: MariaDB) -> Iterator[Sim]:
    """A simulator whose accounts are real ones on the session's MariaDB."""
    with running_sim(mysql_dsn=mariadb.dsn) as s:
        yield s


@pytest.fixture
def no_lookups(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Synth without its state and cluster reads (they have tests of their own); a module opts in with
    ``pytestmark = pytest.mark.usefixtures("no_lookups")``.  HOME is empty: no ~/.qingcloud of the machine's."""
    monkeypatch.setenv(lookups.LOOKUPS_ENV, "0")
    monkeypatch.setenv("HOME", str(tmp_path))


@pytest.fixture
def project_options() -> dict[str, Any]:
    """``e2e_project``'s keywords for the ``project`` fixture: a module overrides this fixture to pick
    another framework or state backend."""
    return {}


@pytest.fixture
def project(tmp_path: Path, mariadb: MariaDB, project_options: dict[str, Any]) -> Iterator[Project]:
    """A throwaway CDKTF project (tests/e2e_project.py) on a simulator backed by the session's MariaDB."""
    with e2e_project(tmp_path / "project", mariadb, **project_options) as made:
        yield made


@pytest.fixture
def pg_state(request: pytest.FixtureRequest, postgres: Postgres) -> dict[str, Any]:
    """``project_options`` for state in the session's PostgreSQL, in a new database named after the test."""
    database = request.node.name.replace("test_", "s_")[:40]
    return {"backend": "pg", "pg_conn_str": postgres.create_database(database)}


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDB]:
    if mariadb_binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("MariaDB is not installed; CI must run the MariaDB tests (make test installs it)")
        pytest.skip("MariaDB is not installed (make test installs it when run as root)")
    with private_mariadb() as db:
        yield db


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A private PostgreSQL for Terraform's pg backend (one per xdist worker); tests make their own databases."""
    if postgres_bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; CI must run the pg backend tests (make test installs it)")
        pytest.skip("PostgreSQL is not installed (make test installs it when run as root)")
    with private_postgres() as db:
        yield db


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Starts small loopback servers (tests/local_servers.py) for the transport's tests; closes them after."""
    servers: list[Server] = []

    def start(handle: Handler, **options: Any) -> Server:
        servers.append(Server(handle, **options))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own proxy and CA-bundle variables must not steer the transport's tests."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


# -- the reliability table ----------------------------------------------------
# Scenario tests record what they injected and what they found on the server;
# the table is printed at the end of the run (``make reliability``).  Under
# xdist a row is recorded in a worker process: it travels to the controller as
# a user property of the test's report, and the controller collects it there.

ROW_PROPERTY = "reliability_row"
_ROWS: list[dict[str, str]] = []
COLUMNS = ("scenario", "faults injected", "result", "accounts expected", "accounts found", "secret hits")


@pytest.fixture
def reliability(record_property: Callable[[str, object], None]) -> Callable[..., None]:
    def record(
        scenario: str, faults: str, result: str, expected: Iterable[str], found: Iterable[str], secret_hits: int
    ) -> None:
        want, got = sorted(expected), sorted(found)
        record_property(ROW_PROPERTY, json.dumps({
            "scenario": scenario, "faults injected": faults, "result": result,
            "accounts expected": f"{len(want)}", "accounts found": f"{len(got)}" + ("" if want == got else " (differ)"),
            "secret hits": str(secret_hits),
        }))  # fmt: skip

    return record


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Runs in the controller (and in a run without xdist): one report per test phase; rows once, at teardown."""
    if report.when == "teardown":
        _ROWS.extend(json.loads(str(value)) for name, value in report.user_properties if name == ROW_PROPERTY)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _ROWS:
        return
    widths = {c: max(len(c), *(len(r[c]) for r in _ROWS)) for c in COLUMNS}
    terminalreporter.section("reliability")
    terminalreporter.write_line("  ".join(c.ljust(widths[c]) for c in COLUMNS))
    for row in _ROWS:
        terminalreporter.write_line("  ".join(row[c].ljust(widths[c]) for c in COLUMNS))
