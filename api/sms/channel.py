"""One inbound text, end to end: a retry answered from record, safe words, numbered choices, one
conversation turn, the reply as TwiML. The route has already checked Twilio's signature."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import anyio
from anyio import to_thread
from sqlalchemy.exc import SQLAlchemyError
from twilio.twiml.messaging_response import MessagingResponse

from api.conversation import ConversationService
from api.identity import keyed_hash
from api.settings import Settings
from api.sms import keywords
from api.sms.gsm import gsm_safe, is_gsm
from api.sms.render import ContactHints, render
from api.sms.state import SmsState

log = logging.getLogger(__name__)
T = TypeVar("T")

# A retry that arrives while the first delivery is still being answered waits this long for it.
WAIT_FOR_FIRST = 5.0
_NUMBER = re.compile(r"\s*(\d{1,2})\s*[.)]?\s*")


def twiml(body: str | None) -> str:
    """A TwiML reply with one message, or none (`<Response />`) when `body` is None."""
    response = MessagingResponse()
    if body is not None:
        response.message(body)
    return str(response)


def _say(text: str) -> str:
    # Texts said without the renderer (safe words) keep to GSM-7 all the same.
    return twiml(gsm_safe(text))


async def _run(function: Callable[..., T], *args: Any) -> T:
    return await to_thread.run_sync(lambda: function(*args))


class SmsChannel:
    def __init__(self, conversation: ConversationService, settings: Settings) -> None:
        self.conversation = conversation
        self.replies = conversation.replies
        self.secret = settings.signpost_secret
        self.sender_name = settings.sms_sender_name
        self.state = SmsState(
            conversation.store.engine,
            self.secret,
            timedelta(minutes=settings.sms_session_quiet_minutes),
        )
        self.hints = ContactHints(self.replies)

    async def answer(self, sender: str, sid: str, text: str, at: datetime) -> str:
        """The TwiML for one inbound text; the same TwiML again for a repeated MessageSid."""
        phone = keyed_hash(self.secret, "sms", sender)
        delivery = keyed_hash(self.secret, "sms-sid", sid)
        try:
            ours, earlier = await _run(self.state.claim, delivery, phone, at)
            if not ours:
                log.info("sms: repeated delivery answered from record")
                return earlier or await self._wait_for(delivery)
            try:
                reply = await self._handle(phone, delivery, text, at)
            except BaseException:
                await _run(self.state.release, delivery)
                raise
            await _run(self.state.answered, delivery, reply, at)
            return reply
        except SQLAlchemyError as error:
            # Without our records there are no choices or sessions, but 999 still goes out.
            log.error(
                "sms state unavailable (%s): answering with the safety net", type(error).__name__
            )
            safety = self.conversation.safety_net("sms", at)
            return twiml(render(safety, at, self.hints).body)

    async def _handle(self, phone: str, delivery: str, text: str, at: datetime) -> str:
        word = keywords.keyword(text)
        if word is not None:
            log.info("sms: keyword %s", word)
        if word == "opted_out":
            # Twilio has opted the number out; a reply could not be delivered.
            return twiml(None)
        if word == "help":
            return _say(keywords.help_text(self.replies, self.sender_name))
        if word == "restart":
            await _run(self.state.restart, phone, at)
            return _say(self.replies.get("utter_restart", "sms").text)
        if word == "delete":
            return _say(await self._erase(phone, delivery))

        current = await _run(self.state.current, phone, at)
        reply = await self.conversation.turn(
            current.conversation_id, self._chosen(current.choices, text), "sms", at
        )
        sms = render(reply, at, self.hints, unicode_ok=not is_gsm(text))
        if reply.action == "erase":  # "delete my messages" in words: Rasa asked for it
            await self._erase(phone, delivery)
        elif reply.action == "restart":
            await _run(self.state.restart, phone, at)
        else:
            await _run(self.state.touch, current.conversation_id, at, sms.choices)
        return twiml(sms.body)

    @staticmethod
    def _chosen(choices: list[str], text: str) -> str:
        """A reply of "2" becomes the second choice's payload; anything else goes as written."""
        match = _NUMBER.fullmatch(text)
        if match and 1 <= int(match.group(1)) <= len(choices):
            return choices[int(match.group(1)) - 1]
        return text

    async def _erase(self, phone: str, delivery: str) -> str:
        """Erases every conversation of the phone here and in Rasa, then the phone's records.
        If Rasa can't be reached the records stay, so that DELETE can be tried again."""
        erased = True
        for conversation_id in await _run(self.state.conversations, phone):
            erased = await self.conversation.erase(conversation_id) and erased
        if not erased:
            return keywords.sms_text(self.replies, keywords.ERASE_FAILED)
        await _run(self.state.erase, phone, delivery)
        return self.replies.get("utter_erased", "sms").text

    async def _wait_for(self, delivery: str) -> str:
        with anyio.move_on_after(WAIT_FOR_FIRST):
            while True:
                await anyio.sleep(0.2)
                earlier = await _run(self.state.answer, delivery)
                if earlier is not None:
                    return earlier
        # The first delivery is still going (or failed): its answer, not a second one, is due.
        return twiml(None)
