"""A whole emergency conversation by SMS, signed as Twilio signs it, against the real Rasa."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.main import create_app
from api.routers.sms import clock
from api.sms.gsm import first_segment, is_gsm, segments
from api.sms.keywords import opt_out_instructions
from api.sms.state import SmsSession
from api.store import Conversation
from tests.conftest import make_settings
from tests.sms_support import PUBLIC, TOKEN, TUESDAY_2PM, Text, text

pytestmark = pytest.mark.rasa


@pytest.fixture
def phone(tmp_path: Path, rasa_server: tuple[str, str]) -> Iterator[TestClient]:
    url, token = rasa_server
    settings = make_settings(
        tmp_path, rasa_url=url, rasa_token=token, twilio_auth_token=TOKEN, public_base_url=PUBLIC
    )
    app = create_app(settings)
    app.dependency_overrides[clock] = lambda: TUESDAY_2PM
    with TestClient(app) as client:
        yield client


def check(reply: Text) -> str:
    """Every SMS reply: TwiML, one GSM-7 message, no opt-out word asked for, 999 when it matters."""
    assert reply.status == 200 and reply.content_type.startswith("application/xml")
    assert is_gsm(reply.body) and opt_out_instructions(reply.body) == []
    print(f"<- {reply.describe()}\n{reply.body}\n")
    return reply.body


def tracker_events(rasa_server: tuple[str, str], conversation_id: str) -> list:
    url, token = rasa_server
    response = httpx.get(
        f"{url}/conversations/{conversation_id}/tracker", params={"token": token}, timeout=10
    )
    return list(response.json().get("events") or [])


def test_emergency_conversation_by_sms(phone: TestClient, rasa_server: tuple[str, str]) -> None:
    hello = check(text(phone, "hi"))
    assert "Are you safe right now?" in hello
    assert "1 No, I'm not safe" in hello and "2 Yes, for now" in hello

    danger = check(text(phone, "1"))
    lead = danger.split("\n")[0]
    assert lead.startswith("If you are in danger now call 999") and "55" in lead
    assert lead in first_segment(danger), "the emergency answer whole in the first segment"
    assert "open 24 hours" in danger, "a line that answers at any hour, straight after 999"

    engine = phone.app.state.conversation.store.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        conversation_id = session.exec(select(SmsSession)).one().conversation_id
        assert session.get(Conversation, conversation_id).safety == "emergency"  # type: ignore[union-attr]
    assert tracker_events(rasa_server, conversation_id), "Rasa holds the conversation"

    erased = check(text(phone, "DELETE"))
    assert "deleted" in erased.lower() and "999" in erased
    with Session(engine) as session:
        assert session.exec(select(SmsSession)).all() == []
        assert session.get(Conversation, conversation_id) is None
    assert not [e for e in tracker_events(rasa_server, conversation_id) if e["event"] == "user"]


def test_danger_in_the_first_text_gets_999_first_in_one_segment(phone: TestClient) -> None:
    body = check(text(phone, "he's outside with a knife, I'm scared", sender="+447700900777"))
    lead = body.split("\n")[0]
    assert "999" in lead and segments(lead) == 1 and lead in first_segment(body)
