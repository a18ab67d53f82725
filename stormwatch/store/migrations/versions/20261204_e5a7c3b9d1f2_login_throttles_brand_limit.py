"""login throttles (atomic counters per account+address, address, account); the workspace's brand limit

Revision ID: e5a7c3b9d1f2
Revises: b7c1d2e3f4a5
Create Date: 2026-12-04 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stormwatch.store.db

revision: str = "e5a7c3b9d1f2"
down_revision: str | None = "b7c1d2e3f4a5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("window_started_at", stormwatch.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        op.f("ix_login_throttles_window_started_at"), "login_throttles", ["window_started_at"], unique=False
    )
    op.create_index("ix_audit_actor_kind", "audit_events", ["actor", "kind"], unique=False)
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("max_brands", sa.Integer(), server_default="100", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("max_brands")
    op.drop_index("ix_audit_actor_kind", table_name="audit_events")
    op.drop_index(op.f("ix_login_throttles_window_started_at"), table_name="login_throttles")
    op.drop_table("login_throttles")
