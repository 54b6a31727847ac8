"""GET /documents and GET /documents/{id}: the policy library, each document with its text, outline and measures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Path

from ..deps import MatcherDep, Reader
from ..documents import document, summary
from ..errors import ApiError

router = APIRouter(prefix="/documents", tags=["library"])


@router.get("", summary="Every policy document: issuer, number, period and status on the date (default today)")
def documents(m: MatcherDep, _: Reader, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    day = as_of or dt.date.today()
    return [summary(m.kb, d, day) for d in m.kb.sources]


@router.get("/{doc_id}", summary="A document's full text, its section outline and where each measure's quote sits")
def one(m: MatcherDep, _: Reader, doc_id: str = Path(max_length=80), as_of: dt.date | None = None) -> dict[str, Any]:
    if doc_id not in m.kb.sources:
        raise ApiError(404, f"no document {doc_id!r}")
    return document(m.kb, doc_id, as_of or dt.date.today())
