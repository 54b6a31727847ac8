"""POST /batches (upload a company list), GET /batches/{id} (progress), GET …/result and …/errors (downloads)."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel

from matcher.batch.columns import Columns
from matcher.batch.read import READERS, InputError, Limits, read_header

from ..batches import FORMATS, errors_file, input_file, job_dir, output_file
from ..db.models import ApiKey, BatchJob
from ..db.repository import get_job, list_jobs
from ..deps import Editor, MatcherDep, SessionDep, SettingsDep, Viewer
from ..errors import ApiError
from ..openapi import error
from .ids import HexId

router = APIRouter(prefix="/batches", tags=["batches"])
JobId = HexId


class BatchOut(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    filename: str
    options: dict[str, Any]
    total_rows: int
    done_rows: int
    progress: float
    scored_rows: int
    error_rows: int
    message: str
    created_at: dt.datetime
    updated_at: dt.datetime


def upload_limits(settings: SettingsDep) -> Limits:
    return Limits(settings.max_upload_rows, settings.max_upload_chars, settings.max_unpacked_bytes)


def out(job: BatchJob) -> BatchOut:
    progress = job.done_rows / job.total_rows if job.total_rows else (1.0 if job.status == "done" else 0.0)
    return BatchOut(
        id=job.id,
        status=job.status,
        filename=job.filename,
        options=job.options,
        total_rows=job.total_rows,
        done_rows=job.done_rows,
        progress=round(progress, 4),
        scored_rows=job.scored_rows,
        error_rows=job.error_rows,
        message=job.message,
        created_at=job.created_at,
        updated_at=job.updated_at,
    )


@router.post(
    "", response_model=BatchOut, status_code=202, summary="Score a company list (CSV/XLSX/JSONL) in the background"
)
def create(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    m: MatcherDep,
    key: Editor,
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or GBK), XLSX or JSONL")],
    location: Annotated[str | None, Form(alias="for", max_length=60)] = None,
    top: Annotated[int, Form(ge=1, le=10)] = 3,
    format: Annotated[Literal["csv", "xlsx", "jsonl"], Form()] = "csv",
    text_col: Annotated[str | None, Form(max_length=100)] = None,
    name_col: Annotated[str | None, Form(max_length=100)] = None,
) -> BatchOut:
    name = Path(file.filename or "upload.csv").name[:200]
    if Path(name).suffix.lower() not in READERS:
        raise ApiError(
            422,
            f"unsupported file {name!r}; send .csv, .xlsx or .jsonl",
            errors=[{"field": "file", "message": "unsupported file type"}],
        )
    if location is not None and location not in m.candidates:
        raise ApiError(422, f"unknown location {location!r}", errors=[{"field": "for", "message": "unknown location"}])
    job = BatchJob(
        id=uuid.uuid4().hex,
        status="queued",
        filename=name,
        by_key=key.prefix,
        team=key.team,
        message="",
        options={"location": location, "top": top, "format": format, "columns": {"text": text_col, "name": name_col}},
    )
    folder = job_dir(settings.var_dir, job.id)
    folder.mkdir(parents=True, exist_ok=True)
    with input_file(settings.var_dir, job).open("wb") as f:
        shutil.copyfileobj(file.file, f)
    try:  # the header only: a missing column is refused now; the rows are read by the worker
        header = read_header(input_file(settings.var_dir, job), name, upload_limits(settings))
        if header is not None:
            Columns.find(header, job.options["columns"])
    except InputError as err:
        shutil.rmtree(folder, ignore_errors=True)
        raise ApiError(422, str(err), errors=[{"field": "file", "message": str(err)}]) from err
    session.add(job)
    session.commit()
    request.app.state.batch_worker.notify()
    return out(job)


@router.get("", response_model=list[BatchOut], summary="The team's batch jobs, newest first")
def list_(session: SessionDep, key: Viewer) -> list[BatchOut]:
    return [out(j) for j in list_jobs(session=session, key=key)]


def visible_job(session: SessionDep, job_id: str, key: ApiKey) -> BatchJob:
    """The job if the key's team may see it; another team's is as absent as a missing one."""
    job = get_job(session=session, job_id=job_id, key=key)
    if job is None:
        raise ApiError(404, f"no batch job {job_id}")
    return job


@router.get("/{job_id}", response_model=BatchOut, summary="A job's status and progress")
def get(job_id: JobId, session: SessionDep, key: Viewer) -> BatchOut:
    return out(visible_job(session, job_id, key))


def _download(
    session: SessionDep, settings: SettingsDep, job_id: str, which: str, key: ApiKey
) -> FileResponse | JSONResponse:
    job = visible_job(session, job_id, key)
    if job.status != "done":
        raise ApiError(409, f"job {job_id} is {job.status}; results are ready when it is done")
    path = output_file(settings.var_dir, job) if which == "result" else errors_file(settings.var_dir, job)
    stem = Path(job.filename).stem
    name = f"{stem}-scored.{job.options['format']}" if which == "result" else f"{stem}-errors.csv"
    fmt = job.options["format"] if which == "result" else "csv"
    return FileResponse(path, filename=name, media_type=MEDIA[fmt])


MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson",
}
DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    },
    409: error(409, "The job is not done yet"),
}


@router.get("/{job_id}/result", summary="Download the scored list", responses=DOWNLOAD)
def result(job_id: JobId, session: SessionDep, settings: SettingsDep, key: Viewer) -> Any:
    return _download(session, settings, job_id, "result", key)


@router.get("/{job_id}/errors", summary="Download the rows that could not be scored, with reasons", responses=DOWNLOAD)
def errors(job_id: JobId, session: SessionDep, settings: SettingsDep, key: Viewer) -> Any:
    return _download(session, settings, job_id, "errors", key)


__all__ = ["FORMATS", "router"]
