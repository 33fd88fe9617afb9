from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/helpers.py
# jsii, cdktf-cli and Terraform from the project's own set-up (Node 22, not the machine's).
_ROOT = Path(__file__).resolve().parent.parent
os.environ["PATH"] = os.pathsep.join(
    [str(Path(sys.executable).parent), str(_ROOT / "node_modules" / ".bin"), os.environ.get("PATH", "")]
)
os.environ.setdefault("TERRAFORM_BINARY_NAME", str(Path(sys.executable).parent / "terraform"))
os.environ["CHECKPOINT_DISABLE"] = "1"

from helpers import MariaDB, Sim, mariadb_binaries, private_mariadb, running_sim  # noqa: E402


@pytest.fixture
def sim() -> Iterator[Sim]:
    with running_sim() as s:
        yield s


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDB]:
    if mariadb_binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("MariaDB is not installed; CI must run the MariaDB tests (make test installs it)")
        pytest.skip("MariaDB is not installed (make test installs it when run as root)")
    with private_mariadb() as db:
        yield db
