"""Policy ingestion over the API: upload a document (admin), watch its extraction, review its proposals and its
manifest entry (editor), import the accepted measures or discard the upload (admin)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matcher.kb.extract import ExtractError, read_bytes
from matcher.kb.extract.check import check_policy
from matcher.kb.extract.segment import segment
from matcher.kb.models import ALL_SECTORS, Level, Location, Modality, Period

from ..db.kb import KbIngest, KbProposal
from ..deps import Admin, Editor, MatcherDep, Reader, SessionDep, SettingsDep
from ..errors import ApiError
from ..kb_jobs import METADATA, ingest_dir, input_file
from ..kb_review import low_fields
from ..openapi import CONFLICT
from .ids import HexId

router = APIRouter(prefix="/kb", tags=["knowledge base"])
IngestId = HexId
DOC_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ACTIVE = ("queued", "running", "review")


class IngestOut(BaseModel):
    id: str
    doc_id: str
    filename: str
    status: Literal["queued", "running", "review", "imported", "failed", "discarded"]
    stage: str
    progress: float
    code: str | None = Field(description="Why extraction failed, e.g. no_text_layer, not_policy_document.")
    message: str
    counts: dict[str, int] = Field(description="Proposals by status, and `low`: those with a low-confidence field.")
    event_id: int | None
    created_at: Any
    updated_at: Any


class IngestDetail(IngestOut):
    manifest: dict[str, Any]
    manifest_confidence: dict[str, Any]
    new_locations: list[dict[str, Any]]
    extraction: dict[str, Any] = Field(description="format, skipped sections with reasons, what was not read, notes")
    text: str | None


def counts(session: Session, ingest_id: str) -> dict[str, int]:
    rows = session.execute(
        select(KbProposal.status, func.count()).where(KbProposal.ingest_id == ingest_id).group_by(KbProposal.status)
    ).all()
    out = {"pending": 0, "accepted": 0, "rejected": 0}
    out.update({str(s): int(n) for s, n in rows})
    out["low"] = sum(
        1
        for c in session.scalars(select(KbProposal.confidence).where(KbProposal.ingest_id == ingest_id))
        if low_fields(c)
    )
    return out


def ingest_out(session: Session, job: KbIngest) -> IngestOut:
    return IngestOut(
        id=job.id,
        doc_id=job.doc_id,
        filename=job.filename,
        status=job.status,
        stage=job.stage,
        progress=job.progress,
        code=job.code,
        message=job.message,
        counts=counts(session, job.id),
        event_id=job.event_id,
        created_at=job.created_at,
        updated_at=job.updated_at,
    )


def detail(session: Session, job: KbIngest) -> IngestDetail:
    return IngestDetail(
        **ingest_out(session, job).model_dump(),
        manifest=job.manifest,
        manifest_confidence=job.manifest_confidence,
        new_locations=job.new_locations,
        extraction=job.extraction,
        text=job.text,
    )


def get_ingest(session: Session, ingest_id: str, *, reviewing: bool = False) -> KbIngest:
    job = session.get(KbIngest, ingest_id)
    if job is None:
        raise ApiError(404, f"no uploaded document {ingest_id}")
    if reviewing and job.status != "review":
        raise ApiError(409, f"{job.doc_id} is {job.status}: only a document under review can change")
    return job


def _refuse(err: ExtractError) -> ApiError:
    return ApiError(422, str(err), code=err.code, errors=[{"field": "file", "message": str(err)}])


@router.post(
    "/documents",
    response_model=IngestOut,
    status_code=202,
    summary="Upload a policy document (admin)",
    responses=CONFLICT,
)
def upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    m: MatcherDep,
    key: Admin,
    file: Annotated[UploadFile, File(description=".txt (UTF-8 or GBK), .docx, .pdf with a text layer, .html")],
    doc_id: Annotated[str, Form(min_length=3, max_length=80, description="New document id, e.g. gz-biomed-2026")],
    allow_unnumbered: Annotated[bool, Form()] = False,
    title: Annotated[str | None, Form(max_length=300)] = None,
    title_en: Annotated[str | None, Form(max_length=300)] = None,
    short_zh: Annotated[str | None, Form(max_length=40)] = None,
    short_en: Annotated[str | None, Form(max_length=60)] = None,
    issuer: Annotated[str | None, Form(max_length=100)] = None,
    doc_number: Annotated[str | None, Form(max_length=60)] = None,
    issued: Annotated[dt.date | None, Form()] = None,
    level: Annotated[Literal["province", "city", "district"] | None, Form()] = None,
    location: Annotated[str | None, Form(max_length=60)] = None,
) -> IngestOut:
    """The file is read at once, so that a file that cannot be used is refused now with the reason (unsupported
    type, damaged, too large, scanned with no text layer, empty, not a policy document, no section numbering);
    extraction then runs in the background (`GET /kb/documents/{id}` for progress)."""
    if not DOC_ID.match(doc_id):
        raise ApiError(
            422,
            "doc_id: lower-case letters, digits and hyphens",
            errors=[{"field": "doc_id", "message": "lower-case letters, digits and hyphens"}],
        )
    if doc_id in m.kb.sources:
        raise ApiError(
            409, f"document {doc_id!r} is already in the knowledge base; withdraw it first or choose a new id"
        )
    busy = session.scalar(select(KbIngest).where(KbIngest.doc_id == doc_id, KbIngest.status.in_(ACTIVE)))
    if busy is not None:
        raise ApiError(409, f"document {doc_id!r} is already uploaded ({busy.status}): review or discard it first")
    if location is not None and location not in m.kb.locations:
        raise ApiError(
            422, f"unknown location {location!r}", errors=[{"field": "location", "message": "unknown location"}]
        )
    name = Path(file.filename or "upload").name[:200]
    data = file.file.read()  # the body limit bounds it; read_bytes names the size if it is over MAX_BYTES
    try:
        doc = read_bytes(data, name)
        check_policy(doc, name)
        if not allow_unnumbered and not segment(doc.text).numbered:
            raise ApiError(
                422,
                f"{name} has no recognisable section numbering (一、 / （一） / 1.): quotes could not cite a section. "
                "Check the text, or upload with allow_unnumbered to cite the whole document",
                code="no_section_numbering",
                errors=[{"field": "file", "message": "no section numbering"}],
            )
    except ExtractError as err:
        raise _refuse(err) from err
    metadata = {
        k: v
        for k, v in {
            "title": title,
            "title_en": title_en,
            "short_zh": short_zh,
            "short_en": short_en,
            "issuer": issuer,
            "doc_number": doc_number,
            "issued": issued.isoformat() if issued else None,
            "level": level,
            "location": location,
        }.items()
        if v not in (None, "") and k in METADATA
    }
    job = KbIngest(
        id=uuid.uuid4().hex,
        doc_id=doc_id,
        filename=name,
        status="queued",
        stage="queued",
        progress=0.0,
        message="",
        options={"metadata": metadata, "allow_unnumbered": allow_unnumbered},
        manifest={},
        manifest_confidence={},
        new_locations=[],
        extraction={},
        by_key=key.prefix,
    )
    folder = ingest_dir(settings.var_dir, job.id)
    folder.mkdir(parents=True, exist_ok=True)
    input_file(settings.var_dir, job).write_bytes(data)
    session.add(job)
    session.commit()
    request.app.state.ingest_worker.notify()
    return ingest_out(session, job)


@router.get("/vocabulary", summary="What a measure's fields may hold: kinds, modalities, sectors, needs, places")
def vocabulary(m: MatcherDep, _: Reader) -> dict[str, Any]:
    tax = m.kb.taxonomy
    return {
        "kinds": [{"id": k.id, "zh": k.zh, "en": k.en} for k in tax.incentive_kinds],
        "modalities": list(get_args(Modality)),
        "needs": [{"id": n.id, "zh": n.zh, "en": n.en} for n in tax.needs],
        "sectors": [{"id": ALL_SECTORS, "zh": "全部（不限细分领域）", "en": "All (sector-neutral)", "domain": None}]
        + [{"id": d.id, "zh": d.zh, "en": d.en, "domain": None} for d in tax.domains]
        + [{"id": x.id, "zh": x.zh, "en": x.en, "domain": d.id} for d in tax.domains for x in d.sectors],
        "locations": [
            {"id": loc.id, "name_zh": loc.name_zh, "name_en": loc.name_en, "level": loc.level, "parent": loc.parent}
            for loc in m.kb.locations.values()
        ],
        "documents": sorted(m.kb.sources),
    }


@router.get("/documents", response_model=list[IngestOut], summary="Uploaded documents, newest first")
def list_(session: SessionDep, _: Reader) -> list[IngestOut]:
    jobs = session.scalars(select(KbIngest).order_by(KbIngest.created_at.desc()).limit(200))
    return [ingest_out(session, j) for j in jobs]


@router.get("/documents/{ingest_id}", response_model=IngestDetail, summary="An upload: progress, manifest, text")
def one(ingest_id: IngestId, session: SessionDep, _: Reader) -> IngestDetail:
    return detail(session, get_ingest(session, ingest_id))


class ManifestPatch(BaseModel):
    """Fields of the proposed manifest entry; the id is the upload's and does not change."""

    model_config = {"extra": "forbid"}

    title: str | None = Field(default=None, min_length=1, max_length=300)
    title_en: str | None = Field(default=None, min_length=1, max_length=300)
    short_zh: str | None = Field(default=None, max_length=40)
    short_en: str | None = Field(default=None, max_length=60)
    issuer: str | None = Field(default=None, min_length=1, max_length=100)
    doc_number: str | None = Field(default=None, max_length=60)
    issued: dt.date | None = None
    level: Literal["province", "city", "district"] | None = None
    location: str | None = Field(default=None, max_length=60)
    period: dict[str, Any] | None = None
    file: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.txt$")
    parts: list[dict[str, Any]] | None = None
    no_measures: dict[str, str] | None = None


