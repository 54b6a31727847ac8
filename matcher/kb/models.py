"""Typed models of the knowledge base: sources, taxonomy, locations and their measures."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A region groups cities under the province (the nine mainland Greater Bay Area cities); it is never a landing place.
Level = Literal["province", "region", "city", "district", "park"]
LEVEL_RANK: dict[str, int] = {"province": 0, "region": 1, "city": 2, "district": 3, "park": 4}
NOT_CANDIDATES = ("province", "region")  # levels a shortlist never ranks
ValidityStatus = Literal["in_force", "ended", "not_started"]

# What a measure is. Only offers and resources are incentives a company can use; the other four answer no need.
Modality = Literal["offer", "resource", "orientation", "target", "task", "encouragement"]
USABLE_MODALITIES = ("offer", "resource")
AmountRole = Literal["benefit", "fund_size", "space", "count", "target"]

ConditionField = Literal["revenue_cny", "headcount", "investment_cny", "stage", "company_type", "hk_macau"]
Stage = Literal["seed", "startup", "growth", "mature", "listed"]  # a company's stage: the one list of them
STAGES: tuple[str, ...] = get_args(Stage)
COMPANY_TYPES = (
    "leader",
    "high_growth",
    "tech_sme",
    "small_micro",
    "multinational",
    "hk_macau_firm",
    "service_provider",
    "medical_institution",
    "research_institute",
    "investor",
    "university",
)
AmountUnit = Literal["CNY", "percent", "m2", "km2", "count"]
ALL_SECTORS = "all"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- sources -------------------------------------------------------------------------


class Period(Strict):
    start: dt.date | None = None
    end: dt.date | None = None
    text: str  # the period as the document states it

    def status(self, as_of: dt.date) -> ValidityStatus:
        """Whether the period covers `as_of`; an open end counts as in force."""
        if self.start and as_of < self.start:
            return "not_started"
        if self.end and as_of > self.end:
            return "ended"
        return "in_force"


class MeasurePeriod(Period):
    """A measure's own dates, where its text gives them (a 2024 target, a 2021 call, a named project)."""

    text: str  # verbatim words of the measure's citations that give the date
    # Verbatim words that put the dates outside the document's period, e.g. “十四五”期间 in a 2021-2022 work plan.
    beyond_document: str | None = None


class PartSpec(Strict):
    label: str
    starts: str
    ledger: bool = False


class Source(Strict):
    id: str
    file: str
    title: str
    title_en: str
    short_zh: str | None = None  # how a reason cites it, e.g. 南沙意见
    short_en: str | None = None
    issuer: str
    doc_number: str | None = None
    issued: dt.date | None = None
    level: Literal["province", "city", "district"]
    location: str  # the location id of the issuer
    period: Period
    parts: list[PartSpec] = Field(default_factory=list)
    no_measures: dict[str, str] = Field(default_factory=dict)

    def status(self, as_of: dt.date) -> ValidityStatus:
        """Whether the document is in force on `as_of`; an open end counts as in force."""
        return self.period.status(as_of)


# --- taxonomy ------------------------------------------------------------------------


class Sector(Strict):
    id: str
    zh: str
    en: str
    synonyms_zh: list[str] = Field(default_factory=list)
    synonyms_en: list[str] = Field(default_factory=list)


class Domain(Strict):
    id: str
    zh: str
    en: str
    sectors: list[Sector]


class IncentiveKind(Strict):
    id: str
    zh: str
    en: str
    needs: list[str] = Field(default_factory=list)


class Need(Strict):
    id: str
    zh: str
    en: str
    synonyms_zh: list[str] = Field(default_factory=list)
    synonyms_en: list[str] = Field(default_factory=list)


class DomainTerms(Strict):
    zh: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


class Taxonomy(Strict):
    domain_terms: DomainTerms = Field(default_factory=DomainTerms)
    domains: list[Domain]
    incentive_kinds: list[IncentiveKind]
    needs: list[Need]

    @property
    def sectors(self) -> dict[str, Sector]:
        return {s.id: s for d in self.domains for s in d.sectors}

    def domain_of(self, sector_id: str) -> Domain:
        for d in self.domains:
            if any(s.id == sector_id for s in d.sectors):
                return d
        raise KeyError(sector_id)

    def expand(self, ids: list[str]) -> set[str]:
        """Sub-sector ids named by `ids`: a domain stands for all its sectors, "all" for every one."""
        out: set[str] = set()
        domains = {d.id: d for d in self.domains}
        for i in ids:
            if i == ALL_SECTORS:
                out.update(self.sectors)
            elif i in domains:
                out.update(s.id for s in domains[i].sectors)
            else:
                out.add(i)
        return out

    def known_sector_ids(self) -> set[str]:
        return {ALL_SECTORS} | {d.id for d in self.domains} | set(self.sectors)


# --- measures and locations ----------------------------------------------------------


class Citation(Strict):
    doc: str
    section: str
    quote: str

    @field_validator("quote")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("quote is empty")
        return v


class Condition(Strict):
    text: str  # verbatim fragment of the measure's quote
    field: ConditionField | None = None
    min: float | None = None
    max: float | None = None
    values: list[str | bool] = Field(default_factory=list)


class Amount(Strict):
    label_zh: str
    label_en: str
    # benefit: what a company may get (a cap, a rate, a share); the others describe the measure, not the company's gain.
    role: AmountRole
    text: str  # verbatim fragment of the measure's quote
    min: float | None = None
    max: float | None = None
    unit: AmountUnit


class Measure(Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*$")
    kind: str
    modality: Modality
    sectors: list[str] = Field(min_length=1)
    needs: list[str] = Field(default_factory=list)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    offer_zh: str = Field(min_length=1)
    offer_en: str = Field(min_length=1)
    conditions: list[Condition] = Field(default_factory=list)
    amounts: list[Amount] = Field(default_factory=list)
    valid: MeasurePeriod | None = None  # own dates; otherwise the document's period applies
    lead: str | None = None
    source: Citation
    also_cited: list[Citation] = Field(default_factory=list)

    @property
    def citations(self) -> list[Citation]:
        return [self.source, *self.also_cited]

    @property
    def usable(self) -> bool:
        """An offer or a resource: something a company can apply for or use."""
        return self.modality in USABLE_MODALITIES

    def period(self, source: Source) -> Period:
        """The measure's own period where its text gives one, else its document's."""
        return self.valid if self.valid is not None else source.period

    def status(self, source: Source, as_of: dt.date) -> ValidityStatus:
        return self.period(source).status(as_of)


class Coordinates(Strict):
    lat: float
    lon: float
    precision: str


class Location(Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name_zh: str
    name_en: str
    level: Level
    parent: str | None
    aliases: list[str] = Field(default_factory=list)  # other names a company may use for the place, zh and en
    # Words that point to the place without naming it, where its own text supports the link (澳门 → 横琴).
    affinity: list[str] = Field(default_factory=list)
    coordinates: Coordinates
    focus_sectors: list[str] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
