"""Entity tags for prospects, and If-Match: a write based on a stale read is refused with 412."""

from __future__ import annotations

import hashlib

from .db.models import ProspectRow
from .errors import ApiError


def etag(row: ProspectRow) -> str:
    """Strong and opaque; changes with every write (the row's version) and differs between rows, including a row
    that takes the id of a deleted one."""
    seed = f"{row.id}:{row.created_at.isoformat()}:{row.version}"
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:20] + '"'


def require_match(row: ProspectRow, if_match: str | None) -> None:
    """No header: no condition. `*`: any current version. Otherwise one of the listed tags must be the current one
    (strong comparison, so a weak W/ tag never matches)."""
    if if_match is None or if_match.strip() == "*":
        return
    tags = [t.strip() for t in if_match.split(",")]
    if etag(row) not in tags:
        raise ApiError(
            412,
            f"prospect {row.id} has changed since it was read (If-Match {if_match[:60]!r}); read it again",
            code="precondition_failed",
        )
