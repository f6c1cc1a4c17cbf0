"""The chat contract, through POST /chat against the real trained Rasa server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import STAFF, session_id

pytestmark = pytest.mark.rasa

# Wednesday 25 November 2026, 19:30 in London (GMT): the Men's Advice Line is open until 8pm.
WEDNESDAY_EVENING = "2026-11-25T19:30:00+00:00"
# Tuesday 24 November 2026, 19:30: it closed at 5pm and opens at 9am tomorrow.
TUESDAY_EVENING = "2026-11-24T19:30:00+00:00"


def say(client: TestClient, session: str, text: str, **extra: object) -> dict:
    headers = STAFF if "at" in extra else {}
    response = client.post(
        "/chat", json={"session": session, "text": text, **extra}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_knife_at_the_door_gets_999_first(rasa_client: TestClient) -> None:
    reply = say(rasa_client, session_id(), "he's got a knife and he's kicking the door in")
    assert reply["safety"] == "emergency"
    assert "999" in reply["messages"][0]["text"]
    assert "55" in reply["messages"][0]["text"]
    assert reply["messages"][0]["kind"] == "emergency"
    assert reply["degraded"] is False
    # After 999, a line that answers at any hour.
    assert reply["helplines"] and reply["helplines"][0]["always_open"] is True


def test_man_whose_wife_hits_him_gets_mens_advice_line_when_open(rasa_client: TestClient) -> None:
    reply = say(rasa_client, session_id(), "I'm a man and my wife hits me", at=WEDNESDAY_EVENING)
    assert reply["audience"] == "man"
    ids = [h["id"] for h in reply["helplines"]]
    assert "mens-advice-line" in ids
    mal = next(h for h in reply["helplines"] if h["id"] == "mens-advice-line")
    assert mal["open_now"] is True
    assert "0808 8010 327" in " ".join(m["text"] for m in reply["messages"])
    # A women's line is not what a man is sent to first.
    assert ids[0] != "national-domestic-abuse-helpline"


def test_man_out_of_hours_is_told_when_it_opens_and_given_an_open_line(
    rasa_client: TestClient,
) -> None:
    reply = say(rasa_client, session_id(), "I'm a man and my wife hits me", at=TUESDAY_EVENING)
    lines = {h["id"]: h for h in reply["helplines"]}
    assert reply["audience"] == "man"
    assert any(h["open_now"] for h in reply["helplines"]), "someone open now must be offered"
    if "mens-advice-line" in lines:
        assert lines["mens-advice-line"]["open_now"] is False
        assert lines["mens-advice-line"]["next_open"].startswith("2026-11-25T09:00")


def test_danger_as_third_message_after_small_talk_gets_999_first(rasa_client: TestClient) -> None:
    session = session_id()
    say(rasa_client, session, "hello")
    say(rasa_client, session, "are you a real person")
    reply = say(rasa_client, session, "hes back and hes banging on the door saying hell kill me")
    assert reply["safety"] == "emergency"
    assert "999" in reply["messages"][0]["text"]


def test_safety_is_the_highest_seen_so_far(rasa_client: TestClient) -> None:
    session = session_id()
    assert say(rasa_client, session, "hes outside the house with a knife")["safety"] == "emergency"
    assert say(rasa_client, session, "thank you")["safety"] == "emergency"


def test_greeting_asks_whether_they_are_safe_with_buttons(rasa_client: TestClient) -> None:
    reply = say(rasa_client, session_id(), "hi")
    assert reply["safety"] == "unknown"
    last = reply["messages"][-1]
    assert "safe" in last["text"].lower()
    assert len(last["buttons"]) == 2


def test_a_button_payload_sent_back_as_text_is_understood(rasa_client: TestClient) -> None:
    session = session_id()
    first = say(rasa_client, session, "hi")
    not_safe = next(b for b in first["messages"][-1]["buttons"] if "not" in b["title"].lower())
    reply = say(rasa_client, session, not_safe["payload"])
    assert reply["safety"] == "emergency"
    assert "999" in reply["messages"][0]["text"]


def test_unclear_audience_is_asked_with_buttons_while_giving_a_24_7_line(
    rasa_client: TestClient,
) -> None:
    reply = say(
        rasa_client, session_id(), "someone keeps controlling everything i do and checks my phone"
    )
    assert reply["audience"] == "unknown"
    assert any(h["always_open"] for h in reply["helplines"])
    buttons = [b for m in reply["messages"] for b in m["buttons"]]
    assert any("man" in b["title"].lower() for b in buttons)


def test_erase_removes_the_conversation(rasa_client: TestClient) -> None:
    session = session_id()
    say(rasa_client, session, "hes outside with a knife")
    response = rasa_client.delete(f"/chat/{session}")
    assert response.json()["erased"] is True
    # The tracker is empty again: a calm message is no longer an emergency conversation.
    assert say(rasa_client, session, "hello")["safety"] == "unknown"


def test_ready_when_rasa_has_a_model(rasa_client: TestClient) -> None:
    assert rasa_client.get("/ready").status_code == 200
