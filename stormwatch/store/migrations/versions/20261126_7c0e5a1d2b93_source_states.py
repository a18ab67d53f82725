"""source states: per-source checkpoint and health

Revision ID: 7c0e5a1d2b93
Revises: b5e0c2d1a9f4
Create Date: 2026-11-26 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stormwatch.store.db

revision: str = "7c0e5a1d2b93"
down_revision: str | None = "b5e0c2d1a9f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "source_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("network", sa.String(length=50), nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=False),
        sa.Column("cursor", sa.JSON(), nullable=False),
        sa.Column("last_success_at", stormwatch.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("newest_item_at", stormwatch.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", stormwatch.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("items_stored", sa.BigInteger(), nullable=False),
        sa.Column("items_quarantined", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", stormwatch.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "key", name="uq_source_state_key"),
    )


def downgrade() -> None:
    op.drop_table("source_states")
