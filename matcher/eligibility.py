"""Eligibility: whether a prospect meets the conditions a measure states, condition by condition, and the question
an officer should ask when the prospect's data cannot tell."""

from __future__ import annotations

from typing import NamedTuple

from .kb.models import COMPANY_TYPES, Condition, Measure
from .prospect import Prospect
from .ranking import Eligibility

# How much a measure counts toward incentive fit, by the prospect's eligibility: a measure whose condition is unmet
# is nearly useless to it; one that cannot be checked yet is likely but not sure.
ELIGIBILITY_FACTOR: dict[str, float] = {"met": 1.0, "no_conditions": 1.0, "unknown": 0.75, "unmet": 0.1}

STAGE_NAMES = {
    "seed": ("种子期", "seed"),
    "startup": ("初创期", "start-up"),
    "growth": ("成长期", "growth"),
    "mature": ("成熟期", "mature"),
    "listed": ("上市", "listed"),
}
COMPANY_TYPE_NAMES = {
    "leader": ("龙头企业", "an industry leader"),
    "high_growth": ("高成长企业", "a high-growth firm"),
    "tech_sme": ("科技型中小企业", "a tech SME"),
    "small_micro": ("小微企业", "a small or micro firm"),
    "multinational": ("跨国企业", "a multinational"),
    "hk_macau_firm": ("港澳企业", "a Hong Kong or Macau firm"),
    "service_provider": ("服务机构", "a service provider"),
    "medical_institution": ("医疗机构", "a medical institution"),
    "research_institute": ("科研机构", "a research institute"),
    "investor": ("投资机构", "an investor"),
    "university": ("高校", "a university"),
}
assert set(COMPANY_TYPE_NAMES) == set(COMPANY_TYPES)
AMOUNT_NAMES = {
    "revenue_cny": ("年营业收入", "annual revenue"),
    "headcount": ("员工人数", "headcount"),
    "investment_cny": ("计划投资额", "planned investment"),
}


class Check(NamedTuple):
    """One stated condition against the prospect; the questions are asked only when it is unknown."""

    text: str  # the condition's verbatim words
    status: Eligibility
    question_zh: str | None
    question_en: str | None


def _cny_zh(v: float) -> str:
    if v >= 1e8:
        return f"{v / 1e8:g}亿元"
    if v >= 1e4:
        return f"{v / 1e4:g}万元"
    return f"{v:g}元"


def _cny_en(v: float) -> str:
    if v >= 1e9:
        return f"CNY {v / 1e9:g} billion"
    if v >= 1e6:
        return f"CNY {v / 1e6:g} million"
    return f"CNY {v:,.0f}"


def question(c: Condition) -> tuple[str, str]:
    """What to ask the company to settle condition `c` (Chinese, English)."""
    if c.field in AMOUNT_NAMES:
        zh, en = AMOUNT_NAMES[c.field]
        money = c.field != "headcount"
        fz = _cny_zh if money else (lambda v: f"{v:g}人")
        fe = _cny_en if money else (lambda v: f"{v:g}")
        if c.min is not None and c.max is not None:
            return f"{zh}是否在{fz(c.min)}至{fz(c.max)}之间？", f"Is {en} between {fe(c.min)} and {fe(c.max)}?"
        if c.min is not None:
            return f"{zh}是否超过{fz(c.min)}？", f"Is {en} above {fe(c.min)}?"
        if c.max is not None:
            return f"{zh}是否不超过{fz(c.max)}？", f"Is {en} at most {fe(c.max)}?"
    if c.field == "stage" and c.values:
        names = [STAGE_NAMES.get(str(v), (str(v), str(v))) for v in c.values]
        return (
            f"企业处于哪个发展阶段？（符合条件：{'、'.join(n[0] for n in names)}）",
            f"Which stage is the company at? (qualifies: {', '.join(n[1] for n in names)})",
        )
    if c.field == "company_type" and c.values:
        names = [COMPANY_TYPE_NAMES.get(str(v), (str(v), str(v))) for v in c.values]
        return (
            f"企业是否属于：{'、'.join(n[0] for n in names)}？",
            f"Is the company {' or '.join(n[1] for n in names)}?",
        )
    if c.field == "hk_macau":
        return "企业是否由港澳投资者设立或控制？", "Is the company founded or controlled from Hong Kong or Macau?"
    return f"企业是否符合条件：「{c.text}」？", f"Does the company meet this condition: “{c.text}”?"


def check_condition(c: Condition, p: Prospect) -> Eligibility:
    if c.field is None:
        return "unknown"
    if c.field in ("revenue_cny", "headcount", "investment_cny"):
        value = getattr(p, c.field)
        if value is None:
            return "unknown"
        ok = (c.min is None or value >= c.min) and (c.max is None or value <= c.max)
        return "met" if ok else "unmet"
    if c.field == "stage":
        return "unknown" if p.stage is None else ("met" if p.stage in c.values else "unmet")
    if c.field == "company_type":
        if not p.company_type:
            return "unknown"
        return "met" if set(p.company_type) & {str(v) for v in c.values} else "unmet"
    if c.field == "hk_macau":
        return "unknown" if p.hk_macau is None else ("met" if p.hk_macau else "unmet")
    return "unknown"


def eligibility(m: Measure, p: Prospect) -> tuple[Eligibility, list[Check]]:
    """`no_conditions` when the measure states none; unmet if any stated condition is unmet; met only when every
    stated condition was checked against the prospect and holds; unknown otherwise (with the questions to ask)."""
    checks = []
    for c in m.conditions:
        status = check_condition(c, p)
        q = question(c) if status == "unknown" else (None, None)
        checks.append(Check(c.text, status, *q))
    statuses = {c.status for c in checks}
    if not checks:
        return "no_conditions", []
    if "unmet" in statuses:
        return "unmet", checks
    if "unknown" in statuses:
        return "unknown", checks
    return "met", checks
