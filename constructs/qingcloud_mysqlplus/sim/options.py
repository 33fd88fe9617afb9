"""What QingCloud's documentation leaves open, as simulator options.

Each default is the documented behaviour (or, where the documentation says
nothing, the least convenient reading for a client); the other values let
tests prove a client right whichever way the real service turns out.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

CHOICES: dict[str, tuple[str, ...]] = {
    "busy_language": ("en", "zh"),  # the 1400 transition message: English or Chinese
    "directive": ("clear", "masked", "none"),  # a job's directive: as sent (documented), passwd masked, empty
    "cluster_jobs_scope": ("caller", "all"),  # DescribeClusterJobs: the caller's jobs (documented) or everyone's
    "cluster_jobs_form": ("documented", "sdk"),  # DescribeClusterJobs: app= (documented) or cluster= (the SDK's)
    "add_existing": ("job_fails", "refused_2110"),  # add_user of an existing user: failed job, or ret_code 2110
    "del_missing": ("job_fails", "job_succeeds"),  # del_user of a missing account: failed job, or a no-op job
    "second_host": ("refuse", "accept"),  # add_user of an existing user name at another host: as add_existing, or added
}
HELP = {
    "busy_language": "the 1400 transition message in English or Chinese",
    "directive": "a job's directive: the request as received with the password in clear (documented), "
    "the password masked, or empty",
    "cluster_jobs_scope": "DescribeClusterJobs lists the caller's jobs (documented) or everyone's",
    "cluster_jobs_form": "DescribeClusterJobs as documented (app= required, verbose 0 only, the jobs on every "
    "cluster of the app; cluster= ignored) or as the official Python SDK sends it (cluster= required, the "
    "cluster's jobs; app= ignored)",
    "add_existing": "add_user of an existing user name: a job that fails, or refused at once with ret_code 2110",
    "del_missing": "del_user of a missing account: a job that fails, or a job that succeeds doing nothing",
    "second_host": "add_user of a user name that exists at other hosts only: refused as an existing account "
    "(a failed job or 2110, as add_existing says) or accepted, the user then having the entries of both "
    "(accounts keyed by user and host, as MySQL keys them)",
    "job_retention": "only the N newest jobs of each job listing are returned (default: all)",
    "proxies": "proxy nodes per cluster (default 0)",
    "restart_seconds": "how long a restart_node job runs (default: the job seconds)",
    "auto_backup_seconds": "after each job on a cluster ends, a backup job by the cluster's owner runs this many "
    "seconds on it, the cluster updating meanwhile (default: no auto-backup)",
    "job_jitter": "each job runs the job seconds plus or minus up to this many seconds, at random (default 0; "
    "QingCloud documents no fixed job time)",
}

NON_NEGATIVE = ("proxies", "restart_seconds", "job_jitter", "auto_backup_seconds")
NULLABLE = ("job_retention", "restart_seconds", "auto_backup_seconds")  # null: the default behaviour
SECONDS = ("restart_seconds", "job_jitter", "auto_backup_seconds")  # floats; the other numeric options are counts


@dataclass(frozen=True)
class SimOptions:
    busy_language: str = "en"
    directive: str = "clear"
    cluster_jobs_scope: str = "caller"
    cluster_jobs_form: str = "documented"
    job_retention: int | None = None
    add_existing: str = "job_fails"
    del_missing: str = "job_fails"
    second_host: str = "refuse"
    proxies: int = 0
    restart_seconds: float | None = None
    job_jitter: float = 0.0
    auto_backup_seconds: float | None = None

    def __post_init__(self) -> None:
        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"option {name}: received {value!r}; expected one of {', '.join(allowed)}")
        if self.job_retention is not None and self.job_retention < 1:
            raise ValueError(f"option job_retention: received {self.job_retention}; expected at least 1, or null")
        for name in NON_NEGATIVE:
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"option {name}: received {value}; expected 0 or more")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SimOptions:
        """Options from JSON or CLI text; unknown names are refused."""
        return cls().updated(data)

    def updated(self, changes: Mapping[str, Any]) -> SimOptions:
        """A copy with ``changes`` applied (values may be strings, as from a command line)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"option: received {', '.join(unknown)}; expected one of {', '.join(sorted(known))}")
        return replace(self, **{name: _coerce(name, value) for name, value in changes.items()})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _coerce(name: str, value: Any) -> Any:
    """Bring a JSON or command-line value to the field's type."""
    if name in CHOICES:
        return str(value)
    if value is None or (isinstance(value, str) and value.lower() in ("", "none", "null")):
        if name in NULLABLE:
            return None
        raise ValueError(f"option {name}: received nothing; expected a number")
    if isinstance(value, bool):
        raise ValueError(f"option {name}: received {value!r}; expected a number")
    try:
        return float(value) if name in SECONDS else int(value)
    except (TypeError, ValueError):
        raise ValueError(f"option {name}: received {value!r}; expected a number") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One ``--name`` flag per option, plus ``--options JSON``."""
    for item in fields(SimOptions):
        flag = "--" + item.name.replace("_", "-")
        if item.name in CHOICES:
            parser.add_argument(flag, choices=CHOICES[item.name], help=f"{HELP[item.name]} (default {item.default})")
        else:
            parser.add_argument(flag, metavar="SECONDS" if item.name in SECONDS else "N", help=HELP[item.name])
    parser.add_argument("--options", metavar="JSON", help="options as a JSON object, e.g. '{\"proxies\": 2}'")


def from_arguments(args: argparse.Namespace) -> SimOptions:
    """The options of a parsed command line (flags win over ``--options``)."""
    data: dict[str, Any] = json.loads(args.options) if args.options else {}
    if not isinstance(data, dict):
        raise ValueError("--options: expected a JSON object")
    data.update({f.name: getattr(args, f.name) for f in fields(SimOptions) if getattr(args, f.name) is not None})
    return SimOptions.from_mapping(data)


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """``name=value`` words (the ``options`` subcommand) to a mapping."""
    changes = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"option: received {pair!r}; expected NAME=VALUE")
        changes[name.strip().replace("-", "_")] = value.strip()
    return changes
