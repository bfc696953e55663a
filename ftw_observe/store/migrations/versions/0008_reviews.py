"""The scheduled budget reviews: one row per scheduled time, with its HTML report.

The row's primary key is the scheduled time, so however many replicas or restarts try, one
review is queued per schedule; the engine serves the newest row's page.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "ftw_observe_reviews",
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replica", sa.String(length=200), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("due_at", name="pk_ftw_observe_reviews"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("ftw_observe_reviews")
