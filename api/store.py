"""What Signpost keeps: one row per conversation, no message text, keyed by a hash.

SQLite by default, PostgreSQL through DATABASE_URL. Functions here are blocking; the conversation
module runs them in a worker thread so the event loop never waits on the database.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, event
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent

SAFETY_ORDER = ["unknown", "support", "urgent", "emergency"]


def higher(a: str, b: str) -> str:
    """The more serious of two safety levels."""
    return max(a, b, key=SAFETY_ORDER.index)


class ConversationBase(SQLModel):
    channel: str
    started_at: datetime
    last_at: datetime
    safety: str = "unknown"
    audience: str = "unknown"
    # Ids of the helplines offered, comma-separated, in the order first offered.
    helplines_offered: str = ""
    turns: int = 0
    degraded_replies: int = 0


class Conversation(ConversationBase, table=True):
    id: str = Field(primary_key=True, max_length=64)
    # True once the person was offered help while no line for their own audience was open:
    # the service manager's measure of the gaps in the week.
    no_own_line_open: bool = False


class Transcript(SQLModel, table=True):
    """Message text, kept only when STORE_TRANSCRIPTS is on, and only for RETENTION_DAYS."""

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(index=True, max_length=64)
    at: datetime = Field(index=True)
    # "person" or "bot".
    role: str = Field(max_length=8)
    text: str


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        if not path.startswith("file:"):  # a URI (e.g. read-only) names an existing file
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _: Any) -> None:
            # Erased rows are overwritten on disk, not left in free pages of the file.
            connection.execute("PRAGMA secure_delete = ON")
            # Write-ahead log without a sync on every commit: a turn's record no longer waits
            # for the disk (a crash can lose the last moments of counts, never a reply).
            # Erasing checkpoints and empties the log (Store.erase), so erased rows don't
            # linger there. A read-only file keeps its journal mode.
            if connection.execute("PRAGMA query_only").fetchone()[0] == 0:
                try:
                    connection.execute("PRAGMA journal_mode = WAL")
                    connection.execute("PRAGMA synchronous = NORMAL")
                except Exception:  # noqa: BLE001 - a read-only file: keep its own mode
                    pass
    else:
        engine = create_engine(database_url, pool_pre_ping=True)
    return engine


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # The last failure, shown by /ready; None while the database answers.
        self.problem: str | None = None

    def create_all(self) -> None:
        SQLModel.metadata.create_all(self.engine)

    def migrate(self) -> None:
        """Brings the schema up to date with the Alembic migrations (api/migrations)."""
        from alembic import command
        from alembic.config import Config

        config = Config(str(ROOT / "alembic.ini"))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def _ok(self) -> None:
        # Only a successful write clears a problem: a read-only database still answers reads.
        self.problem = None

    def _failed(self, error: Exception) -> None:
        self.problem = f"database: {type(error).__name__}"
        log.error("store failed: %s", type(error).__name__)

    def get(self, conversation_id: str) -> Conversation | None:
        """The conversation's row, or None (also when the database is unavailable)."""
        try:
            with Session(self.engine) as session:
                row = session.get(Conversation, conversation_id)
                if row is not None:
                    session.expunge(row)
            return row
        except Exception as error:  # noqa: BLE001 - a person must get an answer regardless
            self._failed(error)
            return None

    def record_turn(
        self,
        conversation_id: str,
        *,
        channel: str,
        at: datetime,
        safety: str,
        audience: str,
        helplines: list[str],
        degraded: bool,
        reset: bool = False,
        no_own_line_open: bool = False,
        transcript: list[tuple[str, str]] | None = None,
    ) -> None:
        """Adds one turn to the conversation's row; `reset` starts its levels afresh."""
        at = as_utc(at)
        try:
            with Session(self.engine) as session:
                row = session.get(Conversation, conversation_id)
                if row is None:
                    row = Conversation(
                        id=conversation_id, channel=channel, started_at=at, last_at=at
                    )
                if reset:
                    row.safety, row.audience = "unknown", "unknown"
                row.last_at = at
                row.turns += 1
                row.safety = higher(row.safety, safety)
                if audience != "unknown":
                    row.audience = audience
                offered = [h for h in row.helplines_offered.split(",") if h]
                row.helplines_offered = ",".join(
                    offered + [h for h in helplines if h not in offered]
                )
                row.degraded_replies += int(degraded)
                row.no_own_line_open = row.no_own_line_open or no_own_line_open
                session.add(row)
                for role, text in transcript or []:
                    session.add(
                        Transcript(conversation_id=conversation_id, at=at, role=role, text=text)
                    )
                session.commit()
            self._ok()
        except Exception as error:  # noqa: BLE001
            self._failed(error)

    def erase(self, conversation_id: str) -> bool:
        """Deletes everything kept about the conversation. False if the database failed."""
        try:
            with Session(self.engine) as session:
                session.execute(
                    delete(Transcript).where(col(Transcript.conversation_id) == conversation_id)
                )
                session.execute(delete(Conversation).where(col(Conversation.id) == conversation_id))
                session.commit()
            self._empty_log()
            self._ok()
            return True
        except Exception as error:  # noqa: BLE001
            self._failed(error)
            return False

    def purge(self, before: datetime) -> int:
        """Deletes conversations quiet since before `before`, and older transcript lines."""
        before = as_utc(before)
        try:
            with Session(self.engine) as session:
                session.execute(delete(Transcript).where(col(Transcript.at) < before))
                old = session.execute(
                    delete(Conversation).where(col(Conversation.last_at) < before)
                )
                session.commit()
            self._empty_log()
            self._ok()
            return int(getattr(old, "rowcount", 0) or 0)
        except Exception as error:  # noqa: BLE001
            self._failed(error)
            return 0

    def _empty_log(self) -> None:
        """SQLite: copy the write-ahead log into the file (where secure_delete has zeroed the
        erased rows) and truncate it, so nothing erased stays in the log."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def summary(self, since: datetime) -> list[Conversation]:
        """The conversations active since `since`, for the service manager's counts."""
        with Session(self.engine) as session:
            rows = list(
                session.exec(select(Conversation).where(col(Conversation.last_at) >= as_utc(since)))
            )
            for row in rows:
                session.expunge(row)
        return rows

    def ping(self) -> bool:
        try:
            with Session(self.engine) as session:
                session.exec(select(1)).one()
            return True
        except Exception as error:  # noqa: BLE001
            self._failed(error)
            return False


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """Times are kept in UTC (SQLModel stores them so and gives them back zoned)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
