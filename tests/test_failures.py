"""A person gets an answer whatever fails: the database, the directory, bad input, a flood."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import SQLModel, create_engine

from api.main import create_app
from tests.conftest import ROOT, make_settings, session_id


def chat(client: TestClient, text: str, session: str = "s1") -> dict:
    response = client.post("/chat", json={"session": session, "text": text})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.rasa
def test_database_unavailable_still_answers_and_shows_in_ready(
    tmp_path: Path, rasa_server: tuple[str, str]
) -> None:
    url, token = rasa_server
    settings = make_settings(
        tmp_path,
        rasa_url=url,
        rasa_token=token,
        database_url="postgresql+psycopg2://postgres@127.0.0.1:1/nowhere",
    )
    with TestClient(create_app(settings)) as client:
        reply = chat(client, "he's outside with a knife", session_id())
        assert reply["safety"] == "emergency" and reply["degraded"] is False
        ready = client.get("/ready")
    assert ready.status_code == 503
    assert any(p.startswith("database") for p in ready.json()["problems"])


def test_read_only_database_still_answers_and_shows_in_ready(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    SQLModel.metadata.create_all(create_engine(f"sqlite:///{path}"))
    settings = make_settings(tmp_path, database_url=f"sqlite:///file:{path}?mode=ro&uri=true")
    with TestClient(create_app(settings)) as client:
        reply = chat(client, "please help")
        assert "999" in " ".join(m["text"] for m in reply["messages"])
        problems = client.get("/ready").json()["problems"]
    assert any(p.startswith("database") for p in problems)


def test_broken_directory_at_reload_keeps_the_last_good_one(tmp_path: Path) -> None:
    helplines = tmp_path / "helplines.yaml"
    shutil.copy(ROOT / "helplines.yaml", helplines)
    with TestClient(create_app(make_settings(tmp_path, helplines_path=helplines))) as client:
        before = chat(client, "help")["helplines"]
        helplines.write_text(helplines.read_text().replace("0808 2000 247", "0808 20000 247"))
        assert client.app.state.directory.reload() is False  # type: ignore[attr-defined]
        after = chat(client, "help", "s2")["helplines"]
        problems = client.get("/ready").json()["problems"]
    assert after == before and after
    assert any(p.startswith("directory") for p in problems)


def test_a_burst_from_one_sender_gets_the_static_safety_answer_not_a_429(
    client: TestClient,
) -> None:
    replies = [chat(client, f"message {i}", "flood") for i in range(35)]
    assert "trouble" in replies[0]["messages"][0]["text"]  # Rasa is down in this test
    limited = replies[-1]
    assert "a lot of messages" in limited["messages"][0]["text"]
    assert "999" in limited["messages"][1]["text"]
    assert limited["helplines"]
    # Another person is not affected.
    assert "a lot of messages" not in chat(client, "hello", "someone-else")["messages"][0]["text"]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"session=a&text=hello", "application/x-www-form-urlencoded", 422),
        (b"hello", "text/plain", 422),
        (b'{"session": "a", "text": "' + b"x" * 200_000 + b'"}', "application/json", 413),
        (b"[" * 20_000 + b"]" * 20_000, "application/json", 400),
        (b'{"session": "a", "text": "\xff\xfe\xfd"}', "application/json", 400),
        (
            b'{"session": "a", "text": {"nested": {"deeper": [1, 2, {"x": 1}]}}}',
            "application/json",
            422,
        ),
    ],
)
def test_bad_bodies_are_refused_plainly(
    client: TestClient, body: bytes, content_type: str, status: int
) -> None:
    response = client.post("/chat", content=body, headers={"content-type": content_type})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")


def test_control_characters_still_get_an_answer(client: TestClient) -> None:
    reply = chat(client, "help\x00 me\x07\x1b[31m now\u202e")
    assert "999" in " ".join(m["text"] for m in reply["messages"])
