"""Learned sector fit: a logistic regression over interpretable per-location features (models/sector_model.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .index import ProfileIndex
from .params import ScoringParams
from .query import Query

FEATURES = [
    "own_specific",  # best fused relevance among the location's own sector-specific clauses
    "own_specific_2nd",  # the runner-up: breadth of the location's own support
    "own_generic",  # best among its own sector-neutral clauses (HQ attraction, funds, platforms for all)
    "own_dense",  # the channels separately, own clauses only
    "own_lexical",
    "own_taxonomy",
    "parent_specific",  # best specific clause one level up
    "upper_specific",  # best specific clause two or more levels up
    "place",  # the description names the place (1), its parent or a park in it (less)
    "is_city",
    "is_district",
    "n_own",  # log(1 + number of own clauses)
    "in_domain",
]


def _masked_max(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.where(mask, values[None, :], -np.inf).max(axis=1)
    return np.where(np.isfinite(out), out, 0.0)


def features(index: ProfileIndex, query: Query, prm: ScoringParams) -> np.ndarray:
    """candidates × FEATURES, from the per-clause channel scores of one query."""
    sig = query.channels()
    rel = prm.fusion.fuse(sig.dense, sig.lexical, sig.taxonomy)
    spec, gen = ~index.generic, index.generic
    own = index.depth == 0
    own_spec = np.where(own & spec[None, :], rel[None, :], 0.0)
    top2 = -np.sort(-own_spec, axis=1)[:, :2]
    cols = [
        top2[:, 0],
        top2[:, 1],
        _masked_max(own & gen[None, :], rel),
        _masked_max(own, sig.dense),
        _masked_max(own, sig.lexical),
        _masked_max(own, sig.taxonomy),
        _masked_max((index.depth == 1) & spec[None, :], rel),
        _masked_max((index.depth >= 2) & spec[None, :], rel),
        index.place_vector(query.places, prm.place_park_share, prm.place_parent_share),
        index.level_is("city"),
        index.level_is("district"),
        np.log1p(own.sum(axis=1)),
        np.full(len(index.candidates), query.sectors.in_domain),
    ]
    return np.stack(cols, axis=1).astype(np.float32)


@dataclass(frozen=True)
class SectorModel:
    """Standardise, then a logistic regression: P(location is relevant | features)."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return out

    def to_json(self, card: dict[str, object]) -> str:
        return json.dumps(
            {
                "card": card,
                "features": FEATURES,
                "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(),
                "coef": self.coef.round(6).tolist(),
                "intercept": round(self.intercept, 6),
            },
            ensure_ascii=False,
            indent=2,
        )

    @classmethod
    def load(cls, path: Path) -> SectorModel | None:
        if not path.exists():
            return None
        d = json.loads(path.read_text(encoding="utf-8"))
        if d["features"] != FEATURES:
            raise ValueError(
                f"{path}: trained on features {d['features']}, the code now uses {FEATURES}; "
                "rebuild it with `matcher eval --tune`"
            )
        return cls(np.array(d["mean"]), np.array(d["scale"]), np.array(d["coef"]), float(d["intercept"]))


def fit_sector_model(x: np.ndarray, y: np.ndarray, c: float = 1.0) -> SectorModel:
    """Graded labels: ideal locations (2) weigh twice as much as acceptable ones (1) among the positives."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    weight = np.where(y == 2, 2.0, 1.0)
    lr = LogisticRegression(C=c, max_iter=2000)
    lr.fit((x - mean) / scale, (y > 0).astype(int), sample_weight=weight)
    return SectorModel(mean, scale, lr.coef_[0].astype(np.float64), float(lr.intercept_[0]))
