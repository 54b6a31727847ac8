"""Changes to the knowledge base: import a reviewed document, withdraw one, and the history of both. Each is
validated whole (`matcher kb validate`), written to data/ for review in git, and served at once by every server
process without a restart; saved prospects whose shortlist it moves get a change entry."""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.engine import Matcher
from matcher.kb.base import Issue
from matcher.kb.documents import DocumentChange, add_document, withdraw_document

from ..db.kb import KbEvent, KbEventProspect
from ..db.models import ApiKey, ProspectRow
from ..deps import Admin, MatcherDep, Reader, SessionDep
from ..errors import ApiError
from ..kb_live import Busy, LiveKB
from ..kb_prospects import record_moves
from ..openapi import CONFLICT
from .ids import RowId
from .kb_documents import IngestId, get_ingest
from .kb_proposals import rows

log = logging.getLogger("api.kb")
router = APIRouter(prefix="/kb", tags=["knowledge base"])


class MovedProspect(BaseModel):
    prospect_id: int
    name: str
    snapshot_id: int | None
    before: list[str] = Field(description="Its shortlist on the old knowledge base (today's date)")
    after: list[str]


class ChangeOut(BaseModel):
    id: int | None = Field(description="The change's id (none for a dry run)")
    kind: Literal["import", "withdraw"]
    doc_id: str
    at: Any
    by_key: str | None
    reason: str
    measures: int = Field(description="Measures added or removed")
    locations: dict[str, int] = Field(description="Measures added or removed per location")
    kb_hash_before: str
    kb_hash_after: str
    version: int | None = Field(description="The knowledge-base version now served")
    affected_prospects: int | None = Field(description="Saved prospects whose shortlist the change moved")
    prospects: list[MovedProspect]
    warnings: list[str] = Field(default_factory=list)
    dry_run: bool = False


def change_out(
    session: Session, e: KbEvent, version: int | None = None, warnings: list[str] | None = None
) -> ChangeOut:
    moved = session.scalars(
        select(KbEventProspect).where(KbEventProspect.event_id == e.id).order_by(KbEventProspect.id)
    )
    names = {p.id: p.name for p in session.scalars(select(ProspectRow))}
    return ChangeOut(
        id=e.id,
        kind=e.kind,
        doc_id=e.doc_id,
        at=e.at,
        by_key=e.by_key,
        reason=e.reason,
        measures=e.measures,
        locations=dict(e.details.get("locations", {})),
        kb_hash_before=e.kb_hash_before,
        kb_hash_after=e.kb_hash_after,
        version=version,
        affected_prospects=e.affected,
        prospects=[
            MovedProspect(
                prospect_id=x.prospect_id,
                name=names.get(x.prospect_id, ""),
                snapshot_id=x.snapshot_id,
                before=x.before,
                after=x.after,
            )
            for x in moved
        ],
        warnings=warnings or [],
    )


def issues_error(change: DocumentChange, proposal_of: dict[str, int] | None = None) -> ApiError:
    """Every validation problem, each naming its file and field; a measure's problem also names its proposal."""
    errors = []
    for i in change.issues:
        err = {"field": f"{i.file}: {i.field}", "message": i.message}
        mid = i.field.split("(", 1)[1].split(")", 1)[0] if "(" in i.field else None
        if proposal_of and mid in proposal_of:
            err["proposal"] = str(proposal_of[mid])
        errors.append(err)
    first: Issue = change.issues[0]
    return ApiError(
        422, f"{len(change.issues)} problem(s), nothing written; first: {first}", code="kb_invalid", errors=errors
    )


def publish(request: Request, live: LiveKB, old: Matcher, version: int) -> Matcher:
    """Build and serve the new knowledge base in this process (the others follow on their next request)."""
    try:
        fresh: Matcher = request.app.state.rebuild(old)
    except Exception as exc:  # validated before writing, so this is a fault of the machine; others retry
        log.error("the new knowledge base did not build: %s", exc)
        raise ApiError(
            500, "the change is written but the new knowledge base did not build; see the server log"
        ) from exc
    live.adopt(fresh, version)
    return fresh


