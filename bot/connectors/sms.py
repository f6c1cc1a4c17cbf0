"""A REST connector named "sms", so SMS turns get the domain's `channel: sms` response variations.

Rasa picks a response variation by the *output* channel's name, and the stock REST channel always
collects replies in a channel named "collector". The Signpost API (which checks Twilio's signature
and renders the reply) posts SMS turns here instead of to /webhooks/rest/webhook.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse


class SmsOutput(CollectingOutputChannel):
    """Collects replies like the REST channel, under the name the domain's variations use."""

    @classmethod
    def name(cls) -> str:
        return "sms"


class SmsInput(RestInput):
    """POST /webhooks/sms/webhook with {"sender", "message"}; answers a JSON list like REST."""

    @classmethod
    def name(cls) -> str:
        return "sms"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sms_webhook = Blueprint("sms_webhook", __name__)

        @sms_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sms_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            collector = SmsOutput()
            # Errors propagate as a 500 on purpose: the API then answers with its safety net
            # instead of an empty reply, and nothing here logs the message text.
            await on_new_message(
                UserMessage(
                    self._extract_message(request),
                    collector,
                    await self._extract_sender(request),
                    input_channel=self.name(),
                    metadata=self.get_metadata(request),
                )
            )
            return response.json(collector.messages)

        return sms_webhook
