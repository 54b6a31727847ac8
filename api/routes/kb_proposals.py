"""Proposals of an uploaded document: list (with a low-confidence filter), edit, accept, reject, split, merge."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.kb import KnowledgeBase

from ..db.kb import KbIngest, KbProposal
from ..db.models import ApiKey, now
from ..deps import Editor, MatcherDep, Reader, SessionDep
from ..errors import ApiError
from ..kb_review import EDITABLE, ReviewError, Span, edit, low_fields, merge, split
from ..openapi import CONFLICT
from .ids import ID_MAX, RowId
from .kb_documents import IngestId, get_ingest

router = APIRouter(prefix="/kb/documents/{ingest_id}/proposals", tags=["knowledge base"])
ProposalStatus = Literal["pending", "accepted", "rejected"]


class ProposalOut(BaseModel):
    id: int
    status: ProposalStatus
    item: dict[str, Any] = Field(description="The measure's fields plus `location`, as data/parks/*.yaml holds them")
    start: int = Field(description="The quote's offsets in the document's extracted text")
    end: int
    confidence: dict[str, float]
    low: list[str] = Field(description="Fields proposed with less than 0.5 confidence")
    notes: list[str]
    place: dict[str, Any] = Field(description="Why this location; for a new place, its proposed parent")
    edited: bool
    by_key: str | None
    reviewed_at: Any


def proposal_out(p: KbProposal) -> ProposalOut:
    return ProposalOut(
        id=p.id,
        status=p.status,
        item=p.item,
        start=p.start,
        end=p.end,
        confidence=p.confidence,
        low=low_fields(p.confidence),
        notes=p.notes,
        place=p.place,
        edited=p.edited,
        by_key=p.by_key,
        reviewed_at=p.reviewed_at,
    )


def rows(session: Session, ingest_id: str) -> list[KbProposal]:
    q = select(KbProposal).where(KbProposal.ingest_id == ingest_id).order_by(KbProposal.start, KbProposal.id)
    return list(session.scalars(q))


def get_row(session: Session, job: KbIngest, proposal_id: int) -> KbProposal:
    p = session.get(KbProposal, proposal_id)
    if p is None or p.ingest_id != job.id:
        raise ApiError(404, f"{job.doc_id} has no proposal {proposal_id}")
    return p


def _review_error(err: ReviewError) -> ApiError:
    return ApiError(422, str(err), errors=err.errors)


def _places(job: KbIngest) -> set[str]:
    return {str(p["id"]) for p in job.new_locations}


def _mark(p: KbProposal, key: ApiKey, status: str | None = None) -> None:
    if status is not None:
        p.status = status
    p.by_key, p.reviewed_at = key.prefix, now()


@router.get("", response_model=list[ProposalOut], summary="Proposals in text order")
def list_(
    ingest_id: IngestId,
    session: SessionDep,
    _: Reader,
    status: ProposalStatus | None = None,
    low: Annotated[bool, Query(description="Only proposals with a field below 0.5 confidence")] = False,
) -> list[ProposalOut]:
    get_ingest(session, ingest_id)
    out = [proposal_out(p) for p in rows(session, ingest_id)]
    return [p for p in out if (status is None or p.status == status) and (not low or p.low)]


@router.get("/{proposal_id}", response_model=ProposalOut)
def one(ingest_id: IngestId, proposal_id: RowId, session: SessionDep, _: Reader) -> ProposalOut:
    return proposal_out(get_row(session, get_ingest(session, ingest_id), proposal_id))


class Changes(BaseModel):
    """Fields of a proposal to change; `quote` must stay verbatim in the document (shorten it, or move it)."""

    model_config = {"extra": "forbid"}

    location: str | None = Field(default=None, max_length=80)
    id: str | None = Field(default=None, max_length=120)
    kind: str | None = Field(default=None, max_length=40)
    modality: str | None = Field(default=None, max_length=20)
    sectors: list[str] | None = Field(default=None, max_length=60)
    needs: list[str] | None = Field(default=None, max_length=30)
    title_zh: str | None = Field(default=None, max_length=200)
    title_en: str | None = Field(default=None, max_length=300)
    offer_zh: str | None = Field(default=None, max_length=2000)
    offer_en: str | None = Field(default=None, max_length=3000)
    conditions: list[dict[str, Any]] | None = Field(default=None, max_length=30)
    amounts: list[dict[str, Any]] | None = Field(default=None, max_length=30)
    valid: dict[str, Any] | None = None
    lead: str | None = Field(default=None, max_length=200)
    quote: str | None = Field(default=None, max_length=5000)


class Edit(BaseModel):
    """Fields to change, and the decision."""

    model_config = {"extra": "forbid"}

    changes: Changes = Field(default_factory=Changes, description=f"Any of: {', '.join(EDITABLE)}")
    status: ProposalStatus | None = None

    def changed(self) -> dict[str, Any]:
        return self.changes.model_dump(exclude_unset=True)


def _apply(kb: KnowledgeBase, job: KbIngest, p: KbProposal, changes: dict[str, Any]) -> None:
    if not changes:
        return
    assert job.text is not None
    parts = job.manifest.get("parts") or []
    try:
        item, span = edit(
            kb, p.item, Span(p.start, p.end, p.item["source"]["section"]), changes, job.text, parts, _places(job)
        )
    except ReviewError as err:
        raise _review_error(err) from err
    p.item, p.start, p.end, p.edited = item, span.start, span.end, True


@router.patch(
    "/{proposal_id}", response_model=ProposalOut, summary="Edit a proposal and/or decide on it", responses=CONFLICT
)
def patch(
    ingest_id: IngestId, proposal_id: RowId, req: Edit, session: SessionDep, m: MatcherDep, key: Editor
) -> ProposalOut:
    job = get_ingest(session, ingest_id, reviewing=True)
    p = get_row(session, job, proposal_id)
    _apply(m.kb, job, p, req.changed())
    _mark(p, key, req.status)
    session.commit()
    return proposal_out(p)


@router.post(
    "/{proposal_id}/accept", response_model=ProposalOut, summary="Accept, with any last edits", responses=CONFLICT
)
def accept(
    ingest_id: IngestId, proposal_id: RowId, session: SessionDep, m: MatcherDep, key: Editor, req: Edit | None = None
) -> ProposalOut:
    job = get_ingest(session, ingest_id, reviewing=True)
    p = get_row(session, job, proposal_id)
    _apply(m.kb, job, p, req.changed() if req else {})
    _mark(p, key, "accepted")
    session.commit()
    return proposal_out(p)


@router.post(
    "/{proposal_id}/reject",
    response_model=ProposalOut,
    summary="Reject: the proposal is not imported",
    responses=CONFLICT,
)
def reject(ingest_id: IngestId, proposal_id: RowId, session: SessionDep, key: Editor) -> ProposalOut:
    job = get_ingest(session, ingest_id, reviewing=True)
    p = get_row(session, job, proposal_id)
    _mark(p, key, "rejected")
    session.commit()
    return proposal_out(p)


class SplitRequest(BaseModel):
    at: list[int] = Field(min_length=1, max_length=20, description="Offsets in the document's text, inside the quote")


@router.post(
    "/{proposal_id}/split", response_model=list[ProposalOut], summary="Cut a proposal into several", responses=CONFLICT
)
def split_(
    ingest_id: IngestId, proposal_id: RowId, req: SplitRequest, session: SessionDep, key: Editor
) -> list[ProposalOut]:
    job = get_ingest(session, ingest_id, reviewing=True)
    p = get_row(session, job, proposal_id)
    assert job.text is not None
    taken = {str(x.item.get("id")) for x in rows(session, job.id)}
    try:
        pieces = split(p.item, Span(p.start, p.end, p.item["source"]["section"]), req.at, job.text, taken)
    except ReviewError as err:
        raise _review_error(err) from err
    out = []
    for i, (item, span) in enumerate(pieces):
        row = (
            p
            if i == 0
            else KbProposal(ingest_id=job.id, confidence=dict(p.confidence), notes=list(p.notes), place=dict(p.place))
        )
        row.item, row.start, row.end, row.status, row.edited = item, span.start, span.end, "pending", True
        _mark(row, key)
        session.add(row)
        out.append(row)
    session.commit()
    return [proposal_out(r) for r in out]


class MergeRequest(BaseModel):
    ids: list[int] = Field(min_length=2, max_length=20)


@router.post(
    "/merge", response_model=ProposalOut, summary="Merge proposals of one section into one", responses=CONFLICT
)
def merge_(ingest_id: IngestId, req: MergeRequest, session: SessionDep, key: Editor) -> ProposalOut:
    job = get_ingest(session, ingest_id, reviewing=True)
    assert job.text is not None
    ps = [get_row(session, job, i) for i in dict.fromkeys(req.ids)]
    try:
        item, span = merge([(p.item, Span(p.start, p.end, p.item["source"]["section"])) for p in ps], job.text)
    except ReviewError as err:
        raise _review_error(err) from err
    keep = min(ps, key=lambda p: p.start)
    keep.item, keep.start, keep.end, keep.status, keep.edited = item, span.start, span.end, "pending", True
    keep.confidence = {k: min(p.confidence.get(k, 1.0) for p in ps) for k in keep.confidence}
    keep.notes = list(dict.fromkeys(n for p in ps for n in p.notes))
    _mark(keep, key)
    for p in ps:
        if p is not keep:
            session.delete(p)
    session.commit()
    return proposal_out(keep)


class Bulk(BaseModel):
    model_config = {"extra": "forbid"}
    action: Literal["accept", "reject"]
    ids: list[Annotated[int, Field(ge=1, le=ID_MAX)]] | None = Field(
        default=None, max_length=10_000, description="Default: every pending proposal"
    )


@router.post("/bulk", response_model=list[ProposalOut], summary="Accept or reject many at once", responses=CONFLICT)
def bulk(ingest_id: IngestId, session: SessionDep, key: Editor, req: Annotated[Bulk, Body()]) -> list[ProposalOut]:
    job = get_ingest(session, ingest_id, reviewing=True)
    chosen = [p for p in rows(session, job.id) if (p.id in req.ids if req.ids is not None else p.status == "pending")]
    for p in chosen:
        _mark(p, key, "accepted" if req.action == "accept" else "rejected")
    session.commit()
    return [proposal_out(p) for p in chosen]