@router.post(
    "/documents/{ingest_id}/import",
    response_model=ChangeOut,
    summary="Import the accepted measures (admin)",
    responses=CONFLICT,
)
def import_(
    ingest_id: IngestId,
    request: Request,
    session: SessionDep,
    m: MatcherDep,
    key: Admin,
    dry_run: bool = Query(default=False, description="Check everything, write nothing"),
) -> ChangeOut:
    """All or nothing: the document's text, its reviewed manifest entry, new places and accepted measures must
    together pass every check of `matcher kb validate`, or nothing is written and each problem is listed."""
    job = get_ingest(session, ingest_id, reviewing=True)
    props = rows(session, job.id)
    pending = [p for p in props if p.status == "pending"]
    if pending and not dry_run:
        raise ApiError(409, f"{len(pending)} proposal(s) still pending: accept or reject each before importing")
    accepted = [p for p in props if p.status == "accepted"]
    if not accepted and not dry_run:
        raise ApiError(409, "no proposal is accepted: nothing to import")
    entry = {k: v for k, v in job.manifest.items() if v is not None or k in ("doc_number", "issued")}
    if str(entry.get("title_en", "")).startswith("TODO"):
        raise ApiError(
            422,
            "manifest title_en: write the English title",
            errors=[{"field": "manifest.title_en", "message": "write the English title"}],
        )
    items = [p.item for p in accepted]
    proposal_of = {str(p.item.get("id")): p.id for p in accepted}
    live: LiveKB = request.app.state.kb_live
    args: dict[str, Any] = {
        "entry": entry,
        "text": job.text or "",
        "measures": items,
        "new_locations": job.new_locations,
    }
    warnings = [
        f"proposal {p.id}: the English title and offer are the machine's draft"
        for p in accepted
        if "[machine draft" in str(p.item.get("offer_en", ""))
    ]
    if dry_run:
        change = add_document(m.kb.root, dry_run=True, **args)
        if change.issues:
            raise issues_error(change, proposal_of)
        return _dry(change, "import", key, warnings)
    try:
        with live.writing() as done:
            change = add_document(m.kb.root, **args)
            if change.issues:
                raise issues_error(change, proposal_of)
            version = done(change.kb_hash_after)
    except Busy as err:
        raise ApiError(409, str(err)) from err
    event = KbEvent(
        kind="import",
        doc_id=change.doc_id,
        by_key=key.prefix,
        reason=f"imported from {job.filename}",
        measures=sum(change.added.values()),
        kb_hash_before=change.kb_hash_before,
        kb_hash_after=change.kb_hash_after,
        ingest_id=job.id,
        details={"locations": dict(change.added), "new_locations": change.new_locations, "written": change.written},
    )
    session.add(event)
    session.flush()
    job.status, job.event_id = "imported", event.id
    session.commit()
    fresh = publish(request, live, m, version)
    record_moves(session, event, m, fresh)
    return change_out(session, event, version, warnings)


def _dry(change: DocumentChange, kind: Literal["import", "withdraw"], key: ApiKey, warnings: list[str]) -> ChangeOut:
    counts = change.added if kind == "import" else change.removed
    return ChangeOut(
        id=None,
        kind=kind,
        doc_id=change.doc_id,
        at=None,
        by_key=key.prefix,
        reason="",
        measures=sum(counts.values()),
        locations=dict(counts),
        kb_hash_before=change.kb_hash_before,
        kb_hash_after="",
        version=None,
        affected_prospects=None,
        prospects=[],
        warnings=warnings,
        dry_run=True,
    )


class Withdrawal(BaseModel):
    model_config = {"extra": "forbid"}

    doc_id: str = Field(min_length=1, max_length=80)
    reason: str = Field(min_length=3, max_length=1000, description="Why, e.g. superseded by gz-biomed-2026")


@router.post(
    "/withdrawals",
    response_model=ChangeOut,
    summary="Withdraw a document from the knowledge base (admin)",
    responses=CONFLICT,
)
def withdraw(
    req: Withdrawal,
    request: Request,
    session: SessionDep,
    m: MatcherDep,
    key: Admin,
    dry_run: bool = Query(default=False, description="Check everything, write nothing"),
) -> ChangeOut:
    """Its measures, other measures' citations of it, its manifest entry and its text leave data/; the record
    (who, when, why) stays in sources/withdrawn.yaml and in the history of changes."""
    if req.doc_id not in m.kb.sources:
        msg = f"no document {req.doc_id!r} in the knowledge base"
        raise ApiError(422, msg, errors=[{"field": "doc_id", "message": msg}])
    live: LiveKB = request.app.state.kb_live
    who = f"key {key.prefix} ({key.name})"
    if dry_run:
        change = withdraw_document(m.kb.root, req.doc_id, by=who, reason=req.reason, dry_run=True)
        if change.issues:
            raise issues_error(change)
        return _dry(change, "withdraw", key, [])
    try:
        with live.writing() as done:
            change = withdraw_document(m.kb.root, req.doc_id, by=who, reason=req.reason)
            if change.issues:
                raise issues_error(change)
            version = done(change.kb_hash_after)
    except Busy as err:
        raise ApiError(409, str(err)) from err
    event = KbEvent(
        kind="withdraw",
        doc_id=req.doc_id,
        by_key=key.prefix,
        reason=req.reason,
        measures=sum(change.removed.values()),
        kb_hash_before=change.kb_hash_before,
        kb_hash_after=change.kb_hash_after,
        details={"locations": dict(change.removed), "written": change.written, "deleted": change.deleted},
    )
    session.add(event)
    session.commit()
    fresh = publish(request, live, m, version)
    record_moves(session, event, m, fresh)
    return change_out(session, event, version)


@router.get("/changes", response_model=list[ChangeOut], summary="Imports and withdrawals, newest first")
def changes(session: SessionDep, _: Reader) -> list[ChangeOut]:
    events = session.scalars(select(KbEvent).order_by(KbEvent.id.desc()).limit(200))
    return [change_out(session, e) for e in events]


@router.get("/changes/{event_id}", response_model=ChangeOut, summary="One change with the prospects it moved")
def change(event_id: RowId, session: SessionDep, _: Reader) -> ChangeOut:
    e = session.get(KbEvent, event_id)
    if e is None:
        raise ApiError(404, f"no change {event_id}")
    return change_out(session, e)


__all__ = ["router"]
