"""When Rasa is down, slow or broken, a person still gets 999 and a line open now, at once.

No test here times anything (speed is for `make bench`): the slow fake Rasa answers properly,
but only after the API's timeout, so a degraded answer shows that the timeout fired.

"Down" is a real closed port. "Slow" and "broken" need a fake Rasa: a real HTTP server on
loopback that hangs or answers nonsense, since a real Rasa can't be made to do that on demand.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.conftest import free_port, make_settings


class FakeRasa(http.server.BaseHTTPRequestHandler):
    behaviour = "slow"

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        if self.behaviour == "slow":
            time.sleep(3)  # past the 1 s timeout below
            body, status = b'[{"recipient_id": "slow", "text": "too late"}]', 200
        elif self.behaviour == "error":
            body, status = b"internal error", 500
        elif self.behaviour == "garbage":
            body, status = b'{"not": "a list"', 200
        else:  # "silent": valid JSON, but nothing to say
            body, status = b"[]", 200
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the API gave up waiting, as it should

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_rasa(request: pytest.FixtureRequest) -> Iterator[str]:
    port = free_port()
    handler = type("Handler", (FakeRasa,), {"behaviour": request.param})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def assert_safety_answer(reply: dict) -> None:
    assert reply["degraded"] is True
    text = " ".join(m["text"] for m in reply["messages"])
    assert "trouble" in reply["messages"][0]["text"].lower(), "it says honestly it has trouble"
    assert "999" in text and "55" in text
    assert any(h["open_now"] or h["always_open"] for h in reply["helplines"])


def test_rasa_down_still_answers_with_999(client: TestClient) -> None:
    response = client.post("/chat", json={"session": "down", "text": "he's outside with a knife"})
    assert response.status_code == 200
    assert_safety_answer(response.json())


@pytest.mark.parametrize("fake_rasa", ["slow", "error", "garbage", "silent"], indirect=True)
def test_rasa_slow_or_broken_still_answers_with_999(fake_rasa: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rasa_url=fake_rasa, rasa_timeout=1.0)
    with TestClient(create_app(settings)) as client:
        response = client.post("/chat", json={"session": "slow", "text": "please help"})
    assert response.status_code == 200
    assert_safety_answer(response.json())
    assert "too late" not in str(response.json()), "the API waited for Rasa past its timeout"
