"""Amount, condition and date rules on single sentences, with exact expectations."""

from __future__ import annotations

import datetime as dt

import pytest

from matcher.kb.extract.fields import amounts, conditions, validity
from matcher.kb.extract.numbers import parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5", 5.0),
        ("1.5", 1.5),
        ("1,000", 1000.0),
        ("五", 5.0),
        ("十二", 12.0),
        ("两", 2.0),
        ("一百", 100.0),
        ("x", None),
    ],
)
def test_numbers(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def _a(sentence: str) -> list[tuple[str, float | None, float | None, str, str]]:
    return [(a.text, a.min, a.max, a.unit, a.role) for a in amounts(sentence)]


def test_cap_in_wan_yuan_is_a_benefit() -> None:
    assert _a("按研发投入的20%给予补贴，最高500万元。") == [
        ("20%", 20.0, 20.0, "percent", "benefit"),
        ("最高500万元", None, 5_000_000.0, "CNY", "benefit"),
    ]


def test_fund_size_range_in_yi_yuan() -> None:
    assert _a("设立初期规模达5-10亿元的生物医药产业子基金") == [
        ("5-10亿元", 500_000_000.0, 1_000_000_000.0, "CNY", "fund_size")
    ]


def test_upper_bounds_on_percentages() -> None:
    assert _a("分别设立不高于50%、不高于30%的投资损失允许率") == [
        ("不高于50%", None, 50.0, "percent", "benefit"),
        ("不高于30%", None, 30.0, "percent", "benefit"),
    ]


def test_floor_space_and_area() -> None:
    assert _a("2024年力争形成60万平方米的生物医药产业专业载体") == [("60万平方米", 600_000.0, 600_000.0, "m2", "space")]
    assert _a("完成10平方公里园区建设") == [("10平方公里", 10.0, 10.0, "km2", "space")]


def test_counts_with_measure_words() -> None:
    assert _a("支持龙头企业牵头组建 5 支以上专业领域创新创业投资基金") == [("5 支以上", 5.0, None, "count", "count")]
    assert _a("争取1~2家高水平医院获批") == [("1~2家", 1.0, 2.0, "count", "count")]
    assert _a("推动两家优质企业落户珠海横琴。") == [("两家", 2.0, 2.0, "count", "count")]


def test_a_batch_a_year_and_a_back_reference_are_not_amounts() -> None:
    assert _a("引进一批高层次人才，在八大领域组建联盟，于2021年完成。") == []


def test_a_revenue_band_is_a_condition_not_an_amount() -> None:
    s = "推动主营业务收入 1000~2000 万元的小微工业企业上规模。"
    assert _a(s) == []
    revenue = [c for c in conditions(s) if c.field == "revenue_cny"]
    assert [(c.text, c.min, c.max) for c in revenue] == [("主营业务收入 1000~2000 万元", 10_000_000.0, 20_000_000.0)]


def test_revenue_floor() -> None:
    (c,) = [c for c in conditions("对年营业收入首次超过1亿元以上的企业给予奖励") if c.field == "revenue_cny"]
    assert (c.min, c.max) == (100_000_000.0, None)


def test_company_types_stages_and_hk_macau() -> None:
    got = {(c.field, tuple(c.values)) for c in conditions("瞄准世界500强、行业领军企业，服务生物医药初创企业。")}
    assert got == {("company_type", ("multinational",)), ("company_type", ("leader",)), ("stage", ("seed", "startup"))}
    (hk,) = conditions("探索开展港澳OTC（非处方）药品跨境电商进口试点")
    assert (hk.field, hk.values, hk.text) == ("hk_macau", [True], "港澳OTC（非处方）药品")


def test_condition_text_is_a_fragment_of_the_sentence() -> None:
    s = "支持有条件的医疗机构建设研究型医院，与企业联合建立技术转化平台"
    for c in conditions(s):
        assert c.text in s
    assert [c.text for c in conditions(s)] == ["有条件的医疗机构"]


def test_own_dates() -> None:
    v = validity("2024年力争形成60万平方米的生物医药产业专业载体")
    assert v is not None and (v.start, v.end, v.text) == (None, dt.date(2024, 12, 31), "2024年力争")
    v = validity("启动2021年卫生健康领域“珠江人才计划”组织实施工作")
    assert v is not None and (v.start, v.end) == (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert validity("支持企业建设平台。") is None
