"""The ranking the engine returns: the same object for the library, the CLI and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from .kb.models import ValidityStatus

Fit = Literal["strong", "good", "weak", "none"]
Eligibility = Literal["met", "unmet", "unknown"]


class Evidence(BaseModel):
    """A policy clause behind a location's sector fit, quoted verbatim."""

    measure_id: str
    kind: str
    title: str
    quote: str
    doc_id: str
    doc_title: str
    section: str
    validity: ValidityStatus
    location_id: str  # where the measure is recorded (the location itself or an ancestor)
    inherited: bool
    score: float


class ConditionCheck(BaseModel):
    text: str
    status: Eligibility


class IncentiveMatch(BaseModel):
    """A measure the company could use, and whether its stated conditions are met."""

    measure_id: str
    kind: str
    title: str
    offer: str
    needs: list[str]
    eligibility: Eligibility
    conditions: list[ConditionCheck] = Field(default_factory=list)
    amounts: list[str] = Field(default_factory=list)
    quote: str
    doc_id: str
    section: str
    validity: ValidityStatus
    location_id: str
    inherited: bool
    score: float


class Components(BaseModel):
    sector: float
    incentive: float
    validity: float
    place: float = Field(
        default=0.0, description="1 when the description names the location, less for its parks or parent."
    )


class LocationMatch(BaseModel):
    rank: int
    location_id: str
    name: str  # in the prospect's language
    name_zh: str
    name_en: str
    level: str
    city: str | None
    district: str | None
    lat: float
    lon: float
    coordinate_precision: str
    score: float
    fit: Fit
    components: Components
    reason: str
    evidence: list[Evidence]
    incentives: list[IncentiveMatch]
    also_in: list[str] = Field(default_factory=list, description="Parks folded into this match: no own fit beyond it.")
    hosts: str | None = Field(
        default=None, description="For a district ranked by a park inside it: that park's id (its fit lifted this one)."
    )


class SectorSignal(BaseModel):
    id: str
    name: str
    confidence: float
    matched: list[str] = Field(default_factory=list)


class PlaceSignal(BaseModel):
    id: str
    name: str
    matched: str
    weight: float


class NeedSignal(BaseModel):
    id: str
    name: str
    weight: float
    source: Literal["stated", "text", "stage", "default"]


class Ranking(BaseModel):
    lang: Literal["zh", "en"]
    preset: str
    weights: dict[str, float]
    as_of: dt.date
    model: str
    kb_hash: str
    sectors: list[SectorSignal]
    needs: list[NeedSignal]
    in_domain: float
    places: list[PlaceSignal] = Field(default_factory=list)
    matches: list[LocationMatch]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates as ISO strings)."""
        return self.model_dump(mode="json")

    def top(self, k: int) -> list[LocationMatch]:
        return self.matches[:k]
