"""POST /shortlist: the map page's one call per search, the ranking and the map features from one engine run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from matcher.engine import Matcher
from matcher.ranking import LocationMatch, Ranking

from ..deps import MatcherDep, Reader
from ..schemas import MatchRequest
from .ranking import run_match

router = APIRouter(tags=["ranking"])


def features(m: Matcher, ranking: Ranking, shortlisted: int) -> dict[str, Any]:
    """A Point per location. Ranked places carry their rank, score and fit; a park folded into a place that
    ranks (it only inherits that place's fit) carries `folded_into` and that place's fit."""
    ranked = {x.location_id: x for x in ranking.matches}
    folded = {p: x for x in ranking.matches for p in x.also_in}
    feats = []
    for loc_id in m.candidates:
        loc = m.kb.locations[loc_id]
        city = m.kb.city_of(loc_id)
        x: LocationMatch | None = ranked.get(loc_id)
        parent = folded.get(loc_id)
        props: dict[str, Any] = {
            "id": loc_id,
            "name_zh": loc.name_zh,
            "name_en": loc.name_en,
            "level": loc.level,
            "landing": bool(m.index.landing[m.index.row[loc_id]]),
            "city": city.id if city else None,
            "coordinate_precision": loc.coordinates.precision,
            "rank": x.rank if x else None,
            "shortlisted": bool(x and x.rank <= shortlisted),
            "score": x.score if x else None,
            "fit": x.fit if x else (parent.fit if parent else None),
            "policy_status": getattr(x, "policy_status", None) if x else None,
            "folded_into": parent.location_id if parent else None,
        }
        feats.append(
            {
                "type": "Feature",
                "id": loc_id,
                "geometry": {"type": "Point", "coordinates": [loc.coordinates.lon, loc.coordinates.lat]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": feats}


@router.post(
    "/shortlist",
    summary="Every ranked location with its explanation, and every location as GeoJSON, from one engine run",
    description="`top_k` sets how many places count as shortlisted; the ranking holds every place that ranks (parks "
    "that only inherit a parent's fit are folded into it), so that any marker can be explained without ranking again.",
)
def shortlist(req: MatchRequest, m: MatcherDep, _: Reader) -> dict[str, Any]:
    ranking = run_match(m, req, top_k=len(m.candidates), expand=False)
    return {"top_k": req.top_k, "ranking": ranking.to_dict(), "features": features(m, ranking, req.top_k)}
