"""The construct's two add steps and ``replay``: which one does the add, told through the status file.

Terraform hides every line of a step whose configuration holds an ephemeral
value.  So the first add step holds none: it names the password's variable
(``TF_VAR_<name>``), which local-exec's environment inherits from
Terraform's, and its progress shows as it happens.  When that variable is not
there (the value came from ``-var`` or a tfvars file), the first step writes
``deferred`` to the status file and exits 0; the second, hidden step, which
holds the ephemeral value, adds only then, and ``replay`` prints its result.
When the first step did the add, it writes ``shown``: the second step and
``replay`` have nothing to do.  When it failed, it records its result like
any run (it does not fail the step itself): ``replay`` prints the failure
line, so Terraform's error block holds that one line rather than every
progress line again.  A status holds an exit code and a line, never
a password.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from . import contract
from .fields import ENV_NAME, field
from .report import write_status

DEFERRED, SHOWN = "deferred", "shown"
USER, CLUSTER = field("user").env, field("cluster_id").env


def on(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in contract.TRUE_WORDS


def step_of(path: Path) -> str:
    """What the first step left in the status file: DEFERRED, SHOWN, or "" (a result, or nothing)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(record.get("step") or "") if isinstance(record, dict) else ""


def missing_password(environ: Mapping[str, str]) -> str | None:
    """Why the first step cannot read the password (so it defers), or None when it can."""
    name = environ.get(contract.PASSWORD_ENV) or ""
    if not name:
        return "its password is a value this step cannot read"
    if not ENV_NAME.fullmatch(name):  # not a name (a value put in the wrong place?): never shown
        return f"{contract.PASSWORD_ENV} is not a variable name"
    if name not in environ:
        return f"${name} is not in Terraform's environment (the value came from -var or a tfvars file?)"
    return None


def before(environ: Mapping[str, str], status_file: str | None, stream: TextIO) -> int | None:
    """None: go on with the add; else this step's exit code (it has nothing to do).  Only the construct
    sets these variables, all in the environment, so no flag is read here."""
    if on(environ, contract.IF_DEFERRED):  # the hidden step
        step = step_of(Path(status_file)) if status_file else ""
        if step == DEFERRED:
            return None
        if step == SHOWN and status_file:
            _same_value(environ, Path(status_file))
        return contract.EXIT_OK
    why = missing_password(environ) if on(environ, contract.DEFER) else None
    if why is None:
        return None
    line = (f"{contract.PROG}: add-user {_who(environ)}: {why}: the next step adds it with the value, and "
            "Terraform hides that step's lines; its result follows")  # fmt: skip
    print(line, file=stream, flush=True)
    if status_file:
        try:
            write_status(Path(status_file), contract.EXIT_OK, line, step=DEFERRED)
        except OSError as err:  # the next step then adds nothing, and replay fails: say why now
            print(f"{contract.PROG}: add-user {_who(environ)}: cannot write the status file ({err.strerror}): "
                  "the next step will say it left no result", file=stream, flush=True)  # fmt: skip
    return contract.EXIT_OK


def for_add(environ: Mapping[str, str]) -> Mapping[str, str]:
    """The environment the add reads: the hidden step reads the value it holds, not the variable."""
    if not on(environ, contract.IF_DEFERRED):
        return environ
    return {k: v for k, v in environ.items() if k != contract.PASSWORD_ENV}


def step_after(environ: Mapping[str, str], code: int) -> str:
    """What the status file says beside the result: SHOWN when the construct's first step did the add
    (nothing left for the next two).  A failure is a plain result, which ``replay`` prints and fails
    for, so that Terraform's error block holds that one line rather than every progress line again."""
    return SHOWN if contract.DEFER in environ and code == contract.EXIT_OK else ""


def _who(environ: Mapping[str, str]) -> str:
    return f"{environ.get(USER, '?')} on {environ.get(CLUSTER, '?')}"


def _same_value(environ: Mapping[str, str], path: Path) -> None:
    """The first step added with ``$TF_VAR_<name>``; Terraform's value wins over it when also given with
    ``-var`` or a tfvars file.  If the two differ (compared here, never shown), ``replay`` fails and says so."""
    name, value = environ.get(contract.PASSWORD_ENV, ""), environ.get(contract.PASSWORD, "")
    if (
        not value or not ENV_NAME.fullmatch(name) or name not in environ or environ[name] == value
    ):  # no value: password_env
        return
    line = (f"{contract.PROG}: add-user {_who(environ)}: failed: ${name} is not the value Terraform was given "
            "(-var or a tfvars file wins over the environment), and the account was added with the one in "
            f"${name}: unset {name} or give it the same value, then deploy again")  # fmt: skip
    try:
        write_status(path, contract.EXIT_FAILED, line)
    except OSError:  # the status the first step left stands (it added); the mismatch goes unsaid
        pass
