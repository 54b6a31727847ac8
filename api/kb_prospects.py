"""Saved prospects a knowledge-base change moved: each is ranked on today's date by the old and the new knowledge
base with the options of its last snapshot; where the shortlist differs, the new ranking is kept as a snapshot
(a change entry in its history, so its "what changed" shows the move) and the change records the prospect."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.engine import Matcher

from .db.kb import KbEvent, KbEventProspect
from .db.models import ProspectRow
from .db.repository import add_snapshot
from .errors import ApiError
from .routes.prospects import request_of
from .routes.ranking import run_match


def shortlist(ranking: dict[str, object]) -> list[str]:
    matches = ranking.get("matches", [])
    return [str(m["location_id"]) for m in matches] if isinstance(matches, list) else []


def record_moves(session: Session, event: KbEvent, old: Matcher, new: Matcher) -> int:
    """Rank every saved prospect with a snapshot on both knowledge bases; returns how many moved."""
    moved = 0
    for row in session.scalars(select(ProspectRow).order_by(ProspectRow.id)):
        if not row.snapshots:
            continue
        last = row.snapshots[-1]
        top_k = max(1, min(len(last.ranking.get("matches", [])) or 10, len(new.candidates)))
        req = request_of(row, last.preset, None, top_k)
        try:
            before = run_match(old, req).to_dict()
            after = run_match(new, req).to_dict()
        except ApiError:  # a need or option the new knowledge base no longer knows: nothing to compare
            continue
        if shortlist(before) == shortlist(after):
            continue
        snap = add_snapshot(session=session, prospect=row, ranking=after)
        session.add(
            KbEventProspect(
                event_id=event.id,
                prospect_id=row.id,
                snapshot_id=snap.id,
                before=shortlist(before),
                after=shortlist(after),
            )
        )
        moved += 1
    event.affected = moved
    session.commit()
    return moved
