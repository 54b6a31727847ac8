"""POST /shortlist: the map page's one call per search, the ranking and the map features from one engine run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from matcher.engine import Matcher
from matcher.ranking import LocationMatch, Ranking

from ..deps import MatcherDep, Reader
from ..schemas import MatchRequest
from .ranking import feature_collection, run_match

router = APIRouter(tags=["ranking"])


def features(m: Matcher, ranking: Ranking, shortlisted: int) -> dict[str, Any]:
    """The map's features (`ranking.feature_collection`); a ranked place also says whether it is on the shortlist
    and its policy status."""

    def marks(x: LocationMatch | None) -> dict[str, Any]:
        return {"shortlisted": bool(x and x.rank <= shortlisted), "policy_status": x.policy_status if x else None}

    return feature_collection(m, ranking, marks)


@router.post(
    "/shortlist",
    summary="Every ranked location with its explanation, and every location as GeoJSON, from one engine run",
    description="`top_k` sets how many places count as shortlisted; the ranking holds every place that ranks (parks "
    "that only inherit a parent's fit are folded into it), so that any marker can be explained without ranking again.",
)
def shortlist(req: MatchRequest, m: MatcherDep, _: Reader) -> dict[str, Any]:
    ranking = run_match(m, req, top_k=len(m.candidates), expand=False)
    return {"top_k": req.top_k, "ranking": ranking.to_dict(), "features": features(m, ranking, req.top_k)}
