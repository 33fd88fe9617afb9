"""Local files nobody else controls: the lock directory and lock files, and the status files.

A lock directory another user owns, or that its group or others may write, is
refused (exit 2, one line naming it and the fix, nothing sent); on the default
path such a directory is passed over for the next name of a fixed series, where
every bridge of the user meets.  A link where a lock file goes is not followed.
"Another user" is ``nobody``: the tests run as root, which can chown to it.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from helpers import CANARY_PASSWORD, CLUSTER, VENV_BIN, ZONE, Sim, assert_no_secret, bridge_env, run_bridge
from qingcloud_mysqlplus.bridge import contract
from qingcloud_mysqlplus.bridge.lock import DEFAULT_CANDIDATES, ClusterLock, LockRefused, default_lock_dir
from qingcloud_mysqlplus.bridge.main import main
from qingcloud_mysqlplus.bridge.report import write_status

ADD = ["add-user", "--cluster", CLUSTER, "--user", "app_rw"]
LOCK_NAME = f"{ZONE}-{CLUSTER}.lock"
NOBODY = 65534
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="making a directory of another user's needs root")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def refused(sim: Sim, lock_dir: Path | None, **extra: str) -> str:
    """The bridge's one line (exit 2), after checking that nothing reached the simulator."""
    env = bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD, **extra)
    if lock_dir is not None:
        env[contract.LOCK_DIR] = str(lock_dir)
    result = run_bridge(ADD, env)
    assert (result.returncode, result.stdout) == (contract.EXIT_USAGE, ""), result.stderr
    assert len(result.stderr.splitlines()) == 1 and ": error: " in result.stderr
    assert sim.stats()["requests"] == 0 and sim.jobs() == []
    assert_no_secret(result.stderr)
    return result.stderr


@pytest.mark.parametrize("bits", [0o777, 0o770, 0o1777, 0o720])
def test_a_lock_directory_others_may_write_is_refused(sim: Sim, tmp_path: Path, bits: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(bits)
    line = refused(sim, shared)
    assert f"the lock directory {shared} is writable by its group or by others (mode {bits:o})" in line
    assert f"chmod go-w {shared}, or point --lock-dir or {contract.LOCK_DIR} at a directory" in line
    assert list(shared.iterdir()) == []  # no lock file made there


@as_root
def test_a_lock_directory_of_another_user_is_refused(sim: Sim, tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, NOBODY, NOBODY)
    line = refused(sim, theirs)
    assert f"the lock directory {theirs} is owned by uid {NOBODY}, not by this user (uid 0)" in line
    assert "chmod" not in line and list(theirs.iterdir()) == []


def test_a_link_where_the_lock_file_goes_is_not_followed(sim: Sim, tmp_path: Path) -> None:
    locks, target = tmp_path / "locks", tmp_path / "planted"
    locks.mkdir(mode=0o700)
    (locks / LOCK_NAME).symlink_to(target)  # dangling: following it would create the target
    line = refused(sim, locks)
    assert f"the lock file {locks / LOCK_NAME} is a symbolic link, which is not followed" in line
    assert not target.exists()
    target.write_text("someone's file\n")
    assert "is a symbolic link" in refused(sim, locks)
    assert target.read_text() == "someone's file\n"


def test_lock_files_and_a_missing_lock_directory_are_made_private(tmp_path: Path) -> None:
    old = os.umask(0)  # the modes come from the code, not from a kind umask
    try:
        with ClusterLock(ZONE, CLUSTER, tmp_path / "made" / "here") as lock:
            assert lock.try_take()
    finally:
        os.umask(old)
    assert mode(tmp_path / "made" / "here") == 0o700 and mode(tmp_path / "made" / "here" / LOCK_NAME) == 0o600


# -- the default path ---------------------------------------------------------------------------


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh $XDG_RUNTIME_DIR: the base of the default lock directory."""
    base = tmp_path / "runtime"
    base.mkdir(mode=0o1777)
    base.chmod(0o1777)  # like /tmp: anyone may make the default name first
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(base))
    return base


def squat(path: Path, how: str, elsewhere: Path) -> None:
    """Another user's thing at ``path``: a directory of theirs, a shared one, a link, a file."""
    if how == "a link":
        elsewhere.mkdir(mode=0o700, exist_ok=True)  # even to a private directory of ours: not followed
        path.symlink_to(elsewhere)
        return
    if how == "a file":
        path.write_text("")
        return
    path.mkdir()
    path.chmod(0o777 if how == "world-writable" else 0o700)
    if how == "another user's":
        os.chown(path, NOBODY, NOBODY)


@pytest.mark.parametrize("how", [pytest.param("another user's", marks=as_root), "world-writable", "a link", "a file"])
def test_a_default_directory_made_first_by_someone_else_is_passed_over(runtime: Path, tmp_path: Path, how: str) -> None:
    first = default_lock_dir()
    assert first.parent == runtime
    squat(first, how, tmp_path / "elsewhere")
    with ClusterLock(ZONE, CLUSTER) as one, ClusterLock(ZONE, CLUSTER) as two:
        assert one.try_take() and not two.try_take()  # both found the same private directory
    chosen = first.with_name(f"{first.name}-1")
    assert mode(chosen) == 0o700 and (chosen / LOCK_NAME).is_file()
    assert not (first.is_dir() and any(first.iterdir()))  # theirs (or, through a link, ours) left untouched


def test_a_runtime_directory_not_made_yet_is_made_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run" / "user"))
    with ClusterLock(ZONE, CLUSTER) as lock:
        assert lock.try_take() and mode(default_lock_dir()) == 0o700 and mode(default_lock_dir().parent) == 0o700


def test_parallel_bridges_meet_in_the_same_directory(runtime: Path, sim: Sim) -> None:
    squat(default_lock_dir(), "world-writable", runtime)
    env = bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD, XDG_RUNTIME_DIR=str(runtime))
    with ClusterLock(ZONE, CLUSTER) as held:  # held here: a bridge must queue behind it, not go alone
        assert held.try_take()
        bridge = subprocess.Popen([str(VENV_BIN / "qingcloud-mysqlplus"), *ADD], env=env, stderr=subprocess.PIPE,
                                  text=True)  # fmt: skip
        assert bridge.stderr is not None
        assert "waiting for the cluster lock, held by" in bridge.stderr.readline()
        assert sim.jobs() == []
    assert bridge.wait(timeout=60) == 0, bridge.stderr.read()


