"""Tuned scoring parameters: every number that changes a ranking, read from models/engine.yaml.

Loaded through pydantic models that reject unknown keys; written by `matcher eval --tune` (matcher/eval/tune.py).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field

from .scoring import calibrate

Pair = tuple[float, float]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FusionWeights(_Params):
    """How the three text channels combine into one relevance per measure."""

    dense: float = Field(0.45, ge=0, description="weight of the encoder cosine")
    lexical: float = Field(0.35, ge=0, description="weight of the TF-IDF cosine")
    taxonomy: float = Field(0.20, ge=0, description="weight of the sector-reading match")
    dense_range: Pair = Field((0.0, 1.0), description="encoder cosine mapped linearly onto [0, 1] from here")
    lexical_range: Pair = Field((0.0, 0.5), description="TF-IDF cosine mapped linearly onto [0, 1] from here")

    def fuse(self, dense: np.ndarray, lexical: np.ndarray, taxonomy: np.ndarray) -> np.ndarray:
        d = calibrate(dense, *self.dense_range)
        lx = calibrate(lexical, *self.lexical_range)
        total = self.dense + self.lexical + self.taxonomy
        return np.asarray((self.dense * d + self.lexical * lx + self.taxonomy * taxonomy) / total, dtype=np.float32)


class ScoringParams(_Params):
    """Everything the evaluation tunes or could tune, in one place (the defaults are the code's starting point)."""

    fusion: FusionWeights = Field(default_factory=FusionWeights)
    level_discount: tuple[float, float, float, float] = Field(
        (1.0, 0.8, 0.65, 0.5),
        description="factor of a clause that is the place's own, its district's (or a park's above it), its "
        "city's, and the region's or province's",
    )
    ended_factor: float = Field(0.85, description="measures of a document no longer in force count this much")
    generic_sector: float = Field(0.5, description="share of a sector-neutral measure's relevance in sector fit")
    fit_thresholds: tuple[float, float, float] = Field(
        (0.30, 0.45, 0.60), description="sector fit for weak, good, strong"
    )
    in_domain_floor: float = Field(0.45, description="below this best-sector confidence: not a biomedicine business")
    in_domain_ramp: Pair = Field(
        (0.15, 0.10),
        description="the in-domain gate rises linearly from floor − first to floor + second (scores × gate)",
    )
    gate_min: float = Field(0.05, description="the gate never goes below this, so that order stays meaningful")
    fold_ratio: float = Field(0.6, description="a park folds into its parent when own best < ratio × inherited best")
    place_weight: float = Field(0.2, description="bonus for a location the description names, on top of the preset")
    place_park_share: float = Field(0.6, description="place bonus of a park inside a named location, × its weight")
    place_parent_share: float = Field(0.4, description="place bonus of the parent levels of a named location")
    modulation: float = Field(4.0, description="incentive and validity count × (sector fit / best sector fit) ** this")
    breadth: Pair = Field((0.1, 0.05), description="weight of the 2nd and 3rd best evidence in sector fit")
    sector_emb_range: Pair = Field((0.25, 0.50), description="encoder cosine to a sector prototype: noise → sure")
    host_share: float = Field(0.0, description="a district scores at least this share of its best park (0: off)")
    incentive_sector_floor: float = Field(
        0.25, description="a sector-specific incentive counts at least this share for a prospect outside its sector"
    )
    incentive_strength: float = Field(
        0.6, description="per need, the three best incentives add up as 1 − Π(1 − strength × usability)"
    )

    def fingerprint(self, extra: object = None) -> str:
        """Changes whenever a parameter (or `extra`, e.g. the learned model) changes."""
        blob = json.dumps([params_to_dict(self), extra], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def load_params(path: Path | None) -> ScoringParams:
    """The file's values over the defaults (a missing file means the defaults); unknown keys are an error."""
    if path is None or not path.exists():
        return ScoringParams()
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return ScoringParams.model_validate(raw.get("params", raw))
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def params_to_dict(p: ScoringParams) -> dict[str, Any]:
    """Plain lists and rounded floats, as written to models/engine.yaml."""

    def plain(x: Any) -> Any:
        if isinstance(x, tuple | list):
            return [plain(v) for v in x]
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        return round(x, 4) if isinstance(x, float) else x

    return dict(plain(p.model_dump()))
