"""What extraction produces, as plain data a service job can store: the proposals, the skipped sections, the
manifest entry and what could not be read."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from .fields import AmountProposal, ConditionProposal, Validity
from .manifest import ManifestProposal
from .read import Gap


@dataclass
class Proposal:
    """One proposed measure: the fields of a curated measure plus where its quote sits and how sure each field is."""

    id: str
    location: str  # an existing location id, or "NEW: 名称"
    kind: str
    modality: str
    sectors: list[str]
    needs: list[str]
    title_zh: str
    title_en: str
    offer_zh: str
    offer_en: str
    doc: str
    section: str
    quote: str
    start: int  # character offsets of the quote in the extracted text
    end: int
    amounts: list[AmountProposal] = field(default_factory=list)
    conditions: list[ConditionProposal] = field(default_factory=list)
    valid: Validity | None = None
    lead: str | None = None
    confidence: dict[str, float] = field(default_factory=dict)
    location_evidence: str = ""
    location_parent: str | None = None  # for a new place
    location_sentence: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _plain(asdict(self))
        return out


@dataclass
class Skipped:
    section: str
    reason: str


@dataclass
class Extraction:
    doc_id: str
    filename: str
    format: str
    text: str
    manifest: ManifestProposal
    proposals: list[Proposal]
    skipped: list[Skipped]
    gaps: list[Gap]
    notes: list[str]
    trained_on: list[str]  # the curated documents the classifiers learnt from

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data (dates as ISO strings)."""
        out: dict[str, Any] = _plain(
            {
                "doc_id": self.doc_id,
                "filename": self.filename,
                "format": self.format,
                "text": self.text,
                "manifest": self.manifest.entry(),
                "manifest_confidence": self.manifest.confidences(),
                "proposals": [p.to_dict() for p in self.proposals],
                "skipped": [asdict(s) for s in self.skipped],
                "gaps": [asdict(g) for g in self.gaps],
                "notes": self.notes,
                "trained_on": self.trained_on,
            }
        )
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
