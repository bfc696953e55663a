"""Silences and maintenance windows: matchers, author, reason, start, end, expiry.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "ftw_observe_silences",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("matchers", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ftw_observe_silences"),
    )
    op.create_index("ix_ftw_observe_silences_ends_at", "ftw_observe_silences", ["ends_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_ftw_observe_silences_ends_at", table_name="ftw_observe_silences")
    op.drop_table("ftw_observe_silences")
