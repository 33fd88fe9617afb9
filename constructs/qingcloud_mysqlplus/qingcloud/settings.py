"""Credentials and endpoint, read the way QingCloud's own tools read them.

Order: command-line flags, then environment (``QINGCLOUD_ACCESS_KEY``,
``QINGCLOUD_SECRET_KEY``, ``QINGCLOUD_ZONE``, ``QINGCLOUD_ENDPOINT``, as the
QingCloud Terraform provider), then ``~/.qingcloud/config.yaml`` (as
qingcloud-cli and the Python SDK: ``qy_access_key_id``,
``qy_secret_access_key``, ``zone``, ``host``, ``port``, ``protocol``).
A plain ``http://`` endpoint on another host is refused here, before any
client exists, unless the caller passes the user's opt-in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .endpoint import DEFAULT_ENDPOINT, Endpoint, plain_http_refusal, plain_http_refused

DEFAULT_CONFIG = "~/.qingcloud/config.yaml"


class SettingsError(ValueError):
    """A missing or malformed setting; the message says where it was looked for."""


class InsecureEndpoint(SettingsError):
    """Plain http to another host without the opt-in: nothing may be sent there."""


@dataclass(frozen=True)
class Settings:
    access_key: str
    secret_key: str
    zone: str
    endpoint: Endpoint

    def __repr__(self) -> str:  # no key: the access key id is in every directive, which stays out of output
        return f"Settings(zone={self.zone!r}, endpoint={self.endpoint.url!r})"


def read_config_file(path: Path) -> dict[str, Any]:
    import yaml  # only when a file is read: the bridge's start-up stays small

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as err:
        raise SettingsError(f"cannot read {path}: {err.strerror}") from None
    except yaml.YAMLError:
        raise SettingsError(f"{path} is not valid YAML") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path} should hold a mapping of keys such as qy_access_key_id")
    return data


def resolve(
    *,
    zone: str | None = None,
    endpoint: str | None = None,
    config_path: str | None = None,
    environ: Mapping[str, str] = os.environ,
    allow_http: bool = False,
) -> Settings:
    """Flags beat environment, environment beats the config file.  ``allow_http``: the user's opt-in to
    plain http beyond this machine, as the caller reads it (:func:`.endpoint.plain_http_refused`)."""
    path = Path(os.path.expanduser(config_path or DEFAULT_CONFIG))
    file: dict[str, Any] = {}
    if config_path and not path.exists():
        raise SettingsError(f"--config {config_path}: no such file")
    if path.exists():
        file = read_config_file(path)

    def pick(flag: str | None, env_name: str, file_key: str) -> str | None:
        for value in (flag, environ.get(env_name), file.get(file_key)):
            if value not in (None, ""):
                return str(value)
        return None

    where = f"the environment and {path}"
    access_key = pick(None, "QINGCLOUD_ACCESS_KEY", "qy_access_key_id")
    secret_key = pick(None, "QINGCLOUD_SECRET_KEY", "qy_secret_access_key")
    zone_value = pick(zone, "QINGCLOUD_ZONE", "zone")
    if access_key is None:
        raise SettingsError(f"no access key: set QINGCLOUD_ACCESS_KEY or qy_access_key_id (looked in {where})")
    if secret_key is None:
        raise SettingsError(f"no secret key: set QINGCLOUD_SECRET_KEY or qy_secret_access_key (looked in {where})")
    if zone_value is None:
        raise SettingsError(f"no zone: pass --zone or set QINGCLOUD_ZONE or zone (looked in {where})")

    url = endpoint or environ.get("QINGCLOUD_ENDPOINT")
    if not url and file.get("host"):
        protocol = file.get("protocol", "https")
        port = file.get("port", 443 if protocol == "https" else 80)
        url = f"{protocol}://{file['host']}:{port}/iaas/"
    try:
        parsed = Endpoint.parse(url or DEFAULT_ENDPOINT)
    except ValueError as err:
        raise SettingsError(str(err)) from None
    if plain_http_refused(parsed, allow_http):
        raise InsecureEndpoint(plain_http_refusal(parsed))
    return Settings(access_key, secret_key, zone_value.lower(), parsed)
