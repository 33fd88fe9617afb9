"""DescribeClusterJobs in both forms (QINGCLOUD_API.md, 0b): ``app=`` as documented (the default),
``cluster=`` as the official Python SDK sends it (``cluster_jobs_form=sdk``)."""

from __future__ import annotations

from typing import Any

import pytest

from helpers import ACCESS_KEY, CLUSTER, OTHER_CLUSTER, SECRET_KEY, ZONE, Sim, running_sim
from qingcloud_mysqlplus.sim import SimOptions
from qingcloud_mysqlplus.sim.model import APP_ID
from sim_calls import JOB_KEYS, OTHER_KEY, OTHER_SECRET, add, finished, job

FAR_CLUSTER = "cl-far0001"  # the same app in another zone
APP_NEEDED = {"ret_code": 1100, "message": "parameter [app] should not be empty"}
CLUSTER_NEEDED = {"ret_code": 1100, "message": "parameter [cluster] should not be empty"}


def ids(answer: dict[str, Any]) -> list[str]:
    assert answer["ret_code"] == 0, answer
    return [j["job_id"] for j in answer["job_set"]]


def three_jobs(sim: Sim) -> list[str]:
    """A job on each cluster of the zone and one in another zone; their ids in creation order."""
    made = [finished(sim, add(sim, "u1"))["job_id"], finished(sim, add(sim, "u2", cluster=OTHER_CLUSTER))["job_id"]]
    far = finished(sim, add(sim, "u3", cluster=FAR_CLUSTER, zone="pek3a"), zone="pek3a")
    return [*made, far["job_id"]]


@pytest.fixture
def three() -> Any:
    clusters = [f"{CLUSTER}@{ZONE}", f"{OTHER_CLUSTER}@{ZONE}", f"{FAR_CLUSTER}@pek3a"]
    with running_sim(job_seconds=0.05, clusters=clusters) as sim:
        yield sim


def test_documented_lists_the_apps_jobs_on_every_cluster_of_the_zone(three: Sim) -> None:
    mine, other, far = three_jobs(three)
    listed = three.api("DescribeClusterJobs", app=APP_ID)
    assert (listed["action"], listed["total_count"]) == ("DescribeClusterJobsResponse", 2)
    assert ids(listed) == [other, mine]  # newest first
    for record, cluster in zip(listed["job_set"], (OTHER_CLUSTER, CLUSTER), strict=True):
        assert set(record) == JOB_KEYS | {"resources", "extras"}
        assert (record["resource_ids"], record["resources"], record["extras"]) == (cluster, {"clusters": [cluster]}, "")
    assert ids(three.api("DescribeClusterJobs", app=APP_ID, zone="pek3a")) == [far]
    assert three.api("DescribeClusterJobs", app="app-n0such00") == {
        "action": "DescribeClusterJobsResponse", "total_count": 0, "job_set": [], "ret_code": 0}  # fmt: skip


def test_documented_ignores_cluster_and_takes_verbose_0_only(three: Sim) -> None:
    mine, other, _ = three_jobs(three)
    assert three.api("DescribeClusterJobs") == APP_NEEDED
    assert three.api("DescribeClusterJobs", cluster=CLUSTER) == APP_NEEDED
    for cluster in (CLUSTER, OTHER_CLUSTER, "cl-nosuch01"):  # accepted and ignored, as QingCloud does
        assert ids(three.api("DescribeClusterJobs", app=APP_ID, cluster=cluster, verbose=0)) == [other, mine]
    for verbose in (1, 2, ""):
        answer = three.api("DescribeClusterJobs", app=APP_ID, verbose=verbose)
        assert answer["ret_code"] == 1100 and "verbose" in answer["message"], answer


def test_documented_pages_and_filters(sim: Sim) -> None:
    sim.background(30, [], kinds=["restart_node", "backup"], extra_clusters=2)
    newest = ids(sim.api("DescribeClusterJobs", app=APP_ID, limit=100))
    assert len(newest) == 30 and sim.api("DescribeClusterJobs", app=APP_ID)["total_count"] == 30
    assert ids(sim.api("DescribeClusterJobs", app=APP_ID)) == newest[:20]  # limit 20 by default
    assert ids(sim.api("DescribeClusterJobs", app=APP_ID, offset=25, limit=10)) == newest[25:]
    assert ids(sim.api("DescribeClusterJobs", app=APP_ID, jobs=[newest[3], newest[1]])) == [newest[1], newest[3]]
    assert sim.api("DescribeClusterJobs", app=APP_ID, status=["running"])["total_count"] == 0
    assert len(ids(sim.api("DescribeClusterJobs", app=APP_ID, status=["successful"], limit=100))) == 30
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}):
        assert sim.api("DescribeClusterJobs", app=APP_ID, **bad)["ret_code"] == 1100


def test_sdk_form_lists_one_clusters_jobs_and_ignores_app() -> None:
    with running_sim(job_seconds=0.05, options=SimOptions(cluster_jobs_form="sdk")) as sim:
        mine = finished(sim, add(sim, "u1"))["job_id"]
        finished(sim, add(sim, "u2", cluster=OTHER_CLUSTER))
        assert sim.api("DescribeClusterJobs", app=APP_ID) == CLUSTER_NEEDED
        for extra in ({}, {"app": "app-n0such00"}, {"verbose": 1}, {"app": APP_ID, "verbose": 0}):
            assert ids(sim.api("DescribeClusterJobs", cluster=CLUSTER, **extra)) == [mine]
        assert sim.api("DescribeClusterJobs", cluster="cl-nosuch01")["ret_code"] == 2100
        assert sim.set_options(cluster_jobs_form="documented")["cluster_jobs_form"] == "documented"
        assert sim.api("DescribeClusterJobs", cluster=CLUSTER) == APP_NEEDED


@pytest.mark.parametrize("form", ["documented", "sdk"])
@pytest.mark.parametrize("scope", ["caller", "all"])
def test_scope_the_callers_jobs_or_everyones(form: str, scope: str) -> None:
    credentials = {ACCESS_KEY: SECRET_KEY, OTHER_KEY: OTHER_SECRET}
    options = SimOptions(cluster_jobs_scope=scope, cluster_jobs_form=form)
    with running_sim(job_seconds=0.05, credentials=credentials, options=options) as sim:
        mine = finished(sim, add(sim, "u1"))["job_id"]
        theirs = finished(sim, add(sim, "x1", key=OTHER_KEY, secret=OTHER_SECRET), key=OTHER_KEY, secret=OTHER_SECRET)
        listed = sim.api("DescribeClusterJobs", **({"app": APP_ID} if form == "documented" else {"cluster": CLUSTER}))
        assert ids(listed) == ([theirs["job_id"], mine] if scope == "all" else [mine])


@pytest.mark.parametrize("form", ["documented", "sdk"])
def test_job_retention_caps_every_listing(form: str) -> None:
    with running_sim(job_seconds=0.05, options=SimOptions(job_retention=2, cluster_jobs_form=form)) as sim:
        made = [finished(sim, add(sim, f"u{i}"))["job_id"] for i in range(3)]
        which = {"app": APP_ID} if form == "documented" else {"cluster": CLUSTER}
        for action, params in (("DescribeJobs", {}), ("DescribeClusterJobs", which)):
            listed = sim.api(action, **params)
            assert listed["total_count"] == 2
            assert ids(listed) == [made[2], made[1]]
        assert job(sim, made[0])["status"] == "successful"  # a lookup by id is not a listing
