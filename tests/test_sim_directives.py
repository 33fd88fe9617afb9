"""Job records and their directives shaped like QingCloud's own sample (QINGCLOUD_API.md, 0b)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
import requests

from helpers import ACCESS_KEY, CANARY_PASSWORD, CLUSTER, SECRET_KEY, ZONE, Sim, running_sim
from qingcloud_mysqlplus.qingcloud.signing import sign
from qingcloud_mysqlplus.sim import SimOptions
from qingcloud_mysqlplus.sim.directives import RESOURCE_KIT
from qingcloud_mysqlplus.sim.model import APP_ID
from sim_calls import JOB_KEYS, OWNER, TIME, add, add_params, directive, finished, job

ADDED = {"request_zone": ZONE, "resource_kit": RESOURCE_KIT, "app_ids": APP_ID, "resource_ids": [CLUSTER]}


def sender(channel: str, owner: str = OWNER) -> dict[str, Any]:
    return {"lang": "en", "user_id": owner, "console_id": "qingcloud", "root_user_id": owner, "role": "user",
            "privilege": 10, "channel": channel}  # fmt: skip


def signed_add(sim: Sim, user: str, **extra: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """An add_user POSTed as signed here (with extra parameters): what was sent, and the answer."""
    params = {"action": "RunClusterCustomService", "zone": ZONE, "cluster": CLUSTER, "role": "maininstance",
              "service": "add_user", "service_params": add_params(user), **extra}  # fmt: skip
    sent = sign(params, access_key=ACCESS_KEY, secret_key=SECRET_KEY, verb="POST")
    return sent, dict(requests.post(sim.url, data=sent, timeout=10).json())


def test_a_job_record_has_exactly_the_documented_fields() -> None:
    with running_sim(job_seconds=0.6) as sim:  # pending for 0.2 s, then working for 0.4 s
        sent, answer = signed_add(sim, "u1")
        assert set(answer) == {"action", "job_id", "service", "role", "cluster_id", "ret_code"}
        assert re.fullmatch(r"j-[a-z0-9]{11}", answer["job_id"])
        seen = [job(sim, answer["job_id"])["status"]]
        while seen[-1] in ("pending", "working"):
            time.sleep(0.02)
            if (status := job(sim, answer["job_id"])["status"]) != seen[-1]:
                seen.append(status)
        assert seen == ["pending", "working", "successful"]
        record = job(sim, answer["job_id"])
        assert set(record) == JOB_KEYS
        assert (record["job_action"], record["owner"], record["resource_ids"]) == (
            "RunClusterCustomService", OWNER, CLUSTER)  # fmt: skip
        assert TIME.fullmatch(record["create_time"]) and TIME.fullmatch(record["status_time"])
        assert record["error_codes"] == ""
        assert directive(record) == {**sent, "sender": sender("api"), **ADDED}
        assert json.loads(directive(record)["service_params"])["passwd"] == CANARY_PASSWORD
        assert set(sim.jobs()[0]) == {"job_id", "cluster", "action", "service", "user", "owner", "status", "started",
                                      "finished"}  # fmt: skip


def test_the_directive_is_the_whole_request_with_lists_as_lists(sim: Sim) -> None:
    """QingCloud's sample add_user carried limit=20 and status.1=running: kept, a list as a list."""
    sent, answer = signed_add(sim, "u1", limit=20, status=["running", "pending"], expires="2099-01-01T00:00:00Z")
    shown = directive(finished(sim, answer))
    assert (shown["limit"], shown["status"], shown["expires"]) == ("20", ["running", "pending"], sent["expires"])
    common = ("access_key_id", "signature", "signature_method", "signature_version", "time_stamp", "version")
    assert {name: shown[name] for name in common} == {name: sent[name] for name in common}
    assert "status.1" not in shown and shown["sender"] == sender("api")


@pytest.mark.parametrize("mode", ["masked", "none"])
def test_directive_masked_or_none(mode: str) -> None:
    with running_sim(job_seconds=0.1, options=SimOptions(directive=mode)) as sim:
        record = finished(sim, add(sim, "u1"))
        assert CANARY_PASSWORD not in json.dumps(record)
        if mode == "none":
            assert record["directive"] == ""
        else:
            shown = directive(record)
            assert json.loads(shown["service_params"]) == {**json.loads(add_params("u1")), "passwd": "******"}
            assert shown["access_key_id"] == ACCESS_KEY and shown["sender"] == sender("api")
            assert {name: shown[name] for name in ADDED} == ADDED


def test_a_console_directive_is_unsigned_and_says_console(sim: Sim) -> None:
    answer = sim.console("c1", password=CANARY_PASSWORD)
    record = finished(sim, answer)
    assert (record["owner"], record["job_action"], record["resource_ids"]) == (
        OWNER,
        "RunClusterCustomService",
        CLUSTER,
    )
    shown = directive(record)
    service_params = shown.pop("service_params")
    assert TIME.fullmatch(shown.pop("time_stamp"))
    assert shown == {"action": "RunClusterCustomService", "zone": ZONE, "cluster": CLUSTER, "role": "maininstance",
                     "service": "add_user", "version": "1", "sender": sender("console"), **ADDED}  # fmt: skip
    assert json.loads(service_params) == json.loads(add_params("c1")) | {"user": "c1"}
