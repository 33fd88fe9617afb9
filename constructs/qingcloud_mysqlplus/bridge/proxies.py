"""Restart a cluster's proxy nodes after an account is added, so they know it.

QingCloud's manual: proxy nodes see a new account only after a restart
(custom service ``restart_node`` with the node's ``node_id``).  A restart
interrupts the connections through that proxy, so it is opt-in (the prop
:data:`ASKED_BY`) and done one node at a time, each job waited for,
within the account's deadline.  Assumed (the API pages are silent): the
nodes are listed by DescribeClusterNodes with ``role`` "proxy", and
``restart_node`` is sent with that role.
"""

from __future__ import annotations

from dataclasses import replace

from ..qingcloud.clusters import submit
from ..qingcloud.retry import backing_off, lost_answer
from .accounts import Context, Outcome, wait_for
from .fields import field

PROXY_ROLE = "proxy"
ASKED_BY = field("restart_proxies")  # the prop that asks for the restarts


def proxy_nodes(ctx: Context) -> list[str]:
    nodes = ctx.client.cluster_nodes(ctx.cluster, ctx.deadline, role=PROXY_ROLE)
    return sorted(str(n["node_id"]) for n in nodes if n.get("role") == PROXY_ROLE and n.get("node_id"))


def restart_proxies(ctx: Context) -> list[str]:
    """Restart each proxy node in turn; the ids restarted."""
    restarted = []
    for node in proxy_nodes(ctx):
        wait_for(ctx, "restart_node", _restart(ctx, node))
        restarted.append(node)
    return restarted


def _restart(ctx: Context, node: str) -> str:
    """Submit one node's restart; the job id.  A lost answer is sent again, with back-off, within the
    deadline: a second restart of the same node is harmless, unlike a second account change."""

    def told(cause: str, _delay: float) -> None:
        ctx.notice(f"restart_node {node}: answer lost ({cause}); sending again")

    policy = backing_off(ctx.client.backoff, ctx.client.sleep, (lost_answer,), on_retry=told)
    return policy.run("restart_node", lambda: submit(ctx.client, ctx.cluster, "restart_node", {"node_id": node},
                                                     ctx.deadline, role=PROXY_ROLE, on_wait=ctx.notice), ctx.deadline)  # fmt: skip


def restarted_after(ctx: Context, outcome: Outcome) -> Outcome:
    """Restart the proxies after an add: the add's outcome, with a note of the nodes restarted."""
    restarted = restart_proxies(ctx)
    note = f"restarted proxies {', '.join(restarted)}" if restarted else "the cluster has no proxy node"
    return replace(outcome, note="; ".join(n for n in (outcome.note, note) if n))
