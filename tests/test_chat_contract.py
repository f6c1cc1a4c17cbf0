"""The chat contract's edges that need no model: validation, the staff clock, health."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import STAFF


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "hello"}, "session"),
        ({"session": "abc"}, "text"),
        ({"session": "abc", "text": ""}, "text"),
        ({"session": "abc", "text": "x" * 2001}, "text"),
        ({"session": "bad id!", "text": "hello"}, "session"),
        ({"session": "a" * 129, "text": "hello"}, "session"),
        ({"session": 12, "text": "hello"}, "session"),
        ({"session": "abc", "text": ["hello"]}, "text"),
    ],
)
def test_malformed_input_gets_422_naming_the_field(
    client: TestClient, body: dict, field: str
) -> None:
    response = client.post("/chat", json=body)
    assert response.status_code == 422
    assert any(field in error["loc"] for error in response.json()["detail"])


def test_setting_the_clock_needs_the_staff_token(client: TestClient) -> None:
    body = {"session": "abc", "text": "hello", "at": "2026-12-25T12:00:00Z"}
    assert client.post("/chat", json=body).status_code == 403
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.post("/chat", json=body, headers=wrong).status_code == 403
    assert client.post("/chat", json=body, headers=STAFF).status_code == 200


def test_health_is_up_while_ready_says_why_not(client: TestClient) -> None:
    assert client.get("/health").status_code == 200
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert any("rasa" in p for p in ready.json()["problems"])


def test_responses_are_not_cached_or_referred(client: TestClient) -> None:
    headers = client.get("/health").headers
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
