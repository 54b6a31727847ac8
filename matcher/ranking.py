"""The ranking the engine returns: the same object for the library, the CLI and the API; and its brief, the plain
data a list keeps of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, Field

from .kb.models import ValidityStatus

Fit = Literal["strong", "good", "weak", "none"]
# met: every stated condition checked and holds; no_conditions: the measure states none; unknown: the prospect's
# data cannot tell (each such condition carries the question to ask); unmet: a stated condition fails.
Eligibility = Literal["met", "unmet", "unknown", "no_conditions"]
# current: every document behind the fit is in force on the date; ended: none is; partly_ended: some are.
PolicyStatus = Literal["current", "partly_ended", "ended"]
RankLevel = Literal["landing", "city"]


class Evidence(BaseModel):
    """A policy clause behind a location's sector fit, quoted verbatim."""

    measure_id: str
    kind: str
    modality: str = Field(description="offer, resource, orientation, target, task or encouragement")
    title: str
    quote: str
    doc_id: str
    doc_title: str
    section: str
    validity: ValidityStatus
    discounted: bool = Field(description="counted less toward fit: the measure is not in force on the date")
    location_id: str  # where the measure is recorded (the location itself or an ancestor)
    inherited: bool
    source_label: str | None = Field(
        default=None, description="Where an inherited clause comes from, e.g. 来自深圳市（深圳2020实施方案）."
    )
    score: float


class ConditionCheck(BaseModel):
    text: str = Field(description="The condition's words, verbatim from the quote.")
    status: Literal["met", "unmet", "unknown"]
    question: str | None = Field(default=None, description="What to ask the company when the status is unknown.")


class IncentiveMatch(BaseModel):
    """An offer or resource in force on the date that the company could use, and whether its stated conditions
    are met."""

    measure_id: str
    kind: str
    modality: str = Field(description="offer or resource")
    title: str
    offer: str
    needs: list[str]
    eligibility: Eligibility
    conditions: list[ConditionCheck] = Field(default_factory=list)
    amounts: list[str] = Field(default_factory=list, description="What a company may get (benefit amounts only).")
    quote: str
    doc_id: str
    section: str
    validity: ValidityStatus
    valid_until: dt.date | None = Field(default=None, description="The last day the measure holds, where stated.")
    location_id: str
    inherited: bool
    source_label: str | None = None
    score: float


class EndedIncentive(BaseModel):
    """An offer or resource that would answer the prospect's needs here but is not in force on the date."""

    measure_id: str
    kind: str
    modality: str
    title: str
    quote: str
    doc_id: str
    doc_title: str
    section: str
    validity: ValidityStatus
    ended_on: dt.date | None = Field(description="The last day it held (null when it has not started yet).")
    location_id: str
    inherited: bool
    note: str = Field(description="Which document ended and when, and what to check.")


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
    policy_status: PolicyStatus = Field(description="Whether the documents behind the fit are in force on the date.")
    evidence: list[Evidence]
    incentives: list[IncentiveMatch] = Field(description="Usable offers and resources in force on the date.")
    ended_incentives: list[EndedIncentive] = Field(
        default_factory=list, description="Offers and resources here that answered the needs but have lapsed."
    )
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
    level: RankLevel = Field(
        default="landing",
        description="landing: parks, zones, districts, and cities with nothing below them; city: cities.",
    )
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


# --- the brief: what a list keeps, as plain data (`Matcher.match_many(..., form="brief")`) ---------------------------


class Cite(NamedTuple):
    """A clause behind a fit as a reason and a list cite it."""

    title: str
    quote: str
    doc_id: str
    section: str
    validity: str


@dataclass(frozen=True, slots=True)
class BriefMatch:
    """A shortlist entry with the values its `LocationMatch` has: the location, score, fit, sector fit, reason and
    the clauses behind the fit (best first)."""

    rank: int
    location_id: str
    name: str
    score: float
    fit: Fit
    sector: float
    reason: str
    evidence: tuple[Cite, ...]


@dataclass(frozen=True, slots=True)
class Brief:
    """A ranking's shortlist without the rest: no models built, nothing but what a list writes."""

    matches: tuple[BriefMatch, ...]
