"""The JSON the web channel speaks: the chat contract the widget and the flow tests rely on."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.directory import HelplineMatch

Safety = Literal["emergency", "urgent", "support", "unknown"]
Audience = Literal[
    "woman", "man", "lgbt", "forced_marriage", "friend_family", "perpetrator", "unknown"
]


class ChatRequest(BaseModel):
    session: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")
    text: str = Field(min_length=1, max_length=2000)
    # Evaluate opening hours at another time: staff only (Authorization: Bearer <staff token>).
    at: datetime | None = None


class Button(BaseModel):
    title: str
    payload: str


class ChatMessage(BaseModel):
    text: str
    buttons: list[Button] = []
    # emergency | helplines | question | info: how the widget shows the message.
    kind: str = "info"
    # Ids of the helplines this message lists (their details are in ChatReply.helplines).
    helplines: list[str] = []


class ChatReply(BaseModel):
    session: str
    messages: list[ChatMessage]
    safety: Safety
    audience: Audience
    helplines: list[HelplineMatch]
    degraded: bool
