"""Drift of changed accounts: an account this stack manages, re-created behind Terraform's back with other
settings, shows in the diff and the next deploy restores the declaration.

Unit tests of the synth-time rule (:func:`lookups.drift`), then the whole path with real cdktf-cli,
Terraform, the bridge and the simulator (MariaDB behind it).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from accounts_found import can_log_in, server_hosts, server_users
from e2e_project import Project, scan
from helpers import CLUSTER, ZONE, MariaDB, bridge_env, run_bridge
from qingcloud_mysqlplus.cdk.verdicts import Verdict, Wanted, digest, drift, verdict
from qingcloud_mysqlplus.qingcloud.history import UserFacts
from qingcloud_mysqlplus.qingcloud.jobs import parse_job

Record = Callable[..., None]
PASSWORD = "Canary@Drift-2718"
DECLARED = {"host": "%", "database": "*", "priv": "StandardAccount", "ssl": "NO"}


def made(**changes: str) -> Verdict:
    """The verdict on an account whose newest add_user was sent ``DECLARED`` with ``changes``."""
    params = {**DECLARED, "user": "app_rw", "passwd": PASSWORD, **changes}
    directive = {"action": "RunClusterCustomService", "cluster": CLUSTER, "service": "add_user",
                 "service_params": json.dumps(params)}  # fmt: skip
    job = parse_job({"job_id": "j-drift0001", "status": "successful", "resource_ids": CLUSTER,
                     "directive": json.dumps(directive)})  # fmt: skip
    return verdict(UserFacts(newest_done=job))


def wanted(password: str | None = None, declared: dict[str, str] | None = DECLARED) -> Wanted:
    return Wanted("cl/app_rw", ZONE, CLUSTER, "app_rw", None, declared, lambda: password)


def test_an_account_made_as_declared_has_not_drifted() -> None:
    assert drift(wanted(PASSWORD), made()) == ""
    assert drift(wanted(PASSWORD), made(host=" % ")) == ""  # hosts compared normalized


@pytest.mark.parametrize(("change", "words"), [({"host": "10.9.9.9"}, "host"), ({"database": "orders"}, "database"),
                                               ({"priv": "SuperuserAccount"}, "priv"), ({"ssl": "YES"}, "ssl")])  # fmt: skip
def test_another_setting_is_drift_named_with_the_job(change: dict[str, str], words: str) -> None:
    assert drift(wanted(), made(**change)) == f"job j-drift0001 made it with another {words}"


def test_a_password_counts_only_where_both_sides_are_readable() -> None:
    assert drift(wanted("Other@Passw0rd"), made()) == "job j-drift0001 made it with another password"
    assert drift(wanted(None), made()) == ""  # not readable at synth: unseen (the README says so)
    assert drift(wanted("Other@Passw0rd"), made(passwd="******")) == ""  # masked by QingCloud: proves nothing


def test_a_declaration_changed_since_the_state_is_no_drift_terraform_replaces_it() -> None:
    deployed = {"host": "%", "database": "*", "privilege": "StandardAccount", "ssl": "NO"}
    changed = wanted(declared={**DECLARED, "host": "127.0.0.1"})
    assert drift(changed, made(), deployed) == ""  # the new host is Terraform's change to make, not drift
    assert drift(wanted(), made(host="10.9.9.9"), deployed) == "job j-drift0001 made it with another host"


def test_tokens_and_unknowns_are_never_drift() -> None:
    assert drift(wanted(declared=None), made(host="10.9.9.9")) == ""  # a prop that is a token at synth
    assert drift(wanted(), Verdict(None, "unknown")) == ""
    assert drift(wanted(), Verdict(False, "del_user j-x is its newest successful job")) == ""


def test_the_verdict_keeps_no_password() -> None:
    found = made()
    assert found.made is not None and "passwd" not in found.made
    assert PASSWORD not in repr(found) and found.password_digest == digest(PASSWORD)


@pytest.mark.e2e
@pytest.mark.mariadb
@pytest.mark.reliability
def test_an_account_re_created_with_another_host_is_restored(
    project: Project, mariadb: MariaDB, reliability: Record
) -> None:
    project.write([{"id": "app-rw", "user": "app_rw"}, {"id": "reporting", "user": "reporting"}])
    project.cdktf("deploy")
    env = bridge_env(project.sim, QINGCLOUD_MYSQLPLUS_PASSWORD=project.passwords["reporting"])
    base = ["--zone", ZONE, "--cluster", CLUSTER, "--user", "reporting"]
    assert run_bridge(["del-user", *base], env).returncode == 0
    again = run_bridge(["add-user", *base, "--host", "10.9.9.9"], env)  # same password, another host
    assert again.returncode == 0, again.stderr
    assert server_hosts(mariadb, "reporting") == {"10.9.9.9"}

    diff = project.cdktf("diff", ok=False)
    said = diff.stdout + diff.stderr
    noticed = "No changes" not in said
    deploy = project.cdktf("deploy", ok=False)
    hosts = server_hosts(mariadb, "reporting")
    settled = "No changes" in (lambda r: r.stdout + r.stderr)(project.cdktf("diff", ok=False))
    hits = len(scan(project))
    result = f"diff noticed: {noticed}; redeploy exit {deploy.returncode}; hosts {sorted(hosts)}; settled: {settled}"
    users = ["app_rw", "reporting"]
    reliability("account re-created with another host", "del_user + add_user by hand", result, users,
                server_users(mariadb), hits)  # fmt: skip
    assert noticed, said[-3000:]
    assert "restoring reporting (changed behind Terraform's back on cl-test0001: job j-" in said
    assert "made it with another host" in said
    assert deploy.returncode == 0, (deploy.stdout + deploy.stderr)[-3000:]
    assert hosts == {"%"} and can_log_in(mariadb, "reporting", project.passwords["reporting"])
    assert settled and hits == 0
