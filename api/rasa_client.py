"""The Rasa server, over HTTP: one turn, the server's readiness, and erasing a conversation."""

from __future__ import annotations

from typing import Any

import anyio
import httpx

# Rasa's REST channel for the web; the "sms" connector (bot/connectors/sms.py) for SMS, so that
# Rasa picks the domain's shorter `channel: sms` variations.
WEBHOOKS = {"web": "/webhooks/rest/webhook", "sms": "/webhooks/sms/webhook"}


class RasaUnavailable(Exception):
    """Rasa did not give a usable answer: down, slow past the timeout, an error, or garbage."""


class RasaClient:
    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str, timeout: float):
        self._http = http
        self._base = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def _auth(self) -> dict[str, str]:
        return {"token": self._token} if self._token else {}

    async def send(self, sender: str, text: str, channel: str = "web") -> list[dict[str, Any]]:
        """Rasa's replies to one message, or RasaUnavailable within `timeout` seconds."""
        url = self._base + WEBHOOKS[channel]
        try:
            with anyio.fail_after(self.timeout):
                response = await self._http.post(url, json={"sender": sender, "message": text})
            response.raise_for_status()
            messages = response.json()
        except (httpx.HTTPError, TimeoutError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from None
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            raise RasaUnavailable("unexpected reply shape")
        return messages

    async def status(self) -> dict[str, Any]:
        """Rasa's /status (needs the token): includes `model_id` once a model is loaded."""
        try:
            with anyio.fail_after(self.timeout):
                response = await self._http.get(self._base + "/status", params=self._auth())
            response.raise_for_status()
            status = response.json()
        except (httpx.HTTPError, TimeoutError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from None
        if not isinstance(status, dict):
            raise RasaUnavailable("unexpected status shape")
        return status

    async def erase(self, sender: str) -> None:
        """Replace the conversation's events with none: Rasa keeps nothing of it."""
        try:
            with anyio.fail_after(self.timeout):
                response = await self._http.put(
                    f"{self._base}/conversations/{sender}/tracker/events",
                    params=self._auth(),
                    json=[],
                )
            response.raise_for_status()
        except (httpx.HTTPError, TimeoutError) as error:
            raise RasaUnavailable(type(error).__name__) from None

    async def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation's tracker (for the staff console: intent and confidence)."""
        try:
            with anyio.fail_after(self.timeout):
                response = await self._http.get(
                    f"{self._base}/conversations/{sender}/tracker",
                    params={**self._auth(), "include_events": "NONE"},
                )
            response.raise_for_status()
            return dict(response.json())
        except (httpx.HTTPError, TimeoutError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from None
