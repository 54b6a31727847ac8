"""GET /parks, GET /parks/{id}, GET /sectors: the knowledge base as the service exposes it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query

from matcher.engine import Matcher
from matcher.kb.models import Location, Measure

from ..deps import MatcherDep, Reader
from ..errors import ApiError
from ..schemas import Day, MeasureOut, ParkProfile, ParkSummary

router = APIRouter(tags=["parks"])


def summary(m: Matcher, loc: Location) -> ParkSummary:
    city, district = m.kb.city_of(loc.id), m.kb.district_of(loc.id)
    return ParkSummary(
        id=loc.id,
        name_zh=loc.name_zh,
        name_en=loc.name_en,
        level=loc.level,
        parent=loc.parent,
        city=city.id if city else None,
        district=district.id if district else None,
        lat=loc.coordinates.lat,
        lon=loc.coordinates.lon,
        coordinate_precision=loc.coordinates.precision,
        focus_sectors=list(loc.focus_sectors),
        measures=len(loc.measures),
    )


def measure_out(m: Matcher, owner: Location, ms: Measure, as_of: dt.date) -> MeasureOut:
    src = m.kb.sources[ms.source.doc].source
    return MeasureOut(
        id=ms.id,
        kind=ms.kind,
        sectors=list(ms.sectors),
        needs=list(ms.needs),
        title_zh=ms.title_zh,
        title_en=ms.title_en,
        offer_zh=ms.offer_zh,
        offer_en=ms.offer_en,
        conditions=[c.model_dump() for c in ms.conditions],
        amounts=[a.model_dump() for a in ms.amounts],
        lead=ms.lead,
        doc_id=src.id,
        doc_title=src.title,
        section=ms.source.section,
        quote=ms.source.quote,
        validity=src.status(as_of),
        location_id=owner.id,
    )


@router.get("/parks", response_model=list[ParkSummary], summary="Locations, filtered by city, level or sector")
def parks(
    m: MatcherDep,
    _: Reader,
    city: str | None = Query(default=None, max_length=60),
    level: Literal["province", "city", "district", "park"] | None = None,
    sector: str | None = Query(default=None, max_length=60, description="Taxonomy sector or domain id"),
) -> list[ParkSummary]:
    tax = m.kb.taxonomy
    if sector is not None and sector not in tax.known_sector_ids():
        raise ApiError(422, f"unknown sector {sector!r}", errors=[{"field": "sector", "message": "unknown sector"}])
    cities = {c.id for loc in m.kb.locations.values() if (c := m.kb.city_of(loc.id)) is not None}
    if city is not None and city not in cities:
        raise ApiError(422, f"unknown city {city!r}", errors=[{"field": "city", "message": "unknown city"}])
    wanted = tax.expand([sector]) if sector else None
    out = []
    for loc in sorted(m.kb.locations.values(), key=lambda x: x.id):
        if level and loc.level != level:
            continue
        c = m.kb.city_of(loc.id)
        if city and (c is None or c.id != city):
            continue
        if wanted is not None:
            named = {s for ms in loc.measures for s in tax.expand([x for x in ms.sectors if x != "all"])}
            if not named & wanted:
                continue
        out.append(summary(m, loc))
    return out


@router.get("/parks/{location_id}", response_model=ParkProfile, summary="A location's profile with its measures")
def park(location_id: str, m: MatcherDep, _: Reader, as_of: Day | None = None) -> ParkProfile:
    loc = m.kb.locations.get(location_id)
    if loc is None:
        raise ApiError(404, f"no location {location_id!r}")
    day = as_of or dt.date.today()
    own = [measure_out(m, loc, ms, day) for ms in loc.measures]
    inherited = [measure_out(m, a, ms, day) for a in m.kb.ancestors(loc.id) for ms in a.measures]
    return ParkProfile(**summary(m, loc).model_dump(), own_measures=own, inherited_measures=inherited)


@router.get("/sectors", summary="The taxonomy: domains, sub-sectors, incentive kinds and company needs")
def sectors(m: MatcherDep, _: Reader) -> dict[str, Any]:
    return m.kb.taxonomy.model_dump()
