"""The construct's reading of a cluster's job history, per declared account: present, missing or
unknown (:func:`verdict`), and changed behind Terraform's back (:func:`drift`).

The facts come from the one history reader (:mod:`..qingcloud.history`); the
bridge reads the same facts with its own rules (:mod:`..bridge.evidence`).
A job's password is kept only as a keyed digest, for an in-memory comparison.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..qingcloud.history import UserFacts, entries, service_of
from ..qingcloud.jobs import Job
from ..rules import AccountRuleError, normalize_host


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
    settings: tuple[str, ...] | None = None  # host, database, privilege, ssl, password_version (None: a token)

    @property
    def name(self) -> str:
        return self.user or self.key


@dataclass(frozen=True)
class Verdict:
    present: bool | None  # False only when a successful del_user is the newest job touching the account
    words: str
    made: Mapping[str, Any] | None = field(default=None, repr=False)  # the params but passwd of the add_user there
    job_id: str = ""
    password_digest: str | None = field(default=None, repr=False)  # of its readable passwd, keyed per process


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


def verdict(facts: UserFacts, host: str | None = None) -> Verdict:
    """The construct's reading: *missing* only when a del_user is the newest successful job touching
    each entry of the user that a job in the read names.  No job listed is *unknown*, not missing, even
    when the whole listing was read: jobs age out of the listing, and a steady account must not be
    re-added (and fail) on every deploy because its add is no longer listed.

    A user may be at the entries of two add_user jobs (where QingCloud takes a second host): after a
    host change that added the new host first, the old host's del_user is the newest job, and the
    account is present at the new host.  ``host`` (the declared host, when a literal) picks the add_user
    that made the account there; the params shown carry the entries still there, so that :func:`drift`
    tells an account at other entries (re-made behind Terraform's back, or partly deleted)."""
    if facts.unknown:
        return Verdict(None, f"{facts.unknown} newer job(s) without a readable directive")
    newest = facts.newest_done
    if newest is None:
        return Verdict(None, "no add_user or del_user listed")
    live = facts.live
    if not live and service_of(newest) == "add_user":  # its host cannot be read: the account as it made it
        live = ((newest, ()),)
    if not live:
        return Verdict(False, f"{service_of(newest)} {newest.job_id} is its newest successful job", None,
                       newest.job_id)  # fmt: skip
    wanted = set(entries(host)) if host is not None else set()
    made = facts.made(host) if host is not None else None
    job, hosts = next(((j, h) for j, h in live if j is made), None) or next(
        ((j, h) for j, h in live if set(h) & wanted), live[0]
    )
    return _present(job, hosts)


def _present(job: Job, hosts: tuple[str, ...]) -> Verdict:
    params = job.request.params if job.request is not None else {}
    shown = {name: value for name, value in params.items() if name != "passwd"}
    if set(hosts) != set(entries(params.get("host"))):  # partly deleted since: what is there
        shown["host"] = ";".join(hosts)
    kept = job.request.kept_password() if job.request is not None else None  # a digest only: no password kept
    return Verdict(True, f"add_user {job.job_id} made it", shown, job.job_id, None if kept is None else digest(kept))
