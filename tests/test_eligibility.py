"""Eligibility per stated condition, and the question an officer asks when the prospect's data cannot tell."""

from __future__ import annotations

import pytest

from matcher.eligibility import eligibility, question
from matcher.kb.models import Condition, Measure
from matcher.prospect import Prospect


def measure(*conditions: Condition) -> Measure:
    return Measure.model_validate(
        {
            "id": "demo.x",
            "kind": "subsidy",
            "modality": "offer",
            "sectors": ["all"],
            "title_zh": "x",
            "title_en": "x",
            "offer_zh": "x",
            "offer_en": "x",
            "conditions": [c.model_dump() for c in conditions],
            "source": {"doc": "d", "section": "一、", "quote": "x"},
        }
    )


REVENUE = Condition(text="年营业收入超过1亿元", field="revenue_cny", min=1e8)


@pytest.mark.parametrize(
    "c, zh, en",
    [
        (REVENUE, "年营业收入是否超过1亿元？", "Is annual revenue above CNY 100 million?"),
        (
            Condition(text="营收1000~2000万元", field="revenue_cny", min=1e7, max=2e7),
            "年营业收入是否在1000万元至2000万元之间？",
            "Is annual revenue between CNY 10 million and CNY 20 million?",
        ),
        (
            Condition(text="员工不超过100人", field="headcount", max=100),
            "员工人数是否不超过100人？",
            "Is headcount at most 100?",
        ),
        (
            Condition(text="港澳企业", field="hk_macau", values=[True]),
            "企业是否由港澳投资者设立或控制？",
            "Is the company founded or controlled from Hong Kong or Macau?",
        ),
        (
            Condition(text="龙头企业", field="company_type", values=["leader"]),
            "企业是否属于：龙头企业？",
            "Is the company an industry leader?",
        ),
        (
            Condition(text="经认定的项目"),
            "企业是否符合条件：「经认定的项目」？",
            "Does the company meet this condition: “经认定的项目”?",
        ),
    ],
)
def test_questions_name_the_condition_in_both_languages(c: Condition, zh: str, en: str) -> None:
    assert question(c) == (zh, en)


def test_met_only_when_every_stated_condition_was_checked() -> None:
    assert eligibility(measure(), Prospect(text="x"))[0] == "no_conditions"
    status, checks = eligibility(measure(REVENUE), Prospect(text="x"))
    assert status == "unknown" and checks[0].question_zh == "年营业收入是否超过1亿元？"
    status, checks = eligibility(measure(REVENUE), Prospect(text="x", revenue_cny=2e8))
    assert status == "met" and checks[0].question_zh is None
    assert eligibility(measure(REVENUE), Prospect(text="x", revenue_cny=5e7))[0] == "unmet"
    unknown_and_unmet = measure(REVENUE, Condition(text="员工不超过100人", field="headcount", max=100))
    assert eligibility(unknown_and_unmet, Prospect(text="x", headcount=500))[0] == "unmet"
