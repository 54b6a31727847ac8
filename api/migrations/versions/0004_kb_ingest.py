"""Policy ingestion: uploaded documents, proposals, knowledge-base changes and the knowledge-base version.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    now = sa.DateTime(timezone=True)
    op.create_table(
        "kb_ingests",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("doc_id", sa.String(80), nullable=False, index=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("code", sa.String(40), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("manifest_confidence", sa.JSON(), nullable=False),
        sa.Column("new_locations", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("extraction", sa.JSON(), nullable=False),
        sa.Column("by_key", sa.String(16), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("created_at", now, nullable=False),
        sa.Column("updated_at", now, nullable=False),
    )
    op.create_table(
        "kb_proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ingest_id", sa.String(32), sa.ForeignKey("kb_ingests.id", ondelete="CASCADE"), index=True),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("item", sa.JSON(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("place", sa.JSON(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("by_key", sa.String(16), nullable=True),
        sa.Column("reviewed_at", now, nullable=True),
    )
    op.create_table(
        "kb_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("doc_id", sa.String(80), nullable=False, index=True),
        sa.Column("at", now, nullable=False),
        sa.Column("by_key", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("measures", sa.Integer(), nullable=False),
        sa.Column("kb_hash_before", sa.String(32), nullable=False),
        sa.Column("kb_hash_after", sa.String(32), nullable=False),
        sa.Column("affected", sa.Integer(), nullable=True),
        sa.Column("ingest_id", sa.String(32), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_table(
        "kb_event_prospects",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("kb_events.id", ondelete="CASCADE"), index=True),
        sa.Column("prospect_id", sa.Integer(), sa.ForeignKey("prospects.id", ondelete="CASCADE"), index=True),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
    )
    op.create_table(
        "kb_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kb_hash", sa.String(32), nullable=False),
        sa.Column("writer", sa.String(64), nullable=True),
        sa.Column("writer_since", now, nullable=True),
        sa.Column("updated_at", now, nullable=False),
    )


def downgrade() -> None:
    for t in ("kb_state", "kb_event_prospects", "kb_events", "kb_proposals", "kb_ingests"):
        op.drop_table(t)
