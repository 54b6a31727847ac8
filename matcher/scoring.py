"""Score arithmetic: calibration, channel fusion, aggregation, presets and fit levels. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .kb.models import ValidityStatus
from .ranking import Fit

COMPONENTS = ("sector", "incentive", "validity")

PRESETS: dict[str, dict[str, float]] = {
    "balanced": {"sector": 0.75, "incentive": 0.20, "validity": 0.05},
    "sector-first": {"sector": 0.90, "incentive": 0.08, "validity": 0.02},
    "incentive-first": {"sector": 0.45, "incentive": 0.45, "validity": 0.10},
}


def resolve_weights(preset: str | None = None, weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """A named preset, or custom weights (non-negative, at least one positive; normalised to sum 1)."""
    if weights:
        unknown = set(weights) - set(COMPONENTS)
        if unknown:
            raise ValueError(f"unknown weight(s) {sorted(unknown)}; use {list(COMPONENTS)}")
        w = {c: float(weights.get(c, 0.0)) for c in COMPONENTS}
        if any(v < 0 or not np.isfinite(v) for v in w.values()) or sum(w.values()) <= 0:
            raise ValueError("weights must be finite, non-negative, and not all zero")
        total = sum(w.values())
        return {c: v / total for c, v in w.items()}
    name = preset or "balanced"
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return dict(PRESETS[name])


def calibrate(x: np.ndarray | float, lo: float, hi: float) -> np.ndarray:
    """Map [lo, hi] linearly onto [0, 1], clipped."""
    out: np.ndarray = np.clip((np.asarray(x, dtype=np.float32) - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    return out


def soft_or(values: Iterable[float] | np.ndarray) -> Any:
    """1 − Π(1 − v) along the first axis: several partial signals add up without exceeding 1 (a float for a
    list of numbers, an array for a stack of arrays)."""
    v = np.clip(np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=np.float64), 0, 1)
    out = 1.0 - np.prod(1.0 - v, axis=0)
    return float(out) if out.ndim == 0 else out


def breadth_fit(top3: np.ndarray, breadth: tuple[float, float]) -> np.ndarray:
    """Sector fit from the three best clause scores along the last axis (best first): the best, plus a little for the
    runners-up (breadth of support), capped at 1."""
    out: np.ndarray = np.minimum(1.0, top3[..., 0] + breadth[0] * top3[..., 1] + breadth[1] * top3[..., 2])
    return out


@dataclass(frozen=True)
class FusionWeights:
    """How the three text channels combine into one relevance per measure."""

    dense: float = 0.45
    lexical: float = 0.35
    taxonomy: float = 0.20
    dense_range: tuple[float, float] = (0.0, 1.0)
    lexical_range: tuple[float, float] = (0.0, 0.5)

    def fuse(self, dense: np.ndarray, lexical: np.ndarray, taxonomy: np.ndarray) -> np.ndarray:
        d = calibrate(dense, *self.dense_range)
        lx = calibrate(lexical, *self.lexical_range)
        total = self.dense + self.lexical + self.taxonomy
        return np.asarray((self.dense * d + self.lexical * lx + self.taxonomy * taxonomy) / total, dtype=np.float32)


@dataclass(frozen=True)
class ScoringParams:
    """Everything the evaluation tunes, in one place; loaded from models/engine.yaml when present."""

    fusion: FusionWeights = field(default_factory=FusionWeights)
    level_discount: tuple[float, ...] = (1.0, 0.8, 0.65, 0.5)  # own, parent, grandparent, great-grandparent
    ended_factor: float = 0.85  # measures of a document no longer in force count this much
    generic_sector: float = 0.5  # how much a sector-neutral measure's text relevance counts toward sector fit
    fit_thresholds: tuple[float, float, float] = (0.30, 0.45, 0.60)  # weak, good, strong (on sector fit)
    in_domain_floor: float = 0.45  # below this best-sector confidence the prospect is not a biomedicine business
    fold_ratio: float = 0.6  # a park folds into its parent when its own best evidence < ratio × inherited best
    place_weight: float = 0.2  # bonus for a location the description names (added on top of the preset)
    modulation: float = 4.0  # incentive and validity count × (sector fit / best sector fit) ** modulation
    breadth: tuple[float, float] = (0.1, 0.05)  # weight of the 2nd and 3rd best evidence in sector fit
    sector_emb_range: tuple[float, float] = (0.25, 0.50)  # encoder cosine to a sector prototype, noise → sure
    host_share: float = 0.0  # a district scores at least this share of the best-fitting park it hosts (0: off)


def validity_factor(status: ValidityStatus, ended_factor: float) -> float:
    return 1.0 if status == "in_force" else ended_factor


def fit_level(sector: float, in_domain: float, params: ScoringParams) -> Fit:
    weak, good, strong = params.fit_thresholds
    if in_domain < params.in_domain_floor or sector < weak:
        return "none"
    if sector >= strong:
        return "strong"
    return "good" if sector >= good else "weak"
