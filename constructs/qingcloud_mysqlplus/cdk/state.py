"""The stack's stored Terraform state, read at synth: which accounts are proven made.

For the default local backend the state file is read directly; for any
other backend Terraform itself fetches it (``init`` and ``state pull`` in a
directory holding only the stack's backend block), since the stack's own
``terraform_remote_state`` fails on a first deploy.  A state that does not
exist yet is an empty one; one that cannot be read is said why, in words that
never repeat Terraform's output (it may name the backend's secrets).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..qingcloud.retry import Deadline
from .names import ACCOUNTS_ID, CONFIRMED_ID, MADE_ID

STATE_SECONDS = 30.0  # terraform init + state pull, for a remote backend


@dataclass(frozen=True)
class StackWhere:
    """Where a stack's state is: its id, its resolved ``terraform`` block (None: cdktf's default), its directory."""

    stack_id: str
    terraform: Mapping[str, Any] | None
    stack_dir: Path


def read_state(where: StackWhere, environ: Mapping[str, str], *, empty_is_cut: bool = False) -> dict[str, Any] | str:
    """The stack's state as JSON ({} when there is none yet), or why it could not be read.

    ``empty_is_cut``: a local state file that exists but is empty is a reason too, not {}.  Terraform never
    writes one (a new stack has none; a destroyed one keeps its JSON), but a run killed while rewriting it
    leaves one: Terraform then plans as if nothing existed, and keeps the state from before that run in
    ``<file>.backup``."""
    path = _local_file(where, environ)
    return _read_file(path, empty_is_cut) if path is not None else _pull(dict(where.terraform or {}), environ)


def _local_file(where: StackWhere, environ: Mapping[str, str]) -> Path | None:
    """The local backend's state file of the default workspace (None: another backend or workspace)."""
    terraform = dict(where.terraform or {})
    backend = terraform.get("backend") or {}
    workspace = environ.get("TF_WORKSPACE") or "default"
    if "cloud" in terraform or (backend and "local" not in backend) or workspace != "default":
        return None
    path = Path(str((backend.get("local") or {}).get("path") or f"terraform.{where.stack_id}.tfstate"))
    if not backend:  # no backend construct (cdktf adds the default at synth): cdktf's default path
        path = Path.cwd() / path
    return path if path.is_absolute() else where.stack_dir / path


def _read_file(path: Path, empty_is_cut: bool = False) -> dict[str, Any] | str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as err:
        return f"{path}: {err.strerror}"
    if empty_is_cut and not text.strip():
        return (f"{path} is empty, as a run stopped while Terraform rewrote it leaves it: restore the state from "
                f"before that run ({path.name}.backup beside it, or your own copy)")  # fmt: skip
    return _parse(text, str(path))


def _parse(text: str, where: str) -> dict[str, Any] | str:
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return f"{where} is not JSON"
    return data if isinstance(data, dict) else f"{where} is not a Terraform state"


def _pull(terraform: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any] | str:
    """``terraform init`` and ``state pull`` in a directory holding only the stack's backend block."""
    binary = environ.get("TERRAFORM_BINARY_NAME") or "terraform"
    env = {k: v for k, v in environ.items() if k != "TF_DATA_DIR" and not k.startswith("TF_CLI_ARGS")}
    env.update(TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    deadline = Deadline(STATE_SECONDS)
    with tempfile.TemporaryDirectory(prefix="qingcloud-mysqlplus-state-") as work:
        (Path(work) / "main.tf.json").write_text(json.dumps({"terraform": terraform}), encoding="utf-8")
        out = ""
        for step in (["init", "-input=false", "-reconfigure", "-no-color"], ["state", "pull"]):
            name = " ".join(word for word in step if not word.startswith("-"))
            try:
                done = subprocess.run([binary, *step], cwd=work, env=env, capture_output=True, text=True,
                                      timeout=max(deadline.remaining(), 1.0), check=False)  # fmt: skip
            except FileNotFoundError:
                return f"no Terraform at {binary!r} (TERRAFORM_BINARY_NAME)"
            except subprocess.TimeoutExpired:
                return f"terraform {name} took over {STATE_SECONDS:g} s"
            if done.returncode != 0:  # its output may name the backend's secrets: not repeated
                return f"terraform {name} exited {done.returncode}"
            out = done.stdout
    return _parse(out, "terraform state pull")


def _instances(state: Mapping[str, Any], name: str) -> dict[str, Mapping[str, Any]]:
    """The current (not deposed) instances of one root-module terraform_data block, by key."""
    found: dict[str, Mapping[str, Any]] = {}
    for resource in state.get("resources") or []:
        if not isinstance(resource, dict) or resource.get("module") or resource.get("mode") != "managed":
            continue
        if resource.get("type") != "terraform_data" or resource.get("name") != name:
            continue
        for instance in resource.get("instances") or []:
            if isinstance(instance, dict) and "deposed" not in instance and isinstance(instance.get("index_key"), str):
                found[instance["index_key"]] = instance
    return found


def _attribute(instance: Mapping[str, Any], name: str) -> Any:
    value = (instance.get("attributes") or {}).get(name)
    return value.get("value") if isinstance(value, dict) and "type" in value else value


def confirmed(state: Mapping[str, Any]) -> dict[str, str]:
    """Key -> token of every account whose add is proven finished: M untainted, D holding M's token and id."""
    made, seen = _instances(state, MADE_ID), _instances(state, CONFIRMED_ID)
    result = {}
    for key, m in made.items():
        d = seen.get(key)
        if d is None or "tainted" in (m.get("status"), d.get("status")):
            continue
        token, proof = _attribute(m, "input"), _attribute(d, "input")
        if isinstance(token, str) and isinstance(proof, dict) and proof.get("token") == token \
                and proof.get("made") == _attribute(m, "id"):  # fmt: skip
            result[key] = token
    return result


def once_confirmed(state: Mapping[str, Any]) -> set[str]:
    """The keys with a confirmed-instance (D) at all: an add of this stack finished there once, so the
    account at that key is the stack's (D is made only after all of M's steps, and is never tainted)."""
    return set(_instances(state, CONFIRMED_ID))


def created_with(state: Mapping[str, Any], first: int) -> dict[str, tuple[str, ...]]:
    """Key -> A's stored ``triggers_replace`` from position ``first`` on: the settings A was created with
    (they are in ``ignore_changes``, so an in-place update leaves them)."""
    found = {}
    for key, instance in _instances(state, ACCOUNTS_ID).items():
        value = _attribute(instance, "triggers_replace")
        if isinstance(value, list) and len(value) > first:
            found[key] = tuple(str(v) for v in value[first:])
    return found


def deployed(state: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Key -> the declared fields the state holds for each account (its accounts-block input)."""
    found: dict[str, Mapping[str, Any]] = {}
    for key, instance in _instances(state, ACCOUNTS_ID).items():
        value = _attribute(instance, "input")
        if isinstance(value, dict):
            found[key] = value
    return found
