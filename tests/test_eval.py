"""The evaluation: labelled prospects are well formed and justified verbatim; metrics and report behave."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from matcher.engine import Matcher
from matcher.eval import evaluate_all, load_prospects
from matcher.eval.dataset import LabelledProspect
from matcher.eval.report import format_report
from matcher.kb import KnowledgeBase, default_data_dir
from matcher.kb.models import NOT_CANDIDATES
from matcher.kb.sections import squash

PROSPECTS = default_data_dir() / "companies" / "prospects.yaml"
WHY = re.compile(r"^(?P<doc>[a-z0-9-]+) (?P<section>.+?): (?P<phrase>.+)$")


@pytest.fixture(scope="module")
def items() -> list[LabelledProspect]:
    return load_prospects(PROSPECTS)


def test_dataset_shape(items: list[LabelledProspect]) -> None:
    assert len(items) >= 80
    assert sum(it.lang == "en" for it in items) >= 20
    held = [it for it in items if it.split == "heldout"]
    assert len(held) >= len(items) // 4 - 1
    ood = [it for it in items if it.out_of_domain]
    assert len(ood) >= 3 and all(not it.relevance for it in ood)
    assert {it.split for it in ood} == {"dev", "heldout"}
    texts = " ".join(it.text for it in ood)
    assert "电池" in texts and ("restaurant" in texts or "餐饮" in texts) and ("晶圆" in texts or "chip" in texts)


def test_labels_name_candidates_and_are_justified_verbatim(
    items: list[LabelledProspect], real_kb: KnowledgeBase
) -> None:
    candidates = {i for i, loc in real_kb.locations.items() if loc.level not in NOT_CANDIDATES}
    for it in items:
        assert set(it.relevance) <= candidates, it.id
        assert set(it.relevance.values()) <= {1, 2}, it.id
        assert set(it.why) == set(it.relevance), it.id
        for loc_id, why in it.why.items():
            m = WHY.match(why)
            assert m, (it.id, why)
            text = real_kb.sources[m["doc"]].section_text(m["section"])
            assert text is not None, (it.id, why)
            for piece in re.split(r"…|\.\.\.", m["phrase"]):
                assert squash(piece) in squash(text), (it.id, loc_id, piece)


def test_metrics_and_report_on_a_small_set(fake_matcher: Matcher, items: list[LabelledProspect]) -> None:
    small = [
        next(it for it in items if it.split == s and it.relevance and it.lang == lang)
        for s in ("dev", "heldout")
        for lang in ("zh", "en")
    ]
    small += [next(it for it in items if it.out_of_domain)]
    ev = evaluate_all(fake_matcher, small, dt.date(2026, 11, 23))
    results = ev.results
    assert set(results) == {"engine", "bm25 only", "dense only", "keywords only"}
    for groups in results.values():
        for vals in groups.values():
            assert all(0.0 <= v <= 1.0 for v in vals.values())
    assert results["engine"]["dev/zh"] and results["engine"]["heldout/en"]
    assert set(ev.per_query["engine"]) == {it.id for it in small if it.relevance}
    assert [o[1] for o in ev.ood] == [small[-1].id]
    text, _ = format_report(dataclasses.replace(ev, ood=[("dev", "p000", "none", 0.0)]), dt.date(2026, 11, 23))
    assert "heldout/all nDCG@5" in text and "heldout/all Hit@1" in text and "heldout/en nDCG@5" in text
    assert "out-of-domain prospects rated 'none' everywhere: 1/1" in text
    assert "heldout margin over" in text and "paired bootstrap interval" in text
    _, ok = format_report(dataclasses.replace(ev, ood=[("dev", "p000", "weak", 0.5)]), dt.date(2026, 11, 23))
    assert not ok  # an out-of-domain prospect rated above "none" fails the run

    dev_only = evaluate_all(fake_matcher, [it for it in small if it.split == "dev"], dt.date(2026, 11, 23))
    text, ok = format_report(dataclasses.replace(dev_only, ood=[("dev", "p000", "none", 0.0)]), dt.date(2026, 11, 23))
    assert ok and "held-out targets not checked" in text
    assert "heldout margin over" not in text and "dev margin over" in text


def test_eval_cli_refuses_to_tune_on_held_out_only() -> None:
    from click.testing import CliRunner

    from matcher.cli import main

    res = CliRunner().invoke(main, ["eval", "--tune", "--split", "heldout"])
    assert res.exit_code == 2 and "--tune fits on the dev split" in res.output


def test_margin_interval_brackets_the_mean_and_collapses_when_every_prospect_agrees(
    items: list[LabelledProspect],
) -> None:
    from matcher.eval.run import Evaluation

    dev = [it for it in items if it.split == "dev" and it.relevance][:20]
    same = {"engine": {it.id: 0.9 for it in dev}, "bm25 only": {it.id: 0.7 for it in dev}}
    ev = Evaluation({"engine": {}, "bm25 only": {}}, same, dev, [])
    assert ev.margin("dev/all", "bm25 only") == pytest.approx((0.2, 0.2, 0.2))
    mixed = {"engine": {it.id: (1.0 if k % 2 else 0.5) for k, it in enumerate(dev)}, "bm25 only": same["bm25 only"]}
    mean, lo, hi = Evaluation({"engine": {}, "bm25 only": {}}, mixed, dev, []).margin("dev/all", "bm25 only")
    assert mean == pytest.approx(0.05) and lo < mean < hi
    assert (lo, hi) == Evaluation({"engine": {}, "bm25 only": {}}, mixed, dev, []).margin("dev/all", "bm25 only")[1:]
