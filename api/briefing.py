"""A shortlist as an XLSX briefing: shortlist, evidence, incentives and ended-incentives sheets, in its language."""

from __future__ import annotations

from typing import Any

from matcher.ranking import IncentiveMatch, Ranking
from matcher.tabular import xlsx_cell

ELIGIBILITY = {
    "zh": {"met": "满足", "unmet": "不满足", "unknown": "待确认", "no_conditions": "未列条件"},
    "en": {"met": "met", "unmet": "not met", "unknown": "to confirm", "no_conditions": "no condition stated"},
}
HEADS = {
    "shortlist": (
        ("排名", "Rank"),
        ("地点", "Location"),
        ("层级", "Level"),
        ("城市", "City"),
        ("得分", "Score"),
        ("契合度", "Fit"),
        ("政策状态", "Policy status"),
        ("产业", "Sector"),
        ("政策", "Incentive"),
        ("有效性", "Validity"),
        ("理由", "Reason"),
    ),
    "evidence": (
        ("地点", "Location"),
        ("条款", "Clause"),
        ("原文", "Quote"),
        ("文件", "Document"),
        ("条目", "Section"),
        ("有效性", "Validity"),
        ("继承自", "Inherited from"),
    ),
    "incentives": (
        ("地点", "Location"),
        ("政策", "Incentive"),
        ("内容", "Offer"),
        ("类型", "Modality"),
        ("条件", "Eligibility"),
        ("待问企业", "To ask"),
        ("额度", "Amounts"),
        ("文件", "Document"),
        ("条目", "Section"),
        ("来源", "Source"),
    ),
    "ended": (
        ("地点", "Location"),
        ("政策", "Incentive"),
        ("文件", "Document"),
        ("到期日", "Ended on"),
        ("说明", "Note"),
    ),
}


def eligibility_word(i: IncentiveMatch, lang: str) -> str:
    """A measure that states no condition is never shown as "met"."""
    status = str(i.eligibility)
    if status == "met" and not i.conditions:
        status = "no_conditions"
    return ELIGIBILITY[lang].get(status, status)


def questions(i: IncentiveMatch) -> str:
    return "；".join(q for c in i.conditions if (q := getattr(c, "question", None)))


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def workbook(ranking: Ranking) -> Any:
    from openpyxl import Workbook

    lang = "zh" if ranking.lang == "zh" else "en"
    col = 0 if lang == "zh" else 1
    wb = Workbook()
    sheets = {}
    for n, name in enumerate(HEADS):
        ws = wb.active if n == 0 else wb.create_sheet(name)
        ws.title = name
        ws.append([h[col] for h in HEADS[name]])
        sheets[name] = ws

    def put(name: str, cells: list[Any]) -> None:
        sheets[name].append([xlsx_cell(v) for v in cells])

    for m in ranking.matches:
        c = m.components
        status = getattr(m, "policy_status", None)
        put(
            "shortlist",
            [m.rank, m.name, m.level, m.city, m.score, m.fit, status, c.sector, c.incentive, c.validity, m.reason],
        )
        for e in m.evidence:
            put(
                "evidence",
                [m.name, e.title, e.quote, e.doc_title, e.section, e.validity, e.location_id if e.inherited else ""],
            )
        for i in m.incentives:
            source = getattr(i, "source_label", None) or (i.location_id if i.inherited else "")
            put(
                "incentives",
                [
                    m.name,
                    i.title,
                    i.offer,
                    getattr(i, "modality", None),
                    eligibility_word(i, lang),
                    questions(i),
                    ", ".join(i.amounts),
                    i.doc_id,
                    i.section,
                    source,
                ],
            )
        for x in getattr(m, "ended_incentives", None) or []:
            put("ended", [m.name, _get(x, "title"), _get(x, "doc_title"), _get(x, "ended_on"), _get(x, "note")])
    return wb
