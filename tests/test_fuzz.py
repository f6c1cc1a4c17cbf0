"""Fuzzing /chat and /helplines from the app's own OpenAPI schema (schemathesis): whatever
arrives, the answer is never a server error, and a 200 from /chat always carries 999."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from api.main import create_app
from tests.conftest import make_settings

# No Rasa behind it (a closed port): /chat answers with the safety net, which is what must
# hold for any input. The lifespan runs once, in the fixture below, for the whole module.
app = create_app(make_settings(Path(tempfile.mkdtemp()), rate_limit_per_minute=100_000))
schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(
    path_regex="^/(chat|helplines)"
)


@pytest.fixture(scope="module", autouse=True)
def running_app() -> Iterator[None]:
    with TestClient(app):
        yield


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_chat_and_helplines_never_answer_with_a_server_error(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, response.text
    if case.path == "/chat" and case.method == "POST" and response.status_code == 200:
        body = response.json()
        assert "999" in " ".join(m["text"] for m in body["messages"])
