"""Eligibility: whether a prospect meets the conditions a measure states, condition by condition."""

from __future__ import annotations

from .kb.models import Condition, Measure
from .prospect import Prospect
from .ranking import ConditionCheck, Eligibility


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
