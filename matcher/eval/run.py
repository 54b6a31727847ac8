"""`matcher eval`: the engine and its baselines on the labelled prospects, in one run, by split and language."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..engine import Matcher, Signals
from ..needs import NeedWeight
from ..prospect import Prospect
from ..ranker import SectorModel, features, fit_sector_model
from ..scoring import ScoringParams, resolve_weights
from .baselines import make_baselines
from .dataset import LabelledProspect

MIN_GAIN = 0.002
METRICS = ["ndcg@5", "hit_rate@1", "hit_rate@3", "mrr"]
LABELS = {"ndcg@5": "nDCG@5", "hit_rate@1": "Hit@1", "hit_rate@3": "Hit@3", "mrr": "MRR"}
Run = dict[str, dict[str, float]]


@dataclass
class Prepared:
    """What one prospect costs to compute once: its signals and needs; ranking is then cheap."""

    item: LabelledProspect
    prospect: Prospect
    signals: Signals
    needs: dict[str, NeedWeight]


def prepare(matcher: Matcher, items: list[LabelledProspect]) -> list[Prepared]:
    prospects = [it.prospect() for it in items]
    vecs = matcher.encoder.encode([p.text for p in prospects])
    return [
        Prepared(it, p, matcher.signals(p.text, v), matcher.needs.read(p))
        for it, p, v in zip(items, prospects, vecs, strict=True)
    ]


def engine_run(
    matcher: Matcher,
    prepared: Iterable[Prepared],
    params: ScoringParams | None,
    as_of: dt.date,
    preset: str = "balanced",
    model: SectorModel | None | Literal["default"] = "default",
) -> Run:
    w = resolve_weights(preset)
    run: Run = {}
    n = len(matcher.candidates)
    for pr in prepared:
        r = matcher.rank(pr.prospect, pr.signals, pr.needs, w, preset, as_of, n, params=params, model=model)
        # Scores encode the engine's order exactly (ranx would otherwise break ties its own way).
        run[pr.item.id] = {m.location_id: float(n - m.rank + 1) for m in r.matches}
    return run


def baseline_run(matcher: Matcher, prepared: Iterable[Prepared], fn: Callable[[str, Signals], np.ndarray]) -> Run:
    run: Run = {}
    for pr in prepared:
        s = fn(pr.prospect.text, pr.signals)
        order = sorted(range(len(s)), key=lambda i: (-float(s[i]), matcher.candidates[i]))
        run[pr.item.id] = {matcher.candidates[i]: float(len(order) - k) for k, i in enumerate(order)}
    return run


def _ranx(items: list[LabelledProspect], run: Run, metrics: list[str]) -> tuple[dict[str, float], Any]:
    """ranx over the prospects with labels: the mean of each metric, and the run holding each prospect's values."""
    from ranx import Qrels, evaluate
    from ranx import Run as RanxRun

    items = [it for it in items if it.relevance]
    if not items:
        return {}, None
    qrels = Qrels({it.id: dict(it.relevance) for it in items})
    rr = RanxRun({it.id: run[it.id] for it in items})
    out = evaluate(qrels, rr, metrics, make_comparable=True)  # also keeps each prospect's values in rr.scores
    return {k: float(v) for k, v in (out.items() if isinstance(out, dict) else [(metrics[0], out)])}, rr


def per_query(items: list[LabelledProspect], run: Run, metric: str = "ndcg@5") -> dict[str, float]:
    """`metric` for each prospect with labels, by prospect id."""
    _, rr = _ranx(items, run, [metric])
    return {} if rr is None else {str(q): float(v) for q, v in rr.scores[metric].items()}


@dataclass
class Evaluation:
    """The engine and its baselines on the labelled prospects: mean metrics by group, nDCG@5 by prospect."""

    results: dict[str, dict[str, dict[str, float]]]  # system -> group -> metric -> mean
    per_query: dict[str, dict[str, float]]  # system -> prospect id -> nDCG@5
    items: list[LabelledProspect]

    def best_baseline(self, group: str) -> str:
        return max(
            (k for k in self.results if k != "engine"), key=lambda k: self.results[k].get(group, {}).get("ndcg@5", 0)
        )

    def margin(self, group: str, baseline: str, rounds: int = 2000, seed: int = 0) -> tuple[float, float, float]:
        """Engine minus `baseline` in nDCG@5 over the prospects of `group`, with a 90% paired bootstrap interval
        (prospects resampled with replacement): how much the figure could move with another sample this size."""
        ids = [it.id for it in groups(self.items)[group] if it.relevance]
        d = np.array([self.per_query["engine"][i] - self.per_query[baseline][i] for i in ids])
        if not len(d):
            return 0.0, 0.0, 0.0
        rng = np.random.default_rng(seed)
        means = d[rng.integers(0, len(d), size=(rounds, len(d)))].mean(axis=1)
        lo, hi = np.quantile(means, [0.05, 0.95])
        return float(d.mean()), float(lo), float(hi)

    def margins(self) -> dict[str, tuple[str, float, float, float]]:
        """Per split (all languages): the best baseline, and the engine's margin over it with its interval."""
        out = {}
        for g in ("dev/all", "heldout/all"):
            if self.results["engine"].get(g):
                base = self.best_baseline(g)
                out[g] = (base, *self.margin(g, base))
        return out


