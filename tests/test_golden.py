"""Behaviour pinned: every labelled prospect and 300 synthetic ones rank exactly as recorded in
tests/golden/rankings.json.gz (order identical, scores within 1e-6, the same evidence, incentives and reasons; the
list path's rows likewise). A change that moves rankings on purpose regenerates the file
(`python -m tests.golden.record`) and says why in its commit message."""

from __future__ import annotations

import gzip
import json

import pytest

from matcher import Matcher
from tests.golden.record import PATH, record


@pytest.fixture(scope="module")
def pair(real_matcher: Matcher) -> tuple[dict, dict]:  # type: ignore[type-arg]
    with gzip.open(PATH, "rt", encoding="utf-8") as f:
        old = json.load(f)
    new = json.loads(json.dumps(record(real_matcher), ensure_ascii=False))
    return old, new


def test_the_golden_file_is_for_this_knowledge_base(pair: tuple[dict, dict], real_matcher: Matcher) -> None:  # type: ignore[type-arg]
    old, _ = pair
    assert old["kb_hash"] == real_matcher.kb.content_hash, "the knowledge base changed: regenerate the golden file"
    assert len(old["rankings"]) >= 500


def test_rankings_are_unchanged(pair: tuple[dict, dict]) -> None:  # type: ignore[type-arg]
    old, new = pair
    assert set(new["rankings"]) == set(old["rankings"])
    for cid, o in old["rankings"].items():
        n = new["rankings"][cid]
        assert n["order"] == o["order"], cid
        assert n["score"] == pytest.approx(o["score"], abs=1e-6), cid
        flat = [v for c in n["components"] for v in c]
        assert flat == pytest.approx([v for c in o["components"] for v in c], abs=1e-6), cid
        for key in ("fit", "also_in", "evidence", "incentives", "reason"):
            assert n[key] == o[key], (cid, key)


def test_list_rows_are_unchanged(pair: tuple[dict, dict]) -> None:  # type: ignore[type-arg]
    old, new = pair
    for label, rows in old["batch"].items():
        assert new["batch"][label] == rows, label


def test_no_place_cites_one_sentence_twice(pair: tuple[dict, dict], real_matcher: Matcher) -> None:  # type: ignore[type-arg]
    """Measures cut from one sentence share its quote; a place's evidence shows the sentence once."""
    _, new = pair
    quote = {mid: m.source.quote for mid, (_, m) in real_matcher.kb.measures.items()}
    shared = {q for q in quote.values() if list(quote.values()).count(q) > 1}
    assert shared, "no measures share a quote: this test checks nothing"
    places = [ids for r in new["rankings"].values() for ids in r["evidence"]]
    assert sum(len({quote[i] for i in ids} & shared) > 0 for ids in places) > 10  # shared sentences do get cited
    for ids in places:
        assert len({quote[i] for i in ids}) == len(ids), ids
