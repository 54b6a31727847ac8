"""Tuning on a small labelled set with the fake encoder: the grid search only takes changes that help, the
learned model is chosen by cross-validation, thresholds are calibrated, and held-out prospects are never read."""

from __future__ import annotations

import datetime as dt

import pytest

from matcher import Matcher
from matcher.eval import load_prospects
from matcher.eval.dataset import LabelledProspect
from matcher.eval.run import prepare
from matcher.eval.tune import MIN_GAIN, Grid, calibrate_fit, choose_model, grid_search, objective, tune
from matcher.kb import default_data_dir
from matcher.params import ScoringParams
from matcher.sector_model import SectorModel

AS_OF = dt.date(2026, 11, 23)
SMALL = Grid(
    fusion_steps=(0.0, 0.5, 1.0),
    fusion={"lexical_range": [(0.0, 1.0), (0.0, 0.5)]},
    passes=1,
    tail={"fold_ratio": [0.0, 0.6], "breadth": [(0.0, 0.0), (0.1, 0.05)]},
    folds=2,
    strengths=(0.3,),
)


@pytest.fixture(scope="module")
def items() -> list[LabelledProspect]:
    every = load_prospects(default_data_dir() / "companies" / "prospects.yaml")
    dev = [it for it in every if it.split == "dev"]
    held = [it for it in every if it.split == "heldout"]
    return [*[it for it in dev if it.relevance][:16], *[it for it in dev if it.out_of_domain][:2], *held[:3]]


def test_grid_search_only_takes_changes_that_gain(fake_matcher: Matcher, items: list[LabelledProspect]) -> None:
    ranked = [pr for pr in prepare(fake_matcher, items, AS_OF) if pr.item.relevance and pr.item.split == "dev"]
    log: list[str] = []
    best = grid_search(fake_matcher, ranked, log.append, SMALL)
    start, end = objective(fake_matcher, ranked, ScoringParams()), objective(fake_matcher, ranked, best)
    assert end >= start
    if best != ScoringParams():
        assert end > start + MIN_GAIN
    assert log[0] == f"start: dev (nDCG@5 + Hit@1) / 2 {start:.4f}" and log[-1].endswith(f"{end:.4f}")
    assert best.fusion.dense in SMALL.fusion_steps and best.fold_ratio in (0.0, 0.6, ScoringParams().fold_ratio)


def test_choose_model_cross_validates(fake_matcher: Matcher, items: list[LabelledProspect]) -> None:
    ranked = [pr for pr in prepare(fake_matcher, items, AS_OF) if pr.item.relevance and pr.item.split == "dev"]
    log: list[str] = []
    model = choose_model(fake_matcher, ranked, ScoringParams(), log.append, SMALL)
    assert model is None or isinstance(model, SectorModel)
    assert sum("done" in line for line in log) == SMALL.folds
    assert any("grid search alone" in line for line in log) and any("C=0.3" in line for line in log)


def test_calibrated_thresholds_separate_out_of_domain(fake_matcher: Matcher, items: list[LabelledProspect]) -> None:
    prepared = [pr for pr in prepare(fake_matcher, items, AS_OF) if pr.item.split == "dev"]
    p = calibrate_fit(fake_matcher, prepared, ScoringParams(), None, lambda s: None)
    ood = [pr.query.sectors.in_domain for pr in prepared if pr.item.out_of_domain]
    assert p.in_domain_floor > max(ood)
    assert list(p.fit_thresholds) == sorted(p.fit_thresholds)


def test_tune_reads_dev_only_and_leaves_the_engine_alone(
    fake_matcher: Matcher, items: list[LabelledProspect], monkeypatch: pytest.MonkeyPatch
) -> None:
    import matcher.eval.tune as t

    seen: list[str] = []

    def spy(m: Matcher, its: list[LabelledProspect], as_of: dt.date):  # type: ignore[no-untyped-def]
        seen.extend(it.id for it in its)
        return prepare(m, its, as_of)

    monkeypatch.setattr(t, "prepare", spy)
    before = fake_matcher.params
    params, model = tune(fake_matcher, items, AS_OF, lambda s: None, SMALL)
    assert seen and all(it.split == "dev" for it in items if it.id in seen)
    assert not {it.id for it in items if it.split == "heldout"} & set(seen)
    assert fake_matcher.params is before and isinstance(params, ScoringParams)
