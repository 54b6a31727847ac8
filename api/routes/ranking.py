"""POST /match, POST /compare, GET|POST /map: the engine's ranking, side by side, and as GeoJSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import ValidationError

from matcher.engine import Matcher
from matcher.prospect import MAX_TEXT
from matcher.ranking import Ranking

from ..deps import MatcherDep, Reader
from ..errors import ApiError, unprocessable
from ..schemas import CompareRequest, Comparison, MatchRequest, Preset

router = APIRouter(tags=["ranking"])


def run_match(m: Matcher, req: MatchRequest, top_k: int | None = None, expand: bool | None = None) -> Ranking:
    try:
        m.needs.check_known(req.needs)
    except ValueError as err:
        raise ApiError(422, str(err), errors=[{"field": "needs", "message": str(err)}]) from err
    try:
        return m.match(
            req.prospect(),
            top_k=top_k or req.top_k,
            preset=req.preset,
            weights={str(k): v for k, v in req.weights.items()} if req.weights else None,
            as_of=req.as_of,
            expand=req.expand if expand is None else expand,
        )
    except ValidationError as err:  # a field the engine's own model refuses (company_type …)
        raise unprocessable(err) from err
    except ValueError as err:  # bad weights, a top_k past the candidates …: the caller's input, said plainly
        field = "weights" if "weight" in str(err) else "top_k" if "top_k" in str(err) else "body"
        raise ApiError(422, str(err), errors=[{"field": field, "message": str(err)}]) from err


@router.post("/match", response_model=Ranking, summary="Ranked, explained shortlist for a prospect")
def match(req: MatchRequest, m: MatcherDep, _: Reader) -> Ranking:
    return run_match(m, req)


@router.post("/compare", response_model=Comparison, summary="2–5 locations side by side for a prospect")
def compare(req: CompareRequest, m: MatcherDep, _: Reader) -> Comparison:
    unknown = [i for i in req.location_ids if i not in m.candidates]
    if unknown:
        errors = [{"field": "location_ids", "message": f"unknown location id {i!r}"} for i in unknown]
        raise ApiError(422, f"unknown location id(s): {', '.join(unknown)}", errors=errors)
    if len(set(req.location_ids)) != len(req.location_ids):
        raise ApiError(422, "location_ids repeats an id", errors=[{"field": "location_ids", "message": "repeated id"}])
    mr = MatchRequest(**req.model_dump(exclude={"location_ids"}), top_k=len(m.candidates), expand=True)
    r = run_match(m, mr)
    by_id = {x.location_id: x for x in r.matches}
    return Comparison(
        lang=r.lang, as_of=r.as_of, preset=r.preset, sectors=r.sectors, locations=[by_id[i] for i in req.location_ids]
    )


def feature_collection(m: Matcher, ranking: Ranking | None, expanded: Ranking | None) -> dict[str, Any]:
    """One Point per location; with a prospect: rank (null when folded into a parent), score, fit and reasons."""
    shortlist = {x.location_id: x for x in ranking.matches} if ranking else {}
    folded = {p: x.location_id for x in ranking.matches for p in x.also_in} if ranking else {}
    every = {x.location_id: x for x in expanded.matches} if expanded else {}
    feats = []
    for loc_id in m.candidates:
        loc = m.kb.locations[loc_id]
        city = m.kb.city_of(loc_id)
        props: dict[str, Any] = {
            "id": loc_id,
            "name_zh": loc.name_zh,
            "name_en": loc.name_en,
            "level": loc.level,
            "city": city.id if city else None,
            "coordinate_precision": loc.coordinates.precision,
            "rank": None,
            "score": None,
            "fit": None,
            "reasons": [],
            "folded_into": folded.get(loc_id),
        }
        x = shortlist.get(loc_id) or every.get(loc_id)
        if x is not None:
            props.update(
                rank=shortlist[loc_id].rank if loc_id in shortlist else None,
                score=x.score,
                fit=x.fit,
                reasons=[x.reason, *[f"{e.title}（{e.section}）" for e in x.evidence[:2]]],
            )
        feats.append(
            {
                "type": "Feature",
                "id": loc_id,
                "geometry": {"type": "Point", "coordinates": [loc.coordinates.lon, loc.coordinates.lat]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": feats}


@router.post("/map", summary="GeoJSON of every location, ranked for the prospect")
def map_post(req: MatchRequest, m: MatcherDep, _: Reader) -> dict[str, Any]:
    return feature_collection(
        m,
        run_match(m, req, top_k=len(m.candidates), expand=False),
        run_match(m, req, top_k=len(m.candidates), expand=True),
    )


@router.get("/map", summary="GeoJSON of every location; ranked when a description is given")
def map_get(
    m: MatcherDep,
    _: Reader,
    description: str | None = Query(default=None, min_length=1, max_length=MAX_TEXT),
    preset: Preset | None = None,
) -> dict[str, Any]:
    if description is None:
        return feature_collection(m, None, None)
    try:
        req = MatchRequest(description=description, preset=preset)
    except ValidationError as err:
        raise unprocessable(err) from err
    return map_post(req, m, _)
