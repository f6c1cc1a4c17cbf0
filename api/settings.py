"""Settings, read once from the environment (and `.env`); the README's table lists them all."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    # Rasa's SQL tracker store, when Rasa uses one (deploy/endpoints.yml): the API deletes a
    # conversation's events there on erase and after the retention period.
    rasa_tracker_database_url: str = ""
    # Past this many seconds the person gets the safety answer instead of waiting for Rasa.
    rasa_timeout: float = 3.0
    database_url: str = f"sqlite:///{ROOT / 'var' / 'signpost.db'}"
    helplines_path: Path = ROOT / "helplines.yaml"
    domain_path: Path = ROOT / "bot" / "domain.yml"
    # Key for the keyed hashes of session ids and phone numbers. Unset, a random key is made at
    # start-up: hashes then change on restart, which loses nothing a person needs.
    signpost_secret: str = Field(default_factory=lambda: secrets.token_hex(32))
    signpost_staff_token: str = ""
    store_transcripts: bool = False
    retention_days: int = 30
    # How many helplines one message lists: a list of three beats a paragraph.
    max_helplines: int = 3
    # Other sites allowed to call the API from the widget (comma-separated origins, e.g.
    # "https://www.example-charity.org.uk"); the API's own origin always works.
    allowed_origins: str = ""
    # Messages a minute from one conversation before it gets the static safety answer instead.
    rate_limit_per_minute: int = 30
    # SMS (Twilio). The account's Auth Token checks X-Twilio-Signature; unset, every SMS is refused.
    twilio_auth_token: str = ""
    # The public address Twilio was given (before any proxy): signatures cover this URL, not the
    # one the request arrives on. The webhook is PUBLIC_BASE_URL + /sms/twilio.
    public_base_url: str = "http://127.0.0.1:8000"
    # A neutral name HELP answers start with, e.g. "Info line": never the organisation or
    # "abuse", since it shows on a lock screen. Empty: no name.
    sms_sender_name: str = ""
    # After this many quiet minutes a text starts a new conversation, with no old context.
    sms_session_quiet_minutes: int = 240


@lru_cache
def get_settings() -> Settings:
    return Settings()
