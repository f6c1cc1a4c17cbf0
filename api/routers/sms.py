"""The SMS channel: POST /sms/twilio, Twilio's incoming-message webhook, answered with TwiML.

Only requests signed with our Twilio Auth Token for the public URL Twilio was given get past the
first lines; anything else is a 403 that touches nothing. The rest is `api/sms/channel.py`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator

from api.deps import ConversationDep, SettingsDep, is_staff
from api.settings import Settings
from api.sms import state as _tables  # noqa: F401 - registers the SMS tables for create_all
from api.sms.channel import SmsChannel

log = logging.getLogger(__name__)
router = APIRouter(prefix="/sms", tags=["sms"])
LONDON = ZoneInfo("Europe/London")
PATH = "/sms/twilio"
TWIML = "application/xml"


def clock(
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
    x_signpost_at: Annotated[datetime | None, Header()] = None,
) -> datetime:
    """Now, in London (opening hours are London times); tests override it. Staff may set
    another time with `X-Signpost-At` (flow tests), as with `at` on /chat: else 403."""
    if x_signpost_at is None:
        return datetime.now(LONDON)
    if not is_staff(settings, authorization):
        raise HTTPException(403, "Only staff can set the clock (X-Signpost-At).")
    if x_signpost_at.tzinfo is None:  # a time without a zone is a London time
        return x_signpost_at.replace(tzinfo=LONDON)
    return x_signpost_at.astimezone(LONDON)


ClockDep = Annotated[datetime, Depends(clock)]


def signed(settings: Settings, form: ImmutableMultiDict[str, str], signature: str | None) -> bool:
    """Whether Twilio signed these fields for PUBLIC_BASE_URL + /sms/twilio with our token.
    Behind a proxy the request arrives on another host or scheme, so that URL is never used."""
    if not settings.twilio_auth_token:
        log.warning("TWILIO_AUTH_TOKEN is not set, so every SMS is refused: set it (README, SMS)")
        return False
    if not signature:
        return False
    url = settings.public_base_url.rstrip("/") + PATH
    return bool(RequestValidator(settings.twilio_auth_token).validate(url, form, signature))


@router.post(PATH.removeprefix("/sms"), response_class=Response)
async def twilio_webhook(
    request: Request, settings: SettingsDep, conversation: ConversationDep, now: ClockDep
) -> Response:
    """One inbound text in, the reply out as TwiML (`<Response><Message>…`)."""
    # Every field Twilio sends is kept: the signature covers all of them, named or not.
    raw = (await request.body()).decode("utf-8", errors="replace")
    form: ImmutableMultiDict[str, str] = ImmutableMultiDict(parse_qsl(raw, keep_blank_values=True))
    if not signed(settings, form, request.headers.get("X-Twilio-Signature")):
        log.warning("sms: refused a request without a valid Twilio signature")
        return Response("Forbidden: no valid X-Twilio-Signature.", 403, media_type="text/plain")
    sender = form.get("From")
    sid = form.get("MessageSid") or form.get("SmsSid")
    if not isinstance(sender, str) or not sender or not isinstance(sid, str) or not sid:
        return Response("From and MessageSid are required.", 400, media_type="text/plain")
    body = form.get("Body")
    text = body.strip() if isinstance(body, str) else ""
    reply = await SmsChannel(conversation, settings).answer(sender, sid, text, now)
    return Response(reply, media_type=TWIML)
