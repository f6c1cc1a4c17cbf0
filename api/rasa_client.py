"""The Rasa server, over HTTP: one turn, the server's readiness, and erasing a conversation."""

from __future__ import annotations

from typing import Any

import anyio
import httpx

# Rasa's REST channel for the web; the "sms" connector (bot/connectors/sms.py) for SMS, so that
# Rasa picks the domain's shorter `channel: sms` variations.
WEBHOOKS = {"web": "/webhooks/rest/webhook", "sms": "/webhooks/sms/webhook"}

# Turns sent to Rasa at once; the others wait here, in order, within the same timeout. Rasa works
# on one message at a time, so more at once only makes them all slower together, and a turn that
# timed out inside Rasa still costs Rasa its work after the person got the safety answer: under
# load nearly every reply then comes too late. `make bench` shows the difference (soak run).
MAX_IN_FLIGHT = 8


class RasaUnavailable(Exception):
    """Rasa did not give a usable answer: down, slow past the timeout, an error, or garbage."""


class RasaClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        token: str,
        timeout: float,
        max_in_flight: int = MAX_IN_FLIGHT,
    ):
        """`base_url` may list several Rasa servers, comma-separated: when one refuses the
        connection, the next is tried within the same timeout. They must share a tracker store
        (see deploy/), so any of them can continue any conversation."""
        self._http = http
        self._bases = [b.strip().rstrip("/") for b in base_url.split(",") if b.strip()]
        self._token = token
        self.timeout = timeout
        self._slots = anyio.Semaphore(max_in_flight)

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt, base in enumerate(list(self._bases)):
            try:
                return await self._http.request(method, base + path, **kwargs)
            except httpx.ConnectError:
                if attempt == len(self._bases) - 1:
                    raise
                # That server is gone: prefer the next one from now on.
                self._bases.append(self._bases.pop(self._bases.index(base)))
        raise httpx.ConnectError("no Rasa server configured")

    def _auth(self) -> dict[str, str]:
        return {"token": self._token} if self._token else {}

    async def send(self, sender: str, text: str, channel: str = "web") -> list[dict[str, Any]]:
        """Rasa's replies to one message, or RasaUnavailable within `timeout` seconds."""
        try:
            with anyio.fail_after(self.timeout):
                async with self._slots:  # waiting for a slot counts against the timeout
                    response = await self._request(
                        "POST", WEBHOOKS[channel], json={"sender": sender, "message": text}
                    )
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
                response = await self._request("GET", "/status", params=self._auth())
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
                response = await self._request(
                    "PUT", f"/conversations/{sender}/tracker/events", params=self._auth(), json=[]
                )
            response.raise_for_status()
        except (httpx.HTTPError, TimeoutError) as error:
            raise RasaUnavailable(type(error).__name__) from None

    async def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation's tracker (for the staff console: intent and confidence)."""
        try:
            with anyio.fail_after(self.timeout):
                response = await self._request(
                    "GET",
                    f"/conversations/{sender}/tracker",
                    params={**self._auth(), "include_events": "NONE"},
                )
            response.raise_for_status()
            return dict(response.json())
        except (httpx.HTTPError, TimeoutError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from None
