"""Incidents gather alerts: every burn-rate tier of one SLO instance and severity shares one.

Each incident row gets the alerts it gathers (`members`, replacing the per-row `sources`) and
the key of the group it gathers them for (`group_key`). Rows written before keep their dedup
key, which receivers hold (an open PagerDuty incident must resolve under the key it opened
with); live rows of one group (a page-1h that paged and a page-6h muted by it) merge into the
one that paged, so the next tier joins it instead of paging again.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLE = "ftw_observe_incidents"
INDEX = "ix_ftw_observe_incidents_group_key"
# The burn-rate tiers and their severity when an alert carries none (ftw_observe.burnrate).
TIERS = {"page-1h": "page", "page-6h": "page", "ticket-1d": "ticket", "ticket-3d": "ticket"}
BURN_ALERT = "SLOErrorBudgetBurn"
LIVE = ("open", "muted")

incidents = sa.table(
    TABLE,
    sa.column("dedup_key", sa.String),
    sa.column("group_key", sa.String),
    sa.column("state", sa.String),
    sa.column("sources", sa.JSON),
    sa.column("members", sa.JSON),
    sa.column("labels", sa.JSON),
    sa.column("annotations", sa.JSON),
)


def group_key(dedup_key: str, labels: dict[str, Any]) -> str:
    """Return the group of an alert as the router computes it (ftw_observe.notify.incidents)."""
    service, slo, tier = labels.get("service", ""), labels.get("slo", ""), labels.get("tier", "")
    prefix, suffix = f"ftw/{service}/{slo}/", f"/{tier}"
    if (
        labels.get("alertname") != BURN_ALERT
        or tier not in TIERS
        or not (service and slo)
        or not dedup_key.startswith(prefix)
        or not dedup_key.endswith(suffix)
        or len(dedup_key) < len(prefix) + len(suffix)
    ):
        return dedup_key
    severity = labels.get("severity") or TIERS[tier]
    return f"{dedup_key[: len(dedup_key) - len(suffix)]}/{severity}"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("group_key", sa.String(length=512), nullable=True))
        batch.add_column(sa.Column("members", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("resolves_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            incidents.c.dedup_key,
            incidents.c.state,
            incidents.c.sources,
            incidents.c.labels,
            incidents.c.annotations,
        )
    ).all()
    groups: dict[str, list[Any]] = {}
    for row in rows:
        key = group_key(row.dedup_key, dict(row.labels or {}))
        member = {
            "sources": dict(row.sources or {}),
            "labels": dict(row.labels or {}),
            "annotations": dict(row.annotations or {}),
            "tail_until": None,
        }
        connection.execute(
            incidents.update()
            .where(incidents.c.dedup_key == row.dedup_key)
            .values(group_key=key, members={row.dedup_key: member})
        )
        if row.state in LIVE:
            groups.setdefault(key, []).append((row, member))
    for live in groups.values():
        if len(live) < 2:
            continue
        # The row that paged keeps its key; the others' alerts join it.
        live.sort(key=lambda pair: (pair[0].state != "open", pair[0].dedup_key))
        (keeper, _), others = live[0], live[1:]
        members = {row.dedup_key: member for row, member in live}
        connection.execute(
            incidents.update()
            .where(incidents.c.dedup_key == keeper.dedup_key)
            .values(members=members)
        )
        gone = [row.dedup_key for row, _ in others]
        connection.execute(incidents.delete().where(incidents.c.dedup_key.in_(gone)))
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("group_key", existing_type=sa.String(length=512), nullable=False)
        batch.alter_column("members", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("sources")
        batch.create_index(INDEX, ["group_key"])


def downgrade() -> None:
    """Revert this revision: each row's sources again, as the merge of its alerts' sources."""
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("sources", sa.JSON(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(incidents.c.dedup_key, incidents.c.state, incidents.c.members)
    ).all()
    for row in rows:
        sources: dict[str, str] = {}
        for member in (row.members or {}).values():
            for source, state in (member.get("sources") or {}).items():
                if sources.get(source) != "firing":
                    sources[source] = state
        # A tail was resolved for its receivers; before this revision a resolve repeats
        # harmlessly (PagerDuty drops it, Slack replies once more), a page never does.
        state = "open" if row.state == "tail" else row.state
        connection.execute(
            incidents.update()
            .where(incidents.c.dedup_key == row.dedup_key)
            .values(sources=sources, state=state)
        )
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_index(INDEX)
        batch.alter_column("sources", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("resolves_at")
        batch.drop_column("members")
        batch.drop_column("group_key")
