"""Which sectors a sentence names: the taxonomy's terms found in it, each kept, lifted to its domain, as the
curated measures of the training documents used that term."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ...sectors import grouped
from ..models import ALL_SECTORS, Taxonomy

MIN_SEEN = 2  # a term seen fewer times in the training sentences keeps its own sector
SURE = 0.5  # share of the training sentences with the term whose measures name the sector (or its domain)


@dataclass
class TermUse:
    seen: int = 0  # training sentences with the term, among measures that name sectors
    sector: int = 0  # of which the measure names the term's sector
    domain: int = 0  # of which the measure names the sector's domain


@dataclass
class SectorTerms:
    """The term matcher of the taxonomy, with how each term was used in the training documents."""

    taxonomy: Taxonomy
    uses: dict[tuple[str, str], TermUse] = field(default_factory=dict)  # (term, sector id) -> use

    def __post_init__(self) -> None:
        self._terms, self._owner = grouped(
            [(sid, [s.zh, *s.synonyms_zh, *s.synonyms_en]) for sid, s in self.taxonomy.sectors.items()]
        )
        self._domain = {s.id: d.id for d in self.taxonomy.domains for s in d.sectors}

    def found(self, text: str) -> list[tuple[str, str]]:
        """(term, sector id) for each taxonomy term in the text, in taxonomy order."""
        return list(dict.fromkeys((self._terms.terms[i].text, self._owner[i]) for i in self._terms.found(text)))

    @classmethod
    def fit(cls, taxonomy: Taxonomy, examples: Sequence[tuple[str, Sequence[str]]]) -> SectorTerms:
        """`examples`: (sentence, the curated measure's sectors) from the training documents."""
        out = cls(taxonomy)
        for text, sectors in examples:
            if list(sectors) == [ALL_SECTORS]:
                continue
            named = set(sectors)
            for term, sid in out.found(text):
                use = out.uses.setdefault((term, sid), TermUse())
                use.seen += 1
                use.sector += sid in named
                use.domain += out._domain[sid] in named
        return out

    def sectors(self, text: str) -> list[str]:
        """Sector (or domain) ids the text names, in order; empty when it names none. A term the curators
        mostly read as its domain (医疗器械 for the device domain) gives the domain."""
        out: Counter[str] = Counter()
        for term, sid in self.found(text):
            use = self.uses.get((term, sid))
            if use is None or use.seen < MIN_SEEN or use.sector >= SURE * use.seen:
                out[sid] += 1
            elif use.domain >= SURE * use.seen:
                out[self._domain[sid]] += 1
            else:
                out[sid] += 1
        return list(out)
