"""The staff endpoints the flow tests and the console use: /staff/inspect, /staff/sms, the SMS
clock header, and the console page. Rasa is down here (a closed port): every reply is the safety
answer, which is all these need."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.routers.widget import CONTENT_SECURITY_POLICY
from tests.conftest import STAFF, make_settings
from tests.sms_support import PUBLIC, TOKEN, sign, twilio_fields

PHONE = "+447700900555"


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, twilio_auth_token=TOKEN, public_base_url=PUBLIC)
    with TestClient(create_app(settings)) as client:
        yield client


def text_in(client: TestClient, body: str, **headers: str) -> int:
    fields = twilio_fields(body, sender=PHONE)
    signed = {"X-Twilio-Signature": sign(fields), **headers}
    return client.post("/sms/twilio", data=fields, headers=signed).status_code


def inspect(client: TestClient, channel: str, sender: str) -> dict:
    response = client.post(
        "/staff/inspect", json={"channel": channel, "sender": sender}, headers=STAFF
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_staff_endpoints_need_the_staff_token(app_client: TestClient) -> None:
    body = {"channel": "web", "sender": "abc"}
    assert app_client.post("/staff/inspect", json=body).status_code == 403
    wrong = {"Authorization": "Bearer not-the-token"}
    assert app_client.post("/staff/inspect", json=body, headers=wrong).status_code == 403
    sms = {"sender": PHONE, "text": "hello"}
    assert app_client.post("/staff/sms", json=sms).status_code == 403


def test_inspect_shows_the_last_turn_without_any_message_text(app_client: TestClient) -> None:
    assert inspect(app_client, "web", "s-1")["found"] is False
    secret = "my husband hits me and his name is Dave"
    reply = app_client.post("/chat", json={"session": "s-1", "text": secret}).json()
    seen = inspect(app_client, "web", "s-1")
    assert seen["found"] is True and seen["degraded"] is True
    assert seen["safety"] == reply["safety"] and seen["audience"] == reply["audience"]
    assert [h["id"] for h in seen["helplines"]] == [h["id"] for h in reply["helplines"]]
    assert all(h["why"] for h in seen["helplines"])
    assert "Dave" not in str(seen) and "husband" not in str(seen)
    assert seen["rasa_problem"]  # Rasa is down: no intent, and it says why


def test_erasing_a_conversation_forgets_its_inspection(app_client: TestClient) -> None:
    app_client.post("/chat", json={"session": "s-2", "text": "hello"})
    assert inspect(app_client, "web", "s-2")["found"] is True
    app_client.delete("/chat/s-2")
    assert inspect(app_client, "web", "s-2")["found"] is False


def test_an_sms_clock_is_honoured_only_with_the_staff_token(app_client: TestClient) -> None:
    at = {"X-Signpost-At": "2026-12-25T10:00:00Z"}
    assert text_in(app_client, "hello", **at) == 403
    assert inspect(app_client, "sms", PHONE)["found"] is False  # the refused text did nothing
    assert text_in(app_client, "hello", **at, **STAFF) == 200
    seen = inspect(app_client, "sms", PHONE)
    assert seen["found"] is True and seen["at"].startswith("2026-12-25T10:00:00")


def test_the_console_can_try_a_text_as_if_twilio_sent_it(app_client: TestClient) -> None:
    body = {"sender": PHONE, "text": "HELP", "at": "2026-11-24T14:00:00"}
    tried = app_client.post("/staff/sms", json=body, headers=STAFF).json()
    assert len(tried["messages"]) == 1 and "999" in tried["messages"][0]
    assert tried["segments"] == 1 and tried["encoding"] == "GSM-7"
    assert tried["twiml"].startswith("<?xml")


def test_the_console_page_runs_only_its_own_files(app_client: TestClient) -> None:
    page = app_client.get("/console")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert '<script src="/console.js" defer></script>' in page.text
    assert "<script>" not in page.text and "<style>" not in page.text
    for name, kind in (("/console.js", "javascript"), ("/console.css", "css")):
        response = app_client.get(name)
        assert response.status_code == 200 and kind in response.headers["content-type"]
