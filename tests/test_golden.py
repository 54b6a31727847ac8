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