@router.patch(
    "/documents/{ingest_id}/manifest",
    response_model=IngestDetail,
    summary="Edit the manifest entry",
    responses=CONFLICT,
)
def edit_manifest(
    ingest_id: IngestId, req: ManifestPatch, session: SessionDep, m: MatcherDep, _: Editor
) -> IngestDetail:
    job = get_ingest(session, ingest_id, reviewing=True)
    changes = req.model_dump(exclude_unset=True, mode="json")
    if changes.get("location") and changes["location"] not in m.kb.locations:
        raise ApiError(
            422,
            f"unknown location {changes['location']!r}",
            errors=[{"field": "location", "message": "unknown location"}],
        )
    if "period" in changes:
        try:
            changes["period"] = Period.model_validate(changes["period"]).model_dump(mode="json")
        except ValidationError as err:
            msgs = [{"field": "period." + ".".join(map(str, e["loc"])), "message": e["msg"]} for e in err.errors()]
            raise ApiError(422, f"{msgs[0]['field']}: {msgs[0]['message']}", errors=msgs) from err
    job.manifest = {**job.manifest, **changes}
    session.commit()
    return detail(session, job)


class NewPlace(BaseModel):
    model_config = {"extra": "forbid"}

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)
    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=120)
    level: Level
    parent: str = Field(max_length=60)
    lat: float = Field(ge=20.1, le=25.6, description="WGS84, inside Guangdong")
    lon: float = Field(ge=109.6, le=117.4)
    precision: str = Field(default="approximate", max_length=120)
    aliases: list[str] = Field(default_factory=list, max_length=20)


