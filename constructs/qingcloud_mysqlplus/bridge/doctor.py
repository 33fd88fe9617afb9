"""``qingcloud-mysqlplus doctor``: a preflight of everything a deploy relies on, without a write.

Each check is one :class:`Check` that says what it found and, when it fails,
what to do.  The calls are reads only (DescribeClusters, DescribeClusterJobs in
each of its forms, DescribeJobs, DescribeClusterNodes); the opt-in probe that
writes lives in :mod:`.probe`.  Nothing here prints: the caller renders.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from ..qingcloud.client import Client, ClusterInfo
from ..qingcloud.endpoint import ALLOW_HTTP_ENV, Endpoint, is_loopback
from ..qingcloud.errors import AUTH_FAILED, EXPIRED, ApiError, QingCloudError
from ..qingcloud.history import read
from ..qingcloud.retry import Deadline
from .proxies import ASKED_BY, PROXY_ROLE

OK, WARN, FAIL, SKIP = "ok", "warn", "FAIL", "skip"
CLOCK_WARN, CLOCK_FAIL = 5.0, 30.0  # seconds off; QingCloud refuses a time stamp more than 60 s off
ACCESS_KEY_ID = re.compile(r"[A-Z0-9]{8,64}")  # QingCloud's are 20 upper-case letters: no password is one
FORMS = (("app=", "documented"), ("cluster=", "the SDK's"))


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, warn (passes, with a note), FAIL, skip (not checked: an earlier check failed)
    text: str
    fix: str = ""  # what to do, when it did not pass

    @property
    def passed(self) -> bool:
        return self.status in (OK, WARN)


@dataclass
class Report:
    cluster: str
    checks: list[Check] = field(default_factory=list)
    on_check: Callable[[Check], None] = field(default=lambda _check: None, repr=False)

    def add(self, name: str, status: str, text: str, fix: str = "") -> Check:
        check = Check(name, status, text, fix if status in (FAIL, WARN) else "")
        self.checks.append(check)
        self.on_check(check)
        return check

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


def scheme(endpoint: Endpoint, allowed: bool = False) -> tuple[str, str, str]:
    """https, or plain http only to this machine (a local simulator): status, text, fix.  ``allowed``:
    the user opted in to plain http elsewhere (a private cloud on a trusted network): a warning."""
    if endpoint.protocol == "https":
        return OK, f"{endpoint.url}: https, certificates verified", ""
    if is_loopback(endpoint.host):
        return OK, f"{endpoint.url}: plain http to this machine (a local simulator)", ""
    if allowed:
        return (WARN, f"{endpoint.url}: plain http to another machine, allowed by {ALLOW_HTTP_ENV}: the signed "
                "requests and passwords cross the network in clear", "use an https:// endpoint where there is one")  # fmt: skip
    return (FAIL, f"{endpoint.url}: plain http to another machine carries the signed requests and passwords in clear",
            "use the https:// endpoint of the API")  # fmt: skip


def doctor(client: Client, cluster: str, deadline: Deadline, on_check: Callable[[Check], None] | None = None,
           allow_http: bool = False) -> Report:  # fmt: skip
    """Every read-only check, in order; after a failure that leaves nothing to ask, the rest are skipped."""
    report = Report(cluster, on_check=on_check or (lambda _check: None))
    report.add("endpoint", *scheme(client.endpoint, allow_http))
    info = _describe_cluster(client, cluster, deadline, report)
    if info is None:
        for name in ("status", "app", "job history", "history depth", "proxies"):
            report.add(name, SKIP, "not checked: an earlier check failed")
        return report
    _status(info, report)
    _history(client, cluster, info, deadline, report)
    _proxies(client, cluster, deadline, report)
    return report


def key_shown(access_key: str) -> str:
    """The access key id, when it looks like one (upper-case letters and digits); else a password, say, put
    in its place, which is not shown."""
    return access_key if ACCESS_KEY_ID.fullmatch(access_key) else "(not shown: it does not look like a key id)"


def _describe_cluster(client: Client, cluster: str, deadline: Deadline, report: Report) -> ClusterInfo | None:
    """Credentials (1200), the clock (1300 and the Date header) and the cluster, from one DescribeClusters."""
    try:
        info, failure = client.cluster_info(cluster, deadline), None
    except ApiError as err:
        info, failure = None, err
    except QingCloudError as err:  # no answer at all
        report.add("credentials", FAIL, f"no answer from {client.endpoint.where}: {err}",
                   "check the endpoint URL, the network and any HTTPS_PROXY")  # fmt: skip
        return None
    code = failure.ret_code if failure else 0
    if code == AUTH_FAILED:
        report.add("credentials", FAIL, f"the key {key_shown(client.access_key)} is refused: {failure}",
                   "check QINGCLOUD_ACCESS_KEY / QINGCLOUD_SECRET_KEY (or qy_access_key_id / qy_secret_access_key)")  # fmt: skip
    elif code == EXPIRED:
        report.add("credentials", SKIP, "not checked: the request expired first (ret_code 1300)")
    else:
        report.add("credentials", OK, f"the key {key_shown(client.access_key)} is accepted")
    _clock(client.date_seen, code == EXPIRED, report)
    if failure is not None and code not in (AUTH_FAILED, EXPIRED):
        report.add("cluster", FAIL, f"DescribeClusters: {failure}",
                   "check the sub-account's permissions on the cluster, the cluster id and the zone")  # fmt: skip
    elif failure is None and info is None:
        report.add("cluster", FAIL, f"{cluster} is not listed in zone {client.zone}",
                   "check the cluster id and the zone, and that the key's user may see the cluster")  # fmt: skip
    elif info is not None:
        report.add("cluster", OK, f"{cluster} is listed: the key may read it (writes are tried only by --probe)")
    else:
        report.add("cluster", SKIP, "not checked: the request was refused before the cluster was looked up")
    return info


def clock_skew(date: str, arrived: float) -> float | None:
    """How far the server's Date header is ahead of this machine's clock, in seconds (it has whole seconds)."""
    try:
        return parsedate_to_datetime(date).timestamp() + 0.5 - arrived
    except (TypeError, ValueError, IndexError):
        return None


def _clock(date_seen: tuple[str, float], expired: bool, report: Report) -> None:
    skew = clock_skew(*date_seen) if date_seen[0] else None
    fix = "set this machine's clock (NTP): QingCloud refuses a request whose time stamp is more than 60 s off"
    if skew is None:
        status = FAIL if expired else WARN
        report.add("clock", status, "the endpoint sent no readable Date header to compare with" +
                   ("; it refused the request as expired (ret_code 1300)" if expired else ""), fix)  # fmt: skip
        return
    words = (f"this machine is {abs(skew):.0f} s {'behind' if skew > 0 else 'ahead of'} the server's Date header"
             if abs(skew) >= 1 else "this machine agrees with the server's Date header (within a second)")  # fmt: skip
    status = FAIL if expired or abs(skew) > CLOCK_FAIL else WARN if abs(skew) > CLOCK_WARN else OK
    report.add("clock", status, words + (" (ret_code 1300: request expired)" if expired else ""), fix)


def _status(info: ClusterInfo, report: Report) -> None:
    if info.status != "active":
        report.add("status", FAIL, f"{info.cluster_id} is {info.status or 'of no status'}, not active",
                   "start or resume the cluster in the console: jobs run only on an active cluster")  # fmt: skip
    elif info.transition_status:
        report.add("status", WARN, f"active, and {info.transition_status}: another job holds it now",
                   "nothing: the bridge waits for the cluster to be idle before each job")  # fmt: skip
    else:
        report.add("status", OK, "active and idle (no transition_status)")
    if info.app_id:
        report.add("app", OK, f"app_id {info.app_id}")
    else:
        report.add("app", WARN, "DescribeClusters gives no app_id: the documented DescribeClusterJobs form (app=) "
                   "cannot be asked", "nothing if the SDK's form (cluster=) answers below")  # fmt: skip


def _history(client: Client, cluster: str, info: ClusterInfo, deadline: Deadline, report: Report) -> None:
    """Which listing forms answer (one record each), then one read to the end of the history."""
    forms = {"app=": {"app": info.app_id} if info.app_id else None, "cluster=": {"cluster": cluster}}
    answers = {form: _one_record(client, "DescribeClusterJobs", params, deadline) for form, params in forms.items()}
    said = "; ".join(f"{form} ({kind}) {answers[form]}" for form, kind in FORMS)
    if any(a.startswith("answers") for a in answers.values()):
        report.add("job history", OK, f"DescribeClusterJobs {said}")
    else:
        mine = _one_record(client, "DescribeJobs", {"verbose": 1}, deadline)
        status = WARN if mine.startswith("answers") else FAIL
        report.add("job history", status, f"DescribeClusterJobs {said}; DescribeJobs (the caller's jobs) {mine}",
                   "the bridge then sees only this key's jobs: accounts made in the console or by other keys "
                   "are unseen" if status == WARN else "check the key's permissions on job records")  # fmt: skip
        if status == FAIL:
            return
    _depth(client, cluster, deadline, report)


def _one_record(client: Client, action: str, params: Mapping[str, Any] | None, deadline: Deadline) -> str:
    if params is None:
        return "not asked (no app_id)"
    try:
        body = client.call(action, {**params, "offset": 0, "limit": 1, "verbose": params.get("verbose", 0)}, deadline)
    except ApiError as err:
        return f"refused (ret_code {err.ret_code})"
    return f"answers ({int(body.get('total_count') or 0):,} jobs listed)"


def _depth(client: Client, cluster: str, deadline: Deadline, report: Report) -> None:
    try:
        facts = read(client, cluster, deadline)
    except QingCloudError as err:
        report.add("history depth", FAIL, f"reading the history failed: {err}", "retry; check the key's permissions")
        return
    depth, text = facts.depth, f"{facts.depth.words} ({facts.depth.source})"
    if facts.unknown:
        report.add("history depth", WARN, f"{text}; {facts.unknown} job(s) without a readable directive",
                   "the bridge cannot tell what those jobs did: an account they may touch is decided by hand")  # fmt: skip
    elif not depth.complete:
        report.add("history depth", WARN, text, "accounts made before that are unseen: an add_user of one fails; "
                   "delete it first, or set replace_existing=True")  # fmt: skip
    else:
        report.add("history depth", OK, text)


def _proxies(client: Client, cluster: str, deadline: Deadline, report: Report) -> None:
    prop = ASKED_BY.name
    try:
        nodes = client.cluster_nodes(cluster, deadline, role=PROXY_ROLE)
    except ApiError as err:
        report.add("proxies", FAIL, f"DescribeClusterNodes: {err}",
                   f"{prop}=True needs DescribeClusterNodes: check the key's permissions")  # fmt: skip
        return
    proxies = sorted(str(n.get("node_id")) for n in nodes if n.get("role") == PROXY_ROLE)
    if proxies:
        report.add("proxies", OK, f"{len(proxies)} proxy node(s) ({', '.join(proxies)}), which see a new account "
                   f"only once restarted: {prop}=True restarts them after each add")  # fmt: skip
    else:
        report.add("proxies", OK, f"no proxy node: {prop} is not needed")
