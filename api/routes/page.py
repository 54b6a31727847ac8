"""The 招商 map page (served at /), its boundaries, and the briefing export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse

from matcher.ranking import Ranking
from matcher.tabular import xlsx_cell

from ..boundaries import boundaries as load_boundaries
from ..deps import Reader
from ..xlsx import xlsx_response

STATIC = Path(__file__).resolve().parents[1] / "static"
router = APIRouter(tags=["page"])


@router.get("/boundaries", summary="Offline GeoJSON of Guangdong, its cities and districts (for the map page)")
def boundaries(_: Reader) -> dict[str, Any]:
    return load_boundaries()


@router.post("/briefing.xlsx", summary="A shortlist as an XLSX briefing (shortlist, evidence, incentives sheets)")
def briefing(ranking: Ranking, _: Reader) -> Response:
    from openpyxl import Workbook

    zh = ranking.lang == "zh"
    wb = Workbook()
    ws = wb.active
    ws.title = "shortlist"
    ws.append(
        [
            "排名" if zh else "Rank",
            "地点" if zh else "Location",
            "城市" if zh else "City",
            "得分" if zh else "Score",
            "契合度" if zh else "Fit",
            "产业" if zh else "Sector",
            "政策" if zh else "Incentive",
            "有效性" if zh else "Validity",
            "理由" if zh else "Reason",
        ]
    )
    for m in ranking.matches:
        ws.append(
            [
                xlsx_cell(v)
                for v in (
                    m.rank,
                    m.name,
                    m.city,
                    m.score,
                    m.fit,
                    m.components.sector,
                    m.components.incentive,
                    m.components.validity,
                    m.reason,
                )
            ]
        )
    ev = wb.create_sheet("evidence")
    ev.append(["location", "clause", "quote", "document", "section", "validity", "inherited from"])
    for m in ranking.matches:
        for e in m.evidence:
            ev.append(
                [
                    xlsx_cell(v)
                    for v in (
                        m.name,
                        e.title,
                        e.quote,
                        e.doc_title,
                        e.section,
                        e.validity,
                        e.location_id if e.inherited else "",
                    )
                ]
            )
    inc = wb.create_sheet("incentives")
    inc.append(["location", "incentive", "offer", "eligibility", "amounts", "document", "section"])
    for m in ranking.matches:
        for i in m.incentives:
            inc.append(
                [
                    xlsx_cell(v)
                    for v in (m.name, i.title, i.offer, i.eligibility, ", ".join(i.amounts), i.doc_id, i.section)
                ]
            )
    return xlsx_response(wb, "briefing.xlsx")


page = APIRouter(include_in_schema=False)


@page.get("/")
def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")
