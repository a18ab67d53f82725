"""Large writes of one process queue for SQLite's single write lock in the order they asked."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from stormwatch.store.db import Store


def test_sqlite_writers_wait_their_turn_instead_of_racing(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'queue.db'}")
    first_inside, let_go, second_inside = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with store.writing() as session:
            session.execute(text("CREATE TABLE IF NOT EXISTS probe (n INTEGER)"))
            first_inside.set()
            let_go.wait(10)

    def second() -> None:
        with store.writing() as session:
            second_inside.set()
            session.execute(text("INSERT INTO probe VALUES (2)"))

    holder = threading.Thread(target=first)
    holder.start()
    assert first_inside.wait(10)
    waiter = threading.Thread(target=second)
    waiter.start()
    # Without the queue the second writer would enter its session and poll SQLite's lock instead.
    assert not second_inside.wait(0.3)
    let_go.set()
    holder.join(10)
    waiter.join(10)
    assert second_inside.is_set()
    with store.session() as session:
        assert session.execute(text("SELECT n FROM probe")).scalars().all() == [2]


def test_a_writer_may_write_again_inside_its_own_turn(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'nested.db'}")
    with store.writing(), store.writing() as inner:  # the same thread: no deadlock
        inner.execute(text("SELECT 1"))
