"""unknown follower counts: mentions.author_followers and signals.reach may be NULL

An export without follower counts says nothing of reach; storing 0 read as "nobody follows them".
Existing rows keep their numbers (what was stored as 0 cannot be told from a real 0 any more).

Revision ID: 9e4b7a3c1f20
Revises: e4a9c3f1b6d2
Create Date: 2026-12-04 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e4b7a3c1f20"
down_revision: str | None = "e4a9c3f1b6d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


COLUMNS = (
    ("mentions", "author_followers", sa.BigInteger(), "BIGINT"),
    ("signals", "reach", sa.Integer(), "INTEGER"),
)


def upgrade() -> None:
    for table, column, kind, sqlite_type in COLUMNS:
        if op.get_bind().dialect.name == "sqlite":
            _sqlite_not_null(table, column, sqlite_type, nullable=True)
        else:
            op.alter_column(table, column, existing_type=kind, nullable=True)


def downgrade() -> None:
    for table, column, kind, sqlite_type in COLUMNS:
        op.execute(f"UPDATE {table} SET {column} = 0 WHERE {column} IS NULL")
        if op.get_bind().dialect.name == "sqlite":
            _sqlite_not_null(table, column, sqlite_type, nullable=False)
        else:
            op.alter_column(table, column, existing_type=kind, nullable=False)


def _sqlite_not_null(table: str, column: str, sqlite_type: str, *, nullable: bool) -> None:
    """Drop or restore a NOT NULL in SQLite's stored schema text.

    Rebuilding the table (Alembic's batch mode) cannot work here: ``mentions`` is referred to by
    other tables and foreign keys are on, which cannot be switched off inside the migration's
    transaction. Removing a NOT NULL does not change how rows are stored, so SQLite documents
    editing the schema text for it (https://sqlite.org/lang_altertable.html, "otheralter")."""
    bind = op.get_bind()
    strict, loose = f"{column} {sqlite_type} NOT NULL", f"{column} {sqlite_type}"
    old, new = (strict, loose) if nullable else (loose, strict)
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    if old not in sql:
        raise RuntimeError(f"{table}.{column}: expected '{old}' in its schema, found: {sql}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
        (sql.replace(old, new, 1), table),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")
