"""What is kept, on SQLite and on the machine's PostgreSQL: one row per conversation, no text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from api.store import Conversation, Store, Transcript, make_engine

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = Store(make_engine(url))
    Conversation.metadata.drop_all(store.engine)
    store.create_all()
    # A failure must show in the test, not be swallowed as it is for a person's reply.
    store._failed = lambda error: (_ for _ in ()).throw(error)  # type: ignore[method-assign]
    yield store
    store.engine.dispose()


def turn(store: Store, cid: str, at: datetime, **kw: object) -> None:
    values: dict = {
        "channel": "web",
        "safety": "support",
        "audience": "unknown",
        "helplines": [],
        "degraded": False,
    }
    values.update(kw)
    store.record_turn(cid, at=at, **values)


def test_a_conversation_keeps_its_highest_safety_and_its_audience(store: Store) -> None:
    turn(store, "c1", NOW, safety="emergency", helplines=["emergency-999", "samaritans"])
    turn(
        store,
        "c1",
        NOW + timedelta(minutes=1),
        safety="support",
        audience="man",
        helplines=["samaritans", "mens-advice-line"],
    )
    row = store.get("c1")
    assert row is not None
    assert (row.safety, row.audience, row.turns) == ("emergency", "man", 2)
    assert row.helplines_offered == "emergency-999,samaritans,mens-advice-line"
    assert row.last_at == NOW + timedelta(minutes=1)


def test_no_text_is_kept_unless_transcripts_are_on(store: Store) -> None:
    turn(store, "c1", NOW)
    turn(store, "c2", NOW, transcript=[("person", "a line of text")])
    with Session(store.engine) as session:
        texts = [t.text for t in session.exec(select(Transcript))]
    assert texts == ["a line of text"]


def test_erase_removes_the_row_and_its_text(store: Store) -> None:
    turn(store, "c1", NOW, transcript=[("person", "please forget this")])
    turn(store, "c2", NOW)
    assert store.erase("c1") is True
    assert store.get("c1") is None
    assert store.get("c2") is not None
    with Session(store.engine) as session:
        assert list(session.exec(select(Transcript))) == []


def test_retention_purge_removes_only_what_is_older(store: Store) -> None:
    turn(store, "old", NOW - timedelta(days=31), transcript=[("person", "old words")])
    turn(store, "new", NOW - timedelta(days=1), transcript=[("person", "new words")])
    assert store.purge(NOW - timedelta(days=30)) == 1
    assert store.get("old") is None and store.get("new") is not None
    with Session(store.engine) as session:
        assert [t.text for t in session.exec(select(Transcript))] == ["new words"]


def test_restart_starts_the_levels_afresh(store: Store) -> None:
    turn(store, "c1", NOW, safety="emergency", audience="woman")
    turn(store, "c1", NOW, safety="unknown", reset=True)
    row = store.get("c1")
    assert row is not None and (row.safety, row.audience) == ("unknown", "unknown")
