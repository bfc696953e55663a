"""A generation counter of users, moved by a trigger on every change to a user.

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

_BUMP = "UPDATE api_key_generation SET generation = generation + 1 WHERE id = 1"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "api_key_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO api_key_generation (id, generation) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION bump_api_key_generation() RETURNS trigger AS $$ "
            f"BEGIN {_BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_api_key_generation()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER users_changed_{event.lower()} AFTER {event} ON users "
                f"BEGIN {_BUMP}; END"
            )


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER users_changed ON users")
        op.execute("DROP FUNCTION bump_api_key_generation()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER users_changed_{event}")
    op.drop_table("api_key_generation")
