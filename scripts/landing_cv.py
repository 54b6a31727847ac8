"""Figures for issue 14 (landing places): 5-fold cross-validation on dev of the hand-set engine and of a LightGBM
lambdarank re-ranker over its components. Dev split only; held-out prospects are dropped on loading.

    .venv/bin/python scripts/landing_cv.py engine       grid search inside each fold, then the test fold
    .venv/bin/python scripts/landing_cv.py lambdarank   the same folds; the re-ranker's settings chosen by an inner
                                                        4-fold CV on each training part (needs `pip install lightgbm`)

Folds are by prospect, as in `matcher eval --tune` (sorted ids, every fifth). Each fold is ranked from `Scored`
(no explanation stage), which orders places exactly as `match_many` does and is about ten times faster."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("NUMBA_DISABLE_JIT", "1")  # ranx: plain Python is faster for a few hundred prospects

from matcher.config import MatcherConfig
from matcher.engine import Matcher
from matcher.eval import load_prospects
from matcher.eval import tune as tuning
from matcher.eval.run import Prepared, Run, per_query, prepare
from matcher.scoring import max_last

AS_OF = dt.date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[1]
FEATURES = (
    "score / best score, score, sector, incentive, validity, place, best own clause (no space-only), best inherited, "
    "best own or district clause, best own clause (any), folded, lifted by a park, engine rank, park, district, city, "
    "log own clauses, best shown park inside / best score, host district shown, in-domain, English"
).split(", ")
CONFIGS = [
    {"n_estimators": n, "learning_rate": 0.05, "num_leaves": leaves, "min_child_samples": mc}
    for n in (100, 300)
    for leaves in (4, 8)
    for mc in (10, 30)
]


def fast_run(matcher: Matcher, prepared: list[Prepared]) -> Run:
    """The engine's order per prospect, from the score stage alone."""
    n = len(matcher.candidates)
    run: Run = {}
    for pr, sc in zip(prepared, matcher.score([pr.query for pr in prepared]), strict=True):
        run[pr.item.id] = {matcher.candidates[r]: float(n - i) for i, r in enumerate(sc.order())}
    return run