def scores(items: list[LabelledProspect], run: Run) -> dict[str, float]:
    """Mean of each metric over `items` (ranx), or {} when there is nothing to score."""
    return _ranx(items, run, METRICS)[0]


def groups(items: list[LabelledProspect]) -> dict[str, list[LabelledProspect]]:
    out: dict[str, list[LabelledProspect]] = {}
    for split in ("dev", "heldout"):
        part = [it for it in items if it.split == split and not it.out_of_domain]
        out[f"{split}/all"] = part
        for lang in ("zh", "en"):
            out[f"{split}/{lang}"] = [it for it in part if it.lang == lang]
    return out


def ood_check(matcher: Matcher, prepared: list[Prepared], as_of: dt.date) -> list[tuple[str, str, str, float]]:
    """For each out-of-domain prospect: split, id, the best fit level anywhere, and its in-domain score."""
    order = ["none", "weak", "good", "strong"]
    out: list[tuple[str, str, str, float]] = []
    w = resolve_weights("balanced")
    for pr in prepared:
        if pr.item.out_of_domain:
            r = matcher.rank(pr.prospect, pr.signals, pr.needs, w, "balanced", as_of, len(matcher.candidates))
            best = max((m.fit for m in r.matches), key=order.index)
            out.append((pr.item.split, pr.item.id, best, r.in_domain))
    return out


def evaluate_all(matcher: Matcher, items: list[LabelledProspect], as_of: dt.date) -> Evaluation:
    """The engine and each baseline: {system: {group: {metric: value}}}, and nDCG@5 per prospect."""
    prepared = prepare(matcher, items)
    runs = {"engine": engine_run(matcher, prepared, None, as_of)}
    for name, fn in make_baselines(matcher).items():
        runs[f"{name} only"] = baseline_run(matcher, prepared, fn)
    return Evaluation(
        {sys_: {g: scores(part, run) for g, part in groups(items).items()} for sys_, run in runs.items()},
        {sys_: per_query(items, run) for sys_, run in runs.items()},
        items,
    )


# --- tuning on the dev split only ---------------------------------------------------------------


def tune(
    matcher: Matcher, items: list[LabelledProspect], as_of: dt.date, log: Callable[[str], None]
) -> tuple[ScoringParams, SectorModel | None]:
    """Tune on dev prospects only (held-out never seen): the hand-set aggregation by grid search, then a learned
    sector fit, kept only if 5-fold cross-validation on dev says it ranks better."""
    dev = [it for it in items if it.split == "dev"]
    prepared = prepare(matcher, dev)
    ranked = [pr for pr in prepared if pr.item.relevance]
    params = grid_search(matcher, ranked, as_of, log)
    model = choose_model(matcher, ranked, params, as_of, log)
    return calibrate_fit(matcher, prepared, params, model, as_of, log), model


def grid_search(matcher: Matcher, ranked: list[Prepared], as_of: dt.date, log: Callable[[str], None]) -> ScoringParams:
    """Coordinate search from the code's defaults; a change must gain MIN_GAIN to be taken (less overfitting)."""
    best = ScoringParams()

    def objective(p: ScoringParams) -> float:
        run = engine_run(matcher, ranked, p, as_of, model=None)
        return scores([pr.item for pr in ranked], run).get("ndcg@5", 0.0)

    best_score = objective(best)
    log(f"start: dev nDCG@5 {best_score:.4f}")
    steps = [i / 10 for i in range(11)]
    for d, lx in itertools.product(steps, steps):
        t = round(1 - d - lx, 2)
        if t < 0:
            continue
        cand = dataclasses.replace(best, fusion=dataclasses.replace(best.fusion, dense=d, lexical=lx, taxonomy=t))
        s = objective(cand)
        if s > best_score + MIN_GAIN:
            best, best_score = cand, s
    log(f"fusion {best.fusion.dense}/{best.fusion.lexical}/{best.fusion.taxonomy}: {best_score:.4f}")
    grids: dict[str, list[Any]] = {
        "dense_range": [(0.0, 1.0), (0.1, 0.8), (0.2, 0.7), (0.25, 0.6)],
        "lexical_range": [(0.0, 1.0), (0.0, 0.5), (0.0, 0.3)],
    }
    for name, values in grids.items():
        for v in values:
            cand = dataclasses.replace(best, fusion=dataclasses.replace(best.fusion, **{name: v}))
            s = objective(cand)
            if s > best_score + MIN_GAIN:
                best, best_score = cand, s
        log(f"{name} {getattr(best.fusion, name)}: {best_score:.4f}")
    tail: dict[str, list[Any]] = {
        "fold_ratio": [0.0, 0.3, 0.5, 0.6, 0.8, 1.0],
        "modulation": [2.0, 4.0, 8.0],
        "place_weight": [0.0, 0.1, 0.2, 0.3, 0.5],
        "generic_sector": [0.2, 0.35, 0.5, 0.7, 1.0],
        "level_discount": [
            (1.0, 0.8, 0.65, 0.5),
            (1.0, 0.7, 0.5, 0.4),
            (1.0, 0.9, 0.8, 0.6),
            (1.0, 0.6, 0.4, 0.3),
            (1.0, 0.5, 0.3, 0.2),
        ],
        "breadth": [(0.0, 0.0), (0.1, 0.05), (0.2, 0.1), (0.3, 0.15)],
        "host_share": [0.0, 0.6, 0.7, 0.8, 0.9],
        # Ended documents stay down-weighted: the search chooses how much, never "not at all".
        "ended_factor": [0.8, 0.9, 0.95],
    }
    for name, values in tail.items():
        for v in values:
            cand = dataclasses.replace(best, **{name: v})
            s = objective(cand)
            if s > best_score + MIN_GAIN:
                best, best_score = cand, s
        log(f"{name} {getattr(best, name)}: {best_score:.4f}")
    return best


