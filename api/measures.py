"""A measure as the web app shows it: its period and status, its modality, and where it is cited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from matcher.kb import KnowledgeBase
from matcher.kb.models import Location, Measure


def validity_of(kb: KnowledgeBase, m: Measure, day: dt.date) -> dict[str, Any]:
    """The measure's own period where it has one, else its document's; and its status on `day`."""
    period = kb.period_of(m)
    return {
        "status": period.status(day),
        "start": period.start,
        "end": period.end,
        "text": period.text,
        "own": m.valid is not None,
    }


def group_of(m: Measure, status: str) -> str:
    """offers | resources | focus | context | ended: the profile section a measure is listed under."""
    if m.usable:
        return "ended" if status == "ended" else "offers" if m.modality == "offer" else "resources"
    return "focus" if m.modality == "orientation" else "context"


def section_index(kb: KnowledgeBase, doc_id: str, path: str) -> int | None:
    for i, sec in enumerate(kb.sources[doc_id].sections):
        if sec.path == path:
            return i
    return None


def measure_view(kb: KnowledgeBase, owner: Location, m: Measure, place: Location, day: dt.date) -> dict[str, Any]:
    src = kb.sources[m.source.doc].source
    validity = validity_of(kb, m, day)
    inherited = owner.id != place.id
    amounts = [a.model_dump(mode="json") for a in m.amounts]
    return {
        "id": m.id,
        "kind": m.kind,
        "modality": m.modality,
        "group": group_of(m, validity["status"]),
        "sectors": list(m.sectors),
        "needs": list(m.needs),
        "title_zh": m.title_zh,
        "title_en": m.title_en,
        "offer_zh": m.offer_zh,
        "offer_en": m.offer_en,
        "conditions": [c.model_dump(mode="json") for c in m.conditions],
        "amounts": amounts,
        "lead": m.lead,
        "quote": m.source.quote,
        "doc_id": src.id,
        "doc_title": src.title,
        "doc_title_en": src.title_en,
        "section": m.source.section,
        "section_index": section_index(kb, src.id, m.source.section),
        "validity": validity,
        "location_id": owner.id,
        "location_level": owner.level,
        "inherited": inherited,
        "source_label_zh": f"来自{owner.name_zh}（{src.short_zh or src.title}）" if inherited else None,
        "source_label_en": f"from {owner.name_en} ({src.short_en or src.title_en})" if inherited else None,
    }