def features(matcher: Matcher, prepared: list[Prepared]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (prospect, landing place), in prospect order: FEATURES, the label grade, and the landing rows."""
    ix, prm = matcher.index, matcher.params
    landing = np.flatnonzero(ix.landing)
    host_of = {int(p): d for d, parks in ix.hosted.items() for p in parks}
    disc = ix.discounts(prm.level_discount)
    xs, ys = [], []
    for pr, sc in zip(prepared, matcher.score([pr.query for pr in prepared]), strict=True):
        order = sc.order()
        rank = np.full(len(ix.candidates), 99.0)
        rank[order] = np.arange(1, len(order) + 1)
        for r, t in sc.folded.items():
            rank[r] = rank[t] + 0.5
        shares = sc.shares[None]
        depth = ix.chains.best_by_depth(np.where(ix.space_only, 0.0, shares), disc)[0]
        own_any = ix.chains.best_by_depth(shares, disc)[0, :, 0]
        local = max_last(np.where(ix.source <= 1, depth, 0.0))
        best = sc.score[landing].max()
        shown = set(order)
        for r in landing:
            parks = [p for p in ix.hosted.get(r, np.array([], dtype=int)).tolist() if p in shown]
            lv = ix.levels[r]
            xs.append(
                [
                    sc.score[r] / best,
                    sc.score[r],
                    sc.sector[r],
                    sc.incentive[r],
                    sc.validity[r],
                    sc.place[r],
                    depth[r, 0],
                    max_last(depth[r, 1:]),
                    local[r],
                    own_any[r],
                    float(r in sc.folded),
                    float(sc.host[r] >= 0),
                    rank[r],
                    float(lv == "park"),
                    float(lv == "district"),
                    float(lv == "city"),
                    np.log1p(ix.n_own[r]),
                    max((sc.score[p] for p in parks), default=0.0) / best,
                    float(host_of.get(int(r), -1) in shown),
                    pr.query.sectors.in_domain,
                    float(pr.query.lang == "en"),
                ]
            )
            ys.append(pr.item.relevance.get(ix.candidates[r], 0))
    return np.array(xs, dtype=np.float32), np.array(ys), landing


def reranked(pred: np.ndarray, prepared: list[Prepared], matcher: Matcher, landing: np.ndarray) -> Run:
    n = len(landing)
    run: Run = {}
    for k, pr in enumerate(prepared):
        order = np.lexsort((landing, -pred[k * n : (k + 1) * n]))
        run[pr.item.id] = {matcher.candidates[landing[i]]: float(n - j) for j, i in enumerate(order)}
    return run


def lambdarank(config: dict[str, Any], x: np.ndarray, y: np.ndarray, n_queries: int) -> Any:
    import lightgbm as lgb

    model = lgb.LGBMRanker(objective="lambdarank", verbose=-1, n_jobs=1, random_state=0, **config)
    model.fit(x, y, group=[len(x) // n_queries] * n_queries)
    return model


def folds(ids: list[str], k: int) -> list[set[str]]:
    ids = sorted(ids)
    return [set(ids[i::k]) for i in range(k)]


def choose(matcher: Matcher, train: list[Prepared]) -> dict[str, Any]:
    """The re-ranker's settings with the best inner 4-fold nDCG@5 on `train`."""
    x, y, landing = features(matcher, train)
    n = len(landing)
    at = {pr.item.id: k for k, pr in enumerate(train)}

    def rows(part: list[Prepared]) -> np.ndarray:
        return np.concatenate([np.arange(at[pr.item.id] * n, (at[pr.item.id] + 1) * n) for pr in part])

    def inner(config: dict[str, Any]) -> float:
        total = 0.0
        for f in folds([pr.item.id for pr in train], 4):
            fit = [pr for pr in train if pr.item.id not in f]
            test = [pr for pr in train if pr.item.id in f]
            model = lambdarank(config, x[rows(fit)], y[rows(fit)], len(fit))
            run = reranked(model.predict(x[rows(test)]), test, matcher, landing)
            total += sum(per_query([pr.item for pr in test], run).values())
        return total

    return max(CONFIGS, key=inner)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["engine", "lambdarank"])
    args = ap.parse_args()
    items = [it for it in load_prospects(ROOT / "data/companies/prospects.yaml") if it.split == "dev"]
    matcher = Matcher.load(MatcherConfig(cache_dir=ROOT / "var/cache"))
    ranked = [pr for pr in prepare(matcher, items, AS_OF) if pr.item.relevance]
    tuning.engine_run = fast_run  # the grid search scores with the same order, faster
    metrics = ("ndcg@5", "hit_rate@1")
    got: dict[str, dict[str, dict[str, float]]] = {"engine": {m: {} for m in metrics}}
    if args.what == "lambdarank":
        got["lambdarank"] = {m: {} for m in metrics}
    for f in folds([pr.item.id for pr in ranked], 5):
        train = [pr for pr in ranked if pr.item.id not in f]
        test = [pr for pr in ranked if pr.item.id in f]
        fitted = matcher.with_params(tuning.grid_search(matcher, train, lambda s: None, start=matcher.params), None)
        runs = {"engine": fast_run(fitted, test)}
        if args.what == "lambdarank":
            config = choose(fitted, train)
            x, y, landing = features(fitted, train)
            model = lambdarank(config, x, y, len(train))
            runs["lambdarank"] = reranked(model.predict(features(fitted, test)[0]), test, fitted, landing)
            print(f"fold: {config}", flush=True)
        for name, run in runs.items():
            for m in metrics:
                got[name][m].update(per_query([pr.item for pr in test], run, m))
    ids = sorted(got["engine"]["ndcg@5"])
    for lang in ("all", "zh", "en"):
        part = [i for i in ids if lang == "all" or next(pr.item.lang for pr in ranked if pr.item.id == i) == lang]
        line = " ".join(
            f"{name} nDCG@5 {np.mean([g['ndcg@5'][i] for i in part]):.3f} Hit@1 "
            f"{np.mean([g['hit_rate@1'][i] for i in part]):.3f};"
            for name, g in got.items()
        )
        print(f"5-fold CV on dev, {lang} ({len(part)}): {line}")
    if args.what == "lambdarank":
        d = np.array([got["lambdarank"]["ndcg@5"][i] - got["engine"]["ndcg@5"][i] for i in ids])
        means = d[np.random.default_rng(0).integers(0, len(d), size=(2000, len(d)))].mean(axis=1)
        lo, hi = np.quantile(means, [0.05, 0.95])
        print(f"lambdarank − engine, nDCG@5: {d.mean():+.3f} (90% paired bootstrap {lo:+.3f} to {hi:+.3f})")


if __name__ == "__main__":
    main()
