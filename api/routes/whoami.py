"""GET /whoami: the role of the key the web app holds, so that it can hide what the role cannot do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Security

from ..db.repository import find_key
from ..deps import SessionDep, api_key_header
from ..errors import ApiError

router = APIRouter(tags=["meta"])


@router.get("/whoami", summary="The name and role of the key in X-API-Key (401 when it is missing or unknown)")
def whoami(session: SessionDep, token: Annotated[str | None, Security(api_key_header)]) -> dict[str, str]:
    if not token:
        raise ApiError(401, "no API key in the X-API-Key header")
    key = find_key(session=session, token=token)
    if key is None:
        raise ApiError(401, "unknown or revoked API key")
    return {"name": key.name, "role": key.role, "prefix": key.prefix}
