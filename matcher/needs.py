"""Needs reading: which incentive kinds matter to a prospect (stated, in its text, from its stage, or by default)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .kb.models import Measure, Taxonomy
from .prospect import Prospect
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
TEXT_WEIGHT = 0.8  # a need the description words (厂房, 融资 …): likely, but less sure than one the officer ticks
STATED_WEIGHT = 1.0


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
        out = dict(self._prior(prospect.stage))
        for nid in dict.fromkeys(self._owner[i] for i in self._terms.found(prospect.text)):
            self._put(out, nid, TEXT_WEIGHT, "text")
        if prospect.hk_macau:
            self._put(out, "hk_macau", TEXT_WEIGHT, "stated")  # a flag, not the officer naming the need
        for nid in prospect.needs:
            self._put(out, nid, STATED_WEIGHT, "stated")
        return out

    @lru_cache(maxsize=len(STAGE_NEEDS) + 1)  # noqa: B019  # the reader lives as long as its index
    def _prior(self, stage: str | None) -> dict[str, NeedWeight]:
        """The needs every company has, then those of its stage (read-only: copied by `read`)."""
        out: dict[str, NeedWeight] = {}
        for nid, w in DEFAULT_NEEDS.items():
            self._put(out, nid, w, "default")
        for nid, w in STAGE_NEEDS.get(stage or "", {}).items():
            self._put(out, nid, w, "stage")
        return out

    def _put(self, out: dict[str, NeedWeight], nid: str, w: float, src: str) -> None:
        if nid not in self.names:  # a default or stage need this taxonomy does not have
            return
        if nid not in out or out[nid].weight < w:
            out[nid] = NeedWeight(w, src)

    def needs_of(self, m: Measure) -> list[str]:
        """The needs a measure answers: its own list, else its kind's. Only offers and resources answer any: a
        target, task, encouragement or orientation does not inherit its kind's needs."""
        if not m.usable:
            return []
        return list(m.needs) or self.kind_needs.get(m.kind, [])
