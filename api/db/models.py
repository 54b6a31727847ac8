"""SQLAlchemy 2 tables: API keys, prospects, their status history and ranking snapshots, batch jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, ForeignKey, Integer, String, Text, TypeDecorator, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DEFAULT_TEAM = "default"  # the team of keys created without one, and of rows saved before teams existed


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stored in UTC and always read back zone-aware: SQLite keeps no offset, so a naive value read is UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, dt.datetime: UTCDateTime()}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    team: Mapped[str] = mapped_column(String(60), default=DEFAULT_TEAM)  # the office whose pipeline it sees
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class ProspectRow(Base):
    __tablename__ = "prospects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)  # stage, revenue_cny, needs …
    status: Mapped[str] = mapped_column(String(20), index=True, default="lead")
    owner: Mapped[str | None] = mapped_column(String(100), index=True, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(default=list)
    team: Mapped[str] = mapped_column(String(60), index=True, default=DEFAULT_TEAM)
    # Every write is `UPDATE … WHERE version = <the version read>`: a write based on a stale read changes nothing.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now, onupdate=now)

    snapshots: Mapped[list[Snapshot]] = relationship(
        back_populates="prospect", cascade="all, delete-orphan", order_by="Snapshot.id"
    )
    events: Mapped[list[StatusEvent]] = relationship(
        back_populates="prospect", cascade="all, delete-orphan", order_by="StatusEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}


class Snapshot(Base):
    """The ranking a prospect was shown, kept whole so that it can be reproduced and compared later."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    kb_hash: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(100))
    preset: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[str] = mapped_column(String(10))
    ranking: Mapped[dict[str, Any]] = mapped_column()

    prospect: Mapped[ProspectRow] = relationship(back_populates="snapshots")


class StatusEvent(Base):
    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=now, server_default=func.now())
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    by_key: Mapped[str | None] = mapped_column(String(16), nullable=True)  # the key prefix, not the key

    prospect: Mapped[ProspectRow] = relationship(back_populates="events")


class BatchJob(Base):
    """A batch scoring job: its files live in var/batches/<id>/; it survives restarts and resumes."""

    __tablename__ = "batch_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now, onupdate=now)  # a running job's heartbeat
    status: Mapped[str] = mapped_column(String(12), index=True)  # queued | running | done | failed
    filename: Mapped[str] = mapped_column(String(200))
    options: Mapped[dict[str, Any]] = mapped_column()  # location, top, format, preset, columns
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    done_rows: Mapped[int] = mapped_column(Integer, default=0)
    scored_rows: Mapped[int] = mapped_column(Integer, default=0)
    error_rows: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    by_key: Mapped[str | None] = mapped_column(String(16), nullable=True)
    team: Mapped[str] = mapped_column(String(60), index=True, default=DEFAULT_TEAM)
    worker: Mapped[str | None] = mapped_column(String(120), nullable=True)  # "host:pid" of the process running it
