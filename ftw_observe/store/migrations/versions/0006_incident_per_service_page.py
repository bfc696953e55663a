"""A service's page-level alerts share one incident: regroup the incidents still live.

The page tiers of every SLO of a service and its critical threshold alerts now gather under
`ftw/<service>/page`. A live incident (open, muted, tail) gathered under the older key, one
per SLO instance, takes the new group key so that its alerts' next notifications find it: it
keeps its dedup key, which its receivers hold, and resolves under it. Closed rows keep theirs.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLE = "ftw_observe_incidents"
LIVE = ("open", "muted", "tail")
PAGE_SEVERITIES = ("page", "critical")
# The page tiers' severity when an alert carries none (ftw_observe.burnrate).
PAGE_TIERS = ("page-1h", "page-6h")
# The engine's chain alerts keep their own incident (ftw_observe.notify.incidents).
CHAIN = ("ftw/ftw-observe/prometheus//meta", "ftw/ftw-observe/watchdog//meta")

incidents = sa.table(
    TABLE,
    sa.column("dedup_key", sa.String),
    sa.column("group_key", sa.String),
    sa.column("state", sa.String),
    sa.column("members", sa.JSON),
)


def service_page(key: str, labels: dict[str, Any]) -> str | None:
    """Return the service page an alert now belongs to, if it is page-level."""
    service = labels.get("service") or ""
    severity = labels.get("severity") or ("page" if labels.get("tier") in PAGE_TIERS else "")
    if key in CHAIN or not service or severity not in PAGE_SEVERITIES:
        return None
    return f"ftw/{service}/page"


def previous(dedup_key: str, members: dict[str, Any]) -> str:
    """Return the group key a regrouped row had: per SLO instance for a tier, else its own."""
    for key, member in members.items():
        labels = member.get("labels") or {}
        tier = labels.get("tier") or ""
        if key.endswith(f"/{tier}") and labels.get("alertname") == "SLOErrorBudgetBurn":
            return f"{key[: len(key) - len(tier) - 1]}/{labels.get('severity') or 'page'}"
    return dedup_key


def upgrade() -> None:
    """Apply this revision."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(incidents.c.dedup_key, incidents.c.members).where(incidents.c.state.in_(LIVE))
    ).all()
    for row in rows:
        members: dict[str, Any] = dict(row.members or {})
        found = (service_page(key, m.get("labels") or {}) for key, m in members.items())
        group = next((each for each in found if each is not None), None)
        if group is not None:
            connection.execute(
                incidents.update()
                .where(incidents.c.dedup_key == row.dedup_key)
                .values(group_key=group)
            )


def downgrade() -> None:
    """Revert this revision: live rows gather per SLO instance again."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(incidents.c.dedup_key, incidents.c.members).where(
            incidents.c.state.in_(LIVE), incidents.c.group_key.like("ftw/%/page")
        )
    ).all()
    for row in rows:
        group = previous(row.dedup_key, dict(row.members or {}))
        connection.execute(
            incidents.update().where(incidents.c.dedup_key == row.dedup_key).values(group_key=group)
        )
