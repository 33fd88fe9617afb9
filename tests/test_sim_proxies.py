"""Proxy nodes (the ``proxies`` option): DescribeClusterNodes, restart_node, and what each proxy knows."""

from __future__ import annotations

import json
import re

import pytest

from helpers import CLUSTER, running_sim
from qingcloud_mysqlplus.sim import SimOptions
from sim_calls import add, run
from sim_clock import STEP, finished_by_steps, stepped_clock


def test_proxy_nodes_know_the_accounts_of_their_last_restart(monkeypatch: pytest.MonkeyPatch) -> None:
    options = SimOptions(proxies=2, restart_seconds=0.05)
    with stepped_clock(monkeypatch) as clock, running_sim(job_seconds=0.5, options=options) as sim:
        nodes = sim.api("DescribeClusterNodes", cluster=CLUSTER)
        assert (nodes["action"], nodes["total_count"]) == ("DescribeClusterNodesResponse", 3)
        assert [n["role"] for n in nodes["node_set"]] == ["maininstance", "proxy", "proxy"]
        for node in nodes["node_set"]:
            assert set(node) == {"node_id", "cluster_id", "role", "status", "transition_status", "private_ip"}
            assert re.fullmatch(r"cln-[a-z0-9]{8}", node["node_id"])
            assert (node["cluster_id"], node["status"], node["transition_status"]) == (CLUSTER, "active", "")
        first, second = (
            n["node_id"] for n in sim.api("DescribeClusterNodes", cluster=CLUSTER, role="proxy")["node_set"]
        )
        assert sim.proxies() == {first: [], second: []}
        finished_by_steps(sim, clock, add(sim, "u1"))
        assert sim.proxies() == {first: [], second: []}
        restart = json.dumps({"node_id": first})
        assert finished_by_steps(sim, clock, run(sim, "restart_node", restart, role="proxy"))["status"] == "successful"
        assert sim.proxies() == {first: ["u1"], second: []}
        started, ended = sim.stats()["job_spans"][CLUSTER][-1]
        assert 0.05 <= ended - started < 0.05 + STEP  # restart_seconds (to a step of the clock), not job_seconds
        assert run(sim, "restart_node", restart, role="maininstance")["ret_code"] == 1100
        assert run(sim, "restart_node", json.dumps({"node_id": "cln-nosuch01"}), role="proxy")["ret_code"] == 1100
        assert run(sim, "restart_node", "{}", role="proxy")["ret_code"] == 1100
        sim.set_options(proxies=3)
        assert sim.api("DescribeClusterNodes", cluster=CLUSTER, role="proxy")["total_count"] == 3
