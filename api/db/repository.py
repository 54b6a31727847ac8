"""Storage operations, each a function with keyword-only arguments over a session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session

from ..security import Role, hash_token, new_token, prefix_of
from .models import DEFAULT_TEAM, ApiKey, BatchJob, ProspectRow, Snapshot, StatusEvent, now

PIPELINE = ("lead", "contacted", "visiting", "negotiating", "signed", "lost")
OPEN = PIPELINE[:4]


class TransitionError(ValueError):
    pass


def check_transition(old: str, new: str) -> None:
    """Forward along lead → contacted → visiting → negotiating → signed (steps may be skipped); lost from any
    open stage; signed and lost are final."""
    if old == new:
        return
    if old not in OPEN:
        raise TransitionError(f"a prospect that is {old!r} cannot move to {new!r}")
    if new != "lost" and PIPELINE.index(new) < PIPELINE.index(old):
        raise TransitionError(f"status cannot go back from {old!r} to {new!r}")


# --- keys --------------------------------------------------------------------------------------


def create_key(*, session: Session, name: str, role: Role, team: str = DEFAULT_TEAM) -> tuple[ApiKey, str]:
    token = new_token()
    key = ApiKey(name=name, role=role, team=team, prefix=prefix_of(token), key_hash=hash_token(token))
    session.add(key)
    session.commit()
    return key, token


def find_key(*, session: Session, token: str) -> ApiKey | None:
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_token(token)))
    return key if key is not None and key.revoked_at is None else None


def revoke_key(*, session: Session, ident: str) -> ApiKey | None:
    """Revoke by numeric id or by the key's prefix."""
    q = (
        select(ApiKey).where(ApiKey.id == int(ident))
        if ident.isdigit()
        else select(ApiKey).where(ApiKey.prefix == ident)
    )
    key = session.scalar(q)
    if key is not None and key.revoked_at is None:
        key.revoked_at = dt.datetime.now(dt.UTC)
        session.commit()
    return key


def list_keys(*, session: Session) -> Sequence[ApiKey]:
    return session.scalars(select(ApiKey).order_by(ApiKey.id)).all()


def visible(column: Any, key: ApiKey) -> ColumnElement[bool]:
    """What a key may see of a team's rows: an admin key sees every team's; any other key its own team's."""
    return true() if key.role == "admin" else column == key.team


# --- prospects ---------------------------------------------------------------------------------


def create_prospect(
    *, session: Session, data: dict[str, Any], ranking: dict[str, Any] | None, by_key: str | None
) -> ProspectRow:
    row = ProspectRow(**data)
    session.add(row)
    session.flush()
    session.add(StatusEvent(prospect_id=row.id, from_status=None, to_status=row.status, by_key=by_key))
    if ranking is not None:
        add_snapshot(session=session, prospect=row, ranking=ranking)
    session.commit()
    return row


def add_snapshot(*, session: Session, prospect: ProspectRow, ranking: dict[str, Any]) -> Snapshot:
    snap = Snapshot(
        prospect_id=prospect.id,
        kb_hash=ranking["kb_hash"],
        model=ranking["model"],
        preset=ranking["preset"],
        as_of=ranking["as_of"],
        ranking=ranking,
    )
    session.add(snap)
    if prospect.created_at is not None:  # a snapshot of a saved prospect changes what it reads: a new version
        prospect.updated_at = now()
    session.flush()
    return snap


def get_prospect(*, session: Session, prospect_id: int, key: ApiKey) -> ProspectRow | None:
    q = select(ProspectRow).where(ProspectRow.id == prospect_id, visible(ProspectRow.team, key))
    return session.scalar(q)


def update_prospect(*, session: Session, prospect: ProspectRow, changes: dict[str, Any], by_key: str | None) -> None:
    """Written only if the row still has the version read (else StaleDataError, and nothing is written): the
    transition is checked against the state the write replaces."""
    new_status = changes.get("status")
    if new_status is not None and new_status != prospect.status:
        check_transition(prospect.status, new_status)
        session.add(
            StatusEvent(prospect_id=prospect.id, from_status=prospect.status, to_status=new_status, by_key=by_key)
        )
    for k, v in changes.items():
        setattr(prospect, k, v)
    session.commit()


def like_pattern(word: str) -> str:
    """`word` anywhere, with LIKE's wildcards taken literally (escaped with a backslash)."""
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(q: Select[Any], *, status: str | None, owner: str | None, text: str | None) -> Select[Any]:
    if status:
        q = q.where(ProspectRow.status == status)
    if owner:
        q = q.where(ProspectRow.owner == owner)
    for term in (text or "").split():
        like = like_pattern(term)
        q = q.where(
            or_(
                func.lower(ProspectRow.name).like(like, escape="\\"),
                func.lower(ProspectRow.description).like(like, escape="\\"),
                func.lower(ProspectRow.notes).like(like, escape="\\"),
                func.lower(func.coalesce(ProspectRow.owner, "")).like(like, escape="\\"),
            )
        )
    return q


def list_prospects(
    *,
    session: Session,
    key: ApiKey,
    status: str | None = None,
    owner: str | None = None,
    tag: str | None = None,
    text: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ProspectRow], int]:
    """Filter by status, owner and tag; `text` matches every word in name, description, notes or owner."""
    q = _filtered(select(ProspectRow), status=status, owner=owner, text=text)
    q = q.where(visible(ProspectRow.team, key)).order_by(ProspectRow.id)
    rows = list(session.scalars(q).all())
    if tag:  # tags are a JSON list; filtered here so that SQLite and PostgreSQL behave the same
        rows = [r for r in rows if tag in (r.tags or [])]
    return rows[offset : offset + limit], len(rows)


# --- batch jobs --------------------------------------------------------------------------------


def get_job(*, session: Session, job_id: str, key: ApiKey) -> BatchJob | None:
    return session.scalar(select(BatchJob).where(BatchJob.id == job_id, visible(BatchJob.team, key)))


def list_jobs(*, session: Session, key: ApiKey, limit: int = 200) -> Sequence[BatchJob]:
    q = select(BatchJob).where(visible(BatchJob.team, key)).order_by(BatchJob.created_at.desc()).limit(limit)
    return session.scalars(q).all()
