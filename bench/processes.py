"""Child processes run to their end: wall time, exit instant, peak memory; and their environment."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from e2e_project import process_tree

from .names import BIN, ROOT

SAMPLE_SECONDS = 0.05


@dataclass
class Proc:
    argv: list[str]
    seconds: float  # whole wall, start to exit
    started: float  # monotonic
    ended: float  # monotonic, when the process was reaped
    code: int
    maxrss_kb: int  # largest single process of the tree (wait4's ru_maxrss)
    tree_peak_kb: int | None  # sampled sum over the process tree
    stdout: str
    stderr: str


def tree_rss_kb(root: int) -> int:
    """RSS summed over ``root`` and every process below it, from /proc."""
    total, page_kb = 0, os.sysconf("SC_PAGE_SIZE") // 1024
    for pid in process_tree(root):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page_kb
        except (OSError, IndexError, ValueError):
            pass
    return total


class TreePeak:
    """The largest RSS of a process tree, sampled from a thread every 50 ms until ``stop``."""

    def __init__(self, pid: int) -> None:
        self.pid, self.kb, self._done = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            self.kb = max(self.kb, tree_rss_kb(self.pid))

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.kb


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _text(file: IO[bytes]) -> str:
    file.seek(0)
    return file.read().decode("utf-8", "replace")


def run(argv: Sequence[str], *, env: dict[str, str], cwd: Path | None = None, timeout: float = 600,
        sample_tree: bool = False) -> Proc:  # fmt: skip
    """Run to the end; wall time, exit instant, max RSS from wait4 (this child's tree only)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(list(argv), env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   start_new_session=True)  # fmt: skip
        peak = TreePeak(process.pid) if sample_tree and Path("/proc").is_dir() else None
        timer = threading.Timer(timeout, _kill_group, (process.pid,))
        timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        ended = time.monotonic()
        timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        tree_kb = peak.stop() if peak else None
        return Proc(list(argv), ended - started, started, ended, process.returncode, usage.ru_maxrss, tree_kb,
                    _text(out), _text(err))  # fmt: skip


def tool_settings() -> dict[str, str]:
    """What every child needs on top of the environment: this checkout's tools and library, no telemetry or colour."""
    return {
        "PATH": os.pathsep.join([str(BIN), str(ROOT / "node_modules" / ".bin"), os.environ.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "constructs"), os.environ.get("PYTHONPATH")])),
        "TERRAFORM_BINARY_NAME": os.environ.get("TERRAFORM_BINARY_NAME", str(BIN / "terraform")),
        "CHECKPOINT_DISABLE": "1", "CDKTF_DISABLE_TELEMETRY": "true", "DISABLE_VERSION_CHECK": "true",
        "CI": "true", "FORCE_COLOR": "0", "NO_COLOR": "1",
    }  # fmt: skip


def base_env() -> dict[str, str]:
    """The environment without the caller's QingCloud settings, Terraform variables or benchmark settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGCLOUD_", "TF_VAR_", "BENCH_"))}
    return env | tool_settings()


def byte_compile() -> None:
    """Compile the library as ``pip install`` does, so that no run pays for compiling its sources
    (an editable install has no .pyc of its own, and PYTHONDONTWRITEBYTECODE keeps it so)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "constructs" / "qingcloud_mysqlplus")],
                   env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
