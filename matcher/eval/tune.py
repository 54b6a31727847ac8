"""Tuning on the dev split only: a coordinate grid search over the hand-set aggregation, an optional learned
sector fit chosen by cross-validation, and fit thresholds calibrated from the data. Held-out is never read here."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import Matcher
from ..params import ScoringParams
from ..sector_model import SectorModel, features, fit_sector_model
from .dataset import LabelledProspect
from .run import Prepared, engine_run, prepare, scores

MIN_GAIN = 0.002  # a change must gain this much on the objective to be taken (less overfitting to small differences)
Log = Callable[[str], None]


@dataclass(frozen=True)
class Grid:
    """The values the coordinate search tries, in order (the defaults are what `matcher eval --tune` uses)."""

    fusion_steps: tuple[float, ...] = tuple(i / 10 for i in range(11))  # dense and lexical weights; taxonomy: rest
    fusion: dict[str, list[Any]] = field(
        default_factory=lambda: {
            "dense_range": [(0.0, 1.0), (0.1, 0.8), (0.2, 0.7), (0.25, 0.6)],
            "lexical_range": [(0.0, 1.0), (0.0, 0.5), (0.0, 0.3)],
        }
    )
    tail: dict[str, list[Any]] = field(
        default_factory=lambda: {
            "fold_ratio": [0.0, 0.3, 0.5, 0.6, 0.8, 1.0],
            "modulation": [2.0, 4.0, 8.0],
            "place_weight": [0.0, 0.1, 0.2, 0.3, 0.5],
            "generic_sector": [0.2, 0.35, 0.5, 0.7, 1.0],
            # own, from a district or park above, from the city, from the region or province
            "level_discount": [
                (1.0, 0.8, 0.65, 0.5),
                (1.0, 0.7, 0.5, 0.4),
                (1.0, 0.9, 0.8, 0.6),
                (1.0, 0.9, 0.6, 0.4),
                (1.0, 0.8, 0.7, 0.5),
                (1.0, 0.6, 0.4, 0.3),
                (1.0, 0.5, 0.3, 0.2),
            ],
            "breadth": [(0.0, 0.0), (0.1, 0.05), (0.2, 0.1), (0.3, 0.15)],
            "host_share": [0.0, 0.6, 0.7, 0.8, 0.9],
            "need_mass": [1.0, 2.0, 3.0, 5.0],
            # Ended documents stay down-weighted: the search chooses how much, never "not at all".
            "ended_factor": [0.8, 0.9, 0.95],
        }
    )
    passes: int = 2  # rounds of the coordinate search (a second round lets early choices follow later ones)
    folds: int = 5
    strengths: tuple[float, ...] = (0.03, 0.1, 0.3, 1.0, 3.0)  # the logistic regression's C values tried


def tune(
    matcher: Matcher, items: list[LabelledProspect], as_of: dt.date, log: Log, grid: Grid | None = None
) -> tuple[ScoringParams, SectorModel | None]:
    """Tune on dev prospects only: the hand-set aggregation by grid search, then a learned sector fit, kept only if
    cross-validation on dev says it ranks better, then the fit thresholds. Returns new parameters; `matcher` is
    not changed."""
    grid = grid or Grid()
    dev = [it for it in items if it.split == "dev"]
    prepared = prepare(matcher, dev, as_of)
    ranked = [pr for pr in prepared if pr.item.relevance]
    # The search continues from the parameters in use (models/engine.yaml), so that a re-tune keeps what an earlier
    # one found unless the data now says otherwise; the CV folds start there too (so their figure is a little
    # optimistic: that start was fitted on all of dev).
    params = grid_search(matcher, ranked, log, grid, start=matcher.params)
    model = choose_model(matcher, ranked, params, log, grid, start=matcher.params)
    return calibrate_fit(matcher, prepared, params, model, log), model


def objective(matcher: Matcher, ranked: list[Prepared], params: ScoringParams) -> float:
    """The mean of nDCG@5 and Hit@1 (the two place-level targets) of the hand-set aggregation with `params` over
    `ranked`."""
    run = engine_run(matcher.with_params(params, None), ranked)
    s = scores([pr.item for pr in ranked], run)
    return (s.get("ndcg@5", 0.0) + s.get("hit_rate@1", 0.0)) / 2


def grid_search(
    matcher: Matcher, ranked: list[Prepared], log: Log, grid: Grid | None = None, start: ScoringParams | None = None
) -> ScoringParams:
    """Coordinate search from `start` (the code's defaults) over the grid, `grid.passes` times; a change must gain
    MIN_GAIN to be taken."""
    grid = grid or Grid()
    best = start or ScoringParams()
    best_score = objective(matcher, ranked, best)
    log(f"start: dev (nDCG@5 + Hit@1) / 2 {best_score:.4f}")

    def attempt(cand: ScoringParams) -> None:
        nonlocal best, best_score
        s = objective(matcher, ranked, cand)
        if s > best_score + MIN_GAIN:
            best, best_score = cand, s

    for _ in range(grid.passes):
        for d, lx in itertools.product(grid.fusion_steps, grid.fusion_steps):
            t = round(1 - d - lx, 2)
            if t >= 0:
                fusion = best.fusion.model_copy(update={"dense": d, "lexical": lx, "taxonomy": t})
                attempt(best.model_copy(update={"fusion": fusion}))
        log(f"fusion {best.fusion.dense}/{best.fusion.lexical}/{best.fusion.taxonomy}: {best_score:.4f}")
        for name, values in grid.fusion.items():
            for v in values:
                attempt(best.model_copy(update={"fusion": best.fusion.model_copy(update={name: v})}))
            log(f"{name} {getattr(best.fusion, name)}: {best_score:.4f}")
        for name, values in grid.tail.items():
            for v in values:
                attempt(best.model_copy(update={name: v}))
            log(f"{name} {getattr(best, name)}: {best_score:.4f}")
    return best


def training_data(matcher: Matcher, ranked: list[Prepared], params: ScoringParams) -> tuple[np.ndarray, np.ndarray]:
    index = matcher.index
    xs, ys = [], []
    for pr in ranked:
        xs.append(features(index, pr.query, params))
        ys.append(np.array([pr.item.relevance.get(c, 0) for c in index.candidates]))
    return np.vstack(xs), np.concatenate(ys)


def choose_model(
    matcher: Matcher,
    ranked: list[Prepared],
    params: ScoringParams,
    log: Log,
    grid: Grid | None = None,
    start: ScoringParams | None = None,
) -> SectorModel | None:
    """Cross-validation on dev, folds by prospect, everything fitted inside the fold: the grid search alone
    against the grid search plus a logistic regression at several strengths."""
    grid = grid or Grid()
    ids = sorted(pr.item.id for pr in ranked)
    folds = [set(ids[i :: grid.folds]) for i in range(grid.folds)]
    totals: dict[float | None, float] = dict.fromkeys([None, *grid.strengths], 0.0)
    for k, f in enumerate(folds):
        train = [pr for pr in ranked if pr.item.id not in f]
        test = [pr for pr in ranked if pr.item.id in f]
        p = grid_search(matcher, train, lambda s: None, grid, start=start)
        x, y = training_data(matcher, train, p)
        for c in totals:
            model = None if c is None else fit_sector_model(x, y, c=c)
            run = engine_run(matcher.with_params(p, model), test)
            totals[c] += scores([pr.item for pr in test], run)["ndcg@5"] * len(test)
        log(f"fold {k + 1}/{grid.folds} done")
    cv = {c: t / len(ranked) for c, t in totals.items()}
    log(f"{grid.folds}-fold CV on dev, nDCG@5: grid search alone {cv[None]:.4f}")
    for c in grid.strengths:
        log(f"{grid.folds}-fold CV on dev, nDCG@5: with logistic regression C={c} {cv[c]:.4f}")
    best_c = max(grid.strengths, key=lambda c: cv[c])
    if cv[best_c] < cv[None] + 0.005:
        log("keeping the hand-set aggregation (the learned model does not measurably help)")
        return None
    log(f"using the logistic regression, C={best_c}, trained on all dev prospects")
    return fit_sector_model(*training_data(matcher, ranked, params), c=best_c)


def calibrate_fit(
    matcher: Matcher, prepared: list[Prepared], params: ScoringParams, model: SectorModel | None, log: Log
) -> ScoringParams:
    """Fit thresholds from dev data: out-of-domain below the in-domain floor; fit levels from sector-fit quantiles."""
    ood = [pr.query.sectors.in_domain for pr in prepared if pr.item.out_of_domain]
    ind = sorted(pr.query.sectors.in_domain for pr in prepared if not pr.item.out_of_domain)
    floor = params.in_domain_floor
    if ood and ind:
        hi_ood, lo_in = max(ood), ind[max(0, len(ind) // 50)]  # tolerate the lowest 2% of in-domain prospects
        floor = round(float(max(hi_ood + 0.05, min(lo_in - 0.02, (hi_ood + lo_in) / 2))), 3)
    ideal: list[float] = []
    acceptable: list[float] = []
    other: list[float] = []
    in_domain = [pr for pr in prepared if not pr.item.out_of_domain]
    rankings = matcher.with_params(params, model).rank([pr.query for pr in in_domain])
    for pr, r in zip(in_domain, rankings, strict=True):
        for m in r.matches:
            rel = pr.item.relevance.get(m.location_id, 0)
            (ideal if rel == 2 else acceptable if rel == 1 else other).append(m.components.sector)
    strong = float(np.quantile(ideal, 0.4)) if ideal else params.fit_thresholds[2]
    good = float(np.quantile(acceptable, 0.4)) if acceptable else params.fit_thresholds[1]
    weak = float(np.quantile(other, 0.75)) if other else params.fit_thresholds[0]
    weak, good, strong = sorted([round(weak, 3), round(good, 3), round(strong, 3)])
    log(f"in-domain floor {floor}; fit thresholds weak {weak}, good {good}, strong {strong}")
    return params.model_copy(update={"in_domain_floor": floor, "fit_thresholds": (weak, good, strong)})
