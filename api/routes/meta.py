"""GET /health and GET /version."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from matcher import __version__

from ..deps import MatcherDep, SessionDep
from ..health import Health

router = APIRouter(tags=["meta"])
PROBE = "health probe: 抗体药物研发"


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: str
    engine: str
    batch_worker: str


@router.get(
    "/health",
    response_model=HealthOut,
    summary="Liveness: the database answers, the engine ranks a probe, the batch worker runs",
    responses={503: {"model": HealthOut, "description": "Degraded: the parts not ok say why"}},
)
def health(request: Request, session: SessionDep, m: MatcherDep) -> JSONResponse:
    state: Health = request.app.state.health
    report = {"database": "ok", "engine": "ok", "batch_worker": "ok"}
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # a health check reports, it does not fail
        report["database"] = f"error: {type(exc).__name__}"
    try:
        m.match(PROBE, top_k=1)
        state.passed("engine")
    except Exception as exc:  # MemoryError included
        state.failed("engine", exc)
    failure = state.failure("engine")
    if failure:
        report["engine"] = f"degraded: {failure}"
    # One server process runs the batch jobs (api/leader.py); the others are healthy while it holds its lock.
    if request.app.state.leader.held:
        if not request.app.state.batch_worker.alive():
            report["batch_worker"] = "stopped"
    elif not request.app.state.leader.running():
        report["batch_worker"] = "stopped: no server process runs the batch jobs"
    ok = all(v == "ok" for v in report.values())
    body = HealthOut(status="ok" if ok else "degraded", **report)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get("/version", summary="Code version, knowledge-base hash and model")
def version(m: MatcherDep) -> dict[str, Any]:
    return {
        "code_version": __version__,
        "kb_hash": m.kb.content_hash,
        "model": m.model_id,
        "sector_model": m.sector_model is not None,
        "locations": len(m.kb.locations),
        "measures": len(m.kb.measures),
    }
