"""What a measure is and when it holds: own dates over the document's, regions above cities, needs only from
offers and resources."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from matcher.engine import Matcher
from matcher.kb import load_kb
from matcher.needs import NeedsReader
from matcher.places import PlaceReader
from tests.fakes import HashEncoder


def test_own_dates_override_the_document_period(mini_kb: Path) -> None:
    kb = load_kb(mini_kb)
    _, target = kb.measures["demo-city.space-target"]
    _, fund = kb.measures["demo-city.fund"]
    assert kb.period_of(target).end == dt.date(2022, 12, 31)
    assert kb.period_of(fund).end == dt.date(2025, 12, 31)  # no own dates: the document's
    on = dt.date(2023, 6, 1)
    assert kb.status_of(target, on) == "ended"
    assert kb.status_of(fund, on) == "in_force"
    assert kb.status_of(fund, dt.date(2019, 12, 31)) == "not_started"
    assert [kb.status_of(target, d) for d in (dt.date(2022, 12, 31), dt.date(2023, 1, 1))] == ["in_force", "ended"]


def test_only_offers_and_resources_answer_needs(mini_kb: Path) -> None:
    kb = load_kb(mini_kb)
    reader = NeedsReader(kb.taxonomy)
    _, target = kb.measures["demo-city.space-target"]
    _, fund = kb.measures["demo-city.fund"]
    _, platform = kb.measures["demo-park.vector-cdmo"]
    assert reader.kind_needs["land"] == ["land_plant"]  # the kind would answer land …
    assert reader.needs_of(target) == []  # … but a target answers no need
    assert reader.needs_of(fund) == ["funding_growth"]
    assert reader.needs_of(platform.model_copy(update={"needs": []})) == ["pilot_cdmo"]  # a resource falls back
    assert [m.id for _, m in kb.measures.values() if m.usable] == ["demo-city.fund", "demo-park.vector-cdmo"]


def test_a_region_passes_measures_down_but_is_never_a_candidate(mini_kb: Path) -> None:
    kb = load_kb(mini_kb)
    assert [a.id for a in kb.ancestors("demo-park")] == ["demo-city", "demo-region", "demo-province"]
    assert kb.city_of("demo-park") is not None and kb.city_of("demo-park").id == "demo-city"  # type: ignore[union-attr]
    matcher = Matcher(kb, HashEncoder())
    assert matcher.candidates == ("demo-city", "demo-park")
    assert PlaceReader(kb).read("我们想落户示例湾区内地城市和示例市") == {"demo-city": (1.0, "示例市")}
