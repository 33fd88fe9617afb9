"""One flag or environment variable to a value, and the refusal of a bad one without echoing it.

A value may be a secret put in the wrong place (a password given to
``--password-env``, say), so a refusal names the flag or the variable it came
from and what was expected, never the value.  Read by :mod:`.options`
(``add-user``, ``del-user``) and :mod:`.commands` (``accounts``, ``doctor``).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence

from . import contract
from .fields import BY_NAME

DEFAULT_TIMEOUT, DEFAULT_HTTP_TIMEOUT = float(contract.DEFAULTS["timeout"]), float(contract.DEFAULTS["http_timeout"])
NOT_SHOWN = "the value is not shown: it may be a secret"
SETTINGS_HELP = """\
credentials: QINGCLOUD_ACCESS_KEY, QINGCLOUD_SECRET_KEY, QINGCLOUD_ZONE,
QINGCLOUD_ENDPOINT, else ~/.qingcloud/config.yaml (or --config).
endpoint: https:// (certificates always verified), or plain http:// to this
machine only (127.0.0.1, ::1, localhost) unless --allow-http.
Every flag below also reads the variable named in its help.
"""


class UsageError(Exception):
    """Bad input or configuration: exit 2, nothing sent.  ``about`` names the account once it is known;
    ``usage`` is the command's usage, printed first (argparse's own refusals)."""

    about = ""
    usage = ""


class Values(dict[str, object]):
    """Each option's value by key, and where it came from (``--user`` or ``$QINGCLOUD_MYSQLPLUS_USER``)."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: dict[str, str] = {}

    def source(self, key: str) -> str:
        """Where ``key``'s value came from, for a message; its flag when it was not given."""
        if key in self.sources:
            return self.sources[key]
        option = next((o for o in contract.OPTIONS if o.key == key), None)
        return option.flag if option else key.replace("_", "-")


def option_values(args: argparse.Namespace, options: Sequence[contract.Option], environ: Mapping[str, str]) -> Values:
    """Each option from its flag, else its environment variable."""
    values = Values()
    for opt in options:
        value = getattr(args, opt.key)
        raw = environ.get(opt.env) if value is None else None
        if value is not None:
            values.sources[opt.key] = opt.flag
        elif raw is not None:
            values.sources[opt.key] = f"${opt.env}"
        if raw is not None and opt.boolean:
            word = raw.strip().lower()
            if word not in contract.TRUE_WORDS | contract.FALSE_WORDS:
                raise UsageError(refusal(f"${opt.env}", "1/0, true/false, yes/no or on/off"))
            value = word in contract.TRUE_WORDS
        elif raw is not None:
            value = raw
        values[opt.key] = value
    return values


def refusal(where: str, expected: str) -> str:
    """The line for a refused value: where it came from and what was expected, never the value."""
    return f"{where}: expected {expected} ({NOT_SHOWN})"


def source_of(values: Mapping[str, object], key: str) -> str:
    return values.source(key) if isinstance(values, Values) else key.replace("_", "-")


def number(values: Mapping[str, object], key: str, default: float) -> float:
    raw = values.get(key)
    if raw in (None, ""):
        return default
    try:
        seconds = float(str(raw))
    except ValueError:
        seconds = -1.0
    if not math.isfinite(seconds) or seconds <= 0:
        raise UsageError(refusal(source_of(values, key), "a positive number of seconds"))
    return seconds


def text(values: Mapping[str, object], key: str) -> str | None:
    value = values.get(key)
    return None if value in (None, "") else str(value)


def http_method(values: Mapping[str, object]) -> str:
    method = str(values.get("http_method") or contract.DEFAULTS["http_method"]).upper()
    if method not in ("GET", "POST"):
        raise UsageError(refusal(source_of(values, "http_method"), "GET or POST"))
    return method


def require(values: Mapping[str, object], key: str) -> None:
    """Refuse a missing value, saying where it comes from."""
    if not values.get(key):
        option = next(o for o in contract.OPTIONS if o.key == key)
        raise UsageError(f"no {key}: pass {option.flag} or set {option.env}")


def rule_refusal(values: Mapping[str, object], field: str, expected: str) -> UsageError:
    """An account rule's refusal (``AccountRuleError``'s field and expected), named by the flag or
    variable that carried the value."""
    row = BY_NAME.get(field)
    key = row.key if row is not None and row.flag else field
    where = source_of(values, key) if key in values else field
    return UsageError(refusal(f"{field} ({where})" if where != field else field, expected))


def settings_refusal(message: str, values: Mapping[str, object]) -> UsageError:
    """A settings error, reworded where its message would quote a value the user gave: an endpoint that
    is not a URL, or a --config path that does not exist (the path of one that does is shown)."""
    if message.startswith("endpoint: received"):
        given = values.get("endpoint") not in (None, "")
        where = source_of(values, "endpoint") if given else "$QINGCLOUD_ENDPOINT or the config file's host"
        return UsageError(refusal(f"endpoint ({where})", "a URL such as https://api.qingcloud.com:443/iaas/"))
    if message.startswith("--config ") and message.endswith(": no such file"):
        return UsageError(refusal(source_of(values, "config"), "the path of an existing config file"))
    return UsageError(message)
