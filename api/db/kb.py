"""Tables of policy ingestion: uploaded documents and their extraction jobs, proposals under review, changes to
the knowledge base (imports and withdrawals, with the prospects they moved) and the knowledge-base version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, now


class KbIngest(Base):
    """An uploaded policy document: its extraction job, then its review. Its file lives in var/kb_ingests/<id>/."""

    __tablename__ = "kb_ingests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(80), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    # queued | running | review | imported | failed | discarded
    status: Mapped[str] = mapped_column(String(12), index=True)
    stage: Mapped[str] = mapped_column(String(20), default="")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    code: Mapped[str | None] = mapped_column(String(40), nullable=True)  # why extraction failed (ExtractError.code)
    message: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # metadata given at upload, allow_unnumbered
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the entry under review
    manifest_confidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    new_locations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # the extracted text, what quotes cite
    extraction: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # format, skipped, gaps, notes, trained_on
    by_key: Mapped[str | None] = mapped_column(String(16), nullable=True)
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the import, once done
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)


class KbProposal(Base):
    """One proposed measure: pending, accepted (possibly edited) or rejected. `item` is a staging item: the
    measure's fields plus `location`."""

    __tablename__ = "kb_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ingest_id: Mapped[str] = mapped_column(ForeignKey("kb_ingests.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True, default="pending")
    item: Mapped[dict[str, Any]] = mapped_column(JSON)
    start: Mapped[int] = mapped_column(Integer)  # the quote's offsets in the extracted text
    end: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    place: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # why this location; a new place's parent
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    by_key: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class KbEvent(Base):
    """A change to the knowledge base: a document imported or withdrawn, by whom, when, why."""

    __tablename__ = "kb_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # import | withdraw
    doc_id: Mapped[str] = mapped_column(String(80), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    by_key: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[int] = mapped_column(Integer, default=0)
    kb_hash_before: Mapped[str] = mapped_column(String(32))
    kb_hash_after: Mapped[str] = mapped_column(String(32))
    affected: Mapped[int | None] = mapped_column(Integer, nullable=True)  # saved prospects whose shortlist moved
    ingest_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # measures per location, files written


class KbEventProspect(Base):
    """A saved prospect whose shortlist a change moved: its shortlist before and after, and the snapshot kept."""

    __tablename__ = "kb_event_prospects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("kb_events.id", ondelete="CASCADE"), index=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"), index=True)
    snapshot_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    before: Mapped[list[Any]] = mapped_column(JSON, default=list)  # location ids, best first
    after: Mapped[list[Any]] = mapped_column(JSON, default=list)


class KbState(Base):
    """One row: the knowledge base's version (raised by every import and withdrawal, which every server process
    compares with the one it serves) and who is writing the knowledge base now, if anyone."""

    __tablename__ = "kb_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    kb_hash: Mapped[str] = mapped_column(String(32), default="")
    writer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    writer_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)
