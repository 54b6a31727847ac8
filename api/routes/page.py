"""The officer's web app: its pages (one HTML file per view), Leaflet from its Python package, the map's
boundaries and the briefing export. Every page is served with a content-security policy: no inline script or style."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse, HTMLResponse

from matcher.ranking import Ranking

from ..boundaries import boundaries as load_boundaries
from ..briefing import workbook
from ..deps import Reader
from ..errors import ApiError
from ..xlsx import xlsx_response

STATIC = Path(__file__).resolve().parents[1] / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}
router = APIRouter(tags=["page"])


@router.get("/boundaries", summary="Offline GeoJSON of Guangdong, its cities and districts (for the map page)")
def boundaries(_: Reader) -> dict[str, Any]:
    return load_boundaries()


@router.post("/briefing.xlsx", summary="A shortlist as an XLSX briefing (shortlist, evidence, incentives, ended)")
def briefing(ranking: Ranking, _: Reader) -> Response:
    return xlsx_response(workbook(ranking), "briefing.xlsx")


page = APIRouter(include_in_schema=False)


# The views other than the map are drawn by their script into one shell: (i18n key of the title, extra stylesheets).
VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "batches": ("b-title", ()),
    "document": ("docs-title", ()),
    "documents": ("docs-title", ()),
    "ingest": ("in-title", ("/static/ingest.css",)),
    "pipeline": ("pipe-title", ()),
    "place": ("place-title", ("/vendor/leaflet/leaflet.css",)),
    "prospect": ("pipe-title", ()),
    "review": ("rv-title", ("/static/ingest.css",)),
}
SHELL = (STATIC / "shell.html").read_text(encoding="utf-8")


@lru_cache(maxsize=len(VIEWS))
def shell(name: str) -> str:
    title, extra = VIEWS[name]
    sheets = [
        *(s for s in extra if s.startswith("/vendor/")),
        "/static/app.css",
        *(s for s in extra if s.startswith("/static/")),
    ]
    styles = "\n".join(f'<link rel="stylesheet" href="{s}">' for s in sheets)
    return SHELL.format(name=name, title=title, styles=styles)


def view(name: str) -> Response:
    return HTMLResponse(shell(name), headers=HEADERS)


@page.get("/")
def map_view() -> FileResponse:
    return FileResponse(STATIC / "map.html", media_type="text/html; charset=utf-8", headers=HEADERS)


@page.get("/places/{location_id}")
def place_view(location_id: str) -> Response:
    return view("place")


@page.get("/documents")
def library_view() -> Response:
    return view("documents")


@page.get("/documents/{doc_id}")
def document_view(doc_id: str) -> Response:
    return view("document")


@page.get("/pipeline")
def pipeline_view() -> Response:
    return view("pipeline")


@page.get("/pipeline/{prospect_id}")
def prospect_view(prospect_id: str) -> Response:
    return view("prospect")


@page.get("/batches")
def batches_view() -> Response:
    return view("batches")


def leaflet_dir() -> Path:
    from xstatic.pkg import leaflet

    return Path(leaflet.BASE_DIR).resolve()


@page.get("/vendor/leaflet/{path:path}")
def leaflet(path: str) -> FileResponse:
    """Leaflet's ES module, stylesheet and images, from the xstatic-leaflet package (no CDN)."""
    base = leaflet_dir()
    target = (base / path).resolve()
    if not target.is_relative_to(base) or not target.is_file() or target.suffix not in (".js", ".css", ".png"):
        raise ApiError(404, f"no file {path!r}")
    return FileResponse(target, headers={"Cache-Control": "max-age=86400"})
