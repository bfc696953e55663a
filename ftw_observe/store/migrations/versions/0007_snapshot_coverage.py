"""Snapshots keep the share of the period that had data when they were evaluated.

A budget measured over a young period (or one with gaps) covers only part of it; the share
travels with the figures so the status page, the API and messages can say so. Older rows,
written before coverage was measured, read as unknown (NULL).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "ftw_observe_snapshots"


def upgrade() -> None:
    """Apply this revision."""
    op.add_column(TABLE, sa.Column("coverage", sa.Float(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("coverage")
