"""The path parameters that name a stored row: integer keys within the database's INTEGER range, and the 32-hex ids
of uploads and list jobs. A value outside them is a 422 naming the parameter, never a database error."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

ID_MAX = 2_147_483_647  # the INTEGER primary key's range on SQLite and PostgreSQL
RowId = Annotated[int, Path(ge=1, le=ID_MAX)]
HexId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]

__all__ = ["ID_MAX", "HexId", "RowId"]
