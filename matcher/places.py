"""Place reading: the locations a prospect's description names, by name, alias or affinity word."""

from __future__ import annotations

import re

from .kb import KnowledgeBase
from .kb.models import NOT_CANDIDATES
from .sectors import TermSet
from .text import normalize

# Institutions named after a place that are not the place: 中山大学 is in Guangzhou, not in Zhongshan.
NOT_PLACES = re.compile(r"中山大学|中山医|中山[一二三五六七八]院|中山眼科|中山肿瘤|Sun Yat-sen", re.IGNORECASE)
AFFINITY_WEIGHT = 0.6


class PlaceReader:
    def __init__(self, kb: KnowledgeBase):
        terms: list[tuple[str, str, float]] = []
        for loc in kb.locations.values():
            if loc.level in NOT_CANDIDATES:
                continue
            for t in dict.fromkeys([loc.name_zh, loc.name_en, *loc.aliases]):
                terms.append((t, loc.id, 1.0))
            for t in loc.affinity:
                terms.append((t, loc.id, AFFINITY_WEIGHT))
        by_term: dict[str, list[tuple[str, float]]] = {}
        for t, loc_id, w in terms:
            by_term.setdefault(t, []).append((loc_id, w))
        # Longest first, so that 坝光国际生物谷 is read before 生物谷 and claims the span.
        ordered = sorted(by_term, key=lambda t: (-len(t), t))
        self._terms = TermSet(ordered)
        self._places = [sorted(by_term[t]) for t in ordered]

    def read(self, text: str) -> dict[str, tuple[float, str]]:
        """location id -> (weight, the words that named it); overlapping mentions go to the longer term."""
        t = NOT_PLACES.sub(lambda m: "#" * len(m.group()), normalize(text))
        low = t.lower()
        taken: list[tuple[int, int]] = []
        out: dict[str, tuple[float, str]] = {}
        for i in self._terms.candidates(low):
            term_, places = self._terms.terms[i], self._places[i]
            term = term_.text
            for m in term_.pattern.finditer(t):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                for loc_id, w in places:  # one word may point to several places (澳门 → 横琴 and its TCM park)
                    if loc_id not in out or out[loc_id][0] < w:
                        out[loc_id] = (w, term)
        return out
