"""``qingcloud-mysqlplus``: the bridge that Terraform's local-exec runs.

It adds or deletes one MySQL Plus account through ``RunClusterCustomService``
and waits for the job.  Every flag also reads an environment variable, so
local-exec passes values without a shell line to escape; the password comes
only from the environment or standard input, never from argv.

It must start fast: nothing here imports cdktf, constructs or jsii.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import shlex
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from typing import TextIO

from .. import __version__
from ..qingcloud.client import (
    ApiError,
    Client,
    Deadline,
    DeadlineExceeded,
    JobFailed,
    QingCloudError,
)
from ..qingcloud.settings import SettingsError, resolve
from ..rules import (
    AccountRuleError,
    AccountSpec,
    check_account,
    check_cluster_id,
    check_del,
    check_password,
    check_zone,
)
from .journal import Journal, default_journal_dir, write_json
from .lock import cluster_lock
from .ownership import find_own_job, jobs_before

PROG = "qingcloud-mysqlplus"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
PASSWORD_ENV = "QINGCLOUD_MYSQLPLUS_PASSWORD"
DEFAULT_TIMEOUT = 600.0
PROGRESS_EVERY = 10.0
# Assumed (QINGCLOUD_API.md): how a failed job says the account already
# exists, or is not there to delete.  Matched case-insensitively.
EXISTS_MARKERS = ("already exist",)
MISSING_MARKERS = ("not exist", "no such user", "not found")

EPILOG = f"""\
exit codes:
  0  done (del-user of an account that is not there is done too)
  1  the API or the job failed, or the deadline passed
  2  bad input or configuration; nothing was sent
  130 interrupted (SIGINT/SIGTERM); a submitted job may still finish

