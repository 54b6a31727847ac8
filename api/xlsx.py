"""An openpyxl workbook as a download response."""

from __future__ import annotations

import io
from typing import Any

from fastapi import Response

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(workbook: Any, filename: str) -> Response:
    buf = io.BytesIO()
    workbook.save(buf)
    return Response(
        buf.getvalue(), media_type=XLSX_MEDIA, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
