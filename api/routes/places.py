"""GET /places/{id}: a place's profile as the web app shows it (focus, offers, resources, inherited, ended)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Path

from ..deps import MatcherDep, Reader
from ..errors import ApiError
from ..measures import measure_view

router = APIRouter(prefix="/places", tags=["places"])


@router.get("/{location_id}", summary="What a place wants, offers now, hosts and inherits, and what has ended")
def place(
    m: MatcherDep, _: Reader, location_id: str = Path(max_length=80), as_of: dt.date | None = None
) -> dict[str, Any]:
    kb = m.kb
    loc = kb.locations.get(location_id)
    if loc is None:
        raise ApiError(404, f"no location {location_id!r}")
    day = as_of or dt.date.today()
    sectors = kb.taxonomy.sectors
    domains = {d.id: d for d in kb.taxonomy.domains}

    def name(sid: str) -> dict[str, str]:
        s = sectors.get(sid) or domains.get(sid)
        return {"id": sid, "zh": s.zh if s else sid, "en": s.en if s else sid}

    chain = [loc, *kb.ancestors(loc.id)]
    return {
        "id": loc.id,
        "name_zh": loc.name_zh,
        "name_en": loc.name_en,
        "level": loc.level,
        "aliases": list(loc.aliases),
        "lat": loc.coordinates.lat,
        "lon": loc.coordinates.lon,
        "coordinate_precision": loc.coordinates.precision,
        "ancestors": [{"id": a.id, "name_zh": a.name_zh, "name_en": a.name_en, "level": a.level} for a in chain[1:]],
        "children": [
            {
                "id": c.id,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "level": c.level,
                "lat": c.coordinates.lat,
                "lon": c.coordinates.lon,
            }
            for c in sorted(kb.children(loc.id), key=lambda c: c.id)
        ],
        "focus_sectors": [name(s) for s in loc.focus_sectors],
        "as_of": day,
        "measures": [measure_view(kb, owner, ms, loc, day) for owner in chain for ms in owner.measures],
    }
