"""Sector reading: which taxonomy sub-sectors a prospect is in, with confidence and the words that showed it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .kb.models import Taxonomy
from .scoring import calibrate, soft_or
from .text import normalize


@dataclass
class SectorReading:
    scores: dict[str, float]  # sector id -> confidence in [0, 1]
    matched: dict[str, list[str]] = field(default_factory=dict)  # sector id -> synonyms found in the text
    domain_hits: list[str] = field(default_factory=list)  # domain-level words found (pharma, 临床 …)

    @property
    def in_domain(self) -> float:
        """How surely the prospect is a biomedicine business at all: best sector confidence or domain words."""
        n = len(self.domain_hits)
        words = 0.0 if n == 0 else min(0.85, 0.5 + 0.15 * (n - 1))
        return max(max(self.scores.values(), default=0.0), words)

    def top(self, n: int = 5, floor: float = 0.2) -> list[tuple[str, float]]:
        ranked = sorted(self.scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(s, c) for s, c in ranked[:n] if c >= floor]


def term_pattern(term: str) -> re.Pattern[str]:
    t = normalize(term)
    if re.search(r"[\u4e00-\u9fff]", t):
        return re.compile(re.escape(t))
    # Short upper-case abbreviations (BE, CT, ICL) are matched case-sensitively so ordinary words do not hit.
    flags = 0 if (t.isupper() and len(t) <= 4) else re.IGNORECASE
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(t)}(?![A-Za-z0-9])", flags)


class Term:
    """A term with a cheap substring test in front of its regex (most terms are absent from most texts)."""

    __slots__ = ("text", "key", "pattern")

    def __init__(self, text: str):
        self.text = text
        self.key = normalize(text).lower()
        self.pattern = term_pattern(text)

    def found_in(self, text: str, lowered: str) -> bool:
        return self.key in lowered and self.pattern.search(text) is not None


class SectorReader:
    """Synonym hits and embedding similarity to each sector's prototype texts, fused."""

    def __init__(self, taxonomy: Taxonomy, emb_range: tuple[float, float]):
        """`emb_range`: the encoder's cosine to a sector prototype that means noise, and the one that means sure
        (ScoringParams.sector_emb_range)."""
        self.ids = list(taxonomy.sectors)
        self.emb_range = emb_range
        dt = taxonomy.domain_terms
        self._domain = [Term(t) for t in dict.fromkeys([*dt.zh, *dt.en]) if t]
        self._terms: dict[str, list[Term]] = {}
        for sid, s in taxonomy.sectors.items():
            terms = dict.fromkeys([s.zh, s.en, *s.synonyms_zh, *s.synonyms_en])
            self._terms[sid] = [Term(t) for t in terms if t]

    def prototypes(self, taxonomy: Taxonomy) -> list[str]:
        """Texts whose embeddings stand for each sector: two per sector (Chinese, English), in `self.ids` order."""
        out = []
        for sid in self.ids:
            s = taxonomy.sectors[sid]
            out.append(f"{s.zh}：{'、'.join(s.synonyms_zh[:12])}")
            out.append(f"{s.en}: {', '.join(s.synonyms_en[:12])}")
        return out

    def synonym_hits(self, text: str) -> dict[str, list[str]]:
        t = normalize(text)
        low = t.lower()
        hits: dict[str, list[str]] = {}
        for sid, terms in self._terms.items():
            found = [term.text for term in terms if term.found_in(t, low)]
            if found:
                hits[sid] = found
        return hits

    def read(self, text: str, proto_sims: np.ndarray) -> SectorReading:
        """`proto_sims`: cosine of the prospect to each prototype (2 per sector, `self.ids` order)."""
        hits = self.synonym_hits(text)
        sims = proto_sims.reshape(len(self.ids), 2).max(axis=1)
        emb = calibrate(sims, *self.emb_range)
        scores: dict[str, float] = {}
        for i, sid in enumerate(self.ids):
            n = len(hits.get(sid, []))
            syn = 0.0 if n == 0 else min(0.95, 0.6 + 0.15 * (n - 1))
            scores[sid] = round(float(soft_or([syn, float(emb[i])])), 4)
        t = normalize(text)
        low = t.lower()
        domain = [term.text for term in self._domain if term.found_in(t, low)]
        return SectorReading(scores=scores, matched=hits, domain_hits=domain)
