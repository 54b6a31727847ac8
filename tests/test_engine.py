"""Engine behaviour with a fake encoder: ranges, determinism, order independence, folding, eligibility."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.engine import Matcher
from matcher.kb import KnowledgeBase
from matcher.prospect import Prospect
from tests.fakes import HashEncoder

AS_OF = dt.date(2026, 11, 23)
TERMS = [
    "AAV",
    "CDMO",
    "人工晶体",
    "配方颗粒",
    "POCT",
    "PET-MRI",
    "疫苗",
    "干细胞",
    "中药",
    "clinical trials",
    "GMP",
    "澳门",
    "Hong Kong",
    "基因测序",
    "眼科",
    "口腔种植体",
    "抗体",
    "医院",
    "电池",
    "餐饮",
    "芯片",
]


def shuffled(kb: KnowledgeBase, seed: int) -> KnowledgeBase:
    rng = random.Random(seed)
    locs = list(kb.locations.items())
    rng.shuffle(locs)
    new = {}
    for loc_id, loc in locs:
        ms = list(loc.measures)
        rng.shuffle(ms)
        new[loc_id] = loc.model_copy(update={"measures": ms})
    return dataclasses.replace(kb, locations=new)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.sampled_from(TERMS), min_size=1, max_size=5),
    st.sampled_from(["balanced", "sector-first", "incentive-first"]),
)
def test_scores_and_components_stay_in_range(fake_matcher: Matcher, words: list[str], preset: str) -> None:
    r = fake_matcher.match(" ".join(words), top_k=len(fake_matcher.candidates), preset=preset, as_of=AS_OF)
    assert r.matches
    for m in r.matches:
        for v in (m.score, m.components.sector, m.components.incentive, m.components.validity):
            assert 0.0 <= v <= 1.0
    assert [m.rank for m in r.matches] == list(range(1, len(r.matches) + 1))
    assert [m.score for m in r.matches] == sorted((m.score for m in r.matches), reverse=True)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 10_000))
def test_ranking_does_not_depend_on_measure_load_order(
    real_kb: KnowledgeBase, fake_matcher: Matcher, seed: int
) -> None:
    text = "我们是一家AAV基因治疗CDMO公司，需要GMP厂房"
    a = fake_matcher.match(text, top_k=15, as_of=AS_OF).to_dict()
    b = Matcher(shuffled(real_kb, seed), HashEncoder()).match(text, top_k=15, as_of=AS_OF).to_dict()
    assert a == b


def test_deterministic(fake_matcher: Matcher) -> None:
    text = "POCT rapid diagnostics maker seeking Hong Kong links"
    assert fake_matcher.match(text, as_of=AS_OF).to_dict() == fake_matcher.match(text, as_of=AS_OF).to_dict()


def test_the_shortlist_ranks_landing_places_and_folds_what_only_inherits(fake_matcher: Matcher) -> None:
    index = fake_matcher.index
    text = "人工晶体和角膜接触镜生产企业"
    r = fake_matcher.match(text, top_k=len(fake_matcher.candidates), as_of=AS_OF)
    ids = [m.location_id for m in r.matches]
    assert "guangdong" not in ids and "gba-mainland" not in ids  # the province and the region only pass measures down
    assert {"guangzhou", "shenzhen", "zhuhai"}.isdisjoint(ids)  # cities with places below them are not landing places
    assert all(index.landing[index.row[i]] for i in ids) and r.level == "landing"
    folded = [p for m in r.matches for p in m.also_in]
    assert folded and not set(folded) & set(ids)
    for m in r.matches:
        for p in m.also_in:  # into a landing ancestor, or into a place of the same city that carries that city's fit
            ancestors = [a.id for a in fake_matcher.kb.ancestors(p)]
            city = fake_matcher.kb.city_of(p)
            assert m.location_id in ancestors or (city is not None and fake_matcher.kb.city_of(m.location_id) == city)
    expanded = fake_matcher.match(text, top_k=len(fake_matcher.candidates), as_of=AS_OF, expand=True)
    assert len(expanded.matches) == int(index.landing.sum()) == len(ids) + len(folded)


def test_level_city_ranks_cities_lifted_by_their_best_place(fake_matcher: Matcher) -> None:
    text = "人工晶体和角膜接触镜生产企业"
    cities = fake_matcher.match(text, top_k=5, as_of=AS_OF, level="city")
    assert cities.level == "city" and all(m.level == "city" for m in cities.matches)
    landing = fake_matcher.match(text, top_k=len(fake_matcher.candidates), as_of=AS_OF, expand=True)
    best = {m.location_id: m.score for m in landing.matches}
    for m in cities.matches:
        inside = [best[c] for c in best if (c2 := fake_matcher.kb.city_of(c)) is not None and c2.id == m.location_id]
        if m.hosts:
            share = fake_matcher.params.host_share
            assert m.score == pytest.approx(share * max(inside), abs=2e-4)
            assert fake_matcher.kb.city_of(m.hosts).id == m.location_id  # type: ignore[union-attr]


def test_evidence_quotes_come_from_the_cited_section(fake_matcher: Matcher) -> None:
    r = fake_matcher.match("疫苗 mRNA 生产", as_of=AS_OF)
    from matcher.kb.sections import squash

    for m in r.matches:
        for e in [*m.evidence, *m.incentives]:
            src = fake_matcher.kb.sources[e.doc_id]
            assert squash(e.quote) in squash(src.section_text(e.section) or "")


def test_ended_documents_are_flagged_and_as_of_changes_validity(fake_matcher: Matcher) -> None:
    text = "深圳 PET-MRI 医学影像设备"
    now = fake_matcher.match(text, top_k=12, as_of=AS_OF, level="city")
    then = fake_matcher.match(text, top_k=12, as_of=dt.date(2022, 6, 1), level="city")
    sz_now = next(m for m in now.matches if m.location_id == "shenzhen")
    sz_then = next(m for m in then.matches if m.location_id == "shenzhen")
    assert all(e.validity == "ended" for e in sz_now.evidence)
    assert all(e.validity == "in_force" for e in sz_then.evidence)
    assert sz_then.components.validity > sz_now.components.validity


def test_eligibility_follows_structured_fields(fake_matcher: Matcher) -> None:
    """The province's 小升规 measure: revenue band 1000~2000万元."""
    mid = next(
        m.id
        for _, m in fake_matcher.index.measures
        if any(c.field == "revenue_cny" and c.min == 10_000_000 for c in m.conditions)
    )
    from matcher.eligibility import eligibility

    measure = fake_matcher.kb.measures[mid][1]
    assert eligibility(measure, Prospect(text="x", revenue_cny=15_000_000))[0] != "unmet"
    assert eligibility(measure, Prospect(text="x", revenue_cny=50_000_000))[0] == "unmet"
    assert eligibility(measure, Prospect(text="x"))[0] == "unknown"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"prospect": "   "}, "description is empty"),
        ({"prospect": "x" * 10_001}, "limit is 10000"),
        ({"prospect": "疫苗", "top_k": 0}, "top_k must be between"),
        ({"prospect": "疫苗", "preset": "nope"}, "unknown preset"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(fake_matcher: Matcher, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        fake_matcher.match(**kwargs)


def test_unknown_need_is_refused(fake_matcher: Matcher) -> None:
    with pytest.raises(ValueError, match="unknown need"):
        fake_matcher.match(Prospect(text="疫苗", needs=["free_money"]))


def test_profile_embeddings_are_cached_on_disk(real_kb: KnowledgeBase, tmp_path) -> None:  # type: ignore[no-untyped-def]
    enc = HashEncoder()
    Matcher(real_kb, enc, cache_dir=tmp_path)
    first = enc.calls
    files = sorted(p.name for p in tmp_path.iterdir())
    embeddings = [f for f in files if f.startswith("hash-64-")]
    assert first == 2 and len(embeddings) == 2 and len(files) == 3  # + the fitted TF-IDF index
    again = Matcher(real_kb, enc, cache_dir=tmp_path)
    assert enc.calls == first  # nothing re-encoded
    assert again.index.tfidf.from_cache


def test_a_list_scored_at_once_equals_one_at_a_time(fake_matcher: Matcher) -> None:
    from matcher.options import MatchOptions

    m = fake_matcher
    ps = [
        Prospect(text="人工晶体和眼科器械研发，需要GMP厂房", revenue_cny=3e8, headcount=400),
        Prospect(text="AAV viral-vector CDMO, looking for clinical trial partners", stage="growth"),
        Prospect(text="中药配方颗粒生产，想在横琴设厂", needs=["hk_macau", "land_plant"]),
        Prospect(text="锂电池正极材料"),
        Prospect(text="PET-MRI 影像设备，计划在光明区落地", stage="seed"),
    ]
    opts = MatchOptions(preset="incentive-first", as_of=AS_OF)
    many = m.score(m.prepare(ps, opts))
    for p, got in zip(ps, many, strict=True):
        (one,) = m.score(m.prepare([p], opts))
        for name in ("score", "sector", "incentive", "validity", "place", "shares"):
            assert getattr(got, name) == pytest.approx(getattr(one, name), abs=1e-5), name
        assert got.folded == one.folded
        assert {n: int(i[0]) for n, (i, _) in got.per_need.items()} == {
            n: int(i[0]) for n, (i, _) in one.per_need.items()
        }


def test_a_district_is_lifted_by_the_park_it_hosts(fake_matcher: Matcher) -> None:
    import numpy as np

    from matcher.stages.score import lift_hosts

    index = fake_matcher.index
    district = index.row["sz-guangming"]
    park = index.row["sz-guangming-bme-zone"]
    assert list(index.hosted[district]) == [park]
    score = np.full((2, len(index.candidates)), 0.1, dtype=np.float32)
    sector = score.copy()
    score[0, park], sector[0, park] = 0.9, 0.8
    host = lift_hosts(index.hosted, score, sector, 0.8)
    assert host[0, district] == park and score[0, district] == pytest.approx(0.72)
    assert sector[0, district] == pytest.approx(0.64)
    assert (host[1] == -1).all() and (score[1] == np.float32(0.1)).all()  # parks no better: nothing lifted
    assert (lift_hosts(index.hosted, score.copy(), sector.copy(), 0.0) == -1).all()  # off


def test_a_lifted_district_names_its_park_in_the_reason(fake_matcher: Matcher) -> None:
    mt = fake_matcher.with_params(fake_matcher.params.model_copy(update={"host_share": 0.99}), None)
    r = mt.match("高端医疗器械 光明 生物医学工程", top_k=len(mt.candidates), as_of=AS_OF)
    lifted = [x for x in r.matches if x.hosts]
    assert lifted, "some district is lifted by a park at share 0.99"
    for x in lifted:
        district = mt.kb.district_of(x.hosts)
        assert district is not None and district.id == x.location_id
    explained = [x for x in lifted if x.fit != "none"]  # a "none" entry gives the no-fit reason instead
    assert explained, "some lifted district fits"
    for x in explained:
        assert f"区内的{mt.kb.locations[x.hosts].name_zh}与该企业业务契合" in x.reason


@pytest.mark.parametrize(
    "opts",
    [
        {"top_k": 5},
        {"top_k": None, "preset": "incentive-first"},
        {"top_k": None, "expand": True, "focus": ("nansha", "sz-guangming", "gz-bio-island")},
        {"top_k": 3, "level": "city"},
    ],
)
def test_the_brief_holds_the_full_rankings_values(fake_matcher: Matcher, opts: dict) -> None:  # type: ignore[type-arg]
    from matcher.options import MatchOptions

    ps = [Prospect(text=" ".join(TERMS[k : k + 3]), revenue_cny=3e8 if k % 2 else None) for k in range(len(TERMS))]
    ps += [Prospect(text="中药配方颗粒生产，想在横琴设厂", needs=["hk_macau", "land_plant"], stage="growth")]
    mopts = MatchOptions(as_of=AS_OF, **opts)
    full = fake_matcher.match_many(ps, mopts)
    briefs = fake_matcher.match_many(ps, mopts, form="brief")
    for r, b in zip(full, briefs, strict=True):
        assert len(b.matches) == len(r.matches) > 0
        for x, y in zip(r.matches, b.matches, strict=True):
            assert (y.rank, y.location_id, y.name, y.score, y.fit, y.reason) == (
                x.rank,
                x.location_id,
                x.name,
                x.score,
                x.fit,
                x.reason,
            )
            assert y.sector == x.components.sector
            assert [(e.title, e.quote, e.doc_id, e.section, e.validity) for e in x.evidence] == list(y.evidence)


def test_the_shortlist_order_is_by_score_then_id(fake_matcher: Matcher) -> None:
    import numpy as np

    from matcher.options import MatchOptions

    m = fake_matcher
    cands = m.candidates
    ps = [Prospect(text=t) for t in TERMS]
    for sc in m.score(m.prepare(ps, MatchOptions(top_k=None, as_of=AS_OF))):
        tied = dataclasses.replace(sc, score=np.round(sc.score, 1))  # many ties, broken by id
        for s in (sc, tied):
            want = sorted(
                (r for r in range(len(cands)) if s.shown[r] and r not in s.folded),
                key=lambda r: (-float(s.score[r]), cands[r]),  # noqa: B023
            )
            assert s.order() == want
