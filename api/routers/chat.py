"""The web channel: POST /chat for one turn, DELETE /chat/{session} to erase a conversation."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, HTTPException, Path

from api.conversation import Reply
from api.deps import ConversationDep, SettingsDep, is_staff
from api.identity import keyed_hash
from api.rendering import line_text
from api.schemas import Button, ChatMessage, ChatReply, ChatRequest

router = APIRouter(prefix="/chat", tags=["chat"])
LONDON = ZoneInfo("Europe/London")
SessionId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


@router.post("", response_model=ChatReply)
async def chat(
    body: ChatRequest,
    conversation: ConversationDep,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> ChatReply:
    """One turn: what the person wrote in, the bot's messages and the helplines that fit out."""
    if body.at is not None and not is_staff(settings, authorization):
        raise HTTPException(403, "Only staff can set the clock ('at').")
    at = (body.at or datetime.now(timezone.utc)).astimezone(LONDON)
    if at.tzinfo is None:  # pragma: no cover - astimezone always sets it
        at = at.replace(tzinfo=LONDON)
    conversation_id = keyed_hash(settings.signpost_secret, "web", body.session)
    reply = await conversation.turn(conversation_id, body.text, "web", at)
    return render(body.session, reply, at)


@router.delete("/{session}")
async def erase(session: SessionId, conversation: ConversationDep, settings: SettingsDep) -> dict:
    """Deletes the conversation here and in Rasa ("Clear this chat")."""
    erased = await conversation.erase(keyed_hash(settings.signpost_secret, "web", session))
    return {"session": session, "erased": erased}


def render(session: str, reply: Reply, at: datetime) -> ChatReply:
    """The reply as the widget shows it: helplines listed under the message that offers them."""
    messages = [
        ChatMessage(
            text="\n".join([m.text, *(line_text(h, at) for h in m.helplines)]),
            buttons=[Button(**b) for b in m.buttons],
            kind=m.kind,
            helplines=[h.id for h in m.helplines],
        )
        for m in reply.messages
    ]
    return ChatReply(
        session=session,
        messages=messages,
        safety=reply.safety,  # type: ignore[arg-type]
        audience=reply.audience,  # type: ignore[arg-type]
        helplines=reply.helplines,
        degraded=reply.degraded,
    )
