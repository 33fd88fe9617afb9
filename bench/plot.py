"""Deploy time against the number of accounts: our construct, the ideal (N x job time), the SDK loop.

The benchmark (``python -m bench``) calls :func:`draw`; ``python bench/plot.py RESULTS.json [OUT.png]``
redraws from the JSON that ``python -m bench --json`` wrote.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path(__file__).resolve().parent / "deploy_time.png"


def draw(curve: Mapping[str, Any], job_seconds: float, out: Path = DEFAULT_OUT, floor_s: float | None = None) -> Path:
    """``curve``: {"ours": {n: seconds}, "sdk": {n: seconds}} (keys may be strings, from JSON)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def series(name: str) -> tuple[list[int], list[float]]:
        points = sorted((int(n), float(s)) for n, s in (curve.get(name) or {}).items() if s is not None)
        return [n for n, _ in points], [s for _, s in points]

    ours, sdk = series("ours"), series("sdk")
    sizes = sorted({*ours[0], *sdk[0]}) or [1]
    span = [0, max(sizes)]
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    ax.plot(span, [n * job_seconds for n in span], "k-", lw=1.5, label=f"ideal: N x {job_seconds:g} s job")
    if floor_s is not None:
        ax.plot(span, [n * job_seconds + floor_s for n in span], "k:", lw=1.2,
                label=f"ideal + cdktf floor ({floor_s:.1f} s, no construct)")  # fmt: skip
    if ours[0]:
        ax.plot(*ours, "o-", color="tab:blue", label="cdktf deploy with MysqlPlusAccount")
    if sdk[0]:
        ax.plot(*sdk, "s--", color="tab:orange", label="qingcloud-sdk loop (send_request + wait_job)")
    ax.set_xlabel("accounts on one cluster (N)")
    ax.set_ylabel("wall time (s)")
    ax.set_title(f"Deploy time against accounts ({job_seconds:g} s jobs, one job at a time)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_xticks(sizes)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print("usage: plot.py RESULTS.json [OUT.png]", file=sys.stderr)
        return 2
    results = json.loads(Path(argv[0]).read_text())
    deploy = results["deploy"]
    out = draw(deploy["curve"], deploy["job_seconds"], Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT,
               (deploy.get("floor") or {}).get("deploy_s"))  # fmt: skip
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
