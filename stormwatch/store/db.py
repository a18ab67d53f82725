"""Database engine, sessions and schema migrations.

SQLite is the embedded default (a file, no server); PostgreSQL is chosen by URL through
``STORMWATCH_DATABASE_URL``. The schema is owned by Alembic: :func:`migrate` brings any
database to the latest revision, so a fresh file and a production server are built the same way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, Insert, TypeDecorator, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

DEFAULT_DATABASE_URL = "sqlite:///stormwatch.db"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base shared by every domain's tables."""


def database_url(url: str | None = None) -> str:
    """The URL to use; a bare file path (no ``scheme://``) means a SQLite file there."""
    resolved = url or os.environ.get("STORMWATCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    return resolved if "://" in resolved else f"sqlite:///{resolved}"


def make_engine(url: str | None = None) -> Engine:
    resolved = database_url(url)
    if resolved.startswith("postgresql://"):
        resolved = "postgresql+psycopg://" + resolved.removeprefix("postgresql://")
    engine = create_engine(resolved)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
    return engine


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web page read while the pipeline writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Upgrade the database behind ``engine`` to the newest schema revision."""
    # Imported here: alembic takes most of a second to load, and only opening a store needs it.
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # SQLite changes a constraint by copying the table and dropping the old one, which enforced
            # foreign keys forbid while other tables point at it; the pragma only works outside a
            # transaction, so it is set first and the links are checked before it is set back.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError("the schema migration broke a foreign key; nothing was changed")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def upsert(session: Session, table: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with this database's ``ON CONFLICT`` clauses (``on_conflict_do_nothing`` /
    ``on_conflict_do_update``): both stores have them, with the same API."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no INSERT ... ON CONFLICT for the {dialect} database")


def insert_ignoring_conflicts(session: Session, table: type[Any], keys: list[str]) -> Insert:
    """An INSERT that skips rows whose ``keys`` are already stored (no error, no second row)."""
    return upsert(session, table).on_conflict_do_nothing(index_elements=keys)


class Store:
    """An engine plus its session factory: the one handle the services are given."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite lets one writer in at a time and makes the others retry after growing sleeps (up to
        # 100 ms each), so under many concurrent writers some wait seconds while newer ones slip in.
        # Taking turns on a lock first, this process's large writes each wait about as long as the
        # others (bench/web/bench_push.py, 32 clients pushing 100 mentions each: p99 1.46 s -> 0.55 s).
        # PostgreSQL locks rows, not the database: its writers need no queue.
        sqlite = engine.dialect.name == "sqlite"
        self._write_turn: AbstractContextManager[Any] = threading.RLock() if sqlite else nullcontext()

    @classmethod
    def open(cls, url: str | None = None, *, upgrade: bool = True) -> Store:
        store = cls(make_engine(url))
        if upgrade:
            migrate(store.engine)
        return store

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends normally, rolled back otherwise."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A unit of work that writes many rows (a batch of mentions, a batch's results): as
        :meth:`session`, but on SQLite one at a time in this process, taking turns."""
        with self._write_turn, self.session() as session:
            yield session