@router.put(
    "/documents/{ingest_id}/locations",
    response_model=IngestDetail,
    summary="New places the document names",
    responses=CONFLICT,
)
def new_places(
    ingest_id: IngestId, places: list[NewPlace], session: SessionDep, m: MatcherDep, _: Editor
) -> IngestDetail:
    job = get_ingest(session, ingest_id, reviewing=True)
    ids = [p.id for p in places]
    errors = [
        {"field": f"[{i}].id", "message": f"location {x!r} already exists"}
        for i, x in enumerate(ids)
        if x in m.kb.locations
    ]
    errors += [{"field": f"[{i}].id", "message": "given twice"} for i, x in enumerate(ids) if ids.index(x) != i]
    errors += [
        {"field": f"[{i}].parent", "message": f"unknown parent {p.parent!r}"}
        for i, p in enumerate(places)
        if p.parent not in m.kb.locations and p.parent not in ids
    ]
    if errors:
        raise ApiError(422, f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)
    rows = []
    for p in places:
        loc = {
            "id": p.id,
            "name_zh": p.name_zh,
            "name_en": p.name_en,
            "level": p.level,
            "parent": p.parent,
            "aliases": p.aliases,
            "coordinates": {"lat": p.lat, "lon": p.lon, "precision": p.precision},
        }
        try:
            Location.model_validate({**loc, "measures": []})
        except ValidationError as err:
            raise ApiError(
                422,
                f"{p.id}: {err.errors()[0]['msg']}",
                errors=[{"field": p.id, "message": str(err.errors()[0]["msg"])}],
            ) from err
        rows.append(loc)
    job.new_locations = rows
    session.commit()
    return detail(session, job)


@router.delete(
    "/documents/{ingest_id}",
    status_code=204,
    summary="Discard an upload that was not imported (admin)",
    responses=CONFLICT,
)
def discard(ingest_id: IngestId, session: SessionDep, settings: SettingsDep, _: Admin) -> Response:
    job = get_ingest(session, ingest_id)
    if job.status == "imported":
        raise ApiError(409, f"{job.doc_id} was imported; withdraw the document instead")
    if job.status == "running":
        raise ApiError(409, "extraction is running; discard it when it has finished")
    job.status = "discarded"
    session.commit()
    shutil.rmtree(ingest_dir(settings.var_dir, job.id), ignore_errors=True)
    return Response(status_code=204)


__all__ = ["ACTIVE", "IngestDetail", "IngestOut", "detail", "get_ingest", "router"]
