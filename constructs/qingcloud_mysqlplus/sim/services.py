"""RunClusterCustomService requests checked the way the simulator's cluster answers them (1100)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..rules import AccountRuleError, AccountSpec, check_account, check_del, check_password
from .model import Cluster

SERVICES = ("add_user", "del_user", "restart_node")
ADD_FIELDS = ("user", "passwd", "host", "database", "priv", "ssl")


class SimError(Exception):
    """An API error: HTTP 200 with ``ret_code`` and ``message``."""

    def __init__(self, ret_code: int, message: str) -> None:
        self.ret_code, self.message = ret_code, message
        super().__init__(message)


@dataclass
class ServiceRequest:
    """One checked custom-service request; ``params`` as sent, for the job's directive."""

    service: str
    role: str
    params: dict[str, str] = field(repr=False)
    spec: AccountSpec | None = None
    password: str = field(default="", repr=False)
    node_id: str | None = None


def parse_request(params: dict[str, str]) -> ServiceRequest:
    """Everything that can be checked without the cluster's state."""
    for name in ("cluster", "role", "service", "service_params"):
        if not params.get(name):
            raise SimError(1100, f"parameter [{name}] should not be empty")
    service, role = params["service"], params["role"]
    if service not in SERVICES:
        raise SimError(1100, f"service [{service}] is not supported; expected one of {', '.join(SERVICES)}")
    try:
        service_params = json.loads(params["service_params"])
    except ValueError:
        raise SimError(1100, "service_params is not valid JSON") from None
    if not isinstance(service_params, dict):
        raise SimError(1100, "service_params should be a JSON object")
    request = ServiceRequest(service, role, dict(params))
    if service == "restart_node":
        node_id = service_params.get("node_id")
        if not isinstance(node_id, str) or not node_id:
            raise SimError(1100, "service_params lacks [node_id]")
        request.node_id = node_id
        return request
    if role != "maininstance":
        raise SimError(1100, f"role [{role}] is not valid for {service}; expected maininstance")
    request.spec, request.password = check_account_params(service, service_params)
    return request


def check_account_params(service: str, p: dict[str, Any]) -> tuple[AccountSpec, str]:
    """The shared account rules (:mod:`qingcloud_mysqlplus.rules`), answered as ret_code 1100."""
    try:
        if service == "add_user":
            for name in ADD_FIELDS:
                if name not in p:
                    raise SimError(1100, f"service_params lacks [{name}]")
            if not isinstance(p["ssl"], str):
                raise SimError(1100, "ssl should be YES or NO")
            spec = check_account(p["user"], p["host"], p["database"], p["priv"], p["ssl"])
            return spec, check_password(p["passwd"])
        for name in ("user", "host"):
            if name not in p:
                raise SimError(1100, f"service_params lacks [{name}]")
        return check_del(p["user"], p["host"]), ""
    except AccountRuleError as err:
        raise SimError(1100, f"invalid service_params: {err}") from None


def check_node(cluster: Cluster, request: ServiceRequest) -> None:
    """restart_node: the node must be the cluster's and ``role`` its role."""
    node = cluster.node(request.node_id or "")
    if node is None:
        raise SimError(1100, f"node [{request.node_id}] is not a node of cluster [{cluster.cluster_id}]")
    if node.role != request.role:
        raise SimError(1100, f"role [{request.role}] is not valid; node [{node.node_id}] is a {node.role} node")


def transition_message(cluster_id: str, language: str, state: str = "updating") -> str:
    """QingCloud's answer to an action on a resource in a transition status (ret_code 1400)."""
    if language == "zh":
        return f"PermissionDenied, 资源 [{cluster_id}] 正在 [{state}] 中，请稍候再试"
    return f"PermissionDenied, resource [{cluster_id}] is [{state}], please try later"


def denied_message(resource: str | None) -> str:
    """A real permission denial (ret_code 1400), not to be retried."""
    if resource is None:
        return "PermissionDenied, you do not have permission to do this"
    return f"PermissionDenied, you do not have permission to access resource [{resource}]"
