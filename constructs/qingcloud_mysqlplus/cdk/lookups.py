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
stderr; ``QINGCLOUD_MYSQLPLUS_LOOKUPS=0`` turns it off (fixed tokens).
Nothing imports cdktf here: the callers pass plain data.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..bridge import contract
from ..qingcloud.client import Client
from ..qingcloud.errors import QingCloudError
from ..qingcloud.history import UserFacts, read
from ..qingcloud.retry import Deadline
from ..qingcloud.settings import InsecureEndpoint, SettingsError, resolve
from ..rules import AccountRuleError, check_password, normalize_host
from .state import StackWhere, confirmed, deployed, read_state

LOOKUPS_ENV = "QINGCLOUD_MYSQLPLUS_LOOKUPS"
UNCHECKED = "unchecked"  # the token of every account while lookups are off
CLUSTER_SECONDS = 10.0  # all of one stack's job-history reads
HTTP_SECONDS = 5.0
SHOWN_NAMES = 5
Say = Callable[[str], None]


@dataclass(frozen=True)
class Wanted:
    """One declared account: its key, and the literals that name it on a cluster (None: a token)."""

    key: str
    zone: str | None
    cluster: str | None
    user: str | None
    endpoint: str | None
    declared: Mapping[str, str] | None = None  # host, database, priv, ssl as add_user sends them (None: a token)
    password: Callable[[], str | None] = field(default=lambda: None, repr=False, compare=False)  # None: unreadable
    allow_http: bool = False  # the construct's allow_insecure_http

    @property
    def name(self) -> str:
        return self.user or self.key


@dataclass(frozen=True)
class Verdict:
    present: bool | None  # False only when a successful del_user is the newest job touching the user
    words: str
    made: Mapping[str, Any] | None = field(default=None, repr=False)  # the newest add_user's params but passwd
    job_id: str = ""
    password_digest: str | None = field(default=None, repr=False)  # of its readable passwd, keyed per process


class Tokens(dict[str, str]):
    """Key -> token; ``restore`` holds the keys whose add must restore the declaration (drift)."""

    restore: frozenset[str] = frozenset()


_HISTORY: dict[tuple[str, ...], dict[str, Verdict]] = {}  # per process: one read per cluster


def off(environ: Mapping[str, str]) -> bool:
    value = environ.get(LOOKUPS_ENV, "").strip().lower()
    return value != "" and value in contract.FALSE_WORDS


def tokens(where: StackWhere, wanted: Iterable[Wanted], environ: Mapping[str, str] = os.environ,
           say: Say | None = None) -> Tokens:  # fmt: skip
    """The token of each wanted account, and one line on stderr saying why."""
    wanted = list(wanted)
    if off(environ):
        return Tokens({w.key: UNCHECKED for w in wanted})
    say = say or _stderr
    state = read_state(where, environ)
    stored = confirmed(state) if isinstance(state, dict) else {}
    before = deployed(state) if isinstance(state, dict) else {}
    verdicts, notes = check_clusters([w for w in wanted if w.key in stored], environ)
    result, readd, restore, new = Tokens(), [], {}, []
    for w in wanted:
        token, verdict = stored.get(w.key), verdicts.get(w.key)
        if token is not None and verdict is not None and verdict.present is False:
            readd.append(f"{w.name} (missing on {w.cluster}: {verdict.words})")
            token = None
        elif token is not None and verdict is not None and (changed := drift(w, verdict, before.get(w.key))):
            restore[w.key] = f"{w.name} (changed behind Terraform's back on {w.cluster}: {changed})"
            token = None
        if token is None and w.key not in stored:
            new.append(w.name)
        result[w.key] = token or secrets.token_hex(8)
    result.restore = frozenset(restore)
    notes = [f"restoring {', '.join(restore.values())}"] * bool(restore) + notes
    say(f"{contract.PROG}: stack {where.stack_id}: {_summary(state, len(wanted), new, readd, notes, len(restore))}")
    return result


STATE_NAMES = {"host": "host", "database": "database", "priv": "privilege", "ssl": "ssl"}  # add_user -> state


def drift(wanted: Wanted, verdict: Verdict, in_state: Mapping[str, Any] | None = None) -> str:
    """How the account's newest add_user differs from the declaration, in words ("" when it does not).

    Only what the history shows and the declaration names literally is compared; a password only
    when its value is readable here and the job's is not masked (a mask breaks the password rules).
    A declaration changed since the state's (``in_state``) is no drift: Terraform replaces the
    account for that change, as for any other."""
    made, declared = verdict.made, wanted.declared
    if not verdict.present or made is None or declared is None:
        return ""
    if in_state is not None and any(str(in_state.get(STATE_NAMES[n])) != v for n, v in declared.items()):
        return ""
    differs = [name for name, value in declared.items() if not _same(name, made.get(name), value)]
    password = wanted.password()
    if password is not None and verdict.password_digest is not None and digest(password) != verdict.password_digest:
        differs.append("password")
    return f"job {verdict.job_id} made it with another {', '.join(differs)}" if differs else ""


def _same(name: str, got: object, declared: str) -> bool:
    if name != "host":
        return str(got) == declared
    try:
        return normalize_host(got) == normalize_host(declared)
    except AccountRuleError:
        return False


_DIGEST_KEY = secrets.token_bytes(32)


def digest(password: str) -> str:
    """A keyed digest, so the per-process cache of verdicts holds no password."""
    return hmac.new(_DIGEST_KEY, password.encode(), hashlib.sha256).hexdigest()


def _recorded_digest(params: Mapping[str, Any]) -> str | None:
    """The digest of a job's passwd, when it is a password at all (a mask breaks the password rules)."""
    try:
        return digest(check_password(params.get("passwd")))
    except AccountRuleError:
        return None


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


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


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
                known = _HISTORY[cache] = {**known, **history(client, cluster, users - set(known), deadline)}
            except QingCloudError as err:
                notes.append(f"cluster check on {cluster} failed ({err})")
                continue
            finally:
                client.close()
        verdicts.update({w.key: known[str(w.user)] for w in members})
    return verdicts, notes


def history(client: Client, cluster: str, users: set[str], deadline: Deadline) -> dict[str, Verdict]:
    """Per user, what the cluster's history says, by the construct's rule (:func:`verdict`)."""
    facts = read(client, cluster, deadline, users)
    return {user: verdict(facts.of(user)) for user in users}


def verdict(facts: UserFacts) -> Verdict:
    """The construct's reading: only a del_user as the newest successful job touching the user is
    *missing*.  No job listed is *unknown*, not missing, even when the whole listing was read: jobs
    age out of the listing, and a steady account must not be re-added (and fail) on every deploy
    because its add is no longer listed."""
    done = facts.newest_done
    if facts.unknown:
        return Verdict(None, f"{facts.unknown} newer job(s) without a readable directive")
    if done is None or done.request is None:
        return Verdict(None, "no add_user or del_user listed")
    service = done.request.service
    if service != "add_user":
        return Verdict(False, f"{service} {done.job_id} is its newest successful job", None, done.job_id)
    params = done.request.params
    made = {name: value for name, value in params.items() if name != "passwd"}
    words = f"add_user {done.job_id} is its newest successful job"
    return Verdict(True, words, made, done.job_id, _recorded_digest(params))
