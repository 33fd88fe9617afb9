"""Everything one run measured, part by part (None: not run), and what it could not measure."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .bridge import BridgeResult
from .calls import CallsResult
from .clusters import ClustersResult
from .config import Config
from .deploy import DeployResult
from .memory import MemoryResult
from .rotation import RotationResult
from .synth import SynthResult


@dataclass
class Results:
    config: Config
    bridge: BridgeResult | None = None
    synth: SynthResult | None = None
    deploy: DeployResult | None = None
    clusters: ClustersResult | None = None
    rotation: RotationResult | None = None
    calls: CallsResult | None = None
    memory: MemoryResult | None = None
    missing: list[str] = field(default_factory=list)  # parts that stopped, the plot
    secret_hits: list[str] = field(default_factory=list)
    total_s: float = 0.0
    plot: str | None = None

    def all_missing(self) -> list[str]:
        parts = (self.bridge, self.synth, self.deploy, self.clusters, self.rotation)
        return [note for part in parts if part is not None for note in part.missing] + self.missing

    def to_json(self) -> str:
        """Every figure (``python bench/plot.py`` redraws the plot from it)."""
        return json.dumps(asdict(self), indent=1, default=str)
