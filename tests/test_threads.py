"""The engine is shared by the service's thread pool: 8 threads of mixed prospects give what one thread gives."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from matcher import Matcher, MatchOptions, Prospect

AS_OF = dt.date(2026, 11, 23)
PROSPECTS = [
    Prospect(text="人工晶体和眼科器械研发，需要GMP厂房", revenue_cny=3e8, headcount=400),
    Prospect(text="AAV viral-vector CDMO, looking for clinical trial partners", stage="growth"),
    Prospect(text="中药配方颗粒生产，想在横琴设厂", needs=["hk_macau", "land_plant"], hk_macau=True),
    Prospect(text="锂电池正极材料"),
    Prospect(text="PET-MRI 影像设备，计划在光明区落地", stage="seed", revenue_cny=5e6),
    Prospect(text="POCT rapid diagnostics maker seeking Hong Kong links", company_type=["tech_sme"]),
    Prospect(text="抗体药物研发，年营收1.5亿元", revenue_cny=1.5e8, stage="mature", investment_cny=2e8),
    Prospect(text="海洋生物医药 marine drugs from algae"),
]


def test_eight_threads_agree_with_one(fake_matcher: Matcher) -> None:
    opts = MatchOptions(top_k=8, as_of=AS_OF)
    sequential = [fake_matcher.match_many([p], opts)[0].to_dict() for p in PROSPECTS]
    work = [k % len(PROSPECTS) for k in range(96)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda k: fake_matcher.match_many([PROSPECTS[k]], opts)[0].to_dict(), work))
    for k, r in zip(work, got, strict=True):
        assert r == sequential[k]


def test_eligibility_cache_under_contention(fake_matcher: Matcher) -> None:
    """Many distinct structured-field combinations at once (the cache fills and evicts while others read)."""
    ps = [Prospect(text="抗体", revenue_cny=float(1_000_000 * k), headcount=k) for k in range(4200)]  # > the 4096 kept
    index = fake_matcher.index
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(index.eligibility, ps))
    for p, (elig, factor) in zip(ps[::400], results[::400], strict=True):
        again, f2 = index.eligibility(p)
        assert again == elig and (f2 == factor).all()


def test_eligibility_parses_no_source(fake_matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """Eligibility builds its prospect with every field given. A default factory left to pydantic's model_construct
    sends it to inspect.signature, which parses text with `ast`: not thread-safe on Python 3.11.7 (a SystemError in
    CI under the test above)."""
    from pydantic._internal import _typing_extra

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("inspect.signature called while reading eligibility")

    monkeypatch.setattr(_typing_extra, "signature", refuse)  # what pydantic calls for a default factory
    elig, factor = fake_matcher.index.eligibility(Prospect(text="抗体", revenue_cny=123_456_789.0, headcount=77))
    assert len(factor) == len(fake_matcher.index.measures)
