"""cluster: the outbox relay's published marks and the detection partitions' positions and snapshots

Revision ID: c3d4e5f6a7b8
Revises: b2c3d4e5f6a7
Create Date: 2026-12-05 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stormwatch.store.db

revision: str = "c3d4e5f6a7b8"
down_revision: str | None = "b2c3d4e5f6a7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cluster_published",
        sa.Column("mention_id", BIG_ID, nullable=False),
        sa.Column("stream_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"]),
        sa.PrimaryKeyConstraint("mention_id"),
    )
    op.create_table(
        "cluster_partitions",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("stored_seq", sa.BigInteger(), nullable=False),
        sa.Column("analysed_seq", sa.BigInteger(), nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=True),
        sa.Column("snapshot_stored_seq", sa.BigInteger(), nullable=False),
        sa.Column("snapshot_analysed_seq", sa.BigInteger(), nullable=False),
        sa.Column("snapshot_at", stormwatch.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", stormwatch.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("cluster_partitions")
    op.drop_table("cluster_published")
