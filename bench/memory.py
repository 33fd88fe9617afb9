"""Part: peak memory, of the synth of 1,000 accounts (whole CLI, and the app alone) and of one bridge process.

Nothing runs here: :mod:`bench.synth` and :mod:`bench.bridge` sample their
processes (wait4's ru_maxrss of the child, the largest single process among
those it waited for, and RSS summed over the whole tree from /proc every 50 ms).
"""

from __future__ import annotations

from dataclasses import dataclass

from .bridge import BridgeResult
from .figures import med
from .synth import Peak, SynthResult


@dataclass
class MemoryResult:
    cdktf_synth: Peak | None = None
    cdktf_synth_floor: Peak | None = None
    app_synth: Peak | None = None
    app_synth_floor: Peak | None = None
    bridge_kb: float | None = None  # one add-user process, the median
    sdk_kb: float | None = None  # the SDK script doing the same


def part_memory(synth: SynthResult | None, bridge: BridgeResult | None) -> MemoryResult | None:
    if synth is None and bridge is None:
        return None
    result = MemoryResult()
    if synth is not None:
        result.cdktf_synth, result.cdktf_synth_floor = synth.cdktf_synth, synth.cdktf_synth_floor
        result.app_synth, result.app_synth_floor = synth.app_synth, synth.app_synth_floor
    if bridge is not None:
        result.bridge_kb, result.sdk_kb = med(bridge.maxrss_kb.ours), med(bridge.maxrss_kb.sdk)
    return result
