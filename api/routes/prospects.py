"""Prospects: saved with the ranking they were shown, moved through the pipeline, searched and exported."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy.orm.exc import StaleDataError

from matcher.tabular import safe_cell, xlsx_cell

from ..db.models import ApiKey, ProspectRow, Snapshot
from ..db.repository import (
    PIPELINE,
    TransitionError,
    add_snapshot,
    create_prospect,
    get_prospect,
    list_prospects,
    update_prospect,
)
from ..deps import Admin, Editor, MatcherDep, SessionDep, Viewer
from ..errors import ApiError
from ..etag import etag, require_match
from ..openapi import error
from ..schemas import (
    MatchRequest,
    ProspectCreate,
    ProspectList,
    ProspectOut,
    ProspectUpdate,
    SnapshotChange,
    SnapshotDiff,
    SnapshotInfo,
    Status,
    StatusChange,
)
from ..xlsx import XLSX_MEDIA, xlsx_response
from .ids import ID_MAX, RowId
from .ranking import run_match

router = APIRouter(prefix="/prospects", tags=["prospects"])
ProspectId = RowId
SnapshotId = RowId
FIELD_KEYS = ("stage", "revenue_cny", "headcount", "investment_cny", "needs", "company_type", "hk_macau", "lang")
ATTEMPTS = 3  # a write that finds the row changed since it was read is tried again on the fresh row
IfMatch = Annotated[
    str | None,
    Header(
        description="The ETag read (or `*`); the write is refused with 412 if the prospect has changed since.",
        pattern=r'^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$',
        max_length=2000,
    ),
]
EXPORTED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The prospects as a file",
        "content": {"text/csv": {"schema": {"type": "string"}}, XLSX_MEDIA: {"schema": {"type": "string"}}},
    }
}


def snapshot_info(s: Snapshot) -> SnapshotInfo:
    top = [x["location_id"] for x in s.ranking.get("matches", [])]
    sectors = [x["id"] for x in s.ranking.get("sectors", [])]
    return SnapshotInfo(
        id=s.id,
        created_at=s.created_at,
        kb_hash=s.kb_hash,
        model=s.model,
        preset=s.preset,
        as_of=s.as_of,
        top=top,
        sectors=sectors,
    )


def out(row: ProspectRow) -> ProspectOut:
    return ProspectOut(
        id=row.id,
        name=row.name,
        description=row.description,
        fields=row.fields,
        status=row.status,
        owner=row.owner,
        notes=row.notes,
        tags=row.tags,
        created_at=row.created_at,
        updated_at=row.updated_at,
        etag=etag(row),
        snapshots=[snapshot_info(s) for s in row.snapshots],
        history=[
            StatusChange(at=e.at, from_status=e.from_status, to_status=e.to_status, by_key=e.by_key) for e in row.events
        ],
    )


def tagged(row: ProspectRow, response: Response) -> ProspectOut:
    response.headers["ETag"] = etag(row)
    return out(row)


def get_row(session: SessionDep, prospect_id: int, key: ApiKey) -> ProspectRow:
    """The prospect if the key's team may see it; another team's is as absent as a missing one."""
    row = get_prospect(session=session, prospect_id=prospect_id, key=key)
    if row is None:
        raise ApiError(404, f"no prospect {prospect_id}")
    return row


def request_of(row: ProspectRow, preset: str | None = None, as_of: Any = None, top_k: int = 10) -> MatchRequest:
    return MatchRequest(
        description=row.description,
        preset=preset,
        as_of=as_of,
        top_k=top_k,
        **{k: v for k, v in row.fields.items() if k in FIELD_KEYS},
    )


@router.post(
    "",
    response_model=ProspectOut,
    status_code=201,
    summary="Save a prospect with the ranking it is shown (in the key's team)",
)
def create(req: ProspectCreate, m: MatcherDep, session: SessionDep, key: Editor, response: Response) -> ProspectOut:
    fields = req.model_dump(include=set(FIELD_KEYS), exclude_none=True)
    mr = MatchRequest(**req.model_dump(include={"description", *FIELD_KEYS, "preset", "as_of", "top_k"}))
    ranking = run_match(m, mr).to_dict()
    data = {
        "name": req.name,
        "description": req.description,
        "fields": fields,
        "status": req.status,
        "owner": req.owner,
        "notes": req.notes,
        "tags": req.tags,
        "team": key.team,
    }
    return tagged(create_prospect(session=session, data=data, ranking=ranking, by_key=key.prefix), response)


@router.get("", response_model=ProspectList, summary="List, filter and search the team's prospects")
def list_(
    session: SessionDep,
    key: Viewer,
    status: Status | None = None,
    owner: str | None = Query(default=None, max_length=100),
    tag: str | None = Query(default=None, max_length=50),
    q: str | None = Query(default=None, max_length=200, description="Words that must all appear"),
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0, le=ID_MAX),
) -> ProspectList:
    rows, total = list_prospects(
        session=session, key=key, status=status, owner=owner, tag=tag, text=q, limit=limit, offset=offset
    )
    return ProspectList(total=total, items=[out(r) for r in rows])


EXPORT_COLUMNS = [
    "id",
    "name",
    "status",
    "owner",
    "tags",
    "top_locations",
    "created_at",
    "updated_at",
    "description",
    "notes",
]


def export_rows(rows: list[ProspectRow]) -> list[list[Any]]:
    table = []
    for r in rows:
        top = snapshot_info(r.snapshots[-1]).top[:5] if r.snapshots else []
        vals = [
            r.id,
            r.name,
            r.status,
            r.owner or "",
            ", ".join(r.tags),
            ", ".join(top),
            r.created_at.isoformat(),
            r.updated_at.isoformat(),
            r.description,
            r.notes,
        ]
        table.append([safe_cell(v) for v in vals])
    return table


@router.get("/export", summary="Export the team's (filtered) prospects as CSV or XLSX", responses=EXPORTED)
def export(
    session: SessionDep,
    key: Viewer,
    format: Literal["csv", "xlsx"] = "csv",
    status: Status | None = None,
    owner: str | None = Query(default=None, max_length=100),
    tag: str | None = Query(default=None, max_length=50),
    q: str | None = Query(default=None, max_length=200),
) -> Response:
    rows, _total = list_prospects(
        session=session, key=key, status=status, owner=owner, tag=tag, text=q, limit=1_000_000
    )
    table = export_rows(rows)
    if format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(EXPORT_COLUMNS)
        w.writerows(table)
        # UTF-8 with BOM: Excel on Chinese Windows then opens it without garbling.
        return Response(
            ("\ufeff" + buf.getvalue()).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="prospects.csv"'},
        )
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "prospects"
    ws.append(EXPORT_COLUMNS)
    for row in table:
        ws.append([xlsx_cell(v) for v in row])
    return xlsx_response(wb, "prospects.xlsx")


@router.api_route("/export", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def export_is_read_only() -> Response:
    # Without this, DELETE /prospects/export would reach DELETE /prospects/{id} and fail as a bad id.
    raise ApiError(405, "only GET is allowed on /prospects/export", headers={"Allow": "GET"})


@router.get("/{prospect_id}", response_model=ProspectOut, summary="A prospect, with its ETag")
def get(prospect_id: ProspectId, session: SessionDep, key: Viewer, response: Response) -> ProspectOut:
    return tagged(get_row(session, prospect_id, key), response)


@router.patch(
    "/{prospect_id}",
    response_model=ProspectOut,
    summary="Move through the pipeline; owner, notes, tags (send If-Match to be sure of what you change)",
    responses={
        409: error(409, "The status cannot move that way, or the prospect keeps changing"),
        412: error(412, "The If-Match ETag is not the current one"),
    },
)
def patch(
    prospect_id: ProspectId,
    req: ProspectUpdate,
    session: SessionDep,
    key: Editor,
    response: Response,
    if_match: IfMatch = None,
) -> ProspectOut:
    # null clears the owner; for status, notes and tags it means "leave as is"
    changes = {k: v for k, v in req.model_dump(exclude_unset=True).items() if v is not None or k == "owner"}
    for _ in range(ATTEMPTS):
        row = get_row(session, prospect_id, key)
        require_match(row, if_match)
        try:
            update_prospect(session=session, prospect=row, changes=changes, by_key=key.prefix)
        except TransitionError as err:
            raise ApiError(409, str(err), errors=[{"field": "status", "message": str(err)}]) from err
        except StaleDataError:  # written by someone else since it was read: check again against what they wrote
            session.rollback()
            continue
        return tagged(row, response)
    raise ApiError(409, f"prospect {prospect_id} keeps changing under this write; read it again and retry")


@router.delete(
    "/{prospect_id}",
    status_code=204,
    summary="Delete a prospect (admin)",
    responses={412: error(412, "The If-Match ETag is not the current one")},
)
def delete(prospect_id: ProspectId, session: SessionDep, key: Admin, if_match: IfMatch = None) -> Response:
    row = get_row(session, prospect_id, key)
    require_match(row, if_match)
    session.delete(row)
    try:
        session.commit()
    except StaleDataError as err:
        raise ApiError(412, f"prospect {prospect_id} changed while it was being deleted; read it again") from err
    return Response(status_code=204)


@router.post(
    "/{prospect_id}/snapshots",
    response_model=SnapshotInfo,
    status_code=201,
    summary="Rank the prospect again today and keep the result",
    responses={409: error(409, "The prospect changed meanwhile")},
)
def resnapshot(prospect_id: ProspectId, m: MatcherDep, session: SessionDep, key: Editor) -> SnapshotInfo:
    row = get_row(session, prospect_id, key)
    last = row.snapshots[-1] if row.snapshots else None
    top_k = len(last.ranking["matches"]) if last else 10
    snap = add_snapshot(
        session=session,
        prospect=row,
        ranking=run_match(m, request_of(row, last.preset if last else None, None, top_k)).to_dict(),
    )
    try:
        session.commit()
    except StaleDataError as err:
        raise ApiError(409, f"prospect {prospect_id} changed meanwhile; try again") from err
    return snapshot_info(snap)


@router.get("/{prospect_id}/snapshots/{snapshot_id}", summary="The full ranking a prospect was shown")
def snapshot(prospect_id: ProspectId, snapshot_id: SnapshotId, session: SessionDep, key: Viewer) -> dict[str, Any]:
    row = get_row(session, prospect_id, key)
    snap = next((s for s in row.snapshots if s.id == snapshot_id), None)
    if snap is None:
        raise ApiError(404, f"prospect {prospect_id} has no snapshot {snapshot_id}")
    return snap.ranking


@router.get(
    "/{prospect_id}/changes",
    response_model=SnapshotDiff,
    summary="How the shortlist moved between snapshots",
    responses={409: error(409, "Fewer than two snapshots")},
)
def changes(
    prospect_id: ProspectId,
    session: SessionDep,
    key: Viewer,
    before: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    after: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
) -> SnapshotDiff:
    row = get_row(session, prospect_id, key)
    snaps = {s.id: s for s in row.snapshots}
    if len(snaps) < 2 and (before is None or after is None):
        raise ApiError(409, "this prospect has fewer than two snapshots; POST /snapshots to add one")
    b = snaps.get(before) if before is not None else row.snapshots[-2]
    a = snaps.get(after) if after is not None else row.snapshots[-1]
    if b is None or a is None:
        raise ApiError(404, "unknown snapshot id")

    def ranks(s: Snapshot) -> dict[str, tuple[int, float]]:
        return {x["location_id"]: (x["rank"], x["score"]) for x in s.ranking["matches"]}

    rb, ra = ranks(b), ranks(a)
    ids = sorted(set(rb) | set(ra), key=lambda i: (ra.get(i, (99, 0))[0], rb.get(i, (99, 0))[0], i))
    diffs = [
        SnapshotChange(
            location_id=i,
            before=rb[i][0] if i in rb else None,
            after=ra[i][0] if i in ra else None,
            score_before=rb[i][1] if i in rb else None,
            score_after=ra[i][1] if i in ra else None,
        )
        for i in ids
    ]
    return SnapshotDiff(
        before=snapshot_info(b), after=snapshot_info(a), kb_changed=a.kb_hash != b.kb_hash, changes=diffs
    )


__all__ = ["PIPELINE", "router"]
