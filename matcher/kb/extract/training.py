"""Training data from the curated knowledge base: which units are measures, and the measures' labels."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from ..base import KnowledgeBase, SourceText
from ..models import Measure
from ..sections import Part, squash
from .segment import Segmented, Unit, segment


def covers(unit_span: tuple[int, int], quote_span: tuple[int, int], text: str) -> bool:
    """Whether a unit holds at least half of a quote's characters, whitespace removed (the evaluation's rule)."""
    a, b = max(unit_span[0], quote_span[0]), min(unit_span[1], quote_span[1])
    if a >= b:
        return False
    return len(squash(text[a:b])) * 2 >= len(squash(text[quote_span[0] : quote_span[1]]))


class SpanFinder:
    """Character spans of quotes in a text, matched with whitespace removed."""

    def __init__(self, text: str):
        self.text = text
        self._idx = [i for i, ch in enumerate(text) if not ch.isspace()]
        self._squashed = "".join(text[i] for i in self._idx)

    def find(self, quote: str, start: int = 0) -> tuple[int, int] | None:
        q = squash(quote)
        if not q:
            return None
        from_sq = next((k for k, i in enumerate(self._idx) if i >= start), len(self._idx))
        p = self._squashed.find(q, from_sq)
        if p < 0:
            return None
        return self._idx[p], self._idx[p + len(q) - 1] + 1


@dataclass
class CuratedDoc:
    """One curated document: its segmentation (with the manifest's parts) and its measures with their spans."""

    doc: str
    seg: Segmented
    measures: list[tuple[str, Measure, tuple[int, int]]]  # (location id, measure, quote span)

    def measure_units(self, keep: Callable[[Unit], bool]) -> list[tuple[Unit, Measure]]:
        """Each measure with the unit that holds most of its quote (among those `keep` accepts)."""
        units = [u for u in self.seg.units if keep(u)]
        out = []
        for _, m, span in self.measures:
            hits = [u for u in units if covers((u.start, u.end), span, self.seg.text)]
            if hits:
                out.append((max(hits, key=lambda u: min(u.end, span[1]) - max(u.start, span[0])), m))
        return out

    def positive(self, unit: Unit) -> bool:
        return any(covers((unit.start, unit.end), span, self.seg.text) for _, _, span in self.measures)


def curated_doc(kb: KnowledgeBase, doc: str) -> CuratedDoc:
    src: SourceText = kb.sources[doc]
    parts = [Part(p.label, p.starts, p.ledger) for p in src.source.parts]
    seg = segment(src.text, parts)
    finder = SpanFinder(src.text)
    out = []
    for loc, m in kb.measures.values():
        if m.source.doc != doc:
            continue
        sec = src.by_path.get(m.source.section)
        span = finder.find(m.source.quote, sec.start if sec else 0) or finder.find(m.source.quote)
        if span is not None:
            out.append((loc.id, m, span))
    return CuratedDoc(doc, seg, out)


def curated_docs(kb: KnowledgeBase, exclude: Collection[str] = ()) -> list[CuratedDoc]:
    """Every curated document except those excluded (the one under evaluation never trains anything)."""
    return [curated_doc(kb, d) for d in kb.sources if d not in exclude]
