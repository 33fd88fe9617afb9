"""The unsigned ``/_sim/*`` control endpoints (loopback callers only, checked by the HTTP front):
what tests, the demo and the CLI read and steer.  Never a directive nor a password in an answer."""

from __future__ import annotations

from typing import Any

from . import background
from .api import Simulator, owner_of
from .console import console_job
from .faults import Fault


def control_get(sim: Simulator, path: str) -> dict[str, Any] | None:
    """The answer to ``GET /_sim/<path>``, or None when there is no such endpoint."""
    engine = sim.engine
    with engine.lock:
        for cluster in engine.clusters.values():
            engine.refresh(cluster)
        if path == "accounts":
            return {"clusters": {cid: {"zone": c.zone, "accounts": c.backend.accounts()}
                                 for cid, c in sorted(engine.clusters.items())}}  # fmt: skip
        if path == "jobs":
            return {"jobs": [j.test_view() for j in engine.jobs.values()]}
        if path == "proxies":
            return {"clusters": {cid: {n.node_id: sorted(n.known_users) for n in c.proxies()}
                                 for cid, c in sorted(engine.clusters.items())}}  # fmt: skip
        if path == "stats":
            spans = {cid: [[j.started, j.finished] for j in engine.jobs.values() if j.cluster == cid]
                     for cid in sorted(engine.clusters)}  # fmt: skip
            counts = sim.request_counts()
            return {"requests": sum(counts.values()), "requests_per_action": counts,
                    "busy_refusals": engine.busy_refusals, "job_spans": spans}  # fmt: skip
        if path == "options":
            return engine.options.as_dict()
    if path == "faults":
        return sim.faults.snapshot()
    return None


def control_post(sim: Simulator, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """``POST /_sim/faults`` (a fault, or ``{"clear": true}``), ``POST /_sim/options`` (changes),
    ``POST /_sim/console`` (an account job made in the console) and ``POST /_sim/background``
    (a key's finished jobs on other clusters)."""
    if path == "options":
        return sim.engine.set_options(body).as_dict()
    if path == "console":
        return console_job(sim, body)
    if path == "background":
        access_key, secret = sim.key(body.pop("access_key", None))
        return background.append(
            sim.engine, background.Plan.from_body(body), (access_key, secret), owner_of(access_key)
        )
    if path != "faults":
        return None
    if body.get("clear"):
        sim.faults.clear()
        return {"cleared": True, "released_jobs": sim.engine.release_hung()}
    sim.faults.add(Fault(**body))
    return sim.faults.snapshot()