def test_when_every_default_name_is_taken_the_bridge_says_what_to_do(runtime: Path, sim: Sim) -> None:
    first = default_lock_dir()
    for n in range(DEFAULT_CANDIDATES):
        squat(first.with_name(f"{first.name}-{n}") if n else first, "world-writable", runtime)
    with pytest.raises(LockRefused):
        ClusterLock(ZONE, CLUSTER)
    line = refused(sim, None, XDG_RUNTIME_DIR=str(runtime))
    assert f"{first} and the {DEFAULT_CANDIDATES - 1} names after it are other users' or writable by them" in line
    assert f"point --lock-dir or {contract.LOCK_DIR} at a directory only you can write" in line


# -- status files ---------------------------------------------------------------------------------


def test_status_files_are_private_and_written_without_following_links(tmp_path: Path) -> None:
    status = tmp_path / contract.status_file("m-1")
    status.parent.mkdir(mode=0o700)
    planted = tmp_path / "planted"
    status.with_name(f"{status.name}.{os.getpid()}.tmp").symlink_to(planted)  # where the tmp file goes
    old = os.umask(0)
    try:
        write_status(status, 1, "qingcloud-mysqlplus: add-user app_rw@% on cl-test0001: failed: ...")
    finally:
        os.umask(old)
    assert mode(status) == 0o600 and mode(status.parent) == 0o700 and not planted.exists()
    assert json.loads(status.read_text())["exit"] == 1 and sorted(status.parent.iterdir()) == [status]


def test_the_bridge_makes_its_status_file_and_directory_private(tmp_path: Path) -> None:
    status = tmp_path / "stack" / contract.status_file("m-2")
    code = main(["add-user"], {contract.STATUS_FILE: str(status)})  # refused: no cluster; still recorded
    assert code == contract.EXIT_USAGE and mode(status) == 0o600 and mode(status.parent) == 0o700
