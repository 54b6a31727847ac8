"""Sector reading: which taxonomy sub-sectors a prospect is in, with confidence and the words that showed it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import ahocorasick
import numpy as np

from .kb.models import Taxonomy
from .scoring import calibrate, max_last, soft_or
from .text import normalize

# Words of a sector in the text: the first makes it likely, each further one adds, never quite certain (the encoder's
# view may still add to it through the soft-or).
SYNONYM_FIRST, SYNONYM_STEP, SYNONYM_CAP = 0.6, 0.15, 0.95
# Domain words (制药, clinical …) without a sector: biomedicine, but no niche; capped below a sector word's sureness.
DOMAIN_FIRST, DOMAIN_STEP, DOMAIN_CAP = 0.5, 0.15, 0.85


@dataclass
class SectorReading:
    scores: dict[str, float]  # sector id -> confidence in [0, 1]
    matched: dict[str, list[str]] = field(default_factory=dict)  # sector id -> synonyms found in the text
    domain_hits: list[str] = field(default_factory=list)  # domain-level words found (pharma, 临床 …)

    @property
    def in_domain(self) -> float:
        """How surely the prospect is a biomedicine business at all: best sector confidence or domain words."""
        n = len(self.domain_hits)
        words = 0.0 if n == 0 else min(DOMAIN_CAP, DOMAIN_FIRST + DOMAIN_STEP * (n - 1))
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
    """A term: its lower-cased key, for a cheap substring test, and the regex that confirms a match (compiled when
    first needed: most of the taxonomy's 1,500 terms never occur in a given list, and compiling them all took
    0.2 s of every process's start)."""

    __slots__ = ("text", "key", "_pattern")

    def __init__(self, text: str):
        self.text = text
        self.key = normalize(text).lower()
        self._pattern: re.Pattern[str] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        if self._pattern is None:  # two threads may both compile it: the same pattern either way
            self._pattern = term_pattern(self.text)
        return self._pattern


class TermSet:
    """Many terms searched at once: one Aho-Corasick pass over the lower-cased text finds the terms whose key
    occurs, and only those run their regex. Same answers as `Term.found_in` over each term, in one pass."""

    def __init__(self, texts: Iterable[str]):
        self.terms = [Term(t) for t in texts]  # indices follow `texts`; an empty term never matches
        self._auto = ahocorasick.Automaton()
        for i, t in enumerate(self.terms):
            if not t.key:
                continue
            if t.key in self._auto:
                self._auto.get(t.key).append(i)
            else:
                self._auto.add_word(t.key, [i])
        self._auto.make_automaton()

    def candidates(self, lowered: str) -> list[int]:
        """Indices of the terms whose key occurs in `lowered`, in term order."""
        if len(self._auto) == 0:
            return []
        return sorted({i for _, idx in self._auto.iter(lowered) for i in idx})

    def found(self, text: str) -> list[int]:
        """Indices of the terms found in `text` (normalised first), in term order."""
        t = normalize(text)
        return [i for i in self.candidates(t.lower()) if self.terms[i].pattern.search(t) is not None]


def grouped(groups: Sequence[tuple[str, Sequence[str]]]) -> tuple[TermSet, list[str]]:
    """One TermSet over several named groups of terms, and each term's group."""
    texts, owner = [], []
    for gid, terms in groups:
        for t in dict.fromkeys(terms):
            if t and normalize(t):
                texts.append(t)
                owner.append(gid)
    return TermSet(texts), owner


class SectorReader:
    """Synonym hits and embedding similarity to each sector's prototype texts, fused."""

    def __init__(self, taxonomy: Taxonomy):
        self.ids = list(taxonomy.sectors)
        self.col = {sid: i for i, sid in enumerate(self.ids)}
        dt = taxonomy.domain_terms
        self._domain = TermSet(dict.fromkeys([*dt.zh, *dt.en]))
        self._terms, self._owner = grouped(
            [(sid, [s.zh, s.en, *s.synonyms_zh, *s.synonyms_en]) for sid, s in taxonomy.sectors.items()]
        )

    def prototypes(self, taxonomy: Taxonomy) -> list[str]:
        """Texts whose embeddings stand for each sector: two per sector (Chinese, English), in `self.ids` order."""
        out = []
        for sid in self.ids:
            s = taxonomy.sectors[sid]
            out.append(f"{s.zh}：{'、'.join(s.synonyms_zh[:12])}")
            out.append(f"{s.en}: {', '.join(s.synonyms_en[:12])}")
        return out

    def synonym_hits(self, text: str) -> dict[str, list[str]]:
        """sector id -> its terms found in the text (sectors and terms in taxonomy order)."""
        hits: dict[str, list[str]] = {}
        for i in self._terms.found(text):
            hits.setdefault(self._owner[i], []).append(self._terms.terms[i].text)
        return hits

    def read_many(
        self, texts: Sequence[str], proto_sims: np.ndarray, emb_range: tuple[float, float]
    ) -> list[SectorReading]:
        """`proto_sims`: texts × prototypes, the cosine of each text to each prototype (2 per sector, `self.ids`
        order); `emb_range`: the cosine that means noise, and the one that means sure
        (ScoringParams.sector_emb_range). The encoder's view is computed for all texts at once."""
        sims = max_last(proto_sims.reshape(len(texts), len(self.ids), 2))
        emb = calibrate(sims, *emb_range).astype(np.float64)
        hits = [self.synonym_hits(t) for t in texts]
        syn = np.zeros(emb.shape)
        for k, found in enumerate(hits):
            for sid, words in found.items():
                syn[k, self.col[sid]] = min(SYNONYM_CAP, SYNONYM_FIRST + SYNONYM_STEP * (len(words) - 1))
        fused = soft_or(np.stack([syn, emb]))
        scores = [dict.fromkeys(self.ids, 0.0) for _ in texts]
        rows, cols = np.nonzero(fused)  # most sectors are nothing like a given description
        for k, c, v in zip(rows.tolist(), cols.tolist(), fused[rows, cols].tolist(), strict=True):
            scores[k][self.ids[c]] = round(v, 4)
        return [
            SectorReading(
                scores=sc, matched=found, domain_hits=[self._domain.terms[i].text for i in self._domain.found(t)]
            )
            for t, found, sc in zip(texts, hits, scores, strict=True)
        ]
