from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return request.getfixturevalue("postgres_url")  # type: ignore[no-any-return]


def test_upgrading_a_database_with_crises_scopes_their_keys_to_workspaces(empty_url: str) -> None:
    engine = make_engine(empty_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "b7c1d2e3f4a5")  # the revision before crisis keys per workspace
        for workspace in (1, 2):
            connection.execute(
                text(
                    f"INSERT INTO workspaces (id, name, created_at) VALUES ({workspace}, 'w{workspace}', '2026-03-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO brands (id, workspace_id, name, languages, keywords, own_handles,"
                    " trigger_terms, alert_urls, reply_sla_minutes)"
                    f" VALUES ({workspace}, {workspace}, 'b', '[]', '[]', '[]', '[]', '[]', 60)"
                )
            )
        connection.execute(
            text(
                "INSERT INTO crises (id, key, brand_id, opened_at, severity, status, reason, last_signal_at)"
                " VALUES (7, 'b-20260302T1000', 2, '2026-03-02 10:00:00', 3, 'detected', 'r', '2026-03-02 10:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO crisis_events (crisis_id, at, kind, actor, message, data)"
                " VALUES (7, '2026-03-02 10:00:00', 'opened', 'stormwatch', 'r', '{}')"
            )
        )
    migrate(engine)
    insert_namesake = (
        "INSERT INTO crises (id, workspace_id, key, brand_id, opened_at, severity, status, reason, last_signal_at)"
        " VALUES (8, {workspace}, 'b-20260302T1000', 1, '2026-03-02 10:00:00', 3, 'detected', 'r', '2026-03-02 10:00:00')"
    )
    with engine.begin() as connection:
        assert connection.execute(text("SELECT workspace_id FROM crises WHERE id = 7")).scalar() == 2
        assert connection.execute(text("SELECT crisis_id FROM crisis_events")).scalar() == 7
        connection.execute(text(insert_namesake.format(workspace=1)))  # the same key, another workspace
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(insert_namesake.format(workspace=2).replace("(8,", "(9,")))
    engine.dispose()
