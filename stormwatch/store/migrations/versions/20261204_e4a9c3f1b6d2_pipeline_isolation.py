"""pipeline isolation: crisis keys unique per workspace; mentions set aside by the pipeline

Revision ID: e4a9c3f1b6d2
Revises: e5a7c3b9d1f2
Create Date: 2026-12-04 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import stormwatch.store.db

revision: str = "e4a9c3f1b6d2"
down_revision: str | None = "e5a7c3b9d1f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILL_WORKSPACE = "UPDATE crises SET workspace_id = (SELECT brands.workspace_id FROM brands WHERE brands.id = crises.brand_id)"


def _crises(*, with_workspace: bool, key_unique: bool) -> sa.Table:
    """The crises table as it stands, for SQLite's copy-and-rename (its unnamed UNIQUE cannot be dropped)."""
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", stormwatch.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("cause", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("last_signal_at", stormwatch.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", stormwatch.store.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["brand_id"], ["brands.id"]),
        sa.PrimaryKeyConstraint("id"),
    ]
    if with_workspace:
        columns.append(sa.Column("workspace_id", sa.Integer(), nullable=True))
    if key_unique:
        columns.append(sa.UniqueConstraint("key"))
    return sa.Table("crises", sa.MetaData(), *columns)


def upgrade() -> None:
    op.add_column("crises", sa.Column("workspace_id", sa.Integer(), nullable=True))
    op.execute(FILL_WORKSPACE)
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        op.drop_constraint("crises_key_key", "crises", type_="unique")
    with op.batch_alter_table(
        "crises",
        copy_from=_crises(with_workspace=True, key_unique=False) if sqlite else None,
        recreate="always" if sqlite else "never",
    ) as batch_op:
        batch_op.alter_column("workspace_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_crises_workspace_id", "workspaces", ["workspace_id"], ["id"])
        batch_op.create_unique_constraint("uq_crisis_key_per_workspace", ["workspace_id", "key"])
    op.create_table(
        "set_aside_mentions",
        sa.Column("mention_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_aside_at", stormwatch.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"]),
        sa.PrimaryKeyConstraint("mention_id"),
    )
    op.create_index(
        op.f("ix_set_aside_mentions_workspace_id"), "set_aside_mentions", ["workspace_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_set_aside_mentions_workspace_id"), table_name="set_aside_mentions")
    op.drop_table("set_aside_mentions")
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("crises", recreate="always" if sqlite else "never") as batch_op:
        batch_op.drop_constraint("uq_crisis_key_per_workspace", type_="unique")
        batch_op.drop_constraint("fk_crises_workspace_id", type_="foreignkey")
        batch_op.drop_column("workspace_id")
        batch_op.create_unique_constraint("crises_key_key", ["key"])
