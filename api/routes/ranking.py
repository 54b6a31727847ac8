"""POST /match, POST /compare, GET|POST /map: the engine's ranking, side by side, and as GeoJSON."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError

from matcher.engine import Matcher
from matcher.options import MatchOptions, OptionError
from matcher.options import PresetName as Preset
from matcher.prospect import MAX_TEXT, Prospect
from matcher.ranking import LocationMatch, Ranking

from ..deps import MatcherDep, Reader
from ..errors import ApiError, unprocessable
from ..schemas import CompareRequest, Comparison, MatchRequest

router = APIRouter(tags=["ranking"])


@contextmanager
def api_errors() -> Iterator[None]:
    """The engine's refusals of the caller's input as 422s that name the field."""
    try:
        yield
    except ValidationError as err:  # a field the engine's own model refuses (company_type …)
        raise unprocessable(err) from err
    except OptionError as err:  # top_k beyond the candidates, bad weights …: the caller's input, said plainly
        raise ApiError(422, str(err), errors=[{"field": err.field, "message": str(err)}]) from err
    except ValueError as err:
        raise ApiError(422, str(err), errors=[{"field": "body", "message": str(err)}]) from err


def match_inputs(
    m: Matcher, req: MatchRequest, top_k: int | None = None, expand: bool | None = None, focus: tuple[str, ...] = ()
) -> tuple[Prospect, MatchOptions]:
    try:
        m.index.needs.check_known(req.needs)
    except ValueError as err:
        raise ApiError(422, str(err), errors=[{"field": "needs", "message": str(err)}]) from err
    with api_errors():
        opts = MatchOptions(
            top_k=top_k or req.top_k,
            preset=req.preset,
            weights={str(k): v for k, v in req.weights.items()} if req.weights else None,
            as_of=req.as_of,
            expand=req.expand if expand is None else expand,
            focus=focus,
            level=req.level,
        )
        return req.prospect(), m.check(opts)


def run_match(
    m: Matcher, req: MatchRequest, top_k: int | None = None, expand: bool | None = None, focus: tuple[str, ...] = ()
) -> Ranking:
    prospect, opts = match_inputs(m, req, top_k, expand, focus)
    with api_errors():
        return m.match_many([prospect], opts)[0]


def render(ranking: Ranking) -> bytes:
    """The ranking serialised once: the engine built it from validated parts, so it is not validated again (FastAPI
    returns a Response as it is; `response_model` still documents it)."""
    return orjson.dumps(ranking.model_dump())


@router.post("/match", response_model=Ranking, summary="Ranked, explained shortlist for a prospect")
async def match(req: MatchRequest, m: MatcherDep, _: Reader, request: Request) -> Response:
    """Requests that arrive together are ranked in one engine call, each exactly as alone (api/batching.py)."""
    prospect, opts = match_inputs(m, req)
    with api_errors():
        body = await request.app.state.match_batcher.rank(m, prospect, opts)
    return Response(body, media_type="application/json")


@router.post("/compare", response_model=Comparison, summary="2–5 locations side by side for a prospect")
def compare(req: CompareRequest, m: MatcherDep, _: Reader) -> Comparison:
    unknown = [i for i in req.location_ids if i not in m.candidates]
    if unknown:
        errors = [{"field": "location_ids", "message": f"unknown location id {i!r}"} for i in unknown]
        raise ApiError(422, f"unknown location id(s): {', '.join(unknown)}", errors=errors)
    if len(set(req.location_ids)) != len(req.location_ids):
        raise ApiError(422, "location_ids repeats an id", errors=[{"field": "location_ids", "message": "repeated id"}])
    mr = MatchRequest(**req.model_dump(exclude={"location_ids"}), expand=True)
    r = run_match(m, mr, focus=tuple(req.location_ids))
    return Comparison(lang=r.lang, as_of=r.as_of, preset=r.preset, sectors=r.sectors, locations=r.matches)


def reasons(x: LocationMatch) -> dict[str, Any]:
    """GET|POST /map's words per ranked place: its reason and its first two clauses."""
    return {"reasons": [x.reason, *[f"{e.title}（{e.section}）" for e in x.evidence[:2]]]}


def feature_collection(
    m: Matcher,
    ranking: Ranking | None,
    extra: Callable[[LocationMatch | None], dict[str, Any]] = lambda x: reasons(x) if x else {"reasons": []},
) -> dict[str, Any]:
    """One Point per location; with a prospect: rank, score and fit, plus what `extra` adds for the place's match
    (None where it does not rank). A park folded into a ranked place (it only inherits that place's fit) has no rank
    of its own: it carries `folded_into` and that place's fit."""
    ranked = {x.location_id: x for x in ranking.matches} if ranking else {}
    folded = {p: x for x in ranking.matches for p in x.also_in} if ranking else {}
    feats = []
    for loc_id in m.candidates:
        loc = m.kb.locations[loc_id]
        city = m.kb.city_of(loc_id)
        x, into = ranked.get(loc_id), folded.get(loc_id)
        props: dict[str, Any] = {
            "id": loc_id,
            "name_zh": loc.name_zh,
            "name_en": loc.name_en,
            "level": loc.level,
            "landing": bool(m.index.landing[m.index.row[loc_id]]),
            "city": city.id if city else None,
            "coordinate_precision": loc.coordinates.precision,
            "rank": x.rank if x else None,
            "score": x.score if x else None,
            "fit": x.fit if x else (into.fit if into else None),
            **extra(x),
            "folded_into": into.location_id if into else None,
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


@router.post("/map", summary="GeoJSON of every location, ranked for the prospect (one engine run)")
def map_post(req: MatchRequest, m: MatcherDep, _: Reader) -> dict[str, Any]:
    return feature_collection(m, run_match(m, req, top_k=len(m.candidates), expand=False))


# A description in the URL: 2,000 characters percent-encode to at most 24 KB, well inside the 64 KB request line the
# HTTP server reads (a longer URL gets its plain-text 400 before the app sees it). POST /map takes the full length.
MAX_URL_TEXT = 2_000


@router.get("/map", summary="GeoJSON of every location; ranked when a description is given")
def map_get(
    m: MatcherDep,
    _: Reader,
    description: str | None = Query(
        default=None,
        min_length=1,
        max_length=MAX_URL_TEXT,
        description=f"Up to {MAX_URL_TEXT:,} characters here; POST /map takes up to {MAX_TEXT:,}",
    ),
    preset: Preset | None = None,
) -> dict[str, Any]:
    if description is None:
        return feature_collection(m, None)
    try:
        req = MatchRequest(description=description, preset=preset)
    except ValidationError as err:
        raise unprocessable(err) from err
    return map_post(req, m, _)
