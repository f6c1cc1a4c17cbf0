"""What the SMS channel keeps, per keyed phone hash: its conversations and answered deliveries.

No phone number and no message text is kept. A session row says which Rasa conversation a phone
is in, when it last wrote and which numbered choices it was last offered; a new session starts
after a quiet period, on RESTART, or after DELETE. A delivery row records a hashed MessageSid with
the TwiML it got, so Twilio's retries are answered again without a second turn. Functions here
block: the channel runs them in a worker thread.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from api.identity import keyed_hash

# Twilio retries within seconds or minutes; a day is ample and keeps little.
KEEP_DELIVERIES = timedelta(days=1)


class SmsSession(SQLModel, table=True):
    __tablename__ = "sms_session"

    conversation_id: str = Field(primary_key=True, max_length=64)
    phone: str = Field(index=True, max_length=64)
    # 1, 2, 3... for the phone: orders its sessions even when two start in the same instant.
    number: int
    started_at: datetime
    last_at: datetime
    # JSON list of the button payloads last offered as 1, 2, 3...
    choices: str = "[]"


class SmsDelivery(SQLModel, table=True):
    __tablename__ = "sms_delivery"

    sid: str = Field(primary_key=True, max_length=64)
    # Empty once the phone's records are erased: the DELETE's own answer is kept, unlinked.
    phone: str = Field(default="", index=True, max_length=64)
    at: datetime
    # None while the first delivery is still being answered.
    twiml: str | None = None


@dataclass(frozen=True)
class Current:
    conversation_id: str
    choices: list[str]


def _utc(moment: datetime) -> datetime:
    # SQLite keeps no zone: store UTC, and read a naive time back as the UTC it was.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class SmsState:
    def __init__(self, engine: Engine, secret: str, quiet: timedelta) -> None:
        self.engine = engine
        self.secret = secret
        self.quiet = quiet

    # --- deliveries ------------------------------------------------------------------------
    def claim(self, sid: str, phone: str, at: datetime) -> tuple[bool, str | None]:
        """(True, None) when this delivery is ours to answer; else (False, the TwiML it got,
        or None while another worker is still answering it)."""
        try:
            with Session(self.engine) as session:
                session.add(SmsDelivery(sid=sid, phone=phone, at=_utc(at)))
                session.commit()
            return True, None
        except IntegrityError:
            return False, self.answer(sid)

    def answer(self, sid: str) -> str | None:
        with Session(self.engine) as session:
            row = session.get(SmsDelivery, sid)
            return row.twiml if row else None

    def answered(self, sid: str, twiml: str, at: datetime) -> None:
        """Records the TwiML a delivery got, and forgets deliveries older than KEEP_DELIVERIES."""
        with Session(self.engine) as session:
            row = session.get(SmsDelivery, sid)
            if row is not None:
                row.twiml = twiml
                session.add(row)
            cutoff = _utc(at - KEEP_DELIVERIES)
            session.exec(delete(SmsDelivery).where(col(SmsDelivery.at) < cutoff))  # type: ignore[call-overload]
            session.commit()

    def release(self, sid: str) -> None:
        """Gives up a claim that could not be answered, so Twilio's retry is processed."""
        with Session(self.engine) as session:
            session.exec(delete(SmsDelivery).where(col(SmsDelivery.sid) == sid))  # type: ignore[call-overload]
            session.commit()

    # --- sessions --------------------------------------------------------------------------
    def current(self, phone: str, at: datetime) -> Current:
        """The phone's conversation, or a new one when there is none or it has been quiet."""
        with Session(self.engine) as session:
            row = self._latest(session, phone)
            if row is None or _utc(at) - _utc(row.last_at) > self.quiet:
                row = self._start(session, phone, at)
            return Current(row.conversation_id, json.loads(row.choices))

    def restart(self, phone: str, at: datetime) -> str:
        """A new conversation id for the phone (the old one is left to expire)."""
        with Session(self.engine) as session:
            return self._start(session, phone, at).conversation_id

    def touch(self, conversation_id: str, at: datetime, choices: list[str]) -> None:
        with Session(self.engine) as session:
            row = session.get(SmsSession, conversation_id)
            if row is None:  # erased meanwhile: nothing to remember
                return
            row.last_at = _utc(at)
            row.choices = json.dumps(choices)
            session.add(row)
            session.commit()

    def conversations(self, phone: str) -> list[str]:
        """Every conversation id the phone has had that is still on record."""
        with Session(self.engine) as session:
            rows = session.exec(select(SmsSession).where(SmsSession.phone == phone))
            return [row.conversation_id for row in rows]

    def erase(self, phone: str, keep_sid: str) -> None:
        """Forgets the phone: its sessions and deliveries. `keep_sid` (the delivery that asked)
        stays, unlinked from the phone, so a retry of it gets the same answer, not a new one."""
        with Session(self.engine) as session:
            kept = session.get(SmsDelivery, keep_sid)
            if kept is not None:
                kept.phone = ""
                session.add(kept)
                session.flush()
            session.exec(delete(SmsSession).where(col(SmsSession.phone) == phone))  # type: ignore[call-overload]
            session.exec(delete(SmsDelivery).where(col(SmsDelivery.phone) == phone))  # type: ignore[call-overload]
            session.commit()

    def _latest(self, session: Session, phone: str) -> SmsSession | None:
        query = select(SmsSession).where(SmsSession.phone == phone)
        return session.exec(query.order_by(col(SmsSession.number).desc())).first()

    def _start(self, session: Session, phone: str, at: datetime) -> SmsSession:
        # Derived from the phone hash, a counter, the start time and a nonce: every session is
        # a new Rasa conversation with no old context (even one started in the same instant as
        # an erased one), and the id says nothing without the secret.
        latest = self._latest(session, phone)
        number = latest.number + 1 if latest else 1
        started = _utc(at)
        material = f"{phone}:{number}:{started.isoformat()}:{secrets.token_hex(8)}"
        row = SmsSession(
            conversation_id=keyed_hash(self.secret, "sms-session", material),
            phone=phone,
            number=number,
            started_at=started,
            last_at=started,
        )
        session.add(row)
        session.commit()
        session.refresh(row)
        return row
