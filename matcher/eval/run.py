"""`matcher eval`: the engine and its baselines on the labelled prospects, in one run, by split and language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import Matcher
from ..options import MatchOptions
from ..query import Query
from ..ranking import RankLevel
from .baselines import make_baselines
from .dataset import LabelledProspect

METRICS = ["ndcg@5", "hit_rate@1", "hit_rate@3", "mrr"]
LABELS = {"ndcg@5": "nDCG@5", "hit_rate@1": "Hit@1", "hit_rate@3": "Hit@3", "mrr": "MRR"}
Run = dict[str, dict[str, float]]


@dataclass
class Prepared:
    """A labelled prospect read once (its query holds the signals): ranking it again is then cheap."""

    item: LabelledProspect
    query: Query


def at_level(matcher: Matcher, items: list[LabelledProspect], level: RankLevel) -> list[LabelledProspect]:
    """The items with only the labels of places ranked at `level` (landing places, or cities): a label on a city
    with places below it counts when cities are ranked, not in a shortlist of landing places."""
    index = matcher.index
    allowed = index.landing if level == "landing" else index.is_city
    keep = {c for c, ok in zip(index.candidates, allowed, strict=True) if ok}
    return [
        it.model_copy(
            update={
                "relevance": {k: v for k, v in it.relevance.items() if k in keep},
                "why": {k: v for k, v in it.why.items() if k in keep},
            }
        )
        for it in items
    ]


def prepare(
    matcher: Matcher, items: list[LabelledProspect], as_of: dt.date, level: RankLevel = "landing"
) -> list[Prepared]:
    """Every place of `level` ranked (no shortlist cut), balanced preset, on `as_of`; labels kept for that level."""
    queries = matcher.prepare([it.prospect() for it in items], MatchOptions(top_k=None, as_of=as_of, level=level))
    return [Prepared(it, q) for it, q in zip(at_level(matcher, items, level), queries, strict=True)]


def engine_run(matcher: Matcher, prepared: Iterable[Prepared]) -> Run:
    """The engine's full order per prospect (pass `matcher.with_params(...)` to score with other parameters)."""
    prepared = list(prepared)
    run: Run = {}
    n = len(matcher.candidates)
    for pr, r in zip(prepared, matcher.rank([pr.query for pr in prepared]), strict=True):
        # Scores encode the engine's order exactly (ranx would otherwise break ties its own way).
        run[pr.item.id] = {m.location_id: float(n - m.rank + 1) for m in r.matches}
    return run


def baseline_run(matcher: Matcher, prepared: Iterable[Prepared], fn: Callable[[Query], np.ndarray]) -> Run:
    """A baseline's order over the places of the queries' level."""
    run: Run = {}
    index = matcher.index
    for pr in prepared:
        s = fn(pr.query)
        shown = index.landing if pr.query.options.level == "landing" else index.is_city
        order = sorted(np.flatnonzero(shown), key=lambda i: (-float(s[i]), matcher.candidates[i]))
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
    items: list[LabelledProspect]  # with the labels of `level` only
    ood: list[tuple[str, str, str, float]]  # out-of-domain prospects: split, id, best fit anywhere, in-domain
    level: RankLevel = "landing"

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
    """In-domain prospects with labels, by split and by split and language."""
    out: dict[str, list[LabelledProspect]] = {}
    for split in ("dev", "heldout"):
        part = [it for it in items if it.split == split and not it.out_of_domain and it.relevance]
        out[f"{split}/all"] = part
        for lang in ("zh", "en"):
            out[f"{split}/{lang}"] = [it for it in part if it.lang == lang]
    return out


def ood_check(matcher: Matcher, prepared: list[Prepared]) -> list[tuple[str, str, str, float]]:
    """For each out-of-domain prospect: split, id, the best fit level anywhere, and its in-domain score."""
    order = ["none", "weak", "good", "strong"]
    ood = [pr for pr in prepared if pr.item.out_of_domain]
    out: list[tuple[str, str, str, float]] = []
    for pr, r in zip(ood, matcher.rank([pr.query for pr in ood]), strict=True):
        best = max((m.fit for m in r.matches), key=order.index)
        out.append((pr.item.split, pr.item.id, best, r.in_domain))
    return out


def evaluate_all(
    matcher: Matcher, items: list[LabelledProspect], as_of: dt.date, level: RankLevel = "landing"
) -> Evaluation:
    """The engine and each baseline ranking the places of `level`, against the labels of that level:
    {system: {group: {metric: value}}}, nDCG@5 per prospect, and the out-of-domain check."""
    prepared = prepare(matcher, items, as_of, level)
    items = [pr.item for pr in prepared]
    runs = {"engine": engine_run(matcher, prepared)}
    for name, fn in make_baselines(matcher.index).items():
        runs[f"{name} only"] = baseline_run(matcher, prepared, fn)
    return Evaluation(
        {sys_: {g: scores(part, run) for g, part in groups(items).items()} for sys_, run in runs.items()},
        {sys_: per_query(items, run) for sys_, run in runs.items()},
        items,
        ood_check(matcher, prepared),
        level,
    )
