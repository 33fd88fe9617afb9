"""Synth-time reads that decide, per account, whether its add must run (again).

A CI runner keeps nothing, so the evidence lives where every runner can read
it: the stack's Terraform state and the cluster's job history.  An account is
*confirmed* when the state holds its made-instance (M) untainted and its
confirmed-instance (D) carrying M's token and id: D is created only after all
of M's steps finished.  A confirmed account keeps its stored token (nothing to
do), unless the cluster's history shows it deleted since; every other account
gets a fresh token, so Terraform replaces M and the add runs again (cheaply:
the bridge adopts an account that already exists exactly as declared).

A confirmed account whose newest successful add_user carries other settings
than declared (host, database, privilege, ssl, and the password where its
value is readable at synth: ``TF_VAR_<name>`` or ``password_env``) was
re-created behind Terraform's back: it gets a fresh token too, and its add
runs with ``replace_existing``, so the deploy restores the declaration
(``del_user`` of what is there, then ``add_user``).  The password is compared
in memory, never kept.

Everything here is bounded, optional and said in one line per stack on
stdout: cdktf-cli 0.21 and cdktn-cli 0.24 print an app's stdout as it is, but
log each chunk of its stderr as ``[ERROR]``, so a healthy synth said there
would look like a failure.  ``QINGCLOUD_MYSQLPLUS_LOOKUPS=0`` turns the reads
off (fixed tokens).
Nothing imports cdktf here: the callers pass plain data.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..bridge import contract
from ..qingcloud.client import Client
from ..qingcloud.errors import QingCloudError
from ..qingcloud.history import read
from ..qingcloud.retry import Deadline
from ..qingcloud.settings import InsecureEndpoint, SettingsError, resolve
from .state import StackWhere, confirmed, created_with, deployed, once_confirmed, read_state
from .verdicts import Verdict, Wanted, digest, drift, verdict

LOOKUPS_ENV = "QINGCLOUD_MYSQLPLUS_LOOKUPS"
UNCHECKED = "unchecked"  # the token of every account while lookups are off
SETTINGS_AT = 3  # where the settings start in A's triggers_replace (after cluster, zone, user: steps.IDENTITY)
CLUSTER_SECONDS = 10.0  # all of one stack's job-history reads
HTTP_SECONDS = 5.0
SHOWN_NAMES = 5
Say = Callable[[str], None]


class Tokens(dict[str, str]):
    """Key -> token; ``restore`` holds the keys whose add replaces what is there: the declaration changed
    behind Terraform's back (drift), the settings changed since the account's add, or an unfinished add
    where an add of this stack once finished (the account there is the stack's; a key never confirmed
    keeps a plain add, which fails loudly on a foreign account)."""

    restore: frozenset[str] = frozenset()
    decided: bool = False  # the state was read: restore says every key whose add replaces


_HISTORY: dict[tuple[str, ...], dict[str, Verdict]] = {}  # per process: one read per cluster


def off(environ: Mapping[str, str]) -> bool:
    value = environ.get(LOOKUPS_ENV, "").strip().lower()
    return value != "" and value in contract.FALSE_WORDS


def tokens(where: StackWhere, wanted: Iterable[Wanted], environ: Mapping[str, str] = os.environ,
           say: Say | None = None, state: dict[str, Any] | str | None = None) -> Tokens:  # fmt: skip
    """The token of each wanted account, and one line on stdout saying why (``state``: already read)."""
    wanted = list(wanted)
    if off(environ):
        return Tokens({w.key: UNCHECKED for w in wanted})
    say = say or _stdout
    state = read_state(where, environ) if state is None else state
    stored = confirmed(state) if isinstance(state, dict) else {}
    before = deployed(state) if isinstance(state, dict) else {}
    created = created_with(state, SETTINGS_AT) if isinstance(state, dict) else {}
    ours = once_confirmed(state) if isinstance(state, dict) else set()
    verdicts, notes = check_clusters([w for w in wanted if w.key in stored], environ)
    result, readd, restore, new, remade = Tokens(), [], {}, [], []
    for w in wanted:
        token, verdict = stored.get(w.key), verdicts.get(w.key)
        if token is not None and not made_for(token, created.get(w.key), w.settings):
            remade.append(w.name)  # its settings changed since its add: made again, replacing what is there
            restore[w.key] = ""
            token = None
        elif token is not None and verdict is not None and verdict.present is False:
            readd.append(f"{w.name} (missing on {w.cluster}: {verdict.words})")
            token = None
        elif token is not None and verdict is not None and (changed := drift(w, verdict, before.get(w.key))):
            restore[w.key] = f"{w.name} (changed behind Terraform's back on {w.cluster}: {changed})"
            token = None
        if token is None and w.key not in stored:
            new.append(w.name)
        result[w.key] = token or new_token(w.settings)
    unfinished = {w.key for w in wanted if w.key in ours and w.key not in stored}  # e.g. killed mid-replacement
    result.restore, result.decided = frozenset(restore) | frozenset(unfinished), isinstance(state, dict)
    restoring = [words for words in restore.values() if words]
    notes = [f"restoring {', '.join(restoring)}"] * bool(restoring) + notes
    notes = [f"re-making with the declared settings: {_names(remade)}"] * bool(remade) + notes
    line = _summary(state, len(wanted), new, readd, notes, len(restore))
    say(f"{contract.PROG}: stack {where.stack_id}: {line}")
    return result


def new_token(settings: tuple[str, ...] | None) -> str:
    """A fresh token; with the settings' digest after a dot when they are literals, so the next synth can
    tell which settings the add it starts was for (:func:`made_for`)."""
    return secrets.token_hex(8) + (f".{settings_digest(settings)}" if settings is not None else "")


def settings_digest(settings: tuple[str, ...]) -> str:
    return hashlib.sha256(json.dumps(list(settings)).encode()).hexdigest()[:12]


def made_for(token: str, created: tuple[str, ...] | None, settings: tuple[str, ...] | None) -> bool:
    """Whether a confirmed add was for the declared settings (True when that cannot be told).

    A token made here carries its settings' digest; an older one (0.4.0, or settings that were tokens)
    was made when A was created, whose settings A's ignored triggers keep.  So a deploy killed after A's
    in-place update and before the add (the plan then shows no change) is still made again."""
    if settings is None:
        return True
    _, dot, digest = token.partition(".")
    if dot:
        return digest == settings_digest(settings)
    return created is None or created == settings


def _summary(state: dict[str, Any] | str, count: int, new: list[str], readd: list[str], notes: list[str],
             restored: int = 0) -> str:  # fmt: skip
    """What the lookups found, in words: no password, no job record, only names and job ids."""
    if isinstance(state, str):
        head = f"state unreadable ({state}): adding all {_count(count)} again (existing ones are adopted)"
    elif not state:
        head = f"no state yet: {_count(count)} to add"
    else:
        head = f"{count - len(new) - len(readd) - restored} of {_count(count)} confirmed in the state"
        head += f"; to add (new or unfinished): {_names(new)}" if new else ""
    return "; ".join([head] + ([f"re-adding {', '.join(readd)}"] if readd else []) + notes)


def _count(n: int) -> str:
    return f"{n} account" + ("" if n == 1 else "s")


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    return shown + (f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else "")


def _stdout(line: str) -> None:
    """The CLIs relay the app's stdout unmarked (its stderr shows as ``[ERROR]``)."""
    print(line, file=sys.stdout, flush=True)


