"""QingCloud request signing (signature version 1), one small pure step each.

Both the client and the simulator use these functions; the tests pin them to
QingCloud's official test vectors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

SIGNATURE_METHODS = {"HmacSHA256": hashlib.sha256, "HmacSHA1": hashlib.sha1}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def encode(text: str) -> str:
    """Percent-encode as UTF-8, leaving only ``A-Z a-z 0-9 - _ . ~``."""
    return quote(text, safe="~")


def flatten(params: Mapping[str, Any]) -> dict[str, str]:
    """Drop ``None`` values and spread lists: ``jobs=[a, b]`` -> ``jobs.1``, ``jobs.2``."""
    flat: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            for index, item in enumerate(value, start=1):
                flat[f"{name}.{index}"] = str(item)
        else:
            flat[name] = str(value)
    return flat


def canonical_query(params: Mapping[str, str]) -> str:
    """Parameters sorted by name (byte order), encoded and joined with ``&``."""
    ordered = sorted(params.items(), key=lambda item: item[0].encode())
    return "&".join(f"{encode(name)}={encode(value)}" for name, value in ordered)


def string_to_sign(verb: str, path: str, canonical: str) -> str:
    return f"{verb.upper()}\n{path}\n{canonical}"


def signature(secret_key: str, text: str, method: str = "HmacSHA256") -> str:
    """The base64 HMAC of ``text``, not yet percent-encoded."""
    try:
        digest = SIGNATURE_METHODS[method]
    except KeyError:
        raise ValueError(
            f"signature_method: received {method!r}; expected one of {sorted(SIGNATURE_METHODS)}"
        ) from None
    mac = hmac.new(secret_key.encode(), text.encode(), digest).digest()
    return base64.b64encode(mac).decode()


def timestamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime(TIME_FORMAT)


def sign(
    params: Mapping[str, Any],
    *,
    access_key: str,
    secret_key: str,
    verb: str = "GET",
    path: str = "/iaas/",
    method: str = "HmacSHA256",
    now: datetime | None = None,
) -> dict[str, str]:
    """Add the common parameters and the signature to an action's parameters."""
    flat = flatten(params)
    flat.update(
        access_key_id=access_key,
        signature_method=method,
        signature_version="1",
        version=flat.get("version", "1"),
        time_stamp=flat.get("time_stamp") or timestamp(now),
    )
    text = string_to_sign(verb, path, canonical_query(flat))
    flat["signature"] = signature(secret_key, text, method)
    return flat


def verify(params: Mapping[str, str], secret_key: str, *, verb: str, path: str) -> bool:
    """Server side: rebuild the canonical form from decoded parameters and compare."""
    received = params.get("signature", "")
    unsigned = {k: v for k, v in params.items() if k != "signature"}
    method = params.get("signature_method", "HmacSHA256")
    if method not in SIGNATURE_METHODS:
        return False
    expected = signature(secret_key, string_to_sign(verb, path, canonical_query(unsigned)), method)
    return hmac.compare_digest(expected, received)
