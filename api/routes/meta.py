"""GET /health and GET /version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from matcher import __version__

from ..deps import MatcherDep, SessionDep

router = APIRouter(tags=["meta"])


@router.get("/health", summary="Liveness: the engine is loaded and the database answers")
def health(session: SessionDep) -> dict[str, str]:
    session.execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok"}


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
