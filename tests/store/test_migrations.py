from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from stormwatch.store.db import MIGRATIONS_DIR, Store, make_engine, migrate
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


def test_upgrading_a_database_that_was_analysing_fills_the_hourly_counts(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "7c0e5a1d2b93")  # the revision before the hourly counts
        connection.execute(
            text("INSERT INTO workspaces (id, name, created_at) VALUES (1, 'w', '2026-03-01')")
        )
        connection.execute(
            text(
                "INSERT INTO brands (id, workspace_id, name, languages, keywords, own_handles,"
                " trigger_terms, alert_urls, reply_sla_minutes) VALUES (1, 1, 'b', '[]', '[]', '[]', '[]', '[]', 60)"
            )
        )
        for number, minute in enumerate((5, 25, 55)):
            connection.execute(
                text(
                    "INSERT INTO mentions (id, brand_id, source, external_id, author_followers, text,"
                    " created_at, likes, shares, comments, ingested_at)"
                    f" VALUES ({number + 1}, 1, 'x', '{number}', 0, 't', '2026-03-02 10:{minute:02d}:00.000000',"
                    " 0, 0, 0, '2026-03-02')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO enrichments (mention_id, lang, sentiment, sentiment_score, analyzed_at)"
                    f" VALUES ({number + 1}, 'en', 'negative', -0.5, '2026-03-02')"
                )
            )
    migrate(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT brand_id, hour, source, lang, sentiment, count FROM hourly_counts")
        )
        assert [tuple(row) for row in rows] == [(1, "2026-03-02 10:00:00.000000", "x", "en", "negative", 3)]
    engine.dispose()
