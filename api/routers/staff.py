"""For support workers and the flow tests: what the bot made of a turn, an SMS tried from the
browser, and the console page at /console.

Every /staff endpoint needs `Authorization: Bearer <SIGNPOST_STAFF_TOKEN>`. The console page
itself is only a shell that asks for the token and keeps it in the tab's memory; without the token
it can do nothing.
"""

from __future__ import annotations

import logging
import secrets
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any, Literal

from anyio import to_thread
from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from api.deps import ConversationDep, SettingsDep, StaffDep
from api.directory import HelplineMatch
from api.directory.opening_hours import LONDON
from api.identity import keyed_hash
from api.rasa_client import RasaUnavailable
from api.routers.widget import HEADERS, STATIC
from api.schemas import Audience, Safety
from api.sms.channel import SmsChannel
from api.sms.gsm import is_gsm, segments
from api.sms.state import SmsSession

log = logging.getLogger(__name__)
router = APIRouter(prefix="/staff", tags=["staff"])
# The console page and its files sit outside /staff: the page is the address staff type.
pages = APIRouter(tags=["staff"], include_in_schema=False)


class InspectRequest(BaseModel):
    channel: Literal["web", "sms"]
    # The web session id, or the phone number the text came from.
    sender: str = Field(min_length=1, max_length=128)


class Understood(BaseModel):
    name: str
    confidence: float


class Inspection(BaseModel):
    """The last turn of a conversation as the bot saw it. No message text."""

    found: bool
    at: datetime | None = None
    safety: Safety = "unknown"
    audience: Audience = "unknown"
    degraded: bool = False
    intent: str | None = None
    confidence: float | None = None
    ranking: list[Understood] = []
    entities: list[dict[str, str]] = []
    kinds: list[str] = []
    helplines: list[HelplineMatch] = []
    # Why the intent is missing, when Rasa could not be asked.
    rasa_problem: str | None = None


class SmsTry(BaseModel):
    sender: str = Field(min_length=3, max_length=32, pattern=r"^\+?[0-9]+$")
    text: str = Field(max_length=1600)
    at: datetime | None = None


class SmsTried(BaseModel):
    messages: list[str]
    segments: int
    encoding: Literal["GSM-7", "UCS-2"]
    twiml: str


def _latest_sms_conversation(engine: Any, phone: str) -> str | None:
    with Session(engine) as session:
        query = select(SmsSession).where(SmsSession.phone == phone)
        row = session.exec(query.order_by(col(SmsSession.number).desc())).first()
        return row.conversation_id if row else None


@router.post("/inspect", response_model=Inspection)
async def inspect(
    body: InspectRequest, _: StaffDep, settings: SettingsDep, conversation: ConversationDep
) -> Inspection:
    """Safety, audience, helplines and why, and what Rasa understood, for the last turn of the
    sender's current conversation on the channel."""
    if body.channel == "web":
        conversation_id: str | None = keyed_hash(settings.signpost_secret, "web", body.sender)
    else:
        phone = keyed_hash(settings.signpost_secret, "sms", body.sender)
        engine = conversation.store.engine
        conversation_id = await to_thread.run_sync(_latest_sms_conversation, engine, phone)
    last = conversation.last_turns.get(conversation_id) if conversation_id else None
    if conversation_id is None or last is None:
        # Never asked Rasa about an unknown id: its tracker store would create the conversation.
        return Inspection(found=False)
    inspection = Inspection(
        found=True,
        at=last.at,
        safety=last.safety,  # type: ignore[arg-type]
        audience=last.audience,  # type: ignore[arg-type]
        degraded=last.degraded,
        kinds=last.kinds,
        helplines=last.helplines,
    )
    try:
        tracker = await conversation.rasa.tracker(conversation_id)
    except RasaUnavailable as error:
        inspection.rasa_problem = f"Rasa could not be asked: {error}"
        return inspection
    latest = tracker.get("latest_message") or {}
    intent = latest.get("intent") or {}
    inspection.intent = intent.get("name")
    inspection.confidence = intent.get("confidence")
    inspection.ranking = [
        Understood(name=r["name"], confidence=r["confidence"])
        for r in (latest.get("intent_ranking") or [])[:3]
        if "name" in r and "confidence" in r
    ]
    inspection.entities = [
        {"entity": str(e.get("entity")), "value": str(e.get("value"))}
        for e in latest.get("entities") or []
    ]
    return inspection


@router.post("/sms", response_model=SmsTried)
async def try_sms(
    body: SmsTry, _: StaffDep, settings: SettingsDep, conversation: ConversationDep
) -> SmsTried:
    """One text through the SMS channel as if Twilio had delivered it (the console has no
    Twilio token to sign with): the same keywords, numbered choices and rendering."""
    if body.at is None:
        at = datetime.now(LONDON)
    elif body.at.tzinfo is None:  # a time without a zone is a London time
        at = body.at.replace(tzinfo=LONDON)
    else:
        at = body.at.astimezone(LONDON)
    sid = "SM" + secrets.token_hex(16)
    twiml = await SmsChannel(conversation, settings).answer(body.sender, sid, body.text, at)
    try:
        messages = [m.text or "" for m in ET.fromstring(twiml).iter("Message")]
    except ET.ParseError:  # pragma: no cover - the channel always answers TwiML
        raise HTTPException(500, "The SMS channel answered something that is not TwiML.") from None
    text = "\n".join(messages)
    return SmsTried(
        messages=messages,
        segments=segments(text) if messages else 0,
        encoding="GSM-7" if is_gsm(text) else "UCS-2",
        twiml=twiml,
    )


def _file(name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type=media_type, headers=HEADERS)


@pages.get("/console")
def console() -> FileResponse:
    return _file("console.html", "text/html; charset=utf-8")


@pages.get("/console.js")
def console_js() -> FileResponse:
    return _file("console.js", "text/javascript; charset=utf-8")


@pages.get("/console.css")
def console_css() -> FileResponse:
    return _file("console.css", "text/css; charset=utf-8")
