"""Request and response bodies of the API (the ranking itself is the library's `Ranking`, unchanged)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from matcher.kb.models import Stage
from matcher.options import PresetName as Preset
from matcher.prospect import MAX_TEXT, Prospect
from matcher.ranking import LocationMatch, RankLevel, SectorSignal

Status = Literal["lead", "contacted", "visiting", "negotiating", "signed", "lost"]
# The schema's bound; the engine checks against the knowledge base's candidate count and names the field.
MAX_TOP_K = 200


class ProspectFields(BaseModel):
    """What an officer knows about a company; only the description is required."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1, max_length=MAX_TEXT, description="What the company does (zh or en).")
    stage: Stage | None = None
    revenue_cny: float | None = Field(default=None, ge=0, le=1e13)
    headcount: int | None = Field(default=None, ge=0, le=10_000_000)
    investment_cny: float | None = Field(default=None, ge=0, le=1e13)
    needs: list[str] = Field(default_factory=list, max_length=30)
    company_type: list[str] = Field(default_factory=list, max_length=12)
    hk_macau: bool | None = None
    lang: Literal["zh", "en"] | None = None

    @field_validator("description")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("description is empty")
        return v

    def prospect(self, name: str | None = None) -> Prospect:
        d = self.model_dump(include=set(ProspectFields.model_fields) - {"description"})
        return Prospect(text=self.description, name=name, **d)


class RankOptions(BaseModel):
    top_k: int = Field(default=10, ge=1, le=MAX_TOP_K)
    preset: Preset | None = None
    weights: dict[Literal["sector", "incentive", "validity"], float] | None = Field(
        default=None, description="Custom weights (non-negative); overrides the preset."
    )
    as_of: dt.date | None = Field(default=None, description="Validity date, YYYY-MM-DD (default today).")
    expand: bool = False
    level: RankLevel = Field(
        default="landing",
        description="landing: parks, zones, districts, and cities with nothing below them; city: cities.",
    )


class MatchRequest(ProspectFields, RankOptions):
    pass


class CompareRequest(ProspectFields):
    location_ids: list[str] = Field(min_length=2, max_length=5)
    preset: Preset | None = None
    weights: dict[Literal["sector", "incentive", "validity"], float] | None = None
    as_of: dt.date | None = None


class Comparison(BaseModel):
    lang: Literal["zh", "en"]
    as_of: dt.date
    preset: str
    sectors: list[SectorSignal]
    locations: list[LocationMatch] = Field(description="In the order asked; rank is the place in the full ranking.")


class MeasureOut(BaseModel):
    id: str
    kind: str
    sectors: list[str]
    needs: list[str]
    title_zh: str
    title_en: str
    offer_zh: str
    offer_en: str
    conditions: list[dict[str, Any]]
    amounts: list[dict[str, Any]]
    lead: str | None
    doc_id: str
    doc_title: str
    section: str
    quote: str
    validity: str
    location_id: str


class ParkSummary(BaseModel):
    id: str
    name_zh: str
    name_en: str
    level: str
    parent: str | None
    city: str | None
    district: str | None
    lat: float
    lon: float
    coordinate_precision: str
    focus_sectors: list[str]
    measures: int


class ParkProfile(ParkSummary):
    own_measures: list[MeasureOut]
    inherited_measures: list[MeasureOut]


class ProspectCreate(ProspectFields):
    name: str = Field(min_length=1, max_length=200)
    status: Status = "lead"
    owner: str | None = Field(default=None, max_length=100)
    notes: str = Field(default="", max_length=5000)
    tags: list[str] = Field(default_factory=list, max_length=20)
    preset: Preset | None = None
    as_of: dt.date | None = None
    top_k: int = Field(default=10, ge=1, le=MAX_TOP_K)


class ProspectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    owner: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=5000)
    tags: list[str] | None = Field(default=None, max_length=20)


class SnapshotInfo(BaseModel):
    id: int
    created_at: dt.datetime
    kb_hash: str
    model: str
    preset: str
    as_of: str
    top: list[str] = Field(description="Location ids of the shortlist, best first.")
    sectors: list[str] = Field(default_factory=list, description="The sectors the prospect was read as, best first.")


class StatusChange(BaseModel):
    at: dt.datetime
    from_status: str | None
    to_status: str
    by_key: str | None = Field(description="The prefix of the key that made the change.")


class ProspectOut(BaseModel):
    id: int
    name: str
    description: str
    fields: dict[str, Any]
    status: Status
    owner: str | None
    notes: str
    tags: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    snapshots: list[SnapshotInfo]
    history: list[StatusChange] = Field(default_factory=list)


class ProspectList(BaseModel):
    total: int
    items: list[ProspectOut]


class SnapshotChange(BaseModel):
    location_id: str
    before: int | None
    after: int | None
    score_before: float | None
    score_after: float | None


class SnapshotDiff(BaseModel):
    before: SnapshotInfo
    after: SnapshotInfo
    kb_changed: bool
    changes: list[SnapshotChange]


class ErrorBody(BaseModel):
    code: str
    message: str
    errors: list[dict[str, str]] = Field(default_factory=list)
