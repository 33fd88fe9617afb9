"""Every malformed answer is a clear failure naming the action (a MalformedAnswer), never a ValueError or a
TypeError; a read is not asked again (a server answering nonsense answers it again), and no secret shows.

A loopback server answers each request with the same body (HTTP 200, as a misbehaving server would).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from local_servers import Server, keep_alive_with
from qingcloud_mysqlplus.qingcloud.client import Client
from qingcloud_mysqlplus.qingcloud.errors import AnswerLost, MalformedAnswer
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from test_transport import assert_clean, client_for

pytestmark = pytest.mark.usefixtures("no_proxy_environment")
Serve = Callable[..., Server]
JOB = {"job_id": "j-1", "status": "successful"}
CALLS: dict[str, Callable[[Client], object]] = {
    "DescribeJobs": lambda c: c.describe_jobs(["j-1"], Deadline(30)),
    "DescribeClusterJobs": lambda c: c.cluster_jobs("cl-x", Deadline(30)),
    "DescribeClusters": lambda c: c.cluster_info("cl-x", Deadline(30)),
    "DescribeClusterNodes": lambda c: c.cluster_nodes("cl-x", Deadline(30)),
    "RunClusterCustomService": lambda c: c.run_service("cl-x", "add_user", {"user": "u"}, Deadline(30)),
}
CLUSTER = {"cluster_id": "cl-x", "status": "active", "transition_status": "", "app_id": "app-1"}


def ok(**fields: object) -> bytes:
    return json.dumps({"ret_code": 0, **fields}).encode()


@pytest.mark.parametrize(
    ("action", "body", "match"),
    [
        ("DescribeJobs", b"<html><body>Bad Gateway</body></html>", r"not JSON \(text/html\)"),
        ("DescribeJobs", b"[]", r"JSON that is not an object \(list\)"),
        ("DescribeJobs", b"null", r"JSON that is not an object \(NoneType\)"),
        ("DescribeJobs", b'{"ret_code":"zero"}', "the answer's ret_code is a str, not an integer"),
        ("DescribeJobs", b'{"ret_code":null}', "the answer's ret_code is missing, not an integer"),
        ("DescribeJobs", b'{"ret_code":[0]}', "the answer's ret_code is a list, not an integer"),
        ("DescribeJobs", ok(job_set={"j-1": JOB}), "the answer's job_set is a dict, not a list"),
        ("DescribeJobs", ok(job_set=[{"status": "successful"}]), "a record of the answer's job_set has no job_id"),
        ("DescribeJobs", ok(job_set=["j-1"]), "a record of the answer's job_set has no job_id"),
        ("DescribeClusters", ok(cluster_set=[{"status": "active"}]), "cluster_set has no cluster_id"),
        ("DescribeClusters", ok(cluster_set="cl-x"), "cluster_set is a str, not a list"),
        ("DescribeClusterNodes", ok(node_set=[{"role": "proxy"}]), "node_set has no node_id"),
        ("RunClusterCustomService", ok(), "the answer carried no job_id"),
        ("RunClusterCustomService", ok(job_id=7), "the answer carried no job_id"),
    ],
)  # fmt: skip
def test_a_malformed_answer_names_the_action(serve: Serve, action: str, body: bytes, match: str) -> None:
    server = serve(keep_alive_with(body, content_type="text/html" if body.startswith(b"<") else "application/json"))
    client = client_for(server.url())
    with pytest.raises(MalformedAnswer, match=rf"^{action}: .*{match}") as info:
        CALLS[action](client)
    assert client.calls == {action: 1}  # not asked again
    assert_clean(info.value)


@pytest.mark.parametrize("total", ['"many"', "null", "1.5", "true"])
@pytest.mark.parametrize("action", ["DescribeClusterJobs", "DescribeJobs"])
def test_a_total_count_that_is_not_a_number(serve: Serve, action: str, total: str) -> None:
    clusters = json.dumps({"ret_code": 0, "cluster_set": [CLUSTER]}).encode()
    jobs = b'{"ret_code":0,"job_set":[],"total_count":%s}' % total.encode()
    client = client_for(serve(keep_alive_with(jobs, first=clusters)).url())
    call = (lambda: client.cluster_jobs("cl-x", Deadline(30))) if action == "DescribeClusterJobs" else (
        lambda: client.my_jobs(Deadline(30)))  # fmt: skip
    with pytest.raises(MalformedAnswer, match=rf"^{action}: the answer's total_count is .*, not an integer"):
        call()


def test_a_write_with_a_malformed_answer_is_a_lost_answer_the_evidence_decides(serve: Serve) -> None:
    """Accepted or not is unknown: the caller reads the cluster's jobs (AnswerLost), never sends blindly."""
    client = client_for(serve(keep_alive_with(b"<html>oops</html>")).url())
    with pytest.raises(AnswerLost):
        CALLS["RunClusterCustomService"](client)
    assert client.calls == {"RunClusterCustomService": 1}


def test_well_formed_answers_are_read(serve: Serve) -> None:
    """The control: the same calls against answers as documented (numbers as strings are taken)."""
    bodies = {
        "DescribeJobs": ok(job_set=[JOB], total_count="1"),
        "DescribeClusters": ok(cluster_set=[CLUSTER], total_count=1),
        "DescribeClusterNodes": ok(node_set=[{"node_id": "cln-1", "role": "proxy"}]),
        "RunClusterCustomService": ok(job_id="j-1"),
    }
    for action, body in bodies.items():
        client = client_for(serve(keep_alive_with(body)).url())
        assert CALLS[action](client)
    assert client_for(serve(keep_alive_with(ok(job_set=None))).url()).describe_jobs(["j-1"], Deadline(3)) == []
