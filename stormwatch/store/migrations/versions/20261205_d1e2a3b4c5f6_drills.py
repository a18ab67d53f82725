"""drills: workspaces.drill and drill_runs

Revision ID: d1e2a3b4c5f6
Revises: c3d4e5f6a7b8
Create Date: 2026-12-05 07:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stormwatch.store.db import UTCDateTime

revision: str = "d1e2a3b4c5f6"
down_revision: str | None = "c3d4e5f6a7b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("drill", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "drill_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("source_workspace_id", sa.Integer(), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("scenario", sa.String(60), nullable=False),
        sa.Column("scenario_text", sa.Text(), nullable=False),
        sa.Column("brand", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("clock", sa.JSON(), nullable=False),
        sa.Column("origin", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("started_by", sa.String(200), nullable=False),
        sa.Column("journal", sa.JSON(), nullable=False),
        sa.Column("scorecard", sa.JSON(), nullable=True),
    )
    op.create_index("ix_drill_runs_source", "drill_runs", ["source_workspace_id", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_drill_runs_source", "drill_runs")
    op.drop_table("drill_runs")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("drill")
