"""Request and response bodies of the API (the ranking itself is the library's `Ranking`, unchanged)."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)

from matcher.kb.models import Stage
from matcher.options import COMPONENTS
from matcher.options import PresetName as Preset
from matcher.prospect import MAX_TEXT, Prospect
from matcher.ranking import LocationMatch, RankLevel, SectorSignal

Status = Literal["lead", "contacted", "visiting", "negotiating", "signed", "lost"]
# The schema's bound; the engine checks against the knowledge base's candidate count and names the field.
MAX_TOP_K = 200
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def date_text(v: Any) -> Any:
    """Only YYYY-MM-DD: pydantic would otherwise read 0 as 1970-01-01 and 20261123 as seconds since then."""
    if isinstance(v, dt.date) or v is None:
        return v
    if not isinstance(v, str) or not ISO_DATE.fullmatch(v):
        raise ValueError("should be a date as YYYY-MM-DD")
    return v


def has_text(v: str) -> str:
    """Refuse text that is only whitespace or invisible format characters (zero-width spaces, BOM, joiners)."""
    if not any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in v):
        raise ValueError("description is empty (only spaces or invisible characters)")
    return v


def json_number(v: Any) -> Any:
    """A finite JSON number only: pydantic would otherwise read true as 1 and "5" as 5 (and JSON has no NaN)."""
    if isinstance(v, bool | str):
        raise ValueError("should be a number")
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError("should be a finite number")
    return v


Day = Annotated[dt.date, BeforeValidator(date_text)]
# The constraints come before the validator, or pydantic leaves them out of the JSON schema.
Amount = Annotated[float, Field(ge=0, le=1e13, allow_inf_nan=False), BeforeValidator(json_number)]
Weight = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False), BeforeValidator(json_number)]
Headcount = Annotated[int, Field(ge=0, le=10_000_000), BeforeValidator(json_number)]
TopK = Annotated[int, Field(ge=1, le=MAX_TOP_K), BeforeValidator(json_number)]
WEIGHT_SCHEMA = {"type": "number", "minimum": 0, "maximum": 1e6}
Weights = Annotated[
    dict[Literal["sector", "incentive", "validity"], Weight],
    WithJsonSchema(
        {
            "type": "object",
            "properties": {c: WEIGHT_SCHEMA for c in COMPONENTS},
            "additionalProperties": False,
            # none given (the preset's), or at least one above zero
            "anyOf": [
                {"maxProperties": 0},
                *({"required": [c], "properties": {c: {"exclusiveMinimum": 0}}} for c in COMPONENTS),
            ],
        }
    ),
]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50)]


def some_weight(v: dict[str, float] | None) -> dict[str, float] | None:
    if v and sum(v.values()) <= 0:  # {} means no custom weights
        raise ValueError("weights must not all be zero")
    return v


class ProspectFields(BaseModel):
    """What an officer knows about a company; only the description is required."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1, max_length=MAX_TEXT, description="What the company does (zh or en).")
    stage: Stage | None = None
    revenue_cny: Amount | None = None
    headcount: Headcount | None = None
    investment_cny: Amount | None = None
    needs: list[Annotated[str, StringConstraints(max_length=60)]] = Field(default_factory=list, max_length=30)
    company_type: list[Annotated[str, StringConstraints(max_length=60)]] = Field(default_factory=list, max_length=12)
    hk_macau: StrictBool | None = None
    lang: Literal["zh", "en"] | None = None

    _description = field_validator("description")(has_text)

    def prospect(self, name: str | None = None) -> Prospect:
        d = self.model_dump(include=set(ProspectFields.model_fields) - {"description"})
        return Prospect(text=self.description, name=name, **d)


class RankOptions(BaseModel):
    top_k: TopK = 10
    preset: Preset | None = None
    weights: Weights | None = Field(
        default=None, description="Custom weights (non-negative, not all zero); overrides the preset."
    )
    as_of: Day | None = Field(default=None, description="Validity date, YYYY-MM-DD (default today).")
    expand: StrictBool = False
    level: RankLevel = Field(
        default="landing",
        description="landing: parks, zones, districts, and cities with nothing below them; city: cities.",
    )

    _weights = field_validator("weights")(some_weight)


class MatchRequest(ProspectFields, RankOptions):
    pass


class CompareRequest(ProspectFields):
    location_ids: list[Annotated[str, StringConstraints(max_length=60)]] = Field(
        min_length=2, max_length=5, json_schema_extra={"uniqueItems": True}
    )
    preset: Preset | None = None
    weights: Weights | None = None
    as_of: Day | None = None

    _weights = field_validator("weights")(some_weight)


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
    tags: list[Tag] = Field(default_factory=list, max_length=20, description="Up to 20 tags of 1–50 characters.")
    preset: Preset | None = None
    as_of: Day | None = None
    top_k: TopK = 10


class ProspectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    owner: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=5000)
    tags: list[Tag] | None = Field(default=None, max_length=20)


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
    etag: str = Field(description="The ETag header's value: send it as If-Match to change this version only.")
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
