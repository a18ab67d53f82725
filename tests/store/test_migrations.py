from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from stormwatch.store.db import Store, migrate
from stormwatch.store.schema import metadata


def test_migrations_build_exactly_the_models_schema(store: Store) -> None:
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_migrating_twice_changes_nothing(store: Store) -> None:
    before = set(inspect(store.engine).get_table_names())
    migrate(store.engine)
    assert set(inspect(store.engine).get_table_names()) == before
    assert {"mentions", "enrichments", "crises", "crisis_events", "alerts", "quarantine"} <= before