# -- the clusters ------------------------------------------------------------------------------


def check_clusters(wanted: list[Wanted], environ: Mapping[str, str]) -> tuple[dict[str, Verdict], list[str]]:
    """What each cluster's job history says of the wanted accounts (one paged read per cluster)."""
    groups: dict[tuple[str, str, str], list[Wanted]] = {}
    for w in wanted:
        if w.zone and w.cluster and w.user:
            groups.setdefault((w.zone, w.endpoint or "", w.cluster), []).append(w)
    verdicts: dict[str, Verdict] = {}
    notes: list[str] = []
    deadline = Deadline(CLUSTER_SECONDS)
    for (zone, endpoint, cluster), members in sorted(groups.items()):
        try:
            settings = resolve(zone=zone, endpoint=endpoint or None, environ=environ,
                               allow_http=all(w.allow_http for w in members))  # fmt: skip
        except InsecureEndpoint as err:  # this endpoint only: nothing is sent there
            notes.append(f"cluster check on {cluster} skipped ({err})")
            continue
        except SettingsError as err:
            notes.append(f"cluster check skipped ({str(err).split(' (looked in')[0]})")
            break
        users = {str(w.user) for w in members}
        cache = (settings.endpoint.url, settings.zone, settings.access_key, cluster)
        known = _HISTORY.get(cache, {})
        if users - set(known):
            client = Client(access_key=settings.access_key, secret_key=settings.secret_key, zone=settings.zone,
                            endpoint=settings.endpoint, http_timeout=HTTP_SECONDS)  # fmt: skip
            try:
                found = history(client, cluster, users - set(known), deadline, hosts_of(members))
                known = _HISTORY[cache] = {**known, **found}
            except QingCloudError as err:
                notes.append(f"cluster check on {cluster} failed ({err})")
                continue
            finally:
                client.close()
        verdicts.update({w.key: known[str(w.user)] for w in members})
    return verdicts, notes


def hosts_of(members: list[Wanted]) -> dict[str, str | None]:
    """User -> its declared host where that is a literal, and the only one declared for the user: the
    account is looked for at its entries (else at whichever entries of the user are there)."""
    hosts: dict[str, str | None] = {}
    for w in members:
        host = w.declared.get("host") if w.declared is not None else None
        hosts[str(w.user)] = host if hosts.get(str(w.user), host) == host else None
    return hosts


def history(client: Client, cluster: str, users: set[str], deadline: Deadline,
            hosts: Mapping[str, str | None] | None = None) -> dict[str, Verdict]:  # fmt: skip
    """Per user, what the cluster's history says at its host in ``hosts``, by the construct's rule
    (:func:`verdict`)."""
    hosts = hosts or {}
    facts = read(client, cluster, deadline, users, hosts=hosts)
    return {user: verdict(facts.of(user), hosts.get(user)) for user in users}


__all__ = [
    "LOOKUPS_ENV",
    "UNCHECKED",
    "Tokens",
    "Verdict",
    "Wanted",
    "digest",
    "drift",
    "history",
    "off",
    "tokens",
    "verdict",
]
