"""Storage operations, each a function with keyword-only arguments over a session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ..security import Role, hash_token, new_token, prefix_of
from .models import ApiKey, ProspectRow, Snapshot, StatusEvent

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


def create_key(*, session: Session, name: str, role: Role) -> tuple[ApiKey, str]:
    token = new_token()
    key = ApiKey(name=name, role=role, prefix=prefix_of(token), key_hash=hash_token(token))
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
    session.flush()
    return snap


def update_prospect(*, session: Session, prospect: ProspectRow, changes: dict[str, Any], by_key: str | None) -> None:
    new_status = changes.get("status")
    if new_status is not None and new_status != prospect.status:
        check_transition(prospect.status, new_status)
        session.add(
            StatusEvent(prospect_id=prospect.id, from_status=prospect.status, to_status=new_status, by_key=by_key)
        )
    for k, v in changes.items():
        setattr(prospect, k, v)
    session.commit()


def _filtered(q: Select[Any], *, status: str | None, owner: str | None, text: str | None) -> Select[Any]:
    if status:
        q = q.where(ProspectRow.status == status)
    if owner:
        q = q.where(ProspectRow.owner == owner)
    for term in (text or "").split():
        like = f"%{term.lower()}%"
        q = q.where(
            or_(
                func.lower(ProspectRow.name).like(like),
                func.lower(ProspectRow.description).like(like),
                func.lower(ProspectRow.notes).like(like),
                func.lower(func.coalesce(ProspectRow.owner, "")).like(like),
            )
        )
    return q


def list_prospects(
    *,
    session: Session,
    status: str | None = None,
    owner: str | None = None,
    tag: str | None = None,
    text: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ProspectRow], int]:
    """Filter by status, owner and tag; `text` matches every word in name, description, notes or owner."""
    q = _filtered(select(ProspectRow), status=status, owner=owner, text=text).order_by(ProspectRow.id)
    rows = list(session.scalars(q).all())
    if tag:  # tags are a JSON list; filtered here so that SQLite and PostgreSQL behave the same
        rows = [r for r in rows if tag in (r.tags or [])]
    return rows[offset : offset + limit], len(rows)
