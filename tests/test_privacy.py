"""With STORE_TRANSCRIPTS unset, what a person writes is kept nowhere: not in the database
file, not in the API's logs, not in the Rasa server's log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.conftest import RASA_LOG, make_settings, session_id

pytestmark = pytest.mark.rasa

SENTENCE = "my neighbour Zebedee Quillfeather locked me in the pantry at Thistlewick Farm"


def all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_a_distinctive_sentence_sent_through_chat_is_kept_nowhere(
    tmp_path: Path, rasa_server: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    url, token = rasa_server
    settings = make_settings(tmp_path / "data", rasa_url=url, rasa_token=token)
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(settings)) as client:
        session = session_id()
        reply = client.post("/chat", json={"session": session, "text": SENTENCE}).json()
        assert reply["degraded"] is False  # it went through Rasa, the real path
        client.post("/chat", json={"session": session, "text": "thank you"})
    stored = all_bytes(tmp_path / "data")
    assert stored, "the database file exists and holds the conversation"
    for word in ("Zebedee", "Quillfeather", "Thistlewick", "pantry"):
        assert word.encode() not in stored
        assert word not in caplog.text
        assert word not in RASA_LOG[-1].read_text(errors="replace")
    assert session.encode() not in stored, "the session id is kept only as a keyed hash"


def test_with_transcripts_on_the_text_is_kept_and_erase_removes_it(
    tmp_path: Path, rasa_server: tuple[str, str]
) -> None:
    url, token = rasa_server
    settings = make_settings(
        tmp_path / "data", rasa_url=url, rasa_token=token, store_transcripts=True
    )
    with TestClient(create_app(settings)) as client:
        session = session_id()
        client.post("/chat", json={"session": session, "text": SENTENCE})
        assert b"Quillfeather" in all_bytes(tmp_path / "data")
        assert client.delete(f"/chat/{session}").json()["erased"] is True
        # Erased rows are overwritten in the file (secure_delete), not left in free pages.
        assert b"Quillfeather" not in all_bytes(tmp_path / "data")


def test_a_distinctive_sentence_sent_by_sms_is_kept_nowhere(
    tmp_path: Path, rasa_server: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    from tests.sms_support import PHONE, PUBLIC, TOKEN, text

    url, token = rasa_server
    settings = make_settings(
        tmp_path / "data",
        rasa_url=url,
        rasa_token=token,
        twilio_auth_token=TOKEN,
        public_base_url=PUBLIC,
    )
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(settings)) as client:
        reply = text(client, SENTENCE)
        assert reply.status == 200 and "999" in reply.body
    stored = all_bytes(tmp_path / "data")
    assert stored
    for word in ("Zebedee", "Quillfeather", "Thistlewick", "pantry"):
        assert word.encode() not in stored
        assert word not in caplog.text
        assert word not in RASA_LOG[-1].read_text(errors="replace")
    # The phone number is kept only as a keyed hash.
    for form in (PHONE, PHONE.lstrip("+"), PHONE[-10:]):
        assert form.encode() not in stored
        assert form not in caplog.text
