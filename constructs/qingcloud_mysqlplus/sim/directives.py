"""Job directives shaped like QingCloud's own sample (QINGCLOUD_API.md, 0b).

A directive is the whole request as the server received it (the signature, the
access key id, the time stamp, and any parameter the caller added, lists as
lists) plus what QingCloud adds: the ``sender``, ``request_zone``,
``resource_kit``, ``app_ids`` and ``resource_ids``.  It holds the password in
clear (``directive=clear``, as documented), the password masked (``masked``),
or nothing (``none``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..qingcloud.signing import sign, timestamp

MASK = "******"
RESOURCE_KIT = "ca-5im0k1t0"  # QingCloud's sample shows a ``ca-...`` id; what it names is undocumented
FOREIGN_KEY = ("QYFOREIGNACTORKEY", "foreign-actor-secret")  # the other actor's key (its directives' signature)


def unflatten(params: Mapping[str, str]) -> dict[str, Any]:
    """``status.1=running`` becomes ``"status": ["running"]``, as QingCloud's sample shows a list."""
    plain: dict[str, Any] = {}
    lists: dict[str, list[tuple[int, str]]] = {}
    for name, value in params.items():
        base, dot, index = name.rpartition(".")
        if dot and base and index.isdigit():
            lists.setdefault(base, []).append((int(index), value))
        else:
            plain[name] = value
    return plain | {base: [value for _, value in sorted(items)] for base, items in lists.items()}


def sender(owner: str, channel: str) -> dict[str, Any]:
    """Who sent the request: ``channel`` is ``api`` (a signed request) or ``console``."""
    return {"lang": "en", "user_id": owner, "console_id": "qingcloud", "root_user_id": owner, "role": "user",
            "privilege": 10, "channel": channel}  # fmt: skip


def render(params: Mapping[str, str], mode: str, *, owner: str, channel: str, app_id: str) -> str:
    """The directive of a job made by ``params`` (the request as received), as a JSON string."""
    if mode == "none":
        return ""
    directive = unflatten(params)
    if mode == "masked" and "service_params" in directive:
        shown = json.loads(directive["service_params"])
        if isinstance(shown, dict) and "passwd" in shown:
            directive["service_params"] = json.dumps(shown | {"passwd": MASK})
    directive.update(
        sender=sender(owner, channel),
        request_zone=params.get("zone", ""),
        resource_kit=RESOURCE_KIT,
        app_ids=app_id,
        resource_ids=[params["cluster"]] if params.get("cluster") else [],
    )
    return json.dumps(directive, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def request(
    action: str, zone: str, fields: Mapping[str, str], *, when: datetime, key: tuple[str, str] | None
) -> dict[str, str]:
    """A request as it would have reached the server at ``when``: signed with ``key`` (access key
    id, secret), or unsigned as the console sends it (no access key id, no signature)."""
    params = {"action": action, "zone": zone, **fields}
    if key is None:
        return {**params, "time_stamp": timestamp(when), "version": "1"}
    return sign(params, access_key=key[0], secret_key=key[1], now=when)
