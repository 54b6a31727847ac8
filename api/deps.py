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

KEY_HELP = "API key (see `matcher keys create`)."
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="ApiKey", description=KEY_HELP)
# The same header where a key is optional; api.openapi documents these operations as open to callers without one.
optional_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="OptionalApiKey", description=KEY_HELP
)


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
Token = Annotated[str | None, Security(api_key_header)]
OptionalToken = Annotated[str | None, Security(optional_key_header)]


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
    def dep(session: SessionDep, token: Token) -> ApiKey:
        return _key(session, token, need)

    return dep


def open_access(request: Request, settings: SettingsDep, token: OptionalToken) -> ApiKey | None:
    """Matching, the map, places and sectors are open unless MATCHER_READ_REQUIRES_KEY is set. A key that is sent
    is checked all the same: a wrong or revoked one is refused, never ignored. An open request without a key opens
    no database session."""
    if not settings.read_requires_key and not token:
        return None
    with request.app.state.sessions() as session:
        return _key(session, token, "viewer")


# Prospects and batches are confidential: reading them needs a key, and shows its team's rows (all for admin).
Viewer = Annotated[ApiKey, Depends(require("viewer"))]
Editor = Annotated[ApiKey, Depends(require("editor"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
Reader = Annotated[ApiKey | None, Depends(open_access)]
