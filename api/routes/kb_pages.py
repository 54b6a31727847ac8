"""The web app's views of policy ingestion: uploads with their progress and the history of changes (/ingest),
and the review of one upload (/ingest/{id})."""

from __future__ import annotations

from fastapi import APIRouter, Response

from .page import view

page = APIRouter(include_in_schema=False)


@page.get("/ingest")
def ingest_view() -> Response:
    return view("ingest")


@page.get("/ingest/{ingest_id}")
def review_view(ingest_id: str) -> Response:
    return view("review")
