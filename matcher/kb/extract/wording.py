"""Titles and offer sentences for a proposal, in Chinese from the quote and in English from templates.

There is no offline translation model: the English is built from the kind, sectors, place, amounts and
conditions only, so it is a draft that a reviewer must rewrite."""

from __future__ import annotations

import re

from ..models import ALL_SECTORS, Taxonomy
from .fields import AmountProposal, ConditionProposal

_LEADING = re.compile(
    r"^(?:[一二三四五六七八九十]是|\d+\s*[.．、]|[（(][一二三四五六七八九十\d]+[）)])?\s*"
    r"(?:进一步|大力|积极|加快|全力|重点|着力|持续|继续|优先|探索|努力|深入|不断)*"
)
_KIND_EN = {
    "sector_focus": "Sector focus",
    "platform": "Platform",
    "carrier": "Industrial space",
    "fund": "Investment fund",
    "finance": "Financing support",
    "subsidy": "Subsidy",
    "rd_program": "R&D programme",
    "tax": "Tax incentive",
    "land": "Land supply",
    "talent": "Talent support",
    "regulatory": "Regulatory fast lane",
    "clinical": "Clinical resources",
    "customs": "Customs facilitation",
    "market_access": "Market access",
    "service": "Business services",
    "cooperation": "Cooperation",
}
_COMPANY_EN = {
    "leader": "leading enterprises",
    "high_growth": "high-growth firms",
    "tech_sme": "tech SMEs",
    "small_micro": "small and micro firms",
    "multinational": "multinationals",
    "hk_macau_firm": "Hong Kong and Macau firms",
    "service_provider": "service providers",
    "medical_institution": "medical institutions",
    "research_institute": "research institutes",
    "investor": "investors",
    "university": "universities",
}


def title_zh(quote: str, limit: int = 24) -> str:
    """The quote's first clause without its numbering and adverbs, cut at `limit` characters."""
    first = re.split(r"[，。；：,;]", quote.strip(), maxsplit=1)[0]
    first = _LEADING.sub("", first).strip() or quote.strip()
    return first[:limit]


def offer_zh(quote: str, place_zh: str) -> str:
    body = _LEADING.sub("", quote.strip()).rstrip("；;，,")
    body = body if body.endswith("。") else body + "。"
    return body if body.startswith(place_zh) else f"{place_zh}：{body}"


def sector_names_en(taxonomy: Taxonomy, sectors: list[str]) -> str:
    if sectors == [ALL_SECTORS]:
        return "all biomedicine sectors"
    names = {d.id: d.en for d in taxonomy.domains} | {s.id: s.en for s in taxonomy.sectors.values()}
    return ", ".join(names.get(s, s) for s in sectors[:4]) + (" …" if len(sectors) > 4 else "")


def _money(v: float) -> str:
    if v >= 1e8:
        return f"CNY {v / 1e8:g} billion" if v < 1e9 else f"CNY {v / 1e9:g} billion"
    return f"CNY {v / 1e6:g} million" if v >= 1e6 else f"CNY {v:,.0f}"


def amount_en(a: AmountProposal) -> str:
    def fmt(v: float) -> str:
        return {"CNY": _money(v), "percent": f"{v:g}%", "m2": f"{v:,.0f} m²", "km2": f"{v:g} km²"}.get(a.unit, f"{v:g}")

    if a.min is not None and a.max is not None and a.min != a.max:
        value = f"{fmt(a.min)}–{fmt(a.max)}"
    elif a.max is not None and a.min is None:
        value = f"up to {fmt(a.max)}"
    elif a.min is not None and a.max is None:
        value = f"at least {fmt(a.min)}"
    else:
        value = fmt(a.min if a.min is not None else 0.0)
    return f"{a.label_en} {value}"


def title_en(kind: str, taxonomy: Taxonomy, sectors: list[str]) -> str:
    return f"{_KIND_EN.get(kind, kind)}: {sector_names_en(taxonomy, sectors)}"


def offer_en(
    kind: str,
    taxonomy: Taxonomy,
    sectors: list[str],
    place_en: str,
    amounts: list[AmountProposal],
    conditions: list[ConditionProposal],
) -> str:
    kind_zh_en = next((k.en for k in taxonomy.incentive_kinds if k.id == kind), kind)
    parts = [f"{place_en}: {kind_zh_en.lower()} for {sector_names_en(taxonomy, sectors)}"]
    if amounts:
        parts.append("; ".join(amount_en(a) for a in amounts[:3]))
    who = [
        _COMPANY_EN[str(v)] for c in conditions if c.field == "company_type" for v in c.values if str(v) in _COMPANY_EN
    ]
    if who:
        parts.append("for " + ", ".join(dict.fromkeys(who)))
    return ". ".join(parts) + ". [machine draft: rewrite from the quote]"
