"""Engine schema: snapshots, alert states and history, outbox, engine health, leases.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _float(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Float(), nullable=True)


def _alert_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("phase", sa.String(length=16), nullable=False),
        _time("active_since", nullable=True),
        _time("fired_at", nullable=True),
        _time("resolved_at", nullable=True),
        _float("value"),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("annotations", sa.JSON(), nullable=False),
    ]


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "ftw_observe_snapshots",
        sa.Column("id", ID, nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("slo", sa.String(length=200), nullable=False),
        sa.Column("instance", sa.Text(), nullable=False),
        sa.Column("group_labels", sa.JSON(), nullable=False),
        _time("evaluated_at"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("period_seconds", sa.Integer(), nullable=False),
        _float("sli"),
        _float("errors"),
        _float("events"),
        _float("remaining"),
        _float("remaining_minutes"),
        _float("seconds_to_exhaustion"),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("resolution", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ftw_observe_snapshots"),
    )
    op.create_index(
        "ix_ftw_observe_snapshots_instance_time",
        "ftw_observe_snapshots",
        ["service", "slo", "instance", "evaluated_at"],
    )
    op.create_index(
        "ix_ftw_observe_snapshots_resolution_time",
        "ftw_observe_snapshots",
        ["resolution", "evaluated_at"],
    )
    op.create_table(
        "ftw_observe_alert_states",
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("slo", sa.String(length=200), nullable=False),
        sa.Column("instance", sa.Text(), nullable=False),
        sa.Column("tier", sa.String(length=200), nullable=False),
        sa.Column("group_labels", sa.JSON(), nullable=False),
        *_alert_columns(),
        _time("updated_at"),
        sa.PrimaryKeyConstraint(
            "service", "slo", "instance", "tier", name="pk_ftw_observe_alert_states"
        ),
    )
    op.create_table(
        "ftw_observe_alert_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("slo", sa.String(length=200), nullable=False),
        sa.Column("instance", sa.Text(), nullable=False),
        sa.Column("tier", sa.String(length=200), nullable=False),
        sa.Column("group_labels", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _time("at"),
        *_alert_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_ftw_observe_alert_events"),
    )
    op.create_index(
        "ix_ftw_observe_alert_events_service_slo_at",
        "ftw_observe_alert_events",
        ["service", "slo", "at"],
    )
    op.create_table(
        "ftw_observe_outbox",
        sa.Column("id", ID, nullable=False),
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("annotations", sa.JSON(), nullable=False),
        _time("created_at"),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("next_attempt_at"),
        _time("claimed_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _time("sent_at", nullable=True),
        _time("rejected_at", nullable=True),
        sa.Column("receiver", sa.String(length=64), nullable=True),
        sa.Column("delivery", sa.JSON(none_as_null=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ftw_observe_outbox"),
    )
    op.create_index("ix_ftw_observe_outbox_dedup_key", "ftw_observe_outbox", ["dedup_key"])
    op.create_index(
        "ix_ftw_observe_outbox_state_next_attempt_at",
        "ftw_observe_outbox",
        ["state", "next_attempt_at"],
    )
    op.create_table(
        "ftw_observe_engine_health",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        _time("last_cycle_at", nullable=True),
        _time("last_success_at", nullable=True),
        sa.Column("prometheus_error", sa.Text(), nullable=True),
        _time("prometheus_unreachable_since", nullable=True),
        sa.CheckConstraint("id = 1", name="ck_ftw_observe_engine_health_single_row"),
        sa.PrimaryKeyConstraint("id", name="pk_ftw_observe_engine_health"),
    )
    op.create_table(
        "ftw_observe_leases",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        _time("acquired_at"),
        _time("expires_at"),
        sa.PrimaryKeyConstraint("name", name="pk_ftw_observe_leases"),
    )


def downgrade() -> None:
    """Revert this revision."""
    for table in (
        "ftw_observe_leases",
        "ftw_observe_engine_health",
        "ftw_observe_outbox",
        "ftw_observe_alert_events",
        "ftw_observe_alert_states",
        "ftw_observe_snapshots",
    ):
        op.drop_table(table)
