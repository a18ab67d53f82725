"""cause corrections: the team's corrections of a mention's crisis cause, per workspace

Revision ID: b7c1d2e3f4a5
Revises: dc44bba99c8f
Create Date: 2026-11-26 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stormwatch.store.db

revision: str = "b7c1d2e3f4a5"
down_revision: str | None = "dc44bba99c8f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cause_corrections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("cause", sa.String(length=40), nullable=True),
        sa.Column("corrected_by", sa.String(length=200), nullable=True),
        sa.Column("corrected_at", stormwatch.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_cause_corrections_workspace_id"), "cause_corrections", ["workspace_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_cause_corrections_workspace_id"), table_name="cause_corrections")
    op.drop_table("cause_corrections")
