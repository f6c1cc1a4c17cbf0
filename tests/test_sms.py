"""The SMS channel through POST /sms/twilio: signatures, retries, numbered choices, safe words,
sessions. Rasa here is scripted with the domain's own SMS texts (tests/sms_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel, select

from api.main import create_app
from api.routers.sms import clock
from api.sms.gsm import first_segment, is_gsm, segments
from api.sms.keywords import opt_out_instructions
from api.sms.state import SmsDelivery, SmsSession, SmsState
from api.store import Conversation, make_engine
from tests.conftest import make_settings
from tests.sms_support import (
    PHONE,
    PUBLIC,
    TOKEN,
    TUESDAY_2PM,
    ScriptedRasa,
    scripted_rasa,
    sign,
    text,
    twilio_fields,
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def rasa() -> Iterator[ScriptedRasa]:
    with scripted_rasa() as rasa:
        yield rasa


@pytest.fixture
def now() -> Clock:
    return Clock(TUESDAY_2PM)


@pytest.fixture
def sms(tmp_path: Path, rasa: ScriptedRasa, now: Clock) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path, rasa_url=rasa.url, twilio_auth_token=TOKEN, public_base_url=PUBLIC
    )
    app = create_app(settings)
    app.dependency_overrides[clock] = now
    with TestClient(app) as client:
        yield client


def rows(client: TestClient, table: type[SQLModel]) -> list:
    engine = client.app.state.conversation.store.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        return list(session.exec(select(table)))


def assert_nothing_stored(client: TestClient, rasa: ScriptedRasa) -> None:
    assert rows(client, SmsSession) == []
    assert rows(client, SmsDelivery) == []
    assert rows(client, Conversation) == []
    assert rasa.sent == [] and rasa.erased == []


# --- signatures ------------------------------------------------------------------------------
def test_signed_text_gets_a_twiml_reply(sms: TestClient) -> None:
    reply = text(sms, "hello")
    assert reply.status == 200
    assert reply.content_type.startswith("application/xml")
    assert reply.body.startswith("Hello. I'm an automated helper.")
    assert "Reply with a number:\n1 No, I'm not safe\n2 Yes, for now" in reply.body
    assert is_gsm(reply.body) and segments(reply.body) == 1


def test_unsigned_request_is_refused_and_nothing_is_stored(
    sms: TestClient, rasa: ScriptedRasa
) -> None:
    response = sms.post("/sms/twilio", data=twilio_fields("hello"))
    assert response.status_code == 403
    assert_nothing_stored(sms, rasa)


def test_signature_made_with_another_token_is_refused_and_nothing_is_stored(
    sms: TestClient, rasa: ScriptedRasa
) -> None:
    fields = twilio_fields("hello")
    headers = {"X-Twilio-Signature": sign(fields, token="someone-elses-token")}
    assert sms.post("/sms/twilio", data=fields, headers=headers).status_code == 403
    assert_nothing_stored(sms, rasa)


def test_signature_over_other_fields_is_refused(sms: TestClient, rasa: ScriptedRasa) -> None:
    fields = twilio_fields("hello")
    signature = sign(fields)
    fields["Body"] = "something else"  # altered on the way
    response = sms.post("/sms/twilio", data=fields, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert_nothing_stored(sms, rasa)


def test_request_through_a_proxy_signed_for_the_public_url_is_accepted(
    sms: TestClient, rasa: ScriptedRasa
) -> None:
    fields = twilio_fields("hello")
    # It arrives over plain HTTP on an internal host and port, as from a reverse proxy.
    response = sms.post(
        "http://10.0.0.7:8000/sms/twilio",
        data=fields,
        headers={"X-Twilio-Signature": sign(fields), "Host": "10.0.0.7:8000"},
    )
    assert response.status_code == 200
    assert len(rasa.sent) == 1


def test_signature_for_the_url_it_arrived_on_is_refused(
    sms: TestClient, rasa: ScriptedRasa
) -> None:
    fields = twilio_fields("hello")
    arrived = "http://10.0.0.7:8000/sms/twilio"
    response = sms.post(
        arrived, data=fields, headers={"X-Twilio-Signature": sign(fields, url=arrived)}
    )
    assert response.status_code == 403
    assert_nothing_stored(sms, rasa)


def test_without_a_configured_token_everything_is_refused(
    tmp_path: Path, rasa: ScriptedRasa
) -> None:
    settings = make_settings(tmp_path, rasa_url=rasa.url, public_base_url=PUBLIC)
    with TestClient(create_app(settings)) as client:
        fields = twilio_fields("hello")
        # Even "signed" with an empty token.
        headers = {"X-Twilio-Signature": sign(fields, token="")}
        assert client.post("/sms/twilio", data=fields, headers=headers).status_code == 403
        assert_nothing_stored(client, rasa)


# --- retries ---------------------------------------------------------------------------------
def test_repeated_message_sid_gets_the_same_reply_without_a_second_turn(
    sms: TestClient, rasa: ScriptedRasa
) -> None:
    first = text(sms, "hello", sid="SM" + "1" * 32)
    again = text(sms, "hello", sid="SM" + "1" * 32)
    assert again.status == 200 and again.twiml == first.twiml
    assert len(rasa.sent) == 1
    assert rows(sms, Conversation)[0].turns == 1


def test_message_sids_and_numbers_are_kept_only_as_hashes(sms: TestClient, tmp_path: Path) -> None:
    sid = "SM" + "2" * 32
    text(sms, "hello", sid=sid)
    stored = (tmp_path / "signpost.db").read_bytes()
    for secret in (PHONE, PHONE.removeprefix("+"), "7700900123", sid, "hello"):
        assert secret.encode() not in stored


# --- numbered choices ------------------------------------------------------------------------
def test_a_number_selects_the_choice_it_was_offered(sms: TestClient, rasa: ScriptedRasa) -> None:
    text(sms, "hello")
    reply = text(sms, "1")  # "1 No, I'm not safe"
    assert rasa.sent[-1][1] == "/danger_now"
    assert rasa.sent[0][0] == rasa.sent[1][0], "the same conversation"
    # The emergency answer leads, whole, in the first segment.
    assert reply.body.startswith("If you are in danger now call 999.")
    emergency = reply.body.split("\n")[0]
    assert emergency in first_segment(reply.body)


def test_a_number_with_nothing_offered_goes_as_written(sms: TestClient, rasa: ScriptedRasa) -> None:
    text(sms, "hello")
    text(sms, "7")
    assert rasa.sent[-1][1] == "7"


def test_choices_are_replaced_by_the_next_reply(sms: TestClient, rasa: ScriptedRasa) -> None:
    text(sms, "hello")
    text(sms, "2")  # "Yes, for now" → /safe_now, a reply with no choices
    text(sms, "1")
    assert [m for _, m in rasa.sent] == ["hello", "/safe_now", "1"]


# --- safe words ------------------------------------------------------------------------------
def test_delete_erases_the_conversation_here_and_in_rasa(
    sms: TestClient, rasa: ScriptedRasa
) -> None:
    text(sms, "hello")
    conversation_id = rasa.sent[0][0]
    reply = text(sms, "delete")
    assert "deleted" in reply.body.lower() and "999" in reply.body
    assert rasa.erased == [conversation_id]
    assert len(rasa.sent) == 1, "DELETE never reaches Rasa"
    assert rows(sms, Conversation) == []
    assert rows(sms, SmsSession) == []
    # Only DELETE's own answer is kept (for a retry of it), linked to no phone.
    assert [d.phone for d in rows(sms, SmsDelivery)] == [""]
    # The next text starts afresh.
    text(sms, "hello")
    assert rasa.sent[-1][0] != conversation_id


def test_delete_erases_earlier_conversations_of_the_phone_too(
    sms: TestClient, rasa: ScriptedRasa, now: Clock
) -> None:
    text(sms, "hello")
    now.now += timedelta(days=3)
    text(sms, "hello")
    text(sms, "DELETE")
    assert sorted(rasa.erased) == sorted({sender for sender, _ in rasa.sent})
    assert len(rasa.erased) == 2


def test_asking_rasa_to_delete_also_clears_the_sms_records(
    sms: TestClient, rasa: ScriptedRasa
) -> None:
    text(sms, "hello")
    reply = text(sms, "delete my messages please")
    assert "deleted" in reply.body.lower()
    assert rows(sms, SmsSession) == [] and rows(sms, Conversation) == []


def test_restart_starts_a_new_conversation(sms: TestClient, rasa: ScriptedRasa) -> None:
    text(sms, "hello")
    reply = text(sms, "Restart")
    assert "start again" in reply.body.lower() and "999" in reply.body
    text(sms, "1")  # the old choices are gone with the old conversation
    assert rasa.sent[-1][1] == "1"
    assert rasa.sent[-1][0] != rasa.sent[0][0]


def test_help_lists_the_safe_words_and_no_opt_out_word(sms: TestClient, rasa: ScriptedRasa) -> None:
    reply = text(sms, "help")
    assert "999" in reply.body and "RESTART" in reply.body and "DELETE" in reply.body
    assert opt_out_instructions(reply.body) == []
    assert segments(reply.body) == 1 and is_gsm(reply.body)
    assert rasa.sent == []


def test_safe_words_count_only_as_the_whole_message(sms: TestClient, rasa: ScriptedRasa) -> None:
    text(sms, "please delete this")
    assert rasa.sent[-1][1] == "please delete this"
    assert rasa.erased == []


def test_a_carrier_opt_out_word_gets_no_reply_and_no_turn(
    sms: TestClient, rasa: ScriptedRasa
) -> None:
    reply = text(sms, "Stop")
    assert reply.status == 200 and reply.bodies == []
    assert rasa.sent == []


# --- sessions --------------------------------------------------------------------------------
def test_a_text_after_the_quiet_period_starts_a_new_conversation(
    sms: TestClient, rasa: ScriptedRasa, now: Clock
) -> None:
    text(sms, "hello")
    now.now += timedelta(minutes=239)
    text(sms, "1")
    assert rasa.sent[1] == (rasa.sent[0][0], "/danger_now"), "still the same conversation"
    now.now += timedelta(minutes=241)
    text(sms, "1")
    assert rasa.sent[2][0] != rasa.sent[0][0], "a new conversation"
    assert rasa.sent[2][1] == "1", "the old choices are not replayed"


def test_each_phone_has_its_own_conversation(sms: TestClient, rasa: ScriptedRasa) -> None:
    text(sms, "hello")
    text(sms, "hello", sender="+447700900456")
    assert rasa.sent[0][0] != rasa.sent[1][0]


# --- when Rasa is down ------------------------------------------------------------------------
def test_rasa_down_still_gets_999_first_in_one_segment(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, twilio_auth_token=TOKEN, public_base_url=PUBLIC)
    with TestClient(create_app(settings)) as client:
        reply = text(client, "he is outside")
    assert reply.status == 200
    first = reply.body.split("\n")[0]
    assert first.startswith("If you are in danger now call 999") and segments(first) == 1
    assert first in first_segment(reply.body)
    assert "trouble" in reply.body and "open 24 hours" in reply.body
    assert segments(reply.body) <= 2 and is_gsm(reply.body)


# --- when our own records fail ----------------------------------------------------------------
def test_a_retry_while_the_first_is_still_answered_gets_that_answer_not_a_second(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    SQLModel.metadata.create_all(engine)
    state = SmsState(engine, "secret", timedelta(minutes=240))
    assert state.claim("sid", "phone", TUESDAY_2PM) == (True, None)
    assert state.claim("sid", "phone", TUESDAY_2PM) == (False, None), "still being answered"
    state.answered("sid", "<Response />", TUESDAY_2PM)
    assert state.claim("sid", "phone", TUESDAY_2PM) == (False, "<Response />")


def test_without_sms_records_999_still_goes_out(sms: TestClient, rasa: ScriptedRasa) -> None:
    engine = sms.app.state.conversation.store.engine  # type: ignore[attr-defined]
    SQLModel.metadata.drop_all(engine, tables=[SmsSession.__table__, SmsDelivery.__table__])  # type: ignore[attr-defined]
    reply = text(sms, "hello")
    assert reply.status == 200
    assert reply.body.startswith("If you are in danger now call 999")
