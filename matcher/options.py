"""What a caller may choose per request: preset or weights, date, shortlist length, folding. One place for presets."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from .ranking import RankLevel

COMPONENTS = ("sector", "incentive", "validity")
PresetName = Literal["balanced", "sector-first", "incentive-first"]

PRESETS: dict[str, dict[str, float]] = {
    "balanced": {"sector": 0.75, "incentive": 0.20, "validity": 0.05},
    "sector-first": {"sector": 0.90, "incentive": 0.08, "validity": 0.02},
    "incentive-first": {"sector": 0.45, "incentive": 0.45, "validity": 0.10},
}
LEVELS: tuple[str, ...] = get_args(RankLevel)
DEFAULT_PRESET: PresetName = "balanced"
PRESET_NAMES: tuple[str, ...] = get_args(PresetName)
assert PRESET_NAMES == tuple(PRESETS), "PresetName and PRESETS must list the same presets"


class OptionError(ValueError):
    """A match option the engine cannot honour; `field` names it (top_k, weights, focus …)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def resolve_weights(preset: str | None = None, weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """A named preset, or custom weights (non-negative, at least one positive; normalised to sum 1)."""
    if weights:
        unknown = set(weights) - set(COMPONENTS)
        if unknown:
            raise OptionError("weights", f"unknown weight(s) {sorted(unknown)}; use {list(COMPONENTS)}")
        w = {c: float(weights.get(c, 0.0)) for c in COMPONENTS}
        if any(v < 0 or not math.isfinite(v) for v in w.values()) or sum(w.values()) <= 0:
            raise OptionError("weights", "weights must be finite, non-negative, and not all zero")
        total = sum(w.values())
        return {c: v / total for c, v in w.items()}
    name = preset or DEFAULT_PRESET
    if name not in PRESETS:
        raise OptionError("preset", f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return dict(PRESETS[name])


@dataclass(frozen=True)
class MatchOptions:
    """Per-call choices, the same for every prospect of one `match_many` call."""

    top_k: int | None = 10  # None: every candidate
    preset: str | None = None
    weights: Mapping[str, float] | None = None
    as_of: dt.date | None = None  # None: today
    expand: bool = False  # keep parks that only inherit their parent's fit
    focus: tuple[str, ...] = ()  # explain only these locations, at their ranks (compare, a list ranked for one place)
    level: RankLevel = "landing"  # landing places (parks, districts, cities with nothing below), or cities
    weights_resolved: dict[str, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights_resolved", resolve_weights(self.preset, self.weights))
        if self.level not in LEVELS:
            raise OptionError("level", f"unknown level {self.level!r}; choose one of {list(LEVELS)}")

    @property
    def preset_name(self) -> str:
        return self.preset or ("custom" if self.weights else DEFAULT_PRESET)

    def date(self) -> dt.date:
        return self.as_of or dt.date.today()
