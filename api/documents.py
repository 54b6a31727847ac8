"""The policy library: a document's text, its section outline and where each measure's quote sits in it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from matcher.kb import KnowledgeBase
from matcher.kb.base import SourceText
from matcher.kb.sections import leaf_paths

from .measures import validity_of


def squash_index(text: str) -> list[int]:
    """For each character of the whitespace-free text, its offset in `text`."""
    return [i for i, c in enumerate(text) if not c.isspace()]


def quote_span(src: SourceText, section: str, quote: str, index: list[int]) -> tuple[int, int] | None:
    """Where `quote` sits in the document (offsets in the original text), searched within its section first.

    Quotes match the source with all whitespace removed, so the match is made in the squashed text and mapped back;
    the span runs from the quote's first character to its last, page-break whitespace inside included."""
    needle = "".join(quote.split())
    if not needle:
        return None
    sec = src.by_path.get(section)
    lo = 0
    if sec is not None:  # offset of the section's start in the squashed text
        lo = _squashed_offset(index, sec.start)
    at = src.squashed.find(needle, lo)
    if at < 0:
        at = src.squashed.find(needle)
    if at < 0:
        return None
    return index[at], index[at + len(needle) - 1] + 1


def _squashed_offset(index: list[int], offset: int) -> int:
    from bisect import bisect_left

    return bisect_left(index, offset)


@dataclass
class Span:
    measure_id: str
    start: int
    end: int
    section: str
    citation: int  # which of the measure's citations: 0 is its source, then its `also_cited`

    @property
    def primary(self) -> bool:
        return self.citation == 0


def measure_spans(kb: KnowledgeBase, doc_id: str) -> list[Span]:
    src = kb.sources[doc_id]
    index = squash_index(src.text)
    out = []
    for _loc, m in kb.measures.values():
        for n, c in enumerate(m.citations):
            if c.doc != doc_id:
                continue
            span = quote_span(src, c.section, c.quote, index)
            if span is not None:
                out.append(Span(m.id, span[0], span[1], c.section, n))
    return sorted(out, key=lambda s: (s.start, -s.end, s.measure_id))


def depth_of(path: str) -> int:
    """0 for the preamble, 1 for "三、" or an attachment heading, 2 for "三、（一）" or a ledger row, and so on."""
    if not path:
        return 0
    prefix, _, body = path.rpartition(" ")
    if not prefix and body.startswith("附件"):
        return 1
    return (1 if prefix else 0) + sum(body.count(c) for c in ("、", "（", ".", "第"))


def summary(kb: KnowledgeBase, doc_id: str, today: dt.date) -> dict[str, Any]:
    s = kb.sources[doc_id].source
    return {
        "id": s.id,
        "title": s.title,
        "title_en": s.title_en,
        "short_zh": s.short_zh,
        "short_en": s.short_en,
        "issuer": s.issuer,
        "doc_number": s.doc_number,
        "issued": s.issued,
        "level": s.level,
        "location": s.location,
        "period": s.period.model_dump(),
        "status": s.status(today),
        "as_of": today,
        "measures": sum(1 for _l, m in kb.measures.values() if m.source.doc == doc_id),
    }


def document(kb: KnowledgeBase, doc_id: str, today: dt.date) -> dict[str, Any]:
    """Summary, full text, sections (outline, with why a section carries no measure) and measure spans."""
    src = kb.sources[doc_id]
    spans = measure_spans(kb, doc_id)
    leaves = set(leaf_paths(src.sections))
    cited: dict[str, int] = {}
    for sp in spans:
        cited[sp.section] = cited.get(sp.section, 0) + 1
    sections = []
    for i, sec in enumerate(src.sections):
        sections.append(
            {
                "index": i,
                "path": sec.path,
                "title": sec.title[:120],
                "start": sec.start,
                "end": sec.end,
                "depth": depth_of(sec.path),
                "leaf": sec.path in leaves,
                "measures": cited.get(sec.path, 0),
                "no_measures": src.source.no_measures.get(sec.path),
            }
        )
    measures = {}
    for sp in spans:
        if sp.measure_id in measures:
            continue
        loc, m = kb.measures[sp.measure_id]
        measures[m.id] = {
            "id": m.id,
            "kind": m.kind,
            "modality": getattr(m, "modality", None),
            "title_zh": m.title_zh,
            "title_en": m.title_en,
            "offer_zh": m.offer_zh,
            "offer_en": m.offer_en,
            "location_id": loc.id,
            "location_zh": loc.name_zh,
            "location_en": loc.name_en,
            "section": m.source.section if m.source.doc == doc_id else sp.section,
            "validity": validity_of(kb, m, today),
        }
    return {
        **summary(kb, doc_id, today),
        "text": src.text,
        "sections": sections,
        "spans": [{**sp.__dict__, "primary": sp.primary} for sp in spans],
        "measure_info": list(measures.values()),
    }
