"""Talking to a running Signpost the way people do: POST /chat, and Twilio-signed texts.

Each conversation is fresh: a new web session id, or a new made-up phone number (long enough
that no two runs meet the same SMS conversation). The scenario's clock goes as the staff-only
`at` (web) or `X-Signpost-At` header (SMS). What a reply does not carry (an SMS has no safety or
audience; neither channel says what Rasa understood or why a line was offered) comes from the
staff-only `POST /staff/inspect`.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from api.sms.gsm import gsm_safe, segments

# Ofcom keeps 07700 900xxx for drama; a longer made-up number can't be anyone's phone either.
TO = "+447700900000"


class ServiceError(Exception):
    """The service could not be asked: what went wrong, in plain words (no traceback)."""


@dataclass(frozen=True)
class Offered:
    id: str
    name: str
    why: str = ""
    short_name: str | None = None  # the name an SMS uses


@dataclass
class Observed:
    """What the bot did in one turn, as far as can be seen."""

    texts: list[str]
    buttons: list[str] = field(default_factory=list)
    # None when it can't be seen (SMS without the staff token).
    safety: str | None = None
    audience: str | None = None
    helplines: list[Offered] | None = None
    degraded: bool = False
    intent: str | None = None
    confidence: float | None = None
    segments: int | None = None

    @property
    def shown(self) -> str:
        """All the person sees, as one text: messages, then the buttons as [title]."""
        return "\n".join([*self.texts, *(f"[{title}]" for title in self.buttons)])


@dataclass(frozen=True)
class Credentials:
    staff_token: str = ""
    twilio_auth_token: str = ""
    public_base_url: str = "http://127.0.0.1:8000"


class Service:
    def __init__(
        self,
        url: str,
        credentials: Credentials,
        timeout: float = 30.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.credentials = credentials
        # `http` lets a test hand in FastAPI's TestClient (an httpx.Client) instead of a server.
        self.http = http or httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def check_reachable(self) -> None:
        try:
            self.http.get("/health").raise_for_status()
        except httpx.HTTPError as error:
            raise ServiceError(
                f"can't reach Signpost at {self.url} ({type(error).__name__}): is it running?"
                " (`make run`, or give --url)"
            ) from None

    def _staff(self) -> dict[str, str]:
        token = self.credentials.staff_token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _post(self, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.post(path, **kwargs)
        except httpx.HTTPError as error:
            raise ServiceError(f"no answer from {self.url}{path}: {type(error).__name__}") from None
        if response.status_code == 403:
            same = "TWILIO_AUTH_TOKEN, PUBLIC_BASE_URL and " if path == "/sms/twilio" else ""
            raise ServiceError(
                f"{path} refused the request (403): {_detail(response)}"
                f" Are {same}SIGNPOST_STAFF_TOKEN the same as the service's?"
            )
        if response.status_code != 200:
            raise ServiceError(f"{path} answered {response.status_code}: {_detail(response)}")
        return response

    def inspect(self, channel: str, sender: str) -> dict[str, Any] | None:
        """The last turn's classification, or None without the staff token."""
        if not self.credentials.staff_token:
            return None
        body = {"channel": channel, "sender": sender}
        return dict(self._post("/staff/inspect", json=body, headers=self._staff()).json())

    def web(self, session: str, text: str, at: datetime | None) -> Observed:
        body: dict[str, Any] = {"session": session, "text": text}
        if at is not None:
            self._need_staff_for_clock()
            body["at"] = at.isoformat()
        reply = self._post("/chat", json=body, headers=self._staff()).json()
        seen = Observed(
            texts=[m["text"] for m in reply["messages"]],
            buttons=[b["title"] for m in reply["messages"] for b in m.get("buttons", [])],
            safety=reply["safety"],
            audience=reply["audience"],
            helplines=[Offered(h["id"], h["name"], h.get("why", "")) for h in reply["helplines"]],
            degraded=reply["degraded"],
        )
        _add_understanding(seen, self.inspect("web", session), replace=False)
        return seen

    def sms(self, phone: str, text: str, at: datetime | None) -> Observed:
        token = self.credentials.twilio_auth_token
        if not token:
            raise ServiceError(
                "SMS scenarios need TWILIO_AUTH_TOKEN (the same as the service's) to sign texts"
            )
        sid = "SM" + secrets.token_hex(16)
        fields = {
            "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": "AC" + "0" * 32,
            "From": phone, "To": TO, "Body": text, "NumMedia": "0", "NumSegments": "1",
            "FromCountry": "GB", "ToCountry": "GB", "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }  # fmt: skip
        # Twilio signs for the address it was given, which may not be the one we call.
        signed_for = self.credentials.public_base_url.rstrip("/") + "/sms/twilio"
        signature = RequestValidator(token).compute_signature(signed_for, fields)
        headers = {"X-Twilio-Signature": signature}
        if at is not None:
            self._need_staff_for_clock()
            headers |= {**self._staff(), "X-Signpost-At": at.isoformat()}
        response = self._post("/sms/twilio", data=fields, headers=headers)
        try:
            bodies = [m.text or "" for m in ET.fromstring(response.text).iter("Message")]
        except ET.ParseError:
            raise ServiceError("/sms/twilio answered with something that is not TwiML") from None
        body = "\n".join(bodies)
        seen = Observed(texts=bodies, segments=segments(body) if bodies else 0)
        _add_understanding(seen, self.inspect("sms", phone), replace=True)
        if seen.helplines is not None:
            # An SMS lists fewer lines than the turn matched, to fit its segments: a line is
            # offered only if the text names it.
            flat = _flat(body)
            seen.helplines = [h for h in seen.helplines if _flat(h.short_name or h.name) in flat]
        return seen

    def _need_staff_for_clock(self) -> None:
        if not self.credentials.staff_token:
            raise ServiceError(
                "this scenario sets the clock (at:), which needs SIGNPOST_STAFF_TOKEN"
                " (the same as the service's)"
            )


def _add_understanding(seen: Observed, inspection: dict[str, Any] | None, replace: bool) -> None:
    """Adds what Rasa understood and why lines were offered; for SMS, safety and audience too."""
    if inspection is None:
        return
    seen.intent = inspection.get("intent")
    seen.confidence = inspection.get("confidence")
    whys = {h["id"]: h.get("why", "") for h in inspection.get("helplines", [])}
    if replace:
        seen.safety = inspection["safety"]
        seen.audience = inspection["audience"]
        seen.degraded = bool(inspection.get("degraded"))
        seen.helplines = [
            Offered(h["id"], h["name"], h.get("why", ""), h.get("short_name"))
            for h in inspection["helplines"]
        ]
    elif seen.helplines is not None:
        seen.helplines = [Offered(h.id, h.name, whys.get(h.id, h.why)) for h in seen.helplines]


def _flat(text: str) -> str:
    # The SMS text is made GSM-safe (curly quotes straightened): compare names the same way.
    return gsm_safe(text).casefold()


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    return str(detail)[:300]


def new_session() -> str:
    return "flows-" + secrets.token_hex(12)


def new_phone() -> str:
    # +44 7700 then nine random digits: 15 digits, the most a phone number has.
    return "+447700" + "".join(secrets.choice("0123456789") for _ in range(9))