def training_data(matcher: Matcher, ranked: list[Prepared], params: ScoringParams) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for pr in ranked:
        xs.append(features(matcher, pr.signals, params))
        ys.append(np.array([pr.item.relevance.get(c, 0) for c in matcher.candidates]))
    return np.vstack(xs), np.concatenate(ys)


def choose_model(
    matcher: Matcher, ranked: list[Prepared], params: ScoringParams, as_of: dt.date, log: Callable[[str], None]
) -> SectorModel | None:
    """5-fold cross-validation on dev, folds by prospect, everything fitted inside the fold: the grid search alone
    against the grid search plus a logistic regression at several strengths."""
    ids = sorted(pr.item.id for pr in ranked)
    folds = [set(ids[i::5]) for i in range(5)]
    strengths = (0.03, 0.1, 0.3, 1.0, 3.0)
    totals = dict.fromkeys([None, *strengths], 0.0)
    for k, f in enumerate(folds):
        train = [pr for pr in ranked if pr.item.id not in f]
        test = [pr for pr in ranked if pr.item.id in f]
        p = grid_search(matcher, train, as_of, lambda s: None)
        x, y = training_data(matcher, train, p)
        for c in totals:
            model = None if c is None else fit_sector_model(x, y, c=c)
            run = engine_run(matcher, test, p, as_of, model=model)
            totals[c] += scores([pr.item for pr in test], run)["ndcg@5"] * len(test)
        log(f"fold {k + 1}/5 done")
    cv = {c: t / len(ranked) for c, t in totals.items()}
    log(f"5-fold CV on dev, nDCG@5: grid search alone {cv[None]:.4f}")
    for c in strengths:
        log(f"5-fold CV on dev, nDCG@5: with logistic regression C={c} {cv[c]:.4f}")
    best_c = max(strengths, key=lambda c: cv[c])
    if cv[best_c] < cv[None] + 0.005:
        log("keeping the hand-set aggregation (the learned model does not measurably help)")
        return None
    log(f"using the logistic regression, C={best_c}, trained on all dev prospects")
    return fit_sector_model(*training_data(matcher, ranked, params), c=best_c)


def calibrate_fit(
    matcher: Matcher,
    prepared: list[Prepared],
    params: ScoringParams,
    model: SectorModel | None,
    as_of: dt.date,
    log: Callable[[str], None],
) -> ScoringParams:
    """Fit thresholds from dev data: out-of-domain below the in-domain floor; fit levels from sector-fit quantiles."""
    ood = [pr.signals.sectors.in_domain for pr in prepared if pr.item.out_of_domain]
    ind = sorted(pr.signals.sectors.in_domain for pr in prepared if not pr.item.out_of_domain)
    floor = params.in_domain_floor
    if ood and ind:
        hi_ood, lo_in = max(ood), ind[max(0, len(ind) // 50)]  # tolerate the lowest 2% of in-domain prospects
        floor = round(float(max(hi_ood + 0.05, min(lo_in - 0.02, (hi_ood + lo_in) / 2))), 3)
    w = resolve_weights("balanced")
    ideal: list[float] = []
    acceptable: list[float] = []
    other: list[float] = []
    for pr in prepared:
        if pr.item.out_of_domain:
            continue
        r = matcher.rank(
            pr.prospect, pr.signals, pr.needs, w, "balanced", as_of, len(matcher.candidates), params=params, model=model
        )
        for m in r.matches:
            rel = pr.item.relevance.get(m.location_id, 0)
            (ideal if rel == 2 else acceptable if rel == 1 else other).append(m.components.sector)
    strong = float(np.quantile(ideal, 0.4)) if ideal else params.fit_thresholds[2]
    good = float(np.quantile(acceptable, 0.4)) if acceptable else params.fit_thresholds[1]
    weak = float(np.quantile(other, 0.75)) if other else params.fit_thresholds[0]
    weak, good, strong = sorted([round(weak, 3), round(good, 3), round(strong, 3)])
    log(f"in-domain floor {floor}; fit thresholds weak {weak}, good {good}, strong {strong}")
    return dataclasses.replace(params, in_domain_floor=floor, fit_thresholds=(weak, good, strong))
