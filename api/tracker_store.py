"""Rasa's own SQL tracker store, when one is configured: erased and purged with ours.

Rasa keeps every event of a conversation, the person's words included. Emptying a conversation
through Rasa's API (PUT .../tracker/events with []) does not delete rows from an SQL tracker store
— it only appends — so when RASA_TRACKER_DATABASE_URL points at that database, the API deletes
the rows itself: on erase, and when they are older than the retention period. (A Redis tracker
store expires conversations by itself: `record_exp` in deploy/endpoints-redis-tracker.yml.)
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    func,
)

log = logging.getLogger(__name__)

# The columns of Rasa 3.6's SQLTrackerStore table that matter here.
EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("timestamp", Float),
)


class RasaTrackerStore:
    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url, pool_pre_ping=True)

    def erase(self, sender_id: str) -> bool:
        try:
            with self.engine.begin() as connection:
                connection.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender_id))
            return True
        except Exception as error:  # noqa: BLE001 - reported, never blocks a reply
            log.error("could not erase from Rasa's tracker store: %s", type(error).__name__)
            return False

    def purge(self, before: datetime) -> int:
        """Deletes the events of every conversation quiet since before `before`."""
        try:
            with self.engine.begin() as connection:
                stale = (
                    EVENTS.select()
                    .with_only_columns(EVENTS.c.sender_id)
                    .group_by(EVENTS.c.sender_id)
                    .having(
                        # the newest event of the conversation is older than the cut-off
                        func.max(EVENTS.c.timestamp) < before.timestamp()
                    )
                )
                senders = [row[0] for row in connection.execute(stale)]
                for start in range(0, len(senders), 500):
                    chunk = senders[start : start + 500]
                    connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk)))
            return len(senders)
        except Exception as error:  # noqa: BLE001
            log.error("could not purge Rasa's tracker store: %s", type(error).__name__)
            return 0
