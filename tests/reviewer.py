"""A reviewer who knows the curated measures: for the round-trip tests, it reviews machine proposals the way an
analyst would, accepting (and correcting) each proposal that holds a curated measure, splitting one that holds
several, rejecting the rest and adding by hand what the machine missed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matcher.kb import KnowledgeBase
from matcher.kb.documents import manifest_entry
from matcher.kb.extract.training import SpanFinder, covers
from matcher.kb.models import Measure

FIELDS = ("kind", "modality", "sectors", "location")


@dataclass
class Review:
    items: list[dict[str, Any]] = field(default_factory=list)  # the reviewed staging file
    accepted: int = 0  # proposals that hold a curated measure (kept, corrected where needed)
    split: int = 0  # further measures cut from an accepted proposal
    rejected: int = 0
    added: int = 0  # curated measures no proposal held
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))  # fields the machine had right


def curated(kb: KnowledgeBase, doc_id: str) -> list[tuple[str, Measure]]:
    return [(loc.id, m) for loc, m in kb.measures.values() if m.source.doc == doc_id]


def item_of(loc_id: str, m: Measure) -> dict[str, Any]:
    return {"location": loc_id, **m.model_dump(mode="json", exclude_defaults=True)}


def review(original: KnowledgeBase, doc_id: str, text: str, proposals: list[dict[str, Any]]) -> Review:
    """`proposals`: staging items with `review.span` offsets into `text`."""
    out = Review()
    finder = SpanFinder(text)
    spans = [tuple(p["review"]["span"]) for p in proposals]
    held: dict[int, list[tuple[str, Measure]]] = {}
    for loc_id, m in curated(original, doc_id):
        q = finder.find(m.source.quote)
        assert q is not None, f"{m.id}: curated quote not in the extracted text"
        hits = [i for i, s in enumerate(spans) if covers(s, q, text)]
        if not hits:
            out.items.append(item_of(loc_id, m))
            out.added += 1
            continue
        best = max(hits, key=lambda i: min(spans[i][1], q[1]) - max(spans[i][0], q[0]))
        held.setdefault(best, []).append((loc_id, m))
    for i, p in enumerate(proposals):
        if i not in held:
            out.items.append({**p, "review": {**p["review"], "status": "rejected"}})
            out.rejected += 1
            continue
        first, *more = held[i]
        out.accepted += 1
        out.split += len(more)
        for f in FIELDS:
            want = first[0] if f == "location" else getattr(first[1], f)
            out.right[f] += p.get(f) == want
        out.items.append({**item_of(*first), "review": {**p["review"], "status": "accepted"}})
        out.items += [item_of(*x) for x in more]
    return out


def reviewed_entry(original: KnowledgeBase, doc_id: str) -> dict[str, Any]:
    """The manifest entry as the reviewer corrects it: the curated one."""
    return manifest_entry(original.sources[doc_id].source)
