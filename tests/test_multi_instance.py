"""Two Rasa servers and two API instances share one conversation, as in deploy/.

The Rasa servers share a PostgreSQL tracker store and a Redis lock store (deploy/endpoints.yml);
the API instances share a PostgreSQL database and list both Rasa servers. A conversation whose
turns alternate between the API instances keeps its state; when one Rasa server is killed the
conversation goes on through the other with no lost turn; erase and the retention purge reach
PostgreSQL and Rasa's SQL tracker store. Needs the machine's PostgreSQL and Redis
(TEST_DATABASE_URL, TEST_REDIS_URL).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.main import create_app
from api.store import utcnow
from tests.conftest import ROOT, STAFF, make_settings, start_rasa, stop, wait_for_rasa

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, postgres_databases: Callable[[], str]
) -> Iterator[dict]:
    tracker_url = make_url(postgres_databases())
    redis = make_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    env = {
        "RASA_ENDPOINTS": str(ROOT / "deploy" / "endpoints.yml"),
        "RASA_TRACKER_DB_HOST": tracker_url.host or "127.0.0.1",
        "RASA_TRACKER_DB_PORT": str(tracker_url.port or 5432),
        "RASA_TRACKER_DB_NAME": tracker_url.database or "",
        "RASA_TRACKER_DB_USER": tracker_url.username or "postgres",
        "RASA_TRACKER_DB_PASSWORD": tracker_url.password or "",
        "REDIS_HOST": redis.host or "127.0.0.1",
        "REDIS_PORT": str(redis.port or 6379),
        "REDIS_LOCK_DB": "7",
    }
    logs = tmp_path_factory.mktemp("cluster")
    # Both start at once: half the wait.
    token = secrets.token_hex(8)  # one token: the API uses it with either server
    a = start_rasa(logs / "rasa-a.log", env, token)
    b = start_rasa(logs / "rasa-b.log", env, token)
    wait_for_rasa(a[0], a[1], a[2], logs / "rasa-a.log")
    wait_for_rasa(b[0], b[1], b[2], logs / "rasa-b.log")
    # Both servers share the token the API uses for status and erase.
    yield {
        "a": a,
        "b": b,
        "tracker_url": tracker_url.render_as_string(hide_password=False),
        "api_db": postgres_databases(),
        "logs": logs,
    }
    for process, _, _ in (a, b):
        stop(process)


def api(cluster: dict, tmp_path: Path, first: str = "a") -> TestClient:
    """An API instance listing both Rasa servers, `first` first."""
    second = "b" if first == "a" else "a"
    urls = f"{cluster[first][1]},{cluster[second][1]}"
    token = cluster[first][2]
    settings = make_settings(
        tmp_path,
        rasa_url=urls,
        rasa_token=token,
        database_url=cluster["api_db"],
        rasa_tracker_database_url=cluster["tracker_url"],
        signpost_secret="shared-secret",
    )
    return TestClient(create_app(settings))


def say(client: TestClient, session: str, text: str) -> dict:
    response = client.post("/chat", json={"session": session, "text": text})
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["degraded"] is False, reply
    return reply


def events_for_all(tracker_url: str) -> int:
    engine = create_engine(tracker_url)
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM events")).scalar_one())


def test_turns_alternating_between_instances_keep_the_conversation(
    cluster: dict, tmp_path: Path
) -> None:
    # Instance one talks to Rasa A first, instance two to Rasa B: turns change server too.
    with (
        api(cluster, tmp_path / "one", "a") as one,
        api(cluster, tmp_path / "two", "b") as two,
    ):
        session = "multi-" + secrets.token_hex(4)
        first = say(one, session, "hello")
        assert "safe" in first["messages"][-1]["text"].lower()
        # "no" means danger only as the answer to "Are you safe right now?", which the other
        # instance never asked: the conversation's state must be shared.
        second = say(two, session, "no")
        assert second["safety"] == "emergency"
        assert "999" in second["messages"][0]["text"]
        third = say(one, session, '/inform_audience{"audience":"man"}')
        assert third["audience"] == "man" and third["safety"] == "emergency"

        # Rasa A dies mid-conversation: instance one's next turn goes to B instead.
        stop(cluster["a"][0])
        fourth = say(one, session, "thank you")
        assert (fourth["safety"], fourth["audience"]) == ("emergency", "man")
        fifth = say(one, session, "who can i call right now")
        assert fifth["audience"] == "man"
        assert any(h["open_now"] or h["always_open"] for h in fifth["helplines"])

        # Erase reaches the shared database and Rasa's SQL tracker store.
        engine = create_engine(cluster["tracker_url"])
        with engine.connect() as connection:
            before = connection.execute(text("SELECT count(DISTINCT sender_id) FROM events"))
            assert before.scalar_one() >= 1
        assert two.delete(f"/chat/{session}").json()["erased"] is True
        summary = one.get("/staff/summary", headers=STAFF).json()
        assert summary["conversations"] == 0
        with engine.connect() as connection:
            remaining = connection.execute(text("SELECT count(*) FROM events")).scalar_one()
        assert remaining == 0


def test_retention_purge_reaches_the_sql_tracker_store(cluster: dict, tmp_path: Path) -> None:
    with api(cluster, tmp_path / "three", "b") as client:
        say(client, "purge-" + secrets.token_hex(4), "hello")
        assert events_for_all(cluster["tracker_url"]) > 0
        conversation = client.app.state.conversation  # type: ignore[attr-defined]
        future = utcnow() + timedelta(days=1)
        assert conversation.store.purge(future) >= 1
        assert conversation.tracker_store.purge(future) >= 1
    assert events_for_all(cluster["tracker_url"]) == 0
