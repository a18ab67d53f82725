"""Alembic environment: runs on the connection handed over by :func:`stormwatch.store.db.migrate`,
or on ``STORMWATCH_DATABASE_URL`` when called from the ``alembic`` command line."""

from alembic import context
from sqlalchemy import Connection

from stormwatch.store.db import make_engine
from stormwatch.store.schema import metadata


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with make_engine().connect() as fresh:
        run(fresh)
