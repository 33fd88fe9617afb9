"""``POST /_sim/console``: an account added or deleted in QingCloud's console, not through the API.

The job is the same user's (the owner of the given access key, by default the
first one), and its directive says ``sender.channel`` ``console`` and carries no
access key id and no signature: the console does not sign with a key.  The
cluster refuses it as it refuses any request while a job runs (1400); the
answer is the API's answer, so a test can retry.  Faults do not strike it.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from . import directives
from .api import Simulator, owner_of
from .model import SERVICE_ACTION
from .services import SimError

FIELDS = ("cluster", "service", "user", "host", "database", "priv", "ssl", "password", "access_key")
DEFAULTS = {"host": "%", "database": "*", "priv": "StandardAccount", "ssl": "NO"}


def service_params(service: str, body: dict[str, Any]) -> dict[str, Any]:
    """What the console sends for the service; a field left out stays out (the API's 1100 says so)."""
    names = {"user": "user", "host": "host"}
    if service == "add_user":
        names |= {"database": "database", "passwd": "password", "ssl": "ssl", "priv": "priv"}
    chosen = {sent: body.get(given, DEFAULTS.get(given)) for sent, given in names.items()}
    return {name: value for name, value in chosen.items() if value is not None}


def console_job(sim: Simulator, body: dict[str, Any]) -> dict[str, Any]:
    """Run the console's add_user or del_user; the answer RunClusterCustomService would give."""
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ValueError(f"console: received {', '.join(unknown)}; expected some of {', '.join(FIELDS)}")
    service = body.get("service", "add_user")
    if service not in ("add_user", "del_user"):
        raise ValueError(f"console: service {service!r}; expected add_user or del_user")
    access_key, _ = sim.key(body.get("access_key"))
    if not isinstance(body.get("cluster"), str):
        raise ValueError("console: expected a cluster id")
    cluster = sim.engine.clusters.get(body["cluster"])
    if cluster is None:
        return {"ret_code": 2100, "message": f"ResourceNotFound, resource [{body['cluster']}] not found"}
    fields = {"cluster": cluster.cluster_id, "role": "maininstance", "service": service,
              "service_params": json.dumps(service_params(service, body))}  # fmt: skip
    params = directives.request(SERVICE_ACTION, cluster.zone, fields, when=datetime.now(timezone.utc), key=None)
    try:
        return sim.engine.run_service(params, owner_of(access_key), channel="console")
    except SimError as err:
        return {"ret_code": err.ret_code, "message": err.message}