password: from ${PASSWORD_ENV}, from the variable named by --password-env,
or from --password-stdin; never from the command line.
credentials: QINGCLOUD_ACCESS_KEY, QINGCLOUD_SECRET_KEY, QINGCLOUD_ZONE,
QINGCLOUD_ENDPOINT, else ~/.qingcloud/config.yaml (or --config).
Every flag below also reads the variable named in its help.
"""


class UsageError(Exception):
    """Bad input or configuration: exit 2, nothing sent."""


class Interrupted(BaseException):
    pass


@dataclass(frozen=True)
class Option:
    flag: str
    env: str
    help: str
    boolean: bool = False


COMMON = (
    Option("--zone", "QINGCLOUD_ZONE", "zone of the cluster, e.g. sh1a"),
    Option("--cluster", "QINGCLOUD_MYSQLPLUS_CLUSTER", "cluster id, e.g. cl-ouhutv70"),
    Option("--user", "QINGCLOUD_MYSQLPLUS_USER", "account name"),
    Option("--host", "QINGCLOUD_MYSQLPLUS_HOST", "'%%' (default) or IPv4 addresses/subnets joined by ';'"),
    Option(
        "--endpoint",
        "QINGCLOUD_MYSQLPLUS_ENDPOINT",
        "API endpoint (else $QINGCLOUD_ENDPOINT, the config file, or https://api.qingcloud.com:443/iaas/)",
    ),
    Option("--config", "QINGCLOUD_MYSQLPLUS_CONFIG", "config file (default ~/.qingcloud/config.yaml)"),
    Option("--timeout", "QINGCLOUD_MYSQLPLUS_TIMEOUT", "overall deadline in seconds (default 600)"),
    Option("--http-method", "QINGCLOUD_MYSQLPLUS_HTTP_METHOD", "POST (default: keeps the password out of URLs) or GET"),
    Option("--http-timeout", "QINGCLOUD_MYSQLPLUS_HTTP_TIMEOUT", "seconds to wait for one answer (default 20)"),
    Option("--lock-dir", "QINGCLOUD_MYSQLPLUS_LOCK_DIR", "where the per-cluster lock files live"),
    Option("--quiet", "QINGCLOUD_MYSQLPLUS_QUIET", "no progress lines, only the result", boolean=True),
    Option(
        "--status-file", "QINGCLOUD_MYSQLPLUS_STATUS_FILE", "also write the result and exit code here, for 'replay'"
    ),
    Option(
        "--journal-dir",
        "QINGCLOUD_MYSQLPLUS_JOURNAL_DIR",
        "where add_user requests with an unseen outcome are recorded (default ~/.local/state/qingcloud-mysqlplus/journal)",
    ),
)
DEL_ONLY = (
    Option("--keep", "QINGCLOUD_MYSQLPLUS_KEEP", "do not delete: leave the account on the cluster", boolean=True),
)
ADD_ONLY = (
    Option("--database", "QINGCLOUD_MYSQLPLUS_DATABASE", "one database name or '*' (default)"),
    Option("--priv", "QINGCLOUD_MYSQLPLUS_PRIV", "StandardAccount (default) or SuperuserAccount"),
    Option("--ssl", "QINGCLOUD_MYSQLPLUS_SSL", "require SSL for this account", boolean=True),
    Option("--password-env", "QINGCLOUD_MYSQLPLUS_PASSWORD_ENV", f"name of the variable holding the password (default {PASSWORD_ENV})"),
    Option("--replace-existing", "QINGCLOUD_MYSQLPLUS_REPLACE_EXISTING", "if the account exists, delete and recreate it", boolean=True),
)  # fmt: skip
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Add or delete a QingCloud MySQL Plus account and wait for the job.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, options, summary in (
        ("add-user", COMMON + ADD_ONLY, "create an account (add_user)"),
        ("del-user", COMMON + DEL_ONLY, "delete an account (del_user)"),
    ):
        sub = commands.add_parser(
            name, help=summary, description=summary, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        for opt in options:
            if opt.boolean:
                sub.add_argument(
                    opt.flag, action="store_const", const=True, default=None, help=f"{opt.help} [${opt.env}]"
                )
            else:
                sub.add_argument(opt.flag, default=None, help=f"{opt.help} [${opt.env}]")
        if name == "add-user":
            sub.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    replay = commands.add_parser(
        "replay",
        help="print what an earlier run wrote to its --status-file and exit with its code",
        description="Terraform hides a provisioner's output when its configuration holds an ephemeral "
        "value (the password); the construct runs this next, without the secret, so the result shows.",
    )
    replay.add_argument("--status-file", default=None, help="the file [$QINGCLOUD_MYSQLPLUS_STATUS_FILE]")
    return parser


def option_values(args: argparse.Namespace, options: Sequence[Option], environ: Mapping[str, str]) -> dict[str, object]:
    """Each option from its flag, else its environment variable."""
    values: dict[str, object] = {}
    for opt in options:
        key = opt.flag[2:].replace("-", "_")
        value = getattr(args, key)
        if value is None:
            raw = environ.get(opt.env)
            if opt.boolean and raw is not None:
                word = raw.strip().lower()
                if word not in TRUE_WORDS | FALSE_WORDS:
                    raise UsageError(f"{opt.env}: received {raw[:20]!r}; expected 1/0, true/false or yes/no")
                value = word in TRUE_WORDS
            else:
                value = raw
        values[key] = value
    return values


def read_password(values: Mapping[str, object], from_stdin: bool, environ: Mapping[str, str], stdin: TextIO) -> str:
    if from_stdin:
        password = stdin.readline().rstrip("\r\n")
        source = "standard input"
    else:
        name = str(values.get("password_env") or PASSWORD_ENV)
        if name not in environ:
            raise UsageError(
                f"no password: set {name} or use --password-stdin (it is never read from the command line)"
            )
        password, source = environ[name], f"${name}"
    try:
        return check_password(password)
    except AccountRuleError as err:
        raise UsageError(f"{err} (from {source})") from None


def _number(values: Mapping[str, object], key: str, default: float) -> float:
    raw = values.get(key)
    if raw in (None, ""):
        return default
    try:
        number = float(str(raw))
    except ValueError:
        number = -1.0
    if not math.isfinite(number) or number <= 0:
        raise UsageError(f"{key.replace('_', '-')}: received {str(raw)[:20]!r}; expected a positive number of seconds")
    return number


def _text(values: Mapping[str, object], key: str) -> str | None:
    value = values.get(key)
    return None if value in (None, "") else str(value)


def _matches(error: QingCloudError, markers: Sequence[str]) -> bool:
    text = error.message if isinstance(error, (JobFailed, ApiError)) else ""
    return any(m in text.lower() for m in markers)


def _exists(error: QingCloudError) -> bool:
    return _matches(error, EXISTS_MARKERS) or (isinstance(error, ApiError) and error.ret_code == 2110)


class Reporter:
    """Progress to stderr: one line per status change, and a heartbeat."""

    def __init__(self, label: str, quiet: bool, stream: TextIO) -> None:
        self.label, self.quiet, self.stream = label, quiet, stream
        self.started = time.monotonic()
        self._last: tuple[str, float] = ("", 0.0)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, text: str) -> None:
        print(f"{PROG}: {self.label}: {text}", file=self.stream, flush=True)

    def progress(self, service: str, job_id: str) -> Callable[[str], None]:
        def on_status(status: str) -> None:
            now = self.elapsed()
            if self.quiet or (status == self._last[0] and now - self._last[1] < PROGRESS_EVERY):
                return
            self._last = (status, now)
            self.say(f"{service} job {job_id} {status} ({now:.1f} s)")

        return on_status

    def retrying(self, cause: str, delay: float) -> None:
        if not self.quiet:
            self.say(f"retrying in {delay:.1f} s: {cause}")


@dataclass
class Run:
    client: Client
    cluster: str
    spec: AccountSpec
    deadline: Deadline
    report: Reporter
    journal: Journal
    current_job: str | None = None

    def service(self, service: str, params: Mapping[str, str]) -> str:
        job_id = self.client.run_cluster_custom_service(self.cluster, service, params, self.deadline)
        return self.wait(service, job_id)

    def wait(self, service: str, job_id: str) -> str:
        self.current_job = job_id
        self.client.wait_job(job_id, self.deadline, self.report.progress(service, job_id))
        self.current_job = None
        return job_id

    def done(self, verb: str, job: str, note: str = "") -> str:
        where = {"added": "to", "deleted": "from"}.get(verb, "on")
        note = f"; {note}" if note else ""
        return f"{verb} {self.spec.label} {where} {self.cluster} (job {job}, {self.report.elapsed():.1f} s{note})"


def submit_add(run: Run, password: str) -> str:
    """add_user, journaled, so a later run can tell the account is ours.

    The record stays after success too: Terraform may be killed before it
    stores the account in its state, and then the next add meets it.
    """
    before = jobs_before(run.client, run.deadline)
    # Until this process records when it stopped, a job counts as ours only if it was made
    # during the first send: a run killed outright then proves less, never more.
    attempt = run.journal.begin(run.spec.shown_params(), run.client.http_timeout, before)
    try:
        with deferred(signal.SIGTERM):  # a job id on its way is worth the moment it takes to arrive
            job = run.client.run_cluster_custom_service(run.cluster, "add_user", run.spec.add_params(password),
                                                        run.deadline)  # fmt: skip
            run.journal.update(attempt, job_id=job)
        run.wait("add_user", job)
        run.journal.settle(attempt)
        return job
    except (JobFailed, ApiError) as err:
        if not _exists(err):  # an answer seen: had an earlier send made the account, this would say it exists
            run.journal.forget(attempt)
        raise
    finally:
        run.journal.update(attempt, finished=True)


def add_user(run: Run, password: str, replace_existing: bool) -> str:
    try:
        return run.done("added", submit_add(run, password))
    except (JobFailed, ApiError) as err:
        if not _exists(err):
            raise
    spec, cluster = run.spec, run.cluster
    proof = find_own_job(run.client, cluster, spec.user, run.journal.attempts(), run.deadline)
    if proof is not None and proof.attempt.run == run.journal.run and proof.params == spec.shown_params():
        run.journal.settle(proof.attempt, proof.job_id)  # this very run made it; an answer was lost
        return run.done("added", proof.job_id, "its answer was lost; the cluster's jobs show it made the account")
    if proof is not None:
        run.report.say(f"{spec.user} exists on {cluster}, made by this tool's job {proof.job_id} whose end an "
                       "earlier run did not see; recreating it as declared")  # fmt: skip
    elif replace_existing:
        run.report.say(f"{spec.user} exists on {cluster}; replacing it (--replace-existing)")
    else:
        run.journal.clear()  # what it held is disproved
        raise Failure(not_ours(run))
    delete_user(replace(run, spec=_as_made(spec, proof.params) if proof else spec))
    return run.done("recreated" if proof else "replaced", submit_add(run, password))


def _as_made(spec: AccountSpec, params: Mapping[str, str]) -> AccountSpec:
    """The account as our earlier job made it (its hosts may differ from today's declaration)."""
    try:
        return check_del(spec.user, params.get("host", spec.host))
    except AccountRuleError:
        return spec


def not_ours(run: Run) -> str:
    command = shlex.join(["qingcloud-mysqlplus", "del-user", "--zone", run.client.zone, "--cluster", run.cluster,
                          "--user", run.spec.user, "--host", run.spec.host])  # fmt: skip
    return (
        f"{run.spec.user} already exists on {run.cluster} and nothing shows this stack created it "
        f"(no add_user of its own in {run.journal.directory} matches the cluster's jobs), so it was left "
        f"untouched. If it is this stack's, delete it and deploy again: {command} "
        "-- or set replace_existing=True on the construct (--replace-existing), which deletes and recreates it"
    )


def delete_user(run: Run) -> str:
    try:
        job = run.service("del_user", run.spec.del_params())
    except JobFailed as err:
        if not _matches(err, MISSING_MARKERS):
            raise
        run.journal.clear()
        return f"{run.spec.label} was not on {run.cluster}; nothing to delete"
    run.journal.clear()  # the account is gone; earlier evidence about it no longer applies
    return run.done("deleted", job)


class Failure(Exception):
    """An expected failure with a message that already says what to do."""


_deferred: dict[int, bool] = {}  # signal number -> arrived while deferred


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if signum in _deferred:
        _deferred[signum] = True
        return
    raise Interrupted(signal.Signals(signum).name)


@contextmanager
def deferred(signum: int) -> Iterator[None]:
    """Hold ``signum`` (handled by :func:`_on_signal`) until the block ends, then act on it."""
    _deferred[signum] = False
    try:
        yield
    finally:
        arrived = _deferred.pop(signum)
    if arrived:
        raise Interrupted(signal.Signals(signum).name)


class Recorder(io.StringIO):
    """Stderr that also keeps what was written, for the status file."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(text)
        return super().write(text)

    def flush(self) -> None:
        self.stream.flush()


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    environ = os.environ if environ is None else environ
    err_stream = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    status_file = args.status_file or environ.get("QINGCLOUD_MYSQLPLUS_STATUS_FILE")
    if args.command == "replay":
        return replay(status_file, err_stream)
    if not status_file:
        return run_command(args, environ, stdin or sys.stdin, err_stream)
    recorder = Recorder(err_stream)
    notes: dict[str, str] = {}
    code = run_command(args, environ, stdin or sys.stdin, recorder, notes)
    lines = [line for line in recorder.getvalue().splitlines() if line.strip()]
    last = lines[-1] if lines else f"{PROG}: finished without a message"
    write_json(Path(status_file), {"exit": code, "last": last, **notes})
    return code


def replay(status_file: str | None, err_stream: TextIO) -> int:
    """Print an earlier run's last line and return its exit code; remove the file."""
    if not status_file:
        print(f"{PROG}: replay: error: no --status-file", file=err_stream)
        return EXIT_USAGE
    path = Path(status_file)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        code, last = int(record["exit"]), str(record["last"])
    except (OSError, ValueError, KeyError, TypeError):
        print(f"{PROG}: the bridge left no result in {path}: it did not start, or was killed "
              "(is the Python that ran 'cdktf synth' still there?)", file=err_stream)  # fmt: skip
        return EXIT_FAILED
    path.unlink(missing_ok=True)
    if code == EXIT_OK and record.get("pending"):
        Path(str(record["pending"])).unlink(missing_ok=True)  # Terraform now knows the account exists
    print(last, file=err_stream)
    return code


def run_command(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    stdin: TextIO,
    err_stream: TextIO,
    notes: dict[str, str] | None = None,
) -> int:
    """One add-user or del-user.  ``notes`` (status-file mode, under Terraform) gets the pending mark."""
    command = args.command
    label = f"{command}"
    run: Run | None = None
    try:
        options = COMMON + (ADD_ONLY if command == "add-user" else DEL_ONLY)
        values = option_values(args, options, environ)
        for required in ("cluster", "user"):
            if not values.get(required):
                env = next(o.env for o in options if o.flag == f"--{required}")
                raise UsageError(f"no {required}: pass --{required} or set {env}")
        try:
            values["cluster"] = check_cluster_id(values["cluster"])
            if values.get("zone"):
                values["zone"] = check_zone(values["zone"])
            if command == "add-user":
                spec = check_account(values["user"], values["host"] or "%", values["database"] or "*",
                                     values["priv"] or "StandardAccount", bool(values["ssl"]))  # fmt: skip
            else:
                spec = check_del(values["user"], values["host"] or "%")
        except AccountRuleError as err:
            raise UsageError(str(err)) from None
        label = f"{command} {spec.label} on {values['cluster']}"
        password = ""
        if command == "add-user":
            password = read_password(values, args.password_stdin, environ, stdin)
        timeout = _number(values, "timeout", DEFAULT_TIMEOUT)
        http_timeout = _number(values, "http_timeout", 20.0)
        method = str(values["http_method"] or "POST").upper()
        if method not in ("GET", "POST"):
            raise UsageError(f"http-method: received {method[:10]!r}; expected GET or POST")
        try:
            settings = resolve(
                zone=_text(values, "zone"),
                endpoint=_text(values, "endpoint"),
                config_path=_text(values, "config"),
                environ=environ,
            )
        except SettingsError as err:
            raise UsageError(str(err)) from None
        report = Reporter(label, bool(values["quiet"]), err_stream)
        if command == "del-user" and values["keep"]:
            report.say(f"kept {spec.label} on {values['cluster']} (keep_on_destroy): nothing deleted")
            return EXIT_OK
        client = Client(access_key=settings.access_key, secret_key=settings.secret_key, zone=settings.zone,
                        endpoint=settings.endpoint, verb=method, http_timeout=http_timeout,
                        on_retry=report.retrying)  # fmt: skip
        deadline = Deadline(timeout)
        journal_dir = Path(str(values["journal_dir"])) if values["journal_dir"] else default_journal_dir()
        journal = Journal(journal_dir, settings.zone, str(values["cluster"]), spec.user)
        run = Run(client, str(values["cluster"]), spec, deadline, report, journal)
        if command == "add-user" and notes is not None:
            notes["pending"] = str(journal.mark_pending())
        signal.signal(signal.SIGTERM, _on_signal)
        lock_dir = Path(str(values["lock_dir"])) if values["lock_dir"] else None
        with cluster_lock(settings.zone, run.cluster, deadline, lock_dir,
                          on_wait=lambda: report.say("waiting for another bridge on the same cluster")):  # fmt: skip
            if command == "add-user":
                result = add_user(run, password, bool(values["replace_existing"]))
            else:
                result = delete_user(run)
        report.say(result)
        return EXIT_OK
    except UsageError as err:
        print(f"{PROG}: {label}: error: {err}", file=err_stream)
        return EXIT_USAGE
    except (Failure, QingCloudError) as err:
        hint = _hint(err, command)
        print(f"{PROG}: {label}: failed: {err}{hint}", file=err_stream)
        return EXIT_FAILED
    except (KeyboardInterrupt, Interrupted) as err:
        name = str(err) or "SIGINT"
        job = (
            f"; job {run.current_job} was running and may still finish on the cluster"
            if run and run.current_job
            else ""
        )
        print(f"{PROG}: {label}: interrupted by {name}{job}", file=err_stream)
        return EXIT_INTERRUPTED


def _hint(err: Exception, command: str) -> str:
    if isinstance(err, ApiError):
        hints = {
            1200: "check QINGCLOUD_ACCESS_KEY / QINGCLOUD_SECRET_KEY",
            1300: "check this machine's clock (time stamps may be at most 60 s off)",
            2100: "check the cluster id and the zone",
        }
        if err.ret_code in hints:
            return f" ({hints[err.ret_code]})"
    if isinstance(err, DeadlineExceeded):
        if command == "add-user":
            job = f"; job {err.job_id} may still finish" if err.job_id else ""
            return f"{job} (retry when the cause has cleared; a run that finds the account checks the journal and the cluster's jobs, and takes it over if this tool made it)"
        job = f"; job {err.job_id} may still finish: check it in the console before retrying" if err.job_id else ""
        return f"{job} (raise --timeout, or retry when the cause has cleared)"
    return ""


if __name__ == "__main__":
    sys.exit(main())
