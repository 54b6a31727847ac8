"""Teams on keys, prospects and batch jobs; a version per prospect (ETag, conditional writes); the worker that runs
a job. Timestamps need no change: PostgreSQL already stores them with their zone, and SQLite's are read as UTC.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TEAM = sa.String(60)


def upgrade() -> None:
    for table in ("api_keys", "prospects", "batch_jobs"):
        op.add_column(table, sa.Column("team", TEAM, nullable=False, server_default="default"))
    op.create_index("ix_prospects_team", "prospects", ["team"])
    op.create_index("ix_batch_jobs_team", "batch_jobs", ["team"])
    op.add_column("prospects", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("batch_jobs", sa.Column("worker", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batch_jobs") as b:
        b.drop_index("ix_batch_jobs_team")
        b.drop_column("worker")
        b.drop_column("team")
    with op.batch_alter_table("prospects") as b:
        b.drop_index("ix_prospects_team")
        b.drop_column("version")
        b.drop_column("team")
    with op.batch_alter_table("api_keys") as b:
        b.drop_column("team")
