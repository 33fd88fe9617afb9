"""How figures are shown: units, ratios, medians and tables (``n/a``: not measured; ``-``: no such figure)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def med(values: Sequence[float] | None) -> float | None:
    return statistics.median(values) if values else None


def secs(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{x:.1f} s" if abs(x) >= 10 else f"{x:.2f} s"


def msecs(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 1000:.0f} ms"


def mib(kb: float | None) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.0f} MiB"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "-"
    return f"{a / b:.2f}x"


def num(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]], notes: Sequence[str] = ()) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [f"\n== {title}"]
    for row in [header, *rows]:
        cells = [str(row[0]).ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines + [f"   {note}" for note in notes])
