"""The watchdog's last arrival, and an index on the outbox rows still on their way.

Any replica that receives Alertmanager's watchdog records when in one shared row, so the
leader can tell when it stops. The engine reads the age of the oldest notification not yet
delivered every cycle: a partial index over the pending and sending rows answers that (and
how many there are) without reading the delivered ones.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ACTIVE = sa.text("state IN ('pending', 'sending')")
INDEX = "ix_ftw_observe_outbox_active_created_at"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "ftw_observe_watchdog",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_ftw_observe_watchdog_single_row"),
        sa.PrimaryKeyConstraint("id", name="pk_ftw_observe_watchdog"),
    )
    op.create_index(
        INDEX,
        "ftw_observe_outbox",
        ["created_at"],
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(INDEX, table_name="ftw_observe_outbox")
    op.drop_table("ftw_observe_watchdog")
