"""Dependencies: the shared matcher, a database session per request, and key checks by role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from matcher.engine import Matcher

from .config import Settings
from .db.models import ApiKey
from .db.repository import find_key
from .errors import ApiError
from .security import Role, allows

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key (see `matcher keys create`).")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_matcher(request: Request) -> Matcher:
    """The newest knowledge base's engine: rebuilt here first if another process imported or withdrew a document."""
    m: Matcher = request.app.state.kb_live.current()
    return m


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
MatcherDep = Annotated[Matcher, Depends(get_matcher)]
SessionDep = Annotated[Session, Depends(get_session)]


def _key(session: Session, token: str | None, need: Role) -> ApiKey:
    if not token:
        raise ApiError(401, "this endpoint needs an API key in the X-API-Key header")
    key = find_key(session=session, token=token)
    if key is None:
        raise ApiError(401, "unknown or revoked API key")
    if not allows(key.role, need):
        raise ApiError(403, f"this endpoint needs a {need} key; this key is a {key.role} key")
    return key


def require(need: Role):  # type: ignore[no-untyped-def]
    def dep(session: SessionDep, token: Annotated[str | None, Security(api_key_header)]) -> ApiKey:
        return _key(session, token, need)

    return dep


def read_access(
    settings: SettingsDep, session: SessionDep, token: Annotated[str | None, Security(api_key_header)]
) -> ApiKey | None:
    """Read endpoints are open unless MATCHER_READ_REQUIRES_KEY is set; then any valid key will do."""
    if not settings.read_requires_key:
        return None
    return _key(session, token, "viewer")


Editor = Annotated[ApiKey, Depends(require("editor"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
Reader = Annotated[ApiKey | None, Depends(read_access)]
