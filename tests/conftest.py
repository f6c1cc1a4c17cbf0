"""Fixtures: the app on a temporary SQLite file, and a real trained Rasa server per test session.

The Rasa server is the model `make test` trained (bot/models/signpost.tar.gz), started through the
same script `make run` uses. Tests that need it are marked `rasa`; a fake Rasa appears only in
the failure tests (down, slow, broken), which a real one cannot show on demand.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# tests/bot/ imports Rasa's components and runs in Rasa's environment (scripts/test.sh).
collect_ignore = ["bot"]
STAFF_TOKEN = "staff-token-for-tests"
# Where the session's Rasa server writes its log (the privacy tests read it).
RASA_LOG: list[Path] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_rasa(
    log: Path, env: dict[str, str] | None = None, token: str | None = None
) -> tuple[subprocess.Popen, str, str]:
    """Starts a Rasa server with the trained model; (process, url, token) once it has the model."""
    model = ROOT / "bot" / "models" / "signpost.tar.gz"
    if not model.exists():
        pytest.fail("No trained model: run `make test` (it trains bot/models/signpost.tar.gz).")
    port, token = free_port(), token or secrets.token_hex(8)
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "rasa.sh"), str(port)],
            env={**os.environ, **(env or {}), "RASA_TOKEN": token},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, f"http://127.0.0.1:{port}", token


def wait_for_rasa(process: subprocess.Popen, url: str, token: str, log: Path) -> None:
    waited = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "wait_for.py"),
            f"{url}/status?token={token}",
            "400",
            "model_id",
            str(process.pid),
        ],
        check=False,
    )
    if waited.returncode != 0:
        process.kill()
        pytest.fail("Rasa did not start:\n" + log.read_text()[-3000:])


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def rasa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(url, token) of a real Rasa server with the trained model."""
    log = tmp_path_factory.mktemp("rasa") / "rasa.log"
    RASA_LOG.append(log)
    process, url, token = start_rasa(log)
    wait_for_rasa(process, url, token, log)
    yield url, token
    stop(process)


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "rasa_url": "http://127.0.0.1:9",
        "rasa_token": "",
        "database_url": f"sqlite:///{tmp_path / 'signpost.db'}",
        "signpost_secret": "test-secret",
        "signpost_staff_token": STAFF_TOKEN,
        "rasa_timeout": 3.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with no Rasa behind them (a closed port): for tests that need no model."""
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def rasa_settings(tmp_path: Path, rasa_server: tuple[str, str]) -> Settings:
    url, token = rasa_server
    return make_settings(tmp_path, rasa_url=url, rasa_token=token)


@pytest.fixture
def rasa_client(rasa_settings: Settings) -> Iterator[TestClient]:
    """The app talking to the real Rasa server."""
    with TestClient(create_app(rasa_settings)) as c:
        yield c


STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}


def session_id() -> str:
    return "t-" + secrets.token_hex(6)


def rasa_status(url: str, token: str) -> dict:
    return dict(httpx.get(f"{url}/status", params={"token": token}, timeout=5).json())


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[Callable[[], str]]:
    """Makes fresh PostgreSQL databases on the machine's server (TEST_DATABASE_URL); all are
    dropped at the end of the session."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(
        os.environ.get(
            "TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
        )
    )
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        name = "signpost_test_" + secrets.token_hex(4)
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as error:  # noqa: BLE001
            pytest.fail(
                f"PostgreSQL at {base} is needed for this test (TEST_DATABASE_URL): {error}"
            )
        made.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as connection:
        for name in made:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url(postgres_databases: Callable[[], str]) -> str:
    """A fresh PostgreSQL database for this test session."""
    return postgres_databases()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, driven by Playwright (for the browser tests)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
