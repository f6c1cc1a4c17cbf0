"""GET /helplines and GET /helplines/{id}, on a small app that provides the directory dependency."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.deps import get_directory
from api.directory import load_directory
from api.routers import helplines

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {
    "id", "name", "organisation", "phone", "text", "email", "webchat", "open_now", "always_open",
    "next_open", "closes_at", "hours", "why", "notes", "check_before_calling",
    "out_of_hours_phone", "out_of_hours_note", "closed_reason", "short_name",
}  # fmt: skip


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    directory = load_directory(ROOT / "helplines.yaml")
    app = FastAPI()
    app.include_router(helplines.router)
    app.dependency_overrides[get_directory] = lambda: directory
    with TestClient(app) as test_client:
        yield test_client


def test_man_saturday_night_gets_closed_lines_with_times_and_a_24_7_line(
    client: TestClient,
) -> None:
    response = client.get("/helplines", params={"audience": "man", "at": "2026-11-28T22:30:00"})
    assert response.status_code == 200
    body = response.json()
    assert [h["id"] for h in body] == ["mens-advice-line", "mankind", "victim-support"]
    assert set(body[0]) == FIELDS
    assert body[0]["open_now"] is False and body[0]["next_open"] == "2026-11-30T09:00:00Z"
    assert body[0]["phone"] == "0808 8010 327" and "Monday at 9am" in body[0]["why"]
    assert body[2]["open_now"] is True and body[2]["always_open"] is True


def test_summer_time_answers_carry_the_bst_offset(client: TestClient) -> None:
    response = client.get(
        "/helplines", params={"audience": "man", "at": "2027-06-02T19:30:00+01:00"}
    )
    first = response.json()[0]
    assert first["id"] == "mens-advice-line" and first["open_now"] is True
    assert first["closes_at"] == "2027-06-02T20:00:00+01:00"


def test_nation_and_channel(client: TestClient) -> None:
    scotland = client.get("/helplines", params={"audience": "man", "nation": "scotland",
                                                "at": "2026-11-30T11:00:00"}).json()  # fmt: skip
    assert scotland[0]["id"] == "scotland-domestic-abuse-helpline"
    by_id = {h["id"]: h for h in scotland}
    assert by_id["mens-advice-line"]["open_now"] is None  # St Andrew's Day: check first
    assert by_id["mens-advice-line"]["check_before_calling"] is True
    email = client.get("/helplines", params={"audience": "lgbt", "channel": "email",
                                             "at": "2026-11-28T22:30:00"}).json()  # fmt: skip
    assert email[0]["id"] == "galop" and email[0]["email"] == "help@galop.org.uk"


def test_default_audience_is_unknown_and_time_is_now(client: TestClient) -> None:
    body = client.get("/helplines").json()
    assert body and any(h["always_open"] for h in body)


@pytest.mark.parametrize(
    "params",
    [{"audience": "martian"}, {"nation": "france"}, {"channel": "pigeon"}, {"at": "tomorrow"}],
)
def test_bad_parameters_are_422(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/helplines", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", next(iter(params))]


def test_one_line_by_id(client: TestClient) -> None:
    found = client.get("/helplines/samaritans", params={"at": "2026-12-25T03:00:00"})
    assert found.status_code == 200 and found.json()["phone"] == "116 123"
    assert found.json()["open_now"] is True
    assert client.get("/helplines/no-such-line").status_code == 404
