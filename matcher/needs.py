"""Needs reading: which incentive kinds matter to a prospect, and whether it meets a measure's conditions."""

from __future__ import annotations

from dataclasses import dataclass

from .kb.models import Condition, Measure, Taxonomy
from .prospect import Prospect
from .ranking import ConditionCheck, Eligibility
from .sectors import grouped

# What a company at each stage typically looks for when it does not say.
STAGE_NEEDS: dict[str, dict[str, float]] = {
    "seed": {"funding_early": 0.7, "rd_services": 0.5, "talent": 0.4, "grants": 0.5, "land_plant": 0.2},
    "startup": {"funding_early": 0.6, "rd_services": 0.4, "talent": 0.5, "grants": 0.5, "land_plant": 0.3},
    "growth": {"funding_growth": 0.6, "land_plant": 0.5, "gmp_plant": 0.4, "pilot_cdmo": 0.3, "talent": 0.4},
    "mature": {"land_plant": 0.5, "market_access": 0.5, "overseas_market": 0.4, "listing": 0.3, "tax_relief": 0.3},
    "listed": {"land_plant": 0.5, "market_access": 0.5, "overseas_market": 0.4, "tax_relief": 0.3},
}
# Every company can use space, money and people; a small prior keeps incentives in play when nothing is said.
DEFAULT_NEEDS = {"land_plant": 0.3, "grants": 0.3, "funding_growth": 0.25, "talent": 0.25, "tax_relief": 0.2}


@dataclass(frozen=True)
class NeedWeight:
    weight: float
    source: str  # stated | text | stage | default


class NeedsReader:
    def __init__(self, taxonomy: Taxonomy):
        self.names = {n.id: (n.zh, n.en) for n in taxonomy.needs}
        self._terms, self._owner = grouped([(n.id, [*n.synonyms_zh, *n.synonyms_en]) for n in taxonomy.needs])
        self.kind_needs = {k.id: list(k.needs) for k in taxonomy.incentive_kinds}

    def check_known(self, needs: list[str]) -> None:
        bad = [n for n in needs if n not in self.names]
        if bad:
            raise ValueError(f"unknown need(s) {bad}; choose from {sorted(self.names)}")

    def read(self, prospect: Prospect) -> dict[str, NeedWeight]:
        self.check_known(prospect.needs)
        out: dict[str, NeedWeight] = {}

        def put(nid: str, w: float, src: str) -> None:
            if nid not in out or out[nid].weight < w:
                out[nid] = NeedWeight(w, src)

        for nid, w in DEFAULT_NEEDS.items():
            put(nid, w, "default")
        for nid, w in STAGE_NEEDS.get(prospect.stage or "", {}).items():
            put(nid, w, "stage")
        for nid in dict.fromkeys(self._owner[i] for i in self._terms.found(prospect.text)):
            put(nid, 0.8, "text")
        if prospect.hk_macau:
            put("hk_macau", 0.8, "stated")
        for nid in prospect.needs:
            put(nid, 1.0, "stated")
        return out

    def needs_of(self, m: Measure) -> list[str]:
        """The needs a measure answers: its own list, else its kind's. Only offers and resources answer any: a
        target, task, encouragement or orientation does not inherit its kind's needs."""
        if not m.usable:
            return []
        return list(m.needs) or self.kind_needs.get(m.kind, [])


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


def eligibility(m: Measure, p: Prospect) -> tuple[Eligibility, list[ConditionCheck]]:
    """Unmet if any stated condition is unmet; met if all are met (or none is stated); unknown otherwise."""
    checks = [ConditionCheck(text=c.text, status=check_condition(c, p)) for c in m.conditions]
    statuses = {c.status for c in checks}
    if "unmet" in statuses:
        return "unmet", checks
    if "unknown" in statuses:
        return "unknown", checks
    return "met", checks


ELIGIBILITY_FACTOR: dict[str, float] = {"met": 1.0, "unknown": 0.75, "unmet": 0.1}
